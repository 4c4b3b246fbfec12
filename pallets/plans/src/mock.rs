//! A runtime with `System`, `Balances` and `Plans`. Accounts are the shared test doubles of
//! `datdot_primitives::testing`; the scheduler and hosting are mocks of this file that record
//! what they were asked in one list, since the tests check the order of both.

use core::cell::RefCell;
use datdot_primitives::{
	testing::{self, doubles},
	ChunkRange, ContractId, ContractManager, EndReason, Job, JobId, PlanId, Priority, Role,
	ScheduleJob,
};
use frame_support::{derive_impl, parameter_types, traits::ConstU32, weights::Weight};
use sp_runtime::{BuildStorage, DispatchError, DispatchResult};

use crate as pallet_datdot_plans;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Plans: pallet_datdot_plans,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

/// What the mocks were asked, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
	Schedule(u64, Job, Priority),
	Cancel(JobId),
	Open(PlanId, Vec<ChunkRange>),
	Start(PlanId),
	Pause(PlanId),
	Resume(PlanId, bool),
	Close(PlanId, EndReason),
}

thread_local! {
	pub static CALLS: RefCell<Vec<Call>> = const { RefCell::new(Vec::new()) };
	static NEXT_ID: RefCell<u64> = const { RefCell::new(100) };
}

fn record(call: Call) {
	CALLS.with(|calls| calls.borrow_mut().push(call));
}

fn next_id() -> u64 {
	NEXT_ID.with(|n| {
		let id = *n.borrow();
		*n.borrow_mut() = id + 1;
		id
	})
}

/// What the mocks were asked since the test began.
pub fn calls() -> Vec<Call> {
	CALLS.with(|calls| calls.borrow().clone())
}

pub struct MockScheduler;
impl ScheduleJob<u64> for MockScheduler {
	fn schedule(at: u64, job: Job, priority: Priority) -> Result<JobId, DispatchError> {
		record(Call::Schedule(at, job, priority));
		Ok(next_id())
	}
	fn enqueue(job: Job, priority: Priority) -> Result<JobId, DispatchError> {
		Self::schedule(0, job, priority)
	}
	fn cancel(id: JobId) -> bool {
		record(Call::Cancel(id));
		true
	}
	fn is_pending(id: JobId) -> bool {
		calls().iter().all(|call| *call != Call::Cancel(id))
	}
}

pub struct MockHosting;
impl ContractManager<AccountId> for MockHosting {
	fn open(plan: PlanId, ranges: &[ChunkRange]) -> Result<Vec<ContractId>, DispatchError> {
		record(Call::Open(plan, ranges.to_vec()));
		Ok(ranges.iter().map(|_| next_id()).collect())
	}
	fn start(plan: PlanId) -> DispatchResult {
		record(Call::Start(plan));
		Ok(())
	}
	fn start_weight(_: u32) -> Weight {
		Weight::zero()
	}
	fn pause(plan: PlanId) -> DispatchResult {
		record(Call::Pause(plan));
		Ok(())
	}
	fn resume(plan: PlanId, started: bool) -> DispatchResult {
		record(Call::Resume(plan, started));
		Ok(())
	}
	fn close(plan: PlanId, reason: EndReason) {
		record(Call::Close(plan, reason));
	}
	fn hand_over(_: &AccountId, _: Role) -> DispatchResult {
		Ok(())
	}
	fn hand_over_weight(_: u32) -> Weight {
		Weight::zero()
	}
}

parameter_types! {
	pub const PlanDeposit: Balance = 20;
	pub const ContractDeposit: Balance = 5;
}

