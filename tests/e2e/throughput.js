// Throughput of one `datdot-node --dev` (BABE + GRANDPA, 6 s blocks) under two loads at once:
// storage-proof answers from the product's own provider daemons, and balance transfers from
// many senders. Run by hand (not part of `npm test`):
//
//   cd tests/e2e && npm run throughput
//
// 1. Starts the dev node and the nine providers of `scripts/dev.sh` (six hosters and encoders,
//    three attestors), serves PLANS Hypercores of FEED_BLOCKS blocks as their sponsors would,
//    subscribes a two-hoster plan for each (at most SETTING_UP not yet active at a time) and
//    waits until every contract is active: the providers match, encode, store and confirm the
//    copies by themselves.
// 2. Funds SENDERS accounts (ed25519 `//Sender//<i>` of the dev seed) and has each send
//    `balances.transferKeepAlive` without pause, IN_FLIGHT transactions ahead of its nonce on
//    chain: enough to fill every block, and (with the blocks not yet final, which the pool keeps
//    too) within the pool's limit of 8192. Meanwhile the sponsors ask for a proof of every
//    contract as often as the chain lets them (`proofs.proofOfStorageRequest`, once per
//    `RequestCooldown` blocks per contract), on top of the challenges the chain issues by
//    itself; the providers answer whatever reaches them.
// 3. After WARMUP blocks, measures BLOCKS blocks from the blocks themselves: successful
//    transfers, `proofOfStorageResponse` extrinsics and the answers they carried
//    (`ProofAccepted`), missed challenges (`ProofMissed`), challenges issued
//    (`ProvideProofOfStorage` entries: the chain's own and the sponsors' requests), the weight
//    (`system.blockWeight`, normal class) and length used, the timestamps, and why the author
//    ended each block (from the node's log); and the pool's size (Prometheus metrics).
// 4. Prints the figures, and writes them as JSON to $DATDOT_THROUGHPUT_OUT if set.
//
// Settings (environment): DATDOT_THROUGHPUT_BLOCKS (20), _WARMUP (3), _PLANS (80), _SETTING_UP
// (24), _FEED_BLOCKS (4 blocks per feed), _BLOCK_BYTES (65536, what `datdot publish` makes and
// the chain's largest), _SENDERS (128), _IN_FLIGHT (20), _REQUESTS (1; 0: only the chain's own
// challenges), _KEEP (1: keep the logs and copies). The binaries: $DATDOT_NODE or
// $CARGO_TARGET_DIR/release/datdot-node, and $CARGO_TARGET_DIR/release/datdot-provider. While
// /tmp/datdot-bench-running exists (a benchmark is running), it waits before starting.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { connect, nodeBinary, sendAndWait, startNode, waitFor } from './lib/node.js';
import { keyPayload } from './lib/signing.js';
import { releaseBinary, serveFeeds, startProviders, PROVIDERS } from './lib/devnet.js';
import { check, signer } from './lib/extrinsics.js';
import { openCore, signedTree, toChain } from '../hypercore/lib/feed.js';

const setting = (name, fallback) => {
  const value = process.env[`DATDOT_THROUGHPUT_${name}`];
  return value === undefined || value === '' ? fallback : Number(value);
};
const BLOCKS = setting('BLOCKS', 20);
const WARMUP = setting('WARMUP', 3);
const PLANS = setting('PLANS', 80);
const SETTING_UP = setting('SETTING_UP', 24);
const FEED_BLOCKS = setting('FEED_BLOCKS', 4);
const BLOCK_BYTES = setting('BLOCK_BYTES', 65536);
const SENDERS = setting('SENDERS', 128);
const IN_FLIGHT = setting('IN_FLIGHT', 20);
const REQUESTS = setting('REQUESTS', 1) !== 0;
const KEEP = setting('KEEP', 0) !== 0;
const OUT = process.env.DATDOT_THROUGHPUT_OUT;

/** The runtime's MaxPlansPerSponsor: sponsors take turns, up to 64 plans each. */
const PLANS_PER_SPONSOR = 64;
/** Funded dev accounts that no provider uses: the sponsors, and who funds the senders. */
const SPONSORS = ['//Ferdie', '//Ferdie//stash'];
const FUNDER = '//Eve//stash';
const UNIT = 10n ** 12n;
/** What each sender gets, and sends per transfer (the existential deposit). */
const FUNDING = 100n * UNIT;
const AMOUNT = UNIT / 1000n;
/** The most RPC submissions waiting for the node's answer at once. */
const MAX_SUBMITTING = 256;

