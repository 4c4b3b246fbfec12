//! Unit tests of the calendar, the priority queue and the per-block run.

use crate::{mock::*, Calendar, Error, Event, Jobs, WeightInfo};
use datdot_primitives::{HostingJob, Job, PlanJob, Priority, ScheduleJob};
use frame_support::{assert_err, assert_ok, weights::Weight};

#[allow(non_snake_case)]
fn StartPlan(plan: u64) -> Job {
	Job::Plans(PlanJob::Start(plan))
}

#[allow(non_snake_case)]
fn PlanEnd(plan: u64) -> Job {
	Job::Plans(PlanJob::End(plan))
}

fn setup_deadline(contract: u64) -> Job {
	Job::Hosting(HostingJob::SetupDeadline(contract))
}

fn scheduler_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Scheduler(event) => Some(event),
			_ => None,
		})
		.collect()
}

fn storage_root() -> Vec<u8> {
	sp_io::storage::root(sp_runtime::StateVersion::V1)
}

#[test]
fn a_job_runs_in_its_block_not_before() {
	new_test_ext(|| {
		assert_ok!(Scheduler::schedule(3, StartPlan(7), Priority::Normal));
		run_to_block(2);
		assert!(ran().is_empty());
		run_to_block(3);
		assert_eq!(ran(), vec![StartPlan(7)]);
		assert_eq!(Jobs::<Test>::iter().count(), 0);
		assert_eq!(Calendar::<Test>::iter().count(), 0);
	});
}

#[test]
fn work_due_now_or_earlier_goes_to_the_queue() {
	new_test_ext(|| {
		System::set_block_number(5);
		assert_ok!(Scheduler::schedule(2, PlanEnd(1), Priority::Normal));
		assert_ok!(Scheduler::schedule(5, PlanEnd(2), Priority::Normal));
		assert_eq!(Scheduler::queue_len(Priority::Normal), 2);
		run_to_block(6);
		assert_eq!(ran(), vec![PlanEnd(1), PlanEnd(2)]);
	});
}

#[test]
fn the_queue_runs_most_urgent_first_and_fifo_within_a_level() {
	new_test_ext(|| {
		let jobs = [
			(StartPlan(1), Priority::Low),
			(StartPlan(2), Priority::Normal),
			(setup_deadline(3), Priority::Critical),
			(StartPlan(4), Priority::High),
			(StartPlan(5), Priority::Normal),
			(Job::Hosting(HostingJob::MatchingDeadline(6)), Priority::Critical),
		];
		for (job, priority) in jobs {
			assert_ok!(Scheduler::enqueue(job, priority));
		}
		run_to_block(2);
		assert_eq!(
			ran(),
			vec![
				setup_deadline(3),
				Job::Hosting(HostingJob::MatchingDeadline(6)),
				StartPlan(4),
				StartPlan(2),
				StartPlan(5),
				StartPlan(1),
			]
		);
	});
}

#[test]
fn what_does_not_fit_the_budget_is_carried_over_in_order() {
	new_test_ext(|| {
		// The share is 50% of 1e12; each job costs 2e11 plus bookkeeping: two fit per block.
		set_job_weight(Weight::from_parts(200_000_000_000, 0));
		for plan in 1..=5 {
			assert_ok!(Scheduler::schedule(2, StartPlan(plan), Priority::Normal));
		}
		run_to_block(2);
		assert_eq!(ran(), vec![StartPlan(1), StartPlan(2)]);
		// Block 2's calendar holds four jobs; the fifth overflowed to block 3.
		assert_eq!(Scheduler::queue_len(Priority::Normal), 2);
		assert_eq!(Scheduler::calendar_len(3), 1);
		run_to_block(3);
		assert_eq!(ran().len(), 4);
		run_to_block(4);
		assert_eq!(
			ran(),
			(1..=5).map(StartPlan).collect::<Vec<_>>(),
			"carried jobs keep their order"
		);
		assert_eq!(Scheduler::queue_len(Priority::Normal), 0);
	});
}

