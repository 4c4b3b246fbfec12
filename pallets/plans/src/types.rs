//! Plan records and the inputs of the plan calls.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt::Debug;
use datdot_primitives::{
	feed::{FeedKey, FeedTree, Node, SignedTree, Signer, MAX_ROOTS},
	ChunkRange, JobId, Performance, Priority, Region,
};
use frame_support::{
	traits::{ConstU32, Get},
	BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;

/// A plan's feed: a Hypercore, named by its key, at the latest signed length the chain verified.
/// Its roots and signature are kept apart (`FeedTrees`), so that reading a plan's terms stays
/// cheap; storage proofs read them.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Feed {
	/// The Hypercore's key (`core.key`), which names it.
	pub key: [u8; 32],
	/// Who signs its trees.
	pub signer: Signer,
	/// The signed length in blocks.
	pub length: u64,
	/// The signed fork id.
	pub fork: u64,
}

/// The verified tree of a plan's feed at its length and fork.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct FeedRoots {
	/// The roots, left to right.
	pub roots: BoundedVec<Node, ConstU32<MAX_ROOTS>>,
	/// The key's signature over the tree hash of the roots, the length and the fork.
	pub signature: [u8; 64],
}

impl Feed {
	/// The tree the proof pallet checks answers against: this feed's length and fork, and
	/// its `roots`.
	pub fn tree(&self, roots: &FeedRoots) -> FeedTree {
		FeedTree { length: self.length, fork: self.fork, roots: roots.roots.to_vec() }
	}

	/// The key with its signer, as the verifier takes it.
	pub fn feed_key(&self) -> FeedKey {
		FeedKey { key: self.key, signer: self.signer }
	}
}

/// A Hypercore as `plan_subscribe` and `plan_update` take it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct FeedInput {
	/// The Hypercore's key (`core.key`).
	pub key: [u8; 32],
	/// Who signs its trees: `Compat` when the key is the signer's public key, or the public key
	/// of a core with Hypercore's default manifest (`core.keyPair.publicKey`).
	pub signer: Signer,
	/// Its signed tree: length, fork, roots and the key's signature (see `docs/API.md`).
	pub tree: SignedTree,
}

/// A newer signed length of a plan's feed: the log grew.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct FeedUpgrade {
	/// The new length, above the plan's.
	pub length: u64,
	/// Hypercore's upgrade nodes from the plan's length to `length`
	/// (`core.proof({ upgrade: { start, length } })`'s `upgrade.nodes`).
	pub nodes: Vec<Node>,
	/// The key's signature of the tree at `length`, on the plan's fork.
	pub signature: [u8; 64],
	/// Block ranges to host as well (may be empty): within `length`, ascending, not
	/// overlapping each other or the plan's ranges.
	pub ranges: Vec<ChunkRange>,
}

/// A feed whose key signed two conflicting trees.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct ForkRecord<BlockNumber> {
	/// The fork id both trees were signed on.
	pub fork: u64,
	/// When the evidence was recorded.
	pub at: BlockNumber,
}

/// What `plan_subscribe` takes. Lists are plain vectors so that too many entries get a named
/// error instead of failing to decode.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct PlanInput<BlockNumber> {
	/// The feed: a Hypercore's key and signed tree.
	pub feed: FeedInput,
	/// The block ranges to host: non-empty, within the feed, ascending and not overlapping.
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
	/// A newer signed length of the feed, with more ranges to host.
	pub upgrade: Option<FeedUpgrade>,
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