const log = (...args) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...args);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const num = (x) => Number(x.toString());

/** Someone benchmarks on this machine while this file exists: wait for them. */
const BENCH_FLAG = '/tmp/datdot-bench-running';
async function waitForBenchmarks () {
  while (fs.existsSync(BENCH_FLAG)) {
    log('waiting: /tmp/datdot-bench-running exists (a benchmark is running)');
    await sleep(30_000);
  }
}

/** Fails early, saying which binary is missing or broken. */
function checkBinaries () {
  for (const binary of [nodeBinary(), releaseBinary('datdot-provider')]) {
    try {
      execFileSync(binary, ['--version'], { stdio: 'ignore', timeout: 30_000 });
    } catch (e) {
      throw new Error(`${binary} does not run (${e.message}): build it (scripts/dev.sh) or set CARGO_TARGET_DIR`);
    }
  }
}

/** An account whose nonces this script hands out itself, so its transactions never wait on each other. */
function nonced (api, pair) {
  let next = null;
  let asking = null; // the node's answer, which concurrent callers share
  return {
    pair,
    address: pair.address,
    nonce: async () => {
      while (next === null) {
        asking ??= api.rpc.system.accountNextIndex(pair.address).then((n) => { next = num(n); }).finally(() => { asking = null; });
        await asking;
      }
      return next++;
    },
    /** After a refused transaction: ask the node again. */
    resync: () => { next = null; }
  };
}

/** Sends `tx` from the nonced account `who`; resolves with { block, error } once in a block. */
async function send (api, tx, who) {
  try {
    const result = await sendAndWait(api, tx, who.pair, { nonce: await who.nonce() });
    const block = num((await api.rpc.chain.getHeader(result.blockHash)).number);
    return { block, error: result.error, events: result.events };
  } catch (e) {
    who.resync();
    return { block: null, error: e.message, events: [] };
  }
}

const head = async (api) => num((await api.rpc.chain.getHeader()).number);

/** Calls `onHead(number)` for every new best block, one call at a time; returns unsubscribe. */
async function eachHead (api, onHead) {
  let queue = Promise.resolve();
  return api.rpc.chain.subscribeNewHeads((header) => {
    queue = queue.then(() => onHead(header.number.toNumber())).catch((e) => log(`block ${header.number}: ${e.message}`));
  });
}

// --- 1. the network and its plans ---

/** Waits until every provider registered its roles. */
async function waitForProviders (api, sr) {
  const roles = { hoster: 'Hoster', encoder: 'Encoder', attestor: 'Attestor' };
  await waitFor(async () => {
    for (const [, suri, , list] of PROVIDERS) {
      for (const role of list.split(',')) {
        if ((await api.query.roles.providers(sr.addFromUri(suri).address, roles[role])).isNone) return false;
      }
    }
    return true;
  }, { timeoutMs: 300_000, intervalMs: 2_000, what: 'the nine providers to register their roles' });
}

/** PLANS Hypercores of FEED_BLOCKS random blocks of BLOCK_BYTES, each under its own key pair. */
async function makeFeeds (dir) {
  const cores = [];
  for (let i = 0; i < PLANS; i++) {
    const seed = Buffer.alloc(32, 0x5a);
    seed.writeUInt32LE(i, 0);
    const core = await openCore(join(dir, `feed-${i}`), { seed });
    await core.append(Array.from({ length: FEED_BLOCKS }, () => randomBytes(BLOCK_BYTES)));
    cores.push(core);
  }
  return cores;
}

/** The sponsors' accounts, each with the feed server as its endpoint. */
async function createSponsors (api, sponsors, endpoint) {
  const ed = new Keyring({ type: 'ed25519' });
  await Promise.all(sponsors.map(async (sponsor) => {
    const offchain = ed.addFromUri(`${sponsor.suri}//datdot`);
    const keyProof = u8aToHex(offchain.sign(keyPayload(api, sponsor.address, offchain.publicKey)));
    const profile = { signingKey: offchain.publicKey, keyProof, noiseKey: new Uint8Array(32).fill(7), location: 'u33dc', endpoint };
    const { error } = await send(api, api.tx.accounts.accountCreate(profile), sponsor);
    if (error) throw new Error(`accountCreate for ${sponsor.suri}: ${error}`);
  }));
}