#[test]
fn an_urgent_job_that_does_not_fit_holds_back_less_urgent_ones() {
	new_test_ext(|| {
		set_job_weight(Weight::from_parts(300_000_000_000, 0));
		assert_ok!(Scheduler::enqueue(StartPlan(1), Priority::Low));
		assert_ok!(Scheduler::enqueue(setup_deadline(2), Priority::Critical));
		assert_ok!(Scheduler::enqueue(setup_deadline(3), Priority::Critical));
		run_to_block(2);
		// One 3e11 job fits the 5e11 share; the second waits and the low job does not jump it.
		assert_eq!(ran(), vec![setup_deadline(2)]);
		assert_eq!(Scheduler::queue_len(Priority::Critical), 1);
		assert_eq!(Scheduler::queue_len(Priority::Low), 1);
		run_to_block(3);
		assert_eq!(ran(), vec![setup_deadline(2), setup_deadline(3)]);
	});
}

#[test]
fn a_job_that_can_never_fit_is_reported_and_abandoned_instead_of_stalling_its_level() {
	new_test_ext(|| {
		// 6e11 exceeds the whole 5e11 share: it could never run.
		set_job_weight(Weight::from_parts(600_000_000_000, 0));
		let id = Scheduler::enqueue(setup_deadline(2), Priority::Critical).unwrap();
		run_to_block(2);
		assert!(ran().is_empty());
		assert_eq!(abandoned(), vec![setup_deadline(2)]);
		assert!(!Scheduler::is_pending(id));
		assert_eq!(Scheduler::queue_len(Priority::Critical), 0);
		assert!(scheduler_events()
			.contains(&Event::PermanentlyOverweight { id, job: setup_deadline(2) }));
		// The level flows again.
		set_job_weight(Weight::from_parts(1_000, 0));
		assert_ok!(Scheduler::enqueue(setup_deadline(3), Priority::Critical));
		run_to_block(3);
		assert_eq!(ran(), vec![setup_deadline(3)]);
	});
}

#[test]
fn a_failed_job_keeps_nothing_it_wrote_and_is_retried_with_backoff_then_abandoned() {
	new_test_ext(|| {
		let job = setup_deadline(7);
		make_fail(job);
		let id = Scheduler::schedule(2, job, Priority::Critical).unwrap();
		run_to_block(2);
		assert_eq!(ran(), vec![job]);
		assert_eq!(frame_support::storage::unhashed::get::<u32>(TOUCHED), None, "rolled back");
		// First retry after RetryDelay (3), under the same id.
		assert!(Scheduler::is_pending(id));
		assert_eq!(Scheduler::calendar_len(5), 1);
		assert!(matches!(
			scheduler_events().last(),
			Some(Event::JobFailed { id: i, job: j, retry_at: Some(5), .. }) if *i == id && *j == job
		));
		run_to_block(5);
		// Second retry after twice the delay.
		assert_eq!(Scheduler::calendar_len(11), 1);
		run_to_block(11);
		assert_eq!(ran(), vec![job, job, job]);
		assert_eq!(abandoned(), vec![job], "after MaxJobRetries the record is ended");
		assert!(!Scheduler::is_pending(id));
		assert!(matches!(
			scheduler_events().last(),
			Some(Event::JobFailed { id: i, retry_at: None, .. }) if *i == id
		));
		assert_eq!(frame_support::storage::unhashed::get::<u32>(TOUCHED), None);
	});
}

#[test]
fn a_job_that_recovers_on_retry_runs_once_more_and_is_done() {
	new_test_ext(|| {
		let job = setup_deadline(8);
		make_fail(job);
		let id = Scheduler::schedule(2, job, Priority::Critical).unwrap();
		run_to_block(2);
		FAILING.with(|failing| failing.borrow_mut().clear());
		run_to_block(5);
		assert_eq!(ran(), vec![job, job]);
		assert!(abandoned().is_empty());
		assert!(!Scheduler::is_pending(id));
	});
}