impl crate::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Accounts = testing::MockAccounts;
	type Scheduler = MockScheduler;
	type Hosting = MockHosting;
	type PlanDeposit = PlanDeposit;
	type ContractDeposit = ContractDeposit;
	type MaxRanges = ConstU32<3>;
	type MaxRegionsPerPlan = ConstU32<2>;
	type DefaultHosters = frame_support::traits::ConstU8<3>;
	type MaxHostersPerContract = frame_support::traits::ConstU8<5>;
	type MaxChunksPerContract = ConstU32<100>;
	type MaxContractsPerPlan = ConstU32<4>;
	type MaxPlansPerSponsor = ConstU32<2>;
	type MaxPlansPerFeed = ConstU32<2>;
	type ChangeCooldown = frame_support::traits::ConstU64<3>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
	type WeightInfo = ();
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
/// Funded below any plan deposit.
pub const POOR: AccountId = 3;
/// Has no account.
pub const STRANGER: AccountId = 4;

/// Funds ALICE, BOB and STRANGER; `build_and_execute` runs a test at block 10 and then checks
/// the pallet's invariants.
pub struct ExtBuilder {
	balances: Vec<(AccountId, Balance)>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { balances: vec![(ALICE, 1_000), (BOB, 1_000), (STRANGER, 1_000)] }
	}
}

impl ExtBuilder {
	/// Gives `who` a free balance of `amount` at genesis.
	pub fn balance(mut self, who: AccountId, amount: Balance) -> Self {
		self.balances.push((who, amount));
		self
	}

	pub fn build_and_execute(self, test: impl FnOnce()) {
		CALLS.with(|calls| calls.borrow_mut().clear());
		NEXT_ID.with(|n| *n.borrow_mut() = 100);
		testing::reset();
		doubles(|d| {
			d.without_account.insert(STRANGER);
		});
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> { balances: self.balances, ..Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(10);
			test();
			Plans::do_try_state().expect("plan invariants hold");
		});
	}
}

/// Runs `test` with the default accounts.
pub fn new_test_ext(test: impl FnOnce()) {
	ExtBuilder::default().build_and_execute(test)
}

/// Fresh storage, fresh mocks and fresh doubles for the benchmark test suite. The benchmarks
/// set up their accounts and plans through [`MockBenchmarkHelper`].
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	CALLS.with(|calls| calls.borrow_mut().clear());
	NEXT_ID.with(|n| *n.borrow_mut() = 100);
	testing::reset();
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	sp_io::TestExternalities::new(storage)
}

#[cfg(feature = "runtime-benchmarks")]
pub use benchmark_helper::MockBenchmarkHelper;

/// The benchmarks' state on this mock: accounts in the shared doubles, plans in `Plans`, and
/// contracts in the recording [`MockHosting`].
///
/// The suite wipes the storage after each run of a benchmark but not the doubles and the
/// mocks' records; job and contract ids keep counting up, so runs never meet.
#[cfg(feature = "runtime-benchmarks")]
mod benchmark_helper {
	use super::*;
	use datdot_primitives::{
		attestor::{AttestorId, AttestorPair},
		feed::{benchmark_feed, SignedTree, Signer, BENCHMARK_KNOWN_BLOCKS},
		BenchmarkHelper, Performance,
	};
	use frame_support::traits::{fungible::Mutate, Get};
	use sp_core::Pair;

	/// The balance the helper gives every account: enough for any deposit of this runtime.
	const FUNDS: Balance = 1_000_000;

	/// Sets up what the plan benchmarks start from, as `Accounts`, `Plans` and `Hosting` would
	/// on the runtime: funded accounts whose keys are those `MockAccounts` gives every account,
	/// plans published through `Plans`, and their contracts started in [`MockHosting`], which
	/// stands for matching and setup.
	pub struct MockBenchmarkHelper;

	/// The ranges of a plan of `contracts` contracts on a feed of `length` blocks: as on the
	/// runtime, one contract on the feed's known blocks or one-block contracts; but when this
	/// runtime's `MaxRanges` does not allow a range per contract, one range of full contracts.
	fn ranges(contracts: u32, length: u64) -> Vec<ChunkRange> {
		let known = length.min(BENCHMARK_KNOWN_BLOCKS) as u32;
		let max_ranges: u32 = <Test as crate::Config>::MaxRanges::get();
		if contracts <= 1 {
			vec![ChunkRange { start: 0, end: known }]
		} else if contracts <= max_ranges {
			(0..contracts).map(|i| ChunkRange { start: i, end: i + 1 }).collect()
		} else {
			let chunks: u32 = <Test as crate::Config>::MaxChunksPerContract::get();
			vec![ChunkRange { start: 0, end: contracts.saturating_mul(chunks) }]
		}
	}

