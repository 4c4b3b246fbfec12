//! The hashes of Hypercore's tree and the message its key signs (`hypercore-crypto` and
//! `hypercore/lib/caps.js`): BLAKE2b-256 with a one-byte type prefix, integers as 8-byte
//! little-endian.

use alloc::vec::Vec;
use sp_io::hashing::blake2_256;

use crate::Node;

/// The type prefix of a block's hash.
pub const LEAF_TYPE: u8 = 0x00;
/// The type prefix of a parent's hash.
pub const PARENT_TYPE: u8 = 0x01;
/// The type prefix of the tree hash.
pub const ROOT_TYPE: u8 = 0x02;

/// Hypercore's `TREE` namespace: BLAKE2b-256(BLAKE2b-256("hypercore") ‖ 0x00), the first of the
/// namespaces `caps.js` derives; every compat signable starts with it.
pub const TREE_NAMESPACE: [u8; 32] = [
	0x9f, 0xac, 0x70, 0xb5, 0x0c, 0xa1, 0x4e, 0xfc, 0x4e, 0x91, 0xc8, 0x33, 0xb2, 0x04, 0xe7, 0x5b,
	0x8b, 0x5a, 0xad, 0x8b, 0x58, 0x81, 0xbf, 0xc0, 0xad, 0xb5, 0xef, 0x38, 0xa3, 0x27, 0x5b, 0x9c,
];

/// Hypercore's `MANIFEST` namespace (the fourth of `caps.js`): prefixes a manifest's hash.
pub const MANIFEST_NAMESPACE: [u8; 32] = [
	0xe6, 0x4b, 0x71, 0x08, 0xea, 0xcc, 0xe4, 0x7c, 0xfc, 0x61, 0xac, 0x85, 0x05, 0x68, 0xf5, 0x5f,
	0x8b, 0x15, 0xb8, 0x2e, 0xc5, 0xed, 0x78, 0xc4, 0xec, 0x59, 0x7b, 0x03, 0x6e, 0x2a, 0x14, 0x98,
];

/// Hypercore's `DEFAULT_NAMESPACE` (the fifth of `caps.js`): the namespace of a default signer.
pub const DEFAULT_NAMESPACE: [u8; 32] = [
	0x41, 0x44, 0xee, 0xa5, 0x31, 0xe4, 0x83, 0xd5, 0x4e, 0x0c, 0x14, 0xf4, 0xca, 0x68, 0xe0, 0x64,
	0x4f, 0x35, 0x53, 0x43, 0xff, 0x6f, 0xcb, 0x0f, 0x00, 0x52, 0x00, 0xe1, 0x2c, 0xd7, 0x47, 0xcb,
];

/// The length of a compat signable: namespace, tree hash, length, fork.
pub const SIGNABLE_LEN: usize = 32 + 32 + 8 + 8;

/// The length of a manifest core's signable: namespace, key, tree hash, length, fork.
pub const MANIFEST_SIGNABLE_LEN: usize = 32 + 32 + 32 + 8 + 8;

/// The key of a core with Hypercore's default manifest for `public_key`
/// (`Verifier.defaultSignerManifest`: version 1, BLAKE2b, quorum 1, one ed25519 signer in the
/// default namespace, no patch, prologue, links or user data): BLAKE2b-256 of `MANIFEST` ‖ the
/// manifest's compact encoding.
pub fn default_manifest_key(public_key: &[u8; 32]) -> [u8; 32] {
	// version 1, flags 0, hash blake2b (0), quorum 1, one signer: ed25519 (0), namespace, key.
	const HEAD: [u8; 6] = [1, 0, 0, 1, 1, 0];
	let mut preimage = [0u8; 32 + HEAD.len() + 32 + 32];
	preimage[..32].copy_from_slice(&MANIFEST_NAMESPACE);
	preimage[32..38].copy_from_slice(&HEAD);
	preimage[38..70].copy_from_slice(&DEFAULT_NAMESPACE);
	preimage[70..].copy_from_slice(public_key);
	blake2_256(&preimage)
}

/// What the signer of a manifest core (key `key`) signs: `TREE` ‖ key ‖ tree hash ‖ u64 length
/// ‖ u64 fork (`caps.treeSignable`).
pub fn manifest_signable(
	key: &[u8; 32],
	tree_hash: &[u8; 32],
	length: u64,
	fork: u64,
) -> [u8; MANIFEST_SIGNABLE_LEN] {
	let mut out = [0u8; MANIFEST_SIGNABLE_LEN];
	out[..32].copy_from_slice(&TREE_NAMESPACE);
	out[32..64].copy_from_slice(key);
	out[64..96].copy_from_slice(tree_hash);
	out[96..104].copy_from_slice(&length.to_le_bytes());
	out[104..].copy_from_slice(&fork.to_le_bytes());
	out
}

