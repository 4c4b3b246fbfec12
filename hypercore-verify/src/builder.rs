//! Builds Hypercore trees and their proofs from blocks, for tests and benchmarks.
//!
//! A [`TreeBuilder`] knows the blocks of one range of a log (all of it, for a small log). Every
//! subtree outside that range stands for blocks nobody here holds: its node is derived from its
//! index alone, with the size of [`UNKNOWN_BLOCK_SIZE`]-byte blocks. The result is one
//! consistent tree: proofs of known blocks and upgrades check against its roots. This is how a
//! benchmark holds a log of 2^24 blocks: it computes the few nodes around the blocks it proves.

use alloc::vec::Vec;
use core::ops::Range;
use sp_io::hashing::blake2_256;

use crate::{flat, hash, BlockProof, Node, NodeProof};

/// The size taken for each block outside the known range.
pub const UNKNOWN_BLOCK_SIZE: u64 = 1024;

/// A log of `length` blocks of which the blocks in `known` are given by a function.
pub struct TreeBuilder<F> {
	length: u64,
	known: Range<u64>,
	block: F,
}

impl<F: Fn(u64) -> Vec<u8>> TreeBuilder<F> {
	/// A log of `length` blocks, all known.
	pub fn new(length: u64, block: F) -> Self {
		Self { length, known: 0..length, block }
	}

	/// A log of `length` blocks of which only `known` are.
	pub fn partial(length: u64, known: Range<u64>, block: F) -> Self {
		Self { length, known, block }
	}

	/// The number of blocks.
	pub fn length(&self) -> u64 {
		self.length
	}

	/// Block `index`.
	pub fn block(&self, index: u64) -> Vec<u8> {
		(self.block)(index)
	}

	/// Node `index`, which must lie within the log.
	pub fn node(&self, index: u64) -> Node {
		let Some((first, last)) = flat::span(index) else { return Self::unknown(index) };
		let (first, last) = (first / 2, last / 2);
		if last < self.known.start || first >= self.known.end {
			return Self::unknown(index);
		}
		let depth = flat::depth(index);
		if depth == 0 {
			let value = self.block(first);
			return Node { index, size: value.len() as u64, hash: hash::leaf(&value) };
		}
		let offset = flat::offset(index);
		let child = |o| flat::index(depth - 1, o).map(|i| self.node(i));
		match (child(offset * 2), child(offset * 2 + 1)) {
			(Some(left), Some(right)) => {
				let size = left.size + right.size;
				Node { index, size, hash: hash::parent(size, &left.hash, &right.hash) }
			}
			_ => Self::unknown(index),
		}
	}

	/// The node of a subtree outside the known blocks.
	fn unknown(index: u64) -> Node {
		let blocks = 1u64 << flat::depth(index).min(63);
		Node {
			index,
			size: blocks.saturating_mul(UNKNOWN_BLOCK_SIZE),
			hash: blake2_256(&[&b"hypercore-verify/unknown"[..], &index.to_le_bytes()].concat()),
		}
	}

	/// The roots, left to right.
	pub fn roots(&self) -> Vec<Node> {
		flat::full_roots(self.length)
			.map(|roots| roots.map(|index| self.node(index)).collect())
			.unwrap_or_default()
	}

	/// The tree hash of the roots.
	pub fn tree_hash(&self) -> [u8; 32] {
		hash::tree(&self.roots())
	}

	/// What the key signs for this tree at `fork`.
	pub fn signable(&self, fork: u64) -> [u8; hash::SIGNABLE_LEN] {
		hash::signable(&self.tree_hash(), self.length, fork)
	}

	/// The root over flat index `index`.
	fn root_over(&self, index: u64) -> Option<u64> {
		flat::full_roots(self.length)?.find(|root| flat::contains(*root, index))
	}

	/// The siblings from node `from` up to its root, lowest first.
	fn siblings(&self, from: u64) -> Vec<Node> {
		let Some(root) = self.root_over(from) else { return Vec::new() };
		let mut nodes = Vec::new();
		let mut at = from;
		while at != root {
			let (Some(sibling), Some(parent)) = (flat::sibling(at), flat::parent(at)) else {
				break;
			};
			nodes.push(self.node(sibling));
			at = parent;
		}
		nodes
	}

	/// The proof of block `index`, as Hypercore gives it.
	pub fn block_proof(&self, fork: u64, index: u64) -> BlockProof {
		BlockProof {
			fork,
			index,
			value: self.block(index),
			nodes: self.siblings(index.saturating_mul(2)),
		}
	}

	/// The proof of node `index`, as Hypercore gives it: the node, then its siblings.
	pub fn node_proof(&self, fork: u64, index: u64) -> NodeProof {
		let mut nodes = alloc::vec![self.node(index)];
		nodes.extend(self.siblings(index));
		NodeProof { fork, index, nodes }
	}

	/// The nodes that upgrade a verifier holding this log's first `from` blocks to all of it, in
	/// the order of Hypercore's `core.proof({ upgrade: { start: from, length } })`.
	pub fn upgrade_nodes(&self, from: u64) -> Vec<Node> {
		let mut nodes = Vec::new();
		let Some(roots) = flat::full_roots(self.length) else { return nodes };
		let old: Vec<u64> = flat::full_roots(from).map(|r| r.collect()).unwrap_or_default();
		let mut grown = false;
		for root in roots {
			if old.contains(&root) {
				continue;
			}
			match old.last() {
				Some(last) if !grown && flat::contains(root, *last) => {
					// The right-hand siblings on the way from the last old root up.
					let mut at = *last;
					while at != root {
						let (Some(sibling), Some(parent)) = (flat::sibling(at), flat::parent(at))
						else {
							break;
						};
						if sibling > at {
							nodes.push(self.node(sibling));
						}
						at = parent;
					}
					grown = true;
				}
				_ => nodes.push(self.node(root)),
			}
		}
		nodes
	}
}
