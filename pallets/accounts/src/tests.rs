//! Unit tests of the account calls.

use crate::{mock::*, Accounts as AccountsStorage, Error, Event, HoldReason, ProfileInput};
use datdot_primitives::{testing::signer, AccountDirectory, Region};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use sp_core::Pair;
use sp_runtime::DispatchError;

/// A profile of `who` whose signing key is `signer(key)`, with its proof of possession.
fn profile_with_key(who: AccountId, key: u64, location: &[u8]) -> ProfileInput {
	let pair = signer(key);
	let signing_key = pair.public().0;
	ProfileInput {
		signing_key,
		key_proof: pair.sign(&Accounts::key_message(&who, &signing_key)).0,
		noise_key: [9; 32],
		location: location.to_vec(),
		endpoint: Some(b"/ip4/1.2.3.4".to_vec()),
	}
}

fn profile_for(who: AccountId, location: &[u8]) -> ProfileInput {
	profile_with_key(who, 7, location)
}

/// ALICE's profile.
fn profile(location: &[u8]) -> ProfileInput {
	profile_for(ALICE, location)
}

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::Accounts(HoldReason::AccountDeposit), &who)
}

#[test]
fn create_stores_the_profile_holds_the_deposit_and_says_so() {
	new_test_ext(|| {
		assert_ok!(Accounts::account_create(RuntimeOrigin::signed(ALICE), profile(b"u33dc")));
		let location = Region::new(b"u33dc").unwrap();
		System::assert_last_event(
			Event::AccountCreated { who: ALICE, location: location.clone(), deposit: 100 }.into(),
		);
		assert_eq!(held(ALICE), 100);
		assert_eq!(Balances::free_balance(ALICE), 900);
		assert!(Accounts::has_account(&ALICE));
		assert_eq!(Accounts::location(&ALICE), Some(location));
		assert_eq!(Accounts::signing_key(&ALICE), Some(signer(7).public().0));
	});
}