/// BLAKE2b-256(`0x00` ‖ u64 len ‖ block).
pub fn leaf(block: &[u8]) -> [u8; 32] {
	let mut preimage = Vec::with_capacity(9 + block.len());
	preimage.push(LEAF_TYPE);
	preimage.extend_from_slice(&(block.len() as u64).to_le_bytes());
	preimage.extend_from_slice(block);
	blake2_256(&preimage)
}

/// BLAKE2b-256(`0x01` ‖ u64 size ‖ left ‖ right), where `size` is the bytes under both.
pub fn parent(size: u64, left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
	let mut preimage = [0u8; 1 + 8 + 32 + 32];
	preimage[0] = PARENT_TYPE;
	preimage[1..9].copy_from_slice(&size.to_le_bytes());
	preimage[9..41].copy_from_slice(left);
	preimage[41..73].copy_from_slice(right);
	blake2_256(&preimage)
}

/// The tree hash: BLAKE2b-256(`0x02` ‖ for each root: hash ‖ u64 index ‖ u64 size).
pub fn tree(roots: &[Node]) -> [u8; 32] {
	let mut preimage = Vec::with_capacity(1 + roots.len() * 48);
	preimage.push(ROOT_TYPE);
	for root in roots {
		preimage.extend_from_slice(&root.hash);
		preimage.extend_from_slice(&root.index.to_le_bytes());
		preimage.extend_from_slice(&root.size.to_le_bytes());
	}
	blake2_256(&preimage)
}

/// What the key of a default (compat) core signs: `TREE` ‖ tree hash ‖ u64 length ‖ u64 fork.
pub fn signable(tree_hash: &[u8; 32], length: u64, fork: u64) -> [u8; SIGNABLE_LEN] {
	let mut out = [0u8; SIGNABLE_LEN];
	out[..32].copy_from_slice(&TREE_NAMESPACE);
	out[32..64].copy_from_slice(tree_hash);
	out[64..72].copy_from_slice(&length.to_le_bytes());
	out[72..80].copy_from_slice(&fork.to_le_bytes());
	out
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_namespaces_are_derived_as_caps_js_derives_them() {
		let namespace = |n: u8| {
			let mut preimage = blake2_256(b"hypercore").to_vec();
			preimage.push(n);
			blake2_256(&preimage)
		};
		assert_eq!(namespace(0), TREE_NAMESPACE);
		assert_eq!(namespace(3), MANIFEST_NAMESPACE);
		assert_eq!(namespace(4), DEFAULT_NAMESPACE);
	}

	#[test]
	fn the_default_manifest_key_is_the_one_hypercore_gives() {
		// `new Hypercore(dir, { keyPair: crypto.keyPair(Buffer.alloc(32, 1)) })`.key
		use sp_core::Pair;
		let public_key = sp_core::ed25519::Pair::from_seed(&[1; 32]).public().0;
		assert_eq!(
			default_manifest_key(&public_key),
			[
				0xd8, 0xc3, 0xa0, 0x59, 0x79, 0x03, 0xb2, 0x8d, 0x75, 0x1c, 0x6e, 0x0b, 0x71, 0x07,
				0x77, 0x5e, 0x38, 0x8e, 0xc5, 0xa3, 0xcf, 0x66, 0x9b, 0xdd, 0x1e, 0x7e, 0xc4, 0x1b,
				0x8b, 0x8f, 0x6e, 0x72
			]
		);
	}

	#[test]
	fn every_hash_is_prefixed_by_its_type() {
		// A parent's preimage can never be read as a block's: their first bytes differ.
		let block = [PARENT_TYPE; 72];
		assert_ne!(leaf(&block[..]), parent(9, &[1; 32], &[1; 32]));
		assert_ne!(tree(&[]), leaf(&[]));
		let s = signable(&[5; 32], 7, 1);
		assert_eq!((&s[..32], &s[32..64]), (&TREE_NAMESPACE[..], &[5u8; 32][..]));
		assert_eq!((&s[64..72], &s[72..]), (&7u64.to_le_bytes()[..], &1u64.to_le_bytes()[..]));
	}
}