/** Whether every contract of `plan` is active with every position hosted. */
async function planActive (api, plan) {
  const ids = await api.query.hosting.planContracts(plan);
  if (ids.length === 0) return false;
  for (const id of ids) {
    const contract = await api.query.hosting.contracts(id);
    if (contract.isNone) return false;
    const { status, positions } = contract.unwrap();
    if (!status.isActive || !positions.every((p) => p.state.toString() === 'Hosted')) return false;
  }
  return true;
}

/**
 * Subscribes a two-hoster plan for each feed, at most SETTING_UP plans not yet active at a time
 * (the three attestors take part in every contract's setup), and waits until all are active.
 * Returns { contracts: [{ plan, contract, sponsor }], seconds } (the time it took).
 */
async function subscribePlans (api, cores, sponsors) {
  const plans = []; // { plan, sponsor, active }
  const started = Date.now();
  let next = 0;
  while (plans.length < cores.length || plans.some((p) => !p.active)) {
    for (const p of plans.filter((p) => !p.active)) p.active = await planActive(api, p.plan);
    const room = SETTING_UP - plans.filter((p) => !p.active).length;
    const batch = [];
    for (; next < cores.length && batch.length < room; next++) batch.push(next);
    if (batch.length) {
      const start = (await head(api)) + 3; // matching starts then; the plan must land before
      await Promise.all(batch.map(async (i) => {
        const sponsor = sponsors[Math.floor(i / PLANS_PER_SPONSOR)];
        const tree = await signedTree(cores[i]);
        const { length, fork, roots, signature } = tree;
        const input = {
          feed: toChain({ key: tree.key, signer: tree.signer, tree: { length, fork, roots, signature } }),
          ranges: [{ start: 0, end: length }],
          regions: ['u3'],
          hosters: 2,
          start,
          end: null,
          minPerformance: { maxLatencyMs: 1000, minBandwidthKbps: 0 },
          priority: 'Normal'
        };
        const { error, events } = await send(api, api.tx.plans.planSubscribe(input), sponsor);
        const subscribed = events.find(({ event }) => event.section === 'plans' && event.method === 'PlanSubscribed');
        if (error || !subscribed) throw new Error(`planSubscribe of feed ${i}: ${error || 'no PlanSubscribed'}`);
        plans.push({ plan: num(subscribed.event.data.plan), sponsor, active: false });
      }));
    }
    const active = plans.filter((p) => p.active).length;
    log(`plans: ${plans.length} subscribed, ${active} active (${Math.round((Date.now() - started) / 1000)} s)`);
    if (Date.now() - started > 40 * 60_000) throw new Error(`only ${active} of ${cores.length} plans active after 40 min`);
    await sleep(6_000);
  }
  const contracts = [];
  for (const { plan, sponsor } of plans) {
    for (const id of await api.query.hosting.planContracts(plan)) contracts.push({ plan, contract: num(id), sponsor });
  }
  return { contracts, seconds: (Date.now() - started) / 1000 };
}

// --- 2. the loads ---

/** Funds the senders from FUNDER, all transfers at once (the runtime has no utility pallet). */
async function fundSenders (api, funder, senders) {
  const results = await Promise.all(senders.map((s) => send(api, api.tx.balances.transferKeepAlive(s.address, FUNDING), funder)));
  const failed = results.filter((r) => r.error);
  if (failed.length) throw new Error(`funding ${failed.length} senders failed: ${failed[0].error}`);
}

/**
 * Every sender sends `transferKeepAlive` (AMOUNT to the next sender) without pause, keeping
 * IN_FLIGHT transactions ahead of its nonce in the last block; on every new block the nonces are
 * read again and the senders topped up. Transactions are made by `lib/extrinsics.js` and sent
 * with plain `author_submitExtrinsic` calls on their own connection (`submitter`), so the script
 * spends little CPU per transaction. Returns { onHead(number), stop(), stats, pending() }.
 */
