//! Benchmarks of the hosting calls and jobs, run on the real runtime (and, as unit tests, on
//! the mock runtime: `cargo test --features runtime-benchmarks`).
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
use frame_support::{
	pallet_prelude::TransactionSource,
	traits::{Authorize, Get},
};
use frame_system::RawOrigin;
use sp_runtime::RuntimeAppPublic;

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

/// Spares for repairing `h` positions: enough that a draw's window of `MaxDrawAttempts`
/// consecutive pool members always holds a free one.
fn spares<T: Config>(h: u32) -> u32 {
	T::MaxDrawAttempts::get().saturating_sub(h).max(h)
}

/// The rule's selection for `contract` now, as a submission.
fn rule<T: Config>(contract: ContractId) -> Result<SelectionInput<T::AccountId>, BenchmarkError> {
	let rule = Pallet::<T>::rule_selection(contract)
		.map_err(|_| BenchmarkError::Stop("the rule finds no selection"))?;
	Ok(SelectionInput { hosters: rule.hosters.into_inner(), encoders: rule.encoders.into_inner() })
}

/// Submits the first `votes` votes of a round, each the rule's selection. Returns the first
/// voter and the selection.
fn vote<T: Config>(
	contract: ContractId,
	votes: usize,
) -> Result<(T::AccountId, SelectionInput<T::AccountId>), BenchmarkError> {
	let round = Rounds::<T>::get(contract).ok_or(BenchmarkError::Stop("no round"))?;
	let pick = rule::<T>(contract)?;
	for attestor in round.attestors.iter().take(votes) {
		Pallet::<T>::do_submit_matching(attestor.clone(), contract, pick.clone())?;
	}
	let first = round.attestors.first().cloned().ok_or(BenchmarkError::Stop("no attestor"))?;
	Ok((first, pick))
}

/// Fills `who`'s capacity as `role`; returns how many jobs were booked.
fn fill<T: Config>(who: &T::AccountId, role: Role) -> u32 {
	let mut booked = 0;
	while T::Providers::book(who, role).is_ok() {
		booked += 1;
	}
	booked
}

/// How many spare hosters and encoders (each) make the rule's worst case for `h` positions:
/// room for every position's probes to land on distinct members.
fn probe_crowd<T: Config>(h: u32) -> u32 {
	T::MaxDrawAttempts::get().saturating_mul(h).saturating_mul(2)
}

