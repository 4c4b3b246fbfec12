//! Scheduling, cancellation and the per-block run.

use datdot_primitives::{ExecuteJob, Job, JobId, Priority, ScheduleJob};
use frame_support::{pallet_prelude::*, weights::WeightMeter};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::Saturating;

use crate::{
	Calendar, Config, Error, Jobs, NextJobId, Pallet, Queue, QueueEnds, ScheduledJob, WeightInfo,
};

impl<T: Config> Pallet<T> {
	fn new_job(job: Job, priority: Priority) -> JobId {
		let id = NextJobId::<T>::mutate(|next| {
			let id = *next;
			*next = next.saturating_add(1);
			id
		});
		Jobs::<T>::insert(id, ScheduledJob { job, priority });
		id
	}

	/// Appends `id` to the level's queue; `bounded` applies `MaxQueueLen`.
	fn push(priority: Priority, id: JobId, bounded: bool) -> Result<(), Error<T>> {
		let level = priority.index();
		QueueEnds::<T>::try_mutate(level, |span| {
			if bounded && span.len() >= u64::from(T::MaxQueueLen::get()) {
				return Err(Error::<T>::QueueFull);
			}
			Queue::<T>::insert(level, span.tail, id);
			span.tail = span.tail.saturating_add(1);
			Ok(())
		})
	}

	/// Puts `job` in the calendar at `at`, or the first later block with room.
	pub fn do_schedule(
		at: BlockNumberFor<T>,
		job: Job,
		priority: Priority,
	) -> Result<JobId, DispatchError> {
		let now = frame_system::Pallet::<T>::block_number();
		// This block's calendar was already read: due work goes straight to the queue.
		if at <= now {
			return Self::do_enqueue(job, priority);
		}
		let mut block = at;
		for _ in 0..=T::MaxCalendarProbe::get() {
			if Calendar::<T>::decode_len(block).unwrap_or(0) < T::MaxJobsPerBlock::get() as usize {
				let id = Self::new_job(job, priority);
				Calendar::<T>::try_append(block, id).map_err(|_| Error::<T>::CalendarFull)?;
				return Ok(id);
			}
			block.saturating_inc();
		}
		Err(Error::<T>::CalendarFull.into())
	}

	/// Puts `job` at the end of its level of the queue.
	pub fn do_enqueue(job: Job, priority: Priority) -> Result<JobId, DispatchError> {
		let span = QueueEnds::<T>::get(priority.index());
		ensure!(span.len() < u64::from(T::MaxQueueLen::get()), Error::<T>::QueueFull);
		let id = Self::new_job(job, priority);
		Self::push(priority, id, true)?;
		Ok(id)
	}

	/// Cancels a pending job in O(1); its calendar or queue entry is skipped when reached.
	pub fn do_cancel(id: JobId) -> bool {
		Jobs::<T>::take(id).is_some()
	}

	/// The block's work: move the calendar's due entries into the queue, then run queued jobs,
	/// most urgent first, while `meter` has room for their worst case.
	pub(crate) fn tick(now: BlockNumberFor<T>, meter: &mut WeightMeter) {
		meter.consume(T::WeightInfo::on_initialize_base());
		Self::service_calendar(now, meter);
		Self::drain_queue(meter);
	}

	/// Moves the calendar entries of `now` into the queue. Bounded by `MaxJobsPerBlock`, so it
	/// always completes.
	pub(crate) fn service_calendar(now: BlockNumberFor<T>, meter: &mut WeightMeter) {
		let due = Calendar::<T>::take(now);
		meter.consume(T::WeightInfo::move_calendar_entries(due.len() as u32));
		for id in due {
			if let Some(scheduled) = Jobs::<T>::get(id) {
				// Calendar entries are bounded per block, so the move is never refused.
				let _ = Self::push(scheduled.priority, id, false);
			}
		}
	}

	/// Runs queued jobs, most urgent first, while `meter` has room for the next one's worst
	/// case; the rest stays queued in order.
	pub(crate) fn drain_queue(meter: &mut WeightMeter) {
		let mut runs = 0u32;
		for priority in Priority::DRAIN_ORDER {
			let level = priority.index();
			let mut span = QueueEnds::<T>::get(level);
			let mut stop = false;
			while !span.is_empty() {
				let Some(id) = Queue::<T>::get(level, span.head) else {
					// A hole cannot occur; step over it rather than stall the level.
					span.head = span.head.saturating_add(1);
					continue;
				};
				let Some(scheduled) = Jobs::<T>::get(id) else {
					// Cancelled: drop the entry if the budget allows the read.
					if meter.try_consume(T::WeightInfo::skip_cancelled()).is_err() {
						stop = true;
						break;
					}
					Queue::<T>::remove(level, span.head);
					span.head = span.head.saturating_add(1);
					continue;
				};
				let worst = T::WeightInfo::run_job()
					.saturating_add(T::Executor::max_weight(&scheduled.job));
				if runs >= T::MaxJobsPerRun::get() || !meter.can_consume(worst) {
					// Strict order: nothing less urgent runs before this job.
					stop = true;
					break;
				}
				Queue::<T>::remove(level, span.head);
				span.head = span.head.saturating_add(1);
				Jobs::<T>::remove(id);
				let used = T::Executor::execute(id, scheduled.job);
				meter.consume(T::WeightInfo::run_job().saturating_add(used.min(worst)));
				runs.saturating_inc();
			}
			QueueEnds::<T>::insert(level, span);
			if stop {
				break;
			}
		}
	}

	/// The scheduler's invariants: every queue entry lies within its level's span, every calendar
	/// block is in the future or now, and no pending job acts on an ended plan or contract.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		for priority in Priority::DRAIN_ORDER {
			let level = priority.index();
			let span = QueueEnds::<T>::get(level);
			ensure!(span.head <= span.tail, "queue head past its tail");
			for (position, _) in Queue::<T>::iter_prefix(level) {
				ensure!(position >= span.head && position < span.tail, "queue entry outside span");
			}
		}
		let now = frame_system::Pallet::<T>::block_number();
		for (block, ids) in Calendar::<T>::iter() {
			ensure!(
				block >= now || ids.iter().all(|id| !Jobs::<T>::contains_key(id)),
				"a live calendar entry lies in the past"
			);
		}
		for (_, scheduled) in Jobs::<T>::iter() {
			ensure!(T::Executor::is_live(&scheduled.job), "a pending job acts on an ended record");
		}
		Ok(())
	}

	/// How many entries (live or cancelled) the calendar holds for block `at`.
	pub fn calendar_len(at: BlockNumberFor<T>) -> u32 {
		Calendar::<T>::decode_len(at).unwrap_or(0) as u32
	}

	/// How many entries (live or cancelled) wait in the queue at `priority`.
	pub fn queue_len(priority: Priority) -> u64 {
		QueueEnds::<T>::get(priority.index()).len()
	}

	/// Whether `id` is still pending.
	pub fn is_pending(id: JobId) -> bool {
		Jobs::<T>::contains_key(id)
	}
}

impl<T: Config> ScheduleJob<BlockNumberFor<T>> for Pallet<T> {
	fn schedule(
		at: BlockNumberFor<T>,
		job: Job,
		priority: Priority,
	) -> Result<JobId, DispatchError> {
		Self::do_schedule(at, job, priority)
	}

	fn enqueue(job: Job, priority: Priority) -> Result<JobId, DispatchError> {
		Self::do_enqueue(job, priority)
	}

	fn cancel(id: JobId) -> bool {
		Self::do_cancel(id)
	}
}