function transferLoad (api, submitter, senders) {
  const state = senders.map((pair, i) => ({
    pair,
    make: signer(api, pair, api.tx.balances.transferKeepAlive(senders[(i + 1) % senders.length].address, AMOUNT)),
    next: 0,
    onChain: 0,
    stuck: 0,
    paused: false
  }));
  const stats = { submitted: 0, refused: {} };
  let submitting = 0;
  let stopped = false;

  const submit = async (s, nonce) => {
    submitting++;
    try {
      await submitter.send('author_submitExtrinsic', [s.make(nonce)]);
      stats.submitted++;
    } catch (e) {
      const reason = (e.message || String(e)).slice(0, 60);
      stats.refused[reason] = (stats.refused[reason] || 0) + 1;
      // Outdated: the nonce is used already. In the pool already: fine. Anything else (the
      // pool is full, banned): this sender sends this nonce again after the next block.
      if (!/outdated|Already Imported|Priority is too low/i.test(reason)) {
        s.next = Math.min(s.next, nonce);
        s.paused = true;
      }
    } finally {
      submitting--;
      pump();
    }
  };

  const pump = () => {
    if (stopped) return;
    for (const s of state) {
      while (!s.paused && s.next - s.onChain < IN_FLIGHT && submitting < MAX_SUBMITTING) submit(s, s.next++);
      if (submitting >= MAX_SUBMITTING) return;
    }
  };

  const onHead = async () => {
    if (stopped) return;
    const accounts = await api.query.system.account.multi(state.map((s) => s.pair.address));
    accounts.forEach((account, i) => {
      const s = state[i];
      const nonce = num(account.nonce);
      // A sender whose nonce does not move for three blocks lost a transaction (dropped from
      // the pool): send again from its nonce on chain.
      s.stuck = nonce === s.onChain && s.next > nonce ? s.stuck + 1 : 0;
      s.onChain = nonce;
      s.paused = false;
      if (s.next < nonce || s.stuck >= 3) { s.next = nonce; s.stuck = 0; }
    });
    pump();
  };

  return { onHead, stop: () => { stopped = true; }, stats, pending: () => state.reduce((n, s) => n + s.next - s.onChain, 0) };
}

/**
 * The sponsors ask for a proof of every contract as often as `RequestCooldown` allows, spread
 * evenly over the blocks of a cooldown. Returns { onHead(number), stop(), stats }.
 */
function requestLoad (api, contracts, cooldown) {
  const stats = { sent: 0, landed: 0, refused: {} };
  const state = contracts.map((c, i) => ({ ...c, due: null, offset: i % cooldown, busy: false }));
  let first = null;
  let stopped = false;
  const onHead = async (number) => {
    if (stopped) return;
    if (first === null) first = number;
    for (const c of state) {
      if (c.busy || (c.due === null ? number < first + c.offset : number + 1 < c.due)) continue;
      c.busy = true;
      stats.sent++;
      send(api, api.tx.proofs.proofOfStorageRequest({ contract: c.contract }), c.sponsor).then(({ block, error }) => {
        c.busy = false;
        if (error) {
          stats.refused[error] = (stats.refused[error] || 0) + 1;
          c.due = (block ?? number) + 1; // try again in the next block
        } else {
          stats.landed++;
          c.due = block + cooldown;
        }
      });
    }
  };
  return { onHead, stats, stop: () => { stopped = true; } };
}

/**
 * The node's transaction pool, from its Prometheus metrics: { mempool, ready }. The mempool
 * (watched and unwatched transactions) holds every transaction until its block is final, and
 * is what `--pool-limit` (default 8192) bounds.
 */
async function poolState (promPort) {
  const text = await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text();
  const gauge = (name) => Number((text.match(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'm')) || [])[1] || 0);
  return {
    mempool: gauge('substrate_sub_txpool_watched_txs') + gauge('substrate_sub_txpool_unwatched_txs'),
    ready: gauge('substrate_ready_transactions_number')
  };
}

/**
 * The pool priority the runtime gives a transfer and an answer of the size the providers send
 * (one challenge: its chunks of BLOCK_BYTES each), as `validate_transaction` says (neither is
 * sent). Without tips, `ChargeTransactionPayment` gives a normal transaction the priority "how
 * many such transactions fit in a block", so small ones go first when the pool is full; an
 * answer is operational, which puts it above them. The pool takes an answer only to an open
 * challenge of its signer (`CheckAnswers`): the answer is signed by the hoster of one that is
 * open now.
 */
