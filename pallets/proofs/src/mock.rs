//! A runtime with `System` and `Proofs`; plans, contracts, ratings and the scheduler are mocks.

use core::cell::RefCell;
use datdot_primitives::{
	ChunkRange, ContractDirectory, ContractId, ContractStatus, EndReason, HostedPosition, Job,
	JobId, Performance, PlanDirectory, PlanId, PlanTerms, Priority, Rating, Ratings, Region,
	ScheduleJob,
};
use frame_support::{derive_impl, parameter_types, traits::Randomness};
use sp_core::H256;
use sp_runtime::{
	traits::{BlakeTwo256, Hash},
	BuildStorage, DispatchError, DispatchResult,
};
use std::collections::BTreeMap;

use crate as pallet_datdot_proofs;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Proofs: pallet_datdot_proofs,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

/// The feed of the tests: 16 chunks.
pub fn chunk(i: u32) -> Vec<u8> {
	format!("chunk number {i} of the datdot test feed").into_bytes()
}

pub const FEED_LENGTH: u32 = 16;

pub fn root() -> H256 {
	binary_merkle_tree::merkle_root::<BlakeTwo256, _>((0..FEED_LENGTH).map(chunk))
}

/// The Merkle path of chunk `i`.
pub fn path(i: u32) -> Vec<H256> {
	binary_merkle_tree::merkle_proof::<BlakeTwo256, _, _>((0..FEED_LENGTH).map(chunk), i).proof
}

#[derive(Default)]
pub struct World {
	pub status: BTreeMap<ContractId, ContractStatus>,
	pub hosters: BTreeMap<ContractId, Vec<AccountId>>,
	pub replaced: Vec<(ContractId, AccountId)>,
	pub ratings: BTreeMap<AccountId, Rating>,
	pub scheduled: Vec<(JobId, u64, Job)>,
	pub cancelled: Vec<JobId>,
	pub next_job: JobId,
}

thread_local! {
	pub static WORLD: RefCell<World> = RefCell::new(World::default());
}

pub fn with_world<R>(f: impl FnOnce(&mut World) -> R) -> R {
	WORLD.with(|w| f(&mut w.borrow_mut()))
}

pub const SPONSOR: AccountId = 1;
pub const HOSTER_A: AccountId = 10;
pub const HOSTER_B: AccountId = 11;
/// Contract 0 of plan 0 covers chunks 4..12.
pub const RANGE: ChunkRange = ChunkRange { start: 4, end: 12 };

pub fn region() -> Region {
	Region::new(b"u3").unwrap()
}

pub struct MockPlans;
impl PlanDirectory<AccountId> for MockPlans {
	fn terms(plan: PlanId) -> Option<PlanTerms<AccountId>> {
		(plan == 0).then(|| PlanTerms {
			sponsor: SPONSOR,
			regions: vec![region()],
			hosters: 2,
			min_performance: Performance { max_latency_ms: 100, min_bandwidth_kbps: 1 },
			root: root(),
			length: FEED_LENGTH,
			priority: Priority::Normal,
			paused: false,
		})
	}
	fn end_plan(_: PlanId, _: EndReason) -> DispatchResult {
		Ok(())
	}
}

pub struct MockContracts;
impl ContractDirectory<AccountId> for MockContracts {
	fn summary(contract: ContractId) -> Option<(PlanId, ChunkRange, ContractStatus)> {
		with_world(|w| w.status.get(&contract).map(|s| (0, RANGE, *s)))
	}
	fn hosted_positions(contract: ContractId) -> Vec<HostedPosition<AccountId>> {
		with_world(|w| {
			w.hosters
				.get(&contract)
				.map(|hs| {
					hs.iter().map(|h| HostedPosition { hoster: *h, region: region() }).collect()
				})
				.unwrap_or_default()
		})
	}
	fn replace_hoster(contract: ContractId, hoster: &AccountId) -> DispatchResult {
		with_world(|w| w.replaced.push((contract, *hoster)));
		Ok(())
	}
}

pub struct MockRatings;
impl Ratings<AccountId> for MockRatings {
	fn rating(who: &AccountId, _: &Region) -> Rating {
		with_world(|w| w.ratings.get(who).copied().unwrap_or_default())
	}
	fn record_challenge(who: &AccountId, _: &Region, passed: bool) -> Rating {
		with_world(|w| {
			let rating = w.ratings.entry(*who).or_default();
			rating.record_challenge(passed);
			*rating
		})
	}
	fn record_measurement(_: &AccountId, _: &Region, _: u32, _: u32) {}
}

pub struct MockScheduler;
impl ScheduleJob<u64> for MockScheduler {
	fn schedule(at: u64, job: Job, _: Priority) -> Result<JobId, DispatchError> {
		Ok(with_world(|w| {
			let id = w.next_job;
			w.next_job += 1;
			w.scheduled.push((id, at, job));
			id
		}))
	}
	fn enqueue(job: Job, priority: Priority) -> Result<JobId, DispatchError> {
		Self::schedule(System::block_number(), job, priority)
	}
	fn cancel(id: JobId) -> bool {
		with_world(|w| w.cancelled.push(id));
		true
	}
}

pub struct TestRandomness;
impl Randomness<H256, u64> for TestRandomness {
	fn random(subject: &[u8]) -> (H256, u64) {
		(BlakeTwo256::hash(subject), System::block_number())
	}
}

parameter_types! {
	pub const ChallengePeriod: u64 = 50;
	pub const ChallengeTimeout: u64 = 10;
	pub const ChunksPerChallenge: u32 = 3;
	pub const MaxChunkSize: u32 = 64;
	pub const MaxProofDepth: u32 = 8;
	pub const MaxHosters: u32 = 4;
	pub const MaxConsecutiveFailures: u32 = 2;
}

impl crate::Config for Test {
	type Plans = MockPlans;
	type Contracts = MockContracts;
	type Ratings = MockRatings;
	type Scheduler = MockScheduler;
	type Randomness = TestRandomness;
	type ChallengePeriod = ChallengePeriod;
	type ChallengeTimeout = ChallengeTimeout;
	type ChunksPerChallenge = ChunksPerChallenge;
	type MaxChunkSize = MaxChunkSize;
	type MaxProofDepth = MaxProofDepth;
	type MaxHostersPerContract = MaxHosters;
	type MaxConsecutiveFailures = MaxConsecutiveFailures;
	type WeightInfo = ();
}

/// Runs `test` at block 1 with contract 0 active and hosted by HOSTER_A and HOSTER_B.
pub fn new_test_ext(test: impl FnOnce()) {
	WORLD.with(|w| *w.borrow_mut() = World::default());
	with_world(|w| {
		w.status.insert(0, ContractStatus::Active);
		w.hosters.insert(0, vec![HOSTER_A, HOSTER_B]);
	});
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		test();
		Proofs::do_try_state().expect("proof invariants hold");
	});
}

/// Fresh storage for the benchmark test suite.
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	sp_io::TestExternalities::new(storage)
}
