//! Challenge records and the inputs of the proof calls.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt::Debug;
use datdot_primitives::feed::Node;
use datdot_primitives::{ChallengeId, ChunkIndex, ChunkRange, ContractId, Region};
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;
use sp_core::H256;

/// An open storage challenge.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxChunks))]
#[codec(mel_bound(AccountId: MaxEncodedLen, BlockNumber: MaxEncodedLen))]
pub struct Challenge<
	AccountId: Clone + PartialEq + Eq + Debug,
	BlockNumber: Clone + PartialEq + Eq + Debug,
	MaxChunks: Get<u32>,
> {
	/// The contract challenged.
	pub contract: ContractId,
	/// The hoster who must answer.
	pub hoster: AccountId,
	/// The region of the hoster's position: the outcome counts there.
	pub region: Region,
	/// The chunks to prove, in the order the answer must give them.
	pub chunks: BoundedVec<ChunkIndex, MaxChunks>,
	/// The last block in which an answer counts.
	pub deadline: BlockNumber,
	/// The slot of the index the position held when challenged: a miss looks there first
	/// (the slots of one block's challenges share a few pages).
	pub slot: u32,
}

/// A position that is checked: a hoster holding its copy of an active contract. The
/// challenges' sweep and draws visit these.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Position<AccountId> {
	/// The contract.
	pub contract: ContractId,
	/// The hoster.
	pub hoster: AccountId,
	/// The region the position serves.
	pub region: Region,
	/// The contract's range of the feed: the chunks a challenge picks from.
	pub range: ChunkRange,
}

/// One challenge as `ProvideProofOfStorage` announces it.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
)]
#[scale_info(skip_type_params(MaxChunks))]
#[codec(mel_bound(AccountId: MaxEncodedLen))]
pub struct Challenged<AccountId: Clone + PartialEq + Eq + Debug, MaxChunks: Get<u32>> {
	/// The challenge.
	pub challenge: ChallengeId,
	/// The hoster who must answer.
	pub hoster: AccountId,
	/// The contract.
	pub contract: ContractId,
	/// The chunk indexes to prove, in order.
	pub chunks: BoundedVec<ChunkIndex, MaxChunks>,
}

/// What `proof_of_storage_request` takes.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct ChallengeRequest {
	/// The contract whose hosters are challenged now.
	pub contract: ContractId,
}

/// What `proof_of_storage_response` takes: blocks of the hoster's encoded copy, each with its
/// path in the copy's commitment and the Hypercore nodes of the block it decodes to.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct StorageProof {
	/// The challenge answered.
	pub challenge: u64,
	/// The length of the plan's signed tree the Hypercore nodes were made against (the upgrade
	/// length of `core.proof`).
	pub length: u64,
	/// The fork the Hypercore nodes were made on.
	pub fork: u64,
	/// One answer per challenged chunk, in the challenge's order.
	pub chunks: Vec<ChunkProof>,
}

/// One challenged chunk, from the hoster's copy.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct ChunkProof {
	/// The encoded block, as the copy holds it.
	pub encoded: Vec<u8>,
	/// Its path in the copy's commitment, lowest first (`binary-merkle-tree`'s proof items).
	pub copy_path: Vec<H256>,
	/// The Hypercore nodes of the decoded block: `block.nodes` of Hypercore's
	/// `core.proof({ block: { index, nodes: 0 }, upgrade: { start: 0, length } })`.
	pub nodes: Vec<Node>,
}