async function priorities (api, sr, funder) {
  const best = await api.rpc.chain.getBlockHash();
  const hosters = new Map(PROVIDERS.map(([, suri]) => [sr.addFromUri(suri).address, sr.addFromUri(suri)]));
  const open = (await api.query.proofs.challenges.entries())
    .map(([key, challenge]) => [num(key.args[0]), challenge.unwrap().hoster.toString(), challenge.unwrap().chunks.length])
    .find(([, hoster]) => hosters.has(hoster));
  if (!open) throw new Error('no open challenge of a provider to price an answer with');
  const priority = async (pair, call) => {
    const nonce = num(await api.rpc.system.accountNextIndex(pair.address)) + 1000; // a future one: valid, never sent
    const tx = await call.signAsync(pair, { nonce, era: 0 });
    // Encoded by hand: polkadot.js's `api.call.taggedTransactionQueue` encodes the extrinsic in
    // a way this runtime cannot decode.
    const args = api.createType('(TransactionSource, Extrinsic, BlockHash)', ['External', tx, best]);
    const result = await api.rpc.state.call('TaggedTransactionQueue_validate_transaction', args.toHex(), best);
    const validity = api.createType('TransactionValidity', result);
    return validity.isOk ? num(validity.asOk.priority) : validity.asErr.toString();
  };
  const node = { index: 0, size: BLOCK_BYTES, hash: u8aToHex(new Uint8Array(32)) };
  const chunk = { encoded: u8aToHex(new Uint8Array(BLOCK_BYTES)), copyPath: [u8aToHex(new Uint8Array(32))], nodes: [node, node] };
  const [challenge, hoster, chunks] = open;
  return {
    transfer: await priority(funder, api.tx.balances.transferKeepAlive(funder.address, AMOUNT)),
    answer: await priority(hosters.get(hoster), api.tx.proofs.proofOfStorageResponse([{ challenge, length: FEED_BLOCKS, fork: 0, chunks: Array(chunks).fill(chunk) }]))
  };
}

// --- 3. what the blocks hold ---

/** The figures of block `number`, read from the block, its events and its state. */
async function readBlock (api, number, maxNormal, maxLength) {
  const hash = await api.rpc.chain.getBlockHash(number);
  const [block, at] = await Promise.all([api.rpc.chain.getBlock(hash), api.at(hash)]);
  const [events, weight, timestamp] = await Promise.all([at.query.system.events(), at.query.system.blockWeight(), at.query.timestamp.now()]);
  const extrinsics = block.block.extrinsics;
  const succeeded = new Set();
  const fees = new Map(); // extrinsic index → fee paid
  const figures = {
    number,
    timestamp: num(timestamp),
    extrinsics: extrinsics.length,
    transfers: 0,
    transfersFailed: 0,
    transferFees: 0n, // what the transfers paid, in planck
    responses: 0,
    responsesFailed: 0,
    answers: 0, // ProofAccepted
    missed: 0, // ProofMissed
    issued: 0, // challenges announced: the chain's own ...
    requested: 0, // ... and those of sponsors' requests
    requests: 0, // successful proofOfStorageRequest extrinsics
    behind: 0, // ChallengesBehind events
    weightNormal: num(weight.normal.refTime),
    weightFullness: num(weight.normal.refTime) / maxNormal,
    length: extrinsics.reduce((n, x) => n + x.encodedLength, 0)
  };
  figures.lengthFullness = figures.length / maxLength;
  for (const { phase, event } of events) {
    const { section, method, data } = event;
    if (section === 'system' && method === 'ExtrinsicSuccess') succeeded.add(num(phase.asApplyExtrinsic));
    if (section === 'transactionPayment' && method === 'TransactionFeePaid') fees.set(num(phase.asApplyExtrinsic), data.actualFee.toBigInt());
    if (section !== 'proofs') continue;
    if (method === 'ProofAccepted') figures.answers++;
    if (method === 'ProofMissed') figures.missed++;
    if (method === 'ChallengesBehind') figures.behind++;
    if (method === 'ProvideProofOfStorage') {
      if (phase.isApplyExtrinsic) figures.requested += data.challenges.length;
      else figures.issued += data.challenges.length;
    }
  }
  extrinsics.forEach((x, i) => {
    const name = `${x.method.section}.${x.method.method}`;
    const ok = succeeded.has(i);
    if (name === 'balances.transferKeepAlive') {
      ok ? figures.transfers++ : figures.transfersFailed++;
      figures.transferFees += fees.get(i) || 0n;
    }
    if (name === 'proofs.proofOfStorageResponse') ok ? figures.responses++ : figures.responsesFailed++;
    if (name === 'proofs.proofOfStorageRequest' && ok) figures.requests++;
  });
  figures.transferFees = Number(figures.transferFees) / Number(UNIT); // in DOTDOT
  return figures;
}

