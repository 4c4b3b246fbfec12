#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod impls;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use datdot_primitives::{Job, JobHandler, JobId};
	use frame_support::{pallet_prelude::*, weights::WeightMeter};
	use frame_system::pallet_prelude::*;
	use sp_runtime::Perbill;

	/// A pending job of this runtime.
	pub type ScheduledJobOf<T> = ScheduledJob<BlockNumberFor<T>>;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Runs the jobs: a tuple of the pallets' handlers, each owning its kind of job.
		type Executor: JobHandler;
		/// The most jobs the calendar holds for one block.
		#[pallet::constant]
		type MaxJobsPerBlock: Get<u32>;
		/// Calendar entries per block that only reserved-priority work (deadlines, repairs) may
		/// take, so that work users trigger can never crowd it out.
		#[pallet::constant]
		type ReservedPerBlock: Get<u32>;
		/// How many times a failed job is tried again before it is abandoned.
		#[pallet::constant]
		type MaxJobRetries: Get<u32>;
		/// Blocks before a failed job's first retry; each further retry waits twice as long.
		#[pallet::constant]
		type RetryDelay: Get<BlockNumberFor<Self>>;
		/// How many later blocks a job may move to when its block is full.
		#[pallet::constant]
		type MaxCalendarProbe: Get<u32>;
		/// The most jobs one priority level of the queue holds (direct enqueues only).
		#[pallet::constant]
		type MaxQueueLen: Get<u32>;
		/// The most jobs run in one block.
		#[pallet::constant]
		type MaxJobsPerRun: Get<u32>;
		/// The share of a block's weight that running jobs may use.
		#[pallet::constant]
		type BlockShare: Get<Perbill>;
		/// Weights of the scheduler's own bookkeeping, from benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// The next job id.
	#[pallet::storage]
	pub type NextJobId<T> = StorageValue<_, JobId, ValueQuery>;

	/// Pending jobs by id. Removing an entry cancels the job.
	#[pallet::storage]
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, ScheduledJobOf<T>, OptionQuery>;

	/// The calendar: the ids of the jobs due at a block, in the order they were scheduled.
	#[pallet::storage]
	pub type Calendar<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<JobId, T::MaxJobsPerBlock>,
		ValueQuery,
	>;

	/// The priority queue: per level, the ids of due jobs at consecutive positions.
	#[pallet::storage]
	pub type Queue<T: Config> =
		StorageDoubleMap<_, Twox64Concat, u8, Twox64Concat, u64, JobId, OptionQuery>;

	/// Per level, the first and one-past-last occupied positions of the queue.
	#[pallet::storage]
	pub type QueueEnds<T: Config> = StorageMap<_, Twox64Concat, u8, QueueSpan, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A job failed; nothing it wrote was kept. It runs again at `retry_at`, or, when that
		/// is `None`, it was abandoned and its record ended cleanly.
		JobFailed {
			/// The job's id.
			id: JobId,
			/// What it was to do.
			job: Job,
			/// Why it failed.
			error: DispatchError,
			/// When it is tried again.
			retry_at: Option<BlockNumberFor<T>>,
		},
		/// A job's worst case exceeds the whole share of a block that jobs may use, so it can
		/// never run: it was abandoned and its record ended cleanly.
		PermanentlyOverweight {
			/// The job's id.
			id: JobId,
			/// What it was to do.
			job: Job,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The job's block and the blocks after it, up to `MaxCalendarProbe`, are full.
		CalendarFull,
		/// The queue of the job's priority is full.
		QueueFull,
		/// No handler of the runtime takes this kind of job.
		NoHandler,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let mut meter = WeightMeter::with_limit(Self::budget());
			Self::tick(now, &mut meter);
			meter.consumed()
		}

		fn integrity_test() {
			assert!(
				T::ReservedPerBlock::get() < T::MaxJobsPerBlock::get(),
				"ReservedPerBlock must leave calendar room for other work"
			);
			for job in Job::every_kind() {
				let worst = T::Executor::max_weight(&job)
					.unwrap_or_else(|| panic!("no handler takes {job:?}"));
				let worst = worst.saturating_add(T::WeightInfo::run_job());
				assert!(
					Self::budget().all_gte(worst),
					"{job:?} needs {worst:?}, more than BlockShare of a block"
				);
			}
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
}
