//! The narrow interfaces through which pallets use each other.
//!
//! A pallet names these in its `Config`; the runtime plugs in the pallet that owns the data, and
//! unit tests plug in mocks.

use alloc::vec::Vec;
use codec::Encode;
use frame_support::weights::Weight;
use sp_runtime::traits::{BlakeTwo256, Hash};
use sp_runtime::{DispatchError, DispatchResult};

use crate::{
	feed::FeedTree, ChunkRange, ContractId, ContractStatus, EndReason, Job, JobId, Performance,
	PlanId, Priority, Rating, Region, Role,
};

/// Puts jobs in the scheduler's calendar or queue (implemented by the `Scheduler` pallet).
pub trait ScheduleJob<BlockNumber> {
	/// Runs `job` at block `at` (or the first later block with room), at `priority`.
	fn schedule(at: BlockNumber, job: Job, priority: Priority) -> Result<JobId, DispatchError>;
	/// Runs `job` as soon as the queue reaches it.
	fn enqueue(job: Job, priority: Priority) -> Result<JobId, DispatchError>;
	/// Drops a job that has not run yet; a calendar entry frees its slot at once. Bounded by
	/// the calendar's per-block limit. Returns whether it was still pending.
	fn cancel(id: JobId) -> bool;
	/// Whether job `id` is still waiting to run (or to be retried).
	fn is_pending(id: JobId) -> bool;
}

/// Handles the jobs of one pallet. Each pallet implements it for its own kind of [`Job`] and
/// answers `None` for every other kind; the runtime hands the scheduler a tuple of handlers,
/// which asks each in turn, so no job is routed by a list kept apart from its pallet.
///
/// The scheduler runs `execute` inside a storage layer: an `Err` rolls back everything the job
/// wrote. It retries a failed job a bounded number of times and then calls `abandon`, which must
/// end the job's record cleanly without failing.
pub trait JobHandler {
	/// The most `job` can cost; the scheduler runs it only if this much weight is left.
	fn max_weight(job: &Job) -> Option<Weight>;
	/// Runs `job` and returns the weight it used.
	fn execute(job: &Job) -> Option<Result<Weight, DispatchError>>;
	/// Ends the record of a job that failed every retry (e.g. ends its contract), and returns
	/// the weight used. Never fails.
	fn abandon(job: &Job) -> Option<Weight>;
	/// Whether `job` still acts on a live record; `try_state` proves that no job of an ended
	/// plan or contract stays queued.
	fn is_live(job: &Job) -> Option<bool>;
}

impl JobHandler for () {
	fn max_weight(_: &Job) -> Option<Weight> {
		None
	}
	fn execute(_: &Job) -> Option<Result<Weight, DispatchError>> {
		None
	}
	fn abandon(_: &Job) -> Option<Weight> {
		None
	}
	fn is_live(_: &Job) -> Option<bool> {
		None
	}
}

macro_rules! job_handler_tuple {
	($first:ident $(, $rest:ident)+) => {
		impl<$first: JobHandler $(, $rest: JobHandler)+> JobHandler for ($first, $($rest),+) {
			fn max_weight(job: &Job) -> Option<Weight> {
				$first::max_weight(job)$(.or_else(|| $rest::max_weight(job)))+
			}
			fn execute(job: &Job) -> Option<Result<Weight, DispatchError>> {
				$first::execute(job)$(.or_else(|| $rest::execute(job)))+
			}
			fn abandon(job: &Job) -> Option<Weight> {
				$first::abandon(job)$(.or_else(|| $rest::abandon(job)))+
			}
			fn is_live(job: &Job) -> Option<bool> {
				$first::is_live(job)$(.or_else(|| $rest::is_live(job)))+
			}
		}
	};
}

job_handler_tuple!(A, B);
job_handler_tuple!(A, B, C);
job_handler_tuple!(A, B, C, D);
job_handler_tuple!(A, B, C, D, E);