/**
 * How the node's block author ended each block it proposed ("🎁 Prepared block for proposing
 * at N (T ms) ... end: REASON"), from the node's output: number → { proposeMs, end }.
 * `HitBlockWeightLimit` means the block was full; `NoMoreTransactions`, that the pool ran dry.
 */
function proposals (output) {
  const found = new Map();
  for (const [, number, ms, end] of output.matchAll(/Prepared block for proposing at (\d+) \((\d+) ms\).*?end: (\w+)/g)) {
    found.set(Number(number), { proposeMs: Number(ms), end });
  }
  return found;
}

/** Totals, per-second rates (by the blocks' timestamps) and fullness over the window. */
function summarize (before, blocks) {
  const sum = (field) => blocks.reduce((n, b) => n + b[field], 0);
  const seconds = (blocks[blocks.length - 1].timestamp - before.timestamp) / 1000;
  const totals = Object.fromEntries(['transfers', 'transfersFailed', 'responses', 'responsesFailed', 'answers', 'missed',
    'issued', 'requested', 'requests', 'behind', 'extrinsics', 'length', 'transferFees'].map((f) => [f, sum(f)]));
  const rate = (n) => Math.round((n / seconds) * 100) / 100;
  const mean = (field) => sum(field) / blocks.length;
  const authorEnds = {};
  for (const b of blocks) authorEnds[b.end ?? 'unknown'] = (authorEnds[b.end ?? 'unknown'] || 0) + 1;
  return {
    blocks: blocks.length,
    firstBlock: blocks[0].number,
    lastBlock: blocks[blocks.length - 1].number,
    seconds,
    totals,
    perSecond: {
      transfers: rate(totals.transfers),
      answers: rate(totals.answers),
      responses: rate(totals.responses),
      challengesIssued: rate(totals.issued + totals.requested),
      missed: rate(totals.missed)
    },
    fullness: {
      weightNormalMean: mean('weightFullness'),
      weightNormalMax: Math.max(...blocks.map((b) => b.weightFullness)),
      lengthMean: mean('lengthFullness'),
      lengthMax: Math.max(...blocks.map((b) => b.lengthFullness))
    },
    authorEnds,
    poolMax: {
      mempool: Math.max(0, ...blocks.map((b) => b.pool?.mempool ?? 0)),
      ready: Math.max(0, ...blocks.map((b) => b.pool?.ready ?? 0))
    }
  };
}

// --- the run ---

