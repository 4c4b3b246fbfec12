// The Merkle tree the chain checks proofs of storage against: `binary-merkle-tree` with
// BLAKE2-256. Leaves are hashed, pairs are hashed together (left ‖ right), and a node without
// a sibling moves up a level unchanged.
import { blake2AsU8a } from '@polkadot/util-crypto';
import { u8aConcat } from '@polkadot/util';

const hash = (data) => blake2AsU8a(data, 256);

/** Every level of the tree, leaves' hashes first, the root last. */
function levels (chunks) {
  let level = chunks.map(hash);
  const all = [level];
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? hash(u8aConcat(level[i], level[i + 1])) : level[i]);
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
