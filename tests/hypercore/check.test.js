// The committed fixtures are what the pinned `hypercore` makes today (regenerating gives the
// same bytes), and their trees and proofs hold by hypercore-crypto's own functions.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import crypto from 'hypercore-crypto';
import caps from 'hypercore/lib/caps.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, 'fixtures');
const read = async (name) => JSON.parse(await fs.readFile(path.join(fixtures, name), 'utf8'));
const buf = (hex) => Buffer.from(hex, 'hex');
const node = ({ index, size, hash }) => ({ index, size, hash: buf(hash) });

test('regenerating the fixtures gives the committed bytes', async () => {
  const copy = await fs.mkdtemp(path.join(os.tmpdir(), 'datdot-fixtures-'));
  await fs.cp(here, copy, { recursive: true, filter: (src) => !src.includes('generated') });
  await promisify(execFile)(process.execPath, ['generate.mjs'], { cwd: copy });
  for (const name of await fs.readdir(fixtures)) {
    assert.equal(await fs.readFile(path.join(copy, 'fixtures', name), 'utf8'),
      await fs.readFile(path.join(fixtures, name), 'utf8'), name);
  }
});

test('each tree hashes and verifies as hypercore-crypto says', async () => {
  for (const name of ['core-1.json', 'core-2.json', 'core-3.json', 'compat-core-5.json']) {
    const core = await read(name);
    const roots = core.roots.map(node);
    assert.equal(crypto.tree(roots).toString('hex'), core.treeHash, name);
    const signable = core.signer === 'Compat'
      ? caps.treeSignableCompat(buf(core.treeHash), core.length, core.fork)
      : caps.treeSignable(buf(core.key), buf(core.treeHash), core.length, core.fork);
    const publicKey = core.signer === 'Compat' ? buf(core.key) : buf(core.signer.DefaultManifest);
    assert.ok(crypto.verify(signable, buf(core.signature), publicKey), name);
    for (const proof of core.proofs) {
      let at = { index: 2 * proof.index, size: buf(proof.value).length, hash: crypto.data(buf(proof.value)) };
      for (const sibling of proof.nodes.map(node)) {
        const parent = crypto.parent(at, sibling);
        at = { index: (Math.min(at.index, sibling.index) + Math.max(at.index, sibling.index)) / 2, size: at.size + sibling.size, hash: parent };
      }
      assert.ok(roots.some((root) => root.hash.equals(at.hash)), `${name} block ${proof.index}`);
    }
  }
});
