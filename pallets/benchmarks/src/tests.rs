//! Unit tests of performance benchmarks.

use crate::{
	mock::*, Assigned, BenchmarkReport, BenchmarkRequest, Benchmarks as Open, Deadlines, Error,
	Event, HosterMeasurement, MeasuredCount, OpenBenchmarks, Sweep,
};
use datdot_primitives::{
	testing::{doubles, region, signer},
	ContractObserver, ContractStatus,
};
use frame_support::{assert_noop, assert_ok, traits::Hooks};
use sp_core::Pair;
use sp_runtime::DispatchError;

/// Runs block `n`'s hook: its deadlines pass, then its benchmarks are opened.
fn run_block(n: u64) {
	set_block(n);
	Benchmarks::on_initialize(n);
}

/// The contracts given a benchmark by `ProvidePerformanceBenchmark` events so far.
fn announced() -> Vec<u64> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Benchmarks(Event::ProvidePerformanceBenchmark { benchmarks, .. }) => {
				Some(benchmarks.into_iter().map(|b| b.contract).collect::<Vec<_>>())
			}
			_ => None,
		})
		.flatten()
		.collect()
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
				benchmarks: vec![Assigned {
					benchmark: 0,
					attestor: ATTESTORS[0],
					contract: 0,
					hosters: HOSTERS.to_vec().try_into().unwrap(),
				}]
				.try_into()
				.unwrap(),
				deadline: 11,
			}
			.into(),
		);
		assert_eq!(Deadlines::<Test>::get(12).into_inner(), vec![0]);
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
		// Its deadline passes without a word.
		System::reset_events();
		Benchmarks::expire(12);
		assert!(System::events().is_empty());
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
		Benchmarks::expire(12);
		System::assert_last_event(
			Event::BenchmarkMissed { benchmark: 0, attestor: ATTESTORS[0], contract: 0 }.into(),
		);
		let rating = doubles(|d| d.ratings[&(ATTESTORS[0], region("u3"))]);
		assert_eq!((rating.challenges_issued, rating.challenges_passed), (1, 0));
		assert!(OpenBenchmarks::<Test>::get(0).is_none());
		assert!(Deadlines::<Test>::get(12).is_empty());
	});
}

#[test]
fn the_sweep_benchmarks_each_active_contract_once_per_period() {
	new_test_ext(|| {
		assert_ok!(Benchmarks::activated(0));
		assert_ok!(Benchmarks::activated(0));
		assert_eq!(MeasuredCount::<Test>::get(), 1, "indexed once");
		// One contract, a period of 100 blocks: its turn comes every 100 blocks.
		let mut turns = vec![];
		for n in 2..=301 {
			System::reset_events();
			run_block(n);
			if !announced().is_empty() {
				turns.push(n);
				// The attestor reports, so the next turn finds no benchmark open.
				let id = OpenBenchmarks::<Test>::get(0).unwrap();
				assert_ok!(Benchmarks::performance_benchmark_response(
					RuntimeOrigin::signed(ATTESTORS[0]),
					full_report(id, ATTESTORS[0])
				));
			}
		}
		assert_eq!(turns, vec![101, 201, 301]);
		// Paused, it is not measured; what was open is closed.
		run_block(302);
		with_world(|w| w.status.insert(0, ContractStatus::Paused));
		Benchmarks::stopped(0);
		assert_eq!(MeasuredCount::<Test>::get(), 0);
		System::reset_events();
		for n in 303..=500 {
			run_block(n);
		}
		assert!(announced().is_empty());
		assert_eq!(Sweep::<Test>::get().behind, 0);
	});
}

#[test]
fn a_budget_that_cannot_keep_up_says_so() {
	new_test_ext(|| {
		// 300 contracts in a period of 100 blocks need 3 visits a block; the budget is 2.
		for contract in 0..300 {
			with_world(|w| w.status.insert(contract, ContractStatus::Active));
			assert_ok!(Benchmarks::activated(contract));
		}
		run_block(2);
		System::assert_has_event(
			Event::BenchmarksBehind { behind: 1, contracts: 300, budget: 2 }.into(),
		);
		assert_eq!(announced(), vec![0, 1], "the budget's worth, from the cursor on");
		for contract in 0..300 {
			Benchmarks::ended(contract);
		}
		assert_eq!(MeasuredCount::<Test>::get(), 0);
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
