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
	use datdot_primitives::{ExecuteJob, JobId};
	use frame_support::{pallet_prelude::*, weights::WeightMeter};
	use frame_system::pallet_prelude::*;
	use sp_runtime::Perbill;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Runs the jobs; the runtime routes each kind to the pallet that owns it.
		type Executor: ExecuteJob;
		/// The most jobs the calendar holds for one block.
		#[pallet::constant]
		type MaxJobsPerBlock: Get<u32>;
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
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, ScheduledJob, OptionQuery>;

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

	#[pallet::error]
	pub enum Error<T> {
		/// The job's block and the blocks after it, up to `MaxCalendarProbe`, are full.
		CalendarFull,
		/// The queue of the job's priority is full.
		QueueFull,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let limit = T::BlockShare::get() * T::BlockWeights::get().max_block;
			let mut meter = WeightMeter::with_limit(limit);
			Self::tick(now, &mut meter);
			meter.consumed()
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
}
