//! Verifies Hypercore's signed trees and Merkle proofs, as a Hypercore peer does, without `std`.
//!
//! A Hypercore is an append-only log of blocks under an ed25519 key. Its blocks are the leaves of
//! a Merkle tree numbered as a flat tree ([`flat`]); a tree of `length` blocks has one root per
//! set bit of `length`. The key signs the tree hash of those roots together with the length and
//! the fork id ([`hash::signable`]). This crate checks, with bounded work and an error for every
//! malformed input:
//!
//! - a signed tree: its roots are exactly the roots of its length and the key signed them
//!   ([`verify_tree`]);
//! - a block proof: the block and its sibling nodes lead to one of those roots ([`verify_block`]),
//!   and a node proof likewise for any node of the tree ([`verify_node`]);
//! - an upgrade: the nodes that take a tree of one length to the roots of a longer one, so that
//!   the longer tree extends the shorter ([`upgrade`]);
//! - evidence of a fork: two statements of one key that cannot both be true ([`verify_fork`]).
//!
//! Two kinds of core are covered ([`Signer`]): compat cores, whose key is the signer's public key
//! and whose signable is `TREE ‖ tree hash ‖ length ‖ fork`, and cores with Hypercore's default
//! manifest (what `new Hypercore(storage)` makes): one ed25519 signer, the key is the manifest's
//! hash and the signable is `TREE ‖ key ‖ tree hash ‖ length ‖ fork`. Other manifests (several
//! signers, a prologue, patches) are not verified here.
//!
//! The types are SCALE-encoded so that a runtime can take them in calls; [`builder`] makes trees
//! and proofs for tests and benchmarks.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;
#[cfg(feature = "json")]
extern crate std;

pub mod builder;
pub mod flat;
pub mod hash;
#[cfg(feature = "json")]
pub mod json;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::ed25519;

/// The most blocks a Hypercore holds: its lengths are JavaScript safe integers.
pub const MAX_LENGTH: u64 = (1 << 53) - 1;
/// The most roots a tree has: one per bit of [`MAX_LENGTH`].
pub const MAX_ROOTS: u32 = 53;
/// The most sibling nodes on a block's way to its root: the depth of the largest root.
pub const MAX_PROOF_NODES: u32 = 52;
/// The most nodes an upgrade takes: siblings to grow the last old root, then each new root.
pub const MAX_UPGRADE_NODES: u32 = MAX_PROOF_NODES + MAX_ROOTS;

/// A node of the tree: a block (even index) or a parent of two nodes.
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
pub struct Node {
	/// Its flat-tree index.
	pub index: u64,
	/// The bytes of the blocks under it.
	pub size: u64,
	/// Its hash ([`hash::leaf`] or [`hash::parent`]).
	pub hash: [u8; 32],
}

/// Who signs a core's trees, and what.
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
pub enum Signer {
	/// A compat core (`{ compat: true }`): the key is the signer's public key.
	Compat,
	/// A core with Hypercore's default manifest for this ed25519 public key (`core.keyPair`):
	/// the key is the manifest's hash ([`hash::default_manifest_key`]).
	DefaultManifest([u8; 32]),
}

/// A core's key with its signer: what its signed trees are checked with.
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
pub struct FeedKey {
	/// The core's key (`core.key`), which names it.
	pub key: [u8; 32],
	/// Who signs its trees.
	pub signer: Signer,
}

impl FeedKey {
	/// A compat core's key.
	pub fn compat(key: [u8; 32]) -> Self {
		Self { key, signer: Signer::Compat }
	}

	/// The key of a core with the default manifest of `public_key`.
	pub fn default_manifest(public_key: [u8; 32]) -> Self {
		Self {
			key: hash::default_manifest_key(&public_key),
			signer: Signer::DefaultManifest(public_key),
		}
	}

