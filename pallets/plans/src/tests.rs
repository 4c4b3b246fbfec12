//! Unit tests of the plan calls and the plan's end.

use crate::{
	mock::*, Error, Event, FeedInput, HoldReason, PlanInput, PlanUpdate, Plans as PlanStore,
};
use datdot_primitives::{
	feed::{FeedKey, Signer},
	testing::{feed_author, signed_feed},
};
use datdot_primitives::{
	AccountUsage, ChunkRange, EndReason, Job, JobHandler, Performance, PlanDirectory, PlanJob,
	Priority,
};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use sp_core::Pair;
use sp_runtime::DispatchError;

/// The test feed at `length` blocks on fork 0, signed by its author.
fn feed(length: u64) -> FeedInput {
	FeedInput {
		key: feed_author().public().0,
		signer: Signer::Compat,
		tree: signed_feed(length, 0),
	}
}

fn range(start: u32, end: u32) -> ChunkRange {
	ChunkRange { start, end }
}

/// A plan for a 500-block feed, hosting `ranges` in `u3` from block 20.
fn plan(ranges: Vec<ChunkRange>) -> PlanInput<u64> {
	PlanInput {
		feed: feed(500),
		ranges,
		regions: vec![b"u3".to_vec()],
		hosters: None,
		start: 20,
		end: Some(80),
		min_performance: Performance { max_latency_ms: 200, min_bandwidth_kbps: 100 },
		priority: Priority::Normal,
	}
}

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::Plans(HoldReason::PlanDeposit), &who)
}

#[test]
fn subscribe_cuts_ranges_into_contracts_and_schedules_start_and_end() {
	new_test_ext(|| {
		assert_ok!(Plans::plan_subscribe(
			RuntimeOrigin::signed(ALICE),
			plan(vec![range(0, 150), range(200, 250)])
		));
		System::assert_last_event(
			Event::PlanSubscribed { plan: 0, sponsor: ALICE, contracts: 3, start: 20 }.into(),
		);
		assert_eq!(
			calls(),
			vec![
				Call::Open(0, vec![range(0, 100), range(100, 150), range(200, 250)]),
				Call::Schedule(20, Job::Plans(PlanJob::Start(0)), Priority::Normal),
				Call::Schedule(80, Job::Plans(PlanJob::End(0)), Priority::Normal),
			]
		);
		let stored = PlanStore::<Test>::get(0).unwrap();
		assert_eq!(stored.hosters, 3, "the default");
		assert_eq!(stored.contracts, 3);
		assert_eq!(held(ALICE), 20 + 3 * 5);
		assert!(Plans::in_use(&ALICE));
		let terms = Plans::terms(0).unwrap();
		assert_eq!((terms.sponsor, terms.length, terms.paused), (ALICE, 500, false));
	});
}

#[test]
fn subscribe_rejects_bad_feeds_without_change() {
	new_test_ext(|| {
		let signed = || RuntimeOrigin::signed(ALICE);
		let mut longer = plan(vec![range(0, 10)]);
		longer.feed.tree.length = 501;
		assert_noop!(Plans::plan_subscribe(signed(), longer), Error::<Test>::WrongRoots);
		let mut other_fork = plan(vec![range(0, 10)]);
		other_fork.feed.tree.fork = 1;
		assert_noop!(Plans::plan_subscribe(signed(), other_fork), Error::<Test>::BadFeedSignature);
		let mut other_key = plan(vec![range(0, 10)]);
		other_key.feed.key = [3; 32];
		assert_noop!(Plans::plan_subscribe(signed(), other_key), Error::<Test>::BadFeedSignature);
		let mut garbage = plan(vec![range(0, 10)]);
		garbage.feed.tree.signature = [0; 64];
		assert_noop!(Plans::plan_subscribe(signed(), garbage), Error::<Test>::BadFeedSignature);
		let mut changed = plan(vec![range(0, 10)]);
		changed.feed.tree.roots[0].hash[0] ^= 1;
		assert_noop!(Plans::plan_subscribe(signed(), changed), Error::<Test>::BadFeedSignature);
		let mut huge = plan(vec![range(0, 10)]);
		huge.feed.tree.length = 1 << 53;
		assert_noop!(Plans::plan_subscribe(signed(), huge), Error::<Test>::FeedTooLong);
		let mut empty = plan(vec![range(0, 10)]);
		empty.feed.tree = signed_feed(0, 0);
		assert_noop!(Plans::plan_subscribe(signed(), empty), Error::<Test>::EmptyFeed);
	});
}

