//! Unit tests of registration, pools, capacity and ratings.

use crate::{mock::*, Error, Event, HoldReason, PoolSize, ProviderFormInput, Providers, Samples};
use datdot_primitives::{AccountUsage, Performance, ProviderRegistry, Ratings, Role};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use sp_runtime::{DispatchError, Permill};

fn form(regions: &[&str], capacity: u32) -> ProviderFormInput<u64> {
	ProviderFormInput {
		regions: regions.iter().map(|r| r.as_bytes().to_vec()).collect(),
		storage: 1 << 30,
		bandwidth_kbps: 10_000,
		capacity,
		available_from: 0,
		available_until: None,
	}
}

fn members(role: Role, r: &str) -> Vec<AccountId> {
	let r = region(r);
	(0..Roles::pool_size(role, &r)).filter_map(|i| Roles::pool_member(role, &r, i)).collect()
}

#[test]
fn register_enters_every_prefix_pool_and_holds_the_deposit() {
	new_test_ext(|| {
		assert_ok!(Roles::roles_register(RuntimeOrigin::signed(ALICE), Role::Hoster, form(&[], 2)));
		let regions = vec![region("u33dc")].try_into().unwrap();
		System::assert_last_event(
			Event::RoleRegistered {
				who: ALICE,
				role: Role::Hoster,
				regions,
				capacity: 2,
				deposit: 10,
			}
			.into(),
		);
		for prefix in ["u", "u3", "u33", "u33d", "u33dc"] {
			assert_eq!(members(Role::Hoster, prefix), vec![ALICE], "pool {prefix}");
		}
		assert!(members(Role::Encoder, "u").is_empty());
		assert_eq!(
			Balances::balance_on_hold(&RuntimeHoldReason::Roles(HoldReason::RoleDeposit), &ALICE),
			10
		);
		assert!(Roles::in_use(&ALICE));
		assert!(Roles::serves(&ALICE, Role::Hoster, &region("u3")));
		assert!(!Roles::serves(&ALICE, Role::Hoster, &region("gc")));
		assert!(!Roles::serves(&ALICE, Role::Encoder, &region("u3")));
	});
}

#[test]
fn listed_regions_replace_the_location_and_are_deduplicated() {
	new_test_ext(|| {
		assert_ok!(Roles::roles_register(
			RuntimeOrigin::signed(BOB),
			Role::Attestor,
			form(&["gcpv", "u3", "gcpv"], 1)
		));
		let provider = Providers::<Test>::get(BOB, Role::Attestor).unwrap();
		assert_eq!(provider.regions.into_inner(), vec![region("gcpv"), region("u3")]);
		assert_eq!(members(Role::Attestor, "g"), vec![BOB]);
		assert_eq!(members(Role::Attestor, "u3"), vec![BOB]);
		assert!(members(Role::Attestor, "u33").is_empty());
	});
}

