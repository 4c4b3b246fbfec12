//! The hosting pallet's invariants, each a named check, run by `try_state` and after every
//! unit test.

use alloc::vec::Vec;
use datdot_primitives::{ContractStatus, PlanDirectory, Role, ScheduleJob};
use frame_support::ensure;
use sp_runtime::TryRuntimeError;

use crate::{Config, Contracts, Pallet, PlanContracts, PositionState, ProviderJobs, Rounds};

impl<T: Config> Pallet<T> {
	/// Every invariant below.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		Self::check_contracts_belong_to_live_plans()?;
		Self::check_staffing()?;
		Self::check_bookings_match_contracts()?;
		Self::check_every_waiting_contract_has_its_job()
	}

	/// Every contract belongs to a live plan and is listed under it.
	fn check_contracts_belong_to_live_plans() -> Result<(), TryRuntimeError> {
		for (id, contract) in Contracts::<T>::iter() {
			ensure!(T::Plans::terms(contract.plan).is_some(), "a contract outlived its plan");
			ensure!(
				PlanContracts::<T>::get(contract.plan).contains(&id),
				"a contract is missing from its plan's list"
			);
		}
		for (id, _) in Rounds::<T>::iter() {
			ensure!(Contracts::<T>::contains_key(id), "a round of an ended contract");
		}
		Ok(())
	}

	/// Positions are staffed as their state says, by distinct hosters; active and paused
	/// contracts are fully hosted.
	fn check_staffing() -> Result<(), TryRuntimeError> {
		for (id, contract) in Contracts::<T>::iter() {
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
				ensure!(
					(position.state == PositionState::Hosted) == position.commitment.is_some(),
					"a hosted position has no commitment, or an unhosted one has"
				);
			}
		}
		Ok(())
	}

	/// Every booking names a provider its contract holds in that role.
	fn check_bookings_match_contracts() -> Result<(), TryRuntimeError> {
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

	/// No contract waits without the job that moves it on: a drawn round has its deadline, a
	/// setup or repair its deadline or retry, and that job is really pending.
	fn check_every_waiting_contract_has_its_job() -> Result<(), TryRuntimeError> {
		for (id, contract) in Contracts::<T>::iter() {
			let waiting = Rounds::<T>::contains_key(id)
				|| matches!(contract.status, ContractStatus::SettingUp | ContractStatus::Repairing);
			if waiting {
				let job = contract.pending_job.ok_or("a waiting contract has no pending job")?;
				ensure!(T::Scheduler::is_pending(job), "a contract's pending job is gone");
			}
			if matches!(contract.status, ContractStatus::Active | ContractStatus::Paused) {
				ensure!(contract.pending_job.is_none(), "a settled contract keeps a job");
			}
			if let Some(job) = contract.pending_job {
				ensure!(T::Scheduler::is_pending(job), "a contract names a job that is gone");
			}
		}
		Ok(())
	}
}
