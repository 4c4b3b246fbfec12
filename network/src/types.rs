//! The chain's types as this client reads and writes them: the pallets' own storage and call
//! types at the runtime's parameters, and the fields of the events the network acts on.

use codec::Decode;
use datdot_primitives::{BenchmarkId, ChallengeId, ChunkIndex, ChunkRange, ContractId, PlanId};
use frame_support::traits::ConstU32;
use sp_core::crypto::AccountId32;

pub use pallet_datdot_hosting::{
	CopyConfirmation, HosterSetup, PositionState, Repair, SetupReport,
};
pub use pallet_datdot_plans::{FeedInput, FeedRoots, PlanInput};
pub use pallet_datdot_proofs::{ChunkProof, StorageProof};

/// Block numbers.
pub type BlockNumber = u32;
/// Balances.
pub type Balance = u128;
/// A bound no stored list reaches: decoding checks lengths against it, the runtime's own
/// bounds are smaller.
type Any = ConstU32<{ u32::MAX }>;

/// A stored contract.
pub type Contract = pallet_datdot_hosting::Contract<AccountId32, BlockNumber, Any>;
/// A contract's position.
pub type Position = pallet_datdot_hosting::Position<AccountId32>;
/// A stored plan.
pub type Plan = pallet_datdot_plans::Plan<AccountId32, BlockNumber, Balance, Any, Any>;
/// An open storage challenge.
pub type Challenge = pallet_datdot_proofs::Challenge<AccountId32, BlockNumber, Any>;
/// An open performance benchmark.
pub type Benchmark = pallet_datdot_benchmarks::Benchmark<AccountId32, BlockNumber, Any>;
/// A stored account.
pub type Account = pallet_datdot_accounts::Account<Balance, Any>;
/// A registered provider of one role.
pub type Provider = pallet_datdot_roles::Provider<BlockNumber, Balance, Any>;

/// `Hosting::StartHosting`.
#[derive(Clone, Debug, Decode)]
pub struct StartHosting {
	/// The plan.
	pub plan: PlanId,
	/// The contract.
	pub contract: ContractId,
	/// The chunks it covers.
	pub range: ChunkRange,
	/// The hosters, by position.
	pub hosters: Vec<AccountId32>,
	/// The encoder of each hoster.
	pub encoders: Vec<AccountId32>,
	/// The setup attestor.
	pub attestor: AccountId32,
}

/// `Hosting::RepairHosting`.
#[derive(Clone, Debug, Decode)]
pub struct RepairHosting {
	/// The plan.
	pub plan: PlanId,
	/// The contract.
	pub contract: ContractId,
	/// What changed, by position.
	pub repairs: Vec<Repair<AccountId32>>,
	/// The attestor who checks the new setup.
	pub attestor: Option<AccountId32>,
}

/// `Hosting::HostingActive`, `Hosting::EndHosting` (its reason is not read).
#[derive(Clone, Debug, Decode)]
pub struct ContractEvent {
	/// The plan.
	pub plan: PlanId,
	/// The contract.
	pub contract: ContractId,
}

/// One challenge of a `Proofs::ProvideProofOfStorage`.
#[derive(Clone, Debug, Decode)]
pub struct Challenged {
	/// The challenge.
	pub challenge: ChallengeId,
	/// The hoster.
	pub hoster: AccountId32,
	/// The contract.
	pub contract: ContractId,
	/// The chunks to prove.
	pub chunks: Vec<ChunkIndex>,
}

/// `Proofs::ProvideProofOfStorage`: a block's challenges, or a sponsor's request's.
#[derive(Clone, Debug, Decode)]
pub struct ProvideProofOfStorage {
	/// The challenges.
	pub challenges: Vec<Challenged>,
	/// The last block in which an answer counts.
	pub deadline: BlockNumber,
}

/// `Proofs::ProofAccepted`.
#[derive(Clone, Debug, Decode)]
pub struct ProofAccepted {
	/// The challenge.
	pub challenge: ChallengeId,
	/// The hoster.
	pub hoster: AccountId32,
	/// The contract.
	pub contract: ContractId,
}

/// `Proofs::ProofMissed`.
#[derive(Clone, Debug, Decode)]
pub struct ProofMissed {
	/// The challenge.
	pub challenge: ChallengeId,
	/// The hoster.
	pub hoster: AccountId32,
	/// The contract.
	pub contract: ContractId,
	/// The hoster's misses in a row in this contract.
	pub consecutive_failures: u32,
}

/// One benchmark of a `Benchmarks::ProvidePerformanceBenchmark`.
#[derive(Clone, Debug, Decode)]
pub struct Assigned {
	/// The benchmark.
	pub benchmark: BenchmarkId,
	/// The attestor who measures.
	pub attestor: AccountId32,
	/// The contract.
	pub contract: ContractId,
	/// The hosters to measure.
	pub hosters: Vec<AccountId32>,
}

/// `Benchmarks::ProvidePerformanceBenchmark`: a block's benchmarks, or a sponsor's request's.
#[derive(Clone, Debug, Decode)]
pub struct ProvidePerformanceBenchmark {
	/// The benchmarks.
	pub benchmarks: Vec<Assigned>,
	/// The last block in which a report counts.
	pub deadline: BlockNumber,
}

/// The events the network acts on.
#[derive(Clone, Debug)]
pub enum Event {
	/// A contract was matched.
	StartHosting(StartHosting),
	/// Providers of a contract were replaced.
	RepairHosting(RepairHosting),
	/// A contract is active.
	HostingActive(ContractEvent),
	/// A contract ended.
	EndHosting(ContractEvent),
	/// A hoster is challenged.
	ProvideProofOfStorage(ProvideProofOfStorage),
	/// An attestor must measure hosters.
	ProvidePerformanceBenchmark(ProvidePerformanceBenchmark),
	/// A hoster's answer was accepted.
	ProofAccepted(ProofAccepted),
	/// A hoster missed a challenge.
	ProofMissed(ProofMissed),
}

impl Event {
	/// The event `pallet::variant` with SCALE-encoded `fields`, if it is one the network acts on.
	pub fn decode(
		pallet: &str,
		variant: &str,
		fields: &[u8],
	) -> Result<Option<Self>, codec::Error> {
		let mut input = fields;
		Ok(Some(match (pallet, variant) {
			("Hosting", "StartHosting") => Self::StartHosting(Decode::decode(&mut input)?),
			("Hosting", "RepairHosting") => Self::RepairHosting(Decode::decode(&mut input)?),
			("Hosting", "HostingActive") => Self::HostingActive(Decode::decode(&mut input)?),
			("Hosting", "EndHosting") => Self::EndHosting(Decode::decode(&mut input)?),
			("Proofs", "ProvideProofOfStorage") => {
				Self::ProvideProofOfStorage(Decode::decode(&mut input)?)
			}
			("Benchmarks", "ProvidePerformanceBenchmark") => {
				Self::ProvidePerformanceBenchmark(Decode::decode(&mut input)?)
			}
			("Proofs", "ProofAccepted") => Self::ProofAccepted(Decode::decode(&mut input)?),
			("Proofs", "ProofMissed") => Self::ProofMissed(Decode::decode(&mut input)?),
			_ => return Ok(None),
		}))
	}
}
