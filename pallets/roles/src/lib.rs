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
	use datdot_primitives::{
		attestor::{AttestorId, AttestorSignature},
		AccountDirectory, ContractManager, Rating, Region, Role,
	};
	use frame_support::{
		pallet_prelude::*,
		traits::fungible::{Inspect, MutateHold},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::Permill;

	/// A balance of the currency that deposits are held in.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// A registered provider of this runtime.
	pub type ProviderOf<T> =
		Provider<BlockNumberFor<T>, BalanceOf<T>, <T as Config>::MaxRegionsPerProvider>;
	/// A pool: the providers of a role that serve a region prefix.
	pub type PoolKey = (Role, Region);
	/// The recent measurements of a provider in one region of this runtime.
	pub type SamplesOf<T> =
		BoundedVec<Sample<<T as frame_system::Config>::AccountId>, <T as Config>::MaxSamples>;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The currency deposits are held in.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
		/// The runtime's hold reasons, which include this pallet's.
		type RuntimeHoldReason: From<HoldReason>;
		/// The accounts providers must have.
		type Accounts: AccountDirectory<Self::AccountId>;
		/// Hands a departing provider's jobs to replacements.
		type Hosting: ContractManager<Self::AccountId>;
		/// The deposit held per registered role, besides the crowding part.
		#[pallet::constant]
		type RoleDeposit: Get<BalanceOf<Self>>;
		/// Added to a registration's deposit per member already in its most crowded pool, so
		/// that filling a pool to lock others out costs quadratically more.
		#[pallet::constant]
		type PoolDepositPerMember: Get<BalanceOf<Self>>;
		/// The most regions one provider form lists.
		#[pallet::constant]
		type MaxRegionsPerProvider: Get<u32>;
		/// The most jobs a provider may take at once.
		#[pallet::constant]
		type MaxCapacity: Get<u32>;
		/// The most providers one pool holds.
		#[pallet::constant]
		type MaxPoolSize: Get<u32>;
		/// How many geohash characters of the observer's location key a rating (1 to 8).
		#[pallet::constant]
		type RatingPrecision: Get<u32>;
		/// Recent measurements kept per provider and region, at most one per attestor; the
		/// quality figures are their medians.
		#[pallet::constant]
		type MaxSamples: Get<u32>;
		/// Distinct attestors whose measurements must be in before quality counts.
		#[pallet::constant]
		type MeasurementQuorum: Get<u32>;
		/// The reliability (passed / issued challenges) a provider needs in a region to take new
		/// work there...
		#[pallet::constant]
		type MinReliability: Get<Permill>;
		/// ...once it was challenged at least this many times there.
		#[pallet::constant]
		type ReliabilityGrace: Get<u32>;
		/// Sets up other pallets' state for this pallet's benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: datdot_primitives::BenchmarkHelper<Self::AccountId>;
		/// Weights of the calls, from benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of a registered role.
		RoleDeposit,
	}

	/// Registered providers, by account and role.
	#[pallet::storage]
	pub type Providers<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, Role, ProviderOf<T>>;

	/// How many providers each pool holds.
	#[pallet::storage]
	pub type PoolSize<T: Config> = StorageMap<_, Blake2_128Concat, PoolKey, u32, ValueQuery>;

	/// Pool members at consecutive indexes `0..PoolSize`.
	#[pallet::storage]
	pub type PoolMembers<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, PoolKey, Twox64Concat, u32, T::AccountId>;

	/// Where each member sits in each of its pools.
	#[pallet::storage]
	pub type PoolIndex<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, PoolKey, Blake2_128Concat, T::AccountId, u32>;

	/// Ratings by provider and by the region they were observed from.
	#[pallet::storage]
	pub type Ratings<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		Region,
		Rating,
		ValueQuery,
	>;

	/// The recent measurements behind each provider's quality figures, by the region they were
	/// taken for (at every prefix of it, like the ratings).
	#[pallet::storage]
	pub type Samples<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		Region,
		SamplesOf<T>,
		ValueQuery,
	>;

	/// The key each account's node signs matching votes with (`roles_set_attestor_key`).
	#[pallet::storage]
	pub type AttestorKeys<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, AttestorId>;

	/// The account each attestor key is tied to: a key serves one account at a time.
	#[pallet::storage]
	pub type AttestorKeyOwners<T: Config> =
		StorageMap<_, Blake2_128Concat, AttestorId, T::AccountId>;

	/// Attestor keys tied at genesis: on development chains, each well-known account's own
	/// sr25519 key, which the node's dev keystore holds.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// `(account, key)` pairs; each account and each key at most once.
		pub attestor_keys: alloc::vec::Vec<(T::AccountId, AttestorId)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (who, key) in &self.attestor_keys {
				assert!(
					!AttestorKeys::<T>::contains_key(who)
						&& !AttestorKeyOwners::<T>::contains_key(key),
					"an account or attestor key is listed twice in the genesis attestor keys"
				);
				AttestorKeys::<T>::insert(who, key);
				AttestorKeyOwners::<T>::insert(key, who);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A provider registered a role and entered its pools.
		RoleRegistered {
			/// The provider.
			who: T::AccountId,
			/// The role.
			role: Role,
			/// The regions it serves.
			regions: BoundedVec<Region, T::MaxRegionsPerProvider>,
			/// How many jobs it takes at once.
			capacity: u32,
			/// The deposit held.
			deposit: BalanceOf<T>,
		},
		/// A provider left a role after its jobs were handed on.
		RoleUnregistered {
			/// The provider.
			who: T::AccountId,
			/// The role.
			role: Role,
			/// How many live jobs were handed to other providers.
			handed_over: u32,
		},
		/// An account tied an attestor key to itself; its previous key, if any, is released.
		AttestorKeySet {
			/// The account.
			who: T::AccountId,
			/// The key its node signs matching votes with.
			key: AttestorId,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The caller has no account.
		NoAccount,
		/// The caller already has this role.
		AlreadyRegistered,
		/// The caller does not have this role.
		NotRegistered,
		/// A region is not a geohash prefix of 1 to 8 characters.
		InvalidRegion,
		/// The form lists more regions than `MaxRegionsPerProvider`.
		TooManyRegions,
		/// A provider must take at least one job.
		ZeroCapacity,
		/// The capacity exceeds `MaxCapacity`.
		CapacityTooHigh,
		/// A hoster must offer storage.
		NoStorageOffered,
		/// The availability window is empty or already over.
		InvalidAvailability,
		/// The provider holds as many jobs as its capacity allows.
		NoFreeCapacity,
		/// One of the provider's pools is full.
		PoolFull,
		/// The caller cannot cover the role deposit.
		InsufficientBalance,
		/// Some jobs could not be handed over; the role stays.
		JobsNotHandedOver,
		/// The attestor key is tied to another account.
		AttestorKeyInUse,
		/// The proof does not show that the caller holds the attestor key.
		BadAttestorKeyProof,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers the caller for `role` with `form` and puts it in the role's idle pools.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::roles_register(
			(form.regions.len() as u32).clamp(1, T::MaxRegionsPerProvider::get())
		))]
		pub fn roles_register(
			origin: OriginFor<T>,
			role: Role,
			form: ProviderFormInput<BlockNumberFor<T>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register(who, role, form)
		}

		/// Takes the caller out of `role`: its live jobs are handed to replacements first.
		#[pallet::call_index(1)]
		#[pallet::weight(
			T::WeightInfo::roles_unregister(T::MaxRegionsPerProvider::get())
				.saturating_add(T::Hosting::hand_over_weight(T::MaxCapacity::get()))
		)]
		pub fn roles_unregister(origin: OriginFor<T>, role: Role) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_unregister(who, role)
		}

		/// Ties `key` to the caller as the key its node signs matching votes with, replacing
		/// the caller's previous key. `proof` is `key`'s signature over
		/// `attestor::key_message(genesis, caller, key)`, so nobody can claim another's key.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::roles_set_attestor_key())]
		pub fn roles_set_attestor_key(
			origin: OriginFor<T>,
			key: AttestorId,
			proof: AttestorSignature,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_attestor_key(who, key, proof)
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(
				(1..=datdot_primitives::MAX_REGION_LEN).contains(&T::RatingPrecision::get()),
				"RatingPrecision must be 1 to 8"
			);
			assert!(
				T::MeasurementQuorum::get() >= 1
					&& T::MeasurementQuorum::get() <= T::MaxSamples::get(),
				"the measurement quorum must fit the kept samples"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
}
