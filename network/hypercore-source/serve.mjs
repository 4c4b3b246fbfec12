#!/usr/bin/env node
// Serves a Hypercore kept on this machine to DatDot: its signed tree, for `datdot publish <key>`,
// and its blocks with Hypercore's proofs, for the encoders of the plan, over HTTP/2 (cleartext,
// prior knowledge) in the providers' wire format (docs/NETWORK.md). Bodies are SCALE, as the
// pallets' types encode them, so the Rust side decodes them with the same types it checks on
// chain.
//
//   node serve.mjs --storage DIR [--import FILE] [--listen 127.0.0.1:4200]
//
// `--storage` is the core's Hypercore storage: one this program made with `--import`, or any
// core written or replicated there by another Hypercore program (stop that program first:
// Hypercore locks its storage). `--import FILE` makes a new core there (a new key pair, default
// manifest) holding FILE in 64 KiB blocks.

import Hypercore from 'hypercore';
import http2 from 'node:http2';
import { realpathSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import multisig from 'hypercore/lib/multisig.js';
import * as scale from './scale.mjs';

/** The largest block the chain proves (the runtime's `MaxChunkSize`). */
export const MAX_BLOCK = 64 * 1024;

/** Who signs the core's trees, as the chain names it, or why the chain cannot check them. */
export function signerOf (core) {
  const manifest = core.manifest;
  if (!manifest || manifest.signers.length !== 1) {
    throw new Error('the core has no single-signer manifest: DatDot checks cores signed by one ed25519 key');
  }
  const publicKey = manifest.signers[0].publicKey;
  if (core.core.compat) {
    if (!publicKey.equals(core.key)) throw new Error('a compat core whose key is not its signer');
    return { compat: true };
  }
  if (!Hypercore.key(publicKey).equals(core.key)) {
    throw new Error("the core's manifest is not Hypercore's default one for its signer (a namespace, prologue or several signers): DatDot cannot check its trees");
  }
  return { compat: false, publicKey };
}

/** The ed25519 signature inside Hypercore's stored tree signature. */
function rawSignature (signature) {
  if (signature.byteLength === 64) return signature;
  const { proofs, patch } = multisig.inflate(signature);
  if (proofs.length !== 1 || proofs[0].signer !== 0 || proofs[0].patch || patch.length) {
    throw new Error('the tree signature is not a single-signer signature');
  }
  return proofs[0].signature;
}

/**
 * The core's key and signed tree at its current length, SCALE-encoded as
 * `(FeedKey, SignedTree)`.
 */
export async function treeBody (core) {
  const length = core.length;
  if (length === 0) throw new Error('the core is empty');
  const signer = signerOf(core);
  const proof = await core.proof({ upgrade: { start: 0, length } });
  if (!proof.upgrade.signature) throw new Error(`the core holds no signature of its length ${length}`);
  return scale.concat([
    core.key,
    signer.compat ? scale.u8(0) : scale.concat([scale.u8(1), signer.publicKey]),
    scale.u64(length),
    scale.u64(core.fork),
    scale.vec(proof.upgrade.nodes, scale.node),
    rawSignature(proof.upgrade.signature)
  ]);
}

/** Hypercore's proof of block `index` against the tree of `length` blocks, as `BlockProof`. */
export async function blockBody (core, index, length) {
  const proof = await core.proof({ block: { index, nodes: 0 }, upgrade: { start: 0, length } });
  return scale.concat([
    scale.u64(proof.fork),
    scale.u64(proof.block.index),
    scale.bytes(proof.block.value),
    scale.vec(proof.block.nodes, scale.node)
  ]);
}

/** Appends `file` to the empty `core` in blocks of `MAX_BLOCK` bytes. */
export async function importFile (core, file) {
  if (core.length !== 0) {
    throw new Error(`the storage already holds a core of ${core.length} blocks: import into a new directory`);
  }
  if (!core.writable) throw new Error('the core is not writable');
  const handle = await open(file, 'r');
  try {
    const batch = [];
    for (;;) {
      const block = Buffer.alloc(MAX_BLOCK);
      const { bytesRead } = await handle.read(block, 0, MAX_BLOCK, null);
      if (bytesRead === 0) break;
      batch.push(block.subarray(0, bytesRead));
      if (batch.length === 256) await core.append(batch.splice(0));
    }
    if (batch.length) await core.append(batch);
  } finally {
    await handle.close();
  }
  if (core.length === 0) throw new Error(`${file} is empty`);
}

/** What a request asks for, or an error text with its status. */
export async function answer (core, method, url) {
  const { pathname, searchParams } = new URL(url, 'http://source');
  const segments = pathname.split('/').filter(Boolean);
  if (method !== 'GET') return [404, 'no such route'];
  if (segments.length === 1 && segments[0] === 'ping') return [200, Buffer.alloc(0)];
  if (segments.length !== 3 || segments[0] !== 'feed') return [404, 'no such route'];
  if (segments[1].replace(/^0x/, '') !== core.key.toString('hex')) return [404, 'another feed'];
  if (segments[2] === 'tree') return [200, await treeBody(core)];
  const index = Number(segments[2]);
  const length = Number(searchParams.get('length'));
  if (!Number.isSafeInteger(index) || index < 0) return [404, 'no such block'];
  if (!Number.isSafeInteger(length) || length < 1 || length > core.length) {
    return [404, `only lengths up to ${core.length} are served`];
  }
  if (index >= length || !(await core.has(index))) return [404, 'no such block'];
  return [200, await blockBody(core, index, length)];
}

/** Serves `core` on `host:port` until the process ends; resolves to the server. */
export function serve (core, host, port) {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    // A client that goes away mid-request (an interrupted `datdot publish`) ends its streams
    // with an error; that must not end the server.
    stream.on('error', () => {});
    answer(core, headers[':method'], headers[':path'])
      .catch((e) => [503, e.message])
      .then(([status, body]) => {
        if (stream.closed || stream.destroyed) return;
        const type = status === 200 ? 'application/octet-stream' : 'text/plain';
        try {
          stream.respond({ ':status': status, 'content-type': type });
          stream.end(body);
        } catch {
          stream.destroy();
        }
      });
  });
  server.on('sessionError', () => {});
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

async function main () {
  const { values } = parseArgs({
    options: {
      storage: { type: 'string' },
      import: { type: 'string' },
      listen: { type: 'string', default: '127.0.0.1:4200' }
    }
  });
  if (!values.storage) {
    throw new Error('usage: serve.mjs --storage DIR [--import FILE] [--listen HOST:PORT]');
  }
  const at = values.listen.lastIndexOf(':');
  const host = values.listen.slice(0, at);
  const port = Number(values.listen.slice(at + 1));
  const core = new Hypercore(values.storage);
  await core.ready();
  if (values.import) await importFile(core, values.import);
  signerOf(core);
  if (core.length === 0) throw new Error(`the core in ${values.storage} is empty: --import a file`);
  await serve(core, host, port);
  const bytes = (await core.info()).byteLength;
  console.log(`key ${core.key.toString('hex')}`);
  console.log(`serving ${core.length} blocks (${bytes} bytes) on http://${values.listen}`);
  const stop = () => core.close().finally(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

// Run as a program (directly, or through npm's `bin` link), not when imported by the tests.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main().catch((e) => {
    console.error(`datdot-hypercore-source: ${e.message}`);
    process.exit(1);
  });
}
