#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod checks;
mod dispatchable_impls;
#[cfg(test)]
mod mock;
mod offchain;
#[cfg(test)]
mod offchain_tests;
mod rule;
pub mod runtime_api;
#[cfg(test)]
mod tests;
mod tick_impls;
mod trait_impls;
mod types;
mod utility_impls;
pub mod weights;

pub use offchain::{invalid_vote, VOTE_RESEND_AFTER};
pub use pallet::*;
pub use types::*;
pub use utility_impls::ATTESTOR_POSITION;
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use datdot_primitives::{
		attestor::{AttestorKeys, AttestorSignature},
		AccountDirectory, ChunkRange, ContractId, ContractObserver, EndReason, PlanDirectory,
		PlanId, ProviderRegistry, Ratings, Role, ScheduleJob,
	};
	use frame_support::{pallet_prelude::*, traits::Randomness};
	use frame_system::{offchain::CreateAuthorizedTransaction, pallet_prelude::*};
	use sp_core::H256;

	/// A stored contract of this runtime.
	pub type ContractOf<T> = Contract<
		<T as frame_system::Config>::AccountId,
		BlockNumberFor<T>,
		<T as Config>::MaxHostersPerContract,
	>;
	/// A matching round of this runtime.
	pub type RoundOf<T> = MatchingRound<
		<T as frame_system::Config>::AccountId,
		<T as Config>::MaxAttestorsPerMatching,
		<T as Config>::MaxHostersPerContract,
	>;
	/// A selection of this runtime.
	pub type SelectionOf<T> =
		Selection<<T as frame_system::Config>::AccountId, <T as Config>::MaxHostersPerContract>;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config + CreateAuthorizedTransaction<Call<Self>> {
		/// The plans contracts belong to.
		type Plans: PlanDirectory<Self::AccountId>;
		/// The providers, their pools and capacity.
		type Providers: ProviderRegistry<Self::AccountId>;
		/// Per-region ratings that matching and repair respect.
		type Ratings: Ratings<Self::AccountId>;
		/// The accounts, for the hosters' signing keys.
		type Accounts: AccountDirectory<Self::AccountId>;
		/// The attestor keys votes are signed with.
		type AttestorKeys: AttestorKeys<Self::AccountId>;
		/// Where deadlines and retries go.
		type Scheduler: ScheduleJob<BlockNumberFor<Self>>;
		/// On-chain randomness for drawing attestors, seeds and replacements.
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;
		/// Told when a contract's checks start and stop (proofs, benchmarks).
		type Observer: ContractObserver<Self::AccountId>;
		/// Attestors drawn per matching.
		#[pallet::constant]
		type AttestorsPerMatching: Get<u32>;
		/// The bound of the attestor list of a round (at least `AttestorsPerMatching`).
		#[pallet::constant]
		type MaxAttestorsPerMatching: Get<u32>;
		/// How many agreeing attestors make a quorum.
		#[pallet::constant]
		type MatchingQuorum: Get<u32>;
		/// The most hosters per contract.
		#[pallet::constant]
		type MaxHostersPerContract: Get<u32>;
		/// The most contracts per plan.
		#[pallet::constant]
		type MaxContractsPerPlan: Get<u32>;
		/// Blocks attestors have to agree on a selection.
		#[pallet::constant]
		type MatchingTimeout: Get<BlockNumberFor<Self>>;
		/// Blocks the setup attestor has to report.
		#[pallet::constant]
		type SetupTimeout: Get<BlockNumberFor<Self>>;
		/// Blocks before the first retry; each further retry waits twice as long.
		#[pallet::constant]
		type RetryBackoff: Get<BlockNumberFor<Self>>;
		/// Matching tries before a plan ends as unmatchable.
		#[pallet::constant]
		type MaxMatchingAttempts: Get<u32>;
		/// Repair tries before a contract ends as unrepairable.
		#[pallet::constant]
		type MaxRepairAttempts: Get<u32>;
		/// Random draws per needed provider before giving up for this try.
		#[pallet::constant]
		type MaxDrawAttempts: Get<u32>;
		/// Rejecting reports a setup attestor may send before it is replaced itself.
		#[pallet::constant]
		type MaxSetupRejections: Get<u32>;
		/// The pool priority of attestors' votes (`submit_matching_vote`).
		#[pallet::constant]
		type VotePriority: Get<TransactionPriority>;
		/// Sets up other pallets' state for this pallet's benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: datdot_primitives::BenchmarkHelper<Self::AccountId>;
		/// Weights of the calls and jobs, from benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// The id the next contract gets.
	#[pallet::storage]
	pub type NextContractId<T> = StorageValue<_, ContractId, ValueQuery>;

	/// Live contracts by id.
	#[pallet::storage]
	pub type Contracts<T: Config> = StorageMap<_, Twox64Concat, ContractId, ContractOf<T>>;

	/// The contracts of each live plan.
	#[pallet::storage]
	pub type PlanContracts<T: Config> = StorageMap<
		_,
		Twox64Concat,
		PlanId,
		BoundedVec<ContractId, T::MaxContractsPerPlan>,
		ValueQuery,
	>;

	/// Counts random draws, so draws in the same block differ.
	#[pallet::storage]
	pub type DrawNonce<T> = StorageValue<_, u64, ValueQuery>;

	/// Matching rounds in progress, by contract.
	#[pallet::storage]
	pub type Rounds<T: Config> = StorageMap<_, Twox64Concat, ContractId, RoundOf<T>>;

	/// Sponsors' abandoned matching rounds, which hold back their next draws.
	#[pallet::storage]
	pub type SponsorStrikes<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, Strikes<BlockNumberFor<T>>>;

	/// The jobs each provider holds: (provider, role, contract). Bounded by the provider's
	/// capacity, so a departing provider's jobs are found without scanning contracts.
	#[pallet::storage]
	pub type ProviderJobs<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Blake2_128Concat, T::AccountId>,
			NMapKey<Twox64Concat, Role>,
			NMapKey<Twox64Concat, ContractId>,
		),
		(),
		OptionQuery,
	>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Attestors were drawn to select a contract's providers.
		MatchingStarted {
			/// The plan.
			plan: PlanId,
			/// The contract.
			contract: ContractId,
			/// The attestors who select.
			attestors: BoundedVec<T::AccountId, T::MaxAttestorsPerMatching>,
			/// The seed their selections permute with.
			seed: H256,
			/// The block by which a quorum must agree.
			deadline: BlockNumberFor<T>,
		},
		/// An attestor's selection was recorded.
		SelectionSubmitted {
			/// The contract.
			contract: ContractId,
			/// The attestor.
			attestor: T::AccountId,
			/// How many attestors submitted this same selection so far.
			agreeing: u32,
		},
		/// A matching try failed; another follows at `retry_at` unless the plan ended.
		MatchingFailed {
			/// The plan.
			plan: PlanId,
			/// The contract.
			contract: ContractId,
			/// How many tries failed in a row.
			attempts: u32,
			/// When the next try runs; `None` when the plan ended as unmatchable.
			retry_at: Option<BlockNumberFor<T>>,
		},
		/// The sponsor paused or unsubscribed while attestors were drawn: the round is dropped
		/// and counts as a failed try.
		MatchingAbandoned {
			/// The plan.
			plan: PlanId,
			/// The contract.
			contract: ContractId,
			/// How many tries failed or were abandoned in a row.
			attempts: u32,
		},
		/// A contract is matched: its providers are booked and setup begins.
		StartHosting {
			/// The plan.
			plan: PlanId,
			/// The contract.
			contract: ContractId,
			/// The chunks it covers.
			range: ChunkRange,
			/// The hosters, by position.
			hosters: BoundedVec<T::AccountId, T::MaxHostersPerContract>,
			/// The encoder of each hoster.
			encoders: BoundedVec<T::AccountId, T::MaxHostersPerContract>,
			/// The attestor who checks the setup.
			attestor: T::AccountId,
		},
		/// Every position of a contract is set up; challenges begin.
		HostingActive {
			/// The plan.
			plan: PlanId,
			/// The contract.
			contract: ContractId,
		},
		/// Failed or departed providers of a contract and their replacements.
		RepairHosting {
			/// The plan.
			plan: PlanId,
			/// The contract.
			contract: ContractId,
			/// What changed, by position.
			repairs: alloc::vec::Vec<Repair<T::AccountId>>,
			/// The attestor who checks the new setup.
			attestor: Option<T::AccountId>,
		},
		/// A contract ended and its providers were released.
		EndHosting {
			/// The plan.
			plan: PlanId,
			/// The contract.
			contract: ContractId,
			/// Why it ended.
			reason: EndReason,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No live contract has this id.
		UnknownContract,
		/// The contract has no matching in progress.
		NoMatchingRound,
		/// The matching rule finds no eligible candidate for a position within its probes.
		NoRuleCandidate,
		/// The caller is not one of the contract's drawn attestors.
		NotMatchingAttestor,
		/// The caller already submitted a selection for this round.
		AlreadySubmitted,
		/// The selection is not the one the matching rule gives (`docs/MATCHING.md`).
		NotRuleSelection,
		/// The selection does not name one hoster and one encoder per position.
		WrongSelectionSize,
		/// A selected hoster is not a hoster available in its position's region.
		HosterNotEligible,
		/// A selected encoder is not an encoder available in its position's region.
		EncoderNotEligible,
		/// A selected provider has no free capacity.
		NoFreeCapacity,
		/// A selected hoster's rating in the region (reliability, or measured quality) is below
		/// what new work needs.
		BelowMinimumPerformance,
		/// A provider appears twice, or is the sponsor or a matching attestor.
		ProvidersNotDistinct,
		/// None of the agreeing attestors can take the setup duty.
		NoSetupAttestor,
		/// The caller is not the contract's setup attestor.
		NotSetupAttestor,
		/// The contract is not being set up.
		NotSettingUp,
		/// The report names a hoster that is not being set up in this contract.
		UnexpectedHoster,
		/// The report leaves out a hoster that is being set up.
		MissingHoster,
		/// The report names a hoster twice.
		DuplicateHoster,
		/// A hoster's signature over the setup message does not verify.
		BadHosterSignature,
		/// The plan of the contract is gone.
		UnknownPlan,
		/// The contract cannot move to that status from the one it is in.
		InvalidTransition,
		/// A plan may not have more contracts than `MaxContractsPerPlan`.
		TooManyContracts,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// The setup attestor reports, per hoster being set up, the hoster's signature over the
		/// setup message (its copy is good) or `None` (it failed and is replaced).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::hosting_setup_report(T::MaxHostersPerContract::get()))]
		pub fn hosting_setup_report(
			origin: OriginFor<T>,
			report: SetupReport<T::AccountId>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_setup_report(who, report)
		}

		/// A drawn attestor submits its selection of providers for a contract; a quorum of
		/// equal selections books them (`StartHosting`).
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::submit_matching(T::MaxHostersPerContract::get()))]
		pub fn submit_matching(
			origin: OriginFor<T>,
			contract: ContractId,
			selection: SelectionInput<T::AccountId>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_submit_matching(who, contract, selection)
		}

		/// A drawn attestor's vote, signed by its attestor key: what attestors' off-chain
		/// workers submit. Authorized in the pool (no fee, no account signature): only a vote
		/// of a drawn attestor for its live round, signed by the key tied to it, with the
		/// rule's selection, gets in; then it counts as `submit_matching` from that attestor.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::submit_matching(T::MaxHostersPerContract::get()))]
		#[pallet::authorize(Self::authorize_vote)]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_matching_vote(
			T::MaxHostersPerContract::get()
		))]
		pub fn submit_matching_vote(
			origin: OriginFor<T>,
			vote: MatchingVote<T::AccountId>,
			signature: AttestorSignature,
		) -> DispatchResult {
			ensure_authorized(origin)?;
			// The signature and the round were checked by `authorize_vote`, in the pool and
			// again when the block applies the transaction.
			let _ = signature;
			Self::do_submit_matching(vote.attestor, vote.contract, vote.selection)
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MatchingQuorum::get() >= 1, "a quorum needs an attestor");
			assert!(
				T::MatchingQuorum::get() <= T::AttestorsPerMatching::get(),
				"the quorum cannot exceed the attestors drawn"
			);
			assert!(
				T::AttestorsPerMatching::get() <= T::MaxAttestorsPerMatching::get(),
				"AttestorsPerMatching exceeds its bound"
			);
			assert!(
				T::MaxHostersPerContract::get() < u32::from(u8::MAX),
				"positions are numbered with u8"
			);
			assert!(T::MaxSetupRejections::get() >= 1, "an attestor must be allowed to reject");
		}

		/// Votes on the matching rounds that drew an attestor whose key this node holds.
		fn offchain_worker(now: BlockNumberFor<T>) {
			Self::vote_from_keystore(now);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
}
