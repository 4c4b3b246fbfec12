//! Hypercore feeds as a sponsor publishes them: the blocks, every node of their Merkle tree and
//! the tree signed with the feed's key pair, in Hypercore's own format (`hypercore-verify`), so
//! the chain, the encoders and any Hypercore peer check them alike.

use datdot_primitives::feed::{hash, BlockProof, FeedKey, Node, SignedTree};
use hypercore_verify::flat;
use sp_core::{ed25519, Pair};

/// The size of a feed's blocks (the last one may be shorter). The chain proves blocks of up to
/// 64 KiB.
pub const BLOCK_SIZE: usize = 64 * 1024;

/// A feed held in full: its blocks and its tree, signed at its length.
pub struct Feed {
	key: FeedKey,
	blocks: Vec<Vec<u8>>,
	/// Every node of a full subtree, by flat index (`None` where no full subtree ends).
	nodes: Vec<Option<Node>>,
	tree: SignedTree,
}

impl Feed {
	/// The feed of `data` cut into [`BLOCK_SIZE`] blocks, signed by `pair` as a core with
	/// Hypercore's default manifest (`new Hypercore(storage, { keyPair })`).
	pub fn from_bytes(pair: &ed25519::Pair, data: &[u8]) -> Self {
		Self::from_blocks(pair, data.chunks(BLOCK_SIZE).map(<[u8]>::to_vec).collect())
	}

	/// The feed of `blocks`, signed by `pair` at fork 0.
	pub fn from_blocks(pair: &ed25519::Pair, blocks: Vec<Vec<u8>>) -> Self {
		let key = FeedKey::default_manifest(pair.public().0);
		let length = blocks.len() as u64;
		let nodes = tree_nodes(&blocks);
		let roots = roots_of(&nodes, length);
		let fork = 0;
		let signable = hash::manifest_signable(&key.key, &hash::tree(&roots), length, fork);
		let signature = pair.sign(&signable).0;
		let tree = SignedTree { length, fork, roots, signature };
		Self { key, blocks, nodes, tree }
	}

	/// A feed someone else signed: `blocks` under `tree`, signed by `key`. `None` unless the
	/// signature holds and the blocks, all of them, make exactly the signed tree.
	pub fn from_signed(key: FeedKey, tree: SignedTree, blocks: Vec<Vec<u8>>) -> Option<Self> {
		hypercore_verify::verify_tree(&key, &tree).ok()?;
		if blocks.is_empty() || blocks.len() as u64 != tree.length {
			return None;
		}
		let nodes = tree_nodes(&blocks);
		(roots_of(&nodes, tree.length) == tree.roots).then_some(Self { key, blocks, nodes, tree })
	}

	/// The feed's key and signer.
	pub fn key(&self) -> FeedKey {
		self.key
	}

	/// Its signed tree at its full length.
	pub fn signed_tree(&self) -> &SignedTree {
		&self.tree
	}

	/// Its number of blocks.
	pub fn length(&self) -> u64 {
		self.tree.length
	}

	/// The size of all its blocks, in bytes.
	pub fn byte_length(&self) -> u64 {
		self.tree.roots.iter().map(|root| root.size).sum()
	}

	/// Block `index`, if the feed has it.
	pub fn block(&self, index: u64) -> Option<&[u8]> {
		self.blocks.get(usize::try_from(index).ok()?).map(Vec::as_slice)
	}

	/// Hypercore's proof of block `index` against the signed tree.
	pub fn proof(&self, index: u64) -> Option<BlockProof> {
		let value = self.block(index)?.to_vec();
		let from = index * 2;
		let root = flat::full_roots(self.length())?.find(|root| flat::contains(*root, from))?;
		let mut nodes = Vec::new();
		let mut at = from;
		while at != root {
			let sibling = flat::sibling(at)?;
			nodes.push(self.nodes.get(usize::try_from(sibling).ok()?).copied().flatten()?);
			at = flat::parent(at)?;
		}
		Some(BlockProof { fork: self.tree.fork, index, value, nodes })
	}
}

/// Every node of a full subtree over `blocks`, by flat index (`None` where no full subtree ends).
fn tree_nodes(blocks: &[Vec<u8>]) -> Vec<Option<Node>> {
	let length = blocks.len() as u64;
	let mut nodes: Vec<Option<Node>> = vec![None; blocks.len().saturating_mul(2)];
	for (index, block) in blocks.iter().enumerate() {
		let at = index * 2;
		nodes[at] =
			Some(Node { index: at as u64, size: block.len() as u64, hash: hash::leaf(block) });
	}
	// Parents level by level: a parent exists where both children do.
	let mut depth = 1;
	while (1u64 << depth) <= length {
		let mut offset = 0;
		while let Some(index) = flat::index(depth, offset) {
			let Some((_, last)) = flat::span(index) else { break };
			if last / 2 >= length {
				break;
			}
			let left = flat::index(depth - 1, offset * 2).and_then(|i| nodes[i as usize]);
			let right = flat::index(depth - 1, offset * 2 + 1).and_then(|i| nodes[i as usize]);
			if let (Some(left), Some(right)) = (left, right) {
				let size = left.size + right.size;
				nodes[index as usize] =
					Some(Node { index, size, hash: hash::parent(size, &left.hash, &right.hash) });
			}
			offset += 1;
		}
		depth += 1;
	}
	nodes
}

