//! The hosting jobs the scheduler runs: a plan's start, matching retries and deadlines, setup
//! deadlines and repair retries.

use alloc::vec::Vec;
use datdot_primitives::{ContractStatus, Job, PlanDirectory};
use frame_support::{traits::Get, weights::Weight};

use crate::{Config, Contracts, Pallet, PlanContracts, PositionState, Rounds, WeightInfo};

impl<T: Config> Pallet<T> {
	/// The most a hosting job can cost.
	pub fn job_weight(job: &Job) -> Weight {
		let hosters = T::MaxHostersPerContract::get();
		match job {
			Job::StartPlan(_) => T::WeightInfo::start_plan(T::MaxContractsPerPlan::get()),
			Job::RetryMatching(_) => T::WeightInfo::start_plan(1),
			Job::MatchingDeadline(_) => T::WeightInfo::matching_deadline(),
			Job::SetupDeadline(_) => T::WeightInfo::setup_deadline(hosters),
			Job::RetryRepair(_) => T::WeightInfo::setup_deadline(hosters),
			_ => Weight::zero(),
		}
	}

	/// Whether a hosting job still acts on a live contract or plan.
	pub fn job_is_live(job: &Job) -> bool {
		match job {
			Job::StartPlan(plan) => PlanContracts::<T>::contains_key(plan),
			Job::RetryMatching(id)
			| Job::MatchingDeadline(id)
			| Job::SetupDeadline(id)
			| Job::RetryRepair(id) => Contracts::<T>::contains_key(id),
			_ => true,
		}
	}

	/// Runs a hosting job. Failures to schedule follow-ups are logged by the scheduler's
	/// bounds, never panics: a job that finds its record gone does nothing.
	pub fn run_job(job: Job) -> Weight {
		let _ = match job {
			Job::StartPlan(plan) => Self::start_plan(plan),
			Job::RetryMatching(id) => Self::retry_matching(id),
			Job::MatchingDeadline(id) => Self::matching_deadline(id),
			Job::SetupDeadline(id) => Self::setup_deadline(id),
			Job::RetryRepair(id) => Self::retry_repair(id),
			_ => Ok(()),
		};
		Self::job_weight(&job)
	}

	fn start_plan(plan: datdot_primitives::PlanId) -> sp_runtime::DispatchResult {
		let Some(terms) = T::Plans::terms(plan) else { return Ok(()) };
		let ids: Vec<_> = PlanContracts::<T>::get(plan).into_inner();
		for id in ids {
			let Some(mut contract) = Contracts::<T>::get(id) else { continue };
			contract.started = true;
			let idle = contract.status == ContractStatus::Matching
				&& contract.pending_job.is_none()
				&& !Rounds::<T>::contains_key(id);
			if terms.paused || !idle {
				Contracts::<T>::insert(id, contract);
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

	fn retry_matching(id: datdot_primitives::ContractId) -> sp_runtime::DispatchResult {
		let Some(mut contract) = Contracts::<T>::get(id) else { return Ok(()) };
		contract.pending_job = None;
		let Some(terms) = T::Plans::terms(contract.plan) else { return Ok(()) };
		if terms.paused || contract.status != ContractStatus::Matching {
			Contracts::<T>::insert(id, contract);
			return Ok(());
		}
		Self::begin_matching(id, contract, &terms)
	}

	fn matching_deadline(id: datdot_primitives::ContractId) -> sp_runtime::DispatchResult {
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
	fn setup_deadline(id: datdot_primitives::ContractId) -> sp_runtime::DispatchResult {
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
	fn retry_repair(id: datdot_primitives::ContractId) -> sp_runtime::DispatchResult {
		let Some(mut contract) = Contracts::<T>::get(id) else { return Ok(()) };
		contract.pending_job = None;
		let Some(terms) = T::Plans::terms(contract.plan) else { return Ok(()) };
		if contract.attempts >= T::MaxRepairAttempts::get() {
			Contracts::<T>::insert(id, contract);
			return Self::give_up(id);
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
}