	/// Checks that `signature` is the signer's over the tree `tree_hash`, `length`, `fork`.
	pub fn verify(
		&self,
		tree_hash: &[u8; 32],
		length: u64,
		fork: u64,
		signature: &[u8; 64],
	) -> Result<(), Error> {
		let signature = ed25519::Signature::from_raw(*signature);
		let valid = match self.signer {
			Signer::Compat => sp_io::crypto::ed25519_verify(
				&signature,
				&hash::signable(tree_hash, length, fork),
				&ed25519::Public::from_raw(self.key),
			),
			Signer::DefaultManifest(public_key) => {
				if hash::default_manifest_key(&public_key) != self.key {
					return Err(Error::WrongManifest);
				}
				sp_io::crypto::ed25519_verify(
					&signature,
					&hash::manifest_signable(&self.key, tree_hash, length, fork),
					&ed25519::Public::from_raw(public_key),
				)
			}
		};
		if valid {
			Ok(())
		} else {
			Err(Error::BadSignature)
		}
	}
}

/// A statement of the key: at `length` blocks and fork `fork`, the roots are `roots`.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct SignedTree {
	/// The number of blocks.
	pub length: u64,
	/// The fork id: how many times the log was truncated.
	pub fork: u64,
	/// The roots, left to right.
	pub roots: Vec<Node>,
	/// The key's ed25519 signature over [`hash::signable`] of the roots' tree hash.
	pub signature: [u8; 64],
}

/// A block with the sibling nodes from it up to its root: `block.nodes` of Hypercore's
/// `core.proof({ block: { index, nodes: 0 }, upgrade: { start: 0, length } })`.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct BlockProof {
	/// The fork the proof was made on.
	pub fork: u64,
	/// The block's index (not its flat index).
	pub index: u64,
	/// The block.
	pub value: Vec<u8>,
	/// The siblings from the block up to its root, lowest first.
	pub nodes: Vec<Node>,
}

/// A node with the sibling nodes from it up to its root: `hash.nodes` of Hypercore's
/// `core.proof({ hash: { index, nodes: 0 }, upgrade: { start: 0, length } })`, whose first node
/// is the node itself.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct NodeProof {
	/// The fork the proof was made on.
	pub fork: u64,
	/// The node's flat-tree index.
	pub index: u64,
	/// The node itself, then its siblings up to its root, lowest first.
	pub nodes: Vec<Node>,
}

/// Why a tree, proof, upgrade or fork evidence was refused. Each check has its own error.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub enum Error {
	/// The length is above [`MAX_LENGTH`].
	LengthTooLarge,
	/// The roots are not exactly the roots of the length, left to right.
	WrongRoots,
	/// The sizes add up to more than a `u64` holds.
	SizeOverflow,
	/// The key did not sign this tree hash, length and fork.
	BadSignature,
	/// The key is not the hash of the default manifest of the given signer.
	WrongManifest,
	/// The proof was made on another fork than the tree's.
	ForkMismatch,
	/// The block or node is not in a tree of this length.
	OutOfRange,
	/// Fewer nodes than the levels between the block or node and its root.
	ProofTooShort,
	/// More nodes than the levels between the block or node and its root.
	ProofTooLong,
	/// A node is not the one expected at its place (its index is wrong).
	WrongNodeIndex,
	/// The sizes do not add up to the root's size.
	SizeMismatch,
	/// The hashes do not lead to the root's hash: a block or a node's hash was changed.
	HashMismatch,
	/// An upgrade must end at a greater length.
	NotAnUpgrade,
	/// Two statements of different forks: a truncation, which Hypercore allows.
	DifferentForks,
	/// Statements of different lengths need a node proof to show they conflict.
	ProofRequired,
	/// The proven node is not a root of the shorter statement.
	NotARoot,
	/// The statements agree: the shorter tree is part of the longer.
	NotConflicting,
}

/// Checks that `tree`'s roots are the roots of its length and that `feed`'s signer signed them;
/// returns the tree hash. Work: one hash over at most [`MAX_ROOTS`] roots (and the manifest) and
/// one signature check.
pub fn verify_tree(feed: &FeedKey, tree: &SignedTree) -> Result<[u8; 32], Error> {
	check_roots(tree.length, &tree.roots)?;
	let tree_hash = hash::tree(&tree.roots);
	feed.verify(&tree_hash, tree.length, tree.fork, &tree.signature)?;
	Ok(tree_hash)
}

