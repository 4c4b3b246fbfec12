//! The DatDot pallets: their bounds, timings and deposits, and how they are wired together.

use frame_support::{
	parameter_types,
	traits::{ConstU32, Randomness},
};
use sp_runtime::{
	traits::{BlakeTwo256, Hash as _},
	Perbill, Permill,
};

use crate::{
	weights, Accounts, Balance, Balances, Benchmarks, BlockNumber, Hash, Hosting, Plans, Proofs,
	Roles, Runtime, RuntimeHoldReason, Scheduler, System, MILLI_UNIT, MINUTES,
};

/// The most hosters one contract has. Plans (as `u8`) and Hosting (as `u32`) share it.
pub const MAX_HOSTERS_PER_CONTRACT: u8 = 8;
/// The most contracts one plan is cut into.
pub const MAX_CONTRACTS_PER_PLAN: u32 = 16;

parameter_types! {
	pub const AccountDeposit: Balance = 10 * MILLI_UNIT;
	pub const RoleDeposit: Balance = 100 * MILLI_UNIT;
	/// A pool of n members asks the next one for n more milli-units: filling a pool of 10,000
	/// to lock a region costs about 50,000 units, held.
	pub const PoolDepositPerMember: Balance = MILLI_UNIT;
	pub const PlanDeposit: Balance = 50 * MILLI_UNIT;
	pub const ContractDeposit: Balance = 10 * MILLI_UNIT;
	pub const MaxHostersU8: u8 = MAX_HOSTERS_PER_CONTRACT;
	pub const MaxHostersU32: u32 = MAX_HOSTERS_PER_CONTRACT as u32;
	pub const MaxContractsPerPlan: u32 = MAX_CONTRACTS_PER_PLAN;
	pub const MatchingTimeout: BlockNumber = 2 * MINUTES;
	pub const SetupTimeout: BlockNumber = 10 * MINUTES;
	pub const RetryBackoff: BlockNumber = MINUTES;
	/// The sweep challenges every position once per 10 minutes while the budget keeps up.
	pub const ChallengePeriod: u32 = 10 * MINUTES;
	pub const ChallengeTimeout: BlockNumber = 2 * MINUTES;
	/// The sweep benchmarks every active contract once an hour while the budget keeps up.
	pub const BenchmarkPeriod: u32 = 60 * MINUTES;
	pub const BenchmarkTimeout: BlockNumber = 5 * MINUTES;
	/// Jobs may use a fifth of a block.
	pub const SchedulerShare: Perbill = Perbill::from_percent(20);
	/// A plan changes (update, pause, resume) at most once per 3 blocks.
	pub const ChangeCooldown: BlockNumber = 3;
	/// A sponsor may ask for a challenge or benchmark of one contract once a minute.
	pub const RequestCooldown: BlockNumber = MINUTES;
	/// A provider needs 80 % of its challenges passed in a region to take new work there...
	pub const MinReliability: Permill = Permill::from_percent(80);
	/// Attestors' votes go before ordinary transactions: a round has two minutes to agree.
	pub const VotePriority: sp_runtime::transaction_validity::TransactionPriority =
		sp_runtime::transaction_validity::TransactionPriority::MAX / 2;
	/// A failed job is tried again after a minute, then 2, 4 minutes.
	pub const JobRetryDelay: BlockNumber = MINUTES;
}

/// The randomness DatDot draws attestors, seeds and replacements with: the VRF output of the
/// parent block's author (`pallet_babe::ParentBlockRandomness`), hashed with the draw's subject
/// (`docs/SECURITY.md`, "Randomness"). Only before the chain's first BABE block, which has no
/// parent VRF output, does the parent hash stand in.
pub struct BabeRandomness;

impl Randomness<Hash, BlockNumber> for BabeRandomness {
	fn random(subject: &[u8]) -> (Hash, BlockNumber) {
		match pallet_babe::ParentBlockRandomness::<Runtime>::random(subject) {
			(Some(output), known_since) => (output, known_since),
			(None, known_since) => {
				(BlakeTwo256::hash_of(&(subject, System::parent_hash())), known_since)
			}
		}
	}
}

impl pallet_datdot_accounts::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type AccountDeposit = AccountDeposit;
	type MaxEndpointLen = ConstU32<128>;
	type Usage = (Roles, Plans);
	type WeightInfo = weights::pallet_datdot_accounts::WeightInfo<Runtime>;
}

impl pallet_datdot_roles::Config for Runtime {
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmark_helper::DatDotBenchmarkHelper;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Accounts = Accounts;
	type Hosting = Hosting;
	type RoleDeposit = RoleDeposit;
	type PoolDepositPerMember = PoolDepositPerMember;
	type MaxRegionsPerProvider = ConstU32<4>;
	type MaxCapacity = ConstU32<32>;
	type MaxPoolSize = ConstU32<10_000>;
	type RatingPrecision = ConstU32<4>;
	type MaxSamples = ConstU32<5>;
	type MeasurementQuorum = ConstU32<3>;
	type MinReliability = MinReliability;
	// ...once it has been challenged five times there.
	type ReliabilityGrace = ConstU32<5>;
	type WeightInfo = weights::pallet_datdot_roles::WeightInfo<Runtime>;
}

