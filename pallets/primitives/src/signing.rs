//! What the off-chain signatures the chain checks cover.
//!
//! Every signed message is the SCALE encoding of `(tag, genesis, subject)`: a domain tag that
//! says what kind of statement it is, the chain's genesis hash, and the subject the statement is
//! about (which contract, benchmark, account...). A signature made for one kind of statement,
//! one chain or one subject therefore verifies for no other.

use alloc::vec::Vec;
use codec::Encode;
use sp_core::ed25519;
use sp_runtime::traits::Verify;

/// A hoster's statement that it holds its copy of a contract's range.
pub const SETUP_TAG: &[u8; 15] = b"datdot/setup/v1";
/// A hoster's statement that an attestor reached it for a benchmark.
pub const CONTACT_TAG: &[u8; 17] = b"datdot/contact/v1";
/// An account's proof that it holds the private half of the signing key it registers.
pub const KEY_TAG: &[u8; 13] = b"datdot/key/v1";

/// The bytes a signer signs for statement `tag` about `subject` on the chain with `genesis`.
pub fn signing_payload<S: Encode>(tag: &[u8], genesis: &[u8], subject: S) -> Vec<u8> {
	(tag, genesis, subject).encode()
}

/// Whether `signature` is `key`'s ed25519 signature over `payload`.
pub fn verify_ed25519(payload: &[u8], signature: &[u8; 64], key: &[u8; 32]) -> bool {
	ed25519::Signature::from_raw(*signature).verify(payload, &ed25519::Public::from_raw(*key))
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_core::Pair;

	#[test]
	fn a_signature_holds_only_for_its_tag_chain_and_subject() {
		let pair = ed25519::Pair::from_seed(&[9; 32]);
		let key = pair.public().0;
		let payload = signing_payload(SETUP_TAG, &[1; 32], (7u64, 3u32));
		let signature = pair.sign(&payload).0;
		assert!(verify_ed25519(&payload, &signature, &key));
		for other in [
			signing_payload(CONTACT_TAG, &[1; 32], (7u64, 3u32)),
			signing_payload(SETUP_TAG, &[2; 32], (7u64, 3u32)),
			signing_payload(SETUP_TAG, &[1; 32], (8u64, 3u32)),
		] {
			assert!(!verify_ed25519(&other, &signature, &key));
		}
		assert!(!verify_ed25519(&payload, &signature, &[0; 32]));
	}
}