/// What other pallets may know of an account (implemented by `Accounts`).
pub trait AccountDirectory<AccountId> {
	/// Whether `who` has created an account.
	fn has_account(who: &AccountId) -> bool;
	/// The account's location.
	fn location(who: &AccountId) -> Option<Region>;
	/// The account's ed25519 key for off-chain signatures.
	fn signing_key(who: &AccountId) -> Option<[u8; 32]>;
}

/// Whether an account is still needed, which blocks its deletion (implemented by `Roles` for
/// registered roles and by `Plans` for live plans).
pub trait AccountUsage<AccountId> {
	/// Whether `who` still has a role or a live plan.
	fn in_use(who: &AccountId) -> bool;
}

impl<AccountId> AccountUsage<AccountId> for () {
	fn in_use(_: &AccountId) -> bool {
		false
	}
}

impl<AccountId, A: AccountUsage<AccountId>, B: AccountUsage<AccountId>> AccountUsage<AccountId>
	for (A, B)
{
	fn in_use(who: &AccountId) -> bool {
		A::in_use(who) || B::in_use(who)
	}
}

/// The registry of providers, their capacity and the idle pools (implemented by `Roles`).
pub trait ProviderRegistry<AccountId> {
	/// Whether `who` is registered for `role`.
	fn is_provider(who: &AccountId, role: Role) -> bool;
	/// Whether `who`, as `role`, serves `region` and is available now.
	fn serves(who: &AccountId, role: Role, region: &Region) -> bool;
	/// Whether `who` can take one more job as `role`.
	fn has_free_capacity(who: &AccountId, role: Role) -> bool;
	/// Books one job; fails without change when `who` is not a provider or is full.
	fn book(who: &AccountId, role: Role) -> DispatchResult;
	/// Releases one booked job.
	fn release(who: &AccountId, role: Role);
	/// How many providers of `role` serve `region`.
	fn pool_size(role: Role, region: &Region) -> u32;
	/// The provider at `index` of that pool, for random draws.
	fn pool_member(role: Role, region: &Region, index: u32) -> Option<AccountId>;
}

/// Per-region ratings of providers (implemented by `Roles`).
pub trait Ratings<AccountId> {
	/// How `who` is rated as seen from `region`.
	fn rating(who: &AccountId, region: &Region) -> Rating;
	/// Whether `who` may take new work in `region`: reliable enough there and, once measured
	/// by enough attestors, meeting `minimum`.
	fn qualifies(who: &AccountId, region: &Region, minimum: &Performance) -> bool;
	/// Counts a storage challenge outcome as seen from `region`.
	fn record_challenge(who: &AccountId, region: &Region, passed: bool);
	/// Counts `attestor`'s measurement of `who`, taken for `region` (the region the attestor
	/// was drawn for). Each attestor holds at most one of the recent samples of a region.
	fn record_measurement(
		who: &AccountId,
		region: &Region,
		attestor: &AccountId,
		latency_ms: u32,
		bandwidth_kbps: u32,
	);
}

/// What a plan asks of the providers of its contracts.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PlanTerms<AccountId> {
	/// The sponsor, who may not host its own plan.
	pub sponsor: AccountId,
	/// The regions to host in; position `i` of each contract is served in `regions[i % len]`.
	pub regions: Vec<Region>,
	/// Hosters per contract.
	pub hosters: u8,
	/// The minimum performance of hosters, in the region of the position.
	pub min_performance: Performance,
	/// The feed's (Hypercore's) ed25519 public key.
	pub key: [u8; 32],
	/// The feed's length in blocks, as its signed tree the plan holds says.
	pub length: u64,
	/// How urgent the plan's jobs are.
	pub priority: Priority,
	/// Whether the sponsor paused it.
	pub paused: bool,
}

