//! Matching, setup, repair and the end of contracts; the interfaces other pallets use.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use datdot_primitives::{
	draw_from_pool, AccountDirectory, ChunkRange, ContractDirectory, ContractId, ContractManager,
	ContractObserver, ContractStatus, EndReason, HostedPosition, Job, Performance, PlanDirectory,
	PlanId, PlanTerms, Priority, ProviderRegistry, Ratings, Region, Role, ScheduleJob,
};
use frame_support::{pallet_prelude::*, traits::Randomness};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_core::{ed25519, H256};
use sp_runtime::{
	traits::{Saturating, TrailingZeroInput, Verify},
	DispatchResult,
};

use crate::{
	Config, ContractOf, Contracts, DrawNonce, Error, Event, HosterSetup, Pallet, PlanContracts,
	Position, PositionState, ProviderJobs, Repair, RoundOf, Rounds, SelectionInput, SelectionOf,
	SetupReport, WeightInfo,
};

/// The `position` of a repair that replaces the setup attestor.
pub const ATTESTOR_POSITION: u8 = u8::MAX;

impl<T: Config> Pallet<T> {
	pub(crate) fn now() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number()
	}

	/// A random number for `subject`, different for every draw even within one block.
	fn random_u32(subject: &[u8]) -> u32 {
		let nonce = DrawNonce::<T>::mutate(|n| {
			*n = n.wrapping_add(1);
			*n
		});
		let (hash, _) = T::Randomness::random(&(subject, nonce).encode());
		u32::decode(&mut TrailingZeroInput::new(hash.as_ref())).unwrap_or_default()
	}

	/// A random seed for a matching round.
	fn random_seed(contract: ContractId) -> H256 {
		let (hash, _) = T::Randomness::random(&(b"datdot/seed", contract).encode());
		H256::decode(&mut TrailingZeroInput::new(hash.as_ref())).unwrap_or_default()
	}

	/// Draws a provider of `role` from the pool of `region` who is not in `exclude`, is
	/// available, has free capacity and (for hosters) meets `minimum` as seen from `region`.
	fn draw(
		role: Role,
		region: &Region,
		exclude: &[T::AccountId],
		minimum: Option<&Performance>,
	) -> Option<T::AccountId> {
		let random = Self::random_u32(&(b"datdot/draw", role, region).encode());
		draw_from_pool::<_, T::Providers>(role, region, random, T::MaxDrawAttempts::get(), |c| {
			!exclude.contains(c)
				&& T::Providers::serves(c, role, region)
				&& T::Providers::has_free_capacity(c, role)
				&& minimum.map_or(true, |m| T::Ratings::rating(c, region).meets(m))
		})
	}

	/// The region position `index` of a plan's contracts is served in.
	fn region_of(terms: &PlanTerms<T::AccountId>, index: usize) -> Option<Region> {
		let count = terms.regions.len();
		(count > 0).then(|| terms.regions[index % count].clone())
	}

	/// Everyone a contract involves, and its sponsor: none of them may be drawn again.
	fn involved(contract: &ContractOf<T>, sponsor: &T::AccountId) -> Vec<T::AccountId> {
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

	fn book(who: &T::AccountId, role: Role, contract: ContractId) -> DispatchResult {
		T::Providers::book(who, role)?;
		ProviderJobs::<T>::insert((who, role, contract), ());
		Ok(())
	}

	fn release(who: &T::AccountId, role: Role, contract: ContractId) {
		if ProviderJobs::<T>::take((who, role, contract)).is_some() {
			T::Providers::release(who, role);
		}
	}

	/// Blocks until the next try after `attempts` failures: the backoff doubles each time.
	fn backoff(attempts: u32) -> BlockNumberFor<T> {
		let doublings = attempts.saturating_sub(1).min(16);
		T::RetryBackoff::get().saturating_mul((1u32 << doublings).into())
	}

	/// Replaces the contract's pending job (deadline or retry) with `job` at `at`.
	fn set_pending(
		contract: &mut ContractOf<T>,
		job: Option<(BlockNumberFor<T>, Job, Priority)>,
	) -> DispatchResult {
		if let Some(old) = contract.pending_job.take() {
			T::Scheduler::cancel(old);
		}
		if let Some((at, job, priority)) = job {
			contract.pending_job = Some(T::Scheduler::schedule(at, job, priority)?);
		}
		Ok(())
	}

	fn terms_of(contract: &ContractOf<T>) -> Result<PlanTerms<T::AccountId>, Error<T>> {
		T::Plans::terms(contract.plan).ok_or(Error::<T>::UnknownPlan)
	}

	// --- Matching ---

	/// Draws attestors and a seed for the contract's selection, or counts a failed try.
	pub(crate) fn begin_matching(
		id: ContractId,
		mut contract: ContractOf<T>,
		terms: &PlanTerms<T::AccountId>,
	) -> DispatchResult {
		if contract.positions.is_empty() {
			let positions = (0..usize::from(terms.hosters))
				.filter_map(|i| Self::region_of(terms, i))
				.map(|region| Position {
					region,
					hoster: None,
					encoder: None,
					state: PositionState::Vacant,
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
			Some((deadline, Job::MatchingDeadline(id), Priority::Critical)),
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
		Self::set_pending(&mut contract, Some((retry_at, Job::RetryMatching(id), terms.priority)))?;
		Contracts::<T>::insert(id, contract);
		Self::deposit_event(Event::MatchingFailed {
			plan,
			contract: id,
			attempts,
			retry_at: Some(retry_at),
		});
		Ok(())
	}

	/// Checks a selection against the chain's state.
	fn check_selection(
		contract: &ContractOf<T>,
		round: &RoundOf<T>,
		terms: &PlanTerms<T::AccountId>,
		selection: &SelectionOf<T>,
	) -> Result<(), Error<T>> {
		let positions = contract.positions.len();
		ensure!(
			selection.hosters.len() == positions && selection.encoders.len() == positions,
			Error::<T>::WrongSelectionSize
		);
		let mut seen: Vec<&T::AccountId> = Vec::with_capacity(2 * positions);
		for (i, position) in contract.positions.iter().enumerate() {
			let (hoster, encoder) = (&selection.hosters[i], &selection.encoders[i]);
			ensure!(
				T::Providers::serves(hoster, Role::Hoster, &position.region),
				Error::<T>::HosterNotEligible
			);
			ensure!(
				T::Providers::serves(encoder, Role::Encoder, &position.region),
				Error::<T>::EncoderNotEligible
			);
			ensure!(
				T::Providers::has_free_capacity(hoster, Role::Hoster)
					&& T::Providers::has_free_capacity(encoder, Role::Encoder),
				Error::<T>::NoFreeCapacity
			);
			ensure!(
				T::Ratings::rating(hoster, &position.region).meets(&terms.min_performance),
				Error::<T>::BelowMinimumPerformance
			);
			for who in [hoster, encoder] {
				ensure!(
					!seen.contains(&who) && *who != terms.sponsor && !round.attestors.contains(who),
					Error::<T>::ProvidersNotDistinct
				);
				seen.push(who);
			}
		}
		Ok(())
	}

	pub fn do_submit_matching(
		who: T::AccountId,
		id: ContractId,
		input: SelectionInput<T::AccountId>,
	) -> DispatchResult {
		let contract = Contracts::<T>::get(id).ok_or(Error::<T>::UnknownContract)?;
		let mut round = Rounds::<T>::get(id).ok_or(Error::<T>::NoMatchingRound)?;
		ensure!(round.attestors.contains(&who), Error::<T>::NotMatchingAttestor);
		ensure!(round.votes.iter().all(|(voter, _)| *voter != who), Error::<T>::AlreadySubmitted);
		let terms = Self::terms_of(&contract)?;
		let limit = T::MaxHostersPerContract::get() as usize;
		ensure!(
			input.hosters.len() <= limit && input.encoders.len() <= limit,
			Error::<T>::WrongSelectionSize
		);
		let selection = SelectionOf::<T> {
			hosters: BoundedVec::truncate_from(input.hosters),
			encoders: BoundedVec::truncate_from(input.encoders),
		};
		Self::check_selection(&contract, &round, &terms, &selection)?;

		let agreeing: Vec<T::AccountId> = round
			.votes
			.iter()
			.filter(|(_, vote)| *vote == selection)
			.map(|(voter, _)| voter.clone())
			.chain(core::iter::once(who.clone()))
			.collect();
		Self::deposit_event(Event::SelectionSubmitted {
			contract: id,
			attestor: who.clone(),
			agreeing: agreeing.len() as u32,
		});
		if agreeing.len() as u32 >= T::MatchingQuorum::get() {
			return Self::book_selection(id, contract, selection, &agreeing);
		}
		round.votes.try_push((who, selection)).map_err(|_| Error::<T>::AlreadySubmitted)?;
		Rounds::<T>::insert(id, round);
		Ok(())
	}

	/// A quorum agreed: book the providers, start setup, emit `StartHosting`.
	fn book_selection(
		id: ContractId,
		mut contract: ContractOf<T>,
		selection: SelectionOf<T>,
		agreeing: &[T::AccountId],
	) -> DispatchResult {
		let attestor = agreeing
			.iter()
			.find(|a| T::Providers::has_free_capacity(a, Role::Attestor))
			.cloned()
			.ok_or(Error::<T>::NoSetupAttestor)?;
		Self::book(&attestor, Role::Attestor, id)?;
		for (i, position) in contract.positions.iter_mut().enumerate() {
			let (hoster, encoder) = (&selection.hosters[i], &selection.encoders[i]);
			Self::book(hoster, Role::Hoster, id)?;
			Self::book(encoder, Role::Encoder, id)?;
			position.hoster = Some(hoster.clone());
			position.encoder = Some(encoder.clone());
			position.state = PositionState::SettingUp;
		}
		Rounds::<T>::remove(id);
		contract.status = ContractStatus::SettingUp;
		contract.attestor = Some(attestor.clone());
		contract.attempts = 0;
		let deadline = Self::now().saturating_add(T::SetupTimeout::get());
		Self::set_pending(
			&mut contract,
			Some((deadline, Job::SetupDeadline(id), Priority::Critical)),
		)?;
		let (plan, range) = (contract.plan, contract.range);
		Contracts::<T>::insert(id, contract);
		Self::deposit_event(Event::StartHosting {
			plan,
			contract: id,
			range,
			hosters: selection.hosters,
			encoders: selection.encoders,
			attestor,
		});
		Ok(())
	}

	// --- Setup and repair ---

	/// The message a hoster signs to confirm its copy of a contract.
	pub fn setup_message(contract: ContractId, root: H256, range: ChunkRange) -> Vec<u8> {
		(b"datdot/setup", contract, root, range).encode()
	}

	fn check_report(
		id: ContractId,
		contract: &ContractOf<T>,
		terms: &PlanTerms<T::AccountId>,
		results: &[HosterSetup<T::AccountId>],
	) -> Result<(), Error<T>> {
		let pending: Vec<&T::AccountId> = contract
			.positions
			.iter()
			.filter(|p| p.state == PositionState::SettingUp)
			.filter_map(|p| p.hoster.as_ref())
			.collect();
		ensure!(!pending.is_empty(), Error::<T>::NotSettingUp);
		let message = Self::setup_message(id, terms.root, contract.range);
		for (n, result) in results.iter().enumerate() {
			ensure!(pending.contains(&&result.hoster), Error::<T>::UnexpectedHoster);
			ensure!(
				results[..n].iter().all(|earlier| earlier.hoster != result.hoster),
				Error::<T>::DuplicateHoster
			);
			if let Some(signature) = &result.signature {
				let key = T::Accounts::signing_key(&result.hoster)
					.ok_or(Error::<T>::BadHosterSignature)?;
				ensure!(
					ed25519::Signature::from_raw(*signature)
						.verify(message.as_slice(), &ed25519::Public::from_raw(key)),
					Error::<T>::BadHosterSignature
				);
			}
		}
		ensure!(results.len() == pending.len(), Error::<T>::MissingHoster);
		Ok(())
	}

	pub fn do_setup_report(who: T::AccountId, report: SetupReport<T::AccountId>) -> DispatchResult {
		let id = report.contract;
		let mut contract = Contracts::<T>::get(id).ok_or(Error::<T>::UnknownContract)?;
		ensure!(contract.attestor.as_ref() == Some(&who), Error::<T>::NotSetupAttestor);
		let terms = Self::terms_of(&contract)?;
		ensure!(report.results.len() <= contract.positions.len(), Error::<T>::UnexpectedHoster);
		Self::check_report(id, &contract, &terms, &report.results)?;

		let mut failed = Vec::new();
		for result in &report.results {
			let Some(index) =
				contract.positions.iter().position(|p| p.hoster.as_ref() == Some(&result.hoster))
			else {
				continue;
			};
			if result.signature.is_some() {
				let position = &mut contract.positions[index];
				position.state = PositionState::Hosted;
				if let Some(encoder) = position.encoder.take() {
					Self::release(&encoder, Role::Encoder, id);
				}
			} else {
				failed.push(index);
			}
		}
		let mut repairs = Vec::new();
		for index in failed {
			Self::repair_position(id, &mut contract, &terms, index, &mut repairs);
		}
		Self::settle(id, contract, &terms, repairs)
	}

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
		if let Some(hoster) = &old_hoster {
			Self::release(hoster, Role::Hoster, id);
			if position.state == PositionState::Hosted {
				T::Observer::hoster_removed(id, hoster);
			}
		}
		let region = position.region.clone();
		position.state = PositionState::Vacant;
		if let Some(hoster) = &old_hoster {
			// Remember the most recent departures only; the oldest is forgotten first.
			if contract.departed.is_full() {
				contract.departed.remove(0);
			}
			let _ = contract.departed.try_push(hoster.clone());
		}
		let Some(position) = contract.positions.get_mut(index) else { return };
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
					position.hoster = Some(hoster.clone());
					position.encoder = Some(encoder.clone());
					position.state = PositionState::SettingUp;
					(Some(hoster), Some(encoder))
				} else {
					Self::release(&hoster, Role::Hoster, id);
					(None, None)
				}
			}
			_ => (None, None),
		};
		let at = index as u8;
		repairs.push(Repair { position: at, role: Role::Hoster, old: old_hoster, new: new_hoster });
		repairs.push(Repair {
			position: at,
			role: Role::Encoder,
			old: old_encoder,
			new: new_encoder,
		});
	}

	/// Ends a contract that could not be repaired; a plan left without contracts ends too.
	pub(crate) fn give_up(id: ContractId) -> DispatchResult {
		let Some(plan) = Contracts::<T>::get(id).map(|c| c.plan) else { return Ok(()) };
		PlanContracts::<T>::mutate(plan, |ids| ids.retain(|c| *c != id));
		Self::end_contract(id, EndReason::Unrepairable);
		if PlanContracts::<T>::get(plan).is_empty() {
			return T::Plans::end_plan(plan, EndReason::Unrepairable);
		}
		Ok(())
	}

	/// Replaces the setup attestor with a fresh draw (or none).
	pub(crate) fn replace_attestor(
		id: ContractId,
		contract: &mut ContractOf<T>,
		terms: &PlanTerms<T::AccountId>,
		repairs: &mut Vec<Repair<T::AccountId>>,
	) {
		let exclude = Self::involved(contract, &terms.sponsor);
		let old = contract.attestor.take();
		if let Some(attestor) = &old {
			Self::release(attestor, Role::Attestor, id);
		}
		let new = Self::region_of(terms, 0)
			.and_then(|region| Self::draw(Role::Attestor, &region, &exclude, None))
			.filter(|attestor| Self::book(attestor, Role::Attestor, id).is_ok());
		contract.attestor = new.clone();
		repairs.push(Repair { position: ATTESTOR_POSITION, role: Role::Attestor, old, new });
	}

	/// After setup or repair: sets the status, the setup attestor, the next deadline or retry,
	/// stores the contract and says what happened.
	pub(crate) fn settle(
		id: ContractId,
		mut contract: ContractOf<T>,
		terms: &PlanTerms<T::AccountId>,
		repairs: Vec<Repair<T::AccountId>>,
	) -> DispatchResult {
		let setting_up = contract.positions.iter().any(|p| p.state == PositionState::SettingUp);
		let vacant = contract.positions.iter().any(|p| p.state == PositionState::Vacant);
		let mut repairs = repairs;
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
			contract.status =
				if terms.paused { ContractStatus::Paused } else { ContractStatus::Active };
			if first {
				contract.active_since = Some(Self::now());
			}
			Contracts::<T>::insert(id, contract);
			if first {
				if !terms.paused {
					T::Observer::activated(id);
				}
				Self::deposit_event(Event::HostingActive { plan, contract: id });
			}
		} else {
			contract.status = if contract.active_since.is_none() && !vacant && repairs.is_empty() {
				ContractStatus::SettingUp
			} else {
				ContractStatus::Repairing
			};
			let next = if setting_up {
				let deadline = Self::now().saturating_add(T::SetupTimeout::get());
				(deadline, Job::SetupDeadline(id), Priority::Critical)
			} else {
				contract.attempts.saturating_inc();
				let retry_at = Self::now().saturating_add(Self::backoff(contract.attempts));
				(retry_at, Job::RetryRepair(id), Priority::Critical)
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
		T::Observer::stopped(id);
		Self::deposit_event(Event::EndHosting { plan: contract.plan, contract: id, reason });
	}

	/// Contracts are staffed as their status says, by distinct providers whose bookings are
	/// recorded; every contract belongs to a live plan.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		for (id, contract) in Contracts::<T>::iter() {
			ensure!(T::Plans::terms(contract.plan).is_some(), "a contract outlived its plan");
			ensure!(
				PlanContracts::<T>::get(contract.plan).contains(&id),
				"a contract is missing from its plan's list"
			);
			let hosters: Vec<&T::AccountId> =
				contract.positions.iter().filter_map(|p| p.hoster.as_ref()).collect();
			for (n, hoster) in hosters.iter().enumerate() {
				ensure!(!hosters[..n].contains(hoster), "a hoster holds two positions");
				ensure!(
					ProviderJobs::<T>::contains_key((*hoster, Role::Hoster, id)),
					"a hoster's booking is not recorded"
				);
			}
			if matches!(contract.status, ContractStatus::Active | ContractStatus::Paused) {
				ensure!(
					!contract.positions.is_empty()
						&& contract.positions.iter().all(|p| p.state == PositionState::Hosted),
					"an active contract is not fully hosted"
				);
			}
			for position in &contract.positions {
				ensure!(
					(position.state == PositionState::Vacant) == position.hoster.is_none(),
					"a position's state disagrees with its hoster"
				);
			}
		}
		for ((who, role, id), ()) in ProviderJobs::<T>::iter() {
			let contract = Contracts::<T>::get(id).ok_or("a booking of an ended contract")?;
			let holds = match role {
				Role::Hoster => contract.positions.iter().any(|p| p.hoster.as_ref() == Some(&who)),
				Role::Encoder => {
					contract.positions.iter().any(|p| p.encoder.as_ref() == Some(&who))
				}
				Role::Attestor => contract.attestor.as_ref() == Some(&who),
			};
			ensure!(holds, "a booking names a provider the contract does not hold");
		}
		Ok(())
	}
}

