//! Contract records, matching rounds and the inputs of the hosting calls.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt::Debug;
use datdot_primitives::{ChunkRange, ContractId, ContractStatus, JobId, PlanId, Region, Role};
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;
use sp_core::H256;

/// How far a position of a contract is.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum PositionState {
	/// No provider yet (before matching, or waiting for a replacement).
	Vacant,
	/// Hoster and encoder booked; the setup attestor has not confirmed the copy yet.
	SettingUp,
	/// The hoster holds its copy and is challenged.
	Hosted,
}

/// One hoster's place in a contract.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Position<AccountId> {
	/// The region the position is served in.
	pub region: Region,
	/// The hoster.
	pub hoster: Option<AccountId>,
	/// The encoder preparing the hoster's copy (released once the copy is confirmed).
	pub encoder: Option<AccountId>,
	/// How far the position is.
	pub state: PositionState,
	/// The seed of the current hoster's copy key (`datdot_primitives::encoding::copy_key`),
	/// drawn when the hoster was booked.
	pub seed: H256,
	/// The commitment to the hoster's encoded copy, recorded when its setup was confirmed.
	pub commitment: Option<H256>,
}

/// A stored contract.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxHosters))]
#[codec(mel_bound(AccountId: MaxEncodedLen, BlockNumber: MaxEncodedLen))]
pub struct Contract<
	AccountId: Clone + PartialEq + Eq + Debug,
	BlockNumber: Clone + PartialEq + Eq + Debug,
	MaxHosters: Get<u32>,
> {
	/// The plan it belongs to.
	pub plan: PlanId,
	/// The chunks it covers.
	pub range: ChunkRange,
	/// Where it is in its life.
	pub status: ContractStatus,
	/// Its positions, one per hoster.
	pub positions: BoundedVec<Position<AccountId>, MaxHosters>,
	/// The attestor checking the setup of its positions.
	pub attestor: Option<AccountId>,
	/// Hosters that failed or left this contract lately; they are not drawn for it again.
	pub departed: BoundedVec<AccountId, MaxHosters>,
	/// Failed or abandoned matching tries, or repair tries and setup rejections, since the last
	/// success.
	pub attempts: u32,
	/// Reports of the current setup attestor that rejected a position.
	pub rejections: u32,
	/// The block it first became active.
	pub active_since: Option<BlockNumber>,
	/// The pending deadline or retry job, cancelled when it is no longer needed.
	pub pending_job: Option<JobId>,
}

/// An attestor's proposed providers for a contract, by position.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxHosters))]
#[codec(mel_bound(AccountId: MaxEncodedLen))]
pub struct Selection<AccountId: Clone + PartialEq + Eq + Debug, MaxHosters: Get<u32>> {
	/// The hoster of each position.
	pub hosters: BoundedVec<AccountId, MaxHosters>,
	/// The encoder of each position.
	pub encoders: BoundedVec<AccountId, MaxHosters>,
}

/// What `submit_matching` takes.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct SelectionInput<AccountId> {
	/// The hoster of each position, in position order.
	pub hosters: Vec<AccountId>,
	/// The encoder of each position, in position order.
	pub encoders: Vec<AccountId>,
}

/// An attestor's vote on a matching round, signed by its attestor key and submitted by its
/// node's off-chain worker (`submit_matching_vote`).
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct MatchingVote<AccountId> {
	/// The contract.
	pub contract: ContractId,
	/// The round's seed: a vote made for an earlier round of the contract is stale.
	pub seed: H256,
	/// The drawn attestor who votes.
	pub attestor: AccountId,
	/// Its selection: the matching rule's (`docs/MATCHING.md`).
	pub selection: SelectionInput<AccountId>,
}

/// A matching in progress: the drawn attestors, the shared seed and the votes so far.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxAttestors, MaxHosters))]
#[codec(mel_bound(AccountId: MaxEncodedLen))]
pub struct MatchingRound<
	AccountId: Clone + PartialEq + Eq + Debug,
	MaxAttestors: Get<u32>,
	MaxHosters: Get<u32>,
> {
	/// The attestors drawn for this round.
	pub attestors: BoundedVec<AccountId, MaxAttestors>,
	/// The seed their selections permute with.
	pub seed: H256,
	/// Each attestor's submitted selection.
	pub votes: BoundedVec<(AccountId, Selection<AccountId, MaxHosters>), MaxAttestors>,
}

/// One setup result in a `hosting_setup_report`.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct HosterSetup<AccountId> {
	/// The hoster reported on.
	pub hoster: AccountId,
	/// The hoster's confirmation if the attestor found its copy good; `None` if the setup
	/// failed.
	pub copy: Option<CopyConfirmation>,
}

/// A hoster's confirmation that it holds its encoded copy, checked by the setup attestor.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct CopyConfirmation {
	/// The commitment to the copy (`datdot_primitives::encoding::commitment`).
	pub commitment: H256,
	/// The hoster's ed25519 signature over the setup message, which names the commitment.
	pub signature: [u8; 64],
}

/// What `hosting_setup_report` takes.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct SetupReport<AccountId> {
	/// The contract.
	pub contract: ContractId,
	/// One entry per position being set up.
	pub results: Vec<HosterSetup<AccountId>>,
}

/// One changed place in a `RepairHosting` event.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Repair<AccountId> {
	/// The position (for the attestor: `u8::MAX`).
	pub position: u8,
	/// Which provider was changed.
	pub role: Role,
	/// Who left or failed.
	pub previous: Option<AccountId>,
	/// Who took over; `None` while the place is vacant.
	pub replacement: Option<AccountId>,
}

/// A sponsor's abandoned matching rounds: its next draw waits `RetryBackoff` doubled per
/// strike after the last one.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct Strikes<BlockNumber> {
	/// Rounds abandoned since the sponsor's last successful matching.
	pub count: u32,
	/// The block of the last one.
	pub last: BlockNumber,
}