#[test]
fn register_rejects_bad_forms_without_change() {
	ExtBuilder::default().balance(POOR, 5).build_and_execute(|| {
		let signed = RuntimeOrigin::signed;
		assert_noop!(
			Roles::roles_register(signed(STRANGER), Role::Hoster, form(&["u3"], 1)),
			Error::<Test>::NoAccount
		);
		assert_noop!(
			Roles::roles_register(signed(BOB), Role::Hoster, form(&["u3", "xo"], 1)),
			Error::<Test>::InvalidRegion
		);
		assert_noop!(
			Roles::roles_register(signed(BOB), Role::Hoster, form(&["u3", "u4", "u5", "u6"], 1)),
			Error::<Test>::TooManyRegions
		);
		assert_noop!(
			Roles::roles_register(signed(BOB), Role::Hoster, form(&["u3"], 0)),
			Error::<Test>::ZeroCapacity
		);
		assert_noop!(
			Roles::roles_register(signed(BOB), Role::Hoster, form(&["u3"], 6)),
			Error::<Test>::CapacityTooHigh
		);
		let mut no_storage = form(&["u3"], 1);
		no_storage.storage = 0;
		assert_noop!(
			Roles::roles_register(signed(BOB), Role::Hoster, no_storage.clone()),
			Error::<Test>::NoStorageOffered
		);
		// Encoders and attestors need not offer storage.
		assert_ok!(Roles::roles_register(signed(BOB), Role::Encoder, no_storage));
		let mut window = form(&["u3"], 1);
		window.available_from = 5;
		window.available_until = Some(5);
		assert_noop!(
			Roles::roles_register(signed(BOB), Role::Hoster, window.clone()),
			Error::<Test>::InvalidAvailability
		);
		System::set_block_number(10);
		window.available_from = 0;
		window.available_until = Some(10);
		assert_noop!(
			Roles::roles_register(signed(BOB), Role::Hoster, window),
			Error::<Test>::InvalidAvailability
		);
		assert_noop!(
			Roles::roles_register(signed(POOR), Role::Hoster, form(&["u3"], 1)),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			Roles::roles_register(RuntimeOrigin::root(), Role::Hoster, form(&["u3"], 1)),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn a_role_is_registered_once_and_a_full_pool_refuses_more() {
	new_test_ext(|| {
		for who in [ALICE, BOB, CHARLIE] {
			assert_ok!(Roles::roles_register(
				RuntimeOrigin::signed(who),
				Role::Hoster,
				form(&["u3"], 1)
			));
		}
		assert_noop!(
			Roles::roles_register(RuntimeOrigin::signed(BOB), Role::Hoster, form(&["u3"], 1)),
			Error::<Test>::AlreadyRegistered
		);
		// Pool `u` is full (MaxPoolSize = 3).
		assert_noop!(
			Roles::roles_register(RuntimeOrigin::signed(DAVE), Role::Hoster, form(&["u9"], 1)),
			Error::<Test>::PoolFull
		);
		assert_ok!(Roles::roles_register(
			RuntimeOrigin::signed(DAVE),
			Role::Hoster,
			form(&["gc"], 1)
		));
	});
}

#[test]
fn unregister_swaps_the_last_member_into_the_gap_and_releases_the_deposit() {
	new_test_ext(|| {
		for who in [ALICE, BOB, CHARLIE] {
			assert_ok!(Roles::roles_register(
				RuntimeOrigin::signed(who),
				Role::Hoster,
				form(&["u3"], 1)
			));
		}
		assert_eq!(members(Role::Hoster, "u3"), vec![ALICE, BOB, CHARLIE]);
		assert_ok!(Roles::roles_unregister(RuntimeOrigin::signed(ALICE), Role::Hoster));
		System::assert_last_event(
			Event::RoleUnregistered { who: ALICE, role: Role::Hoster, handed_over: 0 }.into(),
		);
		assert_eq!(members(Role::Hoster, "u3"), vec![CHARLIE, BOB]);
		assert_eq!(Balances::free_balance(ALICE), 100);
		assert!(!Roles::in_use(&ALICE));
		assert!(HANDED_OVER.with(|h| h.borrow().is_empty()), "no jobs, no hand-over");
		for who in [BOB, CHARLIE] {
			assert_ok!(Roles::roles_unregister(RuntimeOrigin::signed(who), Role::Hoster));
		}
		assert_eq!(PoolSize::<Test>::iter().count(), 0, "empty pools leave no trace");
	});
}

#[test]
fn unregister_rejects_strangers_without_change() {
	new_test_ext(|| {
		assert_noop!(
			Roles::roles_unregister(RuntimeOrigin::signed(BOB), Role::Hoster),
			Error::<Test>::NotRegistered
		);
		assert_ok!(Roles::roles_register(
			RuntimeOrigin::signed(BOB),
			Role::Encoder,
			form(&["u3"], 1)
		));
		assert_noop!(
			Roles::roles_unregister(RuntimeOrigin::signed(BOB), Role::Hoster),
			Error::<Test>::NotRegistered
		);
		assert_noop!(
			Roles::roles_unregister(RuntimeOrigin::none(), Role::Encoder),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn a_busy_provider_hands_its_jobs_over_before_leaving() {
	new_test_ext(|| {
		assert_ok!(Roles::roles_register(
			RuntimeOrigin::signed(BOB),
			Role::Hoster,
			form(&["u3"], 3)
		));
		assert_ok!(Roles::book(&BOB, Role::Hoster));
		assert_ok!(Roles::book(&BOB, Role::Hoster));
		assert_ok!(Roles::roles_unregister(RuntimeOrigin::signed(BOB), Role::Hoster));
		System::assert_last_event(
			Event::RoleUnregistered { who: BOB, role: Role::Hoster, handed_over: 2 }.into(),
		);
		assert_eq!(HANDED_OVER.with(|h| h.borrow().clone()), vec![(BOB, Role::Hoster)]);
	});
}

#[test]
fn a_provider_whose_jobs_cannot_be_handed_over_stays() {
	new_test_ext(|| {
		assert_ok!(Roles::roles_register(
			RuntimeOrigin::signed(BOB),
			Role::Hoster,
			form(&["u3"], 3)
		));
		assert_ok!(Roles::book(&BOB, Role::Hoster));
		HAND_OVER_WORKS.with(|w| *w.borrow_mut() = false);
		assert_noop!(
			Roles::roles_unregister(RuntimeOrigin::signed(BOB), Role::Hoster),
			Error::<Test>::JobsNotHandedOver
		);
		assert!(Roles::is_provider(&BOB, Role::Hoster));
	});
}

#[test]
fn booking_never_exceeds_capacity() {
	new_test_ext(|| {
		assert_noop!(Roles::book(&BOB, Role::Hoster), Error::<Test>::NotRegistered);
		assert_ok!(Roles::roles_register(
			RuntimeOrigin::signed(BOB),
			Role::Hoster,
			form(&["u3"], 2)
		));
		assert_ok!(Roles::book(&BOB, Role::Hoster));
		assert!(Roles::has_free_capacity(&BOB, Role::Hoster));
		assert_ok!(Roles::book(&BOB, Role::Hoster));
		assert!(!Roles::has_free_capacity(&BOB, Role::Hoster));
		assert_noop!(Roles::book(&BOB, Role::Hoster), Error::<Test>::NoFreeCapacity);
		Roles::release(&BOB, Role::Hoster);
		assert!(Roles::has_free_capacity(&BOB, Role::Hoster));
	});
}

#[test]
fn availability_bounds_who_serves() {
	new_test_ext(|| {
		let mut window = form(&["u3"], 1);
		window.available_from = 5;
		window.available_until = Some(8);
		assert_ok!(Roles::roles_register(RuntimeOrigin::signed(BOB), Role::Hoster, window));
		let u3 = region("u3");
		assert!(!Roles::serves(&BOB, Role::Hoster, &u3));
		System::set_block_number(5);
		assert!(Roles::serves(&BOB, Role::Hoster, &u3));
		System::set_block_number(8);
		assert!(!Roles::serves(&BOB, Role::Hoster, &u3));
	});
}

#[test]
fn ratings_count_in_the_observers_region_only() {
	new_test_ext(|| {
		// Observed from u33dc with precision 3: stored under u, u3 and u33.
		Roles::record_challenge(&BOB, &region("u33dc"), true);
		Roles::record_challenge(&BOB, &region("u33dc"), false);
		Roles::record_measurement(&BOB, &region("u33dc"), &ALICE, 40, 2_000);
		let from_u3 = Roles::rating(&BOB, &region("u3"));
		assert_eq!(from_u3.reliability(), Permill::from_percent(50));
		assert_eq!((from_u3.latency_ms, from_u3.bandwidth_kbps), (40, 2_000));
		// Longer regions read the precision-length key.
		assert_eq!(Roles::rating(&BOB, &region("u33zz")), from_u3);
		// Seen from elsewhere, nothing is known.
		let from_gc = Roles::rating(&BOB, &region("gc"));
		assert_eq!(from_gc.challenges_issued, 0);
		assert!(Roles::qualifies(
			&BOB,
			&region("gc"),
			&Performance { max_latency_ms: 1, min_bandwidth_kbps: u32::MAX }
		));
		// A sibling region sees nothing either.
		assert_eq!(Roles::rating(&BOB, &region("u34")).challenges_issued, 0);
		assert_eq!(Roles::rating(&BOB, &region("u")).challenges_issued, 2);
	});
}

#[test]
fn try_state_catches_overbooking() {
	new_test_ext(|| {
		assert_ok!(Roles::roles_register(
			RuntimeOrigin::signed(BOB),
			Role::Hoster,
			form(&["u3"], 1)
		));
		Providers::<Test>::mutate(BOB, Role::Hoster, |p| {
			if let Some(p) = p {
				p.booked = 2;
			}
		});
		assert!(Roles::do_try_state().is_err());
		Providers::<Test>::mutate(BOB, Role::Hoster, |p| {
			if let Some(p) = p {
				p.booked = 0;
			}
		});
	});
}

fn measure(attestor: AccountId, latency: u32, bandwidth: u32) {
	Roles::record_measurement(&BOB, &region("u3"), &attestor, latency, bandwidth);
}

#[test]
fn one_attestor_cannot_move_a_rating_far() {
	new_test_ext(|| {
		let floor = Performance { max_latency_ms: 100, min_bandwidth_kbps: 1_000 };
		// The first reports do not count until a quorum of three attestors measured.
		measure(30, 60_000, 1);
		assert!(Roles::qualifies(&BOB, &region("u3"), &floor));
		measure(31, 40, 2_000);
		measure(32, 50, 3_000);
		let rating = Roles::rating(&BOB, &region("u3"));
		assert_eq!((rating.measured_by, rating.latency_ms, rating.bandwidth_kbps), (3, 50, 2_000));
		assert!(Roles::qualifies(&BOB, &region("u3"), &floor));
		// The liar repeating itself only replaces its own sample.
		for _ in 0..10 {
			measure(30, 60_000, 1);
		}
		let rating = Roles::rating(&BOB, &region("u3"));
		assert_eq!((rating.measured_by, rating.latency_ms), (3, 50));
		// Honest samples crowd out the oldest; the window keeps five.
		for attestor in 33..40 {
			measure(attestor, 45, 2_500);
		}
		let rating = Roles::rating(&BOB, &region("u3"));
		assert_eq!((rating.measured_by, rating.latency_ms, rating.bandwidth_kbps), (5, 45, 2_500));
		assert_eq!(Samples::<Test>::get(BOB, region("u3")).len(), 5);
	});
}

#[test]
fn reliability_decides_who_may_take_new_work() {
	new_test_ext(|| {
		let any = Performance { max_latency_ms: u32::MAX, min_bandwidth_kbps: 0 };
		// Within the grace of four challenges, failures do not yet disqualify.
		for _ in 0..3 {
			Roles::record_challenge(&BOB, &region("u3"), false);
		}
		assert!(Roles::qualifies(&BOB, &region("u3"), &any));
		Roles::record_challenge(&BOB, &region("u3"), true);
		assert!(!Roles::qualifies(&BOB, &region("u3"), &any), "1 of 4 is below 80 %");
		for _ in 0..12 {
			Roles::record_challenge(&BOB, &region("u3"), true);
		}
		assert!(Roles::qualifies(&BOB, &region("u3"), &any), "13 of 16 is above 80 %");
		// Reliability is regional: elsewhere BOB is untested.
		assert!(Roles::qualifies(&BOB, &region("gc"), &any));
	});
}

#[test]
fn the_deposit_grows_with_the_pool_so_filling_it_costs_ever_more() {
	new_test_ext(|| {
		let held = |who| {
			Balances::balance_on_hold(&RuntimeHoldReason::Roles(HoldReason::RoleDeposit), &who)
		};
		assert_ok!(Roles::roles_register(
			RuntimeOrigin::signed(ALICE),
			Role::Attestor,
			form(&["u3"], 1)
		));
		assert_ok!(Roles::roles_register(
			RuntimeOrigin::signed(BOB),
			Role::Attestor,
			form(&["u3"], 1)
		));
		// ALICE joined empty pools; BOB's most crowded pool held one member.
		assert_eq!((held(ALICE), held(BOB)), (10, 12));
		assert_eq!(Roles::role_deposit(2), 14);
		assert_ok!(Roles::roles_unregister(RuntimeOrigin::signed(BOB), Role::Attestor));
		assert_eq!(held(BOB), 0, "the whole deposit comes back");
	});
}

mod attestor_keys {
	use super::*;
	use crate::{AttestorKeyOwners, AttestorKeys};
	use datdot_primitives::attestor::{AttestorId, AttestorKeys as _, AttestorPair};
	use sp_core::Pair;
	use sp_runtime::DispatchResult;

	fn pair(seed: u8) -> AttestorPair {
		AttestorPair::from_seed(&[seed; 32])
	}

	fn set(who: AccountId, key: &AttestorPair) -> DispatchResult {
		let public: AttestorId = key.public();
		let proof = key.sign(&Roles::attestor_key_message(&who, &public));
		Roles::roles_set_attestor_key(RuntimeOrigin::signed(who), public, proof)
	}

	#[test]
	fn an_account_ties_a_key_it_holds_and_can_rotate_it() {
		new_test_ext(|| {
			let (first, second) = (pair(1), pair(2));
			assert_ok!(set(ALICE, &first));
			System::assert_last_event(
				Event::AttestorKeySet { who: ALICE, key: first.public() }.into(),
			);
			assert_eq!(Roles::key_of(&ALICE), Some(first.public()));
			assert_eq!(Roles::owner_of(&first.public()), Some(ALICE));
			// Setting the same key again is harmless.
			assert_ok!(set(ALICE, &first));
			assert_ok!(set(ALICE, &second));
			assert_eq!(Roles::key_of(&ALICE), Some(second.public()));
			assert_eq!(Roles::owner_of(&first.public()), None, "the old key is released");
			// ...so another account may take it.
			assert_ok!(set(BOB, &first));
			assert_eq!(Roles::owner_of(&first.public()), Some(BOB));
		});
	}

	#[test]
	fn a_key_serves_one_account_and_needs_its_holders_proof() {
		new_test_ext(|| {
			let key = pair(1);
			assert_ok!(set(ALICE, &key));
			assert_noop!(set(BOB, &key), Error::<Test>::AttestorKeyInUse);
			// A proof made for another account does not tie the key to this one.
			let other = pair(2);
			let proof = other.sign(&Roles::attestor_key_message(&ALICE, &other.public()));
			assert_noop!(
				Roles::roles_set_attestor_key(RuntimeOrigin::signed(BOB), other.public(), proof),
				Error::<Test>::BadAttestorKeyProof
			);
			// Signed by a different key.
			let proof = key.sign(&Roles::attestor_key_message(&BOB, &other.public()));
			assert_noop!(
				Roles::roles_set_attestor_key(RuntimeOrigin::signed(BOB), other.public(), proof),
				Error::<Test>::BadAttestorKeyProof
			);
			assert_noop!(set(STRANGER, &other), Error::<Test>::NoAccount);
			assert_eq!(AttestorKeys::<Test>::iter().count(), 1);
			assert_eq!(AttestorKeyOwners::<Test>::iter().count(), 1);
		});
	}
}