/// Checks that `roots` are the roots of a tree of `length` blocks, left to right, and that their
/// sizes add up.
pub fn check_roots(length: u64, roots: &[Node]) -> Result<(), Error> {
	if length > MAX_LENGTH {
		return Err(Error::LengthTooLarge);
	}
	let expected = flat::full_roots(length).ok_or(Error::LengthTooLarge)?;
	let mut given = roots.iter();
	for index in expected {
		match given.next() {
			Some(root) if root.index == index => {}
			_ => return Err(Error::WrongRoots),
		}
	}
	if given.next().is_some() {
		return Err(Error::WrongRoots);
	}
	roots
		.iter()
		.try_fold(0u64, |total, root| total.checked_add(root.size))
		.map(|_| ())
		.ok_or(Error::SizeOverflow)
}

/// Checks that `proof`'s block is in the tree of `length` blocks, fork `fork` and `roots` (which
/// must have passed [`verify_tree`]). The path's shape is checked before any hashing; the work
/// is one hash of the block and one per level of its root.
pub fn verify_block(
	length: u64,
	fork: u64,
	roots: &[Node],
	proof: &BlockProof,
) -> Result<(), Error> {
	if proof.fork != fork {
		return Err(Error::ForkMismatch);
	}
	if proof.index >= length {
		return Err(Error::OutOfRange);
	}
	let start = proof.index.checked_mul(2).ok_or(Error::OutOfRange)?;
	let root = root_over(roots, start)?;
	check_path(start, root.index, &proof.nodes)?;
	let block =
		Node { index: start, size: proof.value.len() as u64, hash: hash::leaf(&proof.value) };
	climb_to(block, &proof.nodes, root)
}

/// Checks that `proof`'s node is in the tree of `length` blocks, fork `fork` and `roots` (which
/// must have passed [`verify_tree`]); returns the node.
pub fn verify_node(
	length: u64,
	fork: u64,
	roots: &[Node],
	proof: &NodeProof,
) -> Result<Node, Error> {
	if proof.fork != fork {
		return Err(Error::ForkMismatch);
	}
	let (node, siblings) = proof.nodes.split_first().ok_or(Error::ProofTooShort)?;
	if node.index != proof.index {
		return Err(Error::WrongNodeIndex);
	}
	let (_, last_block) = flat::span(node.index).ok_or(Error::OutOfRange)?;
	if last_block / 2 >= length {
		return Err(Error::OutOfRange);
	}
	let root = root_over(roots, node.index)?;
	check_path(node.index, root.index, siblings)?;
	climb_to(*node, siblings, root)?;
	Ok(*node)
}

/// The root whose subtree holds flat index `index`.
fn root_over(roots: &[Node], index: u64) -> Result<&Node, Error> {
	roots.iter().find(|root| flat::contains(root.index, index)).ok_or(Error::OutOfRange)
}

/// `nodes` are exactly the siblings on the way from node `from` up to node `root`.
fn check_path(from: u64, root: u64, nodes: &[Node]) -> Result<(), Error> {
	let levels = flat::depth(root).saturating_sub(flat::depth(from)) as usize;
	if nodes.len() < levels {
		return Err(Error::ProofTooShort);
	}
	if nodes.len() > levels {
		return Err(Error::ProofTooLong);
	}
	let mut at = from;
	for node in nodes {
		if Some(node.index) != flat::sibling(at) {
			return Err(Error::WrongNodeIndex);
		}
		at = flat::parent(at).ok_or(Error::WrongNodeIndex)?;
	}
	// `root` holds `from`, so the ancestor of `from` at the root's depth is the root.
	Ok(())
}

/// Hashes `start` with `siblings` (already checked by [`check_path`]) and compares with `root`.
fn climb_to(start: Node, siblings: &[Node], root: &Node) -> Result<(), Error> {
	let mut at = start;
	for sibling in siblings {
		at = join(&at, sibling)?;
	}
	if at.size != root.size {
		return Err(Error::SizeMismatch);
	}
	if at.hash != root.hash {
		return Err(Error::HashMismatch);
	}
	Ok(())
}

/// The parent of two sibling nodes, whichever order they come in.
fn join(a: &Node, b: &Node) -> Result<Node, Error> {
	let (left, right) = if a.index < b.index { (a, b) } else { (b, a) };
	let index = flat::parent(left.index).ok_or(Error::WrongNodeIndex)?;
	let size = left.size.checked_add(right.size).ok_or(Error::SizeOverflow)?;
	Ok(Node { index, size, hash: hash::parent(size, &left.hash, &right.hash) })
}