/// What other pallets may know of a plan (implemented by `Plans`).
pub trait PlanDirectory<AccountId> {
	/// The plan's terms, if it is live.
	fn terms(plan: PlanId) -> Option<PlanTerms<AccountId>>;
	/// The verified tree of the plan's feed, if the plan is live.
	fn feed(plan: PlanId) -> Option<FeedTree>;
	/// Ends a live plan for `reason`: its contracts end, then `EndPlan` is emitted.
	fn end_plan(plan: PlanId, reason: EndReason) -> DispatchResult;
}

/// Opens and closes a plan's contracts (implemented by `Hosting`).
pub trait ContractManager<AccountId> {
	/// Opens one contract per range, waiting for the plan's start.
	fn open(plan: PlanId, ranges: &[ChunkRange]) -> Result<Vec<ContractId>, DispatchError>;
	/// The plan's start came: its contracts begin matching.
	fn start(plan: PlanId) -> DispatchResult;
	/// The most `start` costs for a plan of `contracts` contracts.
	fn start_weight(contracts: u32) -> Weight;
	/// Stops challenges and matching of the plan's contracts. An open matching round is
	/// abandoned and counts as a failed try.
	fn pause(plan: PlanId) -> DispatchResult;
	/// Restarts them; when the plan's start has come (`started`), matching resumes after the
	/// backoff its failed tries earned.
	fn resume(plan: PlanId, started: bool) -> DispatchResult;
	/// Ends every contract of the plan (`EndHosting` each) and releases their providers.
	fn close(plan: PlanId, reason: EndReason);
	/// Hands every job of a departing provider in `role` to a replacement.
	fn hand_over(who: &AccountId, role: Role) -> DispatchResult;
	/// The most `hand_over` costs for a provider with `jobs` booked jobs.
	fn hand_over_weight(jobs: u32) -> Weight;
}

/// One hosted position of a contract, as the proof and benchmark pallets see it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct HostedPosition<AccountId> {
	/// The hoster.
	pub hoster: AccountId,
	/// The region the position serves.
	pub region: Region,
	/// The hoster's copy.
	pub copy: crate::encoding::HostedCopy,
}

/// What other pallets may know of a contract (implemented by `Hosting`).
pub trait ContractDirectory<AccountId> {
	/// The contract's plan, range and status.
	fn summary(contract: ContractId) -> Option<(PlanId, ChunkRange, ContractStatus)>;
	/// The positions whose hosters have set up the data and can be challenged.
	fn hosted_positions(contract: ContractId) -> Vec<HostedPosition<AccountId>>;
	/// Replaces a hoster that failed too many challenges (`RepairHosting`).
	fn replace_hoster(contract: ContractId, hoster: &AccountId) -> DispatchResult;
	/// Ends a contract whose checks could not be kept up (`EndHosting`); a plan left without
	/// contracts ends too. Never fails: it only releases and removes.
	fn end(contract: ContractId, reason: EndReason);
}

/// Told when a contract's checks must start or stop (implemented by `Proofs` and `Benchmarks`).
pub trait ContractObserver<AccountId> {
	/// The contract became active (or was resumed): start periodic checks. Fails when they
	/// cannot be scheduled, so that the caller's change is rolled back rather than left
	/// without checks.
	fn activated(contract: ContractId) -> DispatchResult;
	/// The contract was paused: stop its checks.
	fn stopped(contract: ContractId);
	/// The contract ended: stop its checks and forget what was kept for it.
	fn ended(contract: ContractId) {
		Self::stopped(contract)
	}
	/// A hoster left the contract: what was pending for it is settled (an open challenge
	/// counts as missed).
	fn hoster_removed(contract: ContractId, hoster: &AccountId);
	/// A hoster of a contract that was active before (and is not paused) holds its copy now,
	/// after a repair: its checks start. Fails like `activated`.
	fn hoster_added(_contract: ContractId, _hoster: &AccountId) -> DispatchResult {
		Ok(())
	}
}

impl<AccountId> ContractObserver<AccountId> for () {
	fn activated(_: ContractId) -> DispatchResult {
		Ok(())
	}
	fn stopped(_: ContractId) {}
	fn hoster_removed(_: ContractId, _: &AccountId) {}
}

