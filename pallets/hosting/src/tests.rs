//! Unit tests of matching, setup, repair and the end of contracts.

use crate::{
	impls::ATTESTOR_POSITION, mock::*, Contracts, Error, Event, HosterSetup, PositionState,
	ProviderJobs, Repair, Rounds, SelectionInput, SetupReport,
};
use datdot_primitives::{
	ChunkRange, ContractDirectory, ContractManager, ContractStatus, EndReason, Job, Rating, Role,
};
use frame_support::{assert_noop, assert_ok};
use sp_core::Pair;
use sp_runtime::DispatchError;

const RANGE: ChunkRange = ChunkRange { start: 0, end: 100 };

fn hosting_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Hosting(event) => Some(event),
			_ => None,
		})
		.collect()
}

/// Opens plan 0 with one contract of `hosters` positions and runs its start.
fn started(hosters: u8) -> u64 {
	add_plan(0, hosters);
	let ids = Hosting::open(0, &[RANGE]).unwrap();
	Hosting::run_job(Job::StartPlan(0));
	ids[0]
}

fn round_attestors(contract: u64) -> Vec<AccountId> {
	Rounds::<Test>::get(contract).unwrap().attestors.into_inner()
}

fn selection(hosters: &[AccountId], encoders: &[AccountId]) -> SelectionInput<AccountId> {
	SelectionInput { hosters: hosters.to_vec(), encoders: encoders.to_vec() }
}

/// Runs matching to a quorum on hosters 10, 11 and encoders 20, 21.
fn matched() -> (u64, AccountId) {
	let contract = started(2);
	let voters = round_attestors(contract);
	let pick = selection(&HOSTERS[..2], &ENCODERS[..2]);
	assert_ok!(Hosting::submit_matching(RuntimeOrigin::signed(voters[0]), contract, pick.clone()));
	assert_ok!(Hosting::submit_matching(RuntimeOrigin::signed(voters[1]), contract, pick));
	(contract, voters[0])
}

fn setup_signature(contract: u64, hoster: AccountId) -> [u8; 64] {
	let message = Hosting::setup_message(contract, sp_core::H256::repeat_byte(5), RANGE);
	signer(hoster).sign(&message).0
}

fn ok(contract: u64, hoster: AccountId) -> HosterSetup<AccountId> {
	HosterSetup { hoster, signature: Some(setup_signature(contract, hoster)) }
}

fn failed(hoster: AccountId) -> HosterSetup<AccountId> {
	HosterSetup { hoster, signature: None }
}

/// Runs matching and a fully successful setup report.
fn active() -> u64 {
	let (contract, attestor) = matched();
	let results = vec![ok(contract, HOSTERS[0]), ok(contract, HOSTERS[1])];
	assert_ok!(Hosting::hosting_setup_report(
		RuntimeOrigin::signed(attestor),
		SetupReport { contract, results }
	));
	contract
}

#[test]
fn a_plans_start_draws_distinct_attestors_and_a_seed() {
	new_test_ext(|| {
		let contract = started(2);
		let attestors = round_attestors(contract);
		assert_eq!(attestors.len(), 3);
		assert!(attestors.iter().all(|a| ATTESTORS.contains(a)));
		let mut unique = attestors.clone();
		unique.dedup();
		unique.sort();
		unique.dedup();
		assert_eq!(unique.len(), 3);
		let stored = Contracts::<Test>::get(contract).unwrap();
		assert_eq!(stored.positions.len(), 2);
		assert!(stored.started);
		assert!(matches!(
			hosting_events().last(),
			Some(Event::MatchingStarted { plan: 0, deadline: 11, .. })
		));
		assert!(with_world(|w| w
			.scheduled
			.iter()
			.any(|(_, at, job, _)| *at == 11 && *job == Job::MatchingDeadline(contract))));
	});
}

