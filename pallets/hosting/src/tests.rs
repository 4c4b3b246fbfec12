//! Unit tests of matching, setup, repair and the end of contracts.

use crate::{
	mock::*, Contracts, CopyConfirmation, Error, Event, HosterSetup, PositionState, ProviderJobs,
	Repair, Rounds, SelectionInput, SetupReport, SponsorStrikes, ATTESTOR_POSITION,
};
use datdot_primitives::{
	testing::{doubles, region, signer},
	ChunkRange, ContractDirectory, ContractManager, ContractStatus, EndReason, HostingJob, Job,
	JobHandler, Rating, Role,
};
use frame_support::{assert_noop, assert_ok};
use sp_core::{Pair, H256};
use sp_runtime::DispatchError;

/// Runs a hosting job as the scheduler would: it is no longer pending, and it must succeed.
fn run(job: HostingJob) {
	let job = Job::Hosting(job);
	doubles(|d| d.take_job(&job));
	assert_ok!(Hosting::execute(&job).expect("a hosting job"));
}

/// Whether `job` is pending in the scheduler.
fn pending(job: HostingJob) -> bool {
	doubles(|d| d.pending_jobs().iter().any(|(_, _, j, _)| *j == Job::Hosting(job)))
}

/// When `job` is pending, at which block.
fn pending_at(job: HostingJob) -> Option<u64> {
	doubles(|d| {
		d.pending_jobs().into_iter().find(|(_, _, j, _)| *j == Job::Hosting(job)).map(|p| p.1)
	})
}

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
	assert_ok!(Hosting::start(0));
	ids[0]
}

fn round_attestors(contract: u64) -> Vec<AccountId> {
	Rounds::<Test>::get(contract).unwrap().attestors.into_inner()
}

fn selection(hosters: &[AccountId], encoders: &[AccountId]) -> SelectionInput<AccountId> {
	SelectionInput { hosters: hosters.to_vec(), encoders: encoders.to_vec() }
}

/// The rule's selection for `contract` now, as a submission.
fn rule(contract: u64) -> SelectionInput<AccountId> {
	let rule = Hosting::rule_selection(contract).expect("the rule finds a selection");
	SelectionInput { hosters: rule.hosters.into_inner(), encoders: rule.encoders.into_inner() }
}

/// Runs `f` while only `hosters` and `encoders` (and every attestor) have room; the others'
/// bookings are restored afterwards.
fn with_only_free<R>(hosters: &[AccountId], encoders: &[AccountId], f: impl FnOnce() -> R) -> R {
	let free = |who: &AccountId, role: &Role| match role {
		Role::Hoster => hosters.contains(who),
		Role::Encoder => encoders.contains(who),
		Role::Attestor => true,
	};
	let saved: Vec<((AccountId, Role), u32)> = with_world(|w| {
		w.providers
			.iter_mut()
			.filter(|((who, role), _)| !free(who, role))
			.map(|(key, p)| {
				let booked = p.booked;
				p.booked = p.capacity;
				(*key, booked)
			})
			.collect()
	});
	let result = f();
	with_world(|w| {
		for (key, booked) in saved {
			if let Some(p) = w.providers.get_mut(&key) {
				p.booked = booked;
			}
		}
	});
	result
}

/// Runs matching to a quorum of the rule's selection while only hosters 10, 11 and encoders
/// 20, 21 have room, so the contract's positions are held by them (in the rule's order).
fn matched() -> (u64, AccountId) {
	let contract = started(2);
	let voters = round_attestors(contract);
	with_only_free(&HOSTERS[..2], &ENCODERS[..2], || {
		let pick = rule(contract);
		for voter in &voters[..2] {
			assert_ok!(Hosting::submit_matching(
				RuntimeOrigin::signed(*voter),
				contract,
				pick.clone()
			));
		}
	});
	(contract, voters[0])
}

/// The hosters of a two-position contract, by position.
fn hosters_of(contract: u64) -> [AccountId; 2] {
	let stored = Contracts::<Test>::get(contract).unwrap();
	[0, 1].map(|i| stored.positions[i].hoster.expect("a hoster"))
}

/// The encoders of a two-position contract being set up, by position.
fn encoders_of(contract: u64) -> [AccountId; 2] {
	let stored = Contracts::<Test>::get(contract).unwrap();
	[0, 1].map(|i| stored.positions[i].encoder.expect("an encoder"))
}

/// The commitment `hoster` reports for its copy in the tests.
fn commitment_of(hoster: AccountId) -> H256 {
	H256::repeat_byte(hoster as u8)
}

fn setup_signature(contract: u64, hoster: AccountId) -> [u8; 64] {
	let message =
		Hosting::setup_message(contract, &hoster, FEED_KEY, RANGE, &commitment_of(hoster));
	signer(hoster).sign(&message).0
}