impl<T: Config> ContractManager<T::AccountId> for Pallet<T> {
	fn open(plan: PlanId, ranges: &[ChunkRange]) -> Result<Vec<ContractId>, DispatchError> {
		let mut ids = Vec::with_capacity(ranges.len());
		for range in ranges {
			let id = crate::NextContractId::<T>::mutate(|next| {
				let id = *next;
				*next = next.saturating_add(1);
				id
			});
			Contracts::<T>::insert(
				id,
				ContractOf::<T> {
					plan,
					range: *range,
					status: ContractStatus::Matching,
					positions: BoundedVec::new(),
					attestor: None,
					departed: BoundedVec::new(),
					attempts: 0,
					started: false,
					active_since: None,
					pending_job: None,
				},
			);
			ids.push(id);
		}
		let list = BoundedVec::try_from(ids.clone())
			.map_err(|_| DispatchError::Other("more contracts than MaxContractsPerPlan"))?;
		PlanContracts::<T>::insert(plan, list);
		Ok(ids)
	}

	fn pause(plan: PlanId) {
		for id in PlanContracts::<T>::get(plan) {
			let Some(mut contract) = Contracts::<T>::get(id) else { continue };
			if contract.active_since.is_some() {
				T::Observer::stopped(id);
			}
			match contract.status {
				ContractStatus::Active => contract.status = ContractStatus::Paused,
				ContractStatus::Matching => {
					// No new matching while paused: drop the round and its deadline or retry.
					Rounds::<T>::remove(id);
					let _ = Self::set_pending(&mut contract, None);
				}
				_ => {}
			}
			Contracts::<T>::insert(id, contract);
		}
	}

