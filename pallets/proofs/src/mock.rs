//! A runtime with `System` and `Proofs`. Plans, ratings, the scheduler and the randomness are
//! the shared test doubles of `datdot_primitives::testing`; the contracts are a mock of this
//! file.

use core::cell::RefCell;
use datdot_primitives::{
	encoding::{self, HostedCopy},
	feed::{BlockProof, FeedTree},
	testing::{self, doubles, region, MockPlans, MockRatings, TestRandomness},
	ChunkRange, ContractDirectory, ContractId, ContractObserver, ContractStatus, EndReason,
	HostedPosition, Performance, PlanId, PlanTerms, Priority,
};
use frame_support::{derive_impl, parameter_types};
use sp_core::{Pair, H256};
use sp_runtime::{BuildStorage, DispatchResult};
use std::collections::BTreeMap;

use crate as pallet_datdot_proofs;

type Block = frame_system::mocking::MockBlock<Test>;
pub use datdot_primitives::testing::AccountId;

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

/// The feed of the tests: the shared test feed at 16 blocks.
pub const FEED_LENGTH: u32 = 16;

/// Block `i` of the feed.
pub fn chunk(i: u32) -> Vec<u8> {
	testing::feed_block(i.into())
}

/// Hypercore's proof of block `i` against the feed's signed tree.
pub fn block_proof(i: u32) -> BlockProof {
	testing::feed_log(FEED_LENGTH.into()).block_proof(0, i.into())
}

/// The key of `hoster`'s copy (in every contract of the mock).
pub fn copy_key(hoster: AccountId) -> [u8; 32] {
	encoding::copy_key(&[0; 32], 0, &hoster, &H256::repeat_byte(hoster as u8))
}

/// Chunk `i` as `hoster`'s copy holds it.
pub fn encoded_chunk(hoster: AccountId, i: u32) -> Vec<u8> {
	encoding::encode_block(&copy_key(hoster), i.into(), &chunk(i))
}

/// The leaves of `hoster`'s copy of RANGE.
pub fn copy_leaves(hoster: AccountId) -> Vec<H256> {
	(RANGE.start..RANGE.end).map(|i| encoding::leaf(&encoded_chunk(hoster, i))).collect()
}

/// `hoster`'s copy as the contract records it.
pub fn hosted_copy(hoster: AccountId) -> HostedCopy {
	HostedCopy { key: copy_key(hoster), commitment: encoding::commitment(&copy_leaves(hoster)) }
}

/// `hoster`'s honest answer for chunk `i`.
pub fn chunk_proof(hoster: AccountId, i: u32) -> crate::ChunkProof {
	crate::ChunkProof {
		encoded: encoded_chunk(hoster, i),
		copy_path: encoding::commitment_path(&copy_leaves(hoster), i - RANGE.start)
			.expect("a chunk of the range"),
		nodes: block_proof(i).nodes,
	}
}

/// The feed's tree as the plan holds it.
pub fn feed_tree() -> FeedTree {
	FeedTree {
		length: FEED_LENGTH.into(),
		fork: 0,
		roots: testing::signed_feed(FEED_LENGTH.into(), 0).roots,
	}
}

/// What the contract mock holds and was told.
#[derive(Default)]
pub struct World {
	pub status: BTreeMap<ContractId, ContractStatus>,
	pub hosters: BTreeMap<ContractId, Vec<AccountId>>,
	pub replaced: Vec<(ContractId, AccountId)>,
	/// Hosters whose recorded copy is not their honest one.
	pub copies: BTreeMap<AccountId, HostedCopy>,
	pub ended: Vec<(ContractId, EndReason)>,
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
					hs.iter()
						.map(|h| HostedPosition {
							hoster: *h,
							region: region("u3"),
							copy: w.copies.get(h).copied().unwrap_or_else(|| hosted_copy(*h)),
						})
						.collect()
				})
				.unwrap_or_default()
		})
	}
	fn replace_hoster(contract: ContractId, hoster: &AccountId) -> DispatchResult {
		with_world(|w| w.replaced.push((contract, *hoster)));
		Ok(())
	}
	fn end(contract: ContractId, reason: EndReason) {
		with_world(|w| {
			w.ended.push((contract, reason));
			w.status.remove(&contract);
		});
	}
}

parameter_types! {
	pub const ChallengePeriod: u32 = 50;
	pub const ChallengesPerBlock: u32 = 4;
	pub const MaxChallengesPerBlock: u32 = 8;
	pub const MaxAnswersPerCall: u32 = 4;
	pub const ChallengeTimeout: u64 = 10;
	pub const ChunksPerChallenge: u32 = 3;
	pub const MaxChunkSize: u32 = 128;
	pub const MaxHosters: u32 = 4;
	pub const MaxConsecutiveFailures: u32 = 2;
	pub const RequestCooldown: u64 = 5;
}

impl crate::Config for Test {
	type Plans = MockPlans;
	type Contracts = MockContracts;
	type Ratings = MockRatings;
	type Randomness = TestRandomness;
	type ChallengePeriod = ChallengePeriod;
	type ChallengesPerBlock = ChallengesPerBlock;
	type MaxChallengesPerBlock = MaxChallengesPerBlock;
	type MaxAnswersPerCall = MaxAnswersPerCall;
	type ChallengeTimeout = ChallengeTimeout;
	type ChunksPerChallenge = ChunksPerChallenge;
	type MaxChunkSize = MaxChunkSize;
	type MaxHostersPerContract = MaxHosters;
	type MaxConsecutiveFailures = MaxConsecutiveFailures;
	type RequestCooldown = RequestCooldown;
	type WeightInfo = ();
}

/// Moves to block `n` (the doubles see it too).
pub fn set_block(n: u64) {
	System::set_block_number(n);
	doubles(|d| d.now = n);
}

/// Contracts `0..contracts` of plan 0, each active (its positions checked) and hosted by
/// HOSTER_A and HOSTER_B; `build_and_execute` runs a test on them and then checks the pallet's
/// invariants.
pub struct ExtBuilder {
	contracts: u64,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { contracts: 1 }
	}
}

impl ExtBuilder {
	pub fn contracts(mut self, contracts: u64) -> Self {
		self.contracts = contracts;
		self
	}

	pub fn build_and_execute(self, test: impl FnOnce()) {
		testing::reset();
		WORLD.with(|w| *w.borrow_mut() = World::default());
		doubles(|d| {
			d.plans.insert(
				0,
				PlanTerms {
					sponsor: SPONSOR,
					regions: vec![region("u3")],
					hosters: 2,
					min_performance: Performance { max_latency_ms: 100, min_bandwidth_kbps: 1 },
					key: testing::feed_author().public().0,
					length: FEED_LENGTH.into(),
					priority: Priority::Normal,
					paused: false,
				},
			);
			d.feeds.insert(0, feed_tree());
		});
		with_world(|w| {
			for contract in 0..self.contracts {
				w.status.insert(contract, ContractStatus::Active);
				w.hosters.insert(contract, vec![HOSTER_A, HOSTER_B]);
			}
		});
		let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			set_block(1);
			for contract in 0..self.contracts {
				Proofs::activated(contract).expect("activated");
			}
			test();
			Proofs::do_try_state().expect("proof invariants hold");
		});
	}
}

/// Runs `test` with contract 0 active, then checks the pallet's invariants.
pub fn new_test_ext(test: impl FnOnce()) {
	ExtBuilder::default().build_and_execute(test)
}

/// Fresh storage for the benchmark test suite.
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	sp_io::TestExternalities::new(storage)
}
