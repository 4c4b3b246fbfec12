//! Benchmarks of the hosting calls and jobs, run on the real runtime.
//!
//! Providers are created fresh in the region `u33d`; every hoster, encoder and attestor can
//! take as many jobs as the benchmark needs.

use super::*;
use alloc::vec::Vec;
use datdot_primitives::{
	BenchmarkHelper, ContractId, ContractManager, HostingJob, Job, JobHandler, ProviderRegistry,
	Role,
};
use frame_benchmarking::v2::*;
use frame_support::traits::Get;
use frame_system::RawOrigin;

const REGION: &[u8] = b"u33d";

fn providers<T: Config>(
	name: &'static str,
	role: Role,
	n: u32,
	capacity: u32,
) -> Vec<T::AccountId> {
	(0..n)
		.map(|i| {
			let who: T::AccountId = account(name, i, 0);
			T::BenchmarkHelper::provider(&who, role, REGION, capacity);
			who
		})
		.collect()
}

/// A started plan of `contracts` contracts with `hosters` hosters, enough attestors, and
/// `spare` more hosters and encoders than one contract needs.
fn started<T: Config>(
	contracts: u32,
	hosters: u32,
	spare: u32,
) -> Result<(Vec<ContractId>, Vec<T::AccountId>, Vec<T::AccountId>), BenchmarkError> {
	let sponsor: T::AccountId = account("sponsor", 0, 0);
	let capacity = contracts.max(1);
	providers::<T>("attestor", Role::Attestor, T::AttestorsPerMatching::get(), capacity);
	let hoster_list = providers::<T>("hoster", Role::Hoster, hosters + spare, capacity);
	let encoder_list = providers::<T>("encoder", Role::Encoder, hosters + spare, capacity);
	let plan = T::BenchmarkHelper::plan(&sponsor, contracts, hosters as u8, REGION, 1_000, 64);
	Pallet::<T>::start_plan(plan)?;
	let ids = PlanContracts::<T>::get(plan).into_inner();
	Ok((ids, hoster_list, encoder_list))
}

/// Runs a hosting job as the scheduler does.
fn run<T: Config>(job: HostingJob) -> Result<(), BenchmarkError> {
	match <Pallet<T> as JobHandler>::execute(&Job::Hosting(job)) {
		Some(Ok(_)) => Ok(()),
		_ => Err(BenchmarkError::Stop("the job failed")),
	}
}

/// Fills the pools of `role` with `n` providers that are all busy (booked to capacity), so
/// that a draw's probes mostly land on the ineligible: the worst case of a draw is all
/// `MaxDrawAttempts` probes made.
fn crowd<T: Config>(role: Role, n: u32) -> Result<(), BenchmarkError> {
	for who in providers::<T>("busy", role, n, 1) {
		T::Providers::book(&who, role).map_err(|_| BenchmarkError::Stop("cannot book"))?;
	}
	Ok(())
}

/// How many busy providers make draws walk their whole budget.
fn crowd_size<T: Config>() -> u32 {
	T::MaxDrawAttempts::get().saturating_mul(8)
}

fn pick<T: Config>(list: &[T::AccountId], n: u32) -> Vec<T::AccountId> {
	list.iter().take(n as usize).cloned().collect()
}

/// Spares for repairing `h` positions: enough that a draw's window of `MaxDrawAttempts`
/// consecutive pool members always holds a free one.
fn spares<T: Config>(h: u32) -> u32 {
	T::MaxDrawAttempts::get().saturating_sub(h).max(h)
}

/// The last `n` providers: the ones before them in the pool are the spares a repair draws.
fn pick_last<T: Config>(list: &[T::AccountId], n: u32) -> Vec<T::AccountId> {
	list.iter().skip(list.len().saturating_sub(n as usize)).cloned().collect()
}

