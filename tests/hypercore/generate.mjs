// Writes the Hypercore fixtures the Rust tests read: trees, block proofs, node proofs and upgrade
// proofs, all made by the real `hypercore` package (see README.md for the shapes).
//
//   node generate.mjs            small fixtures  -> fixtures/   (committed)
//   node generate.mjs --big      large fixtures  -> generated/  (1,000 and 65,537 blocks)
//
// Everything is deterministic: fixed seeds, fixed blocks, and ed25519 signatures are too.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  blockProof, nodeProof, openCore, seedOf, signedTree, tempDir, toJson, upgradeProof
} from './lib/feed.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const version = JSON.parse(await fs.readFile(path.join(here, 'node_modules/hypercore/package.json'))).version;

/** Block `i`: a label and 0 to 78 dots, so that sizes vary from block to block. */
export function block (i, salt = '') {
  return Buffer.concat([Buffer.from(`datdot block ${salt}${i} `), Buffer.alloc((i % 7) * 13, 0x2e)]);
}

async function appendTo (core, length, salt = '') {
  const batch = [];
  for (let i = core.length; i < length; i++) batch.push(block(i, salt));
  if (batch.length) await core.append(batch);
}

async function newCore (seed, options = {}) {
  return openCore(await tempDir(), { seed: seedOf(seed), ...options });
}

const json = (value) => JSON.stringify(toJson(value));
const write = (dir, name, value) => fs.writeFile(path.join(dir, name), JSON.stringify(toJson(value), null, 1) + '\n');

/** A core of `length` blocks with the proof of every block. */
async function wholeCore (length, { seed = 1, compat = false } = {}) {
  const core = await newCore(seed, { compat });
  await appendTo(core, length);
  const tree = await signedTree(core);
  const proofs = [];
  for (let i = 0; i < length; i++) proofs.push(await blockProof(core, i));
  await core.close();
  return { hypercore: version, ...tree, proofs };
}

async function small (dir) {
  await fs.mkdir(dir, { recursive: true });
  for (const length of [1, 2, 3]) await write(dir, `core-${length}.json`, await wholeCore(length));
  await write(dir, 'compat-core-5.json', await wholeCore(5, { seed: 3, compat: true }));

  // One core grown step by step: its signed tree at each length, and Hypercore's upgrade proofs
  // taken when the core had exactly the target length.
  const lengths = [1, 2, 3, 4, 5, 8, 13, 16, 17, 100];
  const pairs = [[1, 2], [2, 3], [3, 4], [4, 5], [5, 8], [5, 13], [8, 16], [13, 16], [16, 17], [17, 100], [1, 100]];
  const core = await newCore(1);
  const trees = [];
  const upgrades = [];
  const proofs = [];
  for (const length of lengths) {
    await appendTo(core, length);
    trees.push(await signedTree(core));
    for (const [from, to] of pairs) if (to === length) upgrades.push(await upgradeProof(core, from));
    // Every block up to 17 blocks, then the first, middle and last.
    const indexes = length <= 17 ? [...Array(length).keys()] : [0, Math.floor(length / 2), length - 1];
    for (const index of indexes) proofs.push({ length, ...(await blockProof(core, index)) });
  }
  await core.close();
  await write(dir, 'upgrades.json', { hypercore: version, trees, upgrades, proofs });

  // Two histories under one key: forks, an honest extension and a truncation.
  const honest = await newCore(2);
  await appendTo(honest, 5);
  const a5 = await signedTree(honest);
  const rewritten = await newCore(2);
  await appendTo(rewritten, 5, 'other ');
  const b5 = await signedTree(rewritten);
  await appendTo(rewritten, 9, 'other ');
  const b9 = await signedTree(rewritten);
  const rootProofs = async (core, tree) => {
    const out = [];
    for (const root of tree.roots) out.push(await nodeProof(core, root.index));
    return out;
  };
  const differentLength = { a: a5, b: b9, hashProofs: await rootProofs(rewritten, a5) };
  await appendTo(honest, 9);
  const consistent = { a: a5, b: await signedTree(honest), hashProofs: await rootProofs(honest, a5) };
  await honest.close();
  await rewritten.close();

  const truncating = await newCore(4);
  await appendTo(truncating, 6);
  const before = await signedTree(truncating);
  await truncating.truncate(4);
  await appendTo(truncating, 6, 'after truncation ');
  const after = await signedTree(truncating);
  const proof = await blockProof(truncating, 5);
  await truncating.close();

  await write(dir, 'fork.json', {
    hypercore: version,
    sameLength: { a: a5, b: b5 },
    differentLength,
    consistent,
    truncated: { before, after, proof }
  });
}

async function big (dir) {
  await fs.mkdir(dir, { recursive: true });
  for (const length of [1000, 65537]) {
    const started = Date.now();
    const core = await newCore(1);
    await appendTo(core, length);
    const tree = await signedTree(core);
    const lines = [];
    for (let i = 0; i < length; i++) lines.push(json(await blockProof(core, i)));
    await core.close();
    await write(dir, `core-${length}.json`, { hypercore: version, ...tree });
    await fs.writeFile(path.join(dir, `core-${length}.proofs.jsonl`), lines.join('\n') + '\n');
    console.log(`core-${length}: ${length} proofs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

if (process.argv.includes('--big')) await big(path.join(here, 'generated'));
else await small(path.join(here, 'fixtures'));
