//! The hosting jobs the scheduler runs: matching retries and deadlines, setup deadlines and
//! repair retries. Each runs inside the scheduler's storage layer, so an error undoes it whole;
//! one that fails every retry ends its contract (`EndReason::Stalled`).

use alloc::vec::Vec;
use datdot_primitives::{
	ContractId, ContractStatus, EndReason, HostingJob, Job, JobHandler, PlanDirectory, PlanId,
};
use frame_support::{pallet_prelude::*, traits::Get};
use sp_runtime::DispatchResult;

use crate::{Config, Contracts, Pallet, PlanContracts, PositionState, Rounds, WeightInfo};

impl<T: Config> Pallet<T> {
	/// The plan's start came: every contract still waiting begins matching.
	pub(crate) fn start_plan(plan: PlanId) -> DispatchResult {
		let Some(terms) = T::Plans::terms(plan) else { return Ok(()) };
		if terms.paused {
			// Resuming starts the matching.
			return Ok(());
		}
		let ids: Vec<_> = PlanContracts::<T>::get(plan).into_inner();
		for id in ids {
			let Some(contract) = Contracts::<T>::get(id) else { continue };
			let idle = contract.status == ContractStatus::Matching
				&& contract.pending_job.is_none()
				&& !Rounds::<T>::contains_key(id);
			if !idle {
				continue;
			}
			Self::begin_matching(id, contract, &terms)?;
			// Matching may have ended the plan as unmatchable.
			if T::Plans::terms(plan).is_none() {
				break;
			}
		}
		Ok(())
	}

	fn retry_matching(id: ContractId) -> DispatchResult {
		let Some(mut contract) = Contracts::<T>::get(id) else { return Ok(()) };
		contract.pending_job = None;
		let Some(terms) = T::Plans::terms(contract.plan) else { return Ok(()) };
		if terms.paused || contract.status != ContractStatus::Matching {
			Contracts::<T>::insert(id, contract);
			return Ok(());
		}
		Self::begin_matching(id, contract, &terms)
	}

	fn matching_deadline(id: ContractId) -> DispatchResult {
		let Some(mut contract) = Contracts::<T>::get(id) else { return Ok(()) };
		contract.pending_job = None;
		let Some(terms) = T::Plans::terms(contract.plan) else { return Ok(()) };
		if !Rounds::<T>::contains_key(id) {
			Contracts::<T>::insert(id, contract);
			return Ok(());
		}
		Self::fail_matching(id, contract, &terms)
	}

	/// The setup attestor did not confirm every position in time: those positions get new
	/// providers, and the attestor is replaced too.
	fn setup_deadline(id: ContractId) -> DispatchResult {
		let Some(mut contract) = Contracts::<T>::get(id) else { return Ok(()) };
		contract.pending_job = None;
		let Some(terms) = T::Plans::terms(contract.plan) else { return Ok(()) };
		let late: Vec<usize> = contract
			.positions
			.iter()
			.enumerate()
			.filter(|(_, p)| p.state == PositionState::SettingUp)
			.map(|(i, _)| i)
			.collect();
		let mut repairs = Vec::new();
		for index in late {
			Self::repair_position(id, &mut contract, &terms, index, &mut repairs);
		}
		if contract.positions.iter().any(|p| p.state == PositionState::SettingUp) {
			Self::replace_attestor(id, &mut contract, &terms, &mut repairs);
		}
		Self::settle(id, contract, &terms, repairs)
	}

	/// Vacant positions get another draw; after too many tries the contract ends.
	fn retry_repair(id: ContractId) -> DispatchResult {
		let Some(mut contract) = Contracts::<T>::get(id) else { return Ok(()) };
		contract.pending_job = None;
		let Some(terms) = T::Plans::terms(contract.plan) else { return Ok(()) };
		if contract.attempts >= T::MaxRepairAttempts::get() {
			Contracts::<T>::insert(id, contract);
			return Self::give_up(id, EndReason::Unrepairable);
		}
		let vacant: Vec<usize> = contract
			.positions
			.iter()
			.enumerate()
			.filter(|(_, p)| p.state == PositionState::Vacant)
			.map(|(i, _)| i)
			.collect();
		let mut repairs = Vec::new();
		for index in vacant {
			Self::repair_position(id, &mut contract, &terms, index, &mut repairs);
		}
		Self::settle(id, contract, &terms, repairs)
	}

	/// The most a hosting job can cost.
	pub fn job_weight(job: &Job) -> Weight {
		<Self as JobHandler>::max_weight(job).unwrap_or_default()
	}
}

impl<T: Config> JobHandler for Pallet<T> {
	fn max_weight(job: &Job) -> Option<Weight> {
		let Job::Hosting(job) = job else { return None };
		let hosters = T::MaxHostersPerContract::get();
		Some(match job {
			HostingJob::RetryMatching(_) => T::WeightInfo::start_plan(1),
			HostingJob::MatchingDeadline(_) => T::WeightInfo::matching_deadline(),
			HostingJob::SetupDeadline(_) | HostingJob::RetryRepair(_) => {
				T::WeightInfo::setup_deadline(hosters)
			}
		})
	}

	fn execute(job: &Job) -> Option<Result<Weight, DispatchError>> {
		let Job::Hosting(hosting_job) = job else { return None };
		let outcome = match *hosting_job {
			HostingJob::RetryMatching(id) => Self::retry_matching(id),
			HostingJob::MatchingDeadline(id) => Self::matching_deadline(id),
			HostingJob::SetupDeadline(id) => Self::setup_deadline(id),
			HostingJob::RetryRepair(id) => Self::retry_repair(id),
		};
		Some(outcome.map(|()| Self::job_weight(job)))
	}

	fn abandon(job: &Job) -> Option<Weight> {
		let Job::Hosting(hosting_job) = job else { return None };
		let (HostingJob::RetryMatching(id)
		| HostingJob::MatchingDeadline(id)
		| HostingJob::SetupDeadline(id)
		| HostingJob::RetryRepair(id)) = *hosting_job;
		// The contract cannot be served: it ends whole, its providers released. Its plan's end,
		// when it was the last contract, is the plan's own business and cannot fail here.
		if Self::give_up(id, EndReason::Stalled).is_err() {
			Self::end_contract(id, EndReason::Stalled);
		}
		Some(Self::job_weight(job))
	}

	fn is_live(job: &Job) -> Option<bool> {
		let Job::Hosting(job) = job else { return None };
		let (HostingJob::RetryMatching(id)
		| HostingJob::MatchingDeadline(id)
		| HostingJob::SetupDeadline(id)
		| HostingJob::RetryRepair(id)) = *job;
		Some(Contracts::<T>::contains_key(id))
	}
}
