//! The bodies of the hosting calls: attestors' selections and setup reports.

use alloc::vec::Vec;
use datdot_primitives::{
	signing::{signing_payload, verify_ed25519, SETUP_TAG},
	AccountDirectory, ChunkRange, ContractId, ContractObserver, ContractStatus, EndReason,
	HostingJob, PlanTerms, Priority, ProviderRegistry, Ratings, Role,
};
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_core::H256;
use sp_runtime::{
	traits::{Saturating, Zero},
	DispatchResult,
};

use crate::{
	Config, ContractOf, Contracts, Error, Event, HosterSetup, Pallet, PositionState, RoundOf,
	Rounds, SelectionInput, SelectionOf, SetupReport, SponsorStrikes,
};

impl<T: Config> Pallet<T> {
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
				T::Ratings::qualifies(hoster, &position.region, &terms.min_performance),
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
		let rule = Self::select_by_rule(&contract, &round, &terms)?;
		ensure!(selection == rule, Error::<T>::NotRuleSelection);
		// Earlier votes for another selection were the rule's when they were cast; the state
		// has moved since. They are dropped so that their attestors can vote again.
		round.votes.retain(|(_, vote)| *vote == rule);

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
			return Self::book_selection(id, contract, &terms, selection, &agreeing);
		}
		round.votes.try_push((who, selection)).map_err(|_| Error::<T>::AlreadySubmitted)?;
		Rounds::<T>::insert(id, round);
		Ok(())
	}

	/// A quorum agreed: book the providers, start setup, emit `StartHosting`.
	fn book_selection(
		id: ContractId,
		mut contract: ContractOf<T>,
		terms: &PlanTerms<T::AccountId>,
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
			position.seed = Self::copy_seed(id);
		}
		Rounds::<T>::remove(id);
		Self::set_status(&mut contract, ContractStatus::SettingUp)?;
		contract.attestor = Some(attestor.clone());
		contract.attempts = 0;
		// A matching that went through clears the sponsor's strikes.
		SponsorStrikes::<T>::remove(&terms.sponsor);
		let deadline = Self::now().saturating_add(T::SetupTimeout::get());
		Self::set_pending(
			&mut contract,
			Some((deadline, HostingJob::SetupDeadline(id), Priority::Critical)),
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

	/// The message `hoster` signs to confirm it holds its encoded copy of `range` of `feed`
	/// for `contract` on this chain, committed to by `commitment`.
	pub fn setup_message(
		contract: ContractId,
		hoster: &T::AccountId,
		feed: [u8; 32],
		range: ChunkRange,
		commitment: &H256,
	) -> Vec<u8> {
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		signing_payload(SETUP_TAG, genesis.as_ref(), (contract, hoster, feed, range, commitment))
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
		for (n, result) in results.iter().enumerate() {
			ensure!(pending.contains(&&result.hoster), Error::<T>::UnexpectedHoster);
			ensure!(
				results[..n].iter().all(|earlier| earlier.hoster != result.hoster),
				Error::<T>::DuplicateHoster
			);
			if let Some(copy) = &result.copy {
				let key = T::Accounts::signing_key(&result.hoster)
					.ok_or(Error::<T>::BadHosterSignature)?;
				let message = Self::setup_message(
					id,
					&result.hoster,
					terms.key,
					contract.range,
					&copy.commitment,
				);
				ensure!(
					verify_ed25519(&message, &copy.signature, &key),
					Error::<T>::BadHosterSignature
				);
			}
		}
		ensure!(results.len() == pending.len(), Error::<T>::MissingHoster);
		Ok(())
	}

	/// The setup attestor reports. Confirmed positions are hosted; rejected ones are repaired,
	/// and a report that rejects counts toward `MaxRepairAttempts`, so an attestor cannot veto
	/// a contract forever; after `MaxSetupRejections` such reports it is replaced itself.
	pub fn do_setup_report(who: T::AccountId, report: SetupReport<T::AccountId>) -> DispatchResult {
		let id = report.contract;
		let mut contract = Contracts::<T>::get(id).ok_or(Error::<T>::UnknownContract)?;
		ensure!(contract.attestor.as_ref() == Some(&who), Error::<T>::NotSetupAttestor);
		let terms = Self::terms_of(&contract)?;
		ensure!(report.results.len() <= contract.positions.len(), Error::<T>::UnexpectedHoster);
		Self::check_report(id, &contract, &terms, &report.results)?;

		let mut failed = Vec::new();
		let mut hosted = Vec::new();
		for result in &report.results {
			let Some(index) =
				contract.positions.iter().position(|p| p.hoster.as_ref() == Some(&result.hoster))
			else {
				continue;
			};
			if let Some(copy) = &result.copy {
				let position = &mut contract.positions[index];
				position.state = PositionState::Hosted;
				position.commitment = Some(copy.commitment);
				if let Some(encoder) = position.encoder.take() {
					Self::release(&encoder, Role::Encoder, id);
				}
				hosted.push(result.hoster.clone());
			} else {
				failed.push(index);
			}
		}
		// A report that rejects counts once, however many positions it rejects: one attestor
		// cannot end a contract in one report.
		let rejecting = !failed.is_empty();
		if rejecting {
			contract.attempts.saturating_inc();
			contract.rejections.saturating_inc();
		}
		if rejecting && contract.attempts >= T::MaxRepairAttempts::get() {
			Contracts::<T>::insert(id, contract);
			return Self::give_up(id, EndReason::Unrepairable);
		}
		let mut repairs = Vec::new();
		for index in failed {
			Self::repair_position(id, &mut contract, &terms, index, &mut repairs);
		}
		if contract.rejections >= T::MaxSetupRejections::get() {
			Self::replace_attestor(id, &mut contract, &terms, &mut repairs);
		}
		// A repaired position of a contract already checked is checked from now on; a new
		// contract's positions start together when it first becomes active.
		let checked = contract.active_since.is_some() && !terms.paused;
		Self::settle(id, contract, &terms, repairs)?;
		if checked {
			for hoster in &hosted {
				T::Observer::hoster_added(id, hoster)?;
			}
		}
		Ok(())
	}
}
