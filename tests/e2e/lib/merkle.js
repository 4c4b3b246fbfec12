// The Merkle tree the chain checks proofs of storage against (`datdot_primitives::proof`):
// `binary-merkle-tree`'s shape with BLAKE2-256 and domain separation. Pairs are hashed
// together (left ‖ right) and the last node of an odd level moves up unchanged; a leaf and an
// inner node are hashed with different prefixes, so no inner node can pass for a chunk:
//   leaf  = BLAKE2-256(0x00 ‖ chunk bytes)
//   inner = BLAKE2-256(0x01 ‖ left ‖ right)
// A path holds exactly one sibling per level at which the chunk's ancestor has one.
import { blake2AsU8a } from '@polkadot/util-crypto';
import { u8aConcat } from '@polkadot/util';

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

/** The leaf of a chunk (32 bytes). */
export function leafHash (chunk) {
  return blake2AsU8a(u8aConcat(LEAF_PREFIX, chunk), 256);
}

/** The inner node above `left` and `right` (32 bytes). */
export function nodeHash (left, right) {
  return blake2AsU8a(u8aConcat(NODE_PREFIX, left, right), 256);
}

/** Every level of the tree, the leaves first, the root last. */
function levels (chunks) {
  let level = chunks.map(leafHash);
  const all = [level];
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? nodeHash(level[i], level[i + 1]) : level[i]);
    }
    all.push(next);
    level = next;
  }
  return all;
}

/** The root of the chunks' tree (32 bytes). */
export function merkleRoot (chunks) {
  const all = levels(chunks);
  return all[all.length - 1][0];
}

/** The sibling hashes from chunk `index` up to the root, as the chain expects them. */
export function merklePath (chunks, index) {
  const path = [];
  let position = index;
  for (const level of levels(chunks).slice(0, -1)) {
    const sibling = position % 2 === 1 ? position - 1 : position + 1;
    if (sibling < level.length) path.push(level[sibling]);
    position = Math.floor(position / 2);
  }
  return path;
}
