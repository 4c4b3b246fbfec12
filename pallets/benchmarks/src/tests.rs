//! Unit tests of performance benchmarks.

use crate::{
	mock::*, BenchmarkReport, BenchmarkRequest, Benchmarks as Open, Error, Event,
	HosterMeasurement, OpenBenchmarks, PeriodicJobs,
};
use datdot_primitives::{ContractObserver, ContractStatus, Job};
use frame_support::{assert_noop, assert_ok};
use sp_core::Pair;
use sp_runtime::DispatchError;

fn request() -> BenchmarkRequest {
	BenchmarkRequest { contract: 0 }
}

fn measurement(
	benchmark: u64,
	attestor: AccountId,
	hoster: AccountId,
	latency: u32,
) -> HosterMeasurement<AccountId> {
	let message = Benchmarks::contact_message(benchmark, &attestor);
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
		assert!(with_world(|w| w
			.scheduled
			.iter()
			.any(|(_, at, job)| *at == 11 && *job == Job::BenchmarkDeadline(0))));
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
			Error::<Test>::BenchmarkPending
		);
	});
}

#[test]
fn a_report_updates_quality_in_the_attestors_region() {
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
		let rating = with_world(|w| w.ratings[&(HOSTERS[0], b"u33dc".to_vec())]);
		assert_eq!((rating.benchmarks, rating.latency_ms, rating.bandwidth_kbps), (1, 40, 800));
		assert!(
			with_world(|w| !w.ratings.keys().any(|(_, r)| r == b"gcpv")),
			"nothing counted elsewhere"
		);
		assert!(Open::<Test>::get(0).is_none());
		assert!(OpenBenchmarks::<Test>::get(0).is_none());
		assert_eq!(with_world(|w| w.cancelled.len()), 1);
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
			signer(HOSTERS[1]).sign(&Benchmarks::contact_message(0, &attestor)).0;
		assert_noop!(send(attestor, forged), Error::<Test>::BadContactProof);
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
		Benchmarks::run_job(Job::BenchmarkDeadline(0));
		System::assert_last_event(
			Event::BenchmarkMissed { benchmark: 0, attestor: ATTESTORS[0], contract: 0 }.into(),
		);
		let rating = with_world(|w| w.ratings[&(ATTESTORS[0], b"u33dc".to_vec())]);
		assert_eq!((rating.challenges_issued, rating.challenges_passed), (1, 0));
		assert!(OpenBenchmarks::<Test>::get(0).is_none());
		assert!(!Benchmarks::job_is_live(&Job::BenchmarkDeadline(0)));
	});
}

#[test]
fn periodic_benchmarks_follow_the_contract() {
	new_test_ext(|| {
		Benchmarks::activated(0);
		let job = PeriodicJobs::<Test>::get(0).unwrap();
		assert!(with_world(|w| w.scheduled.contains(&(job, 101, Job::PerformanceBenchmark(0)))));
		System::set_block_number(101);
		Benchmarks::run_job(Job::PerformanceBenchmark(0));
		assert!(OpenBenchmarks::<Test>::get(0).is_some());
		assert!(PeriodicJobs::<Test>::get(0).is_some(), "the next one is scheduled");
		with_world(|w| w.status.insert(0, ContractStatus::Paused));
		Benchmarks::stopped(0);
		assert!(PeriodicJobs::<Test>::get(0).is_none());
		assert!(OpenBenchmarks::<Test>::get(0).is_none());
		// A periodic job of a paused contract neither measures nor reschedules.
		Benchmarks::run_job(Job::PerformanceBenchmark(0));
		assert!(PeriodicJobs::<Test>::get(0).is_none());
		assert!(OpenBenchmarks::<Test>::get(0).is_none());
	});
}
