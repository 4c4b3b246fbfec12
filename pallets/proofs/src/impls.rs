//! Issuing challenges, checking answers, deadlines, and starting/stopping with contracts.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use datdot_primitives::{
	encoding::{self, MAX_COPY_PATH},
	feed::{BlockProof, FeedError, MAX_PROOF_NODES},
	ChallengeId, ChunkIndex, ChunkRange, ContractDirectory, ContractId, ContractObserver,
	ContractStatus, EndReason, HostedPosition, Job, JobHandler, PlanDirectory, Priority, ProofJob,
	Ratings, ScheduleJob,
};
use frame_support::{pallet_prelude::*, traits::Randomness};
use sp_runtime::{
	traits::{One, Saturating, TrailingZeroInput},
	DispatchResult,
};

use crate::{
	ChallengeOf, Challenges, Config, Error, Event, Failures, LastRequest, NextChallengeId,
	OpenChallenges, Pallet, PeriodicJobs, StorageProof, WeightInfo,
};

impl<T: Config> Pallet<T> {
	fn now() -> frame_system::pallet_prelude::BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number()
	}

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

	/// The hosted positions of a contract that can be challenged now.
	fn challengeable(
		contract: ContractId,
	) -> Result<(ChunkRange, Vec<HostedPosition<T::AccountId>>), Error<T>> {
		let (plan, range, status) =
			T::Contracts::summary(contract).ok_or(Error::<T>::UnknownContract)?;
		let paused = T::Plans::terms(plan).map_or(true, |terms| terms.paused);
		ensure!(status != ContractStatus::Paused && !paused, Error::<T>::NothingToChallenge);
		let positions = T::Contracts::hosted_positions(contract);
		ensure!(!positions.is_empty(), Error::<T>::NothingToChallenge);
		Ok((range, positions))
	}

	/// Challenges every hoster of `contract` that has no open challenge. Returns how many.
	pub(crate) fn challenge_contract(contract: ContractId) -> Result<u32, DispatchError> {
		let (range, positions) = Self::challengeable(contract)?;
		Self::challenge_positions(contract, range, positions)
	}

	fn challenge_positions(
		contract: ContractId,
		range: ChunkRange,
		positions: Vec<HostedPosition<T::AccountId>>,
	) -> Result<u32, DispatchError> {
		let mut issued = 0u32;
		for HostedPosition { hoster, region, copy } in positions {
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
			let deadline = Self::now().saturating_add(T::ChallengeTimeout::get());
			let deadline_job = T::Scheduler::schedule(
				deadline.saturating_add(One::one()),
				Job::Proofs(ProofJob::Deadline(id)),
				Priority::Critical,
			)?;
			Challenges::<T>::insert(
				id,
				ChallengeOf::<T> {
					contract,
					hoster: hoster.clone(),
					region,
					copy,
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
		let now = Self::now();
		if let Some(last) = LastRequest::<T>::get(contract) {
			ensure!(
				now >= last.saturating_add(T::RequestCooldown::get()),
				Error::<T>::RequestTooSoon
			);
		}
		let issued = Self::challenge_contract(contract)?;
		ensure!(issued > 0, Error::<T>::ChallengePending);
		LastRequest::<T>::insert(contract, now);
		Ok(())
	}

	/// The weight `proof_of_storage_response` is charged before it runs: its chunks, the
	/// largest of them, the deepest Hypercore proof and the longest commitment path, each within
	/// its bound.
	pub fn response_weight(proof: &StorageProof) -> Weight {
		let chunks = proof.chunks.iter().take(T::ChunksPerChallenge::get() as usize);
		let size = chunks.clone().map(|chunk| chunk.encoded.len()).max().unwrap_or_default();
		let depth = chunks.clone().map(|chunk| chunk.nodes.len()).max().unwrap_or_default();
		let path = chunks.map(|chunk| chunk.copy_path.len()).max().unwrap_or_default();
		let (count, size, depth, path) = (
			(proof.chunks.len() as u32).min(T::ChunksPerChallenge::get()),
			(size as u32).min(T::MaxChunkSize::get()),
			(depth as u32).min(MAX_PROOF_NODES),
			(path as u32).min(MAX_COPY_PATH),
		);
		// The verifiers' cost per level of a proof and of a path, measured on their own: a whole
		// answer's run time varies more from run to run than its proofs' depth adds, so its
		// benchmark cannot always tell the depth's share apart.
		let per_level = T::WeightInfo::verify_block(0, depth)
			.saturating_sub(T::WeightInfo::verify_block(0, 0))
			.saturating_add(
				T::WeightInfo::verify_copy_path(path)
					.saturating_sub(T::WeightInfo::verify_copy_path(0)),
			)
			.saturating_mul(count.into());
		T::WeightInfo::proof_of_storage_response(count, size, depth).saturating_add(per_level)
	}

	/// The error of a block proof the feed's tree refused.
	fn proof_error(error: FeedError) -> Error<T> {
		match error {
			FeedError::ForkMismatch => Error::<T>::WrongFork,
			FeedError::ProofTooShort | FeedError::ProofTooLong => Error::<T>::WrongPathLength,
			FeedError::WrongNodeIndex => Error::<T>::WrongNodeIndex,
			FeedError::SizeMismatch | FeedError::SizeOverflow => Error::<T>::WrongSize,
			FeedError::OutOfRange => Error::<T>::WrongChunks,
			_ => Error::<T>::InvalidProof,
		}
	}

	pub(crate) fn do_response(who: T::AccountId, proof: StorageProof) -> DispatchResult {
		let challenge =
			Challenges::<T>::get(proof.challenge).ok_or(Error::<T>::UnknownChallenge)?;
		ensure!(challenge.hoster == who, Error::<T>::NotChallengedHoster);
		ensure!(Self::now() <= challenge.deadline, Error::<T>::DeadlinePassed);
		let (plan, range, _) =
			T::Contracts::summary(challenge.contract).ok_or(Error::<T>::UnknownContract)?;
		ensure!(proof.chunks.len() == challenge.chunks.len(), Error::<T>::WrongChunks);
		for answer in &proof.chunks {
			ensure!(
				answer.encoded.len() <= T::MaxChunkSize::get() as usize,
				Error::<T>::ChunkTooLarge
			);
			ensure!(answer.nodes.len() <= MAX_PROOF_NODES as usize, Error::<T>::PathTooLong);
			ensure!(answer.copy_path.len() <= MAX_COPY_PATH as usize, Error::<T>::CopyPathTooLong);
		}
		let feed = T::Plans::feed(plan).ok_or(Error::<T>::UnknownPlan)?;
		ensure!(proof.length == feed.length, Error::<T>::StaleFeed);
		for (answer, chunk) in proof.chunks.into_iter().zip(challenge.chunks.iter().copied()) {
			ensure!(
				encoding::in_commitment(
					&challenge.copy.commitment,
					range,
					chunk,
					&answer.encoded,
					&answer.copy_path,
				),
				Error::<T>::NotInCopy
			);
			let index = u64::from(chunk);
			let value = encoding::decode_block(&challenge.copy.key, index, &answer.encoded);
			let block = BlockProof { fork: proof.fork, index, value, nodes: answer.nodes };
			feed.verify(&block).map_err(Self::proof_error)?;
		}
		Self::close_challenge(proof.challenge);
		Failures::<T>::remove(challenge.contract, &who);
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

	/// Closes challenge `id` as missed: counts the failure in the position's region and in the
	/// contract, and says so. Returns the hoster's failures in a row in the contract.
	fn miss(id: ChallengeId) -> Option<(ChallengeOf<T>, u32)> {
		let challenge = Self::close_challenge(id)?;
		T::Ratings::record_challenge(&challenge.hoster, &challenge.region, false);
		let failures = Failures::<T>::mutate(challenge.contract, &challenge.hoster, |n| {
			n.saturating_inc();
			*n
		});
		Self::deposit_event(Event::ProofMissed {
			challenge: id,
			hoster: challenge.hoster.clone(),
			contract: challenge.contract,
			consecutive_failures: failures,
		});
		Some((challenge, failures))
	}

	/// The deadline of challenge `id` passed: a miss; one too many replaces the hoster.
	fn deadline(id: ChallengeId) -> DispatchResult {
		let Some((challenge, failures)) = Self::miss(id) else { return Ok(()) };
		if failures >= T::MaxConsecutiveFailures::get() {
			T::Contracts::replace_hoster(challenge.contract, &challenge.hoster)?;
		}
		Ok(())
	}

	/// Time for a contract's periodic challenge: challenge it (unless there is nothing to
	/// challenge now) and arm the next one.
	fn periodic_challenge(contract: ContractId) -> Result<Weight, DispatchError> {
		PeriodicJobs::<T>::remove(contract);
		let Some((_, _, status)) = T::Contracts::summary(contract) else {
			return Ok(T::WeightInfo::storage_challenge(0));
		};
		let issued = match Self::challengeable(contract) {
			Ok((range, positions)) => Self::challenge_positions(contract, range, positions)?,
			Err(_) => 0,
		};
		if status != ContractStatus::Paused {
			Self::schedule_periodic(contract)?;
		}
		Ok(T::WeightInfo::storage_challenge(issued))
	}

	fn schedule_periodic(contract: ContractId) -> DispatchResult {
		if PeriodicJobs::<T>::contains_key(contract) {
			return Ok(());
		}
		let at = Self::now().saturating_add(T::ChallengePeriod::get());
		let job = T::Scheduler::schedule(
			at,
			Job::Proofs(ProofJob::Challenge(contract)),
			Priority::Normal,
		)?;
		PeriodicJobs::<T>::insert(contract, job);
		Ok(())
	}

	/// Every open challenge is indexed and belongs to a live contract; every periodic job and
	/// failure count belongs to a live contract.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		Self::check_challenges_indexed()?;
		Self::check_records_of_live_contracts()
	}

	fn check_challenges_indexed() -> Result<(), sp_runtime::TryRuntimeError> {
		for (id, challenge) in Challenges::<T>::iter() {
			ensure!(
				OpenChallenges::<T>::get(challenge.contract, &challenge.hoster) == Some(id),
				"an open challenge is not indexed"
			);
		}
		for (contract, hoster, id) in OpenChallenges::<T>::iter() {
			let challenge = Challenges::<T>::get(id).ok_or("an index names no challenge")?;
			ensure!(
				challenge.contract == contract && challenge.hoster == hoster,
				"an index names another challenge"
			);
		}
		Ok(())
	}

	fn check_records_of_live_contracts() -> Result<(), sp_runtime::TryRuntimeError> {
		for (_, challenge) in Challenges::<T>::iter() {
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
		for (contract, _, _) in Failures::<T>::iter() {
			ensure!(T::Contracts::summary(contract).is_some(), "failures of an ended contract");
		}
		Ok(())
	}
}

impl<T: Config> JobHandler for Pallet<T> {
	fn max_weight(job: &Job) -> Option<Weight> {
		let Job::Proofs(job) = job else { return None };
		Some(match job {
			ProofJob::Challenge(_) => {
				T::WeightInfo::storage_challenge(T::MaxHostersPerContract::get())
			}
			ProofJob::Deadline(_) => T::WeightInfo::challenge_deadline(),
		})
	}

	fn execute(job: &Job) -> Option<Result<Weight, DispatchError>> {
		let Job::Proofs(job) = job else { return None };
		Some(match *job {
			ProofJob::Challenge(contract) => Self::periodic_challenge(contract),
			ProofJob::Deadline(id) => {
				Self::deadline(id).map(|()| T::WeightInfo::challenge_deadline())
			}
		})
	}

	fn abandon(job: &Job) -> Option<Weight> {
		let Job::Proofs(job) = job else { return None };
		match *job {
			// Checks that cannot be kept up end the contract rather than stop in silence.
			ProofJob::Challenge(contract) => {
				PeriodicJobs::<T>::remove(contract);
				T::Contracts::end(contract, EndReason::Stalled);
			}
			// The miss counts; the replacement waits for the next miss.
			ProofJob::Deadline(id) => {
				Self::miss(id);
			}
		}
		Some(Self::max_weight(&Job::Proofs(*job)).unwrap_or_default())
	}

	fn is_live(job: &Job) -> Option<bool> {
		let Job::Proofs(job) = job else { return None };
		Some(match job {
			ProofJob::Challenge(contract) => T::Contracts::summary(*contract).is_some(),
			ProofJob::Deadline(id) => Challenges::<T>::contains_key(id),
		})
	}
}

impl<T: Config> Pallet<T> {
	/// The most a proof job can cost.
	pub fn job_weight(job: &Job) -> Weight {
		<Self as JobHandler>::max_weight(job).unwrap_or_default()
	}
}

impl<T: Config> ContractObserver<T::AccountId> for Pallet<T> {
	fn activated(contract: ContractId) -> DispatchResult {
		Self::schedule_periodic(contract)
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

	fn ended(contract: ContractId) {
		Self::stopped(contract);
		LastRequest::<T>::remove(contract);
		// At most one entry per position: a hoster's entry goes when it leaves.
		for _ in Failures::<T>::drain_prefix(contract) {}
	}

	fn hoster_removed(contract: ContractId, hoster: &T::AccountId) {
		// Leaving with a challenge open does not escape it: it counts as missed.
		if let Some(id) = OpenChallenges::<T>::get(contract, hoster) {
			Self::miss(id);
		}
		Failures::<T>::remove(contract, hoster);
	}
}
