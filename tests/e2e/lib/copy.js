// Hosters' encoded copies (`datdot_primitives::encoding`), for tests that play the encoder, the
// hoster and the attestor by hand:
//   copy key = blake2_256(SCALE(bytes "datdot/encoding/v1", bytes genesis, u64 contract,
//                               hoster (32), seed (32)))
//   encoded block = block XOR pad, pad word n = blake2_256(key (32) ‖ u64 index ‖ u32 n)
//   leaf = blake2_256("datdot/leaf/v1" ‖ encoded block)
//   commitment = root of the SDK's binary Merkle tree (`binary-merkle-tree`, Blake2-256) over
//                the leaves: pairs hash left ‖ right, an odd last node moves up unchanged.
import { compactAddLength, stringToU8a, u8aConcat } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { accountId, u32le, u64le } from './signing.js';

export const ENCODING_TAG = 'datdot/encoding/v1';
export const LEAF_TAG = 'datdot/leaf/v1';

const blake2 = (data) => blake2AsU8a(data, 256);

/** The key of `hoster`'s copy in `contract` (position seed `seed`, 32 bytes) on `api`'s chain. */
export function copyKey (api, contract, hoster, seed) {
  return blake2(u8aConcat(compactAddLength(stringToU8a(ENCODING_TAG)), compactAddLength(api.genesisHash.toU8a()),
    u64le(contract), accountId(hoster), seed));
}

/** `data` XOR the pad of block `index` under `key`: encodes a block, and decodes an encoded one. */
export function applyPad (key, index, data) {
  const out = Uint8Array.from(data);
  for (let word = 0; word * 32 < out.length; word++) {
    const pad = blake2(u8aConcat(key, u64le(index), u32le(word)));
    for (let i = 0; i < 32 && word * 32 + i < out.length; i++) out[word * 32 + i] ^= pad[i];
  }
  return out;
}

/** The commitment leaf of an encoded block. */
export const leafOf = (encoded) => blake2(u8aConcat(stringToU8a(LEAF_TAG), encoded));

/** The commitment over `leaves` and the path of leaf `index` (lowest first). */
export function merkle (leaves, index = 0) {
  if (leaves.length === 0) return { root: new Uint8Array(32), path: [] };
  let level = leaves;
  let position = index;
  const path = [];
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i < level.length; i += 2) {
      if (i + 1 === level.length) {
        next.push(level[i]);
        continue;
      }
      next.push(blake2(u8aConcat(level[i], level[i + 1])));
      if (position === i) path.push(level[i + 1]);
      if (position === i + 1) path.push(level[i]);
    }
    level = next;
    position = Math.floor(position / 2);
  }
  return { root: level[0], path };
}

/**
 * The copy of `range` under `key`, whose plain blocks `blockOf(index)` gives (bytes):
 * { encoded, leaves, commitment, path(chunk) }.
 */
export async function copyOf (key, range, blockOf) {
  const encoded = [];
  for (let index = range.start; index < range.end; index++) encoded.push(applyPad(key, index, await blockOf(index)));
  const leaves = encoded.map(leafOf);
  return {
    encoded,
    leaves,
    commitment: merkle(leaves).root,
    /** The encoded block at `chunk` and its path. */
    at: (chunk) => ({ encoded: encoded[chunk - range.start], path: merkle(leaves, chunk - range.start).path })
  };
}
