//! The narrow interfaces through which pallets use each other.
//!
//! A pallet names these in its `Config`; the runtime plugs in the pallet that owns the data, and
//! unit tests plug in mocks.

use alloc::vec::Vec;
use frame_support::weights::Weight;
use sp_core::H256;
use sp_runtime::{DispatchError, DispatchResult};

use crate::{
	ChunkIndex, ChunkRange, ContractId, ContractStatus, EndReason, Job, JobId, Performance, PlanId,
	Priority, Rating, Region, Role,
};

/// Puts jobs in the scheduler's calendar or queue (implemented by the `Scheduler` pallet).
pub trait ScheduleJob<BlockNumber> {
	/// Runs `job` at block `at` (or the first later block with room), at `priority`.
	fn schedule(at: BlockNumber, job: Job, priority: Priority) -> Result<JobId, DispatchError>;
	/// Runs `job` as soon as the queue reaches it.
	fn enqueue(job: Job, priority: Priority) -> Result<JobId, DispatchError>;
	/// Drops a job that has not run yet, in O(1). Returns whether it was still pending.
	fn cancel(id: JobId) -> bool;
}

/// Runs the scheduler's jobs (implemented by the runtime, which routes each kind to its pallet).
pub trait ExecuteJob {
	/// The most `job` can cost; the scheduler runs it only if this much weight is left.
	fn max_weight(job: &Job) -> Weight;
	/// Runs `job` (scheduled as `id`) and returns the weight it used.
	fn execute(id: JobId, job: Job) -> Weight;
	/// Whether `job` still acts on a live record; used by `try_state` to prove that no job of an
	/// ended plan or contract stays queued.
	fn is_live(job: &Job) -> bool;
}

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
	/// Counts a storage challenge outcome as seen from `region`; returns the updated rating.
	fn record_challenge(who: &AccountId, region: &Region, passed: bool) -> Rating;
	/// Counts a performance measurement taken from `region`.
	fn record_measurement(who: &AccountId, region: &Region, latency_ms: u32, bandwidth_kbps: u32);
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
	/// Merkle root of the feed's chunks.
	pub root: H256,
	/// The feed's length in chunks.
	pub length: ChunkIndex,
	/// How urgent the plan's jobs are.
	pub priority: Priority,
	/// Whether the sponsor paused it.
	pub paused: bool,
}

/// What other pallets may know of a plan (implemented by `Plans`).
pub trait PlanDirectory<AccountId> {
	/// The plan's terms, if it is live.
	fn terms(plan: PlanId) -> Option<PlanTerms<AccountId>>;
	/// Ends a live plan for `reason`: its contracts end, then `EndPlan` is emitted.
	fn end_plan(plan: PlanId, reason: EndReason) -> DispatchResult;
}

/// Opens and closes a plan's contracts (implemented by `Hosting`).
pub trait ContractManager<AccountId> {
	/// Opens one contract per range, waiting for the plan's start.
	fn open(plan: PlanId, ranges: &[ChunkRange]) -> Result<Vec<ContractId>, DispatchError>;
	/// Stops challenges and matching of the plan's contracts.
	fn pause(plan: PlanId);
	/// Restarts them.
	fn resume(plan: PlanId);
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
}

/// What other pallets may know of a contract (implemented by `Hosting`).
pub trait ContractDirectory<AccountId> {
	/// The contract's plan, range and status.
	fn summary(contract: ContractId) -> Option<(PlanId, ChunkRange, ContractStatus)>;
	/// The positions whose hosters have set up the data and can be challenged.
	fn hosted_positions(contract: ContractId) -> Vec<HostedPosition<AccountId>>;
	/// Replaces a hoster that failed too many challenges (`RepairHosting`).
	fn replace_hoster(contract: ContractId, hoster: &AccountId) -> DispatchResult;
}

/// Told when a contract's checks must start or stop (implemented by `Proofs` and `Benchmarks`).
pub trait ContractObserver<AccountId> {
	/// The contract became active (or was resumed): start periodic checks.
	fn activated(contract: ContractId);
	/// The contract was paused or ended: stop its checks.
	fn stopped(contract: ContractId);
	/// A hoster left the contract: drop what was pending for it.
	fn hoster_removed(contract: ContractId, hoster: &AccountId);
}

