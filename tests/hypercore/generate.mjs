// Writes the Hypercore fixtures the Rust tests read: trees, block proofs, node proofs and upgrade
// proofs, all made by the real `hypercore` package (see README.md for the shapes).
//
//   node generate.mjs                     small fixtures -> fixtures/   (committed)
//   node generate.mjs --big               large fixtures -> generated/  (1,000 and 65,537 blocks)
//   node generate.mjs [--big] --out DIR   the same, into DIR
//
// Everything is deterministic: fixed seeds, fixed blocks, and ed25519 signatures are too, so a
// second run writes the same bytes (`npm test` checks it for the small set).
import fs from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  blockProof, hashProof, openCore, pick, seedOf, signedTree, tempDir, toJson, upgradeProof
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

/** Where this run's cores are stored: removed at the end. */
const scratch = await tempDir('datdot-generate-');
let cores = 0;

async function newCore (seed, options = {}) {
  return openCore(path.join(scratch, String(cores++)), { seed: seedOf(seed), ...options });
}

/** A signed tree as the fixtures hold it. */
const TREE = ['key', 'signer', 'length', 'fork', 'treeHash', 'signature', 'roots'];
/** A block proof as the fixtures hold it (the signature is the tree's: not repeated). */
const BLOCK = ['fork', 'index', 'value', 'nodes', 'upgradeNodes'];

const tree = async (core) => pick(await signedTree(core), ...TREE);
const proofOf = async (core, index) => pick(await blockProof(core, index), ...BLOCK);

const write = (dir, name, value) => fs.writeFile(path.join(dir, name), JSON.stringify(toJson(value), null, 1) + '\n');

/** A core of `length` blocks with the proof of every block. */
async function wholeCore (length, { seed = 1, compat = false } = {}) {
  const core = await newCore(seed, { compat });
  await appendTo(core, length);
  const signed = await tree(core);
  const proofs = [];
  for (let i = 0; i < length; i++) proofs.push(await proofOf(core, i));
  await core.close();
  return { hypercore: version, ...signed, proofs };
}

async function small (dir) {
  await fs.mkdir(dir, { recursive: true });
  for (const length of [1, 2, 3]) await write(dir, `core-${length}.json`, await wholeCore(length));
  await write(dir, 'compat-core-5.json', await wholeCore(5, { seed: 3, compat: true }));

  // One core grown step by step: its signed tree at each length, and Hypercore's upgrade proofs
  // taken when the core had exactly the target length (so without additional nodes, and signed
  // for the target length).
  const lengths = [1, 2, 3, 4, 5, 8, 13, 16, 17, 100];
  const pairs = [[1, 2], [2, 3], [3, 4], [4, 5], [5, 8], [5, 13], [8, 16], [13, 16], [16, 17], [17, 100], [1, 100]];
  const core = await newCore(1);
  const trees = [];
  const upgrades = [];
  const proofs = [];
  for (const length of lengths) {
    await appendTo(core, length);
    trees.push(await tree(core));
    for (const [from, to] of pairs) if (to === length) upgrades.push(await upgradeProof(core, from));
    // Every block up to 17 blocks, then the first, middle and last.
    const indexes = length <= 17 ? [...Array(length).keys()] : [0, Math.floor(length / 2), length - 1];
    for (const index of indexes) proofs.push({ length, ...(await proofOf(core, index)) });
  }
  await core.close();
  await write(dir, 'upgrades.json', { hypercore: version, trees, upgrades, proofs });

  // Two histories under one key: forks, an honest extension and a truncation.
  const honest = await newCore(2);
  await appendTo(honest, 5);
  const a5 = await tree(honest);
  const rewritten = await newCore(2);
  await appendTo(rewritten, 5, 'other ');
  const b5 = await tree(rewritten);
  await appendTo(rewritten, 9, 'other ');
  const b9 = await tree(rewritten);
  const rootProofs = async (core, signed) => {
    const out = [];
    for (const root of signed.roots) out.push(await hashProof(core, root.index));
    return out;
  };
  const differentLength = { a: a5, b: b9, hashProofs: await rootProofs(rewritten, a5) };
  await appendTo(honest, 9);
  const consistent = { a: a5, b: await tree(honest), hashProofs: await rootProofs(honest, a5) };
  await honest.close();
  await rewritten.close();

  const truncating = await newCore(4);
  await appendTo(truncating, 6);
  const before = await tree(truncating);
  await truncating.truncate(4);
  await appendTo(truncating, 6, 'after truncation ');
  const after = await tree(truncating);
  const proof = await proofOf(truncating, 5);
  await truncating.close();

  await write(dir, 'fork.json', {
    hypercore: version,
    sameLength: { a: a5, b: b5 },
    differentLength,
    consistent,
    truncated: { before, after, proof }
  });
}

/** Proofs asked of Hypercore at once: they are made in parallel and written in order. */
const BATCH = 64;

async function big (dir) {
  await fs.mkdir(dir, { recursive: true });
  for (const length of [1000, 65537]) {
    const started = process.hrtime.bigint();
    const core = await newCore(1);
    await appendTo(core, length);
    const appended = process.hrtime.bigint();
    await write(dir, `core-${length}.json`, { hypercore: version, ...(await tree(core)) });
    const out = createWriteStream(path.join(dir, `core-${length}.proofs.jsonl`));
    for (let start = 0; start < length; start += BATCH) {
      const indexes = [];
      for (let i = start; i < Math.min(start + BATCH, length); i++) indexes.push(i);
      const proofs = await Promise.all(indexes.map((i) => proofOf(core, i)));
      const text = proofs.map((p) => JSON.stringify(toJson(p)) + '\n').join('');
      if (!out.write(text)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    await core.close();
    const seconds = (t) => (Number(t) / 1e9).toFixed(1);
    const done = process.hrtime.bigint();
    console.log(`core-${length}: ${length} blocks appended in ${seconds(appended - started)} s, ` +
      `${length} proofs in ${seconds(done - appended)} s`);
  }
}

const at = process.argv.indexOf('--out');
if (at !== -1 && !process.argv[at + 1]) throw new Error('--out needs a directory');
const isBig = process.argv.includes('--big');
const out = at === -1 ? path.join(here, isBig ? 'generated' : 'fixtures') : path.resolve(process.argv[at + 1]);
try {
  if (isBig) await big(out);
  else await small(out);
} finally {
  await fs.rm(scratch, { recursive: true, force: true });
}
