// One dev chain per test file, and what the DatDot flows share on it: every event with the
// block it was in, the people (an sr25519 account and an ed25519 off-chain key each), their
// profiles with key proofs, sending, waiting for events and blocks, and the signed messages.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { startNode, connect, sendAndWait, waitFor, waitForHead } from './node.js';
import { attestorKeyPayload, contactPayload, keyPayload, setupPayload } from './signing.js';
import { copyKey, copyOf } from './copy.js';
import { blockProof, openCore, seedOf, signedTree, tempDir, toChain } from '../../hypercore/lib/feed.js';

/** Plan changes (update, pause, resume) of one plan are at least this many blocks apart. */
export const CHANGE_COOLDOWN = 3;
/** The runtime's RetryBackoff (one MINUTE: 10 blocks): the wait after the first failed try. */
export const RETRY_BACKOFF = 10;

export const num = (x) => Number(x.toString());
export const addr = (x) => x.toString();

/**
 * Events are read block by block (every block, none skipped), so each one carries the number
 * of the block it was emitted in: { section, method, data, block }.
 */
async function collectEvents (api, seen, isStopped) {
  let next = null;
  let queue = Promise.resolve();
  const readUpTo = async (number) => {
    if (next === null) next = number;
    for (; next <= number && !isStopped(); next++) {
      const hash = await api.rpc.chain.getBlockHash(next);
      const records = await (await api.at(hash)).query.system.events();
      for (const { event } of records) {
        seen.push({ section: event.section, method: event.method, data: event.data, block: next });
      }
    }
  };
  return api.rpc.chain.subscribeNewHeads((header) => {
    const number = header.number.toNumber();
    queue = queue.then(() => readUpTo(number)).catch((err) => {
      if (!isStopped()) console.error(`reading the events of block ${number}: ${err.message}`);
    });
  });
}

