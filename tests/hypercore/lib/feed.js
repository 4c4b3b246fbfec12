// Real Hypercores for the tests: open a core under a fixed key pair, and take from it what the
// DatDot chain verifies (its signed tree, block proofs, node proofs and upgrade proofs), exactly
// as `hypercore` produces them. Used by `generate.mjs` (the fixtures of the Rust tests) and by
// the end-to-end tests (`tests/e2e`, which import this file by relative path).
//
// Shapes (buffers as they come from hypercore; `toJson` / `toChain` turn them into hex):
//   node       { index, size, hash }                 flat-tree index, bytes under it, BLAKE2b-256
//   tree       { key, signer, length, fork, treeHash, signature, roots: node[] }
//   signer     'Compat' | { DefaultManifest: publicKey }; signature is the raw 64-byte ed25519 one
//   block      { fork, index, value, nodes, upgradeNodes, signature }
//                nodes: siblings from the block up to its root, lowest first;
//                upgradeNodes: the other roots of the tree, left to right
//   nodeProof  { fork, index, nodes, upgradeNodes }   nodes[0] is the node itself, then siblings
//   upgrade    { from, to, nodes, additionalNodes, signature }
//
// Hypercore keeps only the signature of its current length: every proof it makes carries that
// one. So `signature` here is only given when the proof is against the core's current length
// (`length === core.length`, `to === core.length`) and is `null` otherwise; to have the signed
// tree of an older length, take it while the core has that length (or open another core with the
// same seed and the same blocks: same seed and blocks give the same tree and signature).
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs/promises';
import Hypercore from 'hypercore';
import crypto from 'hypercore-crypto';
import multisig from 'hypercore/lib/multisig.js';

