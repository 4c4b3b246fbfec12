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
		rota::Rota, AccountDirectory, BenchmarkId, ContractDirectory, ContractId, PlanDirectory,
		ProviderRegistry, Ratings,
	};
	use frame_support::{pallet_prelude::*, traits::Randomness};
	use frame_system::pallet_prelude::*;

	/// An open benchmark of this runtime.
	pub type BenchmarkOf<T> = Benchmark<
		<T as frame_system::Config>::AccountId,
		BlockNumberFor<T>,
		<T as Config>::MaxHostersPerContract,
	>;

	/// A benchmark as this runtime announces it.
	pub type AssignedOf<T> =
		Assigned<<T as frame_system::Config>::AccountId, <T as Config>::MaxHostersPerContract>;

	/// The benchmarks of one announcement.
	pub type AnnouncementOf<T> = BoundedVec<AssignedOf<T>, <T as Config>::MaxBenchmarksPerBlock>;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The plans, for the sponsor.
		type Plans: PlanDirectory<Self::AccountId>;
		/// The contracts, for their hosters.
		type Contracts: ContractDirectory<Self::AccountId>;
		/// The attestor pools.
		type Providers: ProviderRegistry<Self::AccountId>;
		/// Where measurements are counted.
		type Ratings: Ratings<Self::AccountId>;
		/// The accounts, for signing keys and the attestor's location.
		type Accounts: AccountDirectory<Self::AccountId>;
		/// On-chain randomness for drawing attestors.
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;
		/// The window in which the sweep benchmarks every active contract once, in blocks,
		/// while `BenchmarksPerBlock` keeps up.
		#[pallet::constant]
		type BenchmarkPeriod: Get<u32>;
		/// The budget: contracts the sweep visits per block, whatever the number of contracts.
		#[pallet::constant]
		type BenchmarksPerBlock: Get<u32>;
		/// The most benchmarks whose deadline falls in one block: the sweep's and sponsors'
		/// requests. Also the most one announcement lists.
		#[pallet::constant]
		type MaxBenchmarksPerBlock: Get<u32>;
		/// Blocks the attestor has to report.
		#[pallet::constant]
		type BenchmarkTimeout: Get<BlockNumberFor<Self>>;
		/// The most hosters per contract.
		#[pallet::constant]
		type MaxHostersPerContract: Get<u32>;
		/// Random draws before no attestor is found for this try.
		#[pallet::constant]
		type MaxDrawAttempts: Get<u32>;
		/// The highest latency a measurement may report, in milliseconds; more is not a
		/// measurement of a reachable hoster.
		#[pallet::constant]
		type MaxLatencyMs: Get<u32>;
		/// The lowest bandwidth a measurement may report, in kilobytes per second (a hoster that
		/// answered moved at least this much).
		#[pallet::constant]
		type MinBandwidthKbps: Get<u32>;
		/// The highest bandwidth a measurement may report, in kilobytes per second.
		#[pallet::constant]
		type MaxBandwidthKbps: Get<u32>;
		/// Blocks a sponsor must wait between two requests for the same contract.
		#[pallet::constant]
		type RequestCooldown: Get<BlockNumberFor<Self>>;
		/// Sets up other pallets' state for this pallet's benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: datdot_primitives::BenchmarkHelper<Self::AccountId>;
		/// Weights of the calls and jobs, from benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// The id the next benchmark gets.
	#[pallet::storage]
	pub type NextBenchmarkId<T> = StorageValue<_, BenchmarkId, ValueQuery>;

	/// Open benchmarks by id.
	#[pallet::storage]
	pub type Benchmarks<T: Config> = StorageMap<_, Twox64Concat, BenchmarkId, BenchmarkOf<T>>;

	/// The open benchmark of each contract (at most one).
	#[pallet::storage]
	pub type OpenBenchmarks<T: Config> = StorageMap<_, Twox64Concat, ContractId, BenchmarkId>;

	/// The benchmarks whose deadline passes at a block (the block after their last): one bucket
	/// per block, taken whole when the block comes. Answered ones are skipped.
	#[pallet::storage]
	pub type Deadlines<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<BenchmarkId, T::MaxBenchmarksPerBlock>,
		ValueQuery,
	>;

	/// The active contracts, densely at `0..MeasuredCount`: what the sweep walks.
	#[pallet::storage]
	pub type Measured<T> = StorageMap<_, Twox64Concat, u32, ContractId>;

	/// How many contracts are measured.
	#[pallet::storage]
	pub type MeasuredCount<T> = StorageValue<_, u32, ValueQuery>;

	/// Where each measured contract lies in `Measured`.
	#[pallet::storage]
	pub type MeasuredIndex<T> = StorageMap<_, Twox64Concat, ContractId, u32>;

	/// Where the sweep stands, and by how much the last block fell behind.
	#[pallet::storage]
	pub type Sweep<T> = StorageValue<_, Rota, ValueQuery>;

	/// Counts random draws, so draws in the same block differ.
	#[pallet::storage]
	pub type DrawNonce<T> = StorageValue<_, u64, ValueQuery>;

	/// The block of each contract's last sponsor request, for `RequestCooldown`.
	#[pallet::storage]
	pub type LastRequest<T: Config> = StorageMap<_, Twox64Concat, ContractId, BlockNumberFor<T>>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Attestors must measure these hosters by the deadline: a block's benchmarks, or a
		/// sponsor's request.
		ProvidePerformanceBenchmark {
			/// The benchmarks, each naming its attestor, contract and hosters.
			benchmarks: AnnouncementOf<T>,
			/// The last block in which a report counts.
			deadline: BlockNumberFor<T>,
		},
		/// A benchmark's measurements were recorded in the region the attestor was drawn for.
		BenchmarkRecorded {
			/// The benchmark.
			benchmark: BenchmarkId,
			/// The attestor.
			attestor: T::AccountId,
			/// The contract.
			contract: ContractId,
		},
		/// A benchmark was not reported in time.
		BenchmarkMissed {
			/// The benchmark.
			benchmark: BenchmarkId,
			/// The attestor who failed to report.
			attestor: T::AccountId,
			/// The contract.
			contract: ContractId,
		},
		/// This block owed the sweep more visits than `BenchmarksPerBlock`: contracts are
		/// benchmarked less often than once per `BenchmarkPeriod` until the budget catches up.
		BenchmarksBehind {
			/// The sweep's visits owed beyond the budget.
			behind: u32,
			/// The measured contracts.
			contracts: u32,
			/// The budget.
			budget: u32,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No live contract has this id.
		UnknownContract,
		/// The contract's plan is gone.
		UnknownPlan,
		/// Only the plan's sponsor may request a benchmark.
		NotSponsor,
		/// The contract has no hoster to measure, or is paused.
		NothingToMeasure,
		/// The contract already has an open benchmark.
		BenchmarkPending,
		/// No attestor could be drawn.
		NoAttestor,
		/// No open benchmark has this id.
		UnknownBenchmark,
		/// The caller is not the benchmark's attestor.
		NotBenchmarkAttestor,
		/// The report does not give one measurement per hoster of the benchmark.
		WrongHosters,
		/// A hoster's proof of contact does not verify.
		BadContactProof,
		/// A latency or bandwidth lies outside the physical range the chain accepts.
		ImplausibleMeasurement,
		/// The benchmark's deadline has passed.
		DeadlinePassed,
		/// The sponsor asked for this contract less than `RequestCooldown` blocks ago.
		RequestTooSoon,
		/// The block of this benchmark's deadline holds `MaxBenchmarksPerBlock` deadlines
		/// already; ask again in the next block.
		TooManyBenchmarks,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// The sponsor asks for a performance benchmark of a contract's hosters now.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::performance_benchmark_request())]
		pub fn performance_benchmark_request(
			origin: OriginFor<T>,
			data: BenchmarkRequest,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_request(who, data.contract)
		}

		/// The assigned attestor reports its measurements with the hosters' proofs of contact.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::performance_benchmark_response(
			T::MaxHostersPerContract::get()
		))]
		pub fn performance_benchmark_response(
			origin: OriginFor<T>,
			rating: BenchmarkReport<T::AccountId>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_response(who, rating)
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::expire(now).saturating_add(Self::measure_block())
		}

		fn integrity_test() {
			assert!(
				T::MinBandwidthKbps::get() <= T::MaxBandwidthKbps::get(),
				"the bandwidth range is empty"
			);
			assert!(T::BenchmarkPeriod::get() >= 1, "the benchmark window is empty");
			assert!(
				T::MaxBenchmarksPerBlock::get() > T::BenchmarksPerBlock::get(),
				"a block's deadlines must hold its benchmarks and a sponsor's request"
			);
			assert!(
				T::BlockWeights::get().max_block.all_gte(Self::worst_block_weight()),
				"a block's benchmarks and deadlines do not fit in a block"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
}
