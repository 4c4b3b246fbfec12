//! The bodies of the account calls, and the directory other pallets read.

use alloc::vec::Vec;
use datdot_primitives::{
	signing::{signing_payload, verify_ed25519, KEY_TAG},
	AccountDirectory, AccountUsage, Region,
};
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::Zero;

use crate::{AccountOf, Accounts, Config, Error, Event, HoldReason, Pallet, ProfileInput};

impl<T: Config> Pallet<T> {
	/// The statement `who` signs with `signing_key` to prove it holds the key.
	pub fn key_message(who: &T::AccountId, signing_key: &[u8; 32]) -> Vec<u8> {
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		signing_payload(KEY_TAG, genesis.as_ref(), (who, signing_key))
	}

	/// Checks `profile` of `who` and turns it into a record holding `deposit`.
	fn account_from(
		who: &T::AccountId,
		profile: ProfileInput,
		deposit: crate::BalanceOf<T>,
	) -> Result<AccountOf<T>, Error<T>> {
		ensure!(
			verify_ed25519(
				&Self::key_message(who, &profile.signing_key),
				&profile.key_proof,
				&profile.signing_key
			),
			Error::<T>::BadKeyProof
		);
		let location = Region::new(&profile.location).map_err(|_| Error::<T>::InvalidLocation)?;
		let endpoint = profile
			.endpoint
			.map(|endpoint| endpoint.try_into().map_err(|_| Error::<T>::EndpointTooLong))
			.transpose()?;
		Ok(AccountOf::<T> {
			signing_key: profile.signing_key,
			noise_key: profile.noise_key,
			location,
			endpoint,
			deposit,
		})
	}

	pub fn do_create(who: T::AccountId, profile: ProfileInput) -> DispatchResult {
		ensure!(!Accounts::<T>::contains_key(&who), Error::<T>::AccountExists);
		let deposit = T::AccountDeposit::get();
		let account = Self::account_from(&who, profile, deposit)?;
		T::Currency::hold(&HoldReason::AccountDeposit.into(), &who, deposit)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		let location = account.location.clone();
		Accounts::<T>::insert(&who, account);
		Self::deposit_event(Event::AccountCreated { who, location, deposit });
		Ok(())
	}

	pub(crate) fn do_update(who: T::AccountId, profile: ProfileInput) -> DispatchResult {
		let old = Accounts::<T>::get(&who).ok_or(Error::<T>::NoAccount)?;
		let account = Self::account_from(&who, profile, old.deposit)?;
		let location = account.location.clone();
		Accounts::<T>::insert(&who, account);
		Self::deposit_event(Event::AccountUpdated { who, location });
		Ok(())
	}

	pub(crate) fn do_delete(who: T::AccountId) -> DispatchResult {
		let account = Accounts::<T>::get(&who).ok_or(Error::<T>::NoAccount)?;
		ensure!(!T::Usage::in_use(&who), Error::<T>::AccountInUse);
		let released = T::Currency::release(
			&HoldReason::AccountDeposit.into(),
			&who,
			account.deposit,
			Precision::BestEffort,
		)?;
		Accounts::<T>::remove(&who);
		Self::deposit_event(Event::AccountDeleted { who, deposit: released });
		Ok(())
	}

	/// Every account's deposit is on hold, and every location is valid.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::traits::fungible::InspectHold;
		for (who, account) in Accounts::<T>::iter() {
			ensure!(account.location.validate().is_ok(), "stored location is not a geohash");
			let held = T::Currency::balance_on_hold(&HoldReason::AccountDeposit.into(), &who);
			ensure!(held >= account.deposit, "account deposit is not on hold");
		}
		Ok(())
	}
}

impl<T: Config> AccountDirectory<T::AccountId> for Pallet<T> {
	fn has_account(who: &T::AccountId) -> bool {
		Accounts::<T>::contains_key(who)
	}

	fn location(who: &T::AccountId) -> Option<Region> {
		Accounts::<T>::get(who).map(|account| account.location)
	}

	fn signing_key(who: &T::AccountId) -> Option<[u8; 32]> {
		Accounts::<T>::get(who).map(|account| account.signing_key)
	}
}
