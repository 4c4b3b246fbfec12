//! The SPEC's flows on the real runtime: accounts and providers → plan → matching by quorum →
//! setup → challenge → correct proof → wrong proof → missed deadlines → repair →
//! pause/resume → unsubscribe, and a busy hoster leaving. The pallets' invariants are checked
//! after every block.

mod common;

use common::*;
use datdot_primitives::Role;
use datdot_runtime::{Plans, Proofs, Roles, Runtime, RuntimeEvent, System};
use frame_support::{assert_noop, assert_ok};
use pallet_datdot_proofs::ChallengeRequest;

/// Publishes the flow's plan: the whole feed, 2 hosters in `u3`, from block 3.
fn subscribe() -> u64 {
	subscribe_plan(3);
	0
}

/// Matches and sets up the plan's contract with hosters 10, 11 and encoders 20, 21 (in the
/// matching rule's order).
fn active_contract() -> u64 {
	let plan = subscribe();
	run_to(3);
	let contract = match_and_set_up(plan);
	all_invariants();
	contract
}

fn challenged(contract: u64, hoster: u8) -> (u64, Vec<u32>) {
	open_challenge(contract, hoster).expect("challenged")
}

#[test]
fn a_plan_lives_through_matching_proofs_failures_repair_pause_and_end() {
	new_ext().execute_with(|| {
		let contract = active_contract();
		assert_eq!(
			pallet_datdot_hosting::Contracts::<Runtime>::get(contract).unwrap().status,
			datdot_primitives::ContractStatus::Active
		);

		// A correct proof passes; a wrong one is refused with no change.
		assert_ok!(Proofs::proof_of_storage_request(
			signed(SPONSOR),
			ChallengeRequest { contract }
		));
		let (id, chunks) = challenged(contract, HOSTERS[0]);
		let mut wrong = answer(id, &chunks);
		wrong.chunks[0].encoded[0] ^= 1;
		assert_noop!(
			respond(HOSTERS[0], vec![wrong]),
			pallet_datdot_proofs::Error::<Runtime>::NotInCopy
		);
		assert_ok!(respond(HOSTERS[0], vec![answer(id, &chunks)]));
		let region = datdot_primitives::Region::new(b"u3").unwrap();
		assert_eq!(
			pallet_datdot_roles::Ratings::<Runtime>::get(who(HOSTERS[0]), region.clone())
				.challenges_passed,
			1
		);

		// Hoster 11 never answers: three missed deadlines in a row replace it.
		let missing = position_of(contract, HOSTERS[1]);
		for round in 1..=3u32 {
			if open_challenge(contract, HOSTERS[1]).is_none() {
				run_to(System::block_number() + 10);
				assert_ok!(Proofs::proof_of_storage_request(
					signed(SPONSOR),
					ChallengeRequest { contract }
				));
			}
			let deadline = pallet_datdot_proofs::Challenges::<Runtime>::get(
				challenged(contract, HOSTERS[1]).0,
			)
			.unwrap()
			.deadline;
			// The deadline passes in the block after the last one an answer counts in; hoster
			// 10 answers what it is asked meanwhile.
			while System::block_number() <= deadline {
				answer_all(contract, HOSTERS[0]);
				run_to(System::block_number() + 1);
			}
			let missed = events().iter().any(|e| {
				matches!(e,
				RuntimeEvent::Proofs(pallet_datdot_proofs::Event::ProofMissed { consecutive_failures, .. })
					if *consecutive_failures == round)
			});
			assert!(missed, "miss {round} was counted");
		}
		let repaired = pallet_datdot_hosting::Contracts::<Runtime>::get(contract).unwrap();
		assert_eq!(
			repaired.positions[missing].hoster,
			Some(who(HOSTERS[2])),
			"the spare hoster took over"
		);
		assert!(events().iter().any(|e| matches!(
			e,
			RuntimeEvent::Hosting(pallet_datdot_hosting::Event::RepairHosting { .. })
		)));

		// Pause stops the checks, resume restarts them (a change per 3 blocks at most).
		assert_ok!(Plans::plan_pause(signed(SPONSOR), 0));
		assert!(pallet_datdot_proofs::PositionIndex::<Runtime>::iter_prefix(contract)
			.next()
			.is_none());
		assert_noop!(
			Proofs::proof_of_storage_request(signed(SPONSOR), ChallengeRequest { contract }),
			pallet_datdot_proofs::Error::<Runtime>::NothingToChallenge
		);
		assert_noop!(
			Plans::plan_resume(signed(SPONSOR), 0),
			pallet_datdot_plans::Error::<Runtime>::ChangeTooSoon
		);
		run_to(System::block_number() + 3);
		assert_ok!(Plans::plan_resume(signed(SPONSOR), 0));
		// Hoster 10 is checked again; the spare hoster only once its copy is confirmed.
		assert_eq!(
			pallet_datdot_proofs::PositionIndex::<Runtime>::iter_prefix(contract)
				.map(|(hoster, _)| hoster)
				.collect::<Vec<_>>(),
			vec![who(HOSTERS[0])]
		);

		// Unsubscribing ends the contract, then the plan; nobody stays booked.
		assert_ok!(Plans::plan_unsubscribe(signed(SPONSOR), 0));
		let evs = events();
		let end_hosting = evs.iter().position(|e| {
			matches!(e, RuntimeEvent::Hosting(pallet_datdot_hosting::Event::EndHosting { .. }))
		});
		let end_plan = evs.iter().position(|e| {
			matches!(e, RuntimeEvent::Plans(pallet_datdot_plans::Event::EndPlan { .. }))
		});
		assert!(end_hosting.is_some() && end_plan.is_some() && end_hosting < end_plan);
		for (account, role, provider) in pallet_datdot_roles::Providers::<Runtime>::iter() {
			assert_eq!(provider.booked, 0, "{account:?} as {role:?}");
		}
		run_to(System::block_number() + 300);
		assert_eq!(
			pallet_datdot_scheduler::Jobs::<Runtime>::iter().count(),
			0,
			"no job outlives the plan"
		);
	});
}

