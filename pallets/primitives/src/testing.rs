//! Test doubles of the coupling traits, shared by every pallet's mock runtime (feature
//! `testing`). They keep their state in one thread-local [`Doubles`] that a test sets up and
//! inspects with [`doubles`]; [`reset`] starts a test from a clean state.
//!
//! Accounts and block numbers are `u64`, as in the mock runtimes.

use alloc::{collections::BTreeMap, collections::BTreeSet, vec::Vec};
use core::cell::RefCell;
use core::marker::PhantomData;
use frame_support::{traits::Randomness, weights::Weight};
use sp_core::{ed25519, Pair, H256};
use sp_runtime::{
	traits::{BlakeTwo256, Hash},
	DispatchError, DispatchResult, Permill,
};

use crate::{
	feed::FeedTree, AccountDirectory, ChunkRange, ContractId, ContractManager, EndReason, Job,
	JobId, Performance, PlanDirectory, PlanId, PlanTerms, Priority, Rating, Ratings, Region, Role,
	ScheduleJob,
};

/// The account type of the mock runtimes.
pub type AccountId = u64;

/// What the doubles hold and were told.
#[derive(Default)]
pub struct Doubles {
	/// Live plans.
	pub plans: BTreeMap<PlanId, PlanTerms<AccountId>>,
	/// The verified feed trees of those plans.
	pub feeds: BTreeMap<PlanId, FeedTree>,
	/// Plans ended through `PlanDirectory::end_plan`, in order.
	pub ended_plans: Vec<(PlanId, EndReason)>,
	/// Accounts that do not exist (every other one does).
	pub without_account: BTreeSet<AccountId>,
	/// Account locations other than the default `u3`.
	pub locations: BTreeMap<AccountId, Region>,
	/// Ratings by provider and region.
	pub ratings: BTreeMap<(AccountId, Region), Rating>,
	/// Measurements recorded: (hoster, region, attestor, latency, bandwidth).
	pub measurements: Vec<(AccountId, Region, AccountId, u32, u32)>,
	/// Distinct attestors before measured quality counts in `qualifies` (1 after `reset`).
	pub measurement_quorum: u32,
	/// Reliability needed by `qualifies` once a provider was challenged at all.
	pub min_reliability: Permill,
	/// Jobs scheduled: (id, block, job, priority).
	pub scheduled: Vec<(JobId, u64, Job, Priority)>,
	/// Jobs scheduled and neither cancelled nor taken by the test.
	pub pending: BTreeSet<JobId>,
	/// Jobs cancelled, in order.
	pub cancelled: Vec<JobId>,
	/// The id the next job gets.
	pub next_job: JobId,
	/// When set, scheduling fails with this error (a full calendar).
	pub refuse_scheduling: Option<&'static str>,
	/// The current block, for `enqueue`.
	pub now: u64,
}

std::thread_local! {
	static DOUBLES: RefCell<Doubles> = RefCell::new(Doubles::default());
}

/// Reads or changes the doubles' state.
pub fn doubles<R>(f: impl FnOnce(&mut Doubles) -> R) -> R {
	DOUBLES.with(|d| f(&mut d.borrow_mut()))
}

/// A clean state for a new test.
pub fn reset() {
	DOUBLES.with(|d| *d.borrow_mut() = Doubles { measurement_quorum: 1, ..Default::default() });
}

/// The ed25519 key pair of an account's off-chain signatures: seeded by its id.
pub fn signer(who: AccountId) -> ed25519::Pair {
	let mut seed = [0u8; 32];
	seed[..8].copy_from_slice(&who.to_le_bytes());
	ed25519::Pair::from_seed(&seed)
}

/// The geohash region `s` (which must be valid).
pub fn region(s: &str) -> Region {
	Region::new(s.as_bytes()).expect("a valid test region")
}

/// A scheduler that records what it is asked; `pending` tracks what would still run.
pub struct MockScheduler;
impl ScheduleJob<u64> for MockScheduler {
	fn schedule(at: u64, job: Job, priority: Priority) -> Result<JobId, DispatchError> {
		doubles(|d| {
			if let Some(error) = d.refuse_scheduling {
				return Err(DispatchError::Other(error));
			}
			let id = d.next_job;
			d.next_job += 1;
			d.scheduled.push((id, at, job, priority));
			d.pending.insert(id);
			Ok(id)
		})
	}
	fn enqueue(job: Job, priority: Priority) -> Result<JobId, DispatchError> {
		let now = doubles(|d| d.now);
		Self::schedule(now, job, priority)
	}
	fn cancel(id: JobId) -> bool {
		doubles(|d| {
			d.cancelled.push(id);
			d.pending.remove(&id)
		})
	}
	fn is_pending(id: JobId) -> bool {
		doubles(|d| d.pending.contains(&id))
	}
}