/** A dev chain for one test file. Call start() in before() and stop() in after(). */
export function devChain () {
  const sr = new Keyring({ type: 'sr25519' });
  const ed = new Keyring({ type: 'ed25519' });
  let stopped = false;
  let unsubscribe = null;
  const chain = {
    node: null,
    api: null,
    seen: [], // every event of every block since start: { section, method, data, block }
    people: {},
    off: {}, // each person's ed25519 key for off-chain signatures
    cores: [], // the Hypercores the tests made, closed at stop()
    coreDirs: [] // and their storage, removed at stop()
  };

  chain.start = async (args = ['--dev', '--consensus', 'manual-seal-300']) => {
    await cryptoWaitReady();
    chain.node = await startNode(args);
    chain.api = await connect(chain.node);
    unsubscribe = await collectEvents(chain.api, chain.seen, () => stopped);
    return chain.api;
  };

  chain.stop = async () => {
    stopped = true;
    if (unsubscribe) unsubscribe();
    if (chain.api) await chain.api.disconnect();
    if (chain.node) await chain.node.stop();
    for (const core of chain.cores) await core.close();
    for (const dir of chain.coreDirs) await fs.rm(dir, { recursive: true, force: true });
  };

  /**
   * A new Hypercore (made by the `hypercore` package; key pair from `seed`) holding `blocks`.
   * `compat: true` makes a compat core; by default it is what `new Hypercore(storage)` makes.
   */
  chain.hypercore = async (blocks, { seed = 1, compat = false } = {}) => {
    const dir = await tempDir();
    chain.coreDirs.push(dir);
    const core = await openCore(dir, { seed: seedOf(seed), compat });
    chain.cores.push(core);
    if (blocks.length) await core.append(blocks.map((b) => Buffer.from(b)));
    return core;
  };

  /** `core`'s key, signer and signed tree at its current length, as planSubscribe takes them. */
  chain.feedOf = async (core) => {
    const { key, signer, length, fork, roots, signature } = await signedTree(core);
    return toChain({ key, signer, tree: { length, fork, roots, signature } });
  };

  /**
   * The answer to a ProvideProofOfStorage event's data: Hypercore's own proof of every
   * challenged block, against the tree of `length` blocks (the plan's signed length).
   */
  chain.answer = async (core, challenge, length) => {
    const copy = await chain.copyOf(core, num(challenge.contract), challenge.hoster);
    const chunks = [];
    let fork = 0;
    for (const index of challenge.chunks.map(num)) {
      const proof = await blockProof(core, index, length);
      fork = proof.fork;
      const { encoded, path } = copy.at(index);
      chunks.push({ encoded: u8aToHex(encoded), copyPath: path.map((node) => u8aToHex(node)), nodes: toChain({ nodes: proof.nodes }).nodes });
    }
    return { challenge: num(challenge.challenge), length, fork, chunks };
  };

  /**
   * `hoster`'s (a name or an address) encoded copy of `contract`, keyed by the seed its position
   * holds on chain; `blockOf(index)` gives the plain blocks (by default `core`'s). Returns
   * { key, encoded, leaves, commitment, at(chunk) } (`lib/copy.js`).
   */
  chain.copyOf = async (core, contract, hoster, blockOf = (index) => core.get(index)) => {
    const address = chain.people[hoster] ? chain.people[hoster].address : addr(hoster);
    const stored = (await chain.api.query.hosting.contracts(contract)).unwrap();
    const position = stored.positions.find((p) => p.hoster.isSome && p.hoster.unwrap().toString() === address);
    assert.ok(position, `${hoster} holds no position in contract ${contract}`);
    const key = copyKey(chain.api, contract, address, position.seed.toU8a());
    const range = { start: num(stored.range.start), end: num(stored.range.end) };
    return { key, ...(await copyOf(key, range, blockOf)) };
  };

  chain.person = (name, uri) => {
    chain.people[name] = sr.addFromUri(uri);
    chain.off[name] = ed.addFromUri(`${uri}//datdot`);
    return chain.people[name];
  };

  /** The name of the person with `address` (an address string or AccountId). */
  chain.nameOf = (address) => {
    const entry = Object.entries(chain.people).find(([, pair]) => pair.address === addr(address));
    return entry && entry[0];
  };

  /** `name`'s proof that it holds its off-chain key (hex, for `keyProof`). */
  chain.keyProof = (name, account = chain.people[name].address) =>
    u8aToHex(chain.off[name].sign(keyPayload(chain.api, account, chain.off[name].publicKey)));

  /**
   * What an operator does to let its node vote for attestor `name` (docs/OPERATORS.md): a new
   * sr25519 key (`<uri>//attestor`) goes into the node's keystore (`author_insertKey`, key
   * type `dtat`), and the account ties it to itself (`rolesSetAttestorKey`, signed by the key).
   * Returns the key pair.
   */
  chain.tieAttestorKey = async (name, uri) => {
    const api = chain.api;
    const key = sr.addFromUri(`${uri}//attestor`);
    await api.rpc.author.insertKey('dtat', `${uri}//attestor`, u8aToHex(key.publicKey));
    const proof = key.sign(attestorKeyPayload(api, chain.people[name].address, key.publicKey));
    await chain.send(api.tx.roles.rolesSetAttestorKey(key.publicKey, u8aToHex(proof)), name);
    return key;
  };

  chain.profile = (name, location = 'u33dc') => ({
    signingKey: chain.off[name].publicKey,
    keyProof: chain.keyProof(name),
    noiseKey: new Uint8Array(32).fill(7),
    location,
    endpoint: `/ip4/127.0.0.1/tcp/${4000 + Object.keys(chain.people).indexOf(name)}`
  });

  const blockOf = async (blockHash) => num((await chain.api.rpc.chain.getHeader(blockHash)).number);

  /** Sends `tx` as `who`; resolves with { error, block, blockHash, events } once in a block. */
  chain.trySend = async (tx, who) => {
    const result = await sendAndWait(chain.api, tx, chain.people[who]);
    return { ...result, block: await blockOf(result.blockHash) };
  };

  /** Sends `tx` as `who` and fails the test if it is refused. */
  chain.send = async (tx, who) => {
    const result = await chain.trySend(tx, who);
    assert.equal(result.error, null, `${tx.method.section}.${tx.method.method} by ${who} failed: ${result.error}`);
    return result;
  };

  /** The first event `section.method` (seen since index `from`) whose data satisfies `match`. */
  chain.waitForEvent = (section, method, match = () => true, { from = 0, timeoutMs = 60_000 } = {}) =>
    waitFor(() => chain.seen.slice(from).find((e) => e.section === section && e.method === method && match(e.data)),
      { timeoutMs, what: `event ${section}.${method}` });

  /**
   * The first challenge (seen since event index `from`) that `match` takes: one entry of a
   * ProvideProofOfStorage event, which announces a block's challenges together: { challenge,
   * hoster, contract, chunks }.
   */
  chain.waitForChallenge = (match, { from = 0, timeoutMs = 60_000 } = {}) =>
    waitFor(() => chain.seen.slice(from)
      .filter((e) => e.section === 'proofs' && e.method === 'ProvideProofOfStorage')
      .flatMap((e) => [...e.data.challenges])
      .find((c) => match(c)), { timeoutMs, what: 'a challenge in proofs.ProvideProofOfStorage' });

  /**
   * The first benchmark (seen since event index `from`) that `match` takes: one entry of a
   * ProvidePerformanceBenchmark event: { benchmark, attestor, contract, hosters }.
   */
  chain.waitForBenchmark = (match, { from = 0, timeoutMs = 60_000 } = {}) =>
    waitFor(() => chain.seen.slice(from)
      .filter((e) => e.section === 'benchmarks' && e.method === 'ProvidePerformanceBenchmark')
      .flatMap((e) => [...e.data.benchmarks])
      .find((b) => match(b)), { timeoutMs, what: 'a benchmark in benchmarks.ProvidePerformanceBenchmark' });

  /** The number of the best block. */
  chain.head = async () => num((await chain.api.rpc.chain.getHeader()).number);

  /** Resolves once the best block is `block` or later. */
  chain.waitUntil = (block, timeoutMs = 120_000) =>
    waitForHead((cb) => chain.api.rpc.chain.subscribeNewHeads(cb), (h) => h.number.toNumber() >= block, timeoutMs);

  /** Resolves once `n` blocks were added to the best chain. */
  chain.waitBlocks = async (n) => chain.waitUntil((await chain.head()) + n);

  /**
   * Resolves once a plan change sent now is past the cooldown of the change in block
   * `lastChange`: a transaction sent now lands after the best block, so the best block only
   * needs to be one short of `lastChange + CHANGE_COOLDOWN`.
   */
  chain.afterCooldown = (lastChange) => chain.waitUntil(lastChange + CHANGE_COOLDOWN - 1);

  /** A planSubscribe input for the Hypercore `core`; `fields` override the rest. */
  chain.planInput = async (core, fields = {}) => {
    const length = core.length;
    return {
      feed: await chain.feedOf(core),
      ranges: [{ start: 0, end: length }],
      regions: ['u3'],
      hosters: 2,
      start: 0,
      end: null,
      minPerformance: { maxLatencyMs: 1000, minBandwidthKbps: 0 },
      priority: 'Normal',
      ...fields
    };
  };

  /**
   * The setup report's results: each named hoster's commitment to its encoded copy of `core`'s
   * blocks (or of `blocksOf[name]`'s), with its signature over its setup statement.
   */
  chain.setupResults = async (contract, hosters, core, range, blocksOf = {}) => {
    const results = [];
    for (const name of hosters) {
      const hoster = chain.people[name].address;
      const { commitment } = await chain.copyOf(core, contract, name, blocksOf[name]);
      const signature = chain.off[name].sign(setupPayload(chain.api, contract, hoster, core.key, range, commitment));
      results.push({ hoster, copy: { commitment: u8aToHex(commitment), signature: u8aToHex(signature) } });
    }
    return results;
  };

  /**
   * Measurements of every hoster of a ProvidePerformanceBenchmark event's data, each with the
   * hoster's proof of contact for that benchmark, contract and attestor.
   */
  chain.measurements = (job, { latencyMs, bandwidthKbps }) => job.hosters.map((hoster) => ({
    hoster: addr(hoster),
    latencyMs,
    bandwidthKbps,
    proofOfContact: chain.off[chain.nameOf(hoster)].sign(
      contactPayload(chain.api, num(job.benchmark), num(job.contract), job.attestor, hoster))
  }));

  return chain;
}