#[test]
fn subscribe_rejects_bad_ranges_without_change() {
	new_test_ext(|| {
		let try_ranges = |ranges| Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), plan(ranges));
		assert_noop!(try_ranges(vec![]), Error::<Test>::NoRanges);
		assert_noop!(try_ranges(vec![range(5, 5)]), Error::<Test>::EmptyRange);
		assert_noop!(try_ranges(vec![range(9, 3)]), Error::<Test>::EmptyRange);
		assert_noop!(try_ranges(vec![range(400, 501)]), Error::<Test>::RangeOutOfFeed);
		assert_noop!(try_ranges(vec![range(0, 10), range(5, 20)]), Error::<Test>::RangesOverlap);
		assert_noop!(try_ranges(vec![range(20, 30), range(0, 10)]), Error::<Test>::RangesOverlap);
		assert_noop!(
			try_ranges(vec![range(0, 1), range(2, 3), range(4, 5), range(6, 7)]),
			Error::<Test>::TooManyRanges
		);
		// 500 chunks cut into 5 contracts of 100: more than MaxContractsPerPlan (4).
		assert_noop!(try_ranges(vec![range(0, 500)]), Error::<Test>::TooManyContracts);
	});
}

#[test]
fn subscribe_rejects_bad_terms_without_change() {
	ExtBuilder::default().balance(POOR, 10).build_and_execute(|| {
		let signed = || RuntimeOrigin::signed(ALICE);
		let with = |f: &dyn Fn(&mut PlanInput<u64>)| {
			let mut p = plan(vec![range(0, 10)]);
			f(&mut p);
			p
		};
		assert_noop!(
			Plans::plan_subscribe(signed(), with(&|p| p.regions = vec![])),
			Error::<Test>::NoRegions
		);
		assert_noop!(
			Plans::plan_subscribe(
				signed(),
				with(&|p| p.regions = vec![b"u3".to_vec(), b"oo".to_vec()])
			),
			Error::<Test>::InvalidRegion
		);
		assert_noop!(
			Plans::plan_subscribe(
				signed(),
				with(&|p| p.regions = vec![b"u3".to_vec(), b"u4".to_vec(), b"u5".to_vec()])
			),
			Error::<Test>::TooManyRegions
		);
		assert_noop!(
			Plans::plan_subscribe(signed(), with(&|p| p.hosters = Some(0))),
			Error::<Test>::InvalidHosterCount
		);
		assert_noop!(
			Plans::plan_subscribe(signed(), with(&|p| p.hosters = Some(6))),
			Error::<Test>::InvalidHosterCount
		);
		assert_noop!(
			Plans::plan_subscribe(signed(), with(&|p| p.start = 9)),
			Error::<Test>::StartInPast
		);
		assert_noop!(
			Plans::plan_subscribe(signed(), with(&|p| p.end = Some(20))),
			Error::<Test>::InvalidEnd
		);
		assert_noop!(
			Plans::plan_subscribe(RuntimeOrigin::signed(STRANGER), plan(vec![range(0, 10)])),
			Error::<Test>::NoAccount
		);
		assert_noop!(
			Plans::plan_subscribe(RuntimeOrigin::signed(POOR), plan(vec![range(0, 10)])),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			Plans::plan_subscribe(RuntimeOrigin::root(), plan(vec![range(0, 10)])),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn a_sponsor_has_a_bounded_number_of_plans() {
	new_test_ext(|| {
		for _ in 0..2 {
			assert_ok!(Plans::plan_subscribe(
				RuntimeOrigin::signed(ALICE),
				plan(vec![range(0, 10)])
			));
		}
		assert_noop!(
			Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), plan(vec![range(0, 10)])),
			Error::<Test>::TooManyPlans
		);
	});
}

#[test]
fn update_moves_the_end_job_and_changes_terms() {
	new_test_ext(|| {
		assert_ok!(Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), plan(vec![range(0, 10)])));
		let update = PlanUpdate {
			end: Some(Some(90)),
			priority: Some(Priority::High),
			min_performance: Some(Performance { max_latency_ms: 50, min_bandwidth_kbps: 1 }),
			upgrade: None,
		};
		System::set_block_number(13);
		assert_ok!(Plans::plan_update(RuntimeOrigin::signed(ALICE), 0, update));
		System::assert_last_event(Event::PlanUpdated { plan: 0 }.into());
		let stored = PlanStore::<Test>::get(0).unwrap();
		assert_eq!((stored.end, stored.priority), (Some(90), Priority::High));
		assert_eq!(stored.min_performance.max_latency_ms, 50);
		let tail = calls().split_off(3);
		assert_eq!(
			tail,
			vec![
				Call::Cancel(102),
				Call::Schedule(90, Job::Plans(PlanJob::End(0)), Priority::High)
			]
		);
		// Removing the end cancels its job and schedules none.
		let no_end =
			PlanUpdate { upgrade: None, end: Some(None), priority: None, min_performance: None };
		System::set_block_number(16);
		assert_ok!(Plans::plan_update(RuntimeOrigin::signed(ALICE), 0, no_end));
		assert_eq!(PlanStore::<Test>::get(0).unwrap().end_job, None);
	});
}