impl Doubles {
	/// The pending jobs, in the order they were scheduled.
	pub fn pending_jobs(&self) -> Vec<(JobId, u64, Job, Priority)> {
		self.scheduled.iter().filter(|(id, ..)| self.pending.contains(id)).cloned().collect()
	}

	/// Takes the pending job `job` as the scheduler would when running it: it is no longer
	/// pending. Returns its id.
	pub fn take_job(&mut self, job: &Job) -> Option<JobId> {
		let id = self.pending_jobs().into_iter().find(|(_, _, j, _)| j == job)?.0;
		self.pending.remove(&id);
		Some(id)
	}
}

/// Plans from the doubles' state; ending one closes its contracts through `M`.
pub struct MockPlans<M = NoContracts>(PhantomData<M>);
impl<M: ContractManager<AccountId>> PlanDirectory<AccountId> for MockPlans<M> {
	fn terms(plan: PlanId) -> Option<PlanTerms<AccountId>> {
		doubles(|d| d.plans.get(&plan).cloned())
	}
	fn feed(plan: PlanId) -> Option<FeedTree> {
		doubles(|d| d.plans.contains_key(&plan).then(|| d.feeds.get(&plan).cloned()).flatten())
	}
	fn end_plan(plan: PlanId, reason: EndReason) -> DispatchResult {
		if doubles(|d| d.plans.get(&plan).is_none()) {
			return Err(DispatchError::Other("unknown plan"));
		}
		// The contracts end while the terms can still be read, as in `Plans`.
		M::close(plan, reason);
		doubles(|d| {
			d.plans.remove(&plan);
			d.ended_plans.push((plan, reason));
		});
		Ok(())
	}
}

/// A contract manager without contracts, for pallets whose tests need none.
pub struct NoContracts;
impl ContractManager<AccountId> for NoContracts {
	fn open(_: PlanId, ranges: &[ChunkRange]) -> Result<Vec<ContractId>, DispatchError> {
		Ok((0..ranges.len() as u64).collect())
	}
	fn start(_: PlanId) -> DispatchResult {
		Ok(())
	}
	fn start_weight(_: u32) -> Weight {
		Weight::zero()
	}
	fn pause(_: PlanId) -> DispatchResult {
		Ok(())
	}
	fn resume(_: PlanId, _: bool) -> DispatchResult {
		Ok(())
	}
	fn close(_: PlanId, _: EndReason) {}
	fn hand_over(_: &AccountId, _: Role) -> DispatchResult {
		Ok(())
	}
	fn hand_over_weight(_: u32) -> Weight {
		Weight::zero()
	}
}

/// Accounts: every id has one (unless listed in `without_account`), at `u3` unless placed
/// elsewhere, with the key of [`signer`].
pub struct MockAccounts;
impl AccountDirectory<AccountId> for MockAccounts {
	fn has_account(who: &AccountId) -> bool {
		doubles(|d| !d.without_account.contains(who))
	}
	fn location(who: &AccountId) -> Option<Region> {
		Self::has_account(who)
			.then(|| doubles(|d| d.locations.get(who).cloned()).unwrap_or_else(|| region("u3")))
	}
	fn signing_key(who: &AccountId) -> Option<[u8; 32]> {
		Self::has_account(who).then(|| signer(*who).public().0)
	}
}

/// Ratings kept in the doubles' state, qualified by `measurement_quorum` and
/// `min_reliability`.
pub struct MockRatings;
impl Ratings<AccountId> for MockRatings {
	fn rating(who: &AccountId, region: &Region) -> Rating {
		doubles(|d| d.ratings.get(&(*who, region.clone())).copied().unwrap_or_default())
	}
	fn qualifies(who: &AccountId, region: &Region, minimum: &Performance) -> bool {
		let rating = Self::rating(who, region);
		let (quorum, floor) = doubles(|d| (d.measurement_quorum, d.min_reliability));
		(rating.challenges_issued == 0 || rating.reliability() >= floor)
			&& rating.meets(minimum, quorum)
	}
	fn record_challenge(who: &AccountId, region: &Region, passed: bool) {
		doubles(|d| d.ratings.entry((*who, region.clone())).or_default().record_challenge(passed));
	}
	fn record_measurement(
		who: &AccountId,
		region: &Region,
		attestor: &AccountId,
		latency_ms: u32,
		bandwidth_kbps: u32,
	) {
		doubles(|d| {
			d.measurements.push((*who, region.clone(), *attestor, latency_ms, bandwidth_kbps))
		});
	}
}