#[test]
fn a_busy_hoster_that_unregisters_is_replaced() {
	new_ext().execute_with(|| {
		let contract = active_contract();
		let leaving = position_of(contract, HOSTERS[0]);
		assert_ok!(Roles::roles_unregister(signed(HOSTERS[0]), Role::Hoster));
		assert!(!pallet_datdot_roles::Providers::<Runtime>::contains_key(
			who(HOSTERS[0]),
			Role::Hoster
		));
		let stored = pallet_datdot_hosting::Contracts::<Runtime>::get(contract).unwrap();
		assert_eq!(stored.positions[leaving].hoster, Some(who(HOSTERS[2])));
		assert_eq!(stored.status, datdot_primitives::ContractStatus::Repairing);
		assert!(stored.attestor.is_some(), "someone checks the new copy");
		all_invariants();
	});
}

#[test]
fn a_plan_without_providers_ends_as_unmatchable() {
	new_ext().execute_with(|| {
		for n in ATTESTORS {
			assert_ok!(Roles::roles_unregister(signed(n), Role::Attestor));
		}
		subscribe();
		run_to(2_000);
		assert!(events().iter().any(|e| matches!(
			e,
			RuntimeEvent::Plans(pallet_datdot_plans::Event::EndPlan {
				reason: datdot_primitives::EndReason::Unmatchable,
				..
			})
		)));
		assert!(pallet_datdot_plans::Plans::<Runtime>::get(0).is_none());
	});
}

#[test]
fn the_end_block_ends_a_plan_by_itself() {
	new_ext().execute_with(|| {
		let contract = active_contract();
		run_to(System::block_number() + 3);
		let end = System::block_number() + 50;
		assert_ok!(Plans::plan_update(
			signed(SPONSOR),
			0,
			pallet_datdot_plans::PlanUpdate {
				end: Some(Some(end)),
				priority: None,
				min_performance: None,
				upgrade: None,
			}
		));
		run_to(end - 1);
		assert!(pallet_datdot_hosting::Contracts::<Runtime>::get(contract).is_some());
		run_to(end);
		assert!(events().iter().any(|e| matches!(
			e,
			RuntimeEvent::Plans(pallet_datdot_plans::Event::EndPlan {
				plan: 0,
				reason: datdot_primitives::EndReason::Expired
			})
		)));
		assert!(events().iter().any(|e| matches!(
			e,
			RuntimeEvent::Hosting(pallet_datdot_hosting::Event::EndHosting {
				reason: datdot_primitives::EndReason::Expired,
				..
			})
		)));
		assert!(pallet_datdot_hosting::Contracts::<Runtime>::get(contract).is_none());
	});
}
