//! What other pallets may do with contracts: open, start, pause, resume and close a plan's
//! contracts, hand over a departing provider's jobs, look contracts up and replace hosters.

use alloc::vec::Vec;
use datdot_primitives::{
	encoding::HostedCopy, ChunkRange, ContractDirectory, ContractId, ContractManager,
	ContractObserver, ContractStatus, EndReason, HostedPosition, HostingJob, PlanDirectory, PlanId,
	Role,
};
use frame_support::pallet_prelude::*;
use sp_runtime::{
	traits::{Saturating, Zero},
	DispatchResult,
};

use crate::{
	Config, ContractOf, Contracts, Error, Pallet, PlanContracts, PositionState, ProviderJobs,
	Rounds, WeightInfo,
};

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
					rejections: 0,
					active_since: None,
					pending_job: None,
				},
			);
			ids.push(id);
		}
		// An upgraded plan adds contracts to those it has.
		PlanContracts::<T>::try_mutate(plan, |list| {
			ids.iter().try_for_each(|id| list.try_push(*id))
		})
		.map_err(|_| Error::<T>::TooManyContracts)?;
		Ok(ids)
	}

	fn start(plan: PlanId) -> DispatchResult {
		Self::start_plan(plan)
	}

	fn start_weight(contracts: u32) -> Weight {
		<T as Config>::WeightInfo::start_plan(contracts)
	}

	fn pause(plan: PlanId) -> DispatchResult {
		let Some(terms) = T::Plans::terms(plan) else { return Ok(()) };
		for id in PlanContracts::<T>::get(plan) {
			let Some(mut contract) = Contracts::<T>::get(id) else { continue };
			if contract.active_since.is_some() {
				T::Observer::stopped(id);
			}
			match contract.status {
				ContractStatus::Active => Self::set_status(&mut contract, ContractStatus::Paused)?,
				// No new matching while paused: a drawn round is abandoned, and counts.
				ContractStatus::Matching => Self::abandon_round(id, &mut contract, &terms.sponsor)?,
				_ => {}
			}
			Contracts::<T>::insert(id, contract);
		}
		Ok(())
	}

	fn resume(plan: PlanId, started: bool) -> DispatchResult {
		let Some(terms) = T::Plans::terms(plan) else { return Ok(()) };
		for id in PlanContracts::<T>::get(plan) {
			let Some(mut contract) = Contracts::<T>::get(id) else { continue };
			if contract.active_since.is_some() {
				T::Observer::activated(id)?;
			}
			match contract.status {
				ContractStatus::Paused => Self::set_status(&mut contract, ContractStatus::Active)?,
				ContractStatus::Matching if started && contract.pending_job.is_none() => {
					let wait = if contract.attempts == 0 {
						Zero::zero()
					} else {
						Self::backoff(contract.attempts)
					};
					let at = Self::now().saturating_add(wait);
					Self::set_pending(
						&mut contract,
						Some((at, HostingJob::RetryMatching(id), terms.priority)),
					)?;
				}
				_ => {}
			}
			Contracts::<T>::insert(id, contract);
		}
		Ok(())
	}

	fn close(plan: PlanId, reason: EndReason) {
		let sponsor = T::Plans::terms(plan).map(|terms| terms.sponsor);
		for id in PlanContracts::<T>::take(plan) {
			// Unsubscribing while attestors are drawn counts against the sponsor like a pause.
			if let (EndReason::Unsubscribed, Some(sponsor), Some(mut contract)) =
				(reason, sponsor.as_ref(), Contracts::<T>::get(id))
			{
				if Rounds::<T>::contains_key(id)
					&& Self::abandon_round(id, &mut contract, sponsor).is_ok()
				{
					Contracts::<T>::insert(id, contract);
				}
			}
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
						let (hoster, commitment) = (p.hoster?, p.commitment?);
						let key = Self::copy_key(contract, &hoster, &p.seed);
						let copy = HostedCopy { key, commitment };
						Some(HostedPosition { hoster, region: p.region, copy })
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

	fn end(contract: ContractId, reason: EndReason) {
		if Self::give_up(contract, reason).is_err() {
			Self::end_contract(contract, reason);
		}
	}
}
