//! Flat-tree node indexes, as Hypercore numbers its Merkle tree.
//!
//! Blocks sit at the even indexes (`2 × block`); a node of depth `d` and offset `o` (its place
//! among the nodes of that depth, from the left) has index `(2o + 1) × 2^d − 1`. A node of depth
//! `d` spans `2^d` blocks. The functions here take indexes that come from untrusted input, so
//! each returns `None` instead of overflowing.

/// How many levels lie below node `index` (0 for a block).
pub fn depth(index: u64) -> u32 {
	index.trailing_ones()
}

/// The node's place among the nodes of its depth.
pub fn offset(index: u64) -> u64 {
	// `depth ≤ 64`; a shift by 64 would overflow, and only `u64::MAX` has depth 64.
	index.checked_shr(depth(index) + 1).unwrap_or(0)
}

/// The node of `depth` at `offset`, if its index fits in a `u64`.
pub fn index(depth: u32, offset: u64) -> Option<u64> {
	let width = 1u64.checked_shl(depth)?;
	offset.checked_mul(2)?.checked_add(1)?.checked_mul(width)?.checked_sub(1)
}

/// The parent of `index`.
pub fn parent(index_: u64) -> Option<u64> {
	index(depth(index_).checked_add(1)?, offset(index_) >> 1)
}

/// The other child of `index`'s parent.
pub fn sibling(index_: u64) -> Option<u64> {
	index(depth(index_), offset(index_) ^ 1)
}

/// The first and last block index (flat, so even) under node `index`.
pub fn span(index_: u64) -> Option<(u64, u64)> {
	let d = depth(index_);
	let width = 1u64.checked_shl(d + 1)?;
	let left = offset(index_).checked_mul(width)?;
	Some((left, left.checked_add(width)?.checked_sub(2)?))
}

/// Whether node `ancestor` spans node `index`.
pub fn contains(ancestor: u64, index_: u64) -> bool {
	span(ancestor).is_some_and(|(left, right)| left <= index_ && index_ <= right)
}

/// The roots of a tree of `length` blocks, left to right: one full subtree per set bit of
/// `length`, largest first. `None` when an index would not fit in a `u64`.
pub fn full_roots(length: u64) -> Option<impl Iterator<Item = u64>> {
	// Block `length − 1` sits at flat index `2 × (length − 1)`.
	length.checked_mul(2)?;
	let mut remaining = length;
	let mut first_block = 0u64;
	Some(core::iter::from_fn(move || {
		if remaining == 0 {
			return None;
		}
		let d = 63 - remaining.leading_zeros();
		let blocks = 1u64 << d;
		// `first_block` is a multiple of `blocks`, so the subtree starting there is aligned.
		let root = index(d, first_block >> d)?;
		first_block += blocks;
		remaining -= blocks;
		Some(root)
	}))
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::vec::Vec;

	#[test]
	fn indexes_follow_the_flat_tree_layout() {
		// Depth 0: 0 2 4 6 …; depth 1: 1 5 9 …; depth 2: 3 11 …; depth 3: 7 …
		assert_eq!((depth(0), depth(1), depth(3), depth(7), depth(5)), (0, 1, 2, 3, 1));
		assert_eq!((offset(4), offset(5), offset(11)), (2, 1, 1));
		assert_eq!((index(0, 3), index(1, 2), index(3, 0)), (Some(6), Some(9), Some(7)));
		assert_eq!(
			(parent(0), parent(2), parent(1), parent(5)),
			(Some(1), Some(1), Some(3), Some(3))
		);
		assert_eq!(
			(sibling(0), sibling(2), sibling(1), sibling(11)),
			(Some(2), Some(0), Some(5), Some(3))
		);
		assert_eq!((span(3), span(4), span(11)), (Some((0, 6)), Some((4, 4)), Some((8, 14))));
		assert!(contains(7, 12) && contains(3, 3) && !contains(3, 8));
	}

	#[test]
	fn roots_are_one_full_subtree_per_set_bit() {
		let roots = |length| full_roots(length).map(|r| r.collect::<Vec<_>>());
		assert_eq!(roots(0), Some(Vec::new()));
		assert_eq!(roots(1), Some(alloc::vec![0]));
		assert_eq!(roots(2), Some(alloc::vec![1]));
		assert_eq!(roots(3), Some(alloc::vec![1, 4]));
		assert_eq!(roots(5), Some(alloc::vec![3, 8]));
		assert_eq!(roots(7), Some(alloc::vec![3, 9, 12]));
		assert_eq!(roots(8), Some(alloc::vec![7]));
		assert_eq!(roots(1 << 62).map(|r| r.len()), Some(1));
		assert!(full_roots(1 << 63).is_none());
	}

	#[test]
	fn untrusted_indexes_never_overflow() {
		assert_eq!(depth(u64::MAX), 64);
		assert_eq!(offset(u64::MAX), 0);
		assert_eq!(parent(u64::MAX), None);
		assert_eq!(parent(u64::MAX >> 1), None);
		assert_eq!(sibling(u64::MAX >> 1), None);
		assert_eq!(span(u64::MAX), None);
		assert_eq!(index(64, 0), None);
		assert_eq!(index(1, u64::MAX), None);
	}
}