#[test]
fn update_rejects_strangers_and_bad_ends_without_change() {
	new_test_ext(|| {
		let keep = PlanUpdate {
			upgrade: None,
			end: None,
			priority: Some(Priority::Low),
			min_performance: None,
		};
		assert_noop!(
			Plans::plan_update(RuntimeOrigin::signed(ALICE), 0, keep.clone()),
			Error::<Test>::UnknownPlan
		);
		assert_ok!(Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), plan(vec![range(0, 10)])));
		assert_noop!(
			Plans::plan_update(RuntimeOrigin::signed(BOB), 0, keep),
			Error::<Test>::NotSponsor
		);
		System::set_block_number(13);
		let early = PlanUpdate {
			upgrade: None,
			end: Some(Some(15)),
			priority: None,
			min_performance: None,
		};
		assert_noop!(
			Plans::plan_update(RuntimeOrigin::signed(ALICE), 0, early),
			Error::<Test>::InvalidEnd
		);
	});
}

#[test]
fn pause_and_resume_toggle_the_plan_and_tell_hosting() {
	new_test_ext(|| {
		assert_ok!(Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), plan(vec![range(0, 10)])));
		assert_noop!(Plans::plan_resume(RuntimeOrigin::signed(ALICE), 0), Error::<Test>::NotPaused);
		assert_noop!(Plans::plan_pause(RuntimeOrigin::signed(BOB), 0), Error::<Test>::NotSponsor);
		assert_noop!(
			Plans::plan_pause(RuntimeOrigin::signed(ALICE), 7),
			Error::<Test>::UnknownPlan
		);
		// A change needs the cooldown since the last one (the subscription at block 10).
		assert_noop!(
			Plans::plan_pause(RuntimeOrigin::signed(ALICE), 0),
			Error::<Test>::ChangeTooSoon
		);
		System::set_block_number(13);
		assert_ok!(Plans::plan_pause(RuntimeOrigin::signed(ALICE), 0));
		System::assert_last_event(Event::PausePlan { plan: 0 }.into());
		assert!(Plans::terms(0).unwrap().paused);
		System::set_block_number(16);
		assert_noop!(
			Plans::plan_pause(RuntimeOrigin::signed(ALICE), 0),
			Error::<Test>::AlreadyPaused
		);
		assert_noop!(Plans::plan_resume(RuntimeOrigin::signed(BOB), 0), Error::<Test>::NotSponsor);
		assert_ok!(Plans::plan_resume(RuntimeOrigin::signed(ALICE), 0));
		System::assert_last_event(Event::ResumePlan { plan: 0 }.into());
		assert!(!Plans::terms(0).unwrap().paused);
		// The start job has not run: hosting is told the plan has not started.
		assert_eq!(calls().split_off(3), vec![Call::Pause(0), Call::Resume(0, false)]);
	});
}