/** A fresh directory for a core's storage. */
export async function tempDir (prefix = 'datdot-core-') {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** A 32-byte seed from a small number, for deterministic key pairs. */
export function seedOf (n) {
  return Buffer.alloc(32, n);
}

/**
 * A Hypercore whose key pair is `hypercore-crypto`'s `keyPair(seed)` (`seed`: 32 bytes), stored
 * in `dir`. By default it is what `new Hypercore(dir, { keyPair })` makes in Hypercore 11: a core
 * with the default manifest (one ed25519 signer), whose key is the manifest's hash, NOT the
 * public key. With `compat: true` it is a compat (legacy, pre-manifest) core, whose key is the
 * public key itself.
 */
export async function openCore (dir, { seed, compat = false }) {
  const keyPair = crypto.keyPair(seed);
  const core = new Hypercore(dir, { keyPair, compat });
  await core.ready();
  if (compat !== core.key.equals(keyPair.publicKey)) throw new Error('unexpected core kind');
  if (!core.writable) throw new Error('core is not writable');
  return core;
}

/**
 * Who signs the core's trees, as the chain names it: `'Compat'`, or `{ DefaultManifest:
 * publicKey }` for a core with the default manifest.
 */
export function signerOf (core) {
  return core.core.compat ? 'Compat' : { DefaultManifest: core.keyPair.publicKey };
}

/**
 * The ed25519 signature in a tree signature as Hypercore stores it: a compat core stores the
 * 64 bytes, a core with a manifest stores them inside a multi-signature of one signer.
 */
export function rawSignature (signature) {
  if (signature.byteLength === 64) return signature;
  const { proofs, patch } = multisig.inflate(signature);
  if (proofs.length !== 1 || proofs[0].signer !== 0 || proofs[0].patch || patch.length) {
    throw new Error('not a single-signer signature');
  }
  return proofs[0].signature;
}

/** The inverse of `rawSignature` for a core with the default manifest: what Hypercore stores. */
export function manifestSignature (signature) {
  return multisig.assemble([{ signer: 0, signature, patch: 0, nodes: null }]);
}

/** The proof's signature when it is the one of `length`, else `null` (see the header). */
function signatureAt (core, proof, length) {
  return length === core.length ? rawSignature(proof.upgrade.signature) : null;
}

/**
 * The signed tree of `length` blocks. `roots` are `core.proof({ upgrade: { start: 0, length } })`'s
 * `upgrade.nodes` (the tree's full roots, left to right) and `treeHash` is `core.treeHash(length)`.
 * `signature` is `null` unless `length === core.length` (Hypercore keeps only the signature of its
 * current length): take the tree of an older length while the core had that length.
 */
export async function signedTree (core, length = core.length) {
  const proof = await core.proof({ upgrade: { start: 0, length } });
  return {
    key: core.key,
    signer: signerOf(core),
    length,
    fork: core.fork,
    treeHash: await core.treeHash(length),
    signature: signatureAt(core, proof, length),
    roots: proof.upgrade.nodes
  };
}

/**
 * Hypercore's proof of block `index` against the tree of `length` blocks:
 * `core.proof({ block: { index, nodes: 0 }, upgrade: { start: 0, length } })`. `nodes` are the
 * block's siblings up to its root (lowest first, none if the block is a root), `upgradeNodes` the
 * other roots of the tree; `signature` as in `signedTree`.
 */
export async function blockProof (core, index, length = core.length) {
  const proof = await core.proof({ block: { index, nodes: 0 }, upgrade: { start: 0, length } });
  return {
    fork: proof.fork,
    index: proof.block.index,
    value: proof.block.value,
    nodes: proof.block.nodes,
    upgradeNodes: proof.upgrade.nodes,
    signature: signatureAt(core, proof, length)
  };
}

/**
 * Hypercore's proof of tree node `nodeIndex` (a flat-tree index) against the tree of `length`
 * blocks: `core.proof({ hash: { index, nodes: 0 }, upgrade: { start: 0, length } })`. Unlike a
 * block proof, `nodes[0]` is the node itself (index, size, hash), then its siblings up to its root;
 * a root's proof is just `[root]`. `upgradeNodes` are the other roots.
 */
export async function hashProof (core, nodeIndex, length = core.length) {
  const proof = await core.proof({ hash: { index: nodeIndex, nodes: 0 }, upgrade: { start: 0, length } });
  return { fork: proof.fork, index: proof.hash.index, nodes: proof.hash.nodes, upgradeNodes: proof.upgrade.nodes };
}

/** The former name of `hashProof`. */
export const nodeProof = hashProof;

/**
 * Hypercore's upgrade proof from the tree of `from` blocks to the tree of `to`:
 * `core.proof({ upgrade: { start: from, length: to - from } })`. `nodes` take the roots of `from`
 * to the roots of `to` (the siblings on the way up from block `from - 1`, then the further roots).
 * When `to` is the core's current length (the default) `additionalNodes` is empty and `signature`
 * is the one of `to`; for an older `to`, Hypercore adds the nodes from `to` to its current length
 * as `additionalNodes`, and `signature` is `null` (Hypercore's would be its current length's).
 */
export async function upgradeProof (core, from, to = core.length) {
  const proof = await core.proof({ upgrade: { start: from, length: to - from } });
  return {
    from,
    to,
    nodes: proof.upgrade.nodes,
    additionalNodes: proof.upgrade.additionalNodes,
    signature: signatureAt(core, proof, to)
  };
}

/** `value` with only the named fields, in that order. */
export function pick (value, ...fields) {
  return Object.fromEntries(fields.map((field) => [field, value[field]]));
}

const hex = (buffer) => Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength).toString('hex');

/** A value with every buffer as lowercase hex without a prefix, for fixture files. */
export function toJson (value) {
  return convert(value, hex);
}

/** A value with every buffer as 0x-hex, as polkadot.js takes bytes. */
export function toChain (value) {
  return convert(value, (buffer) => '0x' + hex(buffer));
}

function convert (value, bytes) {
  if (value instanceof Uint8Array) return bytes(value);
  if (Array.isArray(value)) return value.map((v) => convert(v, bytes));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, bytes)]));
  }
  return value;
}

/** Bytes from hex, with or without `0x` (the inverse of `toJson` / `toChain` for one value). */
export function fromHex (text) {
  return Buffer.from(text.startsWith('0x') ? text.slice(2) : text, 'hex');
}

/** A node from its JSON (`{ index, size, hash: hex }`). */
export function nodeFromJson ({ index, size, hash }) {
  return { index, size, hash: fromHex(hash) };
}

/** The tree node of block `index` holding `value`: its hash as Hypercore computes it. */
export function blockNode (index, value) {
  return { index: 2 * index, size: value.byteLength, hash: crypto.data(value) };
}