#[test]
fn a_quorum_of_equal_selections_books_the_providers() {
	new_test_ext(|| {
		let contract = started(2);
		let voters = round_attestors(contract);
		let pick = selection(&HOSTERS[..2], &ENCODERS[..2]);
		let other = selection(&HOSTERS[2..4], &ENCODERS[2..4]);
		assert_ok!(Hosting::submit_matching(
			RuntimeOrigin::signed(voters[0]),
			contract,
			pick.clone()
		));
		System::assert_last_event(
			Event::SelectionSubmitted { contract, attestor: voters[0], agreeing: 1 }.into(),
		);
		assert_ok!(Hosting::submit_matching(RuntimeOrigin::signed(voters[1]), contract, other));
		assert_eq!(booked(HOSTERS[0], Role::Hoster), 0, "no quorum yet");
		assert_ok!(Hosting::submit_matching(RuntimeOrigin::signed(voters[2]), contract, pick));
		let stored = Contracts::<Test>::get(contract).unwrap();
		assert_eq!(stored.status, ContractStatus::SettingUp);
		assert_eq!(stored.attestor, Some(voters[0]), "the first agreeing attestor sets up");
		assert!(Rounds::<Test>::get(contract).is_none());
		for who in &HOSTERS[..2] {
			assert_eq!(booked(*who, Role::Hoster), 1);
		}
		for who in &ENCODERS[..2] {
			assert_eq!(booked(*who, Role::Encoder), 1);
		}
		assert_eq!(booked(voters[0], Role::Attestor), 1);
		match hosting_events().last() {
			Some(Event::StartHosting { plan, contract: c, range, hosters, encoders, attestor }) => {
				assert_eq!((*plan, *c, *range, *attestor), (0, contract, RANGE, voters[0]));
				assert_eq!(hosters.to_vec(), HOSTERS[..2].to_vec());
				assert_eq!(encoders.to_vec(), ENCODERS[..2].to_vec());
			}
			other => panic!("expected StartHosting, got {other:?}"),
		}
		// The matching deadline was cancelled and a setup deadline scheduled.
		assert!(with_world(|w| w
			.scheduled
			.iter()
			.any(|(_, at, job, _)| *at == 21 && *job == Job::SetupDeadline(contract))));
		assert!(with_world(|w| !w.cancelled.is_empty()));
	});
}

