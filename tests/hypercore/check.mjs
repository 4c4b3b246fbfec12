// The committed fixtures are what the pinned `hypercore` makes today (regenerating gives the
// same bytes), their trees hash and verify by hypercore-crypto, and Hypercore itself accepts
// them: a fresh core that knows only the key verifies every block and node proof
// (`verifyFullyRemote`) and applies every upgrade (`applyProof`). `npm test` runs this.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import readline from 'node:readline';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import Hypercore from 'hypercore';
import crypto from 'hypercore-crypto';
import caps from 'hypercore/lib/caps.js';
import Verifier from 'hypercore/lib/verifier.js';
import { fromHex, manifestSignature, nodeFromJson, tempDir } from './lib/feed.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const read = async (dir, name) => JSON.parse(await fs.readFile(path.join(here, dir, name), 'utf8'));
const fixture = (name) => read('fixtures', name);
const nodes = (list) => list.map(nodeFromJson);
const CORES = ['core-1.json', 'core-2.json', 'core-3.json', 'compat-core-5.json'];

// --- a core's signer, as Hypercore takes it -------------------------------------------------

const isCompat = (tree) => tree.signer === 'Compat';
const publicKeyOf = (tree) => fromHex(isCompat(tree) ? tree.key : tree.signer.DefaultManifest);
/** The default manifest of a non-compat core (`null` for a compat one). */
const manifestOf = (tree) => isCompat(tree) ? null : Verifier.defaultSignerManifest(publicKeyOf(tree));
/** The signature as Hypercore carries it: raw for compat, a one-signer multi-signature else. */
const carried = (tree, signature) => isCompat(tree) ? fromHex(signature) : manifestSignature(fromHex(signature));

/** Where the readers' cores are stored: removed at the end. */
const scratch = await tempDir('datdot-check-');
let readers = 0;
after(() => fs.rm(scratch, { recursive: true, force: true }));

/** A fresh core that knows only the key of `tree` (and its default manifest): a reader's. */
async function reader (tree) {
  const manifest = manifestOf(tree);
  const core = new Hypercore(path.join(scratch, String(readers++)), fromHex(tree.key), manifest ? { manifest } : {});
  await core.ready();
  assert.equal(core.writable, false);
  return core;
}

/** A proof Hypercore's replication would carry: `block` or `hash`, with an upgrade to `tree`. */
function remoteProof (tree, { block = null, hash = null, upgradeNodes }) {
  return {
    fork: tree.fork,
    block,
    hash,
    seek: null,
    upgrade: { start: 0, length: tree.length, nodes: nodes(upgradeNodes), additionalNodes: [], signature: carried(tree, tree.signature) },
    manifest: null
  };
}

/** Hypercore verifies `proof` of a block against `tree`; the roots it rebuilds are the tree's. */
async function verifyBlock (core, tree, proof) {
  const batch = await core.verifyFullyRemote(remoteProof(tree, {
    block: { index: proof.index, value: fromHex(proof.value), nodes: nodes(proof.nodes) },
    upgradeNodes: proof.upgradeNodes
  }));
  assert.equal(batch.length, tree.length);
  assert.deepEqual(batch.roots.map((r) => r.index), tree.roots.map((r) => r.index));
  assert.equal(batch.hash().toString('hex'), tree.treeHash);
}

/** hypercore-crypto: the tree hash is the hash of the roots, and the key signed it. */
function checkTree (tree, what) {
  assert.equal(crypto.tree(nodes(tree.roots)).toString('hex'), tree.treeHash, `${what}: tree hash`);
  const publicKey = publicKeyOf(tree);
  if (isCompat(tree)) {
    const signable = caps.treeSignableCompat(fromHex(tree.treeHash), tree.length, tree.fork);
    assert.equal(signable.length, 80); // TREE namespace ‖ tree hash ‖ u64 LE length ‖ u64 LE fork
    assert.ok(crypto.verify(signable, fromHex(tree.signature), publicKey), `${what}: signature`);
  } else {
    assert.equal(Hypercore.key(publicKey).toString('hex'), tree.key, `${what}: key = manifest hash`);
    const signable = caps.treeSignable(fromHex(tree.key), fromHex(tree.treeHash), tree.length, tree.fork);
    assert.ok(crypto.verify(signable, fromHex(tree.signature), publicKey), `${what}: signature`);
  }
}

// --- the tests ------------------------------------------------------------------------------

test('regenerating the fixtures gives the committed bytes', async () => {
  const out = path.join(scratch, 'fixtures');
  await promisify(execFile)(process.execPath, ['generate.mjs', '--out', out], { cwd: here });
  const committed = (await fs.readdir(path.join(here, 'fixtures'))).sort();
  assert.deepEqual((await fs.readdir(out)).sort(), committed);
  for (const name of committed) {
    assert.equal(await fs.readFile(path.join(out, name), 'utf8'),
      await fs.readFile(path.join(here, 'fixtures', name), 'utf8'), name);
  }
});

test('every signed tree hashes and verifies as hypercore-crypto says', async () => {
  for (const name of CORES) checkTree(await fixture(name), name);
  for (const tree of (await fixture('upgrades.json')).trees) checkTree(tree, `upgrades ${tree.length}`);
  const fork = await fixture('fork.json');
  for (const part of ['sameLength', 'differentLength', 'consistent']) {
    checkTree(fork[part].a, `${part} a`);
    checkTree(fork[part].b, `${part} b`);
  }
  checkTree(fork.truncated.before, 'truncated before');
  checkTree(fork.truncated.after, 'truncated after');
});