	fn resume(plan: PlanId) {
		let Some(terms) = T::Plans::terms(plan) else { return };
		for id in PlanContracts::<T>::get(plan) {
			let Some(mut contract) = Contracts::<T>::get(id) else { continue };
			if contract.active_since.is_some() {
				T::Observer::activated(id);
			}
			match contract.status {
				ContractStatus::Paused => {
					contract.status = ContractStatus::Active;
					Contracts::<T>::insert(id, contract);
				}
				ContractStatus::Matching if contract.started && contract.pending_job.is_none() => {
					let job = T::Scheduler::enqueue(Job::RetryMatching(id), terms.priority).ok();
					contract.pending_job = job;
					Contracts::<T>::insert(id, contract);
				}
				_ => {}
			}
		}
	}

	fn close(plan: PlanId, reason: EndReason) {
		for id in PlanContracts::<T>::take(plan) {
			Self::end_contract(id, reason);
		}
	}

	fn hand_over(who: &T::AccountId, role: Role) -> DispatchResult {
		let contracts: Vec<ContractId> = ProviderJobs::<T>::iter_key_prefix((who, role)).collect();
		for id in contracts {
			let Some(mut contract) = Contracts::<T>::get(id) else {
				Self::release(who, role, id);
				continue;
			};
			let terms = Self::terms_of(&contract)?;
			let mut repairs = Vec::new();
			match role {
				Role::Hoster => {
					if let Some(index) =
						contract.positions.iter().position(|p| p.hoster.as_ref() == Some(who))
					{
						Self::repair_position(id, &mut contract, &terms, index, &mut repairs);
					}
				}
				Role::Encoder => {
					if let Some(index) =
						contract.positions.iter().position(|p| p.encoder.as_ref() == Some(who))
					{
						Self::replace_encoder(id, &mut contract, &terms, index, &mut repairs);
					}
				}
				Role::Attestor => {
					if contract.attestor.as_ref() == Some(who) {
						Self::replace_attestor(id, &mut contract, &terms, &mut repairs);
					}
				}
			}
			// Whatever the contract held of `who` is released now.
			Self::release(who, role, id);
			Self::settle(id, contract, &terms, repairs)?;
		}
		Ok(())
	}

