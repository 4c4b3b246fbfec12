//! The DatDot pallets: their bounds, timings and deposits, and how they are wired together.

use datdot_primitives::{ExecuteJob, Job};
use frame_support::{parameter_types, traits::ConstU32, weights::Weight};
use sp_runtime::Perbill;

use crate::{
	weights, Accounts, Balance, Balances, Benchmarks, BlockNumber, Hosting, Plans, Proofs,
	RandomnessCollectiveFlip, Roles, Runtime, RuntimeHoldReason, Scheduler, MILLI_UNIT, MINUTES,
};

/// The most hosters one contract has. Plans (as `u8`) and Hosting (as `u32`) share it.
pub const MAX_HOSTERS_PER_CONTRACT: u8 = 8;
/// The most contracts one plan is cut into.
pub const MAX_CONTRACTS_PER_PLAN: u32 = 16;

parameter_types! {
	pub const AccountDeposit: Balance = 10 * MILLI_UNIT;
	pub const RoleDeposit: Balance = 100 * MILLI_UNIT;
	pub const PlanDeposit: Balance = 50 * MILLI_UNIT;
	pub const ContractDeposit: Balance = 10 * MILLI_UNIT;
	pub const MaxHostersU8: u8 = MAX_HOSTERS_PER_CONTRACT;
	pub const MaxHostersU32: u32 = MAX_HOSTERS_PER_CONTRACT as u32;
	pub const MaxContractsPerPlan: u32 = MAX_CONTRACTS_PER_PLAN;
	pub const MatchingTimeout: BlockNumber = 2 * MINUTES;
	pub const SetupTimeout: BlockNumber = 10 * MINUTES;
	pub const RetryBackoff: BlockNumber = MINUTES;
	pub const ChallengePeriod: BlockNumber = 10 * MINUTES;
	pub const ChallengeTimeout: BlockNumber = 2 * MINUTES;
	pub const BenchmarkPeriod: BlockNumber = 60 * MINUTES;
	pub const BenchmarkTimeout: BlockNumber = 5 * MINUTES;
	/// Jobs may use a fifth of a block.
	pub const SchedulerShare: Perbill = Perbill::from_percent(20);
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
	type MaxRegionsPerProvider = ConstU32<4>;
	type MaxCapacity = ConstU32<32>;
	type MaxPoolSize = ConstU32<10_000>;
	type RatingPrecision = ConstU32<4>;
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
	type WeightInfo = weights::pallet_datdot_plans::WeightInfo<Runtime>;
}

impl pallet_datdot_hosting::Config for Runtime {
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmark_helper::DatDotBenchmarkHelper;
	type Plans = Plans;
	type Providers = Roles;
	type Ratings = Roles;
	type Accounts = Accounts;
	type Scheduler = Scheduler;
	type Randomness = RandomnessCollectiveFlip;
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
	type WeightInfo = weights::pallet_datdot_hosting::WeightInfo<Runtime>;
}

impl pallet_datdot_proofs::Config for Runtime {
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmark_helper::DatDotBenchmarkHelper;
	type Plans = Plans;
	type Contracts = Hosting;
	type Ratings = Roles;
	type Scheduler = Scheduler;
	type Randomness = RandomnessCollectiveFlip;
	type ChallengePeriod = ChallengePeriod;
	type ChallengeTimeout = ChallengeTimeout;
	type ChunksPerChallenge = ConstU32<4>;
	type MaxChunkSize = ConstU32<{ 64 * 1024 }>;
	type MaxProofDepth = ConstU32<32>;
	type MaxHostersPerContract = MaxHostersU32;
	type MaxConsecutiveFailures = ConstU32<3>;
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
	type Scheduler = Scheduler;
	type Randomness = RandomnessCollectiveFlip;
	type BenchmarkPeriod = BenchmarkPeriod;
	type BenchmarkTimeout = BenchmarkTimeout;
	type MaxHostersPerContract = MaxHostersU32;
	type MaxDrawAttempts = ConstU32<24>;
	type WeightInfo = weights::pallet_datdot_benchmarks::WeightInfo<Runtime>;
}

impl pallet_datdot_scheduler::Config for Runtime {
	type Executor = JobRouter;
	type MaxJobsPerBlock = ConstU32<64>;
	type MaxCalendarProbe = ConstU32<64>;
	type MaxQueueLen = ConstU32<100_000>;
	type MaxJobsPerRun = ConstU32<64>;
	type BlockShare = SchedulerShare;
	type WeightInfo = weights::pallet_datdot_scheduler::WeightInfo<Runtime>;
}

/// Hands each scheduled job to the pallet that owns its record.
pub struct JobRouter;

impl ExecuteJob for JobRouter {
	fn max_weight(job: &Job) -> Weight {
		match job {
			Job::StartPlan(_)
			| Job::RetryMatching(_)
			| Job::MatchingDeadline(_)
			| Job::SetupDeadline(_)
			| Job::RetryRepair(_) => Hosting::job_weight(job),
			Job::StorageChallenge(_) | Job::ChallengeDeadline(_) => Proofs::job_weight(job),
			Job::PerformanceBenchmark(_) | Job::BenchmarkDeadline(_) => Benchmarks::job_weight(job),
			Job::PlanEnd(_) => Plans::job_weight(job),
		}
	}

	fn execute(_id: datdot_primitives::JobId, job: Job) -> Weight {
		match job {
			Job::StartPlan(_)
			| Job::RetryMatching(_)
			| Job::MatchingDeadline(_)
			| Job::SetupDeadline(_)
			| Job::RetryRepair(_) => Hosting::run_job(job),
			Job::StorageChallenge(_) | Job::ChallengeDeadline(_) => Proofs::run_job(job),
			Job::PerformanceBenchmark(_) | Job::BenchmarkDeadline(_) => Benchmarks::run_job(job),
			Job::PlanEnd(_) => Plans::run_job(job),
		}
	}

	fn is_live(job: &Job) -> bool {
		match job {
			Job::StartPlan(_) => Plans::job_is_live(job),
			Job::RetryMatching(_)
			| Job::MatchingDeadline(_)
			| Job::SetupDeadline(_)
			| Job::RetryRepair(_) => Hosting::job_is_live(job),
			Job::StorageChallenge(_) | Job::ChallengeDeadline(_) => Proofs::job_is_live(job),
			Job::PerformanceBenchmark(_) | Job::BenchmarkDeadline(_) => {
				Benchmarks::job_is_live(job)
			}
			Job::PlanEnd(_) => Plans::job_is_live(job),
		}
	}
}
