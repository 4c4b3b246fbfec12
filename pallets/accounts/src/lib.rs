#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod impls;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use datdot_primitives::AccountUsage;
	use frame_support::{
		pallet_prelude::*,
		traits::fungible::{Inspect, MutateHold},
	};
	use frame_system::pallet_prelude::*;

	/// A balance of the currency that deposits are held in.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// A stored account of this runtime.
	pub type AccountOf<T> = Account<BalanceOf<T>, <T as Config>::MaxEndpointLen>;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The currency deposits are held in.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
		/// The runtime's hold reasons, which include this pallet's.
		type RuntimeHoldReason: From<HoldReason>;
		/// The deposit an account holds while it exists.
		#[pallet::constant]
		type AccountDeposit: Get<BalanceOf<Self>>;
		/// The longest endpoint, in bytes.
		#[pallet::constant]
		type MaxEndpointLen: Get<u32>;
		/// Whether an account still has roles or live plans (which forbid its deletion).
		type Usage: AccountUsage<Self::AccountId>;
		/// Weights of the calls, from benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit for an account's storage.
		AccountDeposit,
	}

	/// The accounts, by chain account.
	#[pallet::storage]
	pub type Accounts<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, AccountOf<T>>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An account was created and its deposit held.
		AccountCreated {
			/// The chain account.
			who: T::AccountId,
			/// Its location.
			location: datdot_primitives::Region,
			/// The deposit held.
			deposit: BalanceOf<T>,
		},
		/// An account's profile was replaced.
		AccountUpdated {
			/// The chain account.
			who: T::AccountId,
			/// Its location.
			location: datdot_primitives::Region,
		},
		/// An account was deleted and its deposit released.
		AccountDeleted {
			/// The chain account.
			who: T::AccountId,
			/// The deposit released.
			deposit: BalanceOf<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The caller already has an account.
		AccountExists,
		/// The caller has no account.
		NoAccount,
		/// The location is not a geohash of 1 to 8 characters.
		InvalidLocation,
		/// The endpoint is longer than `MaxEndpointLen`.
		EndpointTooLong,
		/// The account still has a role or a live plan.
		AccountInUse,
		/// The caller cannot cover the account deposit.
		InsufficientBalance,
		/// The key proof is not the signing key's signature over the key statement.
		BadKeyProof,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Creates the caller's account from `profile` and holds `AccountDeposit`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::account_create())]
		pub fn account_create(origin: OriginFor<T>, profile: ProfileInput) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_create(who, profile)
		}

		/// Replaces the caller's profile.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::account_update())]
		pub fn account_update(origin: OriginFor<T>, profile: ProfileInput) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update(who, profile)
		}

		/// Deletes the caller's account and releases its deposit; refused while it has a role
		/// or a live plan.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::account_delete())]
		pub fn account_delete(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_delete(who)
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
}
