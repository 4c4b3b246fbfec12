// Real Hypercores for the tests: open a default (compat) core under a fixed key pair, and take
// from it what the DatDot chain verifies (its signed tree, block proofs, node proofs and upgrade
// proofs), exactly as `hypercore` produces them.
//
// Shapes (buffers as they come from hypercore):
//   node       { index, size, hash }                      flat-tree index, bytes under it, BLAKE2b-256
//   tree       { key, signer, length, fork, treeHash, signature, roots: node[] }
//   signer     'Compat' | { DefaultManifest: publicKey }; signature is the raw ed25519 one
//   block      { fork, index, value, nodes: node[] }      siblings from the block up to its root
//   nodeProof  { fork, index, nodes: node[] }             nodes[0] is the node itself, then siblings
//   upgrade    { from, to, nodes: node[], additionalNodes: node[], signature }
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
 * A Hypercore whose key pair comes from `seed`. By default it is what `new Hypercore(storage)`
 * makes: a core with the default manifest (one ed25519 signer), whose key is the manifest's
 * hash. With `compat: true` its key is the public key itself.
 */
export async function openCore (dir, { seed, compat = false }) {
  const keyPair = crypto.keyPair(seed);
  const core = new Hypercore(dir, { keyPair, compat });
  await core.ready();
  if (compat !== core.key.equals(keyPair.publicKey)) throw new Error('unexpected core kind');
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

/**
 * The signed tree at the core's current length. Hypercore keeps only the signature of its
 * current length, so a tree of an older length must be taken while the core had that length.
 */
export async function signedTree (core) {
  const length = core.length;
  const proof = await core.proof({ upgrade: { start: 0, length } });
  return {
    key: core.key,
    signer: signerOf(core),
    length,
    fork: core.fork,
    treeHash: await core.treeHash(length),
    signature: rawSignature(proof.upgrade.signature),
    roots: proof.upgrade.nodes
  };
}

/** Hypercore's proof of block `index` against the tree of `length` blocks. */
export async function blockProof (core, index, length = core.length) {
  const proof = await core.proof({ block: { index, nodes: 0 }, upgrade: { start: 0, length } });
  return {
    fork: proof.fork,
    index: proof.block.index,
    value: proof.block.value,
    nodes: proof.block.nodes,
    upgradeNodes: proof.upgrade.nodes
  };
}

/** Hypercore's proof of tree node `index` (its first node is the node itself). */
export async function nodeProof (core, index, length = core.length) {
  const proof = await core.proof({ hash: { index, nodes: 0 }, upgrade: { start: 0, length } });
  return { fork: proof.fork, index: proof.hash.index, nodes: proof.hash.nodes, upgradeNodes: proof.upgrade.nodes };
}

/** Hypercore's upgrade proof from `from` blocks to the core's current length. */
export async function upgradeProof (core, from) {
  const to = core.length;
  const proof = await core.proof({ upgrade: { start: from, length: to - from } });
  return {
    from,
    to,
    nodes: proof.upgrade.nodes,
    additionalNodes: proof.upgrade.additionalNodes,
    signature: rawSignature(proof.upgrade.signature)
  };
}

const hex = (buffer) => Buffer.from(buffer).toString('hex');

/** A value with every buffer as hex (no prefix), for fixture files. */
export function toJson (value) {
  return convert(value, hex);
}

/** A value with every buffer as 0x-hex, as polkadot.js takes bytes. */
export function toChain (value) {
  return convert(value, (buffer) => '0x' + hex(buffer));
}

function convert (value, bytes) {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return bytes(value);
  if (Array.isArray(value)) return value.map((v) => convert(v, bytes));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, bytes)]));
  }
  return value;
}

/** The tree node of block `index` holding `value`: its hash as Hypercore computes it. */
export function blockNode (index, value) {
  return { index: 2 * index, size: value.byteLength, hash: crypto.data(value) };
}
