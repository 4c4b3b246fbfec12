// The off-chain side of `scripts/dev.sh` for scripts that drive a whole network: the nine
// `datdot-provider` daemons of dev accounts (six hosters and encoders, three attestors), and a
// sponsor's feed server that hands encoders the blocks of many Hypercores at once (what
// `datdot publish` serves for one feed, `network/src/sponsor.rs`). Every process started here
// is stopped by stop(), and killed if the script exits first.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http2 from 'node:http2';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blockProof } from '../../hypercore/lib/feed.js';
import * as scale from '../../../network/hypercore-source/scale.mjs';
import { freePort } from './node.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..', '..');

/** A release binary of the workspace: $CARGO_TARGET_DIR/release/<name> (default ./target). */
export function releaseBinary (name) {
  const target = process.env.CARGO_TARGET_DIR || join(repo, 'target');
  return join(target, 'release', name);
}

/**
 * The providers of `scripts/dev.sh`: [name, secret URI, location, roles]. A contract of two
 * hosters takes two hosters, two encoders and three attestors, all different accounts.
 */
export const PROVIDERS = [
  ['alice', '//Alice', 'u33dc', 'hoster,encoder'],
  ['bob', '//Bob', 'u33dc', 'hoster,encoder'],
  ['charlie', '//Charlie', 'u33dc', 'hoster,encoder'],
  ['dave', '//Dave', 'u33db', 'hoster,encoder'],
  ['eve', '//Eve', 'u33db', 'hoster,encoder'],
  ['alice-stash', '//Alice//stash', 'u33db', 'hoster,encoder'],
  ['bob-stash', '//Bob//stash', 'u33dc', 'attestor'],
  ['charlie-stash', '//Charlie//stash', 'u33dc', 'attestor'],
  ['dave-stash', '//Dave//stash', 'u33db', 'attestor']
];

const running = new Set();
process.on('exit', () => { for (const child of running) child.kill('SIGKILL'); });

/**
 * Starts the nine providers against the node's RPC on `rpcPort`; each keeps its copies in
 * `dir/<name>` and logs to `dir/<name>.log`. Returns { providers: [{ name, suri, port, child }],
 * stop() }.
 */
export async function startProviders (rpcPort, dir) {
  const providers = [];
  for (const [name, suri, location, roles] of PROVIDERS) {
    const port = await freePort();
    const log = fs.openSync(join(dir, `${name}.log`), 'w');
    const child = spawn(releaseBinary('datdot-provider'), [
      '--node', `ws://127.0.0.1:${rpcPort}`, '--suri', suri, '--location', location, '--roles', roles,
      '--data', join(dir, name), '--listen', `127.0.0.1:${port}`
    ], { stdio: ['ignore', log, log], env: { RUST_LOG: 'info', ...process.env } });
    fs.closeSync(log);
    running.add(child);
    child.once('exit', () => running.delete(child));
    providers.push({ name, suri, port, child });
  }
  const stop = async () => {
    await Promise.all(providers.map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await once(child, 'exit').catch(() => {});
      clearTimeout(timer);
    }));
  };
  return { providers, stop };
}

/**
 * Serves the blocks of every Hypercore of `cores` (`GET /feed/<key>/<index>?length=<n>` →
 * Hypercore's `BlockProof` SCALE-encoded, `GET /ping` → `()`), as a sponsor does for the
 * encoders of its plans (`docs/NETWORK.md`). Resolves to { url, close() }.
 */
export async function serveFeeds (cores) {
  const byKey = new Map(cores.map((core) => [core.key.toString('hex'), core]));
  const answer = async (path) => {
    const { pathname, searchParams } = new URL(path, 'http://sponsor');
    const [what, key, index] = pathname.split('/').filter(Boolean);
    if (what === 'ping') return [200, Buffer.alloc(0)];
    const core = what === 'feed' && byKey.get((key || '').replace(/^0x/, ''));
    if (!core) return [404, 'another feed'];
    const length = Number(searchParams.get('length'));
    if (length !== core.length) return [404, `only length ${core.length} is served`];
    if (!(Number(index) >= 0 && Number(index) < length)) return [404, 'no such block'];
    const proof = await blockProof(core, Number(index), length);
    return [200, scale.concat([scale.u64(proof.fork), scale.u64(proof.index), scale.bytes(proof.value),
      scale.vec(proof.nodes, scale.node)])];
  };
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {}); // a client that goes away must not end the server
    answer(headers[':path']).catch((e) => [503, e.message]).then(([status, body]) => {
      if (stream.closed || stream.destroyed) return;
      stream.respond({ ':status': status, 'content-type': status === 200 ? 'application/octet-stream' : 'text/plain' });
      stream.end(body);
    });
  });
  server.on('sessionError', () => {});
  const sessions = new Set();
  server.on('session', (session) => { sessions.add(session); session.on('close', () => sessions.delete(session)); });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: async () => {
      for (const session of sessions) session.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  };
}