#[test]
fn unsubscribe_closes_contracts_cancels_jobs_and_returns_the_deposit() {
	new_test_ext(|| {
		assert_ok!(Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), plan(vec![range(0, 10)])));
		assert_noop!(
			Plans::plan_unsubscribe(RuntimeOrigin::signed(BOB), 0),
			Error::<Test>::NotSponsor
		);
		assert_ok!(Plans::plan_unsubscribe(RuntimeOrigin::signed(ALICE), 0));
		System::assert_last_event(
			Event::EndPlan { plan: 0, reason: EndReason::Unsubscribed }.into(),
		);
		assert_eq!(
			calls().split_off(3),
			vec![Call::Cancel(101), Call::Cancel(102), Call::Close(0, EndReason::Unsubscribed)]
		);
		assert_eq!(held(ALICE), 0);
		assert!(!Plans::in_use(&ALICE));
		assert!(Plans::terms(0).is_none());
		assert_noop!(
			Plans::plan_unsubscribe(RuntimeOrigin::signed(ALICE), 0),
			Error::<Test>::UnknownPlan
		);
	});
}

#[test]
fn the_end_block_ends_the_plan_by_itself() {
	new_test_ext(|| {
		assert_ok!(Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), plan(vec![range(0, 10)])));
		let end = Job::Plans(PlanJob::End(0));
		assert_eq!(Plans::is_live(&end), Some(true));
		assert_ok!(Plans::execute(&end).unwrap());
		System::assert_last_event(Event::EndPlan { plan: 0, reason: EndReason::Expired }.into());
		assert_eq!(Plans::is_live(&end), Some(false));
		assert_eq!(Plans::is_live(&Job::Plans(PlanJob::Start(0))), Some(false));
		// Running it again finds nothing and changes nothing.
		let events = System::events().len();
		assert_ok!(Plans::execute(&end).unwrap());
		assert_eq!(System::events().len(), events);
	});
}

#[test]
fn other_pallets_can_end_a_plan_with_their_reason() {
	new_test_ext(|| {
		assert_ok!(Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), plan(vec![range(0, 10)])));
		assert_ok!(Plans::end_plan(0, EndReason::Unmatchable));
		System::assert_last_event(
			Event::EndPlan { plan: 0, reason: EndReason::Unmatchable }.into(),
		);
		assert!(Plans::end_plan(0, EndReason::Unmatchable).is_err());
	});
}

#[test]
fn the_start_job_starts_matching_and_marks_the_plan_started() {
	new_test_ext(|| {
		assert_ok!(Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), plan(vec![range(0, 10)])));
		assert_ok!(Plans::execute(&Job::Plans(PlanJob::Start(0))).unwrap());
		assert_eq!(calls().last(), Some(&Call::Start(0)));
		assert_eq!(PlanStore::<Test>::get(0).unwrap().start_job, None);
		System::set_block_number(13);
		assert_ok!(Plans::plan_pause(RuntimeOrigin::signed(ALICE), 0));
		System::set_block_number(16);
		assert_ok!(Plans::plan_resume(RuntimeOrigin::signed(ALICE), 0));
		assert_eq!(calls().last(), Some(&Call::Resume(0, true)));
	});
}

#[test]
fn sponsors_cannot_take_the_reserved_priority() {
	new_test_ext(|| {
		let mut urgent = plan(vec![range(0, 10)]);
		urgent.priority = Priority::Critical;
		assert_noop!(
			Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), urgent),
			Error::<Test>::ReservedPriority
		);
		assert_ok!(Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), plan(vec![range(0, 10)])));
		System::set_block_number(13);
		let raise = PlanUpdate {
			upgrade: None,
			end: None,
			priority: Some(Priority::Critical),
			min_performance: None,
		};
		assert_noop!(
			Plans::plan_update(RuntimeOrigin::signed(ALICE), 0, raise),
			Error::<Test>::ReservedPriority
		);
	});
}