	fn hand_over_weight(jobs: u32) -> Weight {
		<T as Config>::WeightInfo::hand_over(jobs)
	}
}

impl<T: Config> Pallet<T> {
	/// Replaces the encoder of position `index`; without a replacement the position is
	/// repaired whole.
	fn replace_encoder(
		id: ContractId,
		contract: &mut ContractOf<T>,
		terms: &PlanTerms<T::AccountId>,
		index: usize,
		repairs: &mut Vec<Repair<T::AccountId>>,
	) {
		let exclude = Self::involved(contract, &terms.sponsor);
		let Some((region, old)) = contract
			.positions
			.get_mut(index)
			.map(|position| (position.region.clone(), position.encoder.take()))
		else {
			return;
		};
		if let Some(encoder) = &old {
			Self::release(encoder, Role::Encoder, id);
		}
		let new = Self::draw(Role::Encoder, &region, &exclude, None)
			.filter(|encoder| Self::book(encoder, Role::Encoder, id).is_ok());
		match (new, contract.positions.get_mut(index)) {
			(Some(new), Some(position)) => {
				position.encoder = Some(new.clone());
				repairs.push(Repair {
					position: index as u8,
					role: Role::Encoder,
					old,
					new: Some(new),
				});
			}
			_ => Self::repair_position(id, contract, terms, index, repairs),
		}
	}
}