	impl BenchmarkHelper<AccountId> for MockBenchmarkHelper {
		/// Funds `who`, gives it an account in the doubles and places it at `location` (when
		/// that is a valid region).
		fn account(who: &AccountId, location: &[u8]) {
			let _ = <Balances as Mutate<AccountId>>::set_balance(who, FUNDS);
			testing::give_account(*who, location);
		}

		/// Gives `who` an account: the mock has no registry of providers.
		fn provider(who: &AccountId, _: Role, region: &[u8], _: u32) {
			Self::account(who, region);
		}

		/// Publishes the plan through `Plans`, as the runtime's helper does, with the feed
		/// signed by the sponsor's account key.
		fn plan(
			sponsor: &AccountId,
			contracts: u32,
			hosters: u8,
			region: &[u8],
			length: u64,
			block_size: u32,
		) -> PlanId {
			Self::account(sponsor, region);
			let log = benchmark_feed(length, block_size);
			let tree = SignedTree {
				length,
				fork: 0,
				roots: log.roots(),
				signature: Self::sign(sponsor, &log.signable(0)),
			};
			let feed = crate::FeedInput {
				key: testing::signer(*sponsor).public().0,
				signer: Signer::Compat,
				tree,
			};
			let plan = crate::NextPlanId::<Test>::get();
			let input = crate::PlanInput {
				feed,
				ranges: ranges(contracts, length),
				regions: vec![region.to_vec()],
				hosters: Some(hosters),
				start: System::block_number(),
				end: None,
				min_performance: Performance { max_latency_ms: 10_000, min_bandwidth_kbps: 0 },
				priority: Priority::Normal,
			};
			let _ = Plans::do_subscribe(*sponsor, input);
			plan
		}

		/// Publishes the plan and starts its contracts in [`MockHosting`], as matching and
		/// setup would on the runtime (the mock keeps no challenges or performance benchmarks).
		fn active_plan(
			sponsor: &AccountId,
			contracts: u32,
			hosters: u8,
			region: &[u8],
			length: u64,
			block_size: u32,
		) -> PlanId {
			let plan = Self::plan(sponsor, contracts, hosters, region, length, block_size);
			if crate::Plans::<Test>::contains_key(plan) {
				let _ = MockHosting::start(plan);
			}
			plan
		}

		/// Publishes a one-contract plan, starts it in [`MockHosting`], and returns the id the
		/// mock gave its contract.
		fn active_contract(
			sponsor: &AccountId,
			hosters: u8,
			region: &[u8],
			length: u64,
			block_size: u32,
		) -> Option<ContractId> {
			// `Plans` opens the contracts before it asks for any other id.
			let contract = NEXT_ID.with(|n| *n.borrow());
			let plan = Self::plan(sponsor, 1, hosters, region, length, block_size);
			if !crate::Plans::<Test>::contains_key(plan) {
				return None;
			}
			MockHosting::start(plan).ok()?;
			Some(contract)
		}

		/// Signs with [`testing::signer`], the key `MockAccounts` gives every account.
		fn sign(who: &AccountId, message: &[u8]) -> [u8; 64] {
			testing::signer(*who).sign(message).0
		}

		/// A key derived from `who`: the mock has no registry of attestor keys.
		fn attestor_key(who: &AccountId) -> AttestorId {
			let mut seed = [0u8; 32];
			seed[..8].copy_from_slice(&who.to_le_bytes());
			seed[8..].copy_from_slice(&[0xa7; 24]);
			AttestorPair::from_seed(&seed).public()
		}
	}
}