impl pallet_datdot_plans::Config for Runtime {
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmark_helper::DatDotBenchmarkHelper;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Accounts = Accounts;
	type Scheduler = Scheduler;
	type Hosting = Hosting;
	type PlanDeposit = PlanDeposit;
	type ContractDeposit = ContractDeposit;
	type MaxRanges = ConstU32<16>;
	type MaxRegionsPerPlan = ConstU32<4>;
	type DefaultHosters = frame_support::traits::ConstU8<3>;
	type MaxHostersPerContract = MaxHostersU8;
	type MaxChunksPerContract = ConstU32<65_536>;
	type MaxContractsPerPlan = MaxContractsPerPlan;
	type MaxPlansPerSponsor = ConstU32<64>;
	type MaxPlansPerFeed = ConstU32<16>;
	type ChangeCooldown = ChangeCooldown;
	type WeightInfo = weights::pallet_datdot_plans::WeightInfo<Runtime>;
}

impl pallet_datdot_hosting::Config for Runtime {
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmark_helper::DatDotBenchmarkHelper;
	type Plans = Plans;
	type Providers = Roles;
	type Ratings = Roles;
	type Accounts = Accounts;
	type AttestorKeys = Roles;
	type Scheduler = Scheduler;
	type Randomness = BabeRandomness;
	type Observer = (Proofs, Benchmarks);
	type AttestorsPerMatching = ConstU32<3>;
	type MaxAttestorsPerMatching = ConstU32<3>;
	type MatchingQuorum = ConstU32<2>;
	type MaxHostersPerContract = MaxHostersU32;
	type MaxContractsPerPlan = MaxContractsPerPlan;
	type MatchingTimeout = MatchingTimeout;
	type SetupTimeout = SetupTimeout;
	type RetryBackoff = RetryBackoff;
	type MaxMatchingAttempts = ConstU32<6>;
	type MaxRepairAttempts = ConstU32<6>;
	type MaxDrawAttempts = ConstU32<24>;
	type MaxSetupRejections = ConstU32<2>;
	type VotePriority = VotePriority;
	type WeightInfo = weights::pallet_datdot_hosting::WeightInfo<Runtime>;
}

impl pallet_datdot_proofs::Config for Runtime {
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmark_helper::DatDotBenchmarkHelper;
	type Plans = Plans;
	type Contracts = Hosting;
	type Ratings = Roles;
	type Randomness = BabeRandomness;
	type ChallengePeriod = ChallengePeriod;
	// 24 positions a block: the sweep keeps every position challenged once per period up to
	// 2,400 positions, and half as many again at random up to 1,200 (`docs/PERFORMANCE.md`).
	// The budget is set by what the answers carry: a block's worth of challenges (below) must
	// be answerable in the half of a block's length kept for operational transactions, at
	// 69.1 KB an answer at worst (`integrity_test` checks it).
	type ChallengesPerBlock = ConstU32<24>;
	// The block's own and one sponsor request of 8 hosters.
	type MaxChallengesPerBlock = ConstU32<32>;
	type MaxAnswersPerCall = ConstU32<16>;
	type ChallengeTimeout = ChallengeTimeout;
	// One chunk a challenge: four chunks in one challenge or one in each of four sample a copy
	// alike, byte for byte, and one lets a block's answers cover four times as many positions.
	type ChunksPerChallenge = ConstU32<1>;
	type MaxChunkSize = ConstU32<{ 64 * 1024 }>;
	type MaxHostersPerContract = MaxHostersU32;
	type MaxConsecutiveFailures = ConstU32<3>;
	type RequestCooldown = RequestCooldown;
	type WeightInfo = weights::pallet_datdot_proofs::WeightInfo<Runtime>;
}

impl pallet_datdot_benchmarks::Config for Runtime {
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmark_helper::DatDotBenchmarkHelper;
	type Plans = Plans;
	type Contracts = Hosting;
	type Providers = Roles;
	type Ratings = Roles;
	type Accounts = Accounts;
	type Randomness = BabeRandomness;
	type BenchmarkPeriod = BenchmarkPeriod;
	// 16 contracts a block: every contract once an hour up to 9,600 contracts.
	type BenchmarksPerBlock = ConstU32<16>;
	// The block's own and eight sponsors' requests.
	type MaxBenchmarksPerBlock = ConstU32<24>;
	type BenchmarkTimeout = BenchmarkTimeout;
	type MaxHostersPerContract = MaxHostersU32;
	type MaxDrawAttempts = ConstU32<24>;
	// A minute of round trip is no longer a reachable hoster.
	type MaxLatencyMs = ConstU32<60_000>;
	// At least 1 kB/s moved, at most 100 GB/s.
	type MinBandwidthKbps = ConstU32<1>;
	type MaxBandwidthKbps = ConstU32<100_000_000>;
	type RequestCooldown = RequestCooldown;
	type WeightInfo = weights::pallet_datdot_benchmarks::WeightInfo<Runtime>;
}

impl pallet_datdot_scheduler::Config for Runtime {
	// Each pallet runs its own kind of job.
	type Executor = (Plans, Hosting);
	type MaxJobsPerBlock = ConstU32<64>;
	// A quarter of every block's calendar is kept for deadlines and repairs.
	type ReservedPerBlock = ConstU32<16>;
	type MaxJobRetries = ConstU32<3>;
	type RetryDelay = JobRetryDelay;
	type MaxCalendarProbe = ConstU32<64>;
	type MaxQueueLen = ConstU32<100_000>;
	type MaxJobsPerRun = ConstU32<64>;
	type BlockShare = SchedulerShare;
	type WeightInfo = weights::pallet_datdot_scheduler::WeightInfo<Runtime>;
}
