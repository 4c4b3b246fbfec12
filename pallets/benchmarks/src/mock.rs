//! A runtime with `System` and `Benchmarks`. Plans, ratings, accounts, the scheduler and the
//! randomness are the shared test doubles of `datdot_primitives::testing`; the contracts and
//! the attestor pool are mocks of this file.

use core::cell::RefCell;
use datdot_primitives::{
	encoding::HostedCopy,
	testing::{
		self, doubles, region, MockAccounts, MockPlans, MockRatings, MockScheduler, TestRandomness,
	},
	ChunkRange, ContractDirectory, ContractId, ContractStatus, EndReason, HostedPosition,
	Performance, PlanId, PlanTerms, Priority, ProviderRegistry, Region, Role,
};
use frame_support::{derive_impl, parameter_types};
use sp_runtime::{BuildStorage, DispatchResult};
use std::collections::BTreeMap;

use crate as pallet_datdot_benchmarks;

type Block = frame_system::mocking::MockBlock<Test>;
pub use datdot_primitives::testing::AccountId;

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

/// What the contract and pool mocks hold and were told.
#[derive(Default)]
pub struct World {
	pub status: BTreeMap<ContractId, ContractStatus>,
	pub attestors: Vec<AccountId>,
	pub ended: Vec<(ContractId, EndReason)>,
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

pub struct MockContracts;
impl ContractDirectory<AccountId> for MockContracts {
	fn summary(contract: ContractId) -> Option<(PlanId, ChunkRange, ContractStatus)> {
		with_world(|w| w.status.get(&contract).map(|s| (0, ChunkRange { start: 0, end: 10 }, *s)))
	}
	fn hosted_positions(contract: ContractId) -> Vec<HostedPosition<AccountId>> {
		if Self::summary(contract).is_none() {
			return Vec::new();
		}
		// Benchmarks measure hosters; their copies are the proofs pallet's concern.
		let copy = HostedCopy { key: [0; 32], commitment: Default::default() };
		HOSTERS.iter().map(|h| HostedPosition { hoster: *h, region: region("u3"), copy }).collect()
	}
	fn replace_hoster(_: ContractId, _: &AccountId) -> DispatchResult {
		Ok(())
	}
	fn end(contract: ContractId, reason: EndReason) {
		with_world(|w| {
			w.ended.push((contract, reason));
			w.status.remove(&contract);
		});
	}
}

/// The attestor pool: `World::attestors`, serving every region.
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

parameter_types! {
	pub const BenchmarkPeriod: u64 = 100;
	pub const BenchmarkTimeout: u64 = 10;
	pub const MaxHosters: u32 = 4;
	pub const MaxDrawAttempts: u32 = 16;
	pub const MaxLatencyMs: u32 = 60_000;
	pub const MinBandwidthKbps: u32 = 1;
	pub const MaxBandwidthKbps: u32 = 100_000_000;
	pub const RequestCooldown: u64 = 5;
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
	type MaxLatencyMs = MaxLatencyMs;
	type MinBandwidthKbps = MinBandwidthKbps;
	type MaxBandwidthKbps = MaxBandwidthKbps;
	type RequestCooldown = RequestCooldown;
	type WeightInfo = ();
}

/// Moves to block `n` (the doubles see it too).
pub fn set_block(n: u64) {
	System::set_block_number(n);
	doubles(|d| d.now = n);
}

/// Contract 0 active and the attestor pool; `build_and_execute` runs a test at block 1 and then
/// checks the pallet's invariants.
pub struct ExtBuilder {
	attestors: Vec<AccountId>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { attestors: vec![ATTESTORS[0]] }
	}
}

impl ExtBuilder {
	/// The attestor pool.
	pub fn attestors(mut self, attestors: Vec<AccountId>) -> Self {
		self.attestors = attestors;
		self
	}

	pub fn build_and_execute(self, test: impl FnOnce()) {
		with_test_ext(self.attestors, test)
	}
}

/// Runs `test` with attestor 30 in the pool.
pub fn new_test_ext(test: impl FnOnce()) {
	ExtBuilder::default().build_and_execute(test)
}

fn with_test_ext(attestors: Vec<AccountId>, test: impl FnOnce()) {
	testing::reset();
	WORLD.with(|w| *w.borrow_mut() = World::default());
	with_world(|w| {
		w.status.insert(0, ContractStatus::Active);
		w.attestors = attestors;
	});
	doubles(|d| {
		d.locations.insert(ATTESTORS[0], region("u33dc"));
		d.locations.insert(ATTESTORS[1], region("gcpv"));
		d.plans.insert(
			0,
			PlanTerms {
				sponsor: SPONSOR,
				regions: vec![region("u3")],
				hosters: 2,
				min_performance: Performance { max_latency_ms: 100, min_bandwidth_kbps: 1 },
				key: [0; 32],
				length: 10,
				priority: Priority::Normal,
				paused: false,
			},
		);
	});
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		set_block(1);
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
