//! Unit tests of the account calls.

use crate::{mock::*, Accounts as AccountsStorage, Error, Event, HoldReason, ProfileInput};
use datdot_primitives::{AccountDirectory, Region};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use sp_runtime::DispatchError;

fn profile(location: &[u8]) -> ProfileInput {
	ProfileInput {
		signing_key: [7; 32],
		noise_key: [9; 32],
		location: location.to_vec(),
		endpoint: Some(b"/ip4/1.2.3.4".to_vec()),
	}
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
		assert_eq!(Accounts::signing_key(&ALICE), Some([7; 32]));
	});
}

#[test]
fn create_rejects_bad_input_without_change() {
	new_test_ext(|| {
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
			Accounts::account_create(RuntimeOrigin::signed(POOR), profile(b"u3")),
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
		let mut next = profile(b"gcpv");
		next.endpoint = None;
		next.signing_key = [1; 32];
		assert_ok!(Accounts::account_update(RuntimeOrigin::signed(ALICE), next));
		System::assert_last_event(
			Event::AccountUpdated { who: ALICE, location: Region::new(b"gcpv").unwrap() }.into(),
		);
		let stored = AccountsStorage::<Test>::get(ALICE).unwrap();
		assert_eq!(stored.endpoint, None);
		assert_eq!(stored.signing_key, [1; 32]);
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
