//! Benchmarks of the scheduler's bookkeeping, run on the real runtime.
//!
//! The jobs used act on plans that do not exist, so the job itself costs one lookup: what is
//! measured is the scheduler's own work.

use super::*;
use datdot_primitives::{Job, PlanJob, Priority};
use frame_benchmarking::v2::*;
use frame_support::traits::Get;
use frame_support::weights::WeightMeter;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::One;

/// A job whose execution finds nothing to do.
fn idle_job(n: u32) -> Job {
	Job::Plans(PlanJob::End(u64::MAX - u64::from(n)))
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn on_initialize_base() {
		let now = frame_system::Pallet::<T>::block_number();
		let mut meter = WeightMeter::new();
		#[block]
		{
			Pallet::<T>::tick(now, &mut meter);
		}
	}

	#[benchmark]
	fn move_calendar_entries(
		n: Linear<0, { T::MaxJobsPerBlock::get() }>,
	) -> Result<(), BenchmarkError> {
		let at = frame_system::Pallet::<T>::block_number() + One::one();
		for i in 0..n {
			Pallet::<T>::do_schedule(at, idle_job(i), Priority::Critical)?;
		}
		frame_system::Pallet::<T>::set_block_number(at);
		let mut meter = WeightMeter::new();
		#[block]
		{
			Pallet::<T>::service_calendar(at, &mut meter);
		}
		assert_eq!(Pallet::<T>::queue_len(Priority::Critical), u64::from(n));
		Ok(())
	}

	#[benchmark]
	fn run_job() -> Result<(), BenchmarkError> {
		Pallet::<T>::do_enqueue(idle_job(0), Priority::Normal)?;
		let mut meter = WeightMeter::new();
		#[block]
		{
			Pallet::<T>::drain_queue(frame_system::Pallet::<T>::block_number(), &mut meter);
		}
		assert_eq!(Pallet::<T>::queue_len(Priority::Normal), 0);
		Ok(())
	}

	#[benchmark]
	fn skip_cancelled() -> Result<(), BenchmarkError> {
		let id = Pallet::<T>::do_enqueue(idle_job(0), Priority::Normal)?;
		Pallet::<T>::do_cancel(id);
		let mut meter = WeightMeter::new();
		#[block]
		{
			Pallet::<T>::drain_queue(frame_system::Pallet::<T>::block_number(), &mut meter);
		}
		assert_eq!(Pallet::<T>::queue_len(Priority::Normal), 0);
		Ok(())
	}

	/// One due job while `f` jobs wait in later blocks: the slope in `f` must be zero.
	#[benchmark]
	fn tick_with_future_jobs(f: Linear<0, 2_000>) -> Result<(), BenchmarkError> {
		let now = frame_system::Pallet::<T>::block_number();
		let next: BlockNumberFor<T> = now + One::one();
		Pallet::<T>::do_schedule(next, idle_job(0), Priority::Normal)?;
		let per_block = T::MaxJobsPerBlock::get().saturating_sub(T::ReservedPerBlock::get()).max(1);
		for i in 0..f {
			let offset: BlockNumberFor<T> = (2 + i / per_block).into();
			Pallet::<T>::do_schedule(now + offset, idle_job(i + 1), Priority::Normal)?;
		}
		frame_system::Pallet::<T>::set_block_number(next);
		let mut meter = WeightMeter::new();
		#[block]
		{
			Pallet::<T>::tick(next, &mut meter);
		}
		assert_eq!(Jobs::<T>::iter().count() as u32, f);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_bench_ext(), crate::mock::Test);
}