async function main () {
  await waitForBenchmarks();
  checkBinaries();
  await cryptoWaitReady();
  const sr = new Keyring({ type: 'sr25519' });
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'datdot-throughput-'));
  const cleanup = [];
  let failed = true;
  try {
    log(`dev node ${nodeBinary()}; logs and copies in ${dir}`);
    const node = await startNode(['--dev']);
    cleanup.push(() => node.stop());
    cleanup.push(() => fs.writeFileSync(join(dir, 'node.log'), node.logs())); // its last 64 KB
    const api = await connect(node);
    cleanup.push(() => api.disconnect());
    const network = await startProviders(node.rpcPort, dir);
    cleanup.push(() => network.stop());
    await waitForProviders(api, sr);
    log('nine providers registered');

    const sponsors = SPONSORS.slice(0, Math.ceil(PLANS / PLANS_PER_SPONSOR)).map((suri) => ({ suri, ...nonced(api, sr.addFromUri(suri)) }));
    if (PLANS > sponsors.length * PLANS_PER_SPONSOR) throw new Error(`at most ${sponsors.length * PLANS_PER_SPONSOR} plans`);
    const cores = await makeFeeds(join(dir, 'feeds'));
    cleanup.push(() => Promise.all(cores.map((core) => core.close())));
    const feeds = await serveFeeds(cores);
    cleanup.push(() => feeds.close());
    await createSponsors(api, sponsors, feeds.url);
    // ed25519 senders: JavaScript signs ed25519 five times faster than sr25519 (pure-JS
    // sr25519 in polkadot.js 14), and the weight of a transfer is the same.
    const ed = new Keyring({ type: 'ed25519' });
    const senders = Array.from({ length: SENDERS }, (_, i) => ed.addFromUri(`//Sender//${i}`));
    const funding = fundSenders(api, nonced(api, sr.addFromUri(FUNDER)), senders);
    const { contracts, seconds: setup } = await subscribePlans(api, cores, sponsors);
    await funding;
    const positions = num(await api.query.proofs.positionCount());
    const priority = await priorities(api, sr, sr.addFromUri(FUNDER));
    log(`${contracts.length} contracts active (${positions} checked positions) after ${Math.round(setup)} s; ${SENDERS} senders funded`);

    // Both loads run from here on, driven by new blocks; not while a benchmark runs (and a
    // benchmark that starts meanwhile is noted: both figures would suffer).
    await waitForBenchmarks();
    let benchmarkOverlapped = false;
    check(api, senders[0], api.tx.balances.transferKeepAlive(senders[1].address, AMOUNT));
    const submitter = new WsProvider(`ws://127.0.0.1:${node.rpcPort}`);
    await submitter.isReady;
    cleanup.push(() => submitter.disconnect());
    const transfers = transferLoad(api, submitter, senders);
    const cooldown = num(api.consts.proofs.requestCooldown);
    const requests = requestLoad(api, contracts, cooldown);
    const pool = new Map(); // block number → the pool as that block was imported
    const unsubscribe = await eachHead(api, async (number) => {
      pool.set(number, await poolState(node.promPort));
      benchmarkOverlapped ||= fs.existsSync(BENCH_FLAG);
      await transfers.onHead(number);
      if (process.env.DATDOT_THROUGHPUT_DEBUG) log(`#${number}: ${JSON.stringify(pool.get(number))}, ${transfers.pending()} transfers pending, ${transfers.stats.submitted} submitted`);
      if (REQUESTS) await requests.onHead(number);
    });
    cleanup.push(async () => { transfers.stop(); unsubscribe(); });
    const loadStart = await head(api);
    await transfers.onHead(loadStart);
    const windowStart = loadStart + WARMUP; // the window is the blocks after this one
    const last = windowStart + BLOCKS;
    await waitFor(async () => (await head(api)) >= last, { timeoutMs: (WARMUP + BLOCKS + 10) * 30_000, intervalMs: 1_000, what: `block ${last}` });
    transfers.stop();
    requests.stop();
    unsubscribe();
    // What the loads did while they ran (requests still in the pool may land later).
    const sent = { transfers: structuredClone(transfers.stats), requests: structuredClone(requests.stats) };
    log(`load ran over blocks ${loadStart + 1}..${last}: ${sent.transfers.submitted} transfers submitted, ${sent.requests.landed} proof requests landed`);

    // The window's blocks, once final.
    await waitFor(async () => num((await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number) >= last,
      { timeoutMs: 120_000, intervalMs: 1_000, what: `block ${last} to be finalized` });
    const weights = api.consts.system.blockWeights;
    const maxNormal = num(weights.perClass.normal.maxTotal.unwrap().refTime);
    const maxLength = num(api.consts.system.blockLength.max.normal);
    const blocks = [];
    const proposed = proposals(node.logs());
    for (let n = windowStart; n <= last; n++) {
      blocks.push({
        ...await readBlock(api, n, maxNormal, maxLength),
        ...(proposed.get(n) || { proposeMs: null, end: null }),
        pool: pool.get(n - 1) || null // what the author had to build block n from
      });
    }
    const [before, ...window] = blocks;
    const summary = summarize(before, window);
    report({ summary, window, positions, contracts: contracts.length, setup, sent, cooldown, maxNormal, maxLength, priority, benchmarkOverlapped });
    failed = false;
  } finally {
    for (const step of cleanup.reverse()) await Promise.resolve().then(step).catch(() => {});
    if (failed || KEEP) log(`logs and copies kept in ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints the figures, and writes them to $DATDOT_THROUGHPUT_OUT as JSON. */
function report ({ summary, window, positions, contracts, setup, sent, cooldown, maxNormal, maxLength, priority, benchmarkOverlapped }) {
  const pct = (x) => `${(x * 100).toFixed(1)} %`;
  const { totals, perSecond, fullness, authorEnds: ends } = summary;
  const settings = { BLOCKS, WARMUP, PLANS, SETTING_UP, FEED_BLOCKS, BLOCK_BYTES, SENDERS, IN_FLIGHT, REQUESTS };
  const command = `cd tests/e2e && CARGO_TARGET_DIR=${process.env.CARGO_TARGET_DIR || '../../target'} ` +
    (process.env.DATDOT_NODE ? `DATDOT_NODE=${process.env.DATDOT_NODE} ` : '') +
    Object.entries(settings).map(([k, v]) => `DATDOT_THROUGHPUT_${k}=${typeof v === 'boolean' ? Number(v) : v}`).join(' ') + ' npm run throughput';
  console.log(`
block\tgap ms\tpool\txts\ttransfers\tresponses\tanswers\tmissed\tissued+requested\tweight\tlength\tauthor's end`);
  let previous = null;
  for (const b of window) {
    console.log([b.number, previous === null ? '' : b.timestamp - previous, b.pool?.mempool ?? '?', b.extrinsics, b.transfers, b.responses, b.answers,
      b.missed, `${b.issued}+${b.requested}`, pct(b.weightFullness), pct(b.lengthFullness), b.end ?? '?'].map(String).join('\t'));
    previous = b.timestamp;
  }
  console.log(`
Throughput of datdot-node --dev (BABE + GRANDPA) over ${summary.blocks} blocks (#${summary.firstBlock}..#${summary.lastBlock}, ${summary.seconds} s):
  transfers   ${totals.transfers} successful transferKeepAlive = ${perSecond.transfers}/s (${totals.transfersFailed} failed), from ${SENDERS} senders, for ${totals.transferFees.toFixed(3)} DOTDOT of fees
  answers     ${totals.answers} accepted (ProofAccepted) = ${perSecond.answers}/s, in ${totals.responses} proofOfStorageResponse extrinsics (${totals.responsesFailed} failed)
  challenges  ${totals.issued} issued by the chain + ${totals.requested} by ${totals.requests} sponsor requests = ${perSecond.challengesIssued}/s; ${totals.missed} missed, ${totals.behind} blocks behind
  positions   ${positions} checked positions in ${contracts} contracts (feeds of ${FEED_BLOCKS} x ${BLOCK_BYTES} bytes), set up in ${Math.round(setup)} s
  fullness    weight (normal class) ${pct(fullness.weightNormalMean)} mean, ${pct(fullness.weightNormalMax)} max; length ${pct(fullness.lengthMean)} mean, ${pct(fullness.lengthMax)} max
  author      ${Object.entries(ends).map(([end, n]) => `${n} blocks ended ${end}`).join(', ')}
  pool        at most ${summary.poolMax.mempool} transactions in the mempool (limit 8192), ${summary.poolMax.ready} ready
  submitted   ${sent.transfers.submitted} transfers; refused by the node: ${JSON.stringify(sent.transfers.refused)}
  requests    ${sent.requests.sent} sent, ${sent.requests.landed} landed while the load ran (cooldown ${cooldown} blocks); refused: ${JSON.stringify(sent.requests.refused)}
  priority    in the pool, without tips: a transfer ${priority.transfer}, an answer to one challenge ${priority.answer}
${benchmarkOverlapped ? `  WARNING     a benchmark ran during the measurement (${BENCH_FLAG}): these figures are not clean\n` : ''}
Reproduce: ${command}`);
  if (OUT) {
    fs.writeFileSync(OUT, JSON.stringify({ command, settings, positions, contracts, setupSeconds: setup, limits: { maxNormalRefTime: maxNormal, maxNormalLength: maxLength }, priority, benchmarkOverlapped, ...summary, perBlock: window, sent }, null, 2) + '\n');
    console.log(`figures written to ${OUT}`);
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(`throughput: ${e.stack || e.message}`);
  process.exit(1);
});
