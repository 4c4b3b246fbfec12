//! Issuing challenges, checking answers, deadlines, and starting/stopping with contracts.

use alloc::vec::Vec;
use binary_merkle_tree::{verify_proof, Leaf};
use codec::{Decode, Encode};
use datdot_primitives::{
	ChallengeId, ChunkIndex, ChunkRange, ContractDirectory, ContractId, ContractObserver,
	ContractStatus, HostedPosition, Job, PlanDirectory, Priority, Ratings, ScheduleJob,
};
use frame_support::{pallet_prelude::*, traits::Randomness};
use sp_runtime::{
	traits::{BlakeTwo256, Saturating, TrailingZeroInput},
	DispatchResult,
};

use crate::{
	ChallengeOf, Challenges, Config, Error, Event, NextChallengeId, OpenChallenges, Pallet,
	PeriodicJobs, StorageProof, WeightInfo,
};

impl<T: Config> Pallet<T> {
	/// `count` distinct random chunk indexes of `range` (all of it when shorter), ascending.
	fn pick_chunks(challenge: ChallengeId, range: ChunkRange, count: u32) -> Vec<ChunkIndex> {
		let len = range.len();
		if len <= count {
			return (range.start..range.end).collect();
		}
		let mut picked: Vec<ChunkIndex> = Vec::with_capacity(count as usize);
		let mut nonce = 0u32;
		while picked.len() < count as usize {
			let (hash, _) = T::Randomness::random(&(b"datdot/chunk", challenge, nonce).encode());
			let r = u32::decode(&mut TrailingZeroInput::new(hash.as_ref())).unwrap_or_default();
			let index = range.start.saturating_add(r % len);
			// Collisions are rare; a linear probe keeps the loop bounded by `count`.
			let mut candidate = index;
			while picked.contains(&candidate) {
				candidate = if candidate.saturating_add(1) >= range.end {
					range.start
				} else {
					candidate.saturating_add(1)
				};
			}
			picked.push(candidate);
			nonce.saturating_inc();
		}
		picked.sort_unstable();
		picked
	}

	#[cfg(test)]
	pub(crate) fn pick_chunks_for_test(
		challenge: ChallengeId,
		range: ChunkRange,
	) -> Vec<ChunkIndex> {
		Self::pick_chunks(challenge, range, T::ChunksPerChallenge::get())
	}

	/// Challenges every hoster of `contract` that has no open challenge. Returns how many.
	pub(crate) fn challenge_contract(contract: ContractId) -> Result<u32, DispatchError> {
		let (plan, range, status) =
			T::Contracts::summary(contract).ok_or(Error::<T>::UnknownContract)?;
		let paused = T::Plans::terms(plan).map_or(true, |terms| terms.paused);
		ensure!(status != ContractStatus::Paused && !paused, Error::<T>::NothingToChallenge);
		let positions = T::Contracts::hosted_positions(contract);
		ensure!(!positions.is_empty(), Error::<T>::NothingToChallenge);
		let mut issued = 0u32;
		for HostedPosition { hoster, region } in positions {
			if OpenChallenges::<T>::contains_key(contract, &hoster) {
				continue;
			}
			let id = NextChallengeId::<T>::mutate(|next| {
				let id = *next;
				*next = next.saturating_add(1);
				id
			});
			let chunks = BoundedVec::truncate_from(Self::pick_chunks(
				id,
				range,
				T::ChunksPerChallenge::get(),
			));
			let deadline = frame_system::Pallet::<T>::block_number()
				.saturating_add(T::ChallengeTimeout::get());
			let deadline_job =
				T::Scheduler::schedule(deadline, Job::ChallengeDeadline(id), Priority::Critical)?;
			Challenges::<T>::insert(
				id,
				ChallengeOf::<T> {
					contract,
					hoster: hoster.clone(),
					region,
					chunks: chunks.clone(),
					deadline,
					deadline_job: Some(deadline_job),
				},
			);
			OpenChallenges::<T>::insert(contract, &hoster, id);
			Self::deposit_event(Event::ProvideProofOfStorage {
				challenge: id,
				hoster,
				contract,
				chunks,
				deadline,
			});
			issued.saturating_inc();
		}
		Ok(issued)
	}

	pub(crate) fn do_request(who: T::AccountId, contract: ContractId) -> DispatchResult {
		let (plan, _, _) = T::Contracts::summary(contract).ok_or(Error::<T>::UnknownContract)?;
		let terms = T::Plans::terms(plan).ok_or(Error::<T>::UnknownPlan)?;
		ensure!(terms.sponsor == who, Error::<T>::NotSponsor);
		let issued = Self::challenge_contract(contract)?;
		ensure!(issued > 0, Error::<T>::ChallengePending);
		Ok(())
	}

