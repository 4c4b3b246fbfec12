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

/// Fresh storage for the benchmark test suite.
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	sp_io::TestExternalities::new(storage)
}