impl<AccountId> ContractObserver<AccountId> for () {
	fn activated(_: ContractId) {}
	fn stopped(_: ContractId) {}
	fn hoster_removed(_: ContractId, _: &AccountId) {}
}

impl<AccountId, A: ContractObserver<AccountId>, B: ContractObserver<AccountId>>
	ContractObserver<AccountId> for (A, B)
{
	fn activated(contract: ContractId) {
		A::activated(contract);
		B::activated(contract);
	}
	fn stopped(contract: ContractId) {
		A::stopped(contract);
		B::stopped(contract);
	}
	fn hoster_removed(contract: ContractId, hoster: &AccountId) {
		A::hoster_removed(contract, hoster);
		B::hoster_removed(contract, hoster);
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
	/// Publishes a plan of `sponsor` (who gets an account) for a feed of `length` chunks with
	/// Merkle root `root`, whose ranges cut into `contracts` contracts of `hosters` hosters each,
	/// in `region`, starting now. Returns the plan.
	fn plan(
		sponsor: &AccountId,
		contracts: u32,
		hosters: u8,
		region: &[u8],
		root: H256,
		length: ChunkIndex,
	) -> PlanId;
	/// Publishes a one-contract plan like `plan` and runs matching and setup with fresh
	/// providers, so the contract is active with `hosters` hosters. Returns the contract.
	fn active_contract(
		sponsor: &AccountId,
		hosters: u8,
		region: &[u8],
		root: H256,
		length: ChunkIndex,
	) -> ContractId;
	/// Signs `message` with the signing key of `who`'s account.
	fn sign(who: &AccountId, message: &[u8]) -> [u8; 64];
}

/// Draws a provider of `role` from the pool of `region`: from position `random mod size`, the
/// first of up to `attempts` consecutive members for which `eligible` holds. Starting at a
/// random place and then walking keeps the work bounded and finds distinct providers even when
/// the randomness source repeats itself.
pub fn draw_from_pool<AccountId, P: ProviderRegistry<AccountId>>(
	role: Role,
	region: &Region,
	random: u32,
	attempts: u32,
	eligible: impl Fn(&AccountId) -> bool,
) -> Option<AccountId> {
	let size = P::pool_size(role, region);
	if size == 0 {
		return None;
	}
	let start = u64::from(random % size);
	(0..u64::from(attempts.min(size)))
		.filter_map(|step| {
			let index = ((start + step) % u64::from(size)) as u32;
			P::pool_member(role, region, index)
		})
		.find(|candidate| eligible(candidate))
}

#[cfg(test)]
mod tests {
	use super::*;

	/// A pool of the accounts 0..10 in every region; all of them serve and have capacity.
	struct TenProviders;
	impl ProviderRegistry<u32> for TenProviders {
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
			10
		}
		fn pool_member(_: Role, _: &Region, index: u32) -> Option<u32> {
			(index < 10).then_some(index)
		}
	}

	fn draw(random: u32, attempts: u32, eligible: impl Fn(&u32) -> bool) -> Option<u32> {
		let region = Region::new(b"u3").unwrap();
		draw_from_pool::<u32, TenProviders>(Role::Hoster, &region, random, attempts, eligible)
	}

	#[test]
	fn a_draw_starts_at_the_random_place_and_walks_on_past_the_ineligible() {
		assert_eq!(draw(23, 4, |_| true), Some(3));
		assert_eq!(draw(3, 4, |c| *c > 4), Some(5));
		// Walking wraps around the end of the pool.
		assert_eq!(draw(8, 4, |c| *c < 2), Some(0));
	}

	#[test]
	fn a_draw_gives_up_after_its_attempts() {
		assert_eq!(draw(0, 3, |c| *c == 5), None);
		assert_eq!(draw(0, 100, |c| *c == 9), Some(9), "attempts are capped at the pool size");
		assert_eq!(draw(0, 100, |_| false), None);
	}
}
