//! Unit tests of performance benchmarks.

use crate::{
	mock::*, BenchmarkReport, BenchmarkRequest, Benchmarks as Open, Error, Event,
	HosterMeasurement, OpenBenchmarks, PeriodicJobs,
};
use datdot_primitives::{
	testing::{doubles, region, signer},
	BenchmarkJob, ContractObserver, ContractStatus, EndReason, Job, JobHandler,
};
use frame_support::{assert_noop, assert_ok};
use sp_core::Pair;
use sp_runtime::DispatchError;

/// Runs a benchmark job as the scheduler would: it is no longer pending, and it must succeed.
fn run(job: BenchmarkJob) {
	let job = Job::Benchmarks(job);
	doubles(|d| d.take_job(&job));
	assert_ok!(Benchmarks::execute(&job).expect("a benchmark job"));
}

/// When `job` is pending, at which block.
fn pending_at(job: BenchmarkJob) -> Option<u64> {
	doubles(|d| {
		d.pending_jobs().into_iter().find(|(_, _, j, _)| *j == Job::Benchmarks(job)).map(|p| p.1)
	})
}

fn request() -> BenchmarkRequest {
	BenchmarkRequest { contract: 0 }
}

fn measurement(
	benchmark: u64,
	attestor: AccountId,
	hoster: AccountId,
	latency: u32,
) -> HosterMeasurement<AccountId> {
	let message = Benchmarks::contact_message(benchmark, 0, &attestor, &hoster);
	HosterMeasurement {
		hoster,
		latency_ms: latency,
		bandwidth_kbps: 800,
		proof_of_contact: signer(hoster).sign(&message).0,
	}
}

fn full_report(benchmark: u64, attestor: AccountId) -> BenchmarkReport<AccountId> {
	BenchmarkReport {
		benchmark,
		measurements: HOSTERS.iter().map(|h| measurement(benchmark, attestor, *h, 40)).collect(),
	}
}

#[test]
fn a_request_assigns_an_attestor_who_is_told_what_to_measure() {
	new_test_ext(|| {
		assert_ok!(Benchmarks::performance_benchmark_request(
			RuntimeOrigin::signed(SPONSOR),
			request()
		));
		let benchmark = Open::<Test>::get(0).unwrap();
		assert_eq!(benchmark.attestor, ATTESTORS[0]);
		System::assert_last_event(
			Event::ProvidePerformanceBenchmark {
				benchmark: 0,
				attestor: ATTESTORS[0],
				contract: 0,
				hosters: HOSTERS.to_vec().try_into().unwrap(),
				deadline: 11,
			}
			.into(),
		);
		assert_eq!(pending_at(BenchmarkJob::Deadline(0)), Some(12));
	});
}

#[test]
fn requests_are_checked() {
	new_test_ext(|| {
		assert_noop!(
			Benchmarks::performance_benchmark_request(RuntimeOrigin::signed(HOSTERS[0]), request()),
			Error::<Test>::NotSponsor
		);
		assert_noop!(
			Benchmarks::performance_benchmark_request(
				RuntimeOrigin::signed(SPONSOR),
				BenchmarkRequest { contract: 4 }
			),
			Error::<Test>::UnknownContract
		);
		assert_noop!(
			Benchmarks::performance_benchmark_request(RuntimeOrigin::root(), request()),
			DispatchError::BadOrigin
		);
		with_world(|w| w.attestors = vec![HOSTERS[0]]);
		assert_noop!(
			Benchmarks::performance_benchmark_request(RuntimeOrigin::signed(SPONSOR), request()),
			Error::<Test>::NoAttestor
		);
		with_world(|w| w.attestors = vec![ATTESTORS[0]]);
		assert_ok!(Benchmarks::performance_benchmark_request(
			RuntimeOrigin::signed(SPONSOR),
			request()
		));
		assert_noop!(
			Benchmarks::performance_benchmark_request(RuntimeOrigin::signed(SPONSOR), request()),
			Error::<Test>::RequestTooSoon
		);
		set_block(6);
		assert_noop!(
			Benchmarks::performance_benchmark_request(RuntimeOrigin::signed(SPONSOR), request()),
			Error::<Test>::BenchmarkPending
		);
	});
}

#[test]
fn a_report_counts_in_the_region_the_attestor_was_drawn_for() {
	new_test_ext(|| {
		assert_ok!(Benchmarks::performance_benchmark_request(
			RuntimeOrigin::signed(SPONSOR),
			request()
		));
		assert_ok!(Benchmarks::performance_benchmark_response(
			RuntimeOrigin::signed(ATTESTORS[0]),
			full_report(0, ATTESTORS[0])
		));
		System::assert_last_event(
			Event::BenchmarkRecorded { benchmark: 0, attestor: ATTESTORS[0], contract: 0 }.into(),
		);
		// The contract's positions are in u3: that is where the attestor was drawn, and where
		// its measurements count, whatever its own account says.
		let recorded = doubles(|d| d.measurements.clone());
		assert_eq!(
			recorded,
			vec![
				(HOSTERS[0], region("u3"), ATTESTORS[0], 40, 800),
				(HOSTERS[1], region("u3"), ATTESTORS[0], 40, 800)
			]
		);
		assert!(Open::<Test>::get(0).is_none());
		assert!(OpenBenchmarks::<Test>::get(0).is_none());
		assert_eq!(doubles(|d| d.cancelled.len()), 1);
	});
}

