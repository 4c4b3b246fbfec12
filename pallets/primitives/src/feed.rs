//! Feeds are Hypercores: what the pallets keep of one, and the feed the benchmarks use.
//!
//! The chain verifies Hypercore's own signed trees and block proofs with `hypercore-verify`; a
//! plan keeps its feed's verified roots, and every storage proof is checked against them.

use alloc::{vec, vec::Vec};
pub use hypercore_verify::{
	builder::TreeBuilder, check_roots, hash, upgrade, verify_fork, verify_tree, BlockProof,
	Error as FeedError, FeedKey, Node, NodeProof, SignedTree, Signer, MAX_LENGTH, MAX_PROOF_NODES,
	MAX_ROOTS, MAX_UPGRADE_NODES,
};

/// A feed's verified tree as a plan holds it: the proofs of its contracts are checked against it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FeedTree {
	/// The number of blocks.
	pub length: u64,
	/// The fork id.
	pub fork: u64,
	/// The roots, left to right.
	pub roots: Vec<Node>,
}

impl FeedTree {
	/// Checks `proof` against this tree.
	pub fn verify(&self, proof: &BlockProof) -> Result<(), hypercore_verify::Error> {
		hypercore_verify::verify_block(self.length, self.fork, &self.roots, proof)
	}
}

/// How many blocks at the start of a benchmark feed are known (the rest stand for blocks the
/// benchmark never proves): one contract covers them.
pub const BENCHMARK_KNOWN_BLOCKS: u64 = 64;

/// The feed the benchmarks host: `length` blocks, of which the first
/// [`BENCHMARK_KNOWN_BLOCKS`] are `block_size` bytes each and can be proven.
pub fn benchmark_feed(length: u64, block_size: u32) -> TreeBuilder<impl Fn(u64) -> Vec<u8>> {
	TreeBuilder::partial(length, 0..BENCHMARK_KNOWN_BLOCKS, move |index| {
		vec![(index % 251) as u8; block_size as usize]
	})
}
