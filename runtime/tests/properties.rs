//! Random sequences of calls and blocks on the real runtime. Every call goes through dispatch
//! (as an extrinsic would, so a refused call changes nothing), and every pallet's invariants are
//! checked after every call and every block: capacity and bookings, deposits, no orphan or
//! stale job, no contract waiting without the job that moves it on.

mod common;

use common::*;
use datdot_primitives::{ChunkRange, ContractStatus, Performance, Priority, Role};
use datdot_runtime::{Benchmarks, Hosting, Runtime, RuntimeCall, System};
use pallet_datdot_hosting::{
	CopyConfirmation, HosterSetup, PositionState, SelectionInput, SetupReport,
};
use pallet_datdot_plans::{PlanInput, PlanUpdate};
use proptest::prelude::*;
use sp_core::Pair;
use sp_runtime::traits::Dispatchable;

/// One step of a random run. Plan and contract numbers are taken modulo how many exist.
#[derive(Clone, Debug)]
enum Step {
	Subscribe { hosters: u8, start_in: u32, end_in: Option<u32> },
	MoveEnd { plan: u64, end_in: u32 },
	Pause { plan: u64 },
	Resume { plan: u64 },
	Unsubscribe { plan: u64 },
	Match { contract: u64 },
	Setup { contract: u64, rejected: u8 },
	Answer { contract: u64, honest: bool },
	RequestChallenge { contract: u64 },
	RequestBenchmark { contract: u64 },
	Measure { contract: u64, latency_ms: u32 },
	Leave { provider: usize, role: Role },
	Join { provider: usize, role: Role },
	Blocks { n: u32 },
}

fn role() -> impl Strategy<Value = Role> {
	prop_oneof![Just(Role::Hoster), Just(Role::Encoder), Just(Role::Attestor)]
}

fn step() -> impl Strategy<Value = Step> {
	prop_oneof![
		1 => (1u8..=3, 0u32..4, proptest::option::of(5u32..80))
			.prop_map(|(hosters, start_in, end_in)| Step::Subscribe { hosters, start_in, end_in }),
		1 => (any::<u64>(), 1u32..60).prop_map(|(plan, end_in)| Step::MoveEnd { plan, end_in }),
		1 => any::<u64>().prop_map(|plan| Step::Pause { plan }),
		1 => any::<u64>().prop_map(|plan| Step::Resume { plan }),
		1 => any::<u64>().prop_map(|plan| Step::Unsubscribe { plan }),
		3 => any::<u64>().prop_map(|contract| Step::Match { contract }),
		3 => (any::<u64>(), any::<u8>())
			.prop_map(|(contract, rejected)| Step::Setup { contract, rejected }),
		3 => (any::<u64>(), any::<bool>())
			.prop_map(|(contract, honest)| Step::Answer { contract, honest }),
		1 => any::<u64>().prop_map(|contract| Step::RequestChallenge { contract }),
		1 => any::<u64>().prop_map(|contract| Step::RequestBenchmark { contract }),
		1 => (any::<u64>(), prop_oneof![0u32..500, Just(u32::MAX)])
			.prop_map(|(contract, latency_ms)| Step::Measure { contract, latency_ms }),
		1 => (0usize..10, role()).prop_map(|(provider, role)| Step::Leave { provider, role }),
		1 => (0usize..10, role()).prop_map(|(provider, role)| Step::Join { provider, role }),
		4 => (1u32..40).prop_map(|n| Step::Blocks { n }),
	]
}

/// Every provider of the tests, by number.
fn providers() -> Vec<u8> {
	HOSTERS.iter().chain(&ENCODERS).chain(&ATTESTORS).copied().collect()
}

/// Dispatches `call` from `who` as an extrinsic would (in its own storage layer); whether it
/// was accepted does not matter to the run, only that the invariants hold either way.
fn dispatch(who: &AccountId, call: impl Into<RuntimeCall>) {
	let origin = datdot_runtime::RuntimeOrigin::signed(who.clone());
	// A refused call is part of the random run; its error is the point of other tests.
	let _ = call.into().dispatch(origin);
}

fn plan_of(n: u64) -> Option<u64> {
	let count = pallet_datdot_plans::NextPlanId::<Runtime>::get();
	(count > 0).then(|| n % count)
}

fn contract_of(n: u64) -> Option<u64> {
	let count = pallet_datdot_hosting::NextContractId::<Runtime>::get();
	(count > 0).then(|| n % count)
}

fn subscribe(hosters: u8, start_in: u32, end_in: Option<u32>) -> RuntimeCall {
	let now = System::block_number();
	let start = now + start_in;
	pallet_datdot_plans::Call::<Runtime>::plan_subscribe {
		plan: PlanInput {
			feed: feed_input(),
			ranges: vec![ChunkRange { start: 0, end: LENGTH }],
			regions: vec![b"u3".to_vec()],
			hosters: Some(hosters),
			start,
			end: end_in.map(|d| start + d),
			min_performance: Performance { max_latency_ms: 1_000, min_bandwidth_kbps: 1 },
			priority: Priority::Normal,
		},
	}
	.into()
}

