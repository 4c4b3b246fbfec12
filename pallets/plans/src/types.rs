//! Plan records and the inputs of the plan calls.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt::Debug;
use datdot_primitives::{ChunkIndex, ChunkRange, JobId, Performance, Priority, Region};
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;
use sp_core::H256;

/// A feed as the plan names it.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Feed {
	/// The feed's ed25519 public key.
	pub public_key: [u8; 32],
	/// The Merkle root of its chunks (`binary-merkle-tree`, BLAKE2-256; see `docs/API.md`).
	pub root: H256,
	/// Its length in chunks.
	pub length: ChunkIndex,
}

/// What `plan_subscribe` takes. Lists are plain vectors so that too many entries get a named
/// error instead of failing to decode.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct PlanInput<BlockNumber> {
	/// The feed.
	pub feed: Feed,
	/// The feed key's ed25519 signature over the feed statement (see `docs/API.md`).
	pub signature: [u8; 64],
	/// The chunk ranges to host: non-empty, within the feed, ascending and not overlapping.
	pub ranges: Vec<ChunkRange>,
	/// The regions to host in (geohash prefixes).
	pub regions: Vec<Vec<u8>>,
	/// Hosters per contract; `None` takes `DefaultHosters`.
	pub hosters: Option<u8>,
	/// The block at which matching starts; not in the past.
	pub start: BlockNumber,
	/// The block at which the plan ends by itself, if any.
	pub end: Option<BlockNumber>,
	/// The performance hosters must show in their region.
	pub min_performance: Performance,
	/// How urgent the plan's jobs are.
	pub priority: Priority,
}

/// What `plan_update` changes; `None` leaves a field as it is.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct PlanUpdate<BlockNumber> {
	/// A new end block (`Some(None)` removes the end).
	pub end: Option<Option<BlockNumber>>,
	/// A new priority.
	pub priority: Option<Priority>,
	/// A new minimum performance.
	pub min_performance: Option<Performance>,
}

/// A stored plan.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxRanges, MaxRegions))]
#[codec(mel_bound(
	AccountId: MaxEncodedLen,
	BlockNumber: MaxEncodedLen,
	Balance: MaxEncodedLen
))]
pub struct Plan<
	AccountId: Clone + PartialEq + Eq + Debug,
	BlockNumber: Clone + PartialEq + Eq + Debug,
	Balance: Clone + PartialEq + Eq + Debug,
	MaxRanges: Get<u32>,
	MaxRegions: Get<u32>,
> {
	/// Who published and pays for the plan.
	pub sponsor: AccountId,
	/// The feed.
	pub feed: Feed,
	/// The chunk ranges to host.
	pub ranges: BoundedVec<ChunkRange, MaxRanges>,
	/// The regions to host in.
	pub regions: BoundedVec<Region, MaxRegions>,
	/// Hosters per contract.
	pub hosters: u8,
	/// The block at which matching starts.
	pub start: BlockNumber,
	/// The block at which the plan ends by itself.
	pub end: Option<BlockNumber>,
	/// The performance hosters must show.
	pub min_performance: Performance,
	/// How urgent the plan's jobs are.
	pub priority: Priority,
	/// Whether the sponsor paused it.
	pub paused: bool,
	/// How many contracts its ranges were cut into (`Hosting` keeps their list).
	pub contracts: u32,
	/// The block of the sponsor's last change, for `ChangeCooldown`.
	pub last_change: BlockNumber,
	/// The job that starts matching, until it ran.
	pub start_job: Option<JobId>,
	/// The job that ends the plan at its end block.
	pub end_job: Option<JobId>,
	/// The deposit held for the plan's storage.
	pub deposit: Balance,
}