/// Makes the matching rule walk as many probes as it can for `contract`'s round: position by
/// position in the rule's order, the chosen candidate is the free member the position's latest
/// probe visits, and every free member its earlier probes visit is made busy. Earlier
/// positions' choices stay as they were: they only ever skipped members that were busy or
/// taken, and stay so.
fn exhaust_probes<T: Config>(contract: ContractId) -> Result<(), BenchmarkError> {
	let stored = Contracts::<T>::get(contract).ok_or(BenchmarkError::Stop("no contract"))?;
	let round = Rounds::<T>::get(contract).ok_or(BenchmarkError::Stop("no round"))?;
	let attempts = T::MaxDrawAttempts::get();
	let mut taken: Vec<T::AccountId> = round.attestors.to_vec();
	for role in [Role::Hoster, Role::Encoder] {
		for (i, position) in stored.positions.iter().enumerate() {
			let size = T::Providers::pool_size(role, &position.region);
			let visited: Vec<T::AccountId> = (0..attempts)
				.filter_map(|k| {
					let index = Pallet::<T>::rule_probe(&round.seed, role, i as u32, k, size);
					T::Providers::pool_member(role, &position.region, index)
				})
				.collect();
			let open = |who: &T::AccountId, taken: &[T::AccountId]| {
				!taken.contains(who) && T::Providers::has_free_capacity(who, role)
			};
			let target = visited
				.iter()
				.rev()
				.find(|who| open(who, &taken))
				.cloned()
				.ok_or(BenchmarkError::Stop("no probe of a position finds a free member"))?;
			for who in &visited {
				if *who == target {
					break;
				}
				if open(who, &taken) {
					fill::<T>(who, role);
				}
			}
			taken.push(target);
		}
	}
	Ok(())
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

	/// The submission that completes a quorum, after the rule walked (nearly) all its probes
	/// for every position.
	#[benchmark]
	fn submit_matching(
		h: Linear<1, { T::MaxHostersPerContract::get() }>,
	) -> Result<(), BenchmarkError> {
		let (ids, _, _) = started::<T>(1, h, 0)?;
		let contract = ids[0];
		providers::<T>("spare-hoster", Role::Hoster, probe_crowd::<T>(h), 1);
		providers::<T>("spare-encoder", Role::Encoder, probe_crowd::<T>(h), 1);
		exhaust_probes::<T>(contract)?;
		let quorum = T::MatchingQuorum::get() as usize;
		let (_, pick) = vote::<T>(contract, quorum - 1)?;
		let last = Rounds::<T>::get(contract)
			.and_then(|round| round.attestors.get(quorum - 1).cloned())
			.ok_or(BenchmarkError::Stop("no attestor"))?;
		#[extrinsic_call]
		_(RawOrigin::Signed(last), contract, pick);
		assert!(Rounds::<T>::get(contract).is_none());
		Ok(())
	}

	/// The pool's check of a vote: the round, the attestor's key and signature, and the rule
	/// (walking its probes as in `submit_matching`).
	#[benchmark]
	fn authorize_matching_vote(
		h: Linear<1, { T::MaxHostersPerContract::get() }>,
	) -> Result<(), BenchmarkError> {
		let (ids, _, _) = started::<T>(1, h, 0)?;
		let contract = ids[0];
		providers::<T>("spare-hoster", Role::Hoster, probe_crowd::<T>(h), 1);
		providers::<T>("spare-encoder", Role::Encoder, probe_crowd::<T>(h), 1);
		exhaust_probes::<T>(contract)?;
		let round = Rounds::<T>::get(contract).ok_or(BenchmarkError::Stop("no round"))?;
		let attestor = round.attestors.first().cloned().ok_or(BenchmarkError::Stop("none"))?;
		let key = T::BenchmarkHelper::attestor_key(&attestor);
		let vote =
			MatchingVote { contract, seed: round.seed, attestor, selection: rule::<T>(contract)? };
		let signature = key
			.sign(&Pallet::<T>::vote_message(&vote))
			.ok_or(BenchmarkError::Stop("the keystore cannot sign"))?;
		let call = Call::<T>::submit_matching_vote { vote, signature };
		#[block]
		{
			call.authorize(TransactionSource::External)
				.ok_or(BenchmarkError::Stop("the call is not authorized"))?
				.map_err(|_| BenchmarkError::Stop("the vote is refused"))?;
		}
		Ok(())
	}

	/// What an attestor's off-chain worker computes for one round, with a pool of `p`
	/// providers (half hosters, half encoders) and `MaxHostersPerContract` positions whose
	/// probes the rule walks (as in `submit_matching`): the rule's selection, the vote's
	/// statement and its signature. Off chain, so never charged (an `extra` benchmark, run
	/// with `--extra`, with no weight function); measured to show that a worker votes well
	/// within a block (`docs/BENCHMARKS.md`).
	#[benchmark(extra)]
	fn offchain_vote(p: Linear<400, 10_000>) -> Result<(), BenchmarkError> {
		let h = T::MaxHostersPerContract::get();
		let (ids, _, _) = started::<T>(1, h, 0)?;
		let contract = ids[0];
		let spare = (p / 2).saturating_sub(h);
		providers::<T>("spare-hoster", Role::Hoster, spare, 1);
		providers::<T>("spare-encoder", Role::Encoder, spare, 1);
		exhaust_probes::<T>(contract)?;
		let round = Rounds::<T>::get(contract).ok_or(BenchmarkError::Stop("no round"))?;
		let attestor = round.attestors.first().cloned().ok_or(BenchmarkError::Stop("none"))?;
		let key = T::BenchmarkHelper::attestor_key(&attestor);
		#[block]
		{
			let vote = MatchingVote {
				contract,
				seed: round.seed,
				attestor: attestor.clone(),
				selection: rule::<T>(contract)?,
			};
			key.sign(&Pallet::<T>::vote_message(&vote))
				.ok_or(BenchmarkError::Stop("the keystore cannot sign"))?;
		}
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
		let (ids, _, _) = started::<T>(1, h, h)?;
		let contract = ids[0];
		let (attestor, pick) = vote::<T>(contract, T::MatchingQuorum::get() as usize)?;
		let chosen = pick.hosters;
		let results = chosen
			.iter()
			.map(|hoster| HosterSetup { hoster: hoster.clone(), copy: None })
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
		let (ids, _, _) = started::<T>(1, h, spares::<T>(h))?;
		let contract = ids[0];
		let (_, pick) = vote::<T>(contract, T::MatchingQuorum::get() as usize)?;
		let chosen = pick.hosters;
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
		let (ids, hosters, _) = started::<T>(j, 1, 1)?;
		let leaving = hosters[0].clone();
		// While the other hoster is full, the rule gives every contract to `leaving`.
		let held = fill::<T>(&hosters[1], Role::Hoster);
		for contract in &ids {
			vote::<T>(*contract, T::MatchingQuorum::get() as usize)?;
		}
		for _ in 0..held {
			T::Providers::release(&hosters[1], Role::Hoster);
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

	impl_benchmark_test_suite!(Pallet, crate::mock::new_bench_ext(), crate::mock::Test);
}