#[test]
fn create_rejects_bad_input_without_change() {
	ExtBuilder::default().balance(POOR, 50).build_and_execute(|| {
		assert_noop!(
			Accounts::account_create(RuntimeOrigin::signed(ALICE), profile(b"")),
			Error::<Test>::InvalidLocation
		);
		assert_noop!(
			Accounts::account_create(RuntimeOrigin::signed(ALICE), profile(b"u33dcu33d")),
			Error::<Test>::InvalidLocation
		);
		assert_noop!(
			Accounts::account_create(RuntimeOrigin::signed(ALICE), profile(b"atlantis")),
			Error::<Test>::InvalidLocation
		);
		let mut long = profile(b"u3");
		long.endpoint = Some(vec![b'x'; 17]);
		assert_noop!(
			Accounts::account_create(RuntimeOrigin::signed(ALICE), long),
			Error::<Test>::EndpointTooLong
		);
		assert_noop!(
			Accounts::account_create(RuntimeOrigin::signed(POOR), profile_for(POOR, b"u3")),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			Accounts::account_create(RuntimeOrigin::root(), profile(b"u3")),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn an_account_is_created_once() {
	new_test_ext(|| {
		assert_ok!(Accounts::account_create(RuntimeOrigin::signed(ALICE), profile(b"u3")));
		assert_noop!(
			Accounts::account_create(RuntimeOrigin::signed(ALICE), profile(b"u4")),
			Error::<Test>::AccountExists
		);
	});
}

#[test]
fn update_replaces_the_profile_and_keeps_the_deposit() {
	new_test_ext(|| {
		assert_ok!(Accounts::account_create(RuntimeOrigin::signed(ALICE), profile(b"u3")));
		let mut next = profile_with_key(ALICE, 1, b"gcpv");
		next.endpoint = None;
		assert_ok!(Accounts::account_update(RuntimeOrigin::signed(ALICE), next));
		System::assert_last_event(
			Event::AccountUpdated { who: ALICE, location: Region::new(b"gcpv").unwrap() }.into(),
		);
		let stored = AccountsStorage::<Test>::get(ALICE).unwrap();
		assert_eq!(stored.endpoint, None);
		assert_eq!(stored.signing_key, signer(1).public().0);
		assert_eq!(stored.deposit, 100);
		assert_eq!(held(ALICE), 100);
	});
}

#[test]
fn update_rejects_bad_input_and_strangers_without_change() {
	new_test_ext(|| {
		assert_noop!(
			Accounts::account_update(RuntimeOrigin::signed(BOB), profile(b"u3")),
			Error::<Test>::NoAccount
		);
		assert_ok!(Accounts::account_create(RuntimeOrigin::signed(ALICE), profile(b"u3")));
		assert_noop!(
			Accounts::account_update(RuntimeOrigin::signed(ALICE), profile(b"u3!")),
			Error::<Test>::InvalidLocation
		);
		let mut long = profile(b"u3");
		long.endpoint = Some(vec![0; 100]);
		assert_noop!(
			Accounts::account_update(RuntimeOrigin::signed(ALICE), long),
			Error::<Test>::EndpointTooLong
		);
		assert_noop!(
			Accounts::account_update(RuntimeOrigin::none(), profile(b"u3")),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn delete_releases_the_deposit() {
	new_test_ext(|| {
		assert_ok!(Accounts::account_create(RuntimeOrigin::signed(ALICE), profile(b"u3")));
		assert_ok!(Accounts::account_delete(RuntimeOrigin::signed(ALICE)));
		System::assert_last_event(Event::AccountDeleted { who: ALICE, deposit: 100 }.into());
		assert_eq!(held(ALICE), 0);
		assert_eq!(Balances::free_balance(ALICE), 1_000);
		assert!(!Accounts::has_account(&ALICE));
		// The account can be made again.
		assert_ok!(Accounts::account_create(RuntimeOrigin::signed(ALICE), profile(b"u3")));
	});
}

#[test]
fn delete_is_refused_while_the_account_is_in_use() {
	new_test_ext(|| {
		assert_noop!(
			Accounts::account_delete(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::NoAccount
		);
		assert_ok!(Accounts::account_create(RuntimeOrigin::signed(ALICE), profile(b"u3")));
		set_in_use(ALICE, true);
		assert_noop!(
			Accounts::account_delete(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::AccountInUse
		);
		set_in_use(ALICE, false);
		assert_ok!(Accounts::account_delete(RuntimeOrigin::signed(ALICE)));
	});
}

#[test]
fn try_state_catches_a_deposit_that_is_not_held() {
	new_test_ext(|| {
		assert_ok!(Accounts::account_create(RuntimeOrigin::signed(ALICE), profile(b"u3")));
		AccountsStorage::<Test>::mutate(ALICE, |account| {
			if let Some(account) = account {
				account.deposit = 500;
			}
		});
		assert!(Accounts::do_try_state().is_err());
		AccountsStorage::<Test>::mutate(ALICE, |account| {
			if let Some(account) = account {
				account.deposit = 100;
			}
		});
	});
}

#[test]
fn a_signing_key_is_registered_only_with_a_proof_of_possession() {
	new_test_ext(|| {
		// Claiming someone else's key: the proof is missing or made for another account.
		let mut stolen = profile(b"u3");
		stolen.key_proof = [0; 64];
		assert_noop!(
			Accounts::account_create(RuntimeOrigin::signed(ALICE), stolen),
			Error::<Test>::BadKeyProof
		);
		assert_noop!(
			Accounts::account_create(RuntimeOrigin::signed(ALICE), profile_for(BOB, b"u3")),
			Error::<Test>::BadKeyProof
		);
		assert_ok!(Accounts::account_create(RuntimeOrigin::signed(ALICE), profile(b"u3")));
		let mut swapped = profile(b"u3");
		swapped.signing_key = signer(8).public().0;
		assert_noop!(
			Accounts::account_update(RuntimeOrigin::signed(ALICE), swapped),
			Error::<Test>::BadKeyProof
		);
	});
}