/// Submits the first `votes` votes of a round for the given providers.
fn vote<T: Config>(
	contract: ContractId,
	votes: usize,
	hosters: &[T::AccountId],
	encoders: &[T::AccountId],
) -> Result<T::AccountId, BenchmarkError> {
	let round = Rounds::<T>::get(contract).ok_or(BenchmarkError::Stop("no round"))?;
	for attestor in round.attestors.iter().take(votes) {
		Pallet::<T>::do_submit_matching(
			attestor.clone(),
			contract,
			SelectionInput { hosters: hosters.to_vec(), encoders: encoders.to_vec() },
		)?;
	}
	round.attestors.first().cloned().ok_or(BenchmarkError::Stop("no attestor"))
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn start_plan(c: Linear<1, { T::MaxContractsPerPlan::get() }>) -> Result<(), BenchmarkError> {
		let sponsor: T::AccountId = account("sponsor", 0, 0);
		providers::<T>("attestor", Role::Attestor, T::AttestorsPerMatching::get(), c);
		crowd::<T>(Role::Attestor, crowd_size::<T>())?;
		let plan = T::BenchmarkHelper::plan(&sponsor, c, 3, REGION, 1_000, 64);
		#[block]
		{
			Pallet::<T>::start_plan(plan)?;
		}
		// With the pool crowded, some draws may find no attestor: then the try is counted.
		assert!(PlanContracts::<T>::get(plan).iter().all(|id| {
			Rounds::<T>::contains_key(id) || Contracts::<T>::get(id).is_some_and(|c| c.attempts > 0)
		}));
		Ok(())
	}

	#[benchmark]
	fn submit_matching(
		h: Linear<1, { T::MaxHostersPerContract::get() }>,
	) -> Result<(), BenchmarkError> {
		let (ids, hosters, encoders) = started::<T>(1, h, 0)?;
		let contract = ids[0];
		let (hosters, encoders) = (pick::<T>(&hosters, h), pick::<T>(&encoders, h));
		let quorum = T::MatchingQuorum::get() as usize;
		vote::<T>(contract, quorum - 1, &hosters, &encoders)?;
		let last = Rounds::<T>::get(contract)
			.and_then(|round| round.attestors.get(quorum - 1).cloned())
			.ok_or(BenchmarkError::Stop("no attestor"))?;
		#[extrinsic_call]
		_(RawOrigin::Signed(last), contract, SelectionInput { hosters, encoders });
		assert!(Rounds::<T>::get(contract).is_none());
		Ok(())
	}

	#[benchmark]
	fn matching_deadline() -> Result<(), BenchmarkError> {
		let (ids, _, _) = started::<T>(1, 3, 0)?;
		#[block]
		{
			run::<T>(HostingJob::MatchingDeadline(ids[0]))?;
		}
		assert!(Rounds::<T>::get(ids[0]).is_none());
		Ok(())
	}

	/// Every position fails and is repaired from the spare providers.
	#[benchmark]
	fn hosting_setup_report(
		h: Linear<1, { T::MaxHostersPerContract::get() }>,
	) -> Result<(), BenchmarkError> {
		let (ids, hosters, encoders) = started::<T>(1, h, h)?;
		let contract = ids[0];
		let chosen = pick::<T>(&hosters, h);
		let attestor = vote::<T>(
			contract,
			T::MatchingQuorum::get() as usize,
			&chosen,
			&pick::<T>(&encoders, h),
		)?;
		let results = chosen
			.iter()
			.map(|hoster| HosterSetup { hoster: hoster.clone(), signature: None })
			.collect();
		crowd::<T>(Role::Hoster, crowd_size::<T>())?;
		crowd::<T>(Role::Encoder, crowd_size::<T>())?;
		#[extrinsic_call]
		_(RawOrigin::Signed(attestor), SetupReport { contract, results });
		let stored = Contracts::<T>::get(contract).ok_or(BenchmarkError::Stop("gone"))?;
		assert!(stored
			.positions
			.iter()
			.all(|p| p.hoster.as_ref().is_none_or(|h| !chosen.contains(h))));
		Ok(())
	}

	#[benchmark]
	fn setup_deadline(
		h: Linear<1, { T::MaxHostersPerContract::get() }>,
	) -> Result<(), BenchmarkError> {
		let (ids, hosters, encoders) = started::<T>(1, h, spares::<T>(h))?;
		let contract = ids[0];
		let chosen = pick_last::<T>(&hosters, h);
		vote::<T>(
			contract,
			T::MatchingQuorum::get() as usize,
			&chosen,
			&pick_last::<T>(&encoders, h),
		)?;
		crowd::<T>(Role::Hoster, crowd_size::<T>())?;
		crowd::<T>(Role::Encoder, crowd_size::<T>())?;
		crowd::<T>(Role::Attestor, crowd_size::<T>())?;
		#[block]
		{
			run::<T>(HostingJob::SetupDeadline(contract))?;
		}
		let stored = Contracts::<T>::get(contract).ok_or(BenchmarkError::Stop("gone"))?;
		assert!(stored
			.positions
			.iter()
			.all(|p| p.hoster.as_ref().is_none_or(|h| !chosen.contains(h))));
		Ok(())
	}

	/// A hoster of `j` contracts leaves; each position is repaired.
	#[benchmark]
	fn hand_over(j: Linear<1, { T::MaxContractsPerPlan::get() }>) -> Result<(), BenchmarkError> {
		let (ids, hosters, encoders) = started::<T>(j, 1, 1)?;
		let leaving = hosters[0].clone();
		for (n, contract) in ids.iter().enumerate() {
			let encoder = encoders[n % encoders.len()].clone();
			vote::<T>(
				*contract,
				T::MatchingQuorum::get() as usize,
				&[leaving.clone()],
				&[encoder],
			)?;
		}
		crowd::<T>(Role::Hoster, crowd_size::<T>())?;
		crowd::<T>(Role::Encoder, crowd_size::<T>())?;
		crowd::<T>(Role::Attestor, crowd_size::<T>())?;
		#[block]
		{
			<Pallet<T> as ContractManager<T::AccountId>>::hand_over(&leaving, Role::Hoster)?;
		}
		assert_eq!(ProviderJobs::<T>::iter_key_prefix((&leaving, Role::Hoster)).count(), 0);
		Ok(())
	}
}
