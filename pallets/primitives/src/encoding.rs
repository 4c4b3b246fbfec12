//! Hosters' copies: each hoster keeps its own encoding of its contract's blocks, and a
//! commitment to it that the chain records at setup.
//!
//! - **The copy key** of a hoster in a contract is `blake2_256(SCALE(ENCODING_TAG as bytes,
//!   genesis as bytes, contract, hoster, seed))`, where `seed` is drawn from the chain's
//!   randomness when the hoster is booked and kept in its position: every hoster's key differs,
//!   and nobody knows a key before the chain drew the seed.
//! - **The encoding** of feed block `index` is the block XOR a pad of the same length; the pad's
//!   32-byte word `n` is `blake2_256(SCALE(key, index, n))`. Decoding is the same operation.
//! - **The commitment** is the root of a binary Merkle tree (the SDK's `binary-merkle-tree`, with
//!   Blake2-256) over the copy's leaves in range order; leaf `i` is
//!   `blake2_256(LEAF_TAG ++ encoded block i)`.
//!
//! A storage proof gives an encoded block with its path in the commitment and the Hypercore
//! nodes of the decoded block: the chain checks that the block is in the copy the hoster
//! committed to and that it decodes to the feed's block. `docs/SECURITY.md` says what this does
//! and does not prevent.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::traits::{BlakeTwo256, Hash};

use crate::{ChunkIndex, ChunkRange, ContractId};

/// The domain of copy keys.
pub const ENCODING_TAG: &[u8; 18] = b"datdot/encoding/v1";
/// The domain of commitment leaves.
pub const LEAF_TAG: &[u8; 14] = b"datdot/leaf/v1";

/// The longest path in a commitment: one node per level of a tree of up to `u32::MAX` leaves.
pub const MAX_COPY_PATH: u32 = 32;

/// A hosted copy as storage proofs are checked against it.
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
pub struct HostedCopy {
	/// The copy key: what decodes its blocks.
	pub key: [u8; 32],
	/// The commitment the hoster signed at setup.
	pub commitment: H256,
}

/// The key of `hoster`'s copy in `contract` on the chain with `genesis`.
pub fn copy_key<AccountId: Encode>(
	genesis: &[u8],
	contract: ContractId,
	hoster: &AccountId,
	seed: &H256,
) -> [u8; 32] {
	BlakeTwo256::hash(&(&ENCODING_TAG[..], genesis, contract, hoster, seed).encode()).0
}

/// XORs `data` (feed block `index`, plain or encoded) with the copy's pad, in place: encodes a
/// plain block and decodes an encoded one.
pub fn apply_pad(key: &[u8; 32], index: u64, data: &mut [u8]) {
	for (word, chunk) in data.chunks_mut(32).enumerate() {
		let pad = BlakeTwo256::hash(&(key, index, word as u32).encode());
		for (byte, mask) in chunk.iter_mut().zip(pad.as_bytes()) {
			*byte ^= mask;
		}
	}
}

/// The encoding of feed block `index` under `key`.
pub fn encode_block(key: &[u8; 32], index: u64, block: &[u8]) -> Vec<u8> {
	let mut encoded = block.to_vec();
	apply_pad(key, index, &mut encoded);
	encoded
}

/// The block an encoded block of `index` stands for.
pub fn decode_block(key: &[u8; 32], index: u64, encoded: &[u8]) -> Vec<u8> {
	encode_block(key, index, encoded)
}

/// The commitment leaf of an encoded block.
pub fn leaf(encoded: &[u8]) -> H256 {
	let mut data = Vec::with_capacity(LEAF_TAG.len().saturating_add(encoded.len()));
	data.extend_from_slice(LEAF_TAG);
	data.extend_from_slice(encoded);
	BlakeTwo256::hash(&data)
}

/// The commitment over a copy's leaves, in range order.
pub fn commitment(leaves: &[H256]) -> H256 {
	binary_merkle_tree::merkle_root_raw::<BlakeTwo256, _>(leaves.iter().copied())
}

/// The path of leaf `position` in the commitment over `leaves`; `None` when there is no such
/// leaf.
pub fn commitment_path(leaves: &[H256], position: u32) -> Option<Vec<H256>> {
	if position as usize >= leaves.len() {
		return None;
	}
	Some(
		binary_merkle_tree::merkle_proof_raw::<BlakeTwo256, _>(leaves.iter().copied(), position)
			.proof,
	)
}

