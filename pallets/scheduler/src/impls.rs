//! Scheduling, cancellation and the per-block run.

use datdot_primitives::{Job, JobHandler, JobId, Priority, ScheduleJob};
use frame_support::{pallet_prelude::*, storage::with_storage_layer, weights::WeightMeter};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::Saturating;

use crate::{
	Calendar, Config, Error, Event, Jobs, NextJobId, Pallet, Queue, QueueEnds, ScheduledJobOf,
	WeightInfo,
};

impl<T: Config> Pallet<T> {
	/// The weight jobs may use in one block.
	pub fn budget() -> Weight {
		T::BlockShare::get() * T::BlockWeights::get().max_block
	}

	/// Records a new job under the next id; called only once its place is found, so a refused
	/// job changes nothing.
	fn insert(id: JobId, scheduled: ScheduledJobOf<T>) {
		Jobs::<T>::insert(id, scheduled);
		NextJobId::<T>::put(id.saturating_add(1));
	}

	/// How many calendar entries of one block `priority` may fill: reserved work may use the
	/// whole block, other work leaves `ReservedPerBlock` entries free.
	fn calendar_room(priority: Priority) -> usize {
		let all = T::MaxJobsPerBlock::get();
		let room = if priority.is_reserved() {
			all
		} else {
			all.saturating_sub(T::ReservedPerBlock::get())
		};
		room as usize
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

	/// Lists `id` in the calendar at `at`, or at the first later block with room for its
	/// priority. Returns the block.
	fn place(
		at: BlockNumberFor<T>,
		id: JobId,
		priority: Priority,
	) -> Result<BlockNumberFor<T>, Error<T>> {
		let room = Self::calendar_room(priority);
		let mut block = at;
		for _ in 0..=T::MaxCalendarProbe::get() {
			if Calendar::<T>::decode_len(block).unwrap_or(0) < room {
				Calendar::<T>::try_append(block, id).map_err(|_| Error::<T>::CalendarFull)?;
				return Ok(block);
			}
			block.saturating_inc();
		}
		Err(Error::<T>::CalendarFull)
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
		let id = NextJobId::<T>::get();
		let block = Self::place(at, id, priority)?;
		Self::insert(id, ScheduledJobOf::<T> { job, priority, block: Some(block), failures: 0 });
		Ok(id)
	}

	/// Puts `job` at the end of its level of the queue.
	pub fn do_enqueue(job: Job, priority: Priority) -> Result<JobId, DispatchError> {
		let id = NextJobId::<T>::get();
		Self::push(priority, id, true)?;
		Self::insert(id, ScheduledJobOf::<T> { job, priority, block: None, failures: 0 });
		Ok(id)
	}

	/// Cancels a pending job. A calendar entry is removed at once, so its slot is free again
	/// (bounded by `MaxJobsPerBlock`); a queue entry is skipped when reached.
	pub fn do_cancel(id: JobId) -> bool {
		let Some(scheduled) = Jobs::<T>::take(id) else { return false };
		if let Some(block) = scheduled.block {
			Calendar::<T>::mutate_exists(block, |entries| {
				if let Some(list) = entries {
					list.retain(|entry| *entry != id);
					if list.is_empty() {
						*entries = None;
					}
				}
			});
		}
		true
	}

	/// The block's work: move the calendar's due entries into the queue, then run queued jobs,
	/// most urgent first, while `meter` has room for their worst case.
	pub(crate) fn tick(now: BlockNumberFor<T>, meter: &mut WeightMeter) {
		meter.consume(T::WeightInfo::on_initialize_base());
		Self::service_calendar(now, meter);
		Self::drain_queue(now, meter);
	}

	/// Moves the calendar entries of `now` into the queue. Bounded by `MaxJobsPerBlock`, so it
	/// always completes.
	pub(crate) fn service_calendar(now: BlockNumberFor<T>, meter: &mut WeightMeter) {
		let due = Calendar::<T>::take(now);
		meter.consume(T::WeightInfo::move_calendar_entries(due.len() as u32));
		for id in due {
			let Some(mut scheduled) = Jobs::<T>::get(id) else { continue };
			// Unbounded push: the calendar already bounded this block's entries.
			if Self::push(scheduled.priority, id, false).is_ok() {
				scheduled.block = None;
				Jobs::<T>::insert(id, scheduled);
			}
		}
	}

	/// Runs queued jobs, most urgent first, while `meter` has room for the next one's worst
	/// case; the rest stays queued in order. A job whose worst case exceeds the whole budget
	/// is abandoned instead of stalling its level.
	pub(crate) fn drain_queue(now: BlockNumberFor<T>, meter: &mut WeightMeter) {
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
					.saturating_add(T::Executor::max_weight(&scheduled.job).unwrap_or_default());
				if !meter.limit().all_gte(worst) {
					if meter.try_consume(T::WeightInfo::run_job()).is_err() {
						stop = true;
						break;
					}
					Queue::<T>::remove(level, span.head);
					span.head = span.head.saturating_add(1);
					Jobs::<T>::remove(id);
					meter.consume(T::Executor::abandon(&scheduled.job).unwrap_or_default());
					Self::deposit_event(Event::PermanentlyOverweight { id, job: scheduled.job });
					continue;
				}
				if runs >= T::MaxJobsPerRun::get() || !meter.can_consume(worst) {
					// Strict order: nothing less urgent runs before this job.
					stop = true;
					break;
				}
				Queue::<T>::remove(level, span.head);
				span.head = span.head.saturating_add(1);
				Jobs::<T>::remove(id);
				let used = Self::run(now, id, scheduled);
				meter.consume(T::WeightInfo::run_job().saturating_add(used.min(worst)));
				runs.saturating_inc();
			}
			QueueEnds::<T>::insert(level, span);
			if stop {
				break;
			}
		}
	}

	/// Runs one job inside a storage layer: it applies whole or not at all. A failure is
	/// reported and the job tried again later with the same id, so records that name it stay
	/// valid; after `MaxJobRetries` its record is ended by the handler's `abandon`.
	fn run(now: BlockNumberFor<T>, id: JobId, mut scheduled: ScheduledJobOf<T>) -> Weight {
		let job = scheduled.job;
		let outcome = with_storage_layer(|| {
			T::Executor::execute(&job).unwrap_or_else(|| Err(Error::<T>::NoHandler.into()))
		});
		let error = match outcome {
			Ok(used) => return used,
			Err(error) => error,
		};
		let worst = T::Executor::max_weight(&job).unwrap_or_default();
		scheduled.failures.saturating_inc();
		let retry_at = (scheduled.failures <= T::MaxJobRetries::get())
			.then(|| {
				let doublings = scheduled.failures.saturating_sub(1).min(16);
				let delay = T::RetryDelay::get().saturating_mul((1u32 << doublings).into());
				Self::place(now.saturating_add(delay), id, scheduled.priority).ok()
			})
			.flatten();
		Self::deposit_event(Event::JobFailed { id, job, error, retry_at });
		match retry_at {
			Some(block) => {
				scheduled.block = Some(block);
				Jobs::<T>::insert(id, scheduled);
				worst
			}
			None => worst.saturating_add(T::Executor::abandon(&job).unwrap_or_default()),
		}
	}

	/// The scheduler's invariants: every queue entry lies within its level's span, every
	/// pending job is listed exactly where its record says, no calendar block lies in the past,
	/// and no pending job acts on an ended plan or contract.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		Self::check_queue_spans()?;
		Self::check_calendar()?;
		Self::check_jobs_live()
	}

	fn check_queue_spans() -> Result<(), sp_runtime::TryRuntimeError> {
		for priority in Priority::DRAIN_ORDER {
			let level = priority.index();
			let span = QueueEnds::<T>::get(level);
			ensure!(span.head <= span.tail, "queue head past its tail");
			for (position, _) in Queue::<T>::iter_prefix(level) {
				ensure!(position >= span.head && position < span.tail, "queue entry outside span");
			}
		}
		Ok(())
	}

	fn check_calendar() -> Result<(), sp_runtime::TryRuntimeError> {
		let now = frame_system::Pallet::<T>::block_number();
		for (block, ids) in Calendar::<T>::iter() {
			ensure!(block >= now, "a calendar entry lies in the past");
			for id in ids {
				let scheduled = Jobs::<T>::get(id).ok_or("a calendar entry of a cancelled job")?;
				ensure!(scheduled.block == Some(block), "a job is listed at another block");
			}
		}
		for (id, scheduled) in Jobs::<T>::iter() {
			if let Some(block) = scheduled.block {
				ensure!(Calendar::<T>::get(block).contains(&id), "a job is missing from its block");
			}
		}
		Ok(())
	}

	fn check_jobs_live() -> Result<(), sp_runtime::TryRuntimeError> {
		for (_, scheduled) in Jobs::<T>::iter() {
			ensure!(
				T::Executor::is_live(&scheduled.job) == Some(true),
				"a pending job acts on an ended record"
			);
		}
		Ok(())
	}

	/// How many entries the calendar holds for block `at`.
	pub fn calendar_len(at: BlockNumberFor<T>) -> u32 {
		Calendar::<T>::decode_len(at).unwrap_or(0) as u32
	}

	/// How many entries (live or cancelled) wait in the queue at `priority`.
	pub fn queue_len(priority: Priority) -> u64 {
		QueueEnds::<T>::get(priority.index()).len()
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

	fn is_pending(id: JobId) -> bool {
		Jobs::<T>::contains_key(id)
	}
}
