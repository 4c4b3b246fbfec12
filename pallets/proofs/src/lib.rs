#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod extension;
mod impls;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

pub use extension::{answer_tag, AnswerRefusal, CheckAnswers, ANSWER_TAG};
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use datdot_primitives::{
		rota::Rota, ChallengeId, ContractDirectory, ContractId, PlanDirectory, Ratings,
	};
	use frame_support::{pallet_prelude::*, traits::Randomness};
	use frame_system::pallet_prelude::*;

	/// An open challenge of this runtime.
	pub type ChallengeOf<T> = Challenge<
		<T as frame_system::Config>::AccountId,
		BlockNumberFor<T>,
		<T as Config>::ChunksPerChallenge,
	>;

	/// A checked position of this runtime.
	pub type PositionOf<T> = Position<<T as frame_system::Config>::AccountId>;

	/// A page of the index: `POSITIONS_PER_PAGE` consecutive positions.
	pub type PageOf<T> = BoundedVec<PositionOf<T>, ConstU32<POSITIONS_PER_PAGE>>;

	/// A challenge as this runtime announces it.
	pub type ChallengedOf<T> =
		Challenged<<T as frame_system::Config>::AccountId, <T as Config>::ChunksPerChallenge>;

	/// The challenges of one announcement.
	pub type AnnouncementOf<T> = BoundedVec<ChallengedOf<T>, <T as Config>::MaxChallengesPerBlock>;

	/// The answers one `proof_of_storage_response` carries.
	pub type AnswersOf<T> = BoundedVec<StorageProof, <T as Config>::MaxAnswersPerCall>;

	/// How many consecutive positions of the index one storage entry holds.
	pub const POSITIONS_PER_PAGE: u32 = 64;

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
		/// On-chain randomness for drawing positions and picking chunks.
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;
		/// The window in which the sweep challenges every position once, in blocks, while
		/// `ChallengesPerBlock` keeps up.
		#[pallet::constant]
		type ChallengePeriod: Get<u32>;
		/// The budget: positions visited per block, by the sweep and by random draws together.
		/// It bounds each block's challenge work whatever the number of positions.
		#[pallet::constant]
		type ChallengesPerBlock: Get<u32>;
		/// The most challenges whose deadline falls in one block: the periodic ones of a block
		/// and sponsors' requests. Also the most one announcement lists.
		#[pallet::constant]
		type MaxChallengesPerBlock: Get<u32>;
		/// The most answers one `proof_of_storage_response` carries.
		#[pallet::constant]
		type MaxAnswersPerCall: Get<u32>;
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

	/// The challenges whose deadline passes at a block (the block after their last): one
	/// bucket per block, taken whole when the block comes. Answered ones are skipped.
	#[pallet::storage]
	pub type Deadlines<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<ChallengeId, T::MaxChallengesPerBlock>,
		ValueQuery,
	>;

	/// The checked positions, densely at `0..PositionCount`: what the sweep walks and the
	/// draws pick from. Slot `i` is entry `i % POSITIONS_PER_PAGE` of page
	/// `i / POSITIONS_PER_PAGE`, so a run of consecutive slots costs one read per page
	/// however many positions the network holds.
	#[pallet::storage]
	pub type Positions<T: Config> = StorageMap<_, Twox64Concat, u32, PageOf<T>, ValueQuery>;

	/// How many positions are checked.
	#[pallet::storage]
	pub type PositionCount<T> = StorageValue<_, u32, ValueQuery>;

	/// Where each checked position of each contract lies in `Positions`.
	#[pallet::storage]
	pub type PositionIndex<T: Config> =
		StorageDoubleMap<_, Twox64Concat, ContractId, Blake2_128Concat, T::AccountId, u32>;

	/// Where the sweep stands, and by how much the last block fell behind.
	#[pallet::storage]
	pub type Sweep<T> = StorageValue<_, Rota, ValueQuery>;

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
		/// Hosters must prove they hold these chunks by the deadline: a block's challenges,
		/// or those of a sponsor's request.
		ProvideProofOfStorage {
			/// The challenges, each naming its hoster, contract and chunks.
			challenges: AnnouncementOf<T>,
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
		/// This block owed the sweep more visits than `ChallengesPerBlock`: positions are
		/// challenged less often than once per `ChallengePeriod` until the budget catches up.
		ChallengesBehind {
			/// The sweep's visits owed beyond the budget.
			behind: u32,
			/// The checked positions.
			positions: u32,
			/// The budget.
			budget: u32,
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
		/// The block of this challenge's deadline holds `MaxChallengesPerBlock` deadlines
		/// already; ask again in the next block.
		TooManyChallenges,
		/// The answer carries no proofs.
		NoAnswers,
		/// The answer carries two proofs for one challenge.
		DuplicateAnswer,
		/// The hoster no longer holds a copy in the challenged contract.
		NotHosting,
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

		/// A challenged hoster answers one or more of its challenges, each with the chunks of
		/// its encoded copy, their paths in its commitment and the Hypercore proofs of the
		/// blocks they decode to. The answers count together: one that fails fails the call.
		///
		/// Operational: answers keep the network's guarantee, so they have the room a block
		/// keeps for operational transactions and go before normal ones; `CheckAnswers` keeps
		/// answers to no open challenge of the signer out of the pool.
		#[pallet::call_index(1)]
		#[pallet::weight((Pallet::<T>::answers_weight(proofs), DispatchClass::Operational))]
		pub fn proof_of_storage_response(
			origin: OriginFor<T>,
			proofs: AnswersOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_respond(who, proofs.into_inner())
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::expire(now).saturating_add(Self::challenge_block(now))
		}

		fn integrity_test() {
			assert!(T::MaxConsecutiveFailures::get() >= 1, "a hoster must be allowed to fail");
			assert!(T::ChallengePeriod::get() >= 1, "the challenge window is empty");
			assert!(
				T::MaxChallengesPerBlock::get()
					>= T::ChallengesPerBlock::get().saturating_add(T::MaxHostersPerContract::get()),
				"a block's deadlines must hold its challenges and a sponsor's request"
			);
			assert!(
				T::BlockWeights::get().max_block.all_gte(Self::worst_block_weight()),
				"a block's challenges and deadlines do not fit in a block"
			);
			// Answers come at most a block's worth of challenges a block, on average: that
			// must fit where normal transactions cannot crowd it out.
			let (room, room_length) = Self::answer_room();
			let (needed, needed_length) = Self::answers_per_block();
			assert!(
				room.all_gte(needed) && room_length >= needed_length,
				"a block's worth of answers does not fit the room kept for operational transactions"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
}