/// Whether `encoded` is chunk `chunk` of the copy of `range` committed to by `root`, by `path`.
pub fn in_commitment(
	root: &H256,
	range: ChunkRange,
	chunk: ChunkIndex,
	encoded: &[u8],
	path: &[H256],
) -> bool {
	if chunk < range.start || chunk >= range.end {
		return false;
	}
	// One node per level at most: a longer path cannot lead anywhere but is costly to walk.
	let levels = MAX_COPY_PATH.saturating_sub(range.len().saturating_sub(1).leading_zeros());
	if path.len() > levels as usize {
		return false;
	}
	binary_merkle_tree::verify_proof::<BlakeTwo256, _, _>(
		root,
		path.iter().copied(),
		range.len(),
		chunk.saturating_sub(range.start),
		binary_merkle_tree::Leaf::Hash(leaf(encoded)),
	)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn block(index: u64, len: usize) -> Vec<u8> {
		(0..len).map(|n| (index as usize * 31 + n * 7) as u8).collect()
	}

	fn copy(key: &[u8; 32], range: ChunkRange) -> Vec<Vec<u8>> {
		(range.start..range.end)
			.map(|i| encode_block(key, i.into(), &block(i.into(), 100)))
			.collect()
	}

	fn leaves(copy: &[Vec<u8>]) -> Vec<H256> {
		copy.iter().map(|b| leaf(b)).collect()
	}

	#[test]
	fn an_encoded_block_decodes_to_the_block_for_any_length() {
		let key = copy_key(&[1; 32], 7, &3u64, &H256::repeat_byte(9));
		for len in [0usize, 1, 31, 32, 33, 64, 1000, 65536] {
			let plain = block(5, len);
			let encoded = encode_block(&key, 5, &plain);
			assert_eq!(encoded.len(), len);
			if len >= 32 {
				assert_ne!(encoded, plain, "a block of {len} bytes is not hidden");
			}
			assert_eq!(decode_block(&key, 5, &encoded), plain);
		}
	}

	#[test]
	fn every_hoster_contract_seed_and_chain_has_its_own_copy() {
		let seed = H256::repeat_byte(9);
		let base = copy_key(&[1; 32], 7, &3u64, &seed);
		let others = [
			copy_key(&[2; 32], 7, &3u64, &seed),
			copy_key(&[1; 32], 8, &3u64, &seed),
			copy_key(&[1; 32], 7, &4u64, &seed),
			copy_key(&[1; 32], 7, &3u64, &H256::repeat_byte(8)),
		];
		let plain = block(2, 4096);
		let encoded = encode_block(&base, 2, &plain);
		for other in others {
			assert_ne!(other, base);
			assert_ne!(encode_block(&other, 2, &plain), encoded);
			assert_ne!(decode_block(&other, 2, &encoded), plain);
		}
		// The pad depends on the block's index too: two equal blocks encode differently.
		assert_ne!(encode_block(&base, 3, &plain), encoded);
	}

	#[test]
	fn every_block_of_every_copy_size_is_proven_by_its_path() {
		let key = [4; 32];
		for len in 1u32..=40 {
			let range = ChunkRange { start: 100, end: 100 + len };
			let copy = copy(&key, range);
			let leaves = leaves(&copy);
			let root = commitment(&leaves);
			for position in 0..len {
				let path = commitment_path(&leaves, position).expect("a leaf of the copy");
				let chunk = range.start + position;
				assert!(
					in_commitment(&root, range, chunk, &copy[position as usize], &path),
					"chunk {position} of {len}"
				);
				// Another chunk's place, or another block, does not verify.
				if len > 1 {
					let other = (position + 1) % len;
					assert!(!in_commitment(
						&root,
						range,
						range.start + other,
						&copy[position as usize],
						&path
					));
					assert!(!in_commitment(&root, range, chunk, &copy[other as usize], &path));
				}
			}
			assert_eq!(commitment_path(&leaves, len), None);
		}
	}

	#[test]
	fn tampering_with_a_block_a_path_or_the_root_is_detected() {
		let key = [4; 32];
		let range = ChunkRange { start: 0, end: 13 };
		let copy = copy(&key, range);
		let leaves = leaves(&copy);
		let root = commitment(&leaves);
		let path = commitment_path(&leaves, 6).unwrap();
		assert!(in_commitment(&root, range, 6, &copy[6], &path));

		let mut flipped = copy[6].clone();
		flipped[40] ^= 1;
		assert!(!in_commitment(&root, range, 6, &flipped, &path));
		let mut bent = path.clone();
		bent[1].0[0] ^= 1;
		assert!(!in_commitment(&root, range, 6, &copy[6], &bent));
		assert!(!in_commitment(&root, range, 6, &copy[6], &path[..path.len() - 1]));
		let mut longer = path.clone();
		longer.push(H256::zero());
		assert!(!in_commitment(&root, range, 6, &copy[6], &longer));
		assert!(!in_commitment(&H256::zero(), range, 6, &copy[6], &path));
		// Out of the range, or the range's last block, which the tree moved up, put elsewhere.
		assert!(!in_commitment(&root, range, 13, &copy[6], &path));
		let last = commitment_path(&leaves, 12).unwrap();
		assert!(in_commitment(&root, range, 12, &copy[12], &last));
		assert!(!in_commitment(&root, ChunkRange { start: 0, end: 14 }, 12, &copy[12], &last));
		// The plain block is not its encoding.
		assert!(!in_commitment(&root, range, 6, &block(6, 100), &path));
	}

	#[test]
	fn a_leaf_is_not_an_inner_node() {
		// A two-block copy's root is the hash of its two leaves; a block holding those 64 bytes
		// has a different leaf, because leaves are tagged.
		let leaves = [H256::repeat_byte(1), H256::repeat_byte(2)];
		let root = commitment(&leaves);
		let mut inner = leaves[0].0.to_vec();
		inner.extend_from_slice(&leaves[1].0);
		assert_ne!(leaf(&inner), root);
		assert_eq!(BlakeTwo256::hash(&inner), root);
	}
}
