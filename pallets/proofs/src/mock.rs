//! A runtime with `System` and `Proofs`. Plans, ratings, the scheduler and the randomness are
//! the shared test doubles of `datdot_primitives::testing`; the contracts are a mock of this
//! file.

use core::cell::RefCell;
use datdot_primitives::{
	encoding::{self, HostedCopy},
	feed::{BlockProof, FeedTree},
	testing::{self, doubles, region, MockPlans, MockRatings, TestRandomness},
	ChunkRange, ContractDirectory, ContractId, ContractObserver, ContractStatus, EndReason,
	HostedPosition, Performance, PlanId, PlanTerms, Priority, Region,
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

/// A contract with terms of its own: one the benchmark helper set up. Every other contract of
/// the mock is plan 0's over RANGE, hosted in `u3`.
#[derive(Clone, Debug)]
pub struct MockContract {
	/// Its plan.
	pub plan: PlanId,
	/// The chunks it covers.
	pub range: ChunkRange,
	/// The region its positions serve.
	pub region: Region,
}

/// What the contract mock holds and was told.
#[derive(Default)]
pub struct World {
	pub status: BTreeMap<ContractId, ContractStatus>,
	pub hosters: BTreeMap<ContractId, Vec<AccountId>>,
	pub replaced: Vec<(ContractId, AccountId)>,
	/// Hosters whose recorded copy is not their honest one of the tests' feed (`hosted_copy`):
	/// forged ones, and the copies of the benchmark helper's hosters.
	pub copies: BTreeMap<AccountId, HostedCopy>,
	pub ended: Vec<(ContractId, EndReason)>,
	/// The contracts with terms of their own.
	pub contracts: BTreeMap<ContractId, MockContract>,
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
		with_world(|w| {
			let status = *w.status.get(&contract)?;
			let (plan, range) =
				w.contracts.get(&contract).map_or((0, RANGE), |c| (c.plan, c.range));
			Some((plan, range, status))
		})
	}
	fn hosted_positions(contract: ContractId) -> Vec<HostedPosition<AccountId>> {
		with_world(|w| {
			let served =
				w.contracts.get(&contract).map_or_else(|| region("u3"), |c| c.region.clone());
			w.hosters
				.get(&contract)
				.map(|hs| {
					hs.iter()
						.map(|h| HostedPosition {
							hoster: *h,
							region: served.clone(),
							copy: w.copies.get(h).copied().unwrap_or_else(|| hosted_copy(*h)),
						})
						.collect()
				})
				.unwrap_or_default()
		})
	}
	/// Records the replacement. A contract with terms of its own also loses the hoster, and
	/// `Proofs` is told, as `Hosting` does; the unit tests' contracts keep their hosters.
	fn replace_hoster(contract: ContractId, hoster: &AccountId) -> DispatchResult {
		let leaves = with_world(|w| {
			w.replaced.push((contract, *hoster));
			let own = w.contracts.contains_key(&contract);
			if own {
				if let Some(hosters) = w.hosters.get_mut(&contract) {
					hosters.retain(|h| h != hoster);
				}
			}
			own
		});
		if leaves {
			Proofs::hoster_removed(contract, hoster);
		}
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
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
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

/// Fresh storage and fresh doubles for the benchmark test suite. The benchmarks set up their
/// own plans and contracts through [`MockBenchmarkHelper`].
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	testing::reset();
	WORLD.with(|w| *w.borrow_mut() = World::default());
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	sp_io::TestExternalities::new(storage)
}

#[cfg(feature = "runtime-benchmarks")]
pub use benchmark_helper::MockBenchmarkHelper;

/// The benchmarks' state on this mock: plans in the doubles, contracts in [`World`].
///
/// The suite wipes the storage after each run of a benchmark but not the doubles and the
/// world, so every plan and contract gets an id above all earlier ones and runs never meet.
#[cfg(feature = "runtime-benchmarks")]
mod benchmark_helper {
	use super::*;
	use codec::Encode;
	use datdot_primitives::{
		attestor::{AttestorId, AttestorPair},
		blake2_256,
		feed::{benchmark_feed, TreeBuilder},
		BenchmarkHelper, Role,
	};

	/// Sets up what the proof benchmarks start from, as `Plans` and `Hosting` would on the
	/// runtime: plans of the benchmark feed and contracts hosted by fresh hosters whose copies
	/// are that feed's blocks encoded under their copy keys.
	pub struct MockBenchmarkHelper;

	/// The region `bytes` names (the benchmarks' regions are valid).
	fn region_of(bytes: &[u8]) -> Region {
		Region::new(bytes).expect("a valid benchmark region")
	}

	/// An account id of the benchmark helper's own, derived from `what`.
	fn derived(what: impl Encode) -> AccountId {
		testing::derived_account(what)
	}

	/// `hoster`'s copy of `range` of the feed `log` in `contract`: its key, from a seed of its
	/// own, and the commitment to its encoded blocks.
	fn copy<F: Fn(u64) -> Vec<u8>>(
		contract: ContractId,
		hoster: AccountId,
		range: ChunkRange,
		log: &TreeBuilder<F>,
	) -> HostedCopy {
		let seed = H256(blake2_256(&(b"datdot/mock-seed", contract, hoster).encode()));
		let key = encoding::copy_key(&[0; 32], contract, &hoster, &seed);
		let leaves: Vec<H256> = (range.start..range.end)
			.map(|i| encoding::leaf(&encoding::encode_block(&key, i.into(), &log.block(i.into()))))
			.collect();
		HostedCopy { key, commitment: encoding::commitment(&leaves) }
	}

	/// Makes every contract of `plan` (over the benchmark feed of `length` blocks of
	/// `block_size` bytes) active with `hosters` fresh hosters holding their copies, and tells
	/// `Proofs`. Returns the contracts `Proofs` took.
	fn activate(plan: PlanId, hosters: u8, length: u64, block_size: u32) -> Vec<ContractId> {
		let log = benchmark_feed(length, block_size);
		let contracts: Vec<(ContractId, ChunkRange)> = with_world(|w| {
			w.contracts
				.iter()
				.filter(|(_, c)| c.plan == plan)
				.map(|(id, c)| (*id, c.range))
				.collect()
		});
		contracts
			.into_iter()
			.filter_map(|(contract, range)| {
				let hosting: Vec<AccountId> =
					(0..hosters).map(|n| derived((b"hoster", contract, n))).collect();
				let copies: Vec<(AccountId, HostedCopy)> =
					hosting.iter().map(|h| (*h, copy(contract, *h, range, &log))).collect();
				with_world(|w| {
					w.status.insert(contract, ContractStatus::Active);
					w.hosters.insert(contract, hosting);
					w.copies.extend(copies);
				});
				Proofs::activated(contract).ok().map(|()| contract)
			})
			.collect()
	}

	impl BenchmarkHelper<AccountId> for MockBenchmarkHelper {
		/// Gives `who` an account at `location` (the mock has no balances).
		fn account(who: &AccountId, location: &[u8]) {
			testing::give_account(*who, location);
		}

		/// Gives `who` an account: the mock has no registry of providers.
		fn provider(who: &AccountId, _: Role, region: &[u8], _: u32) {
			Self::account(who, region);
		}

		fn plan(
			sponsor: &AccountId,
			contracts: u32,
			hosters: u8,
			region: &[u8],
			length: u64,
			block_size: u32,
		) -> PlanId {
			Self::account(sponsor, region);
			let served = region_of(region);
			let plan =
				testing::benchmark_plan(*sponsor, hosters, served.clone(), length, block_size);
			let ranges = testing::benchmark_ranges(contracts, length);
			with_world(|w| {
				for range in ranges {
					let id = w.status.keys().chain(w.contracts.keys()).max().map_or(0, |c| c + 1);
					w.status.insert(id, ContractStatus::Matching);
					w.contracts.insert(id, MockContract { plan, range, region: served.clone() });
				}
			});
			plan
		}

		/// Like `plan`, every contract active, and every hoster challenged by a request.
		fn active_plan(
			sponsor: &AccountId,
			contracts: u32,
			hosters: u8,
			region: &[u8],
			length: u64,
			block_size: u32,
		) -> PlanId {
			let plan = Self::plan(sponsor, contracts, hosters, region, length, block_size);
			for contract in activate(plan, hosters, length, block_size) {
				let _ = Proofs::do_request(*sponsor, contract);
			}
			plan
		}

		fn active_contract(
			sponsor: &AccountId,
			hosters: u8,
			region: &[u8],
			length: u64,
			block_size: u32,
		) -> Option<ContractId> {
			let plan = Self::plan(sponsor, 1, hosters, region, length, block_size);
			activate(plan, hosters, length, block_size).first().copied()
		}

		/// Signs with [`testing::signer`], the key `MockAccounts` gives every account.
		fn sign(who: &AccountId, message: &[u8]) -> [u8; 64] {
			testing::signer(*who).sign(message).0
		}

		/// A key derived from `who`: the mock has no registry of attestor keys.
		fn attestor_key(who: &AccountId) -> AttestorId {
			AttestorPair::from_seed(&blake2_256(&(b"datdot/mock-attestor", who).encode())).public()
		}
	}
}
