//! Unit tests of the calendar, the priority queue and the per-block run.

use crate::{mock::*, Calendar, Error, Jobs, WeightInfo};
use datdot_primitives::{Job, Priority, ScheduleJob};
use frame_support::{assert_err, assert_ok, weights::Weight};

fn storage_root() -> Vec<u8> {
	sp_io::storage::root(sp_runtime::StateVersion::V1)
}

#[test]
fn a_job_runs_in_its_block_not_before() {
	new_test_ext(|| {
		assert_ok!(Scheduler::schedule(3, Job::StartPlan(7), Priority::Normal));
		run_to_block(2);
		assert!(ran().is_empty());
		run_to_block(3);
		assert_eq!(ran(), vec![Job::StartPlan(7)]);
		assert_eq!(Jobs::<Test>::iter().count(), 0);
		assert_eq!(Calendar::<Test>::iter().count(), 0);
	});
}

#[test]
fn work_due_now_or_earlier_goes_to_the_queue() {
	new_test_ext(|| {
		System::set_block_number(5);
		assert_ok!(Scheduler::schedule(2, Job::PlanEnd(1), Priority::Normal));
		assert_ok!(Scheduler::schedule(5, Job::PlanEnd(2), Priority::Normal));
		assert_eq!(Scheduler::queue_len(Priority::Normal), 2);
		run_to_block(6);
		assert_eq!(ran(), vec![Job::PlanEnd(1), Job::PlanEnd(2)]);
	});
}