/// The first two drawn attestors agree on the first free hosters and encoders.
fn honest_match(contract: u64) {
	let Some(round) = pallet_datdot_hosting::Rounds::<Runtime>::get(contract) else { return };
	// No selection when the rule finds no eligible candidate: the round then runs out.
	let Ok(rule) = Hosting::rule_selection(contract) else { return };
	let selection =
		SelectionInput { hosters: rule.hosters.to_vec(), encoders: rule.encoders.to_vec() };
	for attestor in round.attestors.iter().take(2) {
		dispatch(
			attestor,
			pallet_datdot_hosting::Call::<Runtime>::submit_matching {
				contract,
				selection: selection.clone(),
			},
		);
	}
}

/// The setup attestor confirms the positions being set up, except those in `rejected`.
fn setup(contract: u64, rejected: u8) {
	let Some(stored) = pallet_datdot_hosting::Contracts::<Runtime>::get(contract) else { return };
	let (Some(attestor), Some(terms)) =
		(stored.attestor.clone(), pallet_datdot_plans::Plans::<Runtime>::get(stored.plan))
	else {
		return;
	};
	let results = stored
		.positions
		.iter()
		.enumerate()
		.filter(|(_, p)| p.state == PositionState::SettingUp)
		.filter_map(|(i, p)| p.hoster.clone().map(|h| (i, h)))
		.map(|(i, hoster)| {
			let n = providers().into_iter().find(|n| who(*n) == hoster).unwrap_or(0);
			let (_, _, leaves) = common::copy_of(contract, &hoster, &|b| chunk(b as u32));
			let commitment = datdot_primitives::encoding::commitment(&leaves);
			let message = Hosting::setup_message(
				contract,
				&hoster,
				terms.feed.key,
				stored.range,
				&commitment,
			);
			let copy = (rejected & (1 << i) == 0)
				.then(|| CopyConfirmation { commitment, signature: key(n).sign(&message).0 });
			HosterSetup { hoster, copy }
		})
		.collect();
	dispatch(
		&attestor,
		pallet_datdot_hosting::Call::<Runtime>::hosting_setup_report {
			report: SetupReport { contract, results },
		},
	);
}

/// Every open challenge of `contract` is answered, honestly or with a wrong chunk.
fn answer(contract: u64, honest: bool) {
	let open: Vec<_> = pallet_datdot_proofs::Challenges::<Runtime>::iter()
		.filter(|(_, challenge)| challenge.contract == contract)
		.collect();
	for (id, challenge) in open {
		let hoster = challenge.hoster.clone();
		let mut proof = common::answer(id, &challenge.chunks);
		if !honest {
			proof.chunks.iter_mut().for_each(|chunk| chunk.encoded = b"forged".to_vec());
		}
		dispatch(
			&hoster,
			pallet_datdot_proofs::Call::<Runtime>::proof_of_storage_response {
				proofs: vec![proof].try_into().expect("one answer"),
			},
		);
	}
}

/// The attestor of `contract`'s open benchmark reports `latency_ms` for every hoster.
fn measure(contract: u64, latency_ms: u32) {
	let Some(id) = pallet_datdot_benchmarks::OpenBenchmarks::<Runtime>::get(contract) else {
		return;
	};
	let Some(benchmark) = pallet_datdot_benchmarks::Benchmarks::<Runtime>::get(id) else { return };
	let measurements = benchmark
		.hosters
		.iter()
		.map(|hoster| {
			let n = providers().into_iter().find(|n| who(*n) == *hoster).unwrap_or(0);
			let message = Benchmarks::contact_message(id, contract, &benchmark.attestor, hoster);
			pallet_datdot_benchmarks::HosterMeasurement {
				hoster: hoster.clone(),
				latency_ms,
				bandwidth_kbps: 5_000,
				proof_of_contact: key(n).sign(&message).0,
			}
		})
		.collect();
	dispatch(
		&benchmark.attestor,
		pallet_datdot_benchmarks::Call::<Runtime>::performance_benchmark_response {
			rating: pallet_datdot_benchmarks::BenchmarkReport { benchmark: id, measurements },
		},
	);
}