impl<AccountId, A: ContractObserver<AccountId>, B: ContractObserver<AccountId>>
	ContractObserver<AccountId> for (A, B)
{
	fn activated(contract: ContractId) -> DispatchResult {
		A::activated(contract)?;
		B::activated(contract)
	}
	fn stopped(contract: ContractId) {
		A::stopped(contract);
		B::stopped(contract);
	}
	fn ended(contract: ContractId) {
		A::ended(contract);
		B::ended(contract);
	}
	fn hoster_removed(contract: ContractId, hoster: &AccountId) {
		A::hoster_removed(contract, hoster);
		B::hoster_removed(contract, hoster);
	}
	fn hoster_added(contract: ContractId, hoster: &AccountId) -> DispatchResult {
		A::hoster_added(contract, hoster)?;
		B::hoster_added(contract, hoster)
	}
}

/// Sets up other pallets' state for a pallet's benchmarks (implemented by the runtime, and by
/// the unit-test mocks against their mock state).
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Funds `who` and gives it an account at `location` with a fresh ed25519 signing key.
	fn account(who: &AccountId, location: &[u8]);
	/// Registers `who` (with an account) as `role` serving `region` with `capacity` jobs.
	fn provider(who: &AccountId, role: Role, region: &[u8], capacity: u32);
	/// Publishes a plan of `sponsor` (who gets an account) for the feed
	/// [`crate::feed::benchmark_feed`]`(length, block_size)`, signed by `sponsor`'s key, whose
	/// ranges cut into `contracts` contracts of `hosters` hosters each, in `region`, starting
	/// now. One contract covers the feed's first 64 blocks (or all, if fewer); more contracts
	/// cover one block each. Returns the plan.
	fn plan(
		sponsor: &AccountId,
		contracts: u32,
		hosters: u8,
		region: &[u8],
		length: u64,
		block_size: u32,
	) -> PlanId;
	/// Publishes a plan like `plan` of `contracts` contracts and runs matching and setup with
	/// fresh providers, so every contract is active with `hosters` hosters, every hoster has an
	/// open storage challenge and every contract an open performance benchmark: the most an
	/// ending plan has to undo. Returns the plan.
	fn active_plan(
		sponsor: &AccountId,
		contracts: u32,
		hosters: u8,
		region: &[u8],
		length: u64,
		block_size: u32,
	) -> PlanId;
	/// Publishes a one-contract plan like `plan` and runs matching and setup with fresh
	/// providers, so the contract is active with `hosters` hosters. Returns the contract, or
	/// `None` if it could not be made active (a sponsor's or a feed's limit of plans, say).
	fn active_contract(
		sponsor: &AccountId,
		hosters: u8,
		region: &[u8],
		length: u64,
		block_size: u32,
	) -> Option<ContractId>;
	/// Signs `message` with the signing key of `who`'s account.
	fn sign(who: &AccountId, message: &[u8]) -> [u8; 64];
	/// Ties a fresh attestor key, held in the benchmark keystore, to `who`. Returns the key.
	fn attestor_key(who: &AccountId) -> crate::attestor::AttestorId;
}

/// BLAKE2-256 of `data`, the hash the pallets derive seeds and probes with.
pub fn blake2_256(data: &[u8]) -> [u8; 32] {
	BlakeTwo256::hash(data).0
}

/// Draws a provider of `role` from the pool of `region`: up to `attempts` independent probes at
/// indexes derived from `seed`, the first probed member for which `eligible` holds. Every probe
/// is uniform over the pool, so the draw is uniform among eligible members: an ineligible member
/// does not pass its chance to a neighbour, and where ineligible members sit in the pool does
/// not matter, only how many there are (which deposits make costly). The work is bounded by
/// `attempts`.
pub fn draw_from_pool<AccountId, P: ProviderRegistry<AccountId>>(
	role: Role,
	region: &Region,
	seed: &[u8; 32],
	attempts: u32,
	eligible: impl Fn(&AccountId) -> bool,
) -> Option<AccountId> {
	let size = P::pool_size(role, region);
	if size == 0 {
		return None;
	}
	(0..attempts).find_map(|probe| {
		P::pool_member(role, region, probe_index(seed, probe, size)).filter(|c| eligible(c))
	})
}

