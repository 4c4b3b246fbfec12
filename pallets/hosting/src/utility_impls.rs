//! Helpers the calls and jobs share: randomness and draws, bookings, backoff, the contract's
//! status, matching rounds, repairs, and the end of contracts.

use alloc::vec::Vec;
use codec::Encode;
use datdot_primitives::{
	draw_from_pool, ContractId, ContractObserver, ContractStatus, EndReason, HostingJob, Job,
	Performance, PlanDirectory, PlanTerms, Priority, ProviderRegistry, Ratings, Region, Role,
	ScheduleJob,
};
use frame_support::{pallet_prelude::*, traits::Randomness};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_core::H256;
use sp_runtime::{traits::Saturating, DispatchResult};

use crate::{
	Config, ContractOf, Contracts, DrawNonce, Error, Event, Pallet, PlanContracts, Position,
	PositionState, ProviderJobs, Repair, RoundOf, Rounds, SponsorStrikes, Strikes,
};

/// The `position` of a repair that replaces the setup attestor.
pub const ATTESTOR_POSITION: u8 = u8::MAX;

impl<T: Config> Pallet<T> {
	pub(crate) fn now() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number()
	}

	/// A seed for one draw, different for every draw even within one block.
	fn draw_seed(subject: &[u8]) -> [u8; 32] {
		let nonce = DrawNonce::<T>::mutate(|n| {
			*n = n.wrapping_add(1);
			*n
		});
		let (hash, _) = T::Randomness::random(&(subject, nonce).encode());
		datdot_primitives::blake2_256(hash.as_ref())
	}

	/// A random seed for the copy key of a hoster booked in `contract`.
	pub(crate) fn copy_seed(contract: ContractId) -> H256 {
		H256(Self::draw_seed(&(b"datdot/copy", contract).encode()))
	}

	/// The key of `hoster`'s copy in `contract`, whose copy seed is `seed`.
	pub fn copy_key(contract: ContractId, hoster: &T::AccountId, seed: &H256) -> [u8; 32] {
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		datdot_primitives::encoding::copy_key(genesis.as_ref(), contract, hoster, seed)
	}

	/// A random seed for a matching round.
	pub(crate) fn random_seed(contract: ContractId) -> H256 {
		H256(Self::draw_seed(&(b"datdot/seed", contract).encode()))
	}

	/// Draws a provider of `role` from the pool of `region`, uniformly among those who are not
	/// in `exclude`, are available, have free capacity and (for hosters) qualify for `minimum`
	/// in `region`.
	pub(crate) fn draw(
		role: Role,
		region: &Region,
		exclude: &[T::AccountId],
		minimum: Option<&Performance>,
	) -> Option<T::AccountId> {
		let seed = Self::draw_seed(&(b"datdot/draw", role, region).encode());
		draw_from_pool::<_, T::Providers>(role, region, &seed, T::MaxDrawAttempts::get(), |c| {
			!exclude.contains(c)
				&& T::Providers::serves(c, role, region)
				&& T::Providers::has_free_capacity(c, role)
				&& minimum.map_or(true, |m| T::Ratings::qualifies(c, region, m))
		})
	}

	/// The region position `index` of a plan's contracts is served in.
	pub(crate) fn region_of(terms: &PlanTerms<T::AccountId>, index: usize) -> Option<Region> {
		let count = terms.regions.len();
		(count > 0).then(|| terms.regions[index % count].clone())
	}

	/// Everyone a contract involves, and its sponsor: none of them may be drawn again.
	pub(crate) fn involved(contract: &ContractOf<T>, sponsor: &T::AccountId) -> Vec<T::AccountId> {
		let mut people: Vec<T::AccountId> = contract
			.positions
			.iter()
			.flat_map(|p| p.hoster.iter().chain(p.encoder.iter()).cloned())
			.collect();
		people.extend(contract.attestor.iter().cloned());
		people.extend(contract.departed.iter().cloned());
		people.push(sponsor.clone());
		people
	}

	pub(crate) fn book(who: &T::AccountId, role: Role, contract: ContractId) -> DispatchResult {
		T::Providers::book(who, role)?;
		ProviderJobs::<T>::insert((who, role, contract), ());
		Ok(())
	}

	pub(crate) fn release(who: &T::AccountId, role: Role, contract: ContractId) {
		if ProviderJobs::<T>::take((who, role, contract)).is_some() {
			T::Providers::release(who, role);
		}
	}

	/// Blocks until the next try after `attempts` failures: the backoff doubles each time.
	pub(crate) fn backoff(attempts: u32) -> BlockNumberFor<T> {
		let doublings = attempts.saturating_sub(1).min(16);
		T::RetryBackoff::get().saturating_mul((1u32 << doublings).into())
	}

	/// Replaces the contract's pending job (deadline or retry) with `job` at `at`.
	pub(crate) fn set_pending(
		contract: &mut ContractOf<T>,
		job: Option<(BlockNumberFor<T>, HostingJob, Priority)>,
	) -> DispatchResult {
		if let Some(old) = contract.pending_job.take() {
			T::Scheduler::cancel(old);
		}
		if let Some((at, job, priority)) = job {
			contract.pending_job = Some(T::Scheduler::schedule(at, Job::Hosting(job), priority)?);
		}
		Ok(())
	}

	pub(crate) fn terms_of(contract: &ContractOf<T>) -> Result<PlanTerms<T::AccountId>, Error<T>> {
		T::Plans::terms(contract.plan).ok_or(Error::<T>::UnknownPlan)
	}

	/// The one place a contract's status changes. The moves it allows are the SPEC's
	/// (matching → setting up → active ↔ paused, repairing); anything else is refused.
	pub(crate) fn set_status(
		contract: &mut ContractOf<T>,
		to: ContractStatus,
	) -> Result<(), Error<T>> {
		use ContractStatus::*;
		let allowed = match (contract.status, to) {
			(from, to) if from == to => true,
			(Matching, SettingUp) => true,
			(SettingUp, Active | Paused | Repairing) => true,
			(Active, Paused | Repairing) => true,
			(Paused, Active | Repairing) => true,
			(Repairing, Active | Paused) => true,
			_ => false,
		};
		ensure!(allowed, Error::<T>::InvalidTransition);
		contract.status = to;
		Ok(())
	}

	// --- Matching ---

	/// Draws attestors and a seed for the contract's selection, or counts a failed try. A
	/// sponsor who abandoned rounds waits out the backoff they earned first.
	pub(crate) fn begin_matching(
		id: ContractId,
		mut contract: ContractOf<T>,
		terms: &PlanTerms<T::AccountId>,
	) -> DispatchResult {
		if contract.attempts >= T::MaxMatchingAttempts::get() {
			return Self::fail_matching(id, contract, terms);
		}
		if let Some(wait_until) = Self::strike_wait(&terms.sponsor) {
			if Self::now() < wait_until {
				Self::set_pending(
					&mut contract,
					Some((wait_until, HostingJob::RetryMatching(id), terms.priority)),
				)?;
				Contracts::<T>::insert(id, contract);
				return Ok(());
			}
		}
		if contract.positions.is_empty() {
			let positions = (0..usize::from(terms.hosters))
				.filter_map(|i| Self::region_of(terms, i))
				.map(|region| Position {
					region,
					hoster: None,
					encoder: None,
					state: PositionState::Vacant,
					seed: H256::zero(),
					commitment: None,
				})
				.collect::<Vec<_>>();
			contract.positions = BoundedVec::truncate_from(positions);
		}
		let wanted = T::AttestorsPerMatching::get() as usize;
		let mut attestors: Vec<T::AccountId> = Vec::with_capacity(wanted);
		for slot in 0..wanted {
			let Some(region) = Self::region_of(terms, slot) else { break };
			let mut exclude = attestors.clone();
			exclude.push(terms.sponsor.clone());
			match Self::draw(Role::Attestor, &region, &exclude, None) {
				Some(attestor) => attestors.push(attestor),
				None => break,
			}
		}
		if attestors.len() < wanted {
			return Self::fail_matching(id, contract, terms);
		}
		let attestors = BoundedVec::truncate_from(attestors);
		let seed = Self::random_seed(id);
		let deadline = Self::now().saturating_add(T::MatchingTimeout::get());
		Self::set_pending(
			&mut contract,
			Some((deadline, HostingJob::MatchingDeadline(id), Priority::Critical)),
		)?;
		Rounds::<T>::insert(
			id,
			RoundOf::<T> { attestors: attestors.clone(), seed, votes: BoundedVec::new() },
		);
		let plan = contract.plan;
		Contracts::<T>::insert(id, contract);
		Self::deposit_event(Event::MatchingStarted {
			plan,
			contract: id,
			attestors,
			seed,
			deadline,
		});
		Ok(())
	}

	/// Counts a failed matching try: retry after a backoff, or end the plan as unmatchable.
	pub(crate) fn fail_matching(
		id: ContractId,
		mut contract: ContractOf<T>,
		terms: &PlanTerms<T::AccountId>,
	) -> DispatchResult {
		Rounds::<T>::remove(id);
		contract.attempts.saturating_inc();
		let attempts = contract.attempts;
		let plan = contract.plan;
		if attempts >= T::MaxMatchingAttempts::get() {
			Self::set_pending(&mut contract, None)?;
			Contracts::<T>::insert(id, contract);
			Self::deposit_event(Event::MatchingFailed {
				plan,
				contract: id,
				attempts,
				retry_at: None,
			});
			return T::Plans::end_plan(plan, EndReason::Unmatchable);
		}
		let retry_at = Self::now().saturating_add(Self::backoff(attempts));
		Self::set_pending(
			&mut contract,
			Some((retry_at, HostingJob::RetryMatching(id), terms.priority)),
		)?;
		Contracts::<T>::insert(id, contract);
		Self::deposit_event(Event::MatchingFailed {
			plan,
			contract: id,
			attempts,
			retry_at: Some(retry_at),
		});
		Ok(())
	}

	/// The sponsor stopped a matching in progress (pause or unsubscribe): the drawn round is
	/// dropped, and it counts as a failed try of the contract and as a strike of the sponsor,
	/// so that re-drawing attestors this way costs the same backoff as failing.
	pub(crate) fn abandon_round(
		id: ContractId,
		contract: &mut ContractOf<T>,
		sponsor: &T::AccountId,
	) -> DispatchResult {
		let had_round = Rounds::<T>::take(id).is_some();
		Self::set_pending(contract, None)?;
		if had_round {
			contract.attempts.saturating_inc();
			let now = Self::now();
			SponsorStrikes::<T>::mutate(sponsor, |strikes| {
				let count = strikes.as_ref().map_or(0, |s| s.count).saturating_add(1);
				*strikes = Some(Strikes { count, last: now });
			});
			Self::deposit_event(Event::MatchingAbandoned {
				plan: contract.plan,
				contract: id,
				attempts: contract.attempts,
			});
		}
		Ok(())
	}

	/// Until when a sponsor's strikes hold back its next draw, if it has any.
	pub(crate) fn strike_wait(sponsor: &T::AccountId) -> Option<BlockNumberFor<T>> {
		SponsorStrikes::<T>::get(sponsor)
			.map(|strikes| strikes.last.saturating_add(Self::backoff(strikes.count)))
	}

	// --- Repair ---

	/// Releases position `index` and draws a new hoster and encoder for it.
	pub(crate) fn repair_position(
		id: ContractId,
		contract: &mut ContractOf<T>,
		terms: &PlanTerms<T::AccountId>,
		index: usize,
		repairs: &mut Vec<Repair<T::AccountId>>,
	) {
		let mut exclude = Self::involved(contract, &terms.sponsor);
		let Some(position) = contract.positions.get_mut(index) else { return };
		let (old_hoster, old_encoder) = (position.hoster.take(), position.encoder.take());
		let was_hosted = position.state == PositionState::Hosted;
		let region = position.region.clone();
		position.state = PositionState::Vacant;
		position.commitment = None;
		if let Some(hoster) = &old_hoster {
			Self::release(hoster, Role::Hoster, id);
			if was_hosted {
				T::Observer::hoster_removed(id, hoster);
			}
			// Remember the most recent departures only; the oldest is forgotten first.
			let mut departed = contract.departed.to_vec();
			departed.push(hoster.clone());
			let keep_from = departed.len().saturating_sub(T::MaxHostersPerContract::get() as usize);
			contract.departed = BoundedVec::truncate_from(departed.split_off(keep_from));
		}
		if let Some(encoder) = &old_encoder {
			Self::release(encoder, Role::Encoder, id);
		}
		let new_hoster = Self::draw(Role::Hoster, &region, &exclude, Some(&terms.min_performance));
		if let Some(hoster) = &new_hoster {
			exclude.push(hoster.clone());
		}
		let new_encoder =
			new_hoster.as_ref().and_then(|_| Self::draw(Role::Encoder, &region, &exclude, None));
		let (new_hoster, new_encoder) = match (new_hoster, new_encoder) {
			(Some(hoster), Some(encoder)) => {
				if Self::book(&hoster, Role::Hoster, id).is_ok()
					&& Self::book(&encoder, Role::Encoder, id).is_ok()
				{
					let seed = Self::copy_seed(id);
					if let Some(position) = contract.positions.get_mut(index) {
						position.hoster = Some(hoster.clone());
						position.encoder = Some(encoder.clone());
						position.state = PositionState::SettingUp;
						position.seed = seed;
					}
					(Some(hoster), Some(encoder))
				} else {
					Self::release(&hoster, Role::Hoster, id);
					(None, None)
				}
			}
			_ => (None, None),
		};
		let at = index as u8;
		repairs.push(Repair {
			position: at,
			role: Role::Hoster,
			previous: old_hoster,
			replacement: new_hoster,
		});
		repairs.push(Repair {
			position: at,
			role: Role::Encoder,
			previous: old_encoder,
			replacement: new_encoder,
		});
	}

	/// Replaces the encoder of position `index`; without a replacement the position is
	/// repaired whole.
	pub(crate) fn replace_encoder(
		id: ContractId,
		contract: &mut ContractOf<T>,
		terms: &PlanTerms<T::AccountId>,
		index: usize,
		repairs: &mut Vec<Repair<T::AccountId>>,
	) {
		let exclude = Self::involved(contract, &terms.sponsor);
		let Some((region, previous)) = contract
			.positions
			.get_mut(index)
			.map(|position| (position.region.clone(), position.encoder.take()))
		else {
			return;
		};
		if let Some(encoder) = &previous {
			Self::release(encoder, Role::Encoder, id);
		}
		let replacement = Self::draw(Role::Encoder, &region, &exclude, None)
			.filter(|encoder| Self::book(encoder, Role::Encoder, id).is_ok());
		match (replacement, contract.positions.get_mut(index)) {
			(Some(replacement), Some(position)) => {
				position.encoder = Some(replacement.clone());
				repairs.push(Repair {
					position: index as u8,
					role: Role::Encoder,
					previous,
					replacement: Some(replacement),
				});
			}
			_ => Self::repair_position(id, contract, terms, index, repairs),
		}
	}

	/// Replaces the setup attestor with a fresh draw (or none).
	pub(crate) fn replace_attestor(
		id: ContractId,
		contract: &mut ContractOf<T>,
		terms: &PlanTerms<T::AccountId>,
		repairs: &mut Vec<Repair<T::AccountId>>,
	) {
		let exclude = Self::involved(contract, &terms.sponsor);
		let previous = contract.attestor.take();
		if let Some(attestor) = &previous {
			Self::release(attestor, Role::Attestor, id);
		}
		let replacement = Self::region_of(terms, 0)
			.and_then(|region| Self::draw(Role::Attestor, &region, &exclude, None))
			.filter(|attestor| Self::book(attestor, Role::Attestor, id).is_ok());
		contract.attestor = replacement.clone();
		contract.rejections = 0;
		repairs.push(Repair {
			position: ATTESTOR_POSITION,
			role: Role::Attestor,
			previous,
			replacement,
		});
	}

	/// After setup or repair: sets the status, the setup attestor, the next deadline or retry,
	/// stores the contract and says what happened.
	pub(crate) fn settle(
		id: ContractId,
		mut contract: ContractOf<T>,
		terms: &PlanTerms<T::AccountId>,
		mut repairs: Vec<Repair<T::AccountId>>,
	) -> DispatchResult {
		let setting_up = contract.positions.iter().any(|p| p.state == PositionState::SettingUp);
		let vacant = contract.positions.iter().any(|p| p.state == PositionState::Vacant);
		if setting_up && contract.attestor.is_none() {
			Self::replace_attestor(id, &mut contract, terms, &mut repairs);
		}
		if !setting_up {
			if let Some(attestor) = contract.attestor.take() {
				Self::release(&attestor, Role::Attestor, id);
			}
		}
		let plan = contract.plan;
		if !setting_up && !vacant {
			contract.attempts = 0;
			Self::set_pending(&mut contract, None)?;
			let first = contract.active_since.is_none();
			let status = if terms.paused { ContractStatus::Paused } else { ContractStatus::Active };
			Self::set_status(&mut contract, status)?;
			if first {
				contract.active_since = Some(Self::now());
			}
			Contracts::<T>::insert(id, contract);
			if first {
				if !terms.paused {
					T::Observer::activated(id)?;
				}
				Self::deposit_event(Event::HostingActive { plan, contract: id });
			}
		} else {
			let status = if contract.active_since.is_none() && !vacant && repairs.is_empty() {
				ContractStatus::SettingUp
			} else {
				ContractStatus::Repairing
			};
			Self::set_status(&mut contract, status)?;
			let next = if setting_up {
				let deadline = Self::now().saturating_add(T::SetupTimeout::get());
				(deadline, HostingJob::SetupDeadline(id), Priority::Critical)
			} else {
				contract.attempts.saturating_inc();
				let retry_at = Self::now().saturating_add(Self::backoff(contract.attempts));
				(retry_at, HostingJob::RetryRepair(id), Priority::Critical)
			};
			Self::set_pending(&mut contract, Some(next))?;
			Contracts::<T>::insert(id, contract);
		}
		if !repairs.is_empty() {
			let attestor = Contracts::<T>::get(id).and_then(|c| c.attestor);
			Self::deposit_event(Event::RepairHosting { plan, contract: id, repairs, attestor });
		}
		Ok(())
	}

	/// Ends contract `id` for `reason`; a plan left without contracts ends too.
	pub(crate) fn give_up(id: ContractId, reason: EndReason) -> DispatchResult {
		let Some(plan) = Contracts::<T>::get(id).map(|c| c.plan) else { return Ok(()) };
		PlanContracts::<T>::mutate(plan, |ids| ids.retain(|c| *c != id));
		Self::end_contract(id, reason);
		if PlanContracts::<T>::get(plan).is_empty() {
			return T::Plans::end_plan(plan, reason);
		}
		Ok(())
	}

	/// Ends one contract: releases its providers, stops its checks, emits `EndHosting`.
	pub(crate) fn end_contract(id: ContractId, reason: EndReason) {
		let Some(mut contract) = Contracts::<T>::take(id) else { return };
		for position in &contract.positions {
			if let Some(hoster) = &position.hoster {
				Self::release(hoster, Role::Hoster, id);
			}
			if let Some(encoder) = &position.encoder {
				Self::release(encoder, Role::Encoder, id);
			}
		}
		if let Some(attestor) = &contract.attestor {
			Self::release(attestor, Role::Attestor, id);
		}
		if let Some(job) = contract.pending_job.take() {
			T::Scheduler::cancel(job);
		}
		Rounds::<T>::remove(id);
		T::Observer::ended(id);
		Self::deposit_event(Event::EndHosting { plan: contract.plan, contract: id, reason });
	}
}