/// The roots at `new_length` of the tree whose roots at `length` are `roots` (verified), given
/// the upgrade nodes of Hypercore's `core.proof({ upgrade: { start: length, length: new_length −
/// length } })`: the right-hand siblings that grow the last old roots into the first new root
/// that is not an old one, lowest first, then each further new root. Whatever the nodes hold,
/// the old roots stay inside the new tree, so the result extends the old tree; the caller checks
/// the new length's signature over it with [`verify_tree`].
pub fn upgrade(
	length: u64,
	roots: &[Node],
	new_length: u64,
	nodes: &[Node],
) -> Result<Vec<Node>, Error> {
	if new_length <= length {
		return Err(Error::NotAnUpgrade);
	}
	if new_length > MAX_LENGTH {
		return Err(Error::LengthTooLarge);
	}
	check_roots(length, roots)?;
	if nodes.len() > MAX_UPGRADE_NODES as usize {
		return Err(Error::ProofTooLong);
	}
	let mut given = nodes.iter();
	let mut next = |expected: u64| match given.next() {
		Some(node) if node.index == expected => Ok(*node),
		Some(_) => Err(Error::WrongNodeIndex),
		None => Err(Error::ProofTooShort),
	};
	let mut old = roots;
	let mut new_roots = Vec::new();
	for index in flat::full_roots(new_length).ok_or(Error::LengthTooLarge)? {
		match old.split_first() {
			Some((kept, rest)) if kept.index == index => {
				new_roots.push(*kept);
				old = rest;
			}
			Some(_) => {
				new_roots.push(grow(old, index, &mut next)?);
				old = &[];
			}
			None => new_roots.push(next(index)?),
		}
	}
	if given.next().is_some() {
		return Err(Error::ProofTooLong);
	}
	Ok(new_roots)
}

/// Grows the old roots `old` (all under `root`) into node `root`: from the last one up, a left
/// sibling is the previous old root, a right sibling comes from the upgrade nodes.
fn grow(
	old: &[Node],
	root: u64,
	next: &mut impl FnMut(u64) -> Result<Node, Error>,
) -> Result<Node, Error> {
	let (last, mut left) = old.split_last().ok_or(Error::WrongRoots)?;
	let mut at = *last;
	while at.index != root {
		if flat::depth(at.index) >= flat::depth(root) {
			return Err(Error::WrongRoots);
		}
		let sibling = flat::sibling(at.index).ok_or(Error::WrongRoots)?;
		let other = if sibling < at.index {
			let (previous, rest) = left.split_last().ok_or(Error::WrongRoots)?;
			if previous.index != sibling {
				return Err(Error::WrongRoots);
			}
			left = rest;
			*previous
		} else {
			next(sibling)?
		};
		at = join(&at, &other)?;
	}
	if left.is_empty() {
		Ok(at)
	} else {
		Err(Error::WrongRoots)
	}
}

/// Checks that `first` and `second`, both signed for `feed`, cannot both be true of one log:
/// the same fork id and either the same length with other roots, or a root of the shorter
/// that `proof` shows to be different in the longer. Returns the fork id that was forked.
pub fn verify_fork(
	feed: &FeedKey,
	first: &SignedTree,
	second: &SignedTree,
	proof: Option<&NodeProof>,
) -> Result<u64, Error> {
	verify_tree(feed, first)?;
	verify_tree(feed, second)?;
	if first.fork != second.fork {
		return Err(Error::DifferentForks);
	}
	let (shorter, longer) =
		if first.length <= second.length { (first, second) } else { (second, first) };
	if shorter.length == longer.length {
		return if shorter.roots == longer.roots {
			Err(Error::NotConflicting)
		} else {
			Ok(first.fork)
		};
	}
	let proof = proof.ok_or(Error::ProofRequired)?;
	let claimed =
		shorter.roots.iter().find(|root| root.index == proof.index).ok_or(Error::NotARoot)?;
	let found = verify_node(longer.length, longer.fork, &longer.roots, proof)?;
	if found == *claimed {
		Err(Error::NotConflicting)
	} else {
		Ok(first.fork)
	}
}

#[cfg(test)]
mod tests;