#[test]
fn changes_are_rate_limited_so_reschedules_cannot_be_bought_in_bulk() {
	new_test_ext(|| {
		assert_ok!(Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), plan(vec![range(0, 10)])));
		let move_end = |end| PlanUpdate {
			upgrade: None,
			end: Some(Some(end)),
			priority: None,
			min_performance: None,
		};
		System::set_block_number(13);
		assert_ok!(Plans::plan_update(RuntimeOrigin::signed(ALICE), 0, move_end(40)));
		for _ in 0..100 {
			assert_noop!(
				Plans::plan_update(RuntimeOrigin::signed(ALICE), 0, move_end(40)),
				Error::<Test>::ChangeTooSoon
			);
		}
		System::set_block_number(16);
		assert_ok!(Plans::plan_update(RuntimeOrigin::signed(ALICE), 0, move_end(41)));
		// Each accepted move cancelled the end job it replaced.
		let ends = calls()
			.into_iter()
			.filter(|c| matches!(c, Call::Schedule(_, Job::Plans(PlanJob::End(0)), _)))
			.count();
		let cancels = calls().into_iter().filter(|c| matches!(c, Call::Cancel(_))).count();
		assert_eq!((ends, cancels), (3, 2));
	});
}

#[test]
fn a_failing_start_is_abandoned_by_ending_the_plan() {
	new_test_ext(|| {
		assert_ok!(Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), plan(vec![range(0, 10)])));
		assert!(Plans::abandon(&Job::Plans(PlanJob::Start(0))).is_some());
		System::assert_last_event(Event::EndPlan { plan: 0, reason: EndReason::Stalled }.into());
		assert_eq!(held(ALICE), 0);
		assert!(!Plans::in_use(&ALICE));
	});
}

/// An upgrade of the test feed from `from` to `to` blocks hosting `ranges` as well.
fn upgrade_to(from: u64, to: u64, ranges: Vec<ChunkRange>) -> PlanUpdate<u64> {
	let grown = datdot_primitives::testing::feed_log(to);
	PlanUpdate {
		end: None,
		priority: None,
		min_performance: None,
		upgrade: Some(crate::FeedUpgrade {
			length: to,
			nodes: grown.upgrade_nodes(from),
			signature: signed_feed(to, 0).signature,
			ranges,
		}),
	}
}

#[test]
fn an_upgrade_moves_the_plan_to_the_longer_feed_and_hosts_new_ranges() {
	new_test_ext(|| {
		assert_ok!(Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), plan(vec![range(0, 10)])));
		System::set_block_number(13);
		assert_ok!(Plans::plan_update(
			RuntimeOrigin::signed(ALICE),
			0,
			upgrade_to(500, 777, vec![range(500, 600), range(700, 777)])
		));
		System::assert_last_event(
			Event::FeedUpgraded { plan: 0, length: 777, contracts: 2 }.into(),
		);
		let stored = PlanStore::<Test>::get(0).unwrap();
		let roots = crate::FeedTrees::<Test>::get(0).unwrap();
		assert_eq!(stored.feed.tree(&roots), {
			let tree = signed_feed(777, 0);
			datdot_primitives::feed::FeedTree { length: 777, fork: 0, roots: tree.roots }
		});
		assert_eq!(stored.ranges.to_vec(), vec![range(0, 10), range(500, 600), range(700, 777)]);
		assert_eq!(stored.contracts, 3);
		assert_eq!(held(ALICE), 20 + 3 * 5);
		// The plan has not started: its new contracts wait for the start like the others.
		assert_eq!(calls().last(), Some(&Call::Open(0, vec![range(500, 600), range(700, 777)])));
		assert_eq!(Plans::terms(0).map(|t| t.length), Some(777));
	});
}

#[test]
fn an_upgrade_of_a_started_plan_starts_matching_for_its_new_contracts() {
	new_test_ext(|| {
		assert_ok!(Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), plan(vec![range(0, 10)])));
		System::set_block_number(20);
		assert_eq!(Plans::execute(&Job::Plans(PlanJob::Start(0))).map(|r| r.is_ok()), Some(true));
		assert_ok!(Plans::plan_update(
			RuntimeOrigin::signed(ALICE),
			0,
			upgrade_to(500, 501, vec![range(500, 501)])
		));
		let tail = calls().split_off(calls().len() - 2);
		assert_eq!(tail, vec![Call::Open(0, vec![range(500, 501)]), Call::Start(0)]);
		// An upgrade without new ranges only moves the tree forward.
		System::set_block_number(23);
		assert_ok!(Plans::plan_update(
			RuntimeOrigin::signed(ALICE),
			0,
			upgrade_to(501, 640, vec![])
		));
		assert_eq!(PlanStore::<Test>::get(0).map(|p| (p.feed.length, p.contracts)), Some((640, 2)));
	});
}