#[test]
fn reports_are_checked_and_bad_ones_change_nothing() {
	new_test_ext(|| {
		assert_ok!(Benchmarks::performance_benchmark_request(
			RuntimeOrigin::signed(SPONSOR),
			request()
		));
		let attestor = ATTESTORS[0];
		let send = |who, report| {
			Benchmarks::performance_benchmark_response(RuntimeOrigin::signed(who), report)
		};
		assert_noop!(send(attestor, full_report(5, attestor)), Error::<Test>::UnknownBenchmark);
		assert_noop!(send(SPONSOR, full_report(0, SPONSOR)), Error::<Test>::NotBenchmarkAttestor);
		let mut short = full_report(0, attestor);
		short.measurements.pop();
		assert_noop!(send(attestor, short), Error::<Test>::WrongHosters);
		let mut twice = full_report(0, attestor);
		twice.measurements[1] = measurement(0, attestor, HOSTERS[0], 1);
		assert_noop!(send(attestor, twice), Error::<Test>::WrongHosters);
		let mut stranger = full_report(0, attestor);
		stranger.measurements[1] = measurement(0, attestor, 77, 1);
		assert_noop!(send(attestor, stranger), Error::<Test>::WrongHosters);
		let mut forged = full_report(0, attestor);
		forged.measurements[0].proof_of_contact =
			signer(HOSTERS[1]).sign(&Benchmarks::contact_message(0, 0, &attestor, &HOSTERS[1])).0;
		assert_noop!(send(attestor, forged), Error::<Test>::BadContactProof);
		let mut extreme = full_report(0, attestor);
		extreme.measurements[0].latency_ms = u32::MAX;
		assert_noop!(send(attestor, extreme), Error::<Test>::ImplausibleMeasurement);
		let mut silent = full_report(0, attestor);
		silent.measurements[1].bandwidth_kbps = 0;
		assert_noop!(send(attestor, silent), Error::<Test>::ImplausibleMeasurement);
		let mut replayed = full_report(0, attestor);
		replayed.measurements[0] = measurement(1, attestor, HOSTERS[0], 40);
		assert_noop!(send(attestor, replayed), Error::<Test>::BadContactProof);
		assert_noop!(
			Benchmarks::performance_benchmark_response(
				RuntimeOrigin::none(),
				full_report(0, attestor)
			),
			DispatchError::BadOrigin
		);
		assert_ok!(send(attestor, full_report(0, attestor)));
	});
}

#[test]
fn a_missed_deadline_counts_against_the_attestor() {
	new_test_ext(|| {
		assert_ok!(Benchmarks::performance_benchmark_request(
			RuntimeOrigin::signed(SPONSOR),
			request()
		));
		// A report after the deadline is refused, even before the deadline job ran.
		set_block(12);
		assert_noop!(
			Benchmarks::performance_benchmark_response(
				RuntimeOrigin::signed(ATTESTORS[0]),
				full_report(0, ATTESTORS[0])
			),
			Error::<Test>::DeadlinePassed
		);
		run(BenchmarkJob::Deadline(0));
		System::assert_last_event(
			Event::BenchmarkMissed { benchmark: 0, attestor: ATTESTORS[0], contract: 0 }.into(),
		);
		let rating = doubles(|d| d.ratings[&(ATTESTORS[0], region("u3"))]);
		assert_eq!((rating.challenges_issued, rating.challenges_passed), (1, 0));
		assert!(OpenBenchmarks::<Test>::get(0).is_none());
		assert_eq!(Benchmarks::is_live(&Job::Benchmarks(BenchmarkJob::Deadline(0))), Some(false));
	});
}

#[test]
fn periodic_benchmarks_follow_the_contract() {
	new_test_ext(|| {
		assert_ok!(Benchmarks::activated(0));
		assert!(PeriodicJobs::<Test>::get(0).is_some());
		assert_eq!(pending_at(BenchmarkJob::Measure(0)), Some(101));
		set_block(101);
		run(BenchmarkJob::Measure(0));
		assert!(OpenBenchmarks::<Test>::get(0).is_some());
		assert!(PeriodicJobs::<Test>::get(0).is_some(), "the next one is scheduled");
		with_world(|w| w.status.insert(0, ContractStatus::Paused));
		Benchmarks::stopped(0);
		assert!(PeriodicJobs::<Test>::get(0).is_none());
		assert!(OpenBenchmarks::<Test>::get(0).is_none());
		// A periodic job of a paused contract neither measures nor reschedules.
		assert_ok!(Benchmarks::execute(&Job::Benchmarks(BenchmarkJob::Measure(0))).unwrap());
		assert!(PeriodicJobs::<Test>::get(0).is_none());
		assert!(OpenBenchmarks::<Test>::get(0).is_none());
	});
}

#[test]
fn an_abandoned_periodic_benchmark_ends_the_contract_instead_of_stopping_silently() {
	new_test_ext(|| {
		assert_ok!(Benchmarks::activated(0));
		let job = Job::Benchmarks(BenchmarkJob::Measure(0));
		doubles(|d| d.take_job(&job));
		assert!(Benchmarks::abandon(&job).is_some());
		assert_eq!(with_world(|w| w.ended.clone()), vec![(0, EndReason::Stalled)]);
		assert!(PeriodicJobs::<Test>::get(0).is_none());
	});
}

#[test]
fn the_attestor_is_drawn_from_the_pool_and_never_a_hoster_of_the_contract() {
	ExtBuilder::default().attestors(vec![HOSTERS[0], HOSTERS[1], ATTESTORS[1]]).build_and_execute(
		|| {
			assert_ok!(Benchmarks::performance_benchmark_request(
				RuntimeOrigin::signed(SPONSOR),
				request()
			));
			assert_eq!(Open::<Test>::get(0).unwrap().attestor, ATTESTORS[1]);
		},
	);
}