test('Hypercore verifies every block proof, and refuses a changed block', async () => {
  for (const name of CORES) {
    const tree = await fixture(name);
    const core = await reader(tree);
    assert.equal(tree.proofs.length, tree.length);
    for (const proof of tree.proofs) await verifyBlock(core, tree, proof);
    const changed = { ...tree.proofs[0], value: tree.proofs[0].value.replace(/^../, 'ff') };
    await assert.rejects(verifyBlock(core, tree, changed), /INVALID_SIGNATURE/, name);
    await core.close();
  }
  const { trees, proofs } = await fixture('upgrades.json');
  const core = await reader(trees[0]);
  for (const proof of proofs) await verifyBlock(core, trees.find((t) => t.length === proof.length), proof);
  await core.close();
});

test('Hypercore applies every upgrade proof to the shorter tree and reaches the longer', async () => {
  const { trees, upgrades } = await fixture('upgrades.json');
  const at = (length) => trees.find((t) => t.length === length);
  assert.equal(upgrades.length, 11);
  for (const step of upgrades) {
    const [from, to] = [at(step.from), at(step.to)];
    assert.deepEqual(step.additionalNodes, [], `${step.from} -> ${step.to}: taken at length ${step.to}`);
    const core = await reader(from);
    assert.equal(await core.applyProof(remoteProof(from, { upgradeNodes: from.roots })), true);
    assert.equal(core.length, step.from);
    const upgrade = {
      start: step.from,
      length: step.to - step.from,
      nodes: nodes(step.nodes),
      additionalNodes: [],
      signature: carried(to, step.signature)
    };
    const proof = { fork: to.fork, block: null, hash: null, seek: null, upgrade, manifest: null };
    assert.equal(await core.applyProof(proof), true, `${step.from} -> ${step.to}`);
    assert.equal(core.length, step.to);
    // What the reader now proves of its tree is the writer's signed tree of `to` blocks.
    const mine = (await core.proof({ upgrade: { start: 0, length: step.to } })).upgrade;
    assert.deepEqual(mine.nodes.map((n) => n.hash.toString('hex')), to.roots.map((r) => r.hash));
    assert.equal(mine.signature.toString('hex'), carried(to, to.signature).toString('hex'));
    await core.close();
  }
});

test('fork fixtures: one key, conflicting histories; an extension and a truncation', async () => {
  const fork = await fixture('fork.json');
  const { a, b } = fork.sameLength;
  assert.equal(a.key, b.key);
  assert.deepEqual([a.length, a.fork], [b.length, b.fork]);
  assert.notEqual(a.treeHash, b.treeHash);

  // A node proof's first node is the node asked for; Hypercore verifies it against the tree.
  const rootsDiffering = async ({ a, b, hashProofs }) => {
    assert.equal(a.key, b.key);
    assert.ok(a.length < b.length);
    assert.deepEqual(hashProofs.map((p) => p.index), a.roots.map((r) => r.index));
    const core = await reader(b);
    let differing = 0;
    for (const [i, proof] of hashProofs.entries()) {
      assert.equal(proof.nodes[0].index, proof.index);
      assert.equal(proof.fork, b.fork);
      const batch = await core.verifyFullyRemote(remoteProof(b, {
        hash: { index: proof.index, nodes: nodes(proof.nodes) },
        upgradeNodes: proof.upgradeNodes
      }));
      assert.equal(batch.hash().toString('hex'), b.treeHash);
      if (proof.nodes[0].hash !== a.roots[i].hash) differing++;
    }
    await core.close();
    return differing;
  };
  assert.ok(await rootsDiffering(fork.differentLength) >= 1, 'a root of the shorter tree differs');
  assert.equal(await rootsDiffering(fork.consistent), 0, 'an extension keeps every root');

  const { before, after, proof } = fork.truncated;
  assert.deepEqual([before.length, before.fork, after.length, after.fork], [6, 0, 6, 1]);
  const core = await reader(after);
  await verifyBlock(core, after, proof);
  await assert.rejects(verifyBlock(core, { ...after, fork: 0 }, { ...proof, fork: 0 }), /INVALID_SIGNATURE/);
  await core.close();
});

test('the large fixtures, when made (`npm run fixtures -- --big`), hold', async (t) => {
  for (const length of [1000, 65537]) {
    let tree;
    try {
      tree = await read('generated', `core-${length}.json`);
    } catch {
      t.diagnostic(`generated/core-${length}.json not made: skipped`);
      continue;
    }
    checkTree(tree, `core-${length}`);
    const core = await reader(tree);
    const lines = readline.createInterface({
      input: createReadStream(path.join(here, 'generated', `core-${length}.proofs.jsonl`))
    });
    let index = 0;
    for await (const line of lines) {
      const proof = JSON.parse(line);
      assert.equal(proof.index, index);
      // Every 997th proof and the last one go through Hypercore (all of them: the Rust tests).
      if (index % 997 === 0 || index === length - 1) await verifyBlock(core, tree, proof);
      index++;
    }
    assert.equal(index, length);
    await core.close();
  }
});
