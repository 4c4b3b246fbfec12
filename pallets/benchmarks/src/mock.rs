//! A runtime with `System` and `Benchmarks`; every other pallet is a mock.

use core::cell::RefCell;
use datdot_primitives::{
	AccountDirectory, ChunkRange, ContractDirectory, ContractId, ContractStatus, EndReason,
	HostedPosition, Job, JobId, Performance, PlanDirectory, PlanId, PlanTerms, Priority,
	ProviderRegistry, Rating, Ratings, Region, Role, ScheduleJob,
};
use frame_support::{derive_impl, parameter_types, traits::Randomness};
use sp_core::{ed25519, Pair, H256};
use sp_runtime::{
	traits::{BlakeTwo256, Hash},
	BuildStorage, DispatchError, DispatchResult,
};
use std::collections::BTreeMap;

use crate as pallet_datdot_benchmarks;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Benchmarks: pallet_datdot_benchmarks,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

#[derive(Default)]
pub struct World {
	pub status: BTreeMap<ContractId, ContractStatus>,
	pub attestors: Vec<AccountId>,
	/// (hoster, region key) → rating.
	pub ratings: BTreeMap<(AccountId, Vec<u8>), Rating>,
	pub scheduled: Vec<(JobId, u64, Job)>,
	pub cancelled: Vec<JobId>,
	pub next_job: JobId,
}

thread_local! {
	pub static WORLD: RefCell<World> = RefCell::new(World::default());
}

pub fn with_world<R>(f: impl FnOnce(&mut World) -> R) -> R {
	WORLD.with(|w| f(&mut w.borrow_mut()))
}

pub const SPONSOR: AccountId = 1;
pub const HOSTERS: [AccountId; 2] = [10, 11];
/// Attestors live at `u33dc`, except 31 at `gcpv`.
pub const ATTESTORS: [AccountId; 2] = [30, 31];

pub fn region(s: &str) -> Region {
	Region::new(s.as_bytes()).unwrap()
}

/// Every account signs with the ed25519 key seeded by its id.
pub fn signer(who: AccountId) -> ed25519::Pair {
	let mut seed = [0u8; 32];
	seed[..8].copy_from_slice(&who.to_le_bytes());
	ed25519::Pair::from_seed(&seed)
}

pub struct MockPlans;
impl PlanDirectory<AccountId> for MockPlans {
	fn terms(plan: PlanId) -> Option<PlanTerms<AccountId>> {
		(plan == 0).then(|| PlanTerms {
			sponsor: SPONSOR,
			regions: vec![region("u3")],
			hosters: 2,
			min_performance: Performance { max_latency_ms: 100, min_bandwidth_kbps: 1 },
			root: H256::zero(),
			length: 10,
			priority: Priority::Normal,
			paused: false,
		})
	}
	fn end_plan(_: PlanId, _: EndReason) -> DispatchResult {
		Ok(())
	}
}

pub struct MockContracts;
impl ContractDirectory<AccountId> for MockContracts {
	fn summary(contract: ContractId) -> Option<(PlanId, ChunkRange, ContractStatus)> {
		with_world(|w| w.status.get(&contract).map(|s| (0, ChunkRange { start: 0, end: 10 }, *s)))
	}
	fn hosted_positions(contract: ContractId) -> Vec<HostedPosition<AccountId>> {
		if Self::summary(contract).is_none() {
			return Vec::new();
		}
		HOSTERS.iter().map(|h| HostedPosition { hoster: *h, region: region("u3") }).collect()
	}
	fn replace_hoster(_: ContractId, _: &AccountId) -> DispatchResult {
		Ok(())
	}
}

