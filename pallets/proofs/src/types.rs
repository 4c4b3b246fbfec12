//! Challenge records and the inputs of the proof calls.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt::Debug;
use datdot_primitives::feed::BlockProof;
use datdot_primitives::{ChunkIndex, ContractId, JobId, Region};
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;

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
	/// The deadline job.
	pub deadline_job: Option<JobId>,
}

/// What `proof_of_storage_request` takes.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct ChallengeRequest {
	/// The contract whose hosters are challenged now.
	pub contract: ContractId,
}

/// What `proof_of_storage_response` takes: Hypercore's own block proofs.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct StorageProof {
	/// The challenge answered.
	pub challenge: u64,
	/// The length of the plan's signed tree the proofs were made against (the upgrade length of
	/// `core.proof`).
	pub length: u64,
	/// One block proof per challenged block, in the challenge's order: `block` of Hypercore's
	/// `core.proof({ block: { index, nodes: 0 }, upgrade: { start: 0, length } })`.
	pub blocks: Vec<BlockProof>,
}