/// The full roots of a tree of `length` blocks, left to right.
fn roots_of(nodes: &[Option<Node>], length: u64) -> Vec<Node> {
	flat::full_roots(length)
		.map(|roots| {
			roots.filter_map(|index| nodes.get(index as usize).copied().flatten()).collect()
		})
		.unwrap_or_default()
}

#[cfg(test)]
mod tests {
	use super::*;
	use hypercore_verify::{builder::TreeBuilder, verify_block, verify_tree};

	fn pair() -> ed25519::Pair {
		ed25519::Pair::from_seed(&[3; 32])
	}

	fn data(len: usize) -> Vec<u8> {
		(0..len).map(|n| (n * 13 % 251) as u8).collect()
	}

	#[test]
	fn every_block_proves_against_the_signed_tree() {
		for length in [1usize, 2, 3, 5, 8, 13] {
			let bytes = data(length * 1000 - 7);
			let blocks: Vec<Vec<u8>> = bytes.chunks(1000).map(<[u8]>::to_vec).collect();
			let feed = Feed::from_blocks(&pair(), blocks.clone());
			assert_eq!(feed.length(), length as u64);
			assert_eq!(feed.byte_length(), bytes.len() as u64);
			verify_tree(&feed.key(), feed.signed_tree()).expect("the tree is signed by the key");
			for index in 0..length as u64 {
				let proof = feed.proof(index).expect("a block of the feed");
				assert_eq!(proof.value, blocks[index as usize]);
				let tree = feed.signed_tree();
				verify_block(tree.length, tree.fork, &tree.roots, &proof).expect("the proof holds");
			}
			assert!(feed.proof(length as u64).is_none());
		}
	}

	#[test]
	fn the_tree_is_hypercore_verify_s_tree_of_the_same_blocks() {
		let blocks: Vec<Vec<u8>> = (0..11u8).map(|n| vec![n; 100 + n as usize]).collect();
		let feed = Feed::from_blocks(&pair(), blocks.clone());
		let builder = TreeBuilder::new(11, |index| blocks[index as usize].clone());
		assert_eq!(feed.signed_tree().roots, builder.roots());
		for index in 0..11 {
			assert_eq!(
				feed.proof(index).map(|p| p.nodes),
				Some(builder.block_proof(0, index).nodes)
			);
		}
	}

	#[test]
	fn a_feed_signed_elsewhere_is_taken_only_with_its_own_blocks() {
		let blocks: Vec<Vec<u8>> = (0..5u8).map(|n| vec![n; 700]).collect();
		let made = Feed::from_blocks(&pair(), blocks.clone());
		let (key, tree) = (made.key(), made.signed_tree().clone());
		let taken = Feed::from_signed(key, tree.clone(), blocks.clone()).expect("its own blocks");
		assert_eq!(taken.proof(3), made.proof(3));
		assert_eq!(taken.byte_length(), 3500);

		let mut changed = blocks.clone();
		changed[4][0] ^= 1;
		assert!(Feed::from_signed(key, tree.clone(), changed).is_none());
		assert!(Feed::from_signed(key, tree.clone(), blocks[..4].to_vec()).is_none());
		assert!(Feed::from_signed(key, tree.clone(), Vec::new()).is_none());
		let mut forged = tree.clone();
		forged.signature[0] ^= 1;
		assert!(Feed::from_signed(key, forged, blocks.clone()).is_none());
		let other = FeedKey::default_manifest(ed25519::Pair::from_seed(&[4; 32]).public().0);
		assert!(Feed::from_signed(other, tree, blocks).is_none());
	}

	#[test]
	fn a_changed_block_does_not_prove() {
		let feed = Feed::from_bytes(&pair(), &data(3 * BLOCK_SIZE + 5));
		assert_eq!(feed.length(), 4);
		let mut proof = feed.proof(2).expect("block 2");
		proof.value[0] ^= 1;
		let tree = feed.signed_tree();
		assert_eq!(
			verify_block(tree.length, tree.fork, &tree.roots, &proof),
			Err(hypercore_verify::Error::HashMismatch)
		);
	}
}