pub struct MockProviders;
impl ProviderRegistry<AccountId> for MockProviders {
	fn is_provider(who: &AccountId, role: Role) -> bool {
		role == Role::Attestor && with_world(|w| w.attestors.contains(who))
	}
	fn serves(who: &AccountId, role: Role, _: &Region) -> bool {
		Self::is_provider(who, role)
	}
	fn has_free_capacity(who: &AccountId, role: Role) -> bool {
		Self::is_provider(who, role)
	}
	fn book(_: &AccountId, _: Role) -> DispatchResult {
		Ok(())
	}
	fn release(_: &AccountId, _: Role) {}
	fn pool_size(role: Role, _: &Region) -> u32 {
		if role == Role::Attestor {
			with_world(|w| w.attestors.len() as u32)
		} else {
			0
		}
	}
	fn pool_member(role: Role, _: &Region, index: u32) -> Option<AccountId> {
		(role == Role::Attestor)
			.then(|| with_world(|w| w.attestors.get(index as usize).copied()))
			.flatten()
	}
}

pub struct MockRatings;
impl Ratings<AccountId> for MockRatings {
	fn rating(who: &AccountId, region: &Region) -> Rating {
		with_world(|w| {
			w.ratings.get(&(*who, region.as_bytes().to_vec())).copied().unwrap_or_default()
		})
	}
	fn record_challenge(who: &AccountId, region: &Region, passed: bool) -> Rating {
		with_world(|w| {
			let r = w.ratings.entry((*who, region.as_bytes().to_vec())).or_default();
			r.record_challenge(passed);
			*r
		})
	}
	fn record_measurement(who: &AccountId, region: &Region, latency: u32, bandwidth: u32) {
		with_world(|w| {
			w.ratings
				.entry((*who, region.as_bytes().to_vec()))
				.or_default()
				.record_measurement(latency, bandwidth)
		})
	}
}

pub struct MockAccounts;
impl AccountDirectory<AccountId> for MockAccounts {
	fn has_account(_: &AccountId) -> bool {
		true
	}
	fn location(who: &AccountId) -> Option<Region> {
		Some(if *who == 31 { region("gcpv") } else { region("u33dc") })
	}
	fn signing_key(who: &AccountId) -> Option<[u8; 32]> {
		Some(signer(*who).public().0)
	}
}

pub struct MockScheduler;
impl ScheduleJob<u64> for MockScheduler {
	fn schedule(at: u64, job: Job, _: Priority) -> Result<JobId, DispatchError> {
		Ok(with_world(|w| {
			let id = w.next_job;
			w.next_job += 1;
			w.scheduled.push((id, at, job));
			id
		}))
	}
	fn enqueue(job: Job, priority: Priority) -> Result<JobId, DispatchError> {
		Self::schedule(System::block_number(), job, priority)
	}
	fn cancel(id: JobId) -> bool {
		with_world(|w| w.cancelled.push(id));
		true
	}
}

pub struct TestRandomness;
impl Randomness<H256, u64> for TestRandomness {
	fn random(subject: &[u8]) -> (H256, u64) {
		(BlakeTwo256::hash(subject), System::block_number())
	}
}

parameter_types! {
	pub const BenchmarkPeriod: u64 = 100;
	pub const BenchmarkTimeout: u64 = 10;
	pub const MaxHosters: u32 = 4;
	pub const MaxDrawAttempts: u32 = 16;
}

impl crate::Config for Test {
	type Plans = MockPlans;
	type Contracts = MockContracts;
	type Providers = MockProviders;
	type Ratings = MockRatings;
	type Accounts = MockAccounts;
	type Scheduler = MockScheduler;
	type Randomness = TestRandomness;
	type BenchmarkPeriod = BenchmarkPeriod;
	type BenchmarkTimeout = BenchmarkTimeout;
	type MaxHostersPerContract = MaxHosters;
	type MaxDrawAttempts = MaxDrawAttempts;
	type WeightInfo = ();
}

/// Runs `test` at block 1 with contract 0 active and attestor 30 in the pool.
pub fn new_test_ext(test: impl FnOnce()) {
	WORLD.with(|w| *w.borrow_mut() = World::default());
	with_world(|w| {
		w.status.insert(0, ContractStatus::Active);
		w.attestors = vec![ATTESTORS[0]];
	});
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		test();
		Benchmarks::do_try_state().expect("benchmark invariants hold");
	});
}

/// Fresh storage for the benchmark test suite.
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	sp_io::TestExternalities::new(storage)
}
