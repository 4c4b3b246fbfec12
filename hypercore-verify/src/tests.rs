//! Trees built here, signed with a test key: every proof of every small tree verifies, every
//! change is refused by the check that guards it, upgrades and forks are told apart.

use super::*;
use crate::builder::TreeBuilder;
use alloc::{vec, vec::Vec};
use sp_core::{ed25519::Pair, Pair as _};

fn block(i: u64) -> Vec<u8> {
	// Sizes vary, and block 6 is empty: Hypercore allows empty blocks.
	vec![(i % 251) as u8; ((i * 7) % 19) as usize]
}

fn author() -> Pair {
	Pair::from_seed(&[1; 32])
}

fn signed(tree: &TreeBuilder<fn(u64) -> Vec<u8>>, fork: u64) -> SignedTree {
	SignedTree {
		length: tree.length(),
		fork,
		roots: tree.roots(),
		signature: author().sign(&tree.signable(fork)).0,
	}
}

fn log(length: u64) -> TreeBuilder<fn(u64) -> Vec<u8>> {
	TreeBuilder::new(length, block as fn(u64) -> Vec<u8>)
}

fn key() -> FeedKey {
	FeedKey::compat(author().public().0)
}

#[test]
fn every_block_of_small_logs_verifies() {
	for length in 1..=70u64 {
		let tree = log(length);
		let statement = signed(&tree, 0);
		assert_eq!(verify_tree(&key(), &statement), Ok(tree.tree_hash()), "length {length}");
		for index in 0..length {
			let proof = tree.block_proof(0, index);
			assert_eq!(
				verify_block(length, 0, &statement.roots, &proof),
				Ok(()),
				"block {index} of {length}"
			);
		}
	}
}

#[test]
fn every_node_of_a_log_verifies() {
	let tree = log(23);
	let roots = tree.roots();
	for index in 0..(2 * 23 - 1) {
		let (_, last) = flat::span(index).unwrap();
		if last / 2 >= 23 {
			assert_eq!(
				verify_node(23, 0, &roots, &tree.node_proof(0, index)),
				Err(Error::OutOfRange)
			);
			continue;
		}
		assert_eq!(verify_node(23, 0, &roots, &tree.node_proof(0, index)), Ok(tree.node(index)));
	}
}

#[test]
fn a_tree_must_be_signed_by_its_key_for_its_length_and_fork() {
	let tree = log(11);
	let statement = signed(&tree, 2);
	assert!(verify_tree(&key(), &statement).is_ok());
	let other_key = FeedKey::compat(Pair::from_seed(&[2; 32]).public().0);
	assert_eq!(verify_tree(&other_key, &statement), Err(Error::BadSignature));
	let mut forged = statement.clone();
	forged.signature[0] ^= 1;
	assert_eq!(verify_tree(&key(), &forged), Err(Error::BadSignature));
	let mut other_fork = statement.clone();
	other_fork.fork = 3;
	assert_eq!(verify_tree(&key(), &other_fork), Err(Error::BadSignature));
	let mut root_changed = statement.clone();
	root_changed.roots[1].hash[3] ^= 1;
	assert_eq!(verify_tree(&key(), &root_changed), Err(Error::BadSignature));
}

#[test]
fn roots_must_be_exactly_those_of_the_length() {
	let tree = log(11); // roots 7, 17, 20
	let statement = signed(&tree, 0);
	let mut longer = statement.clone();
	longer.length = 12;
	assert_eq!(verify_tree(&key(), &longer), Err(Error::WrongRoots));
	let mut missing = statement.clone();
	missing.roots.pop();
	assert_eq!(verify_tree(&key(), &missing), Err(Error::WrongRoots));
	let mut extra = statement.clone();
	extra.roots.push(tree.node(22));
	assert_eq!(verify_tree(&key(), &extra), Err(Error::WrongRoots));
	let mut moved = statement.clone();
	moved.roots[2].index = 22;
	assert_eq!(verify_tree(&key(), &moved), Err(Error::WrongRoots));
	let mut huge = statement.clone();
	huge.length = MAX_LENGTH + 1;
	assert_eq!(verify_tree(&key(), &huge), Err(Error::LengthTooLarge));
	let mut overflowing = statement;
	overflowing.roots[0].size = u64::MAX;
	assert_eq!(verify_tree(&key(), &overflowing), Err(Error::SizeOverflow));
}

