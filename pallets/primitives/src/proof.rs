//! The Merkle tree that proofs of storage are checked against, behind one verifier.
//!
//! The tree is `binary-merkle-tree`'s shape (pairs hashed left ‖ right, a node without a sibling
//! moves up a level unchanged) with BLAKE2-256 and domain separation, so that no inner node can
//! pass for a chunk and no chunk for an inner node:
//!
//! - leaf  = BLAKE2-256(`0x00` ‖ chunk bytes)
//! - inner = BLAKE2-256(`0x01` ‖ left ‖ right)
//!
//! A path must hold exactly as many siblings as the leaf has levels with a sibling above it in a
//! tree of `length` leaves ([`path_len`]); a shorter or longer path is refused before any hashing.

use alloc::vec::Vec;
use binary_merkle_tree::{merkle_proof_raw, merkle_root_raw, verify_proof, Leaf};
use sp_core::{Hasher, H256};
use sp_runtime::traits::BlakeTwo256;

use crate::ChunkIndex;

/// The prefix of a leaf's preimage.
pub const LEAF_PREFIX: u8 = 0x00;
/// The prefix of an inner node's preimage.
pub const NODE_PREFIX: u8 = 0x01;

/// Why a chunk proof was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ProofError {
	/// The chunk index is not below the feed's length.
	IndexOutOfFeed,
	/// The path does not hold exactly one sibling per level of the leaf.
	WrongPathLength,
	/// The path does not lead to the root.
	RootMismatch,
}

/// Hashes inner nodes: BLAKE2-256 of `NODE_PREFIX` ‖ input. `binary-merkle-tree` hashes only
/// inner nodes with it, because leaves are given to it already hashed ([`leaf_hash`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct NodeHasher;

impl Hasher for NodeHasher {
	type Out = H256;
	type StdHasher = <BlakeTwo256 as Hasher>::StdHasher;
	const LENGTH: usize = 32;

	fn hash(input: &[u8]) -> H256 {
		let mut preimage = Vec::with_capacity(input.len() + 1);
		preimage.push(NODE_PREFIX);
		preimage.extend_from_slice(input);
		BlakeTwo256::hash(&preimage)
	}
}

/// The leaf of a chunk.
pub fn leaf_hash(chunk: &[u8]) -> H256 {
	let mut preimage = Vec::with_capacity(chunk.len() + 1);
	preimage.push(LEAF_PREFIX);
	preimage.extend_from_slice(chunk);
	BlakeTwo256::hash(&preimage)
}

/// How many siblings the path of leaf `index` holds in a tree of `length` leaves: one per level
/// at which the leaf's ancestor has a sibling. `None` when `index` is not below `length`.
pub fn path_len(index: ChunkIndex, length: ChunkIndex) -> Option<u32> {
	if index >= length {
		return None;
	}
	let (mut position, mut width, mut siblings) = (index, length, 0u32);
	while width > 1 {
		// The last node of an odd level is promoted without a sibling.
		let promoted = width % 2 == 1 && position == width - 1;
		if !promoted {
			siblings += 1;
		}
		position /= 2;
		width = width.div_ceil(2);
	}
	Some(siblings)
}

/// Checks that `chunk` is leaf `index` of the tree of `length` leaves whose root is `root`.
/// The work is bounded by the path's length, which must match the tree: at most 32 hashes.
pub fn verify_chunk(
	root: &H256,
	length: ChunkIndex,
	index: ChunkIndex,
	chunk: &[u8],
	path: &[H256],
) -> Result<(), ProofError> {
	let expected = path_len(index, length).ok_or(ProofError::IndexOutOfFeed)?;
	if path.len() != expected as usize {
		return Err(ProofError::WrongPathLength);
	}
	let leaf = Leaf::Hash(leaf_hash(chunk));
	if verify_proof::<NodeHasher, _, _>(root, path.iter().copied(), length, index, leaf) {
		Ok(())
	} else {
		Err(ProofError::RootMismatch)
	}
}

/// The root of the tree of `chunks` (what a sponsor publishes). The zero hash for no chunks.
pub fn merkle_root<C: AsRef<[u8]>>(chunks: &[C]) -> H256 {
	merkle_root_raw::<NodeHasher, _>(chunks.iter().map(|chunk| leaf_hash(chunk.as_ref())))
}

