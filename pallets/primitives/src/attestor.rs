//! The key an attestor's node signs its matching votes with.
//!
//! An attestor account ties one sr25519 key of type [`KEY_TYPE`] to itself
//! (`roles_set_attestor_key`). The key lives in the node's keystore; the off-chain worker signs
//! the selections it submits with it, so the node never needs the account's own key.

use alloc::vec::Vec;
use codec::Encode;

/// The keystore type of attestor keys: `dtat`.
pub const KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"dtat");

/// An account's proof that it holds the attestor key it ties to itself.
pub const KEY_TAG: &[u8; 22] = b"datdot/attestor-key/v1";
/// An attestor's vote on a matching round.
pub const VOTE_TAG: &[u8; 15] = b"datdot/match/v1";

mod app {
	use sp_application_crypto::{app_crypto, sr25519};
	app_crypto!(sr25519, super::KEY_TYPE);
}

/// An attestor's public key.
pub type AttestorId = app::Public;
/// A signature by an attestor key.
pub type AttestorSignature = app::Signature;
/// An attestor key pair (off chain only).
#[cfg(feature = "std")]
pub type AttestorPair = app::Pair;

/// The bytes an attestor key signs to be tied to `who` on the chain with `genesis`.
pub fn key_message<AccountId: Encode>(
	genesis: &[u8],
	who: &AccountId,
	key: &AttestorId,
) -> Vec<u8> {
	crate::signing::signing_payload(KEY_TAG, genesis, (who, key))
}

/// Who holds which attestor key (implemented by `Roles`).
pub trait AttestorKeys<AccountId> {
	/// The key `who` votes with, if it set one.
	fn key_of(who: &AccountId) -> Option<AttestorId>;
	/// The account `key` is tied to.
	fn owner_of(key: &AttestorId) -> Option<AccountId>;
}