/// The pool index of probe `probe` of a draw with `seed`, uniform over `0..size` (the modulo
/// bias of a 64-bit value over at most 2^32 members is below 2^-32).
pub fn probe_index(seed: &[u8; 32], probe: u32, size: u32) -> u32 {
	let hash = blake2_256(&(seed, probe).encode());
	let mut word = [0u8; 8];
	word.copy_from_slice(&hash[..8]);
	(u64::from_le_bytes(word) % u64::from(size.max(1))) as u32
}

#[cfg(test)]
mod tests {
	use super::*;

	/// A pool of the accounts `0..N` in every region; all of them serve and have capacity.
	struct Pool<const N: u32>;
	impl<const N: u32> ProviderRegistry<u32> for Pool<N> {
		fn is_provider(_: &u32, _: Role) -> bool {
			true
		}
		fn serves(_: &u32, _: Role, _: &Region) -> bool {
			true
		}
		fn has_free_capacity(_: &u32, _: Role) -> bool {
			true
		}
		fn book(_: &u32, _: Role) -> DispatchResult {
			Ok(())
		}
		fn release(_: &u32, _: Role) {}
		fn pool_size(_: Role, _: &Region) -> u32 {
			N
		}
		fn pool_member(_: Role, _: &Region, index: u32) -> Option<u32> {
			(index < N).then_some(index)
		}
	}

	fn seed(n: u32) -> [u8; 32] {
		blake2_256(&n.to_le_bytes())
	}

	/// How often each member is drawn over `draws` seeds, and how many draws found nobody.
	fn tally<const N: u32>(draws: u32, eligible: impl Fn(&u32) -> bool) -> (Vec<u32>, u32) {
		let region = Region::new(b"u3").unwrap();
		let mut counts = alloc::vec![0u32; N as usize];
		let mut failed = 0;
		for n in 0..draws {
			match draw_from_pool::<u32, Pool<N>>(Role::Hoster, &region, &seed(n), 24, &eligible) {
				Some(who) => counts[who as usize] += 1,
				None => failed += 1,
			}
		}
		(counts, failed)
	}

	#[test]
	fn a_run_of_ineligible_members_neither_shadows_the_next_nor_makes_draws_fail() {
		// Members 0..40 are dormant: a run longer than the 24 attempts. Walking from a random
		// start would fail from 16 of 100 starts and hand member 40 the chances of the run.
		let (counts, failed) = tally::<100>(6_000, |c| *c >= 40);
		assert_eq!(failed, 0);
		assert!(counts[..40].iter().all(|n| *n == 0));
		let fair = 6_000 / 60;
		for (who, n) in counts.iter().enumerate().skip(40) {
			assert!(*n > fair / 2 && *n < fair * 2, "member {who} drawn {n} times, fair is {fair}");
		}
	}

	#[test]
	fn a_draw_gives_up_after_its_attempts_and_never_returns_the_ineligible() {
		let (_, failed) = tally::<10>(100, |_| false);
		assert_eq!(failed, 100);
		let (counts, failed) = tally::<10>(1_000, |c| *c == 9);
		assert_eq!(counts[9] + failed, 1_000);
		assert!(counts[9] > 900, "24 probes of 10 members find the one nearly always");
	}

	#[test]
	fn probes_stay_within_the_pool() {
		for size in [1u32, 2, 7, 1_000, u32::MAX] {
			for probe in 0..50 {
				assert!(probe_index(&seed(size), probe, size) < size);
			}
		}
	}
}