/// The path of chunk `index` (what a hoster answers with). Empty when `index` is out of range.
pub fn merkle_path<C: AsRef<[u8]>>(chunks: &[C], index: ChunkIndex) -> Vec<H256> {
	if index as usize >= chunks.len() {
		return Vec::new();
	}
	let leaves: Vec<H256> = chunks.iter().map(|chunk| leaf_hash(chunk.as_ref())).collect();
	merkle_proof_raw::<NodeHasher, _>(leaves, index).proof
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::vec;

	fn chunks(n: u32) -> Vec<Vec<u8>> {
		(0..n).map(|i| vec![i as u8; 3 + (i as usize % 5)]).collect()
	}

	#[test]
	fn every_chunk_of_trees_of_every_small_size_verifies_with_its_exact_path() {
		for n in 1..=33u32 {
			let data = chunks(n);
			let root = merkle_root(&data);
			for index in 0..n {
				let path = merkle_path(&data, index);
				assert_eq!(Some(path.len() as u32), path_len(index, n), "n={n} index={index}");
				assert_eq!(verify_chunk(&root, n, index, &data[index as usize], &path), Ok(()));
			}
		}
	}

	#[test]
	fn an_inner_node_does_not_pass_for_a_chunk() {
		// The attack: answer with the two children of an inner node as the "chunk" and the
		// path above that node, at the node's index one level up.
		let data = chunks(8);
		let root = merkle_root(&data);
		let (left, right) = (leaf_hash(&data[0]), leaf_hash(&data[1]));
		let mut forged = left.as_bytes().to_vec();
		forged.extend_from_slice(right.as_bytes());
		let above = merkle_path(&data, 0)[1..].to_vec();
		assert_eq!(
			verify_chunk(&root, 8, 0, &forged, &above),
			Err(ProofError::WrongPathLength),
			"a path shorter than the tree is refused before hashing"
		);
		// With a full-length path the forged preimage still does not hash to the leaf.
		let mut padded = vec![H256::zero()];
		padded.extend(above);
		assert_eq!(verify_chunk(&root, 8, 0, &forged, &padded), Err(ProofError::RootMismatch));
		// The same bytes hash differently as a leaf and as an inner node.
		assert_ne!(leaf_hash(&forged), NodeHasher::hash(&forged));
	}

	#[test]
	fn wrong_index_data_or_root_is_refused() {
		let data = chunks(5);
		let root = merkle_root(&data);
		let path = merkle_path(&data, 2);
		assert_eq!(verify_chunk(&root, 5, 5, &data[2], &path), Err(ProofError::IndexOutOfFeed));
		assert_eq!(verify_chunk(&root, 5, 2, b"other", &path), Err(ProofError::RootMismatch));
		assert_eq!(verify_chunk(&root, 5, 3, &data[2], &path), Err(ProofError::RootMismatch));
		let mut longer = path.clone();
		longer.push(H256::zero());
		assert_eq!(verify_chunk(&root, 5, 2, &data[2], &longer), Err(ProofError::WrongPathLength));
		assert_eq!(
			verify_chunk(&H256::zero(), 5, 2, &data[2], &path),
			Err(ProofError::RootMismatch)
		);
	}

	#[test]
	fn a_path_extends_a_known_prefix_with_the_roots_beside_it() {
		// The first 64 leaves of a 256-leaf tree, and the roots of the rest, give the root and
		// every path of those leaves: how the benchmarks build a maximal-depth feed.
		let data = chunks(256);
		let pair = |l: H256, r: H256| NodeHasher::hash(&[l.as_bytes(), r.as_bytes()].concat());
		let spine = [merkle_root(&data[64..128]), merkle_root(&data[128..256])];
		let root = spine.iter().fold(merkle_root(&data[..64]), |node, s| pair(node, *s));
		assert_eq!(root, merkle_root(&data));
		for index in [0u32, 17, 63] {
			let mut path = merkle_path(&data[..64], index);
			path.extend(spine);
			assert_eq!(path, merkle_path(&data, index));
			assert_eq!(verify_chunk(&root, 256, index, &data[index as usize], &path), Ok(()));
		}
	}

	#[test]
	fn the_deepest_path_is_bounded_by_the_index_width() {
		assert_eq!(path_len(0, 1), Some(0));
		assert_eq!(path_len(0, u32::MAX), Some(32));
		assert_eq!(path_len(u32::MAX - 1, u32::MAX), Some(31), "promoted once, at the bottom");
		assert_eq!(path_len(7, 7), None);
	}
}