fn apply(step: Step) {
	let sponsor = who(SPONSOR);
	match step {
		Step::Subscribe { hosters, start_in, end_in } => {
			dispatch(&sponsor, subscribe(hosters, start_in, end_in))
		}
		Step::MoveEnd { plan, end_in } => {
			let Some(plan_id) = plan_of(plan) else { return };
			let update = PlanUpdate {
				end: Some(Some(System::block_number() + end_in)),
				priority: None,
				min_performance: None,
				upgrade: None,
			};
			dispatch(
				&sponsor,
				pallet_datdot_plans::Call::<Runtime>::plan_update { plan_id, update },
			)
		}
		Step::Pause { plan } => {
			let Some(plan_id) = plan_of(plan) else { return };
			dispatch(&sponsor, pallet_datdot_plans::Call::<Runtime>::plan_pause { plan_id })
		}
		Step::Resume { plan } => {
			let Some(plan_id) = plan_of(plan) else { return };
			dispatch(&sponsor, pallet_datdot_plans::Call::<Runtime>::plan_resume { plan_id })
		}
		Step::Unsubscribe { plan } => {
			let Some(plan_id) = plan_of(plan) else { return };
			dispatch(&sponsor, pallet_datdot_plans::Call::<Runtime>::plan_unsubscribe { plan_id })
		}
		Step::Match { contract } => contract_of(contract).into_iter().for_each(honest_match),
		Step::Setup { contract, rejected } => {
			contract_of(contract).into_iter().for_each(|c| setup(c, rejected))
		}
		Step::Answer { contract, honest } => {
			contract_of(contract).into_iter().for_each(|c| answer(c, honest))
		}
		Step::RequestChallenge { contract } => {
			let Some(contract) = contract_of(contract) else { return };
			let data = pallet_datdot_proofs::ChallengeRequest { contract };
			dispatch(
				&sponsor,
				pallet_datdot_proofs::Call::<Runtime>::proof_of_storage_request { data },
			)
		}
		Step::RequestBenchmark { contract } => {
			let Some(contract) = contract_of(contract) else { return };
			let data = pallet_datdot_benchmarks::BenchmarkRequest { contract };
			dispatch(
				&sponsor,
				pallet_datdot_benchmarks::Call::<Runtime>::performance_benchmark_request { data },
			)
		}
		Step::Measure { contract, latency_ms } => {
			contract_of(contract).into_iter().for_each(|c| measure(c, latency_ms))
		}
		Step::Leave { provider, role } => {
			let n = providers()[provider % providers().len()];
			dispatch(&who(n), pallet_datdot_roles::Call::<Runtime>::roles_unregister { role })
		}
		Step::Join { provider, role } => {
			let n = providers()[provider % providers().len()];
			let form = pallet_datdot_roles::ProviderFormInput {
				regions: vec![b"u33".to_vec()],
				storage: 1 << 30,
				bandwidth_kbps: 10_000,
				capacity: 3,
				available_from: 0,
				available_until: None,
			};
			dispatch(&who(n), pallet_datdot_roles::Call::<Runtime>::roles_register { role, form })
		}
		// `run_to` checks every invariant after every block.
		Step::Blocks { n } => run_to(System::block_number() + n),
	}
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

	#[test]
	fn every_invariant_holds_after_every_call_and_block(
		steps in proptest::collection::vec(step(), 1..60)
	) {
		new_ext().execute_with(|| {
			for step in steps {
				apply(step);
				all_invariants();
			}
			// Let every pending deadline and retry run out.
			run_to(System::block_number() + 400);
			// Nothing waits forever: a contract that is neither settled nor matching has the job
			// that moves it on (checked by the hosting invariants), and matching contracts of
			// started, unpaused plans have a round or a retry.
			for (id, contract) in pallet_datdot_hosting::Contracts::<Runtime>::iter() {
				let plan = pallet_datdot_plans::Plans::<Runtime>::get(contract.plan).expect("a live plan");
				let waiting_to_start = plan.start_job.is_some() || plan.paused;
				if contract.status == ContractStatus::Matching && !waiting_to_start {
					prop_assert!(
						contract.pending_job.is_some()
							|| pallet_datdot_hosting::Rounds::<Runtime>::contains_key(id),
						"contract {} is matching with nothing pending", id
					);
				}
			}
			Ok(())
		})?;
	}
}

/// The steps the random runs are made of do reach every stage of a plan's life: matching,
/// setup, an accepted proof and a recorded benchmark.
#[test]
fn the_steps_drive_a_plan_through_its_life() {
	new_ext().execute_with(|| {
		for step in [
			Step::Subscribe { hosters: 2, start_in: 0, end_in: None },
			Step::Blocks { n: 1 },
			Step::Match { contract: 0 },
			Step::Setup { contract: 0, rejected: 0 },
			Step::RequestChallenge { contract: 0 },
			Step::Answer { contract: 0, honest: true },
			Step::RequestBenchmark { contract: 0 },
			Step::Measure { contract: 0, latency_ms: 40 },
		] {
			apply(step);
			all_invariants();
		}
		let seen = |wanted: &dyn Fn(&datdot_runtime::RuntimeEvent) -> bool| {
			events().iter().any(|e| wanted(e))
		};
		assert!(seen(&|e| matches!(
			e,
			datdot_runtime::RuntimeEvent::Hosting(
				pallet_datdot_hosting::Event::HostingActive { .. }
			)
		)));
		assert!(seen(&|e| matches!(
			e,
			datdot_runtime::RuntimeEvent::Proofs(pallet_datdot_proofs::Event::ProofAccepted { .. })
		)));
		assert!(seen(&|e| matches!(
			e,
			datdot_runtime::RuntimeEvent::Benchmarks(
				pallet_datdot_benchmarks::Event::BenchmarkRecorded { .. }
			)
		)));
	});
}