#[test]
fn a_bad_upgrade_changes_nothing() {
	new_test_ext(|| {
		assert_ok!(Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), plan(vec![range(0, 10)])));
		System::set_block_number(13);
		let update = |u: PlanUpdate<u64>| Plans::plan_update(RuntimeOrigin::signed(ALICE), 0, u);
		let with = |change: &dyn Fn(&mut crate::FeedUpgrade)| {
			let mut u = upgrade_to(500, 777, vec![range(500, 510)]);
			change(u.upgrade.as_mut().unwrap());
			u
		};
		assert_noop!(update(with(&|u| u.length = 500)), Error::<Test>::NotAnUpgrade);
		assert_noop!(
			update(with(&|u| {
				u.nodes.pop();
			})),
			Error::<Test>::BadUpgradeProof
		);
		assert_noop!(update(with(&|u| u.nodes[0].index += 2)), Error::<Test>::BadUpgradeProof);
		assert_noop!(update(with(&|u| u.nodes[0].hash[0] ^= 1)), Error::<Test>::BadFeedSignature);
		assert_noop!(update(with(&|u| u.signature[9] ^= 1)), Error::<Test>::BadFeedSignature);
		assert_noop!(update(with(&|u| u.length = 1 << 53)), Error::<Test>::FeedTooLong);
		// A truncated feed signs another fork: the plan's tree cannot be upgraded to it.
		assert_noop!(
			update(with(&|u| u.signature = signed_feed(777, 1).signature)),
			Error::<Test>::BadFeedSignature
		);
		assert_noop!(
			update(with(&|u| u.ranges = vec![range(5, 20)])),
			Error::<Test>::RangesOverlap
		);
		assert_noop!(
			update(with(&|u| u.ranges = vec![range(770, 778)])),
			Error::<Test>::RangeOutOfFeed
		);
		// Four contracts at most: one held, 400 blocks cut into four more.
		assert_noop!(
			update(with(&|u| u.ranges = vec![range(300, 700)])),
			Error::<Test>::TooManyContracts
		);
		assert_noop!(
			Plans::plan_update(RuntimeOrigin::signed(BOB), 0, upgrade_to(500, 777, vec![])),
			Error::<Test>::NotSponsor
		);
	});
}

/// The test feed's author signs `length` blocks of which those from `from` on differ.
fn rewritten(
	length: u64,
	from: u64,
) -> (
	datdot_primitives::feed::SignedTree,
	datdot_primitives::feed::TreeBuilder<impl Fn(u64) -> Vec<u8>>,
) {
	let log = datdot_primitives::feed::TreeBuilder::new(length, move |i| {
		let mut block = datdot_primitives::testing::feed_block(i);
		if i >= from {
			block.push(0xff);
		}
		block
	});
	let tree = datdot_primitives::feed::SignedTree {
		length,
		fork: 0,
		roots: log.roots(),
		signature: feed_author().sign(&log.signable(0)).0,
	};
	(tree, log)
}

#[test]
fn a_reported_fork_ends_every_plan_of_the_feed_and_bars_it() {
	new_test_ext(|| {
		assert_ok!(Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), plan(vec![range(0, 10)])));
		assert_ok!(Plans::plan_subscribe(RuntimeOrigin::signed(BOB), plan(vec![range(0, 10)])));
		let key = feed_author().public().0;
		let (other, _) = rewritten(500, 499);
		assert_ok!(Plans::feed_fork_report(
			RuntimeOrigin::signed(STRANGER),
			FeedKey::compat(key),
			signed_feed(500, 0),
			other,
			None
		));
		System::assert_last_event(
			Event::FeedForked { key, fork: 0, reporter: STRANGER, plans: 2 }.into(),
		);
		let mut scheduled: Vec<_> = calls()
			.into_iter()
			.filter_map(|c| match c {
				Call::Schedule(at, Job::Plans(PlanJob::Forked(plan)), _) => Some((at, plan)),
				_ => None,
			})
			.collect();
		scheduled.sort();
		assert_eq!(scheduled, vec![(11, 0), (11, 1)]);
		assert_eq!(Plans::execute(&Job::Plans(PlanJob::Forked(0))).map(|r| r.is_ok()), Some(true));
		System::assert_last_event(Event::EndPlan { plan: 0, reason: EndReason::FeedForked }.into());
		assert_eq!(crate::FeedPlanCount::<Test>::get(key), 1);
		// The feed can no longer be hosted, nor reported twice.
		assert_noop!(
			Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), plan(vec![range(0, 10)])),
			Error::<Test>::FeedForked
		);
		let (other, _) = rewritten(500, 3);
		assert_noop!(
			Plans::feed_fork_report(
				RuntimeOrigin::signed(STRANGER),
				FeedKey::compat(key),
				signed_feed(500, 0),
				other,
				None
			),
			Error::<Test>::FeedForked
		);
	});
}

