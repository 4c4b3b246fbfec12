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
		feed::{FeedKey, NodeProof, SignedTree},
		AccountDirectory, ContractManager, EndReason, PlanId, ScheduleJob,
	};
	use frame_support::{
		pallet_prelude::*,
		traits::fungible::{Inspect, MutateHold},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::traits::Zero;

	/// A balance of the currency that deposits are held in.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// A stored plan of this runtime.
	pub type PlanOf<T> = Plan<
		<T as frame_system::Config>::AccountId,
		BlockNumberFor<T>,
		BalanceOf<T>,
		<T as Config>::MaxRanges,
		<T as Config>::MaxRegionsPerPlan,
	>;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The currency deposits are held in.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
		/// The runtime's hold reasons, which include this pallet's.
		type RuntimeHoldReason: From<HoldReason>;
		/// The accounts sponsors must have.
		type Accounts: AccountDirectory<Self::AccountId>;
		/// Where the plan's start and end go.
		type Scheduler: ScheduleJob<BlockNumberFor<Self>>;
		/// Opens, pauses and closes the plan's contracts.
		type Hosting: ContractManager<Self::AccountId>;
		/// The deposit held per plan.
		#[pallet::constant]
		type PlanDeposit: Get<BalanceOf<Self>>;
		/// The deposit held per contract of a plan.
		#[pallet::constant]
		type ContractDeposit: Get<BalanceOf<Self>>;
		/// The most chunk ranges a plan lists.
		#[pallet::constant]
		type MaxRanges: Get<u32>;
		/// The most regions a plan lists.
		#[pallet::constant]
		type MaxRegionsPerPlan: Get<u32>;
		/// Hosters per contract when the plan does not say.
		#[pallet::constant]
		type DefaultHosters: Get<u8>;
		/// The most hosters per contract.
		#[pallet::constant]
		type MaxHostersPerContract: Get<u8>;
		/// The most chunks one contract covers.
		#[pallet::constant]
		type MaxChunksPerContract: Get<u32>;
		/// The most contracts a plan's ranges may be cut into.
		#[pallet::constant]
		type MaxContractsPerPlan: Get<u32>;
		/// The most live plans one sponsor may have.
		#[pallet::constant]
		type MaxPlansPerSponsor: Get<u32>;
		/// The most live plans of one feed.
		#[pallet::constant]
		type MaxPlansPerFeed: Get<u32>;
		/// Blocks a sponsor must wait between two changes of a plan (update, pause, resume), so
		/// that the scheduling they trigger cannot be bought in bulk.
		#[pallet::constant]
		type ChangeCooldown: Get<BlockNumberFor<Self>>;
		/// Sets up other pallets' state for this pallet's benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: datdot_primitives::BenchmarkHelper<Self::AccountId>;
		/// Weights of the calls and jobs, from benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of a live plan.
		PlanDeposit,
	}

	/// The id the next plan gets.
	#[pallet::storage]
	pub type NextPlanId<T> = StorageValue<_, PlanId, ValueQuery>;

	/// Live plans by id.
	#[pallet::storage]
	pub type Plans<T: Config> = StorageMap<_, Twox64Concat, PlanId, PlanOf<T>>;

	/// How many live plans each sponsor has.
	#[pallet::storage]
	pub type SponsorPlans<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// The verified roots and signature of each live plan's feed.
	#[pallet::storage]
	pub type FeedTrees<T: Config> = StorageMap<_, Twox64Concat, PlanId, FeedRoots>;

	/// The live plans of each feed (by key), so that a fork reaches all of them.
	#[pallet::storage]
	pub type FeedPlans<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, [u8; 32], Twox64Concat, PlanId, (), OptionQuery>;

	/// How many live plans each feed has.
	#[pallet::storage]
	pub type FeedPlanCount<T: Config> = StorageMap<_, Blake2_128Concat, [u8; 32], u32, ValueQuery>;

	/// Feeds whose key signed two conflicting trees: no plan may host them any more.
	#[pallet::storage]
	pub type ForkedFeeds<T: Config> =
		StorageMap<_, Blake2_128Concat, [u8; 32], ForkRecord<BlockNumberFor<T>>>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A plan was published and its start put in the calendar.
		PlanSubscribed {
			/// The plan.
			plan: PlanId,
			/// Its sponsor.
			sponsor: T::AccountId,
			/// How many contracts its ranges were cut into.
			contracts: u32,
			/// The block at which matching starts.
			start: BlockNumberFor<T>,
		},
		/// A plan's end, priority or minimum performance changed.
		PlanUpdated {
			/// The plan.
			plan: PlanId,
		},
		/// A plan was paused: no challenges, no new matching.
		PausePlan {
			/// The plan.
			plan: PlanId,
		},
		/// A paused plan was resumed.
		ResumePlan {
			/// The plan.
			plan: PlanId,
		},
		/// A plan moved to a newer signed length of its feed.
		FeedUpgraded {
			/// The plan.
			plan: PlanId,
			/// The new length.
			length: u64,
			/// How many contracts its new ranges were cut into.
			contracts: u32,
		},
		/// A feed's key signed two conflicting trees: its plans end (`EndPlan` with
		/// `FeedForked`) and it can no longer be hosted.
		FeedForked {
			/// The feed's key.
			key: [u8; 32],
			/// The fork id both trees were signed on.
			fork: u64,
			/// Who showed it.
			reporter: T::AccountId,
			/// How many live plans end.
			plans: u32,
		},
		/// A plan ended; its contracts ended before it.
		EndPlan {
			/// The plan.
			plan: PlanId,
			/// Why it ended.
			reason: EndReason,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The caller has no account.
		NoAccount,
		/// No live plan has this id.
		UnknownPlan,
		/// Only the plan's sponsor may do this.
		NotSponsor,
		/// The feed key did not sign this tree hash, length and fork.
		BadFeedSignature,
		/// The feed's key is not the hash of the default manifest of its signer.
		WrongManifest,
		/// The feed has no blocks.
		EmptyFeed,
		/// The feed is longer than a Hypercore can be (2^53 − 1 blocks).
		FeedTooLong,
		/// The roots are not the roots of the feed's length, or their sizes overflow.
		WrongRoots,
		/// The feed's key signed two conflicting trees (see `ForkedFeeds`).
		FeedForked,
		/// The feed has `MaxPlansPerFeed` live plans.
		TooManyPlansForFeed,
		/// An upgrade must be to a greater length.
		NotAnUpgrade,
		/// The upgrade nodes are too few, too many or not the ones the lengths call for.
		BadUpgradeProof,
		/// Two trees of different fork ids: a truncation, which Hypercore allows.
		DifferentForks,
		/// Trees of different lengths need a node proof to show a conflict.
		ForkProofRequired,
		/// The proven node is not a root of the shorter tree.
		NotARoot,
		/// The node proof does not hold in the longer tree.
		BadForkProof,
		/// The two trees agree: no fork.
		NotConflicting,
		/// The plan lists no chunk range.
		NoRanges,
		/// The plan lists more ranges than `MaxRanges`.
		TooManyRanges,
		/// A range holds no chunk.
		EmptyRange,
		/// A range reaches past the feed's length.
		RangeOutOfFeed,
		/// Ranges must ascend without overlapping.
		RangesOverlap,
		/// The plan lists no region.
		NoRegions,
		/// The plan lists more regions than `MaxRegionsPerPlan`.
		TooManyRegions,
		/// A region is not a geohash prefix of 1 to 8 characters.
		InvalidRegion,
		/// Hosters per contract must be 1 to `MaxHostersPerContract`.
		InvalidHosterCount,
		/// The start block has passed.
		StartInPast,
		/// The end block must come after the start and after now.
		InvalidEnd,
		/// The ranges cut into more contracts than `MaxContractsPerPlan`.
		TooManyContracts,
		/// The sponsor has `MaxPlansPerSponsor` live plans.
		TooManyPlans,
		/// The plan is paused already.
		AlreadyPaused,
		/// The plan is not paused.
		NotPaused,
		/// The caller cannot cover the plan deposit.
		InsufficientBalance,
		/// `Critical` is reserved for the chain's deadlines and repairs.
		ReservedPriority,
		/// The plan changed less than `ChangeCooldown` blocks ago.
		ChangeTooSoon,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Publishes a plan; the caller becomes its sponsor.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::plan_subscribe(Pallet::<T>::contracts_needed(&plan.ranges)))]
		pub fn plan_subscribe(
			origin: OriginFor<T>,
			plan: PlanInput<BlockNumberFor<T>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_subscribe(who, plan)
		}

		/// Changes a plan's end block, priority or minimum performance, and moves it to a newer
		/// signed length of its feed with more ranges to host.
		#[pallet::call_index(1)]
		#[pallet::weight(Pallet::<T>::update_weight(&update))]
		pub fn plan_update(
			origin: OriginFor<T>,
			plan_id: PlanId,
			update: PlanUpdate<BlockNumberFor<T>>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_update(who, plan_id, update)
		}

		/// Pauses a plan: its challenges and matching stop. A matching in progress is abandoned
		/// and counts as a failed try.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::plan_pause(T::MaxContractsPerPlan::get()))]
		pub fn plan_pause(origin: OriginFor<T>, plan_id: PlanId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let contracts = Self::do_pause(who, plan_id)?;
			Ok(Some(T::WeightInfo::plan_pause(contracts)).into())
		}

		/// Resumes a paused plan.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::plan_resume(T::MaxContractsPerPlan::get()))]
		pub fn plan_resume(origin: OriginFor<T>, plan_id: PlanId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let contracts = Self::do_resume(who, plan_id)?;
			Ok(Some(T::WeightInfo::plan_resume(contracts)).into())
		}

		/// Ends a plan: its contracts end, providers are released, the deposit is returned.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::plan_unsubscribe(T::MaxContractsPerPlan::get()))]
		pub fn plan_unsubscribe(
			origin: OriginFor<T>,
			plan_id: PlanId,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let plan = Plans::<T>::get(plan_id).ok_or(Error::<T>::UnknownPlan)?;
			ensure!(plan.sponsor == who, Error::<T>::NotSponsor);
			let contracts = Self::do_end(plan_id, EndReason::Unsubscribed)?;
			Ok(Some(T::WeightInfo::plan_unsubscribe(contracts)).into())
		}

		/// Shows that a feed's key signed two trees that cannot both be true of one log: the
		/// same fork id and either the same length with other roots, or a root of the shorter
		/// tree that `proof` (a node proof in the longer tree) shows to be different. The feed
		/// is recorded as forked and every live plan of it ends. Anyone may report.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::feed_fork_report(T::MaxPlansPerFeed::get()))]
		pub fn feed_fork_report(
			origin: OriginFor<T>,
			feed: FeedKey,
			first: SignedTree,
			second: SignedTree,
			proof: Option<NodeProof>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let plans = Self::do_fork_report(who, feed, first, second, proof)?;
			Ok(Some(T::WeightInfo::feed_fork_report(plans)).into())
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::DefaultHosters::get() >= 1, "DefaultHosters must be at least 1");
			assert!(
				T::DefaultHosters::get() <= T::MaxHostersPerContract::get(),
				"DefaultHosters must not exceed MaxHostersPerContract"
			);
			assert!(T::MaxChunksPerContract::get() >= 1, "contracts must hold a chunk");
			assert!(!T::ChangeCooldown::get().is_zero(), "changes need a cooldown");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
}