	pub(crate) fn do_response(who: T::AccountId, proof: StorageProof) -> DispatchResult {
		let challenge =
			Challenges::<T>::get(proof.challenge).ok_or(Error::<T>::UnknownChallenge)?;
		ensure!(challenge.hoster == who, Error::<T>::NotChallengedHoster);
		let (plan, _, _) =
			T::Contracts::summary(challenge.contract).ok_or(Error::<T>::UnknownContract)?;
		let terms = T::Plans::terms(plan).ok_or(Error::<T>::UnknownPlan)?;
		ensure!(proof.chunks.len() == challenge.chunks.len(), Error::<T>::WrongChunks);
		for (answer, wanted) in proof.chunks.iter().zip(challenge.chunks.iter()) {
			ensure!(answer.index == *wanted, Error::<T>::WrongChunks);
			ensure!(
				answer.data.len() <= T::MaxChunkSize::get() as usize,
				Error::<T>::ChunkTooLarge
			);
			ensure!(answer.path.len() <= T::MaxProofDepth::get() as usize, Error::<T>::PathTooLong);
			ensure!(
				verify_proof::<BlakeTwo256, _, _>(
					&terms.root,
					answer.path.iter().copied(),
					terms.length,
					answer.index,
					Leaf::Value(&answer.data),
				),
				Error::<T>::InvalidProof
			);
		}
		Self::close_challenge(proof.challenge);
		T::Ratings::record_challenge(&who, &challenge.region, true);
		Self::deposit_event(Event::ProofAccepted {
			challenge: proof.challenge,
			hoster: who,
			contract: challenge.contract,
		});
		Ok(())
	}

	/// Removes an open challenge and its deadline job.
	fn close_challenge(id: ChallengeId) -> Option<ChallengeOf<T>> {
		let challenge = Challenges::<T>::take(id)?;
		OpenChallenges::<T>::remove(challenge.contract, &challenge.hoster);
		if let Some(job) = challenge.deadline_job {
			T::Scheduler::cancel(job);
		}
		Some(challenge)
	}

	/// The most a proof job can cost.
	pub fn job_weight(job: &Job) -> Weight {
		match job {
			Job::StorageChallenge(_) => {
				T::WeightInfo::storage_challenge(T::MaxHostersPerContract::get())
			}
			Job::ChallengeDeadline(_) => T::WeightInfo::challenge_deadline(),
			_ => Weight::zero(),
		}
	}

	/// Whether a proof job still acts on a live record.
	pub fn job_is_live(job: &Job) -> bool {
		match job {
			Job::StorageChallenge(contract) => T::Contracts::summary(*contract).is_some(),
			Job::ChallengeDeadline(id) => Challenges::<T>::contains_key(id),
			_ => true,
		}
	}

	/// Runs a proof job.
	pub fn run_job(job: Job) -> Weight {
		match job {
			Job::StorageChallenge(contract) => {
				PeriodicJobs::<T>::remove(contract);
				let issued = Self::challenge_contract(contract).unwrap_or(0);
				if T::Contracts::summary(contract)
					.is_some_and(|(_, _, status)| status != ContractStatus::Paused)
				{
					Self::schedule_periodic(contract);
				}
				T::WeightInfo::storage_challenge(issued)
			}
			Job::ChallengeDeadline(id) => {
				// The deadline job is the one running now: nothing to cancel.
				if let Some(challenge) = Challenges::<T>::take(id) {
					OpenChallenges::<T>::remove(challenge.contract, &challenge.hoster);
					let rating =
						T::Ratings::record_challenge(&challenge.hoster, &challenge.region, false);
					Self::deposit_event(Event::ProofMissed {
						challenge: id,
						hoster: challenge.hoster.clone(),
						contract: challenge.contract,
						consecutive_failures: rating.consecutive_failures,
					});
					if rating.consecutive_failures >= T::MaxConsecutiveFailures::get() {
						let _ = T::Contracts::replace_hoster(challenge.contract, &challenge.hoster);
					}
				}
				T::WeightInfo::challenge_deadline()
			}
			_ => Weight::zero(),
		}
	}

	fn schedule_periodic(contract: ContractId) {
		if PeriodicJobs::<T>::contains_key(contract) {
			return;
		}
		let at =
			frame_system::Pallet::<T>::block_number().saturating_add(T::ChallengePeriod::get());
		if let Ok(job) =
			T::Scheduler::schedule(at, Job::StorageChallenge(contract), Priority::Normal)
		{
			PeriodicJobs::<T>::insert(contract, job);
		}
	}

	/// Every open challenge is indexed and belongs to a live contract.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		for (id, challenge) in Challenges::<T>::iter() {
			ensure!(
				OpenChallenges::<T>::get(challenge.contract, &challenge.hoster) == Some(id),
				"an open challenge is not indexed"
			);
			ensure!(
				T::Contracts::summary(challenge.contract).is_some(),
				"a challenge of an ended contract"
			);
		}
		for (contract, _) in PeriodicJobs::<T>::iter() {
			ensure!(
				T::Contracts::summary(contract).is_some(),
				"a periodic job of an ended contract"
			);
		}
		Ok(())
	}
}

impl<T: Config> ContractObserver<T::AccountId> for Pallet<T> {
	fn activated(contract: ContractId) {
		Self::schedule_periodic(contract);
	}

	fn stopped(contract: ContractId) {
		if let Some(job) = PeriodicJobs::<T>::take(contract) {
			T::Scheduler::cancel(job);
		}
		let open: Vec<ChallengeId> = OpenChallenges::<T>::iter_prefix_values(contract).collect();
		for id in open {
			Self::close_challenge(id);
		}
	}

	fn hoster_removed(contract: ContractId, hoster: &T::AccountId) {
		if let Some(id) = OpenChallenges::<T>::get(contract, hoster) {
			Self::close_challenge(id);
		}
	}
}