/// Deterministic randomness: the hash of the subject.
pub struct TestRandomness;
impl Randomness<H256, u64> for TestRandomness {
	fn random(subject: &[u8]) -> (H256, u64) {
		(BlakeTwo256::hash(subject), doubles(|d| d.now))
	}
}

/// The key pair of the test feeds' author.
pub fn feed_author() -> sp_core::ed25519::Pair {
	sp_core::ed25519::Pair::from_seed(&[42; 32])
}

/// Block `index` of the test feeds: a few bytes that differ from block to block.
pub fn feed_block(index: u64) -> Vec<u8> {
	let mut block = b"datdot test block ".to_vec();
	block.extend_from_slice(&index.to_le_bytes()[..(index % 8) as usize + 1]);
	block
}

/// The test feed of `length` blocks: [`feed_block`]s.
pub fn feed_log(length: u64) -> crate::feed::TreeBuilder<fn(u64) -> Vec<u8>> {
	crate::feed::TreeBuilder::new(length, feed_block as fn(u64) -> Vec<u8>)
}

/// The test feed's tree at `length` blocks and `fork`, signed by [`feed_author`].
pub fn signed_feed(length: u64, fork: u64) -> crate::feed::SignedTree {
	let log = feed_log(length);
	crate::feed::SignedTree {
		length,
		fork,
		roots: log.roots(),
		signature: feed_author().sign(&log.signable(fork)).0,
	}
}

// --- What the mocks' benchmark helpers share ---

/// An account id of a mock's benchmark helper, derived from `what`.
pub fn derived_account(what: impl codec::Encode) -> AccountId {
	let hash = crate::blake2_256(&codec::Encode::encode(&(b"datdot/mock-bench", what)));
	let mut word = [0u8; 8];
	word.copy_from_slice(&hash[..8]);
	AccountId::from_le_bytes(word)
}

/// Gives `who` an account at `location` (an invalid location keeps the default, `u3`).
pub fn give_account(who: AccountId, location: &[u8]) {
	doubles(|d| {
		d.without_account.remove(&who);
		if let Ok(location) = Region::new(location) {
			d.locations.insert(who, location);
		}
	});
}

/// Records a plan in the doubles as `Plans` would for a benchmark, and returns its id (one past
/// the last live plan): `sponsor`'s, for `hosters` hosters in `region`, over the benchmark feed
/// of `length` blocks of `block_size` bytes ([`crate::feed::benchmark_feed`]), signed by the
/// sponsor's key ([`signer`]), with a performance floor every benchmark provider meets.
pub fn benchmark_plan(
	sponsor: AccountId,
	hosters: u8,
	region: Region,
	length: u64,
	block_size: u32,
) -> PlanId {
	let roots = crate::feed::benchmark_feed(length, block_size).roots();
	doubles(|d| {
		let plan = d.plans.keys().next_back().map_or(0, |last| last + 1);
		d.plans.insert(
			plan,
			PlanTerms {
				sponsor,
				regions: alloc::vec![region],
				hosters,
				min_performance: Performance { max_latency_ms: 10_000, min_bandwidth_kbps: 0 },
				key: signer(sponsor).public().0,
				length,
				priority: Priority::Normal,
				paused: false,
			},
		);
		d.feeds.insert(plan, FeedTree { length, fork: 0, roots });
		plan
	})
}

/// The ranges of a benchmark plan's `contracts` contracts over `length` blocks: one contract
/// covers the feed's known blocks, more cover one block each.
pub fn benchmark_ranges(contracts: u32, length: u64) -> Vec<ChunkRange> {
	let known = length.min(crate::feed::BENCHMARK_KNOWN_BLOCKS) as u32;
	if contracts <= 1 {
		alloc::vec![ChunkRange { start: 0, end: known }]
	} else {
		(0..contracts).map(|i| ChunkRange { start: i, end: i + 1 }).collect()
	}
}
