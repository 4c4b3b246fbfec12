//! A runtime with only `System` and the scheduler, and an executor that records what it runs.

use core::cell::RefCell;
use datdot_primitives::{Job, JobHandler, PlanJob};
use frame_support::{derive_impl, parameter_types, weights::Weight};
use sp_runtime::{BuildStorage, Perbill};

use crate as pallet_datdot_scheduler;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Scheduler: pallet_datdot_scheduler,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type BlockWeights = BlockWeights;
}

parameter_types! {
	pub BlockWeights: frame_system::limits::BlockWeights =
		frame_system::limits::BlockWeights::simple_max(Weight::from_parts(1_000_000_000_000, u64::MAX));
	pub static MaxJobsPerRun: u32 = 100;
	pub static Share: Perbill = Perbill::from_percent(50);
	pub static Reserved: u32 = 0;
}

thread_local! {
	/// Jobs run so far, in order (failed runs included).
	pub static RAN: RefCell<Vec<Job>> = const { RefCell::new(Vec::new()) };
	/// Jobs that fail when run, after writing to storage (which must be rolled back).
	pub static FAILING: RefCell<Vec<Job>> = const { RefCell::new(Vec::new()) };
	/// Jobs abandoned so far.
	pub static ABANDONED: RefCell<Vec<Job>> = const { RefCell::new(Vec::new()) };
	/// The worst-case weight the executor declares for every job.
	pub static JOB_WEIGHT: RefCell<Weight> = const { RefCell::new(Weight::from_parts(1_000, 0)) };
	/// Plans treated as ended by `is_live`.
	pub static ENDED_PLANS: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// The storage key a failing job writes before it fails.
pub const TOUCHED: &[u8] = b"touched";

/// Records every job it runs; takes every kind of job.
pub struct RecordingExecutor;

impl JobHandler for RecordingExecutor {
	fn max_weight(_: &Job) -> Option<Weight> {
		Some(JOB_WEIGHT.with(|w| *w.borrow()))
	}
	fn execute(job: &Job) -> Option<Result<Weight, sp_runtime::DispatchError>> {
		RAN.with(|ran| ran.borrow_mut().push(*job));
		if FAILING.with(|failing| failing.borrow().contains(job)) {
			frame_support::storage::unhashed::put(TOUCHED, &1u32);
			return Some(Err(sp_runtime::DispatchError::Other("the job failed")));
		}
		Some(Ok(JOB_WEIGHT.with(|w| *w.borrow())))
	}
	fn abandon(job: &Job) -> Option<Weight> {
		ABANDONED.with(|abandoned| abandoned.borrow_mut().push(*job));
		Some(Weight::zero())
	}
	fn is_live(job: &Job) -> Option<bool> {
		Some(match job {
			Job::Plans(PlanJob::Start(plan) | PlanJob::End(plan)) => {
				ENDED_PLANS.with(|ended| !ended.borrow().contains(plan))
			}
			_ => true,
		})
	}
}

impl crate::Config for Test {
	type Executor = RecordingExecutor;
	type MaxJobsPerBlock = frame_support::traits::ConstU32<4>;
	type ReservedPerBlock = Reserved;
	type MaxJobRetries = frame_support::traits::ConstU32<2>;
	type RetryDelay = frame_support::traits::ConstU64<3>;
	type MaxCalendarProbe = frame_support::traits::ConstU32<2>;
	type MaxQueueLen = frame_support::traits::ConstU32<8>;
	type MaxJobsPerRun = MaxJobsPerRun;
	type BlockShare = Share;
	type WeightInfo = ();
}

/// The jobs run so far.
pub fn ran() -> Vec<Job> {
	RAN.with(|ran| ran.borrow().clone())
}

/// The jobs abandoned so far.
pub fn abandoned() -> Vec<Job> {
	ABANDONED.with(|abandoned| abandoned.borrow().clone())
}

/// Makes `job` fail whenever it runs.
pub fn make_fail(job: Job) {
	FAILING.with(|failing| failing.borrow_mut().push(job));
}

/// Sets the weight every job declares and uses.
pub fn set_job_weight(weight: Weight) {
	JOB_WEIGHT.with(|w| *w.borrow_mut() = weight);
}

/// Sets the scheduler's limits; `build_and_execute` runs a test at block 1 and then checks the
/// scheduler's invariants.
pub struct ExtBuilder {
	reserved: u32,
	max_jobs_per_run: u32,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { reserved: 0, max_jobs_per_run: 100 }
	}
}

impl ExtBuilder {
	/// Keeps `reserved` calendar entries of every block for `Critical` work.
	pub fn reserved(mut self, reserved: u32) -> Self {
		self.reserved = reserved;
		self
	}

	/// Runs at most `n` jobs per block.
	pub fn max_jobs_per_run(mut self, n: u32) -> Self {
		self.max_jobs_per_run = n;
		self
	}

	pub fn build_and_execute(self, test: impl FnOnce()) {
		RAN.with(|ran| ran.borrow_mut().clear());
		FAILING.with(|failing| failing.borrow_mut().clear());
		ABANDONED.with(|abandoned| abandoned.borrow_mut().clear());
		ENDED_PLANS.with(|ended| ended.borrow_mut().clear());
		Reserved::set(self.reserved);
		MaxJobsPerRun::set(self.max_jobs_per_run);
		set_job_weight(Weight::from_parts(1_000, 0));
		let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			test();
			Scheduler::do_try_state().expect("scheduler invariants hold");
		});
	}
}

/// Runs `test` with the default limits.
pub fn new_test_ext(test: impl FnOnce()) {
	ExtBuilder::default().build_and_execute(test)
}

/// Runs the scheduler's `on_initialize` for the blocks after the current one up to `n`.
pub fn run_to_block(n: u64) -> Weight {
	use frame_support::traits::Hooks;
	let mut last = Weight::zero();
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		last = Scheduler::on_initialize(next);
	}
	last
}

/// Fresh storage for the benchmark test suite.
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
