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
		ChallengeId, ChunkIndex, ContractDirectory, ContractId, JobId, PlanDirectory, Ratings,
		ScheduleJob,
	};
	use frame_support::{pallet_prelude::*, traits::Randomness};
	use frame_system::pallet_prelude::*;

	/// An open challenge of this runtime.
	pub type ChallengeOf<T> = Challenge<
		<T as frame_system::Config>::AccountId,
		BlockNumberFor<T>,
		<T as Config>::ChunksPerChallenge,
	>;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The plans, for the feed's root and the sponsor.
		type Plans: PlanDirectory<Self::AccountId>;
		/// The contracts, for their hosters and for replacing failing ones.
		type Contracts: ContractDirectory<Self::AccountId>;
		/// Where outcomes are counted.
		type Ratings: Ratings<Self::AccountId>;
		/// Where periodic challenges and deadlines go.
		type Scheduler: ScheduleJob<BlockNumberFor<Self>>;
		/// On-chain randomness for picking chunks.
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;
		/// Blocks between a contract's periodic challenges.
		#[pallet::constant]
		type ChallengePeriod: Get<BlockNumberFor<Self>>;
		/// Blocks a hoster has to answer.
		#[pallet::constant]
		type ChallengeTimeout: Get<BlockNumberFor<Self>>;
		/// Chunks per challenge (fewer when the range is shorter).
		#[pallet::constant]
		type ChunksPerChallenge: Get<u32>;
		/// The largest chunk, in bytes.
		#[pallet::constant]
		type MaxChunkSize: Get<u32>;
		/// The most hosters per contract (challenges per request).
		#[pallet::constant]
		type MaxHostersPerContract: Get<u32>;
		/// Failures in a row, in one contract, after which its hoster there is replaced.
		#[pallet::constant]
		type MaxConsecutiveFailures: Get<u32>;
		/// Blocks a sponsor must wait between two requests for the same contract.
		#[pallet::constant]
		type RequestCooldown: Get<BlockNumberFor<Self>>;
		/// Sets up other pallets' state for this pallet's benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: datdot_primitives::BenchmarkHelper<Self::AccountId>;
		/// Weights of the calls and jobs, from benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// The id the next challenge gets.
	#[pallet::storage]
	pub type NextChallengeId<T> = StorageValue<_, ChallengeId, ValueQuery>;

	/// Open challenges by id.
	#[pallet::storage]
	pub type Challenges<T: Config> = StorageMap<_, Twox64Concat, ChallengeId, ChallengeOf<T>>;

	/// The open challenge of each hoster of each contract (at most one).
	#[pallet::storage]
	pub type OpenChallenges<T: Config> =
		StorageDoubleMap<_, Twox64Concat, ContractId, Blake2_128Concat, T::AccountId, ChallengeId>;

	/// The next periodic challenge job of each active contract.
	#[pallet::storage]
	pub type PeriodicJobs<T: Config> = StorageMap<_, Twox64Concat, ContractId, JobId>;

	/// Challenges failed in a row by each hoster of each contract. A pass in the same contract
	/// resets it; nothing else does.
	#[pallet::storage]
	pub type Failures<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		ContractId,
		Blake2_128Concat,
		T::AccountId,
		u32,
		ValueQuery,
	>;

	/// The block of each contract's last sponsor request, for `RequestCooldown`.
	#[pallet::storage]
	pub type LastRequest<T: Config> = StorageMap<_, Twox64Concat, ContractId, BlockNumberFor<T>>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A hoster must prove it holds these chunks by the deadline.
		ProvideProofOfStorage {
			/// The challenge.
			challenge: ChallengeId,
			/// The hoster.
			hoster: T::AccountId,
			/// The contract.
			contract: ContractId,
			/// The chunk indexes to prove, in order.
			chunks: BoundedVec<ChunkIndex, T::ChunksPerChallenge>,
			/// The last block in which an answer counts.
			deadline: BlockNumberFor<T>,
		},
		/// A challenge was answered with valid proofs.
		ProofAccepted {
			/// The challenge.
			challenge: ChallengeId,
			/// The hoster.
			hoster: T::AccountId,
			/// The contract.
			contract: ContractId,
		},
		/// A challenge was not answered in time (or its hoster left with it open).
		ProofMissed {
			/// The challenge.
			challenge: ChallengeId,
			/// The hoster.
			hoster: T::AccountId,
			/// The contract.
			contract: ContractId,
			/// The hoster's failures in a row in this contract.
			consecutive_failures: u32,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No live contract has this id.
		UnknownContract,
		/// Only the plan's sponsor may request a challenge.
		NotSponsor,
		/// The contract has no hoster to challenge, or is paused.
		NothingToChallenge,
		/// Every hoster of the contract already has an open challenge.
		ChallengePending,
		/// No open challenge has this id.
		UnknownChallenge,
		/// The caller is not the challenged hoster.
		NotChallengedHoster,
		/// The answer does not give the challenged blocks in order.
		WrongChunks,
		/// A block is larger than `MaxChunkSize`.
		ChunkTooLarge,
		/// A proof holds more nodes than the deepest Hypercore tree has levels (52).
		PathTooLong,
		/// A proof does not hold exactly one node per level between its block and its root.
		WrongPathLength,
		/// The proofs were made against another length than the plan's signed tree: the feed
		/// was upgraded since; prove against the plan's current length.
		StaleFeed,
		/// A proof was made on another fork than the plan's signed tree.
		WrongFork,
		/// A proof's node is not the sibling expected at its level.
		WrongNodeIndex,
		/// A proof's sizes do not add up to its root's size.
		WrongSize,
		/// A proof's hashes do not lead to its root: the decoded block or a node is not the
		/// feed's.
		InvalidProof,
		/// A block is not the one the hoster's copy holds at its place: its path does not lead
		/// to the commitment the hoster signed at setup.
		NotInCopy,
		/// A commitment path holds more nodes than the deepest commitment has levels (32).
		CopyPathTooLong,
		/// The contract's plan is gone.
		UnknownPlan,
		/// The challenge's deadline has passed; it counts as missed.
		DeadlinePassed,
		/// The sponsor asked for this contract less than `RequestCooldown` blocks ago.
		RequestTooSoon,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// The sponsor challenges every hoster of a contract now.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::proof_of_storage_request(T::MaxHostersPerContract::get()))]
		pub fn proof_of_storage_request(
			origin: OriginFor<T>,
			data: ChallengeRequest,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_request(who, data.contract)
		}

		/// The challenged hoster answers with the chunks of its encoded copy, their paths in
		/// its commitment and the Hypercore proofs of the blocks they decode to.
		#[pallet::call_index(1)]
		#[pallet::weight(Pallet::<T>::response_weight(&proof))]
		pub fn proof_of_storage_response(
			origin: OriginFor<T>,
			proof: StorageProof,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_response(who, proof)
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxConsecutiveFailures::get() >= 1, "a hoster must be allowed to fail");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
}