fn confirmed(hoster: AccountId, signature: [u8; 64]) -> HosterSetup<AccountId> {
	HosterSetup {
		hoster,
		copy: Some(CopyConfirmation { commitment: commitment_of(hoster), signature }),
	}
}

fn ok(contract: u64, hoster: AccountId) -> HosterSetup<AccountId> {
	confirmed(hoster, setup_signature(contract, hoster))
}

fn failed(hoster: AccountId) -> HosterSetup<AccountId> {
	HosterSetup { hoster, copy: None }
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
		assert!(matches!(
			hosting_events().last(),
			Some(Event::MatchingStarted { plan: 0, deadline: 11, .. })
		));
		assert_eq!(pending_at(HostingJob::MatchingDeadline(contract)), Some(11));
	});
}

#[test]
fn a_quorum_of_the_rules_selection_books_the_providers() {
	new_test_ext(|| {
		let contract = started(2);
		let voters = round_attestors(contract);
		let pick = rule(contract);
		let other = selection(&[pick.hosters[1], pick.hosters[0]], &pick.encoders);
		assert_ok!(Hosting::submit_matching(
			RuntimeOrigin::signed(voters[0]),
			contract,
			pick.clone()
		));
		System::assert_last_event(
			Event::SelectionSubmitted { contract, attestor: voters[0], agreeing: 1 }.into(),
		);
		// Another selection cannot form a quorum, even from every other attestor.
		for voter in &voters[1..] {
			assert_noop!(
				Hosting::submit_matching(RuntimeOrigin::signed(*voter), contract, other.clone()),
				Error::<Test>::NotRuleSelection
			);
		}
		assert_eq!(booked(pick.hosters[0], Role::Hoster), 0, "no quorum yet");
		assert_ok!(Hosting::submit_matching(
			RuntimeOrigin::signed(voters[2]),
			contract,
			pick.clone()
		));
		let stored = Contracts::<Test>::get(contract).unwrap();
		assert_eq!(stored.status, ContractStatus::SettingUp);
		assert_eq!(stored.attestor, Some(voters[0]), "the first agreeing attestor sets up");
		assert!(Rounds::<Test>::get(contract).is_none());
		for who in &pick.hosters {
			assert_eq!(booked(*who, Role::Hoster), 1);
		}
		for who in &pick.encoders {
			assert_eq!(booked(*who, Role::Encoder), 1);
		}
		assert_eq!(booked(voters[0], Role::Attestor), 1);
		match hosting_events().last() {
			Some(Event::StartHosting { plan, contract: c, range, hosters, encoders, attestor }) => {
				assert_eq!((*plan, *c, *range, *attestor), (0, contract, RANGE, voters[0]));
				assert_eq!(hosters.to_vec(), pick.hosters);
				assert_eq!(encoders.to_vec(), pick.encoders);
			}
			other => panic!("expected StartHosting, got {other:?}"),
		}
		// The matching deadline was cancelled and a setup deadline scheduled.
		assert_eq!(pending_at(HostingJob::SetupDeadline(contract)), Some(21));
		assert!(!pending(HostingJob::MatchingDeadline(contract)));
	});
}

