// The source's SCALE and routes, against a real core made by `hypercore`. That the Rust side
// decodes and checks what it serves is tested by network/tests/network.rs (publishing a core by
// its key).
import test from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs/promises';
import http2 from 'node:http2';
import Hypercore from 'hypercore';
import crypto from 'hypercore-crypto';
import * as scale from './scale.mjs';
import { answer, importFile, serve, MAX_BLOCK } from './serve.mjs';

test('compact lengths encode as parity-scale-codec does', () => {
  const cases = [
    [0, '00'], [1, '04'], [63, 'fc'], [64, '0101'], [16383, 'fdff'], [16384, '02000100'],
    [2 ** 30 - 1, 'feffffff'], [2 ** 30, '0300000040'], [2 ** 32, '070000000001']
  ];
  for (const [n, hex] of cases) assert.equal(scale.compact(n).toString('hex'), hex, `compact(${n})`);
  assert.equal(scale.u64(258).toString('hex'), '0201000000000000');
  assert.equal(scale.bytes(Buffer.from([7, 8])).toString('hex'), '080708');
  assert.throws(() => scale.compact(-1), RangeError);
});

async function fixture (size) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datdot-source-'));
  const file = path.join(dir, 'data');
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * 13) % 251;
  await fs.writeFile(file, data);
  const core = new Hypercore(path.join(dir, 'core'));
  await core.ready();
  await importFile(core, file);
  return { dir, file, data, core };
}

test('an imported file is cut into 64 KiB blocks and served with proofs', async () => {
  const { dir, file, data, core } = await fixture(2 * MAX_BLOCK + 100);
  try {
    assert.equal(core.length, 3);
    assert.deepEqual(await core.get(2), data.subarray(2 * MAX_BLOCK));
    await assert.rejects(importFile(core, file), /already holds a core of 3 blocks/);

    const key = core.key.toString('hex');
    const [status, tree] = await answer(core, 'GET', `/feed/${key}/tree`);
    assert.equal(status, 200);
    // FeedKey: key, signer DefaultManifest(public key); then length 3 and fork 0.
    assert.deepEqual(tree.subarray(0, 32), core.key);
    assert.equal(tree[32], 1);
    assert.deepEqual(tree.subarray(33, 65), core.keyPair.publicKey);
    assert.equal(tree.readBigUInt64LE(65), 3n);
    assert.equal(tree.readBigUInt64LE(73), 0n);
    // Two roots (blocks 0-1 and block 2), each 48 bytes, then the raw signature over the tree.
    assert.equal(tree[81], 2 << 2);
    const roots = [0, 1].map((i) => tree.subarray(82 + 48 * i, 130 + 48 * i));
    assert.equal(roots[0].readBigUInt64LE(0), 1n);
    assert.equal(roots[1].readBigUInt64LE(0), 4n);
    const signature = tree.subarray(178);
    assert.equal(signature.byteLength, 64);
    const treeHash = await core.treeHash(3);
    const signable = Buffer.concat([
      (await import('hypercore/lib/caps.js')).default.treeSignable(core.key, treeHash, 3, 0)
    ]);
    assert.ok(crypto.verify(signable, signature, core.keyPair.publicKey), 'the raw signature verifies');

    const [okStatus, block] = await answer(core, 'GET', `/feed/0x${key}/2?length=3`);
    assert.equal(okStatus, 200);
    assert.equal(block.readBigUInt64LE(8), 2n);
    assert.equal(block.readUInt16LE(16), (100 << 2) | 1, 'a two-byte compact length');
    assert.deepEqual(block.subarray(18, 118), data.subarray(2 * MAX_BLOCK));

    assert.deepEqual(await answer(core, 'GET', `/feed/${key}/3?length=3`), [404, 'no such block']);
    assert.equal((await answer(core, 'GET', `/feed/${key}/0?length=4`))[0], 404);
    assert.deepEqual(await answer(core, 'GET', `/feed/${'00'.repeat(32)}/tree`), [404, 'another feed']);
    assert.equal((await answer(core, 'PUT', `/feed/${key}/tree`))[0], 404);
  } finally {
    await core.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a compat core is served with its key as the signer', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datdot-source-'));
  const core = new Hypercore(path.join(dir, 'core'), { compat: true });
  try {
    await core.ready();
    await core.append([Buffer.from('one'), Buffer.from('two')]);
    const [status, tree] = await answer(core, 'GET', `/feed/${core.key.toString('hex')}/tree`);
    assert.equal(status, 200);
    assert.deepEqual(tree.subarray(0, 32), core.key);
    assert.equal(tree[32], 0, 'Signer::Compat');
    assert.equal(tree.readBigUInt64LE(33), 2n);
    assert.equal(tree[49], 1 << 2, 'one root over both blocks');
    const signature = tree.subarray(50 + 48);
    const signable = (await import('hypercore/lib/caps.js')).default.treeSignableCompat(
      await core.treeHash(2), 2, 0
    );
    assert.ok(crypto.verify(signable, signature, core.key), 'signed by the key itself');
  } finally {
    await core.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a client that goes away mid-request does not end the server', async () => {
  const { dir, core } = await fixture(3 * MAX_BLOCK);
  const server = await serve(core, '127.0.0.1', 0);
  try {
    const { port } = server.address();
    const key = core.key.toString('hex');
    const client = http2.connect(`http://127.0.0.1:${port}`);
    for (let i = 0; i < 3; i++) client.request({ ':path': `/feed/${key}/${i}?length=3` }).on('error', () => {});
    client.destroy();
    const again = http2.connect(`http://127.0.0.1:${port}`);
    const status = await new Promise((resolve, reject) => {
      const request = again.request({ ':path': '/ping' });
      request.on('response', (headers) => resolve(headers[':status']));
      request.on('error', reject);
      request.resume();
    });
    assert.equal(status, 200);
    again.close();
  } finally {
    server.close();
    await core.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('it speaks HTTP/2 with prior knowledge, as the providers do', async () => {
  const { dir, core } = await fixture(10);
  const server = await serve(core, '127.0.0.1', 0);
  try {
    const { port } = server.address();
    const client = http2.connect(`http://127.0.0.1:${port}`);
    const get = (p) => new Promise((resolve, reject) => {
      const request = client.request({ ':path': p });
      const chunks = [];
      let status;
      request.on('response', (headers) => { status = headers[':status']; });
      request.on('data', (c) => chunks.push(c));
      request.on('end', () => resolve([status, Buffer.concat(chunks)]));
      request.on('error', reject);
    });
    const [status, body] = await get(`/feed/${core.key.toString('hex')}/0?length=1`);
    assert.equal(status, 200);
    assert.equal(body[16], 10 << 2);
    const [missing, text] = await get('/nothing');
    assert.equal(missing, 404);
    assert.equal(text.toString(), 'no such route');
    client.close();
  } finally {
    server.close();
    await core.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});
