//! The account record and the profile a caller submits.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt::Debug;
use datdot_primitives::Region;
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;

/// What `account_create` and `account_update` take. Variable-length parts are plain vectors so
/// that a value out of bounds gets a named error instead of failing to decode.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct ProfileInput {
	/// The ed25519 public key that signs off-chain messages (setup and contact proofs).
	pub signing_key: [u8; 32],
	/// Proof of possession: the signing key's signature over the key statement, which names
	/// this chain and the calling account (see `docs/API.md`).
	pub key_proof: [u8; 64],
	/// The x25519 public key of the noise protocol between peers.
	pub noise_key: [u8; 32],
	/// A geohash of 1 to 8 characters, e.g. `u33dc`.
	pub location: Vec<u8>,
	/// Where peers reach the account, e.g. a multiaddress or URL.
	pub endpoint: Option<Vec<u8>>,
}

/// A stored account.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxEndpointLen))]
#[codec(mel_bound(Balance: MaxEncodedLen))]
pub struct Account<Balance: Clone + PartialEq + Eq + Debug, MaxEndpointLen: Get<u32>> {
	/// The ed25519 public key that signs off-chain messages.
	pub signing_key: [u8; 32],
	/// The x25519 public key of the noise protocol.
	pub noise_key: [u8; 32],
	/// The account's location.
	pub location: Region,
	/// Where peers reach the account.
	pub endpoint: Option<BoundedVec<u8, MaxEndpointLen>>,
	/// The deposit held for this record, returned on delete.
	pub deposit: Balance,
}
