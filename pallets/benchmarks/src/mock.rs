//! A runtime with `System` and `Benchmarks`. Plans, ratings, accounts, the scheduler and the
//! randomness are the shared test doubles of `datdot_primitives::testing`; the contracts and
//! the attestor pool are mocks of this file.

use core::cell::RefCell;
use datdot_primitives::{
	encoding::HostedCopy,
	testing::{self, doubles, region, MockAccounts, MockPlans, MockRatings, TestRandomness},
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

/// A contract with terms of its own: one the benchmark helper set up. Every other contract of
/// the mock is plan 0's over chunks 0..10, hosted by HOSTERS in `u3`.
#[derive(Clone, Debug)]
pub struct MockContract {
	/// Its plan.
	pub plan: PlanId,
	/// The chunks it covers.
	pub range: ChunkRange,
	/// The region its positions serve.
	pub region: Region,
	/// Its hosters (none before it is active).
	pub hosters: Vec<AccountId>,
}

/// What the contract and pool mocks hold and were told.
#[derive(Default)]
pub struct World {
	pub status: BTreeMap<ContractId, ContractStatus>,
	pub attestors: Vec<AccountId>,
	pub ended: Vec<(ContractId, EndReason)>,
	/// The contracts with terms of their own.
	pub contracts: BTreeMap<ContractId, MockContract>,
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
		with_world(|w| {
			let status = *w.status.get(&contract)?;
			let (plan, range) = w
				.contracts
				.get(&contract)
				.map_or((0, ChunkRange { start: 0, end: 10 }), |c| (c.plan, c.range));
			Some((plan, range, status))
		})
	}
	fn hosted_positions(contract: ContractId) -> Vec<HostedPosition<AccountId>> {
		if Self::summary(contract).is_none() {
			return Vec::new();
		}
		// Benchmarks measure hosters; their copies are the proofs pallet's concern.
		let copy = HostedCopy { key: [0; 32], commitment: Default::default() };
		let (hosters, served) = with_world(|w| {
			w.contracts
				.get(&contract)
				.map_or((HOSTERS.to_vec(), region("u3")), |c| (c.hosters.clone(), c.region.clone()))
		});
		hosters
			.into_iter()
			.map(|hoster| HostedPosition { hoster, region: served.clone(), copy })
			.collect()
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
	pub const BenchmarkPeriod: u32 = 100;
	pub const BenchmarksPerBlock: u32 = 2;
	pub const MaxBenchmarksPerBlock: u32 = 3;
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
	type Randomness = TestRandomness;
	type BenchmarkPeriod = BenchmarkPeriod;
	type BenchmarksPerBlock = BenchmarksPerBlock;
	type MaxBenchmarksPerBlock = MaxBenchmarksPerBlock;
	type BenchmarkTimeout = BenchmarkTimeout;
	type MaxHostersPerContract = MaxHosters;
	type MaxDrawAttempts = MaxDrawAttempts;
	type MaxLatencyMs = MaxLatencyMs;
	type MinBandwidthKbps = MinBandwidthKbps;
	type MaxBandwidthKbps = MaxBandwidthKbps;
	type RequestCooldown = RequestCooldown;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
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

/// Fresh storage and fresh doubles for the benchmark test suite: no contract and an empty
/// attestor pool. The benchmarks set up their own through [`MockBenchmarkHelper`].
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	testing::reset();
	WORLD.with(|w| *w.borrow_mut() = World::default());
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	sp_io::TestExternalities::new(storage)
}

#[cfg(feature = "runtime-benchmarks")]
pub use benchmark_helper::MockBenchmarkHelper;

/// The benchmarks' state on this mock: plans in the doubles, contracts and the attestor pool in
/// [`World`].
///
/// The suite wipes the storage after each run of a benchmark but not the doubles and the
/// world, so every plan and contract gets an id above all earlier ones and runs never meet.
#[cfg(feature = "runtime-benchmarks")]
mod benchmark_helper {
	use super::*;
	use codec::Encode;
	use datdot_primitives::{
		attestor::{AttestorId, AttestorPair},
		blake2_256, BenchmarkHelper, ContractObserver,
	};
	use sp_core::Pair;

	/// Sets up what the benchmark benchmarks start from, as `Plans`, `Hosting` and `Roles`
	/// would on the runtime: plans of the benchmark feed, contracts hosted by fresh hosters, and
	/// attestors in the pool.
	pub struct MockBenchmarkHelper;

	/// The region `bytes` names (the benchmarks' regions are valid).
	fn region_of(bytes: &[u8]) -> Region {
		Region::new(bytes).expect("a valid benchmark region")
	}

	/// An account id of the benchmark helper's own, derived from `what`.
	fn derived(what: impl Encode) -> AccountId {
		testing::derived_account(what)
	}

	/// Makes every contract of `plan` active with `hosters` fresh hosters, and tells
	/// `Benchmarks`. Returns the contracts `Benchmarks` took.
	fn activate(plan: PlanId, hosters: u8) -> Vec<ContractId> {
		let contracts: Vec<ContractId> = with_world(|w| {
			w.contracts.iter().filter(|(_, c)| c.plan == plan).map(|(id, _)| *id).collect()
		});
		contracts
			.into_iter()
			.filter_map(|contract| {
				with_world(|w| {
					w.status.insert(contract, ContractStatus::Active);
					if let Some(record) = w.contracts.get_mut(&contract) {
						record.hosters =
							(0..hosters).map(|n| derived((b"hoster", contract, n))).collect();
					}
				});
				Benchmarks::activated(contract).ok().map(|()| contract)
			})
			.collect()
	}

	impl BenchmarkHelper<AccountId> for MockBenchmarkHelper {
		/// Gives `who` an account at `location` (the mock has no balances).
		fn account(who: &AccountId, location: &[u8]) {
			testing::give_account(*who, location);
		}

		/// Gives `who` an account and, as an attestor, a place in the pool (which serves every
		/// region and has no capacities).
		fn provider(who: &AccountId, role: Role, region: &[u8], _: u32) {
			Self::account(who, region);
			if role == Role::Attestor {
				with_world(|w| {
					if !w.attestors.contains(who) {
						w.attestors.push(*who);
					}
				});
			}
		}

		fn plan(
			sponsor: &AccountId,
			contracts: u32,
			hosters: u8,
			region: &[u8],
			length: u64,
			block_size: u32,
		) -> PlanId {
			Self::account(sponsor, region);
			let served = region_of(region);
			let plan =
				testing::benchmark_plan(*sponsor, hosters, served.clone(), length, block_size);
			let ranges = testing::benchmark_ranges(contracts, length);
			with_world(|w| {
				for range in ranges {
					let id = w.status.keys().chain(w.contracts.keys()).max().map_or(0, |c| c + 1);
					w.status.insert(id, ContractStatus::Matching);
					let record =
						MockContract { plan, range, region: served.clone(), hosters: Vec::new() };
					w.contracts.insert(id, record);
				}
			});
			plan
		}

		/// Like `plan`, every contract active, with an attestor in the pool and a benchmark
		/// open.
		fn active_plan(
			sponsor: &AccountId,
			contracts: u32,
			hosters: u8,
			region: &[u8],
			length: u64,
			block_size: u32,
		) -> PlanId {
			let plan = Self::plan(sponsor, contracts, hosters, region, length, block_size);
			Self::provider(&derived((b"attestor", plan)), Role::Attestor, region, contracts);
			for contract in activate(plan, hosters) {
				let _ = Benchmarks::do_request(*sponsor, contract);
			}
			plan
		}

		fn active_contract(
			sponsor: &AccountId,
			hosters: u8,
			region: &[u8],
			length: u64,
			block_size: u32,
		) -> Option<ContractId> {
			let plan = Self::plan(sponsor, 1, hosters, region, length, block_size);
			activate(plan, hosters).first().copied()
		}

		/// Signs with [`testing::signer`], the key `MockAccounts` gives every account.
		fn sign(who: &AccountId, message: &[u8]) -> [u8; 64] {
			testing::signer(*who).sign(message).0
		}

		/// A key derived from `who`: the mock has no registry of attestor keys.
		fn attestor_key(who: &AccountId) -> AttestorId {
			AttestorPair::from_seed(&blake2_256(&(b"datdot/mock-attestor", who).encode())).public()
		}
	}
}