#[test]
fn the_job_limit_caps_a_block() {
	ExtBuilder::default().max_jobs_per_run(2).build_and_execute(|| {
		for plan in 1..=3 {
			assert_ok!(Scheduler::enqueue(StartPlan(plan), Priority::Normal));
		}
		run_to_block(2);
		assert_eq!(ran().len(), 2);
		run_to_block(3);
		assert_eq!(ran().len(), 3);
	});
}

#[test]
fn cancelled_jobs_never_run_and_their_entries_are_dropped() {
	new_test_ext(|| {
		let in_calendar = Scheduler::schedule(2, StartPlan(1), Priority::Normal).unwrap();
		let queued = Scheduler::enqueue(StartPlan(2), Priority::Normal).unwrap();
		let kept = Scheduler::enqueue(StartPlan(3), Priority::Normal).unwrap();
		assert!(Scheduler::cancel(in_calendar));
		assert!(Scheduler::cancel(queued));
		assert!(!Scheduler::cancel(queued), "a second cancel finds nothing");
		// The calendar slot is free at once; the queue entry is skipped when reached.
		assert_eq!(Scheduler::calendar_len(2), 0);
		assert_eq!(Scheduler::queue_len(Priority::Normal), 2);
		run_to_block(2);
		assert_eq!(ran(), vec![StartPlan(3)]);
		assert!(!Scheduler::is_pending(kept));
		assert_eq!(Scheduler::queue_len(Priority::Normal), 0);
	});
}

#[test]
fn a_full_calendar_block_overflows_to_the_next_block_with_room() {
	new_test_ext(|| {
		for plan in 0..4 {
			assert_ok!(Scheduler::schedule(5, StartPlan(plan), Priority::Normal));
		}
		assert_eq!(Scheduler::calendar_len(5), 4);
		assert_ok!(Scheduler::schedule(5, StartPlan(4), Priority::Normal));
		assert_eq!(Scheduler::calendar_len(6), 1);
		run_to_block(5);
		assert_eq!(ran().len(), 4);
		run_to_block(6);
		assert_eq!(ran().last(), Some(&StartPlan(4)));
	});
}

#[test]
fn scheduling_fails_without_change_when_every_probed_block_is_full() {
	new_test_ext(|| {
		for block in 5..=7 {
			for plan in 0..4 {
				assert_ok!(Scheduler::schedule(block, StartPlan(plan), Priority::Normal));
			}
		}
		let before = storage_root();
		assert_err!(
			Scheduler::schedule(5, StartPlan(99), Priority::Normal),
			Error::<Test>::CalendarFull
		);
		assert_eq!(storage_root(), before);
		// Block 8 is beyond the probe from 5 but reachable from 6.
		assert_ok!(Scheduler::schedule(6, StartPlan(99), Priority::Normal));
		assert_eq!(Scheduler::calendar_len(8), 1);
	});
}

#[test]
fn a_full_queue_level_refuses_more_without_change() {
	new_test_ext(|| {
		for plan in 0..8 {
			assert_ok!(Scheduler::enqueue(StartPlan(plan), Priority::Low));
		}
		let before = storage_root();
		assert_err!(Scheduler::enqueue(StartPlan(8), Priority::Low), Error::<Test>::QueueFull);
		assert_eq!(storage_root(), before);
		// Other levels are independent.
		assert_ok!(Scheduler::enqueue(StartPlan(8), Priority::High));
	});
}

#[test]
fn the_block_cost_does_not_grow_with_future_jobs() {
	fn cost_with_future_jobs(future: u64) -> (Weight, usize) {
		let mut result = (Weight::zero(), 0);
		new_test_ext(|| {
			for plan in 0..3 {
				assert_ok!(Scheduler::schedule(2, StartPlan(plan), Priority::Normal));
			}
			for plan in 0..future {
				// Spread over many later blocks so no calendar block overflows.
				let at = 10 + plan / 4;
				assert_ok!(Scheduler::schedule(at, PlanEnd(plan), Priority::Normal));
			}
			let weight = run_to_block(2);
			result = (weight, ran().len());
			assert_eq!(Jobs::<Test>::iter().count() as u64, future);
		});
		result
	}
	let few = cost_with_future_jobs(0);
	let many = cost_with_future_jobs(2_000);
	assert_eq!(few.1, 3);
	assert_eq!(few, many);
}