impl<T: Config> ContractDirectory<T::AccountId> for Pallet<T> {
	fn summary(contract: ContractId) -> Option<(PlanId, ChunkRange, ContractStatus)> {
		Contracts::<T>::get(contract).map(|c| (c.plan, c.range, c.status))
	}

	fn hosted_positions(contract: ContractId) -> Vec<HostedPosition<T::AccountId>> {
		Contracts::<T>::get(contract)
			.map(|c| {
				c.positions
					.into_iter()
					.filter(|p| p.state == PositionState::Hosted)
					.filter_map(|p| {
						p.hoster.map(|hoster| HostedPosition { hoster, region: p.region })
					})
					.collect()
			})
			.unwrap_or_default()
	}

	fn replace_hoster(id: ContractId, hoster: &T::AccountId) -> DispatchResult {
		let mut contract = Contracts::<T>::get(id).ok_or(Error::<T>::UnknownContract)?;
		let terms = Self::terms_of(&contract)?;
		let index = contract
			.positions
			.iter()
			.position(|p| p.hoster.as_ref() == Some(hoster))
			.ok_or(Error::<T>::UnexpectedHoster)?;
		let mut repairs = Vec::new();
		Self::repair_position(id, &mut contract, &terms, index, &mut repairs);
		Self::settle(id, contract, &terms, repairs)
	}
}
