//! Provider records and the form a caller submits.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt::Debug;
use datdot_primitives::Region;
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;

/// What `roles_register` takes. Lists are plain vectors so that too many entries get a named
/// error instead of failing to decode.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct ProviderFormInput<BlockNumber> {
	/// Geohash prefixes served; empty means the account's location.
	pub regions: Vec<Vec<u8>>,
	/// Storage offered, in bytes.
	pub storage: u64,
	/// Bandwidth offered, in kilobytes per second.
	pub bandwidth_kbps: u32,
	/// How many jobs the provider takes at once.
	pub capacity: u32,
	/// The first block in which it is available.
	pub available_from: BlockNumber,
	/// The block from which it is no longer available, if any.
	pub available_until: Option<BlockNumber>,
}

/// A registered provider of one role.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxRegions))]
#[codec(mel_bound(BlockNumber: MaxEncodedLen, Balance: MaxEncodedLen))]
pub struct Provider<
	BlockNumber: Clone + PartialEq + Eq + Debug,
	Balance: Clone + PartialEq + Eq + Debug,
	MaxRegions: Get<u32>,
> {
	/// The regions served.
	pub regions: BoundedVec<Region, MaxRegions>,
	/// Storage offered, in bytes.
	pub storage: u64,
	/// Bandwidth offered, in kilobytes per second.
	pub bandwidth_kbps: u32,
	/// How many jobs it takes at once.
	pub capacity: u32,
	/// How many jobs it holds now.
	pub booked: u32,
	/// The first block in which it is available.
	pub available_from: BlockNumber,
	/// The block from which it is no longer available, if any.
	pub available_until: Option<BlockNumber>,
	/// The deposit held for this registration.
	pub deposit: Balance,
}

/// One attestor's recent measurement of a provider.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Sample<AccountId> {
	/// Who measured.
	pub attestor: AccountId,
	/// Round-trip latency, in milliseconds.
	pub latency_ms: u32,
	/// Bandwidth, in kilobytes per second.
	pub bandwidth_kbps: u32,
}
