// Starts `datdot-node` processes for the tests and always stops them again.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiPromise, WsProvider } from '@polkadot/api';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..', '..');

/** The node binary: $DATDOT_NODE, or the release build in $CARGO_TARGET_DIR (default ./target). */
export function nodeBinary () {
  if (process.env.DATDOT_NODE) return process.env.DATDOT_NODE;
  const target = process.env.CARGO_TARGET_DIR || join(repo, 'target');
  return join(target, 'release', 'datdot-node');
}

/** A TCP port that was free a moment ago. */
export async function freePort () {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

const running = new Set();
function killAll () {
  for (const child of running) child.kill('SIGKILL');
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => { killAll(); process.exit(130); });
}

async function rpcReady (port, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`datdot-node exited early with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system_health', params: [] })
      });
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`datdot-node RPC on port ${port} not ready after ${timeoutMs} ms`);
}

/**
 * Starts one node. `args` are passed on (e.g. ['--dev', '--consensus', 'manual-seal-300']).
 * Returns { rpcPort, p2pPort, child, logs(), stop() }.
 */
export async function startNode (args, { readyTimeoutMs = 120_000 } = {}) {
  const rpcPort = await freePort();
  const p2pPort = await freePort();
  const promPort = await freePort();
  const basePath = mkdtempSync(join(tmpdir(), 'datdot-e2e-'));
  const fullArgs = [
    ...args,
    '--base-path', basePath,
    '--rpc-port', String(rpcPort),
    '--port', String(p2pPort),
    '--prometheus-port', String(promPort),
    '--no-telemetry',
    '--no-mdns'
  ];
  const child = spawn(nodeBinary(), fullArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const keep = (chunk) => { output = (output + chunk.toString()).slice(-64_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await once(child, 'exit').catch(() => {});
      clearTimeout(timer);
    }
    running.delete(child);
    rmSync(basePath, { recursive: true, force: true });
  };

  try {
    await rpcReady(rpcPort, child, readyTimeoutMs);
  } catch (err) {
    await stop();
    err.message += `\n--- node output ---\n${output}`;
    throw err;
  }
  return { rpcPort, p2pPort, promPort, child, basePath, logs: () => output, stop };
}

/** A polkadot.js API connected to a started node. */
export async function connect (node) {
  const provider = new WsProvider(`ws://127.0.0.1:${node.rpcPort}`, 1000, {}, 30_000);
  return ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true });
}

/** Resolves with the first header for which `predicate(header)` holds. */
export function waitForHead (subscribe, predicate, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    let unsub = null;
    const timer = setTimeout(() => { if (unsub) unsub(); reject(new Error('timed out waiting for a block')); }, timeoutMs);
    subscribe((header) => {
      if (predicate(header)) {
        clearTimeout(timer);
        if (unsub) unsub();
        resolve(header);
      }
    }).then((u) => { unsub = u; }, reject);
  });
}

/**
 * Signs and sends `tx`; resolves when it is in a block with { blockHash, events, dispatchError }.
 * `nonce` signs with that nonce instead of asking the node for the next one.
 */
export function sendAndWait (api, tx, signer, { finalized = false, nonce } = {}) {
  return new Promise((resolve, reject) => {
    let unsub = null;
    tx.signAndSend(signer, nonce === undefined ? {} : { nonce }, (result) => {
      const { status, events, dispatchError } = result;
      // Sealing modes finalize as they seal: a transaction may go straight to Finalized.
      const done = status.isFinalized || (!finalized && status.isInBlock);
      if (done) {
        if (unsub) unsub();
        const blockHash = status.isFinalized ? status.asFinalized : status.asInBlock;
        let error = null;
        if (dispatchError) {
          if (dispatchError.isModule) {
            const meta = api.registry.findMetaError(dispatchError.asModule);
            error = `${meta.section}.${meta.name}`;
          } else {
            error = dispatchError.toString();
          }
        }
        resolve({ blockHash, events, error });
      } else if (status.isInvalid || status.isDropped || status.isUsurped) {
        if (unsub) unsub();
        reject(new Error(`transaction ${status.type}`));
      }
    }).then((u) => { unsub = u; }, reject);
  });
}

/** Polls `check()` until it returns a truthy value, which it resolves with. */
export async function waitFor (check, { timeoutMs = 60_000, intervalMs = 250, what = 'a condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