#[test]
fn each_change_to_a_block_proof_is_refused_by_its_own_check() {
	let tree = log(1000);
	let roots = tree.roots();
	let honest = tree.block_proof(0, 517);
	assert_eq!(verify_block(1000, 0, &roots, &honest), Ok(()));
	let refused = |change: &dyn Fn(&mut BlockProof)| {
		let mut proof = honest.clone();
		change(&mut proof);
		verify_block(1000, 0, &roots, &proof).unwrap_err()
	};
	assert_eq!(refused(&|p| p.value[0] ^= 1), Error::HashMismatch);
	assert_eq!(refused(&|p| p.value.push(0)), Error::SizeMismatch);
	assert_eq!(refused(&|p| p.nodes[3].hash[0] ^= 1), Error::HashMismatch);
	assert_eq!(refused(&|p| p.nodes[3].size += 1), Error::SizeMismatch);
	assert_eq!(refused(&|p| p.nodes[3].index += 2), Error::WrongNodeIndex);
	assert_eq!(refused(&|p| p.index = 518), Error::WrongNodeIndex);
	assert_eq!(refused(&|p| p.index = 1000), Error::OutOfRange);
	assert_eq!(refused(&|p| p.index = u64::MAX), Error::OutOfRange);
	assert_eq!(
		refused(&|p| {
			p.nodes.pop();
		}),
		Error::ProofTooShort
	);
	assert_eq!(refused(&|p| p.nodes.push(tree.node(2))), Error::ProofTooLong);
	assert_eq!(refused(&|p| p.fork = 1), Error::ForkMismatch);
	assert_eq!(refused(&|p| p.nodes[0].size = u64::MAX), Error::SizeOverflow);
}

#[test]
fn a_block_that_is_its_own_root_has_an_empty_path() {
	let tree = log(5); // roots 3 and 8: block 4 is a root
	let proof = tree.block_proof(0, 4);
	assert!(proof.nodes.is_empty());
	assert_eq!(verify_block(5, 0, &tree.roots(), &proof), Ok(()));
	let mut padded = proof;
	padded.nodes.push(tree.node(6));
	assert_eq!(verify_block(5, 0, &tree.roots(), &padded), Err(Error::ProofTooLong));
}

#[test]
fn upgrades_between_any_two_lengths_give_the_longer_roots() {
	let full = log(70);
	for from in 1..40u64 {
		for to in (from + 1)..=70 {
			let old = log(from).roots();
			let longer = TreeBuilder::new(to, block as fn(u64) -> Vec<u8>);
			let nodes = longer.upgrade_nodes(from);
			assert_eq!(upgrade(from, &old, to, &nodes), Ok(longer.roots()), "{from} -> {to}");
		}
	}
	assert_eq!(full.length(), 70);
}

#[test]
fn an_upgrade_is_refused_when_its_nodes_are_wrong() {
	let (from, to) = (5u64, 13u64); // roots 3, 8 -> 7, 19, 24
	let old = log(from).roots();
	let nodes = log(to).upgrade_nodes(from);
	assert_eq!(nodes.iter().map(|n| n.index).collect::<Vec<_>>(), vec![10, 13, 19, 24]);
	let refused = |nodes: Vec<Node>| upgrade(from, &old, to, &nodes).unwrap_err();
	assert_eq!(refused(nodes[..3].to_vec()), Error::ProofTooShort);
	assert_eq!(refused([&nodes[..], &[log(to).node(26)]].concat()), Error::ProofTooLong);
	let mut moved = nodes.clone();
	moved[1].index = 9;
	assert_eq!(refused(moved), Error::WrongNodeIndex);
	assert_eq!(upgrade(from, &old, from, &nodes), Err(Error::NotAnUpgrade));
	assert_eq!(upgrade(from, &old, MAX_LENGTH + 1, &nodes), Err(Error::LengthTooLarge));
	assert_eq!(upgrade(from, &old[..1], to, &nodes), Err(Error::WrongRoots));
	// Changed hashes give other roots, which the new length's signature then refuses.
	let mut changed = nodes;
	changed[0].hash[0] ^= 1;
	let grown = upgrade(from, &old, to, &changed).unwrap();
	assert_ne!(grown, log(to).roots());
	let statement = SignedTree { roots: grown, ..signed(&log(to), 0) };
	assert_eq!(verify_tree(&key(), &statement), Err(Error::BadSignature));
}

/// A log of `length` blocks whose blocks from `from` on differ from [`block`]'s.
fn diverging(length: u64, from: u64) -> TreeBuilder<impl Fn(u64) -> Vec<u8>> {
	TreeBuilder::new(length, move |i| if i < from { block(i) } else { vec![0xee; 3] })
}

fn signed_by<F: Fn(u64) -> Vec<u8>>(tree: &TreeBuilder<F>, fork: u64) -> SignedTree {
	SignedTree {
		length: tree.length(),
		fork,
		roots: tree.roots(),
		signature: author().sign(&tree.signable(fork)).0,
	}
}