#[test]
fn the_queue_runs_most_urgent_first_and_fifo_within_a_level() {
	new_test_ext(|| {
		let jobs = [
			(Job::StartPlan(1), Priority::Low),
			(Job::StartPlan(2), Priority::Normal),
			(Job::SetupDeadline(3), Priority::Critical),
			(Job::StartPlan(4), Priority::High),
			(Job::StartPlan(5), Priority::Normal),
			(Job::ChallengeDeadline(6), Priority::Critical),
		];
		for (job, priority) in jobs {
			assert_ok!(Scheduler::enqueue(job, priority));
		}
		run_to_block(2);
		assert_eq!(
			ran(),
			vec![
				Job::SetupDeadline(3),
				Job::ChallengeDeadline(6),
				Job::StartPlan(4),
				Job::StartPlan(2),
				Job::StartPlan(5),
				Job::StartPlan(1),
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
			assert_ok!(Scheduler::schedule(2, Job::StartPlan(plan), Priority::Normal));
		}
		run_to_block(2);
		assert_eq!(ran(), vec![Job::StartPlan(1), Job::StartPlan(2)]);
		// Block 2's calendar holds four jobs; the fifth overflowed to block 3.
		assert_eq!(Scheduler::queue_len(Priority::Normal), 2);
		assert_eq!(Scheduler::calendar_len(3), 1);
		run_to_block(3);
		assert_eq!(ran().len(), 4);
		run_to_block(4);
		assert_eq!(
			ran(),
			(1..=5).map(Job::StartPlan).collect::<Vec<_>>(),
			"carried jobs keep their order"
		);
		assert_eq!(Scheduler::queue_len(Priority::Normal), 0);
	});
}

#[test]
fn an_urgent_job_that_does_not_fit_holds_back_less_urgent_ones() {
	new_test_ext(|| {
		set_job_weight(Weight::from_parts(600_000_000_000, 0));
		assert_ok!(Scheduler::enqueue(Job::StartPlan(1), Priority::Low));
		assert_ok!(Scheduler::enqueue(Job::SetupDeadline(2), Priority::Critical));
		run_to_block(2);
		// 6e11 exceeds the 5e11 share: nothing runs, and the low job did not jump ahead.
		assert!(ran().is_empty());
		assert_eq!(Scheduler::queue_len(Priority::Critical), 1);
		assert_eq!(Scheduler::queue_len(Priority::Low), 1);
	});
}

#[test]
fn the_job_limit_caps_a_block() {
	new_test_ext(|| {
		MaxJobsPerRun::set(2);
		for plan in 1..=3 {
			assert_ok!(Scheduler::enqueue(Job::StartPlan(plan), Priority::Normal));
		}
		run_to_block(2);
		assert_eq!(ran().len(), 2);
		run_to_block(3);
		assert_eq!(ran().len(), 3);
		MaxJobsPerRun::set(100);
	});
}

#[test]
fn cancelled_jobs_never_run_and_their_entries_are_dropped() {
	new_test_ext(|| {
		let in_calendar = Scheduler::schedule(2, Job::StartPlan(1), Priority::Normal).unwrap();
		let queued = Scheduler::enqueue(Job::StartPlan(2), Priority::Normal).unwrap();
		let kept = Scheduler::enqueue(Job::StartPlan(3), Priority::Normal).unwrap();
		assert!(Scheduler::cancel(in_calendar));
		assert!(Scheduler::cancel(queued));
		assert!(!Scheduler::cancel(queued), "a second cancel finds nothing");
		// Cancelling touched only the job records.
		assert_eq!(Scheduler::calendar_len(2), 1);
		assert_eq!(Scheduler::queue_len(Priority::Normal), 2);
		run_to_block(2);
		assert_eq!(ran(), vec![Job::StartPlan(3)]);
		assert!(!Scheduler::is_pending(kept));
		assert_eq!(Scheduler::queue_len(Priority::Normal), 0);
	});
}

#[test]
fn a_full_calendar_block_overflows_to_the_next_block_with_room() {
	new_test_ext(|| {
		for plan in 0..4 {
			assert_ok!(Scheduler::schedule(5, Job::StartPlan(plan), Priority::Normal));
		}
		assert_eq!(Scheduler::calendar_len(5), 4);
		assert_ok!(Scheduler::schedule(5, Job::StartPlan(4), Priority::Normal));
		assert_eq!(Scheduler::calendar_len(6), 1);
		run_to_block(5);
		assert_eq!(ran().len(), 4);
		run_to_block(6);
		assert_eq!(ran().last(), Some(&Job::StartPlan(4)));
	});
}

#[test]
fn scheduling_fails_without_change_when_every_probed_block_is_full() {
	new_test_ext(|| {
		for block in 5..=7 {
			for plan in 0..4 {
				assert_ok!(Scheduler::schedule(block, Job::StartPlan(plan), Priority::Normal));
			}
		}
		let before = storage_root();
		assert_err!(
			Scheduler::schedule(5, Job::StartPlan(99), Priority::Normal),
			Error::<Test>::CalendarFull
		);
		assert_eq!(storage_root(), before);
		// Block 8 is beyond the probe from 5 but reachable from 6.
		assert_ok!(Scheduler::schedule(6, Job::StartPlan(99), Priority::Normal));
		assert_eq!(Scheduler::calendar_len(8), 1);
	});
}

#[test]
fn a_full_queue_level_refuses_more_without_change() {
	new_test_ext(|| {
		for plan in 0..8 {
			assert_ok!(Scheduler::enqueue(Job::StartPlan(plan), Priority::Low));
		}
		let before = storage_root();
		assert_err!(Scheduler::enqueue(Job::StartPlan(8), Priority::Low), Error::<Test>::QueueFull);
		assert_eq!(storage_root(), before);
		// Other levels are independent.
		assert_ok!(Scheduler::enqueue(Job::StartPlan(8), Priority::High));
	});
}

#[test]
fn the_block_cost_does_not_grow_with_future_jobs() {
	fn cost_with_future_jobs(future: u64) -> (Weight, usize) {
		let mut result = (Weight::zero(), 0);
		new_test_ext(|| {
			for plan in 0..3 {
				assert_ok!(Scheduler::schedule(2, Job::StartPlan(plan), Priority::Normal));
			}
			for plan in 0..future {
				// Spread over many later blocks so no calendar block overflows.
				let at = 10 + plan / 4;
				assert_ok!(Scheduler::schedule(at, Job::PlanEnd(plan), Priority::Normal));
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
			assert_ok!(Scheduler::schedule(2, Job::StartPlan(plan), Priority::Normal));
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
		assert_ok!(Scheduler::schedule(9, Job::PlanEnd(42), Priority::Normal));
		assert_ok!(Scheduler::do_try_state());
		ENDED_PLANS.with(|ended| ended.borrow_mut().push(42));
		assert!(Scheduler::do_try_state().is_err());
		ENDED_PLANS.with(|ended| ended.borrow_mut().clear());
	});
}