#[test]
fn submissions_are_checked_against_the_chain() {
	new_test_ext(|| {
		let contract = started(2);
		let voter = round_attestors(contract)[0];
		let submit =
			|who, pick| Hosting::submit_matching(RuntimeOrigin::signed(who), contract, pick);
		assert_noop!(
			Hosting::submit_matching(RuntimeOrigin::signed(voter), 99, selection(&[], &[])),
			Error::<Test>::UnknownContract
		);
		assert_noop!(
			submit(SPONSOR, selection(&HOSTERS[..2], &ENCODERS[..2])),
			Error::<Test>::NotMatchingAttestor
		);
		assert_noop!(
			submit(voter, selection(&HOSTERS[..1], &ENCODERS[..2])),
			Error::<Test>::WrongSelectionSize
		);
		assert_noop!(
			submit(voter, selection(&HOSTERS[..5], &ENCODERS[..5])),
			Error::<Test>::WrongSelectionSize
		);
		assert_noop!(
			submit(voter, selection(&[ENCODERS[0], HOSTERS[1]], &ENCODERS[1..3])),
			Error::<Test>::HosterNotEligible
		);
		assert_noop!(
			submit(voter, selection(&HOSTERS[..2], &[HOSTERS[2], ENCODERS[1]])),
			Error::<Test>::EncoderNotEligible
		);
		assert_noop!(
			submit(voter, selection(&[HOSTERS[0], HOSTERS[0]], &ENCODERS[..2])),
			Error::<Test>::ProvidersNotDistinct
		);
		// The sponsor and the round's attestors may not be selected.
		add_provider(SPONSOR, Role::Hoster, "u33", 1);
		assert_noop!(
			submit(voter, selection(&[SPONSOR, HOSTERS[1]], &ENCODERS[..2])),
			Error::<Test>::ProvidersNotDistinct
		);
		add_provider(voter, Role::Hoster, "u33", 1);
		assert_noop!(
			submit(voter, selection(&[voter, HOSTERS[1]], &ENCODERS[..2])),
			Error::<Test>::ProvidersNotDistinct
		);
		// A hoster elsewhere does not serve u3.
		add_provider(40, Role::Hoster, "gc", 1);
		assert_noop!(
			submit(voter, selection(&[40, HOSTERS[1]], &ENCODERS[..2])),
			Error::<Test>::HosterNotEligible
		);
		// A full hoster, and a slow one, are refused.
		with_world(|w| w.providers.get_mut(&(HOSTERS[0], Role::Hoster)).unwrap().booked = 2);
		assert_noop!(
			submit(voter, selection(&HOSTERS[..2], &ENCODERS[..2])),
			Error::<Test>::NoFreeCapacity
		);
		let slow =
			Rating { benchmarks: 1, latency_ms: 500, bandwidth_kbps: 100, ..Default::default() };
		with_world(|w| w.ratings.insert((HOSTERS[2], region("u3")), slow));
		assert_noop!(
			submit(voter, selection(&HOSTERS[2..4], &ENCODERS[..2])),
			Error::<Test>::BelowMinimumPerformance
		);
		assert_ok!(submit(voter, selection(&HOSTERS[3..5], &ENCODERS[..2])));
		assert_noop!(
			submit(voter, selection(&HOSTERS[3..5], &ENCODERS[..2])),
			Error::<Test>::AlreadySubmitted
		);
		assert_noop!(
			Hosting::submit_matching(RuntimeOrigin::root(), contract, selection(&[], &[])),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn without_attestors_matching_backs_off_then_the_plan_ends_unmatchable() {
	new_test_ext(|| {
		with_world(|w| w.providers.retain(|(_, role), _| *role != Role::Attestor));
		let contract = started(2);
		assert!(Rounds::<Test>::get(contract).is_none());
		System::assert_last_event(
			Event::MatchingFailed { plan: 0, contract, attempts: 1, retry_at: Some(6) }.into(),
		);
		System::set_block_number(6);
		Hosting::run_job(Job::RetryMatching(contract));
		System::assert_last_event(
			Event::MatchingFailed { plan: 0, contract, attempts: 2, retry_at: Some(16) }.into(),
		);
		System::set_block_number(16);
		Hosting::run_job(Job::RetryMatching(contract));
		assert_eq!(with_world(|w| w.ended_plans.clone()), vec![(0, EndReason::Unmatchable)]);
		assert!(Contracts::<Test>::get(contract).is_none());
		assert!(hosting_events().contains(&Event::EndHosting {
			plan: 0,
			contract,
			reason: EndReason::Unmatchable
		}));
	});
}

#[test]
fn a_round_without_quorum_expires_and_is_retried() {
	new_test_ext(|| {
		let contract = started(2);
		let voter = round_attestors(contract)[0];
		assert_ok!(Hosting::submit_matching(
			RuntimeOrigin::signed(voter),
			contract,
			selection(&HOSTERS[..2], &ENCODERS[..2])
		));
		System::set_block_number(11);
		Hosting::run_job(Job::MatchingDeadline(contract));
		assert!(Rounds::<Test>::get(contract).is_none());
		System::assert_last_event(
			Event::MatchingFailed { plan: 0, contract, attempts: 1, retry_at: Some(16) }.into(),
		);
		System::set_block_number(16);
		Hosting::run_job(Job::RetryMatching(contract));
		assert!(Rounds::<Test>::get(contract).is_some(), "a new round was drawn");
		assert_noop!(
			Hosting::submit_matching(RuntimeOrigin::signed(voter), 7, selection(&[], &[])),
			Error::<Test>::UnknownContract
		);
	});
}

#[test]
fn a_good_setup_report_activates_the_contract() {
	new_test_ext(|| {
		let contract = active();
		let stored = Contracts::<Test>::get(contract).unwrap();
		assert_eq!(stored.status, ContractStatus::Active);
		assert!(stored
			.positions
			.iter()
			.all(|p| p.state == PositionState::Hosted && p.encoder.is_none()));
		assert_eq!(stored.attestor, None);
		System::assert_last_event(Event::HostingActive { plan: 0, contract }.into());
		assert_eq!(with_world(|w| w.activated.clone()), vec![contract]);
		// Encoders and the attestor are free again; hosters stay booked.
		assert_eq!(booked(ENCODERS[0], Role::Encoder), 0);
		assert!(ATTESTORS.iter().all(|a| booked(*a, Role::Attestor) == 0));
		assert_eq!(booked(HOSTERS[0], Role::Hoster), 1);
		assert_eq!(Hosting::hosted_positions(contract).len(), 2);
	});
}

#[test]
fn setup_reports_are_checked() {
	new_test_ext(|| {
		let (contract, attestor) = matched();
		let report = |results| SetupReport { contract, results };
		let send = |who, results| {
			Hosting::hosting_setup_report(RuntimeOrigin::signed(who), report(results))
		};
		assert_noop!(
			Hosting::hosting_setup_report(
				RuntimeOrigin::signed(attestor),
				SetupReport { contract: 9, results: vec![] }
			),
			Error::<Test>::UnknownContract
		);
		assert_noop!(
			send(HOSTERS[0], vec![ok(contract, HOSTERS[0]), ok(contract, HOSTERS[1])]),
			Error::<Test>::NotSetupAttestor
		);
		assert_noop!(send(attestor, vec![ok(contract, HOSTERS[0])]), Error::<Test>::MissingHoster);
		assert_noop!(
			send(attestor, vec![ok(contract, HOSTERS[0]), ok(contract, HOSTERS[2])]),
			Error::<Test>::UnexpectedHoster
		);
		assert_noop!(
			send(attestor, vec![ok(contract, HOSTERS[0]), ok(contract, HOSTERS[0])]),
			Error::<Test>::DuplicateHoster
		);
		assert_noop!(
			send(
				attestor,
				vec![ok(contract, HOSTERS[0]), ok(contract, HOSTERS[1]), failed(HOSTERS[2])]
			),
			Error::<Test>::UnexpectedHoster
		);
		let forged = HosterSetup {
			hoster: HOSTERS[1],
			signature: Some(setup_signature(contract, HOSTERS[0])),
		};
		assert_noop!(
			send(attestor, vec![ok(contract, HOSTERS[0]), forged]),
			Error::<Test>::BadHosterSignature
		);
		let wrong_contract = HosterSetup {
			hoster: HOSTERS[1],
			signature: Some(setup_signature(contract + 1, HOSTERS[1])),
		};
		assert_noop!(
			send(attestor, vec![ok(contract, HOSTERS[0]), wrong_contract]),
			Error::<Test>::BadHosterSignature
		);
		assert_noop!(
			Hosting::hosting_setup_report(RuntimeOrigin::none(), report(vec![])),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn a_failed_position_is_repaired_and_set_up_again() {
	new_test_ext(|| {
		let (contract, attestor) = matched();
		assert_ok!(Hosting::hosting_setup_report(
			RuntimeOrigin::signed(attestor),
			SetupReport { contract, results: vec![ok(contract, HOSTERS[0]), failed(HOSTERS[1])] }
		));
		let stored = Contracts::<Test>::get(contract).unwrap();
		assert_eq!(stored.status, ContractStatus::Repairing);
		assert_eq!(stored.attestor, Some(attestor), "the attestor checks the replacement");
		let replacement = stored.positions[1].hoster.unwrap();
		assert!(HOSTERS[2..].contains(&replacement));
		assert_eq!(booked(HOSTERS[1], Role::Hoster), 0);
		assert_eq!(booked(ENCODERS[1], Role::Encoder), 0);
		match hosting_events().last() {
			Some(Event::RepairHosting { repairs, attestor: a, .. }) => {
				assert_eq!(*a, Some(attestor));
				assert_eq!(
					repairs[0],
					Repair {
						position: 1,
						role: Role::Hoster,
						old: Some(HOSTERS[1]),
						new: Some(replacement)
					}
				);
				assert_eq!(repairs[1].role, Role::Encoder);
				assert_eq!(repairs[1].old, Some(ENCODERS[1]));
			}
			other => panic!("expected RepairHosting, got {other:?}"),
		}
		assert_ok!(Hosting::hosting_setup_report(
			RuntimeOrigin::signed(attestor),
			SetupReport { contract, results: vec![ok(contract, replacement)] }
		));
		assert_eq!(Contracts::<Test>::get(contract).unwrap().status, ContractStatus::Active);
		System::assert_last_event(Event::HostingActive { plan: 0, contract }.into());
	});
}

#[test]
fn a_missed_setup_deadline_repairs_positions_and_the_attestor() {
	new_test_ext(|| {
		let (contract, attestor) = matched();
		System::set_block_number(21);
		Hosting::run_job(Job::SetupDeadline(contract));
		let stored = Contracts::<Test>::get(contract).unwrap();
		assert_eq!(stored.status, ContractStatus::Repairing);
		assert!(stored.positions.iter().all(|p| p.state == PositionState::SettingUp));
		assert!(stored.positions.iter().all(|p| !HOSTERS[..2].contains(&p.hoster.unwrap())));
		let new_attestor = stored.attestor.unwrap();
		assert_ne!(new_attestor, attestor);
		assert_eq!(booked(attestor, Role::Attestor), 0);
		match hosting_events().last() {
			Some(Event::RepairHosting { repairs, .. }) => {
				let last = repairs.last().unwrap();
				assert_eq!(last.position, ATTESTOR_POSITION);
				assert_eq!((last.old, last.new), (Some(attestor), Some(new_attestor)));
			}
			other => panic!("expected RepairHosting, got {other:?}"),
		}
	});
}

#[test]
fn a_departing_hoster_is_replaced_and_its_challenges_dropped() {
	new_test_ext(|| {
		let contract = active();
		assert_ok!(Hosting::hand_over(&HOSTERS[0], Role::Hoster));
		assert_eq!(booked(HOSTERS[0], Role::Hoster), 0);
		assert!(!ProviderJobs::<Test>::contains_key((HOSTERS[0], Role::Hoster, contract)));
		assert_eq!(with_world(|w| w.removed.clone()), vec![(contract, HOSTERS[0])]);
		let stored = Contracts::<Test>::get(contract).unwrap();
		assert_eq!(stored.status, ContractStatus::Repairing);
		assert_eq!(stored.positions[0].state, PositionState::SettingUp);
		assert!(stored.attestor.is_some(), "a new setup attestor was drawn");
	});
}

#[test]
fn a_departing_setup_attestor_is_replaced() {
	new_test_ext(|| {
		let (contract, attestor) = matched();
		assert_ok!(Hosting::hand_over(&attestor, Role::Attestor));
		assert_eq!(booked(attestor, Role::Attestor), 0);
		let stored = Contracts::<Test>::get(contract).unwrap();
		assert!(stored.attestor.is_some_and(|a| a != attestor));
	});
}

#[test]
fn a_departing_encoder_is_replaced_without_touching_the_hoster() {
	new_test_ext(|| {
		let (contract, _) = matched();
		assert_ok!(Hosting::hand_over(&ENCODERS[0], Role::Encoder));
		let stored = Contracts::<Test>::get(contract).unwrap();
		assert_eq!(stored.positions[0].hoster, Some(HOSTERS[0]));
		let new_encoder = stored.positions[0].encoder.unwrap();
		assert!(ENCODERS[2..].contains(&new_encoder));
		assert_eq!(booked(ENCODERS[0], Role::Encoder), 0);
	});
}

#[test]
fn without_replacements_a_position_waits_then_the_contract_ends() {
	new_test_ext(|| {
		let contract = active();
		// Nobody else can host.
		with_world(|w| {
			w.providers.retain(|(who, role), _| *role != Role::Hoster || HOSTERS[..2].contains(who))
		});
		assert_ok!(Hosting::replace_hoster(contract, &HOSTERS[1]));
		let stored = Contracts::<Test>::get(contract).unwrap();
		assert_eq!(stored.positions[1].state, PositionState::Vacant);
		assert_eq!(stored.status, ContractStatus::Repairing);
		assert!(with_world(|w| w
			.scheduled
			.iter()
			.any(|(_, _, job, _)| *job == Job::RetryRepair(contract))));
		Hosting::run_job(Job::RetryRepair(contract));
		assert_eq!(Contracts::<Test>::get(contract).unwrap().attempts, 2);
		Hosting::run_job(Job::RetryRepair(contract));
		assert!(Contracts::<Test>::get(contract).is_none());
		assert!(hosting_events().contains(&Event::EndHosting {
			plan: 0,
			contract,
			reason: EndReason::Unrepairable
		}));
		assert_eq!(with_world(|w| w.ended_plans.clone()), vec![(0, EndReason::Unrepairable)]);
		assert_eq!(booked(HOSTERS[0], Role::Hoster), 0);
	});
}

#[test]
fn pause_and_resume_stop_and_restart_an_active_contract() {
	new_test_ext(|| {
		let contract = active();
		with_world(|w| w.plans.get_mut(&0).unwrap().paused = true);
		Hosting::pause(0);
		assert_eq!(Contracts::<Test>::get(contract).unwrap().status, ContractStatus::Paused);
		assert_eq!(with_world(|w| w.stopped.clone()), vec![contract]);
		with_world(|w| w.plans.get_mut(&0).unwrap().paused = false);
		Hosting::resume(0);
		assert_eq!(Contracts::<Test>::get(contract).unwrap().status, ContractStatus::Active);
		assert_eq!(with_world(|w| w.activated.clone()), vec![contract, contract]);
	});
}

#[test]
fn pausing_drops_a_matching_round_and_resuming_retries_it() {
	new_test_ext(|| {
		let contract = started(2);
		with_world(|w| w.plans.get_mut(&0).unwrap().paused = true);
		Hosting::pause(0);
		assert!(Rounds::<Test>::get(contract).is_none());
		assert!(Contracts::<Test>::get(contract).unwrap().pending_job.is_none());
		with_world(|w| w.plans.get_mut(&0).unwrap().paused = false);
		Hosting::resume(0);
		assert!(with_world(|w| w
			.scheduled
			.iter()
			.any(|(_, _, job, _)| *job == Job::RetryMatching(contract))));
	});
}

#[test]
fn closing_a_plan_ends_its_contracts_and_releases_everyone() {
	new_test_ext(|| {
		let (contract, attestor) = matched();
		Hosting::close(0, EndReason::Unsubscribed);
		assert!(Contracts::<Test>::get(contract).is_none());
		System::assert_last_event(
			Event::EndHosting { plan: 0, contract, reason: EndReason::Unsubscribed }.into(),
		);
		for who in HOSTERS {
			assert_eq!(booked(who, Role::Hoster), 0);
		}
		assert_eq!(booked(ENCODERS[0], Role::Encoder), 0);
		assert_eq!(booked(attestor, Role::Attestor), 0);
		assert_eq!(ProviderJobs::<Test>::iter().count(), 0);
		assert!(!Hosting::job_is_live(&Job::SetupDeadline(contract)));
		assert!(with_world(|w| w.stopped.contains(&contract)));
	});
}

#[test]
fn try_state_catches_a_double_booked_hoster() {
	new_test_ext(|| {
		let contract = active();
		Contracts::<Test>::mutate(contract, |c| {
			let c = c.as_mut().unwrap();
			c.positions[1].hoster = Some(HOSTERS[0]);
		});
		assert!(Hosting::do_try_state().is_err());
		Contracts::<Test>::mutate(contract, |c| {
			let c = c.as_mut().unwrap();
			c.positions[1].hoster = Some(HOSTERS[1]);
		});
	});
}