#[test]
fn two_statements_of_one_length_with_other_roots_are_a_fork() {
	let a = signed(&log(9), 4);
	let b = signed_by(&diverging(9, 8), 4);
	assert_eq!(verify_fork(&key(), &a, &b, None), Ok(4));
	assert_eq!(verify_fork(&key(), &a, &a, None), Err(Error::NotConflicting));
	let truncated = signed_by(&diverging(9, 8), 5);
	assert_eq!(verify_fork(&key(), &a, &truncated, None), Err(Error::DifferentForks));
	let mut unsigned = b.clone();
	unsigned.signature[5] ^= 1;
	assert_eq!(verify_fork(&key(), &a, &unsigned, None), Err(Error::BadSignature));
}

#[test]
fn a_longer_statement_that_rewrites_the_shorter_is_a_fork() {
	let short = signed(&log(5), 0); // roots 3, 8
	let rewritten = diverging(9, 4); // block 4 differs: node 8 differs
	let long = signed_by(&rewritten, 0);
	let proof = rewritten.node_proof(0, 8);
	assert_eq!(verify_fork(&key(), &short, &long, Some(&proof)), Ok(0));
	assert_eq!(verify_fork(&key(), &long, &short, Some(&proof)), Ok(0));
	assert_eq!(verify_fork(&key(), &short, &long, None), Err(Error::ProofRequired));
	// Node 3 is the same in both: no conflict shown.
	let same = rewritten.node_proof(0, 3);
	assert_eq!(verify_fork(&key(), &short, &long, Some(&same)), Err(Error::NotConflicting));
	// A node that is not a root of the shorter statement shows nothing.
	let inner = rewritten.node_proof(0, 1);
	assert_eq!(verify_fork(&key(), &short, &long, Some(&inner)), Err(Error::NotARoot));
	// The proof must hold in the longer tree.
	let mut forged = proof.clone();
	forged.nodes[0].hash = short.roots[1].hash;
	assert_eq!(verify_fork(&key(), &short, &long, Some(&forged)), Err(Error::HashMismatch));
	// An honest extension is no fork.
	let extended = log(9);
	let grown = signed(&extended, 0);
	assert_eq!(
		verify_fork(&key(), &short, &grown, Some(&extended.node_proof(0, 8))),
		Err(Error::NotConflicting)
	);
}

#[test]
fn a_partly_known_huge_log_proves_its_known_blocks() {
	let length = (1u64 << 24) + 5;
	let tree = TreeBuilder::partial(length, 0..64, block);
	let roots = tree.roots();
	assert_eq!(check_roots(length, &roots), Ok(()));
	for index in [0, 1, 31, 63] {
		let proof = tree.block_proof(0, index);
		assert_eq!(proof.nodes.len(), 24);
		assert_eq!(verify_block(length, 0, &roots, &proof), Ok(()));
	}
}

#[test]
fn malformed_node_proofs_are_refused() {
	let tree = log(8);
	let roots = tree.roots();
	let empty = NodeProof { fork: 0, index: 1, nodes: Vec::new() };
	assert_eq!(verify_node(8, 0, &roots, &empty), Err(Error::ProofTooShort));
	let mut renamed = tree.node_proof(0, 1);
	renamed.index = 5;
	assert_eq!(verify_node(8, 0, &roots, &renamed), Err(Error::WrongNodeIndex));
	let beyond = NodeProof { fork: 0, index: u64::MAX, nodes: vec![tree.node(1)] };
	assert_eq!(
		verify_node(
			8,
			0,
			&roots,
			&NodeProof { nodes: vec![Node { index: u64::MAX, ..tree.node(1) }], ..beyond }
		),
		Err(Error::OutOfRange)
	);
}

#[test]
fn a_default_manifest_core_is_signed_over_its_key() {
	let tree = log(9);
	let feed = FeedKey::default_manifest(author().public().0);
	let message = hash::manifest_signable(&feed.key, &tree.tree_hash(), 9, 0);
	let statement = SignedTree { signature: author().sign(&message).0, ..signed(&tree, 0) };
	assert_eq!(verify_tree(&feed, &statement), Ok(tree.tree_hash()));
	// The compat signable does not hold for it, nor its signature for a compat core.
	assert_eq!(verify_tree(&feed, &signed(&tree, 0)), Err(Error::BadSignature));
	assert_eq!(verify_tree(&key(), &statement), Err(Error::BadSignature));
	// Another signer's manifest names another core.
	let other = FeedKey { signer: Signer::DefaultManifest([7; 32]), ..feed };
	assert_eq!(verify_tree(&other, &statement), Err(Error::WrongManifest));
}