#[test]
fn a_longer_tree_that_rewrites_the_feed_is_a_fork_an_extension_is_not() {
	new_test_ext(|| {
		assert_ok!(Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), plan(vec![range(0, 10)])));
		let key = feed_author().public().0;
		let report = |second, proof| {
			Plans::feed_fork_report(
				RuntimeOrigin::signed(BOB),
				FeedKey::compat(key),
				signed_feed(500, 0),
				second,
				proof,
			)
		};
		// 500 = 256 + 128 + 64 + 32 + 16 + 4: the root over blocks 496..500 is node 995.
		let honest = datdot_primitives::testing::feed_log(600);
		assert_noop!(
			report(signed_feed(600, 0), Some(honest.node_proof(0, 995))),
			Error::<Test>::NotConflicting
		);
		assert_noop!(report(signed_feed(600, 0), None), Error::<Test>::ForkProofRequired);
		assert_noop!(
			report(signed_feed(600, 0), Some(honest.node_proof(0, 993))),
			Error::<Test>::NotARoot
		);
		let mut bent = honest.node_proof(0, 995);
		bent.nodes[1].hash[0] ^= 1;
		assert_noop!(report(signed_feed(600, 0), Some(bent)), Error::<Test>::BadForkProof);
		let mut truncated = signed_feed(600, 1);
		truncated.fork = 1;
		assert_noop!(report(truncated, None), Error::<Test>::DifferentForks);
		let (other, log) = rewritten(600, 497);
		assert_ok!(report(other, Some(log.node_proof(0, 995))));
		assert!(crate::ForkedFeeds::<Test>::contains_key(key));
	});
}

#[test]
fn a_feed_holds_at_most_max_plans_per_feed() {
	new_test_ext(|| {
		assert_ok!(Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), plan(vec![range(0, 10)])));
		assert_ok!(Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), plan(vec![range(0, 10)])));
		assert_noop!(
			Plans::plan_subscribe(RuntimeOrigin::signed(BOB), plan(vec![range(0, 10)])),
			Error::<Test>::TooManyPlansForFeed
		);
		assert_ok!(Plans::plan_unsubscribe(RuntimeOrigin::signed(ALICE), 0));
		assert_ok!(Plans::plan_subscribe(RuntimeOrigin::signed(BOB), plan(vec![range(0, 10)])));
	});
}

#[test]
fn a_core_with_the_default_manifest_is_hosted_under_its_manifest_key() {
	new_test_ext(|| {
		let public_key = feed_author().public().0;
		let feed_key = FeedKey::default_manifest(public_key);
		let log = datdot_primitives::testing::feed_log(500);
		let signable = datdot_primitives::feed::hash::manifest_signable(
			&feed_key.key,
			&log.tree_hash(),
			500,
			0,
		);
		let tree = datdot_primitives::feed::SignedTree {
			signature: feed_author().sign(&signable).0,
			..signed_feed(500, 0)
		};
		let mut input = plan(vec![range(0, 10)]);
		input.feed = FeedInput { key: feed_key.key, signer: feed_key.signer, tree: tree.clone() };
		let mut wrong_key = input.clone();
		wrong_key.feed.key = public_key;
		assert_noop!(
			Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), wrong_key),
			Error::<Test>::WrongManifest
		);
		assert_ok!(Plans::plan_subscribe(RuntimeOrigin::signed(ALICE), input));
		assert_eq!(Plans::terms(0).map(|t| t.key), Some(feed_key.key));
	});
}