#[test]
fn the_block_cost_is_the_bookkeeping_plus_the_jobs_run() {
	new_test_ext(|| {
		for plan in 0..3 {
			assert_ok!(Scheduler::schedule(2, StartPlan(plan), Priority::Normal));
		}
		let weight = run_to_block(2);
		let expected = <() as WeightInfo>::on_initialize_base()
			.saturating_add(<() as WeightInfo>::move_calendar_entries(3))
			.saturating_add(
				<() as WeightInfo>::run_job()
					.saturating_add(Weight::from_parts(1_000, 0))
					.saturating_mul(3),
			);
		assert_eq!(weight, expected);
	});
}

#[test]
fn try_state_catches_a_job_of_an_ended_plan() {
	let storage = frame_system::GenesisConfig::<Test>::default();
	let mut ext =
		sp_io::TestExternalities::new(sp_runtime::BuildStorage::build_storage(&storage).unwrap());
	ext.execute_with(|| {
		System::set_block_number(1);
		assert_ok!(Scheduler::schedule(9, PlanEnd(42), Priority::Normal));
		assert_ok!(Scheduler::do_try_state());
		ENDED_PLANS.with(|ended| ended.borrow_mut().push(42));
		assert!(Scheduler::do_try_state().is_err());
		ENDED_PLANS.with(|ended| ended.borrow_mut().clear());
	});
}

#[test]
fn cancelling_frees_the_calendar_slot_so_reschedules_cannot_fill_a_block() {
	new_test_ext(|| {
		// The attack: move a plan's end to the same block thousands of times.
		let mut end = Scheduler::schedule(9, PlanEnd(1), Priority::Normal).unwrap();
		for _ in 0..1_000 {
			assert!(Scheduler::cancel(end));
			end = Scheduler::schedule(9, PlanEnd(1), Priority::Normal).unwrap();
		}
		assert_eq!(Scheduler::calendar_len(9), 1);
		assert_ok!(Scheduler::schedule(9, setup_deadline(1), Priority::Critical));
		assert_eq!(Scheduler::calendar_len(9), 2);
		// The last cancel of a block removes the block's entry altogether.
		for id in Calendar::<Test>::get(9) {
			assert!(Scheduler::cancel(id));
		}
		assert!(!Calendar::<Test>::contains_key(9));
	});
}

#[test]
fn user_work_cannot_take_the_slots_reserved_for_deadlines_and_repairs() {
	ExtBuilder::default().reserved(1).build_and_execute(|| {
		for plan in 0..3 {
			assert_ok!(Scheduler::schedule(5, StartPlan(plan), Priority::High));
		}
		// Block 5 has room for a fourth entry, but only reserved work may take it.
		assert_ok!(Scheduler::schedule(5, StartPlan(3), Priority::High));
		assert_eq!(Scheduler::calendar_len(5), 3);
		assert_eq!(Scheduler::calendar_len(6), 1);
		assert_ok!(Scheduler::schedule(5, setup_deadline(9), Priority::Critical));
		assert_eq!(Scheduler::calendar_len(5), 4);
		// Even with every probed block full of user work, a deadline finds its slot.
		for block in 6..=8 {
			while Scheduler::calendar_len(block) < 3 {
				assert_ok!(Scheduler::schedule(block, StartPlan(50), Priority::Normal));
			}
		}
		assert_err!(
			Scheduler::schedule(6, StartPlan(51), Priority::Normal),
			Error::<Test>::CalendarFull
		);
		assert_ok!(Scheduler::schedule(6, setup_deadline(10), Priority::Critical));
		assert_eq!(Scheduler::calendar_len(6), 4);
	});
}