#[test]
fn votes_cast_before_the_state_moved_are_dropped_and_the_rules_new_selection_agrees() {
	new_test_ext(|| {
		let contract = started(2);
		let voters = round_attestors(contract);
		let before = rule(contract);
		assert_ok!(Hosting::submit_matching(
			RuntimeOrigin::signed(voters[0]),
			contract,
			before.clone()
		));
		// The first chosen hoster fills up (another contract booked it).
		with_world(|w| {
			let p = w.providers.get_mut(&(before.hosters[0], Role::Hoster)).unwrap();
			p.booked = p.capacity;
		});
		let after = rule(contract);
		assert_ne!(after, before);
		assert_noop!(
			Hosting::submit_matching(RuntimeOrigin::signed(voters[1]), contract, before),
			Error::<Test>::NoFreeCapacity
		);
		assert_ok!(Hosting::submit_matching(
			RuntimeOrigin::signed(voters[1]),
			contract,
			after.clone()
		));
		let round = Rounds::<Test>::get(contract).unwrap();
		assert_eq!(round.votes.len(), 1, "the stale vote is dropped");
		assert_eq!(round.votes[0].0, voters[1]);
		// ...so its attestor votes again, and the new selection has its quorum.
		assert_ok!(Hosting::submit_matching(RuntimeOrigin::signed(voters[0]), contract, after));
		assert!(Rounds::<Test>::get(contract).is_none());
		assert_eq!(Contracts::<Test>::get(contract).unwrap().status, ContractStatus::SettingUp);
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
			Rating { measured_by: 1, latency_ms: 500, bandwidth_kbps: 100, ..Default::default() };
		doubles(|d| d.ratings.insert((HOSTERS[2], region("u3")), slow));
		assert_noop!(
			submit(voter, selection(&HOSTERS[2..4], &ENCODERS[..2])),
			Error::<Test>::BelowMinimumPerformance
		);
		// An eligible selection that is not the rule's is refused.
		let pick = rule(contract);
		assert!(!pick.hosters.contains(&HOSTERS[0]) && !pick.hosters.contains(&HOSTERS[2]));
		let swapped = selection(&[pick.hosters[1], pick.hosters[0]], &pick.encoders);
		assert_noop!(submit(voter, swapped), Error::<Test>::NotRuleSelection);
		assert_ok!(submit(voter, pick.clone()));
		assert_noop!(submit(voter, pick), Error::<Test>::AlreadySubmitted);
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
		set_block(6);
		run(HostingJob::RetryMatching(contract));
		System::assert_last_event(
			Event::MatchingFailed { plan: 0, contract, attempts: 2, retry_at: Some(16) }.into(),
		);
		set_block(16);
		run(HostingJob::RetryMatching(contract));
		assert_eq!(doubles(|d| d.ended_plans.clone()), vec![(0, EndReason::Unmatchable)]);
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
			rule(contract)
		));
		set_block(11);
		run(HostingJob::MatchingDeadline(contract));
		assert!(Rounds::<Test>::get(contract).is_none());
		System::assert_last_event(
			Event::MatchingFailed { plan: 0, contract, attempts: 1, retry_at: Some(16) }.into(),
		);
		set_block(16);
		run(HostingJob::RetryMatching(contract));
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
		// Each position keeps the commitment its hoster signed, and the proofs pallet sees it
		// with the hoster's own copy key.
		let hosted = Hosting::hosted_positions(contract);
		assert_eq!(hosted.len(), 2);
		for (position, seen) in stored.positions.iter().zip(&hosted) {
			let hoster = position.hoster.unwrap();
			assert_eq!(position.commitment, Some(commitment_of(hoster)));
			assert_eq!(seen.hoster, hoster);
			assert_eq!(seen.copy.commitment, commitment_of(hoster));
			assert_eq!(seen.copy.key, Hosting::copy_key(contract, &hoster, &position.seed));
		}
		assert_ne!(stored.positions[0].seed, stored.positions[1].seed);
		assert_ne!(hosted[0].copy.key, hosted[1].copy.key);
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
		let forged = confirmed(HOSTERS[1], setup_signature(contract, HOSTERS[0]));
		assert_noop!(
			send(attestor, vec![ok(contract, HOSTERS[0]), forged]),
			Error::<Test>::BadHosterSignature
		);
		let wrong_contract = confirmed(HOSTERS[1], setup_signature(contract + 1, HOSTERS[1]));
		assert_noop!(
			send(attestor, vec![ok(contract, HOSTERS[0]), wrong_contract]),
			Error::<Test>::BadHosterSignature
		);
		// The attestor cannot record another commitment than the one the hoster signed.
		let mut swapped = ok(contract, HOSTERS[1]);
		if let Some(copy) = swapped.copy.as_mut() {
			copy.commitment = H256::repeat_byte(0xee);
		}
		assert_noop!(
			send(attestor, vec![ok(contract, HOSTERS[0]), swapped]),
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
		let ([h0, h1], [_, e1]) = (hosters_of(contract), encoders_of(contract));
		assert_ok!(Hosting::hosting_setup_report(
			RuntimeOrigin::signed(attestor),
			SetupReport { contract, results: vec![ok(contract, h0), failed(h1)] }
		));
		let stored = Contracts::<Test>::get(contract).unwrap();
		assert_eq!(stored.status, ContractStatus::Repairing);
		assert_eq!(stored.attestor, Some(attestor), "the attestor checks the replacement");
		let replacement = stored.positions[1].hoster.unwrap();
		assert!(HOSTERS[2..].contains(&replacement));
		assert_eq!(booked(h1, Role::Hoster), 0);
		assert_eq!(booked(e1, Role::Encoder), 0);
		match hosting_events().last() {
			Some(Event::RepairHosting { repairs, attestor: a, .. }) => {
				assert_eq!(*a, Some(attestor));
				assert_eq!(
					repairs[0],
					Repair {
						position: 1,
						role: Role::Hoster,
						previous: Some(h1),
						replacement: Some(replacement)
					}
				);
				assert_eq!(repairs[1].role, Role::Encoder);
				assert_eq!(repairs[1].previous, Some(e1));
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
		set_block(21);
		run(HostingJob::SetupDeadline(contract));
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
				assert_eq!((last.previous, last.replacement), (Some(attestor), Some(new_attestor)));
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
		let ([h0, _], [e0, _]) = (hosters_of(contract), encoders_of(contract));
		assert_ok!(Hosting::hand_over(&e0, Role::Encoder));
		let stored = Contracts::<Test>::get(contract).unwrap();
		assert_eq!(stored.positions[0].hoster, Some(h0));
		let new_encoder = stored.positions[0].encoder.unwrap();
		assert!(ENCODERS[2..].contains(&new_encoder));
		assert_eq!(booked(e0, Role::Encoder), 0);
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
		assert!(pending(HostingJob::RetryRepair(contract)));
		run(HostingJob::RetryRepair(contract));
		assert_eq!(Contracts::<Test>::get(contract).unwrap().attempts, 2);
		for tries in 3..=MaxRepairAttempts::get() {
			run(HostingJob::RetryRepair(contract));
			assert_eq!(Contracts::<Test>::get(contract).unwrap().attempts, tries);
		}
		run(HostingJob::RetryRepair(contract));
		assert!(Contracts::<Test>::get(contract).is_none());
		assert!(hosting_events().contains(&Event::EndHosting {
			plan: 0,
			contract,
			reason: EndReason::Unrepairable
		}));
		assert_eq!(doubles(|d| d.ended_plans.clone()), vec![(0, EndReason::Unrepairable)]);
		assert_eq!(booked(HOSTERS[0], Role::Hoster), 0);
	});
}

#[test]
fn pause_and_resume_stop_and_restart_an_active_contract() {
	new_test_ext(|| {
		let contract = active();
		doubles(|d| d.plans.get_mut(&0).unwrap().paused = true);
		assert_ok!(Hosting::pause(0));
		assert_eq!(Contracts::<Test>::get(contract).unwrap().status, ContractStatus::Paused);
		assert_eq!(with_world(|w| w.stopped.clone()), vec![contract]);
		doubles(|d| d.plans.get_mut(&0).unwrap().paused = false);
		assert_ok!(Hosting::resume(0, true));
		assert_eq!(Contracts::<Test>::get(contract).unwrap().status, ContractStatus::Active);
		assert_eq!(with_world(|w| w.activated.clone()), vec![contract, contract]);
	});
}

#[test]
fn pausing_abandons_a_matching_round_as_a_failed_try_and_resuming_retries_after_backoff() {
	new_test_ext(|| {
		let contract = started(2);
		doubles(|d| d.plans.get_mut(&0).unwrap().paused = true);
		assert_ok!(Hosting::pause(0));
		assert!(Rounds::<Test>::get(contract).is_none());
		let stored = Contracts::<Test>::get(contract).unwrap();
		assert_eq!((stored.pending_job, stored.attempts), (None, 1));
		System::assert_last_event(
			Event::MatchingAbandoned { plan: 0, contract, attempts: 1 }.into(),
		);
		doubles(|d| d.plans.get_mut(&0).unwrap().paused = false);
		assert_ok!(Hosting::resume(0, true));
		assert_eq!(pending_at(HostingJob::RetryMatching(contract)), Some(1 + 5));
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
		let deadline = Job::Hosting(HostingJob::SetupDeadline(contract));
		assert_eq!(Hosting::is_live(&deadline), Some(false));
		assert!(with_world(|w| w.ended.contains(&contract)));
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

fn storage_root() -> Vec<u8> {
	sp_io::storage::root(sp_runtime::StateVersion::V1)
}

fn pause_plan() {
	doubles(|d| d.plans.get_mut(&0).unwrap().paused = true);
	assert_ok!(Hosting::pause(0));
}

fn resume_plan() {
	doubles(|d| d.plans.get_mut(&0).unwrap().paused = false);
	assert_ok!(Hosting::resume(0, true));
}

#[test]
fn a_sponsor_cannot_grind_attestor_draws_by_pausing() {
	new_test_ext(|| {
		let contract = started(2);
		let mut draws = 1;
		// Each pause during matching is a failed try; each resume waits the doubled backoff.
		for attempt in 1..MaxMatchingAttempts::get() {
			pause_plan();
			assert_eq!(Contracts::<Test>::get(contract).unwrap().attempts, attempt);
			assert_eq!(SponsorStrikes::<Test>::get(SPONSOR).unwrap().count, attempt);
			resume_plan();
			let retry_at = pending_at(HostingJob::RetryMatching(contract)).unwrap();
			assert_eq!(retry_at, System::block_number() + 5 * (1 << (attempt - 1)));
			// Running the retry early (as a stale job would) does not draw before the wait.
			set_block(retry_at);
			run(HostingJob::RetryMatching(contract));
			assert!(Rounds::<Test>::get(contract).is_some());
			draws += 1;
		}
		assert_eq!(draws, MaxMatchingAttempts::get());
		// The last allowed pause uses up the tries: the next retry ends the plan.
		pause_plan();
		resume_plan();
		let retry_at = pending_at(HostingJob::RetryMatching(contract)).unwrap();
		set_block(retry_at);
		run(HostingJob::RetryMatching(contract));
		assert_eq!(doubles(|d| d.ended_plans.clone()), vec![(0, EndReason::Unmatchable)]);
		assert!(Contracts::<Test>::get(contract).is_none());
	});
}

#[test]
fn strikes_hold_back_every_plan_of_the_sponsor_until_a_matching_succeeds() {
	new_test_ext(|| {
		let contract = started(2);
		// Unsubscribing while attestors are drawn is a strike too.
		Hosting::close(0, EndReason::Unsubscribed);
		assert_eq!(SponsorStrikes::<Test>::get(SPONSOR).unwrap().count, 1);
		assert!(Contracts::<Test>::get(contract).is_none());
		// A new plan of the same sponsor does not draw before the backoff has passed.
		add_plan(1, 2);
		let next = Hosting::open(1, &[RANGE]).unwrap()[0];
		assert_ok!(Hosting::start(1));
		assert!(Rounds::<Test>::get(next).is_none());
		assert_eq!(pending_at(HostingJob::RetryMatching(next)), Some(1 + 5));
		assert_eq!(Contracts::<Test>::get(next).unwrap().attempts, 0, "waiting is not a try");
		set_block(6);
		run(HostingJob::RetryMatching(next));
		let voters = Rounds::<Test>::get(next).unwrap().attestors;
		let pick = rule(next);
		assert_ok!(Hosting::submit_matching(RuntimeOrigin::signed(voters[0]), next, pick.clone()));
		assert_ok!(Hosting::submit_matching(RuntimeOrigin::signed(voters[1]), next, pick));
		assert!(SponsorStrikes::<Test>::get(SPONSOR).is_none(), "a success clears the strikes");
	});
}

#[test]
fn a_setup_attestor_cannot_veto_forever() {
	new_test_ext(|| {
		let (contract, attestor) = matched();
		let reject = |who: AccountId, hoster: AccountId, keep: AccountId| {
			let results = vec![failed(hoster), ok(contract, keep)];
			Hosting::hosting_setup_report(
				RuntimeOrigin::signed(who),
				SetupReport { contract, results },
			)
		};
		// First rejection: counted, the position repaired, the attestor kept.
		assert_ok!(reject(attestor, HOSTERS[1], HOSTERS[0]));
		let stored = Contracts::<Test>::get(contract).unwrap();
		assert_eq!((stored.attempts, stored.rejections), (1, 1));
		assert_eq!(stored.attestor, Some(attestor));
		// Second rejection: the attestor is replaced itself.
		let second = stored.positions[1].hoster.unwrap();
		let results = vec![failed(second)];
		assert_ok!(Hosting::hosting_setup_report(
			RuntimeOrigin::signed(attestor),
			SetupReport { contract, results }
		));
		let stored = Contracts::<Test>::get(contract).unwrap();
		assert_eq!(stored.attempts, 2);
		let successor = stored.attestor.unwrap();
		assert_ne!(successor, attestor);
		assert_eq!(stored.rejections, 0);
		assert_eq!(booked(attestor, Role::Attestor), 0);
		// Rejections keep counting toward MaxRepairAttempts: the contract ends rather than
		// waiting forever.
		let mut reporter = successor;
		while Contracts::<Test>::get(contract).is_some() {
			let stored = Contracts::<Test>::get(contract).unwrap();
			let pending = stored.positions[1].hoster.unwrap();
			reporter = stored.attestor.unwrap_or(reporter);
			assert_ok!(Hosting::hosting_setup_report(
				RuntimeOrigin::signed(reporter),
				SetupReport { contract, results: vec![failed(pending)] }
			));
		}
		assert!(hosting_events().contains(&Event::EndHosting {
			plan: 0,
			contract,
			reason: EndReason::Unrepairable
		}));
		assert_eq!(ProviderJobs::<Test>::iter().count(), 0, "everyone released");
	});
}

#[test]
fn unreliable_hosters_are_neither_selected_nor_drawn() {
	new_test_ext(|| {
		doubles(|d| d.min_reliability = sp_runtime::Permill::from_percent(80));
		// HOSTERS[2] failed half its challenges seen from u3; it is fast, but unreliable.
		let flaky = Rating { challenges_issued: 10, challenges_passed: 5, ..Default::default() };
		doubles(|d| d.ratings.insert((HOSTERS[2], region("u3")), flaky));
		let contract = started(2);
		let voter = round_attestors(contract)[0];
		assert_noop!(
			Hosting::submit_matching(
				RuntimeOrigin::signed(voter),
				contract,
				selection(&HOSTERS[1..3], &ENCODERS[..2])
			),
			Error::<Test>::BelowMinimumPerformance
		);
		let contract = {
			let voters = round_attestors(contract);
			let pick = rule(contract);
			assert!(!pick.hosters.contains(&HOSTERS[2]), "the rule skips the unreliable");
			for voter in &voters[..2] {
				assert_ok!(Hosting::submit_matching(
					RuntimeOrigin::signed(*voter),
					contract,
					pick.clone()
				));
			}
			contract
		};
		// Replacements skip it too: only HOSTERS[3] and [4] can take position 1.
		for _ in 0..5 {
			let hoster = Contracts::<Test>::get(contract).unwrap().positions[1].hoster.unwrap();
			assert_ok!(Hosting::hand_over(&hoster, Role::Hoster));
			let replacement = Contracts::<Test>::get(contract).unwrap().positions[1].hoster;
			assert_ne!(replacement, Some(HOSTERS[2]));
			if replacement.is_none() {
				break;
			}
		}
	});
}

#[test]
fn a_failed_job_or_call_leaves_no_partial_state() {
	new_test_ext(|| {
		let (contract, attestor) = matched();
		// The checks of the contract cannot be scheduled: the report that would activate it
		// fails as a whole.
		with_world(|w| w.refuse_activation = true);
		let results = vec![ok(contract, HOSTERS[0]), ok(contract, HOSTERS[1])];
		let call = RuntimeCall::Hosting(crate::Call::hosting_setup_report {
			report: SetupReport { contract, results },
		});
		// The doubles live outside storage: what the failed call cancelled is put back, as the
		// real scheduler's storage would be.
		let pending = doubles(|d| d.pending.clone());
		let before = storage_root();
		let outcome =
			sp_runtime::traits::Dispatchable::dispatch(call, RuntimeOrigin::signed(attestor));
		assert_eq!(
			outcome.map_err(|e| e.error),
			Err(DispatchError::Other("checks cannot be scheduled"))
		);
		assert_eq!(storage_root(), before);
		doubles(|d| d.pending = pending.clone());
		// A job that cannot schedule its follow-up is undone whole by the scheduler's layer.
		doubles(|d| d.refuse_scheduling = Some("calendar full"));
		set_block(21);
		let job = Job::Hosting(HostingJob::SetupDeadline(contract));
		let before = storage_root();
		let outcome =
			frame_support::storage::with_storage_layer(|| Hosting::execute(&job).unwrap());
		assert!(outcome.is_err());
		assert_eq!(storage_root(), before);
		doubles(|d| {
			d.refuse_scheduling = None;
			d.pending = pending;
		});
		with_world(|w| w.refuse_activation = false);
	});
}

#[test]
fn an_abandoned_job_ends_its_contract_cleanly() {
	new_test_ext(|| {
		let (contract, _) = matched();
		let job = Job::Hosting(HostingJob::SetupDeadline(contract));
		doubles(|d| d.take_job(&job));
		assert!(Hosting::abandon(&job).is_some());
		assert!(Contracts::<Test>::get(contract).is_none());
		assert_eq!(ProviderJobs::<Test>::iter().count(), 0);
		assert!(hosting_events().contains(&Event::EndHosting {
			plan: 0,
			contract,
			reason: EndReason::Stalled
		}));
		assert_eq!(doubles(|d| d.ended_plans.clone()), vec![(0, EndReason::Stalled)]);
	});
}

#[test]
fn only_the_specs_status_moves_are_allowed() {
	new_test_ext(|| {
		let contract = active();
		let mut stored = Contracts::<Test>::get(contract).unwrap();
		for backwards in [ContractStatus::Matching, ContractStatus::SettingUp] {
			assert!(matches!(
				Hosting::set_status(&mut stored, backwards),
				Err(Error::<Test>::InvalidTransition)
			));
			assert_eq!(stored.status, ContractStatus::Active, "unchanged");
		}
		assert_ok!(Hosting::set_status(&mut stored, ContractStatus::Paused));
		assert_ok!(Hosting::set_status(&mut stored, ContractStatus::Repairing));
		assert_ok!(Hosting::set_status(&mut stored, ContractStatus::Active));
	});
}

#[test]
fn try_state_catches_a_waiting_contract_without_its_job() {
	new_test_ext(|| {
		let (contract, _) = matched();
		let deadline = Job::Hosting(HostingJob::SetupDeadline(contract));
		doubles(|d| d.take_job(&deadline));
		assert!(Hosting::do_try_state().is_err());
		doubles(|d| {
			let id = d.scheduled.iter().find(|(_, _, j, _)| *j == deadline).unwrap().0;
			d.pending.insert(id);
		});
	});
}

// --- The matching rule (docs/MATCHING.md) ---

/// Gives the open round of `contract` the seed `n`.
fn reseed(contract: u64, n: u8) {
	Rounds::<Test>::mutate(contract, |round| {
		if let Some(round) = round {
			round.seed = sp_core::H256::repeat_byte(n);
		}
	});
}

#[test]
fn the_rule_takes_each_position_s_first_eligible_probe() {
	use datdot_primitives::ProviderRegistry;
	new_test_ext(|| {
		let contract = started(2);
		let round = Rounds::<Test>::get(contract).unwrap();
		let rule = Hosting::rule_selection(contract).unwrap();
		let u3 = region("u3");
		let mut taken: Vec<AccountId> = round.attestors.to_vec();
		taken.push(SPONSOR);
		for (role, chosen) in [(Role::Hoster, &rule.hosters), (Role::Encoder, &rule.encoders)] {
			for (position, who) in chosen.iter().enumerate() {
				let size = MockProviders::pool_size(role, &u3);
				// Replay the probes: everyone visited before the chosen one was taken already.
				let visited: Vec<AccountId> = (0..16)
					.map(|probe| {
						Hosting::rule_probe(&round.seed, role, position as u32, probe, size)
					})
					.map(|index| MockProviders::pool_member(role, &u3, index).unwrap())
					.take_while(|candidate| candidate != who)
					.collect();
				assert!(visited.len() < 16, "{who} was visited");
				assert!(visited.iter().all(|v| taken.contains(v)), "{visited:?} were eligible");
				taken.push(*who);
			}
		}
		// Computing it again gives the same.
		assert_eq!(Hosting::rule_selection(contract).unwrap(), rule);
	});
}

#[test]
fn the_rule_skips_full_unqualified_and_taken_candidates_and_follows_the_seed() {
	new_test_ext(|| {
		doubles(|d| d.min_reliability = sp_runtime::Permill::from_percent(80));
		let flaky = Rating { challenges_issued: 10, challenges_passed: 5, ..Default::default() };
		doubles(|d| d.ratings.insert((HOSTERS[2], region("u3")), flaky));
		with_world(|w| w.providers.get_mut(&(HOSTERS[0], Role::Hoster)).unwrap().booked = 2);
		with_world(|w| w.providers.get_mut(&(ENCODERS[4], Role::Encoder)).unwrap().booked = 2);
		let contract = started(2);
		let attestors = round_attestors(contract);
		let mut seen = std::collections::BTreeSet::new();
		for n in 0..40u8 {
			reseed(contract, n);
			let rule = Hosting::rule_selection(contract).unwrap();
			let everyone: Vec<AccountId> =
				rule.hosters.iter().chain(rule.encoders.iter()).copied().collect();
			assert!(!everyone.contains(&HOSTERS[0]) && !everyone.contains(&ENCODERS[4]), "full");
			assert!(!rule.hosters.contains(&HOSTERS[2]), "unreliable");
			assert!(everyone.iter().all(|who| !attestors.contains(who) && *who != SPONSOR));
			let mut distinct = everyone.clone();
			distinct.sort();
			distinct.dedup();
			assert_eq!(distinct.len(), 4);
			seen.insert(everyone);
		}
		assert!(seen.len() > 5, "the seed decides: {} selections from 40 seeds", seen.len());
	});
}

#[test]
fn the_rule_picks_each_position_in_its_own_region() {
	new_test_ext(|| {
		for who in [40, 41] {
			add_provider(who, Role::Hoster, "gcpv", 2);
			add_provider(who + 10, Role::Encoder, "gcpv", 2);
			add_provider(who + 20, Role::Attestor, "gcpv", 2);
		}
		add_plan(0, 2);
		doubles(|d| d.plans.get_mut(&0).unwrap().regions = vec![region("u3"), region("gcp")]);
		let contract = Hosting::open(0, &[RANGE]).unwrap()[0];
		assert_ok!(Hosting::start(0));
		for n in 0..20u8 {
			reseed(contract, n);
			let rule = Hosting::rule_selection(contract).unwrap();
			assert!(HOSTERS.contains(&rule.hosters[0]) && ENCODERS.contains(&rule.encoders[0]));
			assert!([40, 41].contains(&rule.hosters[1]) && [50, 51].contains(&rule.encoders[1]));
		}
	});
}

#[test]
fn without_an_eligible_candidate_the_rule_has_no_selection() {
	new_test_ext(|| {
		let contract = started(2);
		for who in HOSTERS {
			with_world(|w| w.providers.get_mut(&(who, Role::Hoster)).unwrap().booked = 2);
		}
		let error = |id| Hosting::rule_selection(id).map(|_| ()).map_err(DispatchError::from);
		assert_eq!(error(contract), Err(Error::<Test>::NoRuleCandidate.into()));
		assert_eq!(error(99), Err(Error::<Test>::UnknownContract.into()));
	});
}

#[test]
fn a_rule_probe_is_the_documented_hash() {
	// docs/MATCHING.md: "datdot/match" ‖ seed ‖ role ‖ u32 i ‖ u32 k, first 8 bytes LE, mod n.
	let seed = sp_core::H256::repeat_byte(9);
	let mut preimage = b"datdot/match".to_vec();
	preimage.extend_from_slice(seed.as_bytes());
	preimage.push(1); // Encoder
	preimage.extend_from_slice(&3u32.to_le_bytes());
	preimage.extend_from_slice(&7u32.to_le_bytes());
	let hash = sp_io::hashing::blake2_256(&preimage);
	let word = u64::from_le_bytes(hash[..8].try_into().unwrap());
	assert_eq!(Hosting::rule_probe(&seed, Role::Encoder, 3, 7, 1_000) as u64, word % 1_000);
	assert_eq!(Hosting::rule_probe(&seed, Role::Encoder, 3, 7, 0), 0, "an empty pool");
}

/// The mock's benchmark helper builds what the benchmarks start from.
#[cfg(feature = "runtime-benchmarks")]
mod benchmark_helper {
	use super::*;
	use datdot_primitives::{
		testing::MockAccounts, AccountDirectory, BenchmarkHelper, ProviderRegistry,
	};

	const REGION: &[u8] = b"u33d";

	#[test]
	fn an_active_contract_is_hosted_by_signed_copies() {
		new_test_ext(|| {
			let contract = MockBenchmarkHelper::active_contract(&SPONSOR, 3, REGION, 100, 64)
				.expect("the contract becomes active");
			let stored = Contracts::<Test>::get(contract).expect("a live contract");
			assert_eq!(stored.status, ContractStatus::Active);
			assert_eq!(stored.range, ChunkRange { start: 0, end: 64 });
			assert_eq!(stored.positions.len(), 3);
			assert!(stored.positions.iter().all(|p| p.state == PositionState::Hosted));
			assert_eq!(Hosting::hosted_positions(contract).len(), 3);
			assert!(with_world(|w| w.activated.contains(&contract)));
		});
	}

	#[test]
	fn an_active_plan_has_every_contract_active() {
		new_test_ext(|| {
			let plan = MockBenchmarkHelper::active_plan(&SPONSOR, 3, 2, REGION, 100, 64);
			let contracts = crate::PlanContracts::<Test>::get(plan);
			assert_eq!(contracts.len(), 3);
			for (i, contract) in (0u32..).zip(contracts) {
				let stored = Contracts::<Test>::get(contract).expect("a live contract");
				assert_eq!(stored.status, ContractStatus::Active);
				assert_eq!(stored.range, ChunkRange { start: i, end: i + 1 });
			}
		});
	}

	#[test]
	fn a_plan_waits_for_its_start_and_signatures_verify() {
		new_test_ext(|| {
			let plan = MockBenchmarkHelper::plan(&SPONSOR, 2, 1, REGION, 10, 64);
			let contracts = crate::PlanContracts::<Test>::get(plan);
			assert_eq!(contracts.len(), 2);
			assert!(contracts.iter().all(|id| !Rounds::<Test>::contains_key(id)));
			let terms = doubles(|d| d.plans.get(&plan).cloned()).expect("a live plan");
			assert_eq!(terms.regions, vec![region("u33d")]);
			let key = MockAccounts::signing_key(&SPONSOR).expect("an account");
			let signature = MockBenchmarkHelper::sign(&SPONSOR, b"message");
			assert!(datdot_primitives::signing::verify_ed25519(b"message", &signature, &key));
		});
	}

	#[test]
	fn each_benchmark_run_starts_from_clean_mocks() {
		new_bench_ext().execute_with(|| {
			MockBenchmarkHelper::provider(&7, Role::Hoster, REGION, 1);
			assert_eq!(System::block_number(), 1, "a run starts at block 1");
			assert_ok!(MockProviders::book(&7, Role::Hoster));
			// The harness wipes the storage after a run; the next one starts at block 0.
			frame_benchmarking::benchmarking::wipe_db();
			assert_eq!(System::block_number(), 0);
			MockBenchmarkHelper::provider(&8, Role::Hoster, REGION, 1);
			assert!(!MockProviders::is_provider(&7, Role::Hoster));
			assert!(MockProviders::has_free_capacity(&8, Role::Hoster));
			let key = MockBenchmarkHelper::attestor_key(&8);
			assert_eq!(with_world(|w| w.keys.get(&8).cloned()), Some(key));
		});
	}
}
