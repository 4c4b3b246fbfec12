// Attacks on a running DatDot chain, each refused with a named error and without any change to
// the state it aims at: a forged proof of storage, an absurd benchmark, grinding attestor
// draws by pausing, and jamming the scheduler's calendar with plan updates.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { u8aConcat, u8aToHex } from '@polkadot/util';
import { blockNode } from '../hypercore/lib/feed.js';
import { u64le } from './lib/signing.js';
import { applyPad } from './lib/copy.js';
import { devChain, num, addr, CHANGE_COOLDOWN, RETRY_BACKOFF } from './lib/harness.js';

const chain = devChain();
const { people, seen, person, profile, send, trySend, waitForEvent, waitBlocks } = chain;
let api;
/** The feed's blocks: the feed is a real Hypercore holding them (made in before()). */
const BLOCKS = Array.from({ length: 8 }, (_, i) => `datdot block ${i} `.repeat(8));
const RANGE = { start: 0, end: BLOCKS.length };
const state = {}; // the matched, active contract the attacks aim at: { plan, contract, hosters }
let core; // the feed

const json = async (query) => (await query).toJSON();
const rating = (name) => json(api.query.roles.ratings(people[name].address, 'u3'));
const samples = (name) => json(api.query.roles.samples(people[name].address, 'u3'));

/** The honest answer to a ProvideProofOfStorage event's data: the hoster's copy and Hypercore's proofs. */
const answer = (challenge) => chain.answer(core, challenge, core.length);

/**
 * Subscribes a plan of the feed; the drawn attestors' off-chain workers (the dev node holds
 * their keys) vote the matching rule's selection by themselves; the setup attestor confirms
 * the copies: Active.
 */
async function activeContract () {
  const from = seen.length;
  const plan = await chain.planInput(core, { regions: ['u3'], hosters: 2, start: (await chain.head()) + 3 });
  await send(api.tx.plans.planSubscribe(plan), 'sponsor');
  const subscribed = await waitForEvent('plans', 'PlanSubscribed', (d) => addr(d.sponsor) === people.sponsor.address, { from });
  const started = await waitForEvent('hosting', 'MatchingStarted', (d) => num(d.plan) === num(subscribed.data.plan), { from });
  const contract = num(started.data.contract);
  const hosting = await waitForEvent('hosting', 'StartHosting', (d) => num(d.contract) === contract, { from });
  const hosters = hosting.data.hosters.map((h) => chain.nameOf(h));
  const results = await chain.setupResults(contract, hosters, core, RANGE);
  await send(api.tx.hosting.hostingSetupReport({ contract, results }), chain.nameOf(hosting.data.attestor));
  await waitForEvent('hosting', 'HostingActive', (d) => num(d.contract) === contract, { from });
  return { plan: num(started.data.plan), contract, hosters };
}

before(async () => {
  api = await chain.start(['--dev', '--consensus', 'manual-seal-300']);
  for (const [name, uri] of [['sponsor', '//Alice'], ['h1', '//Bob'], ['h2', '//Charlie'], ['h3', '//Dave'],
    ['e1', '//Eve'], ['e2', '//Ferdie'], ['e3', '//Alice//stash'],
    ['a1', '//Bob//stash'], ['a2', '//Charlie//stash'], ['a3', '//Dave//stash'], ['a4', '//Eve//stash'],
    ['stranger', '//Ferdie//stash']]) {
    person(name, uri);
  }
  // Different senders: their transactions may share blocks.
  await Promise.all(Object.keys(people).map((name) => send(api.tx.accounts.accountCreate(profile(name)), name)));
  const form = (capacity) => ({
    regions: ['u33'], storage: 1n << 32n, bandwidthKbps: 10_000, capacity, availableFrom: 0, availableUntil: null
  });
  await Promise.all([
    ...['h1', 'h2', 'h3'].map((name) => send(api.tx.roles.rolesRegister('Hoster', form(2)), name)),
    ...['e1', 'e2', 'e3'].map((name) => send(api.tx.roles.rolesRegister('Encoder', form(2)), name)),
    ...['a1', 'a2', 'a3', 'a4'].map((name) => send(api.tx.roles.rolesRegister('Attestor', form(4)), name))
  ]);
  core = await chain.hypercore(BLOCKS);
  Object.assign(state, await activeContract());
});

after(() => chain.stop());

test('forged proofs: a block not in the committed copy, or bent Hypercore nodes, are refused with named errors', async () => {
  const from = seen.length;
  await send(api.tx.proofs.proofOfStorageRequest({ contract: state.contract }), 'sponsor');
  const challenges = {};
  for (const name of state.hosters) {
    challenges[name] = await chain.waitForChallenge(
      (d) => addr(d.hoster) === people[name].address && num(d.contract) === state.contract, { from });
  }
  const [name] = state.hosters;
  const challenge = num(challenges[name].challenge);
  const honest = await answer(challenges[name]);
  const first = honest.chunks[0];
  const i = num(challenges[name].chunks[0]);
  const snapshot = async () => ({
    challenge: await json(api.query.proofs.challenges(challenge)),
    rating: await rating(name),
    failures: num(await api.query.proofs.failures(state.contract, people[name].address))
  });
  const before = await snapshot();
  assert.notEqual(before.challenge, null, 'the challenge is open');

  // The attack: for block i, answer with the preimage of i's parent (size ‖ left ‖ right, 72
  // bytes, what the parent's hash covers after its type byte) as the "block", encoded under
  // the hoster's key, with the nodes above the parent. It is not in the copy the hoster
  // committed to at setup, so the chain refuses it before Hypercore's check.
  const left = i - (i % 2);
  const [l, r] = [blockNode(left, Buffer.from(BLOCKS[left])), blockNode(left + 1, Buffer.from(BLOCKS[left + 1]))];
  const preimage = u8aConcat(u64le(l.size + r.size), l.hash, r.hash);
  const { key } = await chain.copyOf(core, state.contract, name);
  const forged = { ...honest, chunks: [{ ...first, encoded: u8aToHex(applyPad(key, i, preimage)), nodes: first.nodes.slice(1) }, ...honest.chunks.slice(1)] };
  const refused = await trySend(api.tx.proofs.proofOfStorageResponse([forged]), name);
  assert.equal(refused.error, 'proofs.NotInCopy');
  assert.deepEqual(await snapshot(), before);

  // Honest proofs bent in one place are refused each with its own error, and change nothing.
  const bent = (change) => ({ ...honest, chunks: [{ ...first, ...change }, ...honest.chunks.slice(1)] });
  const flipped = first.encoded.slice(0, -2) + (first.encoded.endsWith('00') ? '01' : '00');
  const [sibling, ...above] = first.nodes;
  const other = state.hosters.find((h) => h !== name);
  const borrowed = (await chain.copyOf(core, state.contract, other)).at(i);
  for (const [what, proof, error] of [
    ['tampered data', bent({ encoded: flipped }), 'proofs.NotInCopy'],
    ['the plain block, fetched from the feed', bent({ encoded: u8aToHex(Buffer.from(BLOCKS[i])) }), 'proofs.NotInCopy'],
    ["the other hoster's copy", bent({ encoded: u8aToHex(borrowed.encoded), copyPath: borrowed.path.map((n) => u8aToHex(n)) }), 'proofs.NotInCopy'],
    ['a node left out', bent({ nodes: above }), 'proofs.WrongPathLength'],
    ['a node of another size', bent({ nodes: [{ ...sibling, size: sibling.size + 1 }, ...above] }), 'proofs.WrongSize'],
    ['a node of another hash', bent({ nodes: [{ ...sibling, hash: u8aToHex(new Uint8Array(32).fill(9)) }, ...above] }), 'proofs.InvalidProof'],
    ['a node at the wrong place', bent({ nodes: [{ ...sibling, index: sibling.index + 4 }, ...above] }), 'proofs.WrongNodeIndex'],
    ['another fork', { ...honest, fork: honest.fork + 1 }, 'proofs.WrongFork'],
    ['a block left out', { ...honest, chunks: honest.chunks.slice(1) }, 'proofs.WrongChunks'],
    ['another length', { ...honest, length: honest.length - 1 }, 'proofs.StaleFeed']
  ]) {
    const refused = await trySend(api.tx.proofs.proofOfStorageResponse([proof]), name);
    assert.equal(refused.error, error, what);
  }
  assert.deepEqual(await snapshot(), before);
  assert.ok((await api.query.proofs.challenges(challenge)).isSome, 'the challenge is still open');

  // The pool takes answers only to the signer's open challenges (`CheckAnswers`): another
  // hoster cannot send this one (code 2), nor one answer twice in a transaction (code 3), and
  // nothing is charged for what the pool refuses.
  const free = async (who) => (await api.query.system.account(people[who].address)).data.free.toString();
  const otherFree = await free(other);
  await assert.rejects(trySend(api.tx.proofs.proofOfStorageResponse([honest]), other), /Custom error: 2/);
  await assert.rejects(trySend(api.tx.proofs.proofOfStorageResponse([honest, honest]), name), /Custom error: 3/);
  assert.equal(await free(other), otherFree);

  // The honest answer still passes; sent again, the pool refuses it: its challenge is closed
  // (code 5).
  await send(api.tx.proofs.proofOfStorageResponse([honest]), name);
  await waitForEvent('proofs', 'ProofAccepted', (d) => num(d.challenge) === challenge, { from });
  await assert.rejects(trySend(api.tx.proofs.proofOfStorageResponse([honest]), name), /Custom error: 5/);
  assert.ok((await api.query.proofs.challenges(challenge)).isNone);
  const after = await rating(name);
  assert.equal(after.challengesPassed, before.rating.challengesPassed + 1);
  // The other hosters answer too, so that no miss is counted against them later.
  for (const other of state.hosters.slice(1)) {
    const id = num(challenges[other].challenge);
    await send(api.tx.proofs.proofOfStorageResponse([await answer(challenges[other])]), other);
    await waitForEvent('proofs', 'ProofAccepted', (d) => num(d.challenge) === id, { from });
  }
});

test('extreme benchmark: implausible measurements are refused (ImplausibleMeasurement)', async () => {
  const from = seen.length;
  await send(api.tx.benchmarks.performanceBenchmarkRequest({ contract: state.contract }), 'sponsor');
  const job = await chain.waitForBenchmark((d) => num(d.contract) === state.contract, { from });
  const benchmark = num(job.benchmark);
  const attestor = chain.nameOf(job.attestor);
  const hosters = job.hosters.map((h) => chain.nameOf(h));
  assert.deepEqual([...hosters].sort(), [...state.hosters].sort());
  const snapshot = async () => ({
    benchmark: await json(api.query.benchmarks.benchmarks(benchmark)),
    open: await json(api.query.benchmarks.openBenchmarks(state.contract)),
    ratings: await Promise.all(hosters.map(rating)),
    samples: await Promise.all(hosters.map(samples))
  });
  const before = await snapshot();
  assert.notEqual(before.benchmark, null, 'the benchmark is open');

  // Valid proofs of contact, impossible figures: the first pulls the median, the others probe
  // each bound (latency ≤ 60 s, 1 kB/s ≤ bandwidth ≤ 100 GB/s).
  for (const extreme of [{ latencyMs: 4_294_967_295, bandwidthKbps: 0 }, { latencyMs: 60_001, bandwidthKbps: 9_000 },
    { latencyMs: 40, bandwidthKbps: 0 }, { latencyMs: 40, bandwidthKbps: 100_000_001 }]) {
    const refused = await trySend(api.tx.benchmarks.performanceBenchmarkResponse({ benchmark, measurements: chain.measurements(job, extreme) }), attestor);
    assert.equal(refused.error, 'benchmarks.ImplausibleMeasurement', JSON.stringify(extreme));
    assert.deepEqual(await snapshot(), before, `state changed after ${JSON.stringify(extreme)}`);
  }

  // The honest report is accepted.
  await send(api.tx.benchmarks.performanceBenchmarkResponse({ benchmark, measurements: chain.measurements(job, { latencyMs: 40, bandwidthKbps: 9_000 }) }), attestor);
  await waitForEvent('benchmarks', 'BenchmarkRecorded', (d) => num(d.benchmark) === benchmark, { from });
  assert.ok((await api.query.benchmarks.benchmarks(benchmark)).isNone);
  for (const name of hosters) {
    const measured = await rating(name);
    assert.equal(measured.latencyMs, 40, name);
    assert.equal(measured.bandwidthKbps, 9_000, name);
    assert.equal(measured.measuredBy, 1, name);
  }
});

test('grinding draws: pausing while attestors are drawn costs a failed try and a doubling backoff (MatchingAbandoned)', async () => {
  const from = seen.length;
  // Four hosters per contract where only three serve: the matching rule has no selection, so
  // the attestors' workers do not vote and each round stays open until the sponsor drops it.
  const input = await chain.planInput(core, { regions: ['u3'], hosters: 4, start: (await chain.head()) + 4 });
  const subscribed = await send(api.tx.plans.planSubscribe(input), 'sponsor');
  const plan = num((await waitForEvent('plans', 'PlanSubscribed', (d) => addr(d.sponsor) === people.sponsor.address, { from })).data.plan);
  let started = await waitForEvent('hosting', 'MatchingStarted', (d) => num(d.plan) === plan, { from });
  const contract = num(started.data.contract);
  await chain.afterCooldown(subscribed.block);

  for (const [attempts, backoff] of [[1, RETRY_BACKOFF], [2, 2 * RETRY_BACKOFF]]) {
    // A round is open; the sponsor, not liking the attestors drawn, pauses to drop them.
    assert.ok((await api.query.hosting.rounds(contract)).isSome, 'a round is open');
    const mark = seen.length;
    const paused = await send(api.tx.plans.planPause(plan), 'sponsor');
    const abandoned = await waitForEvent('hosting', 'MatchingAbandoned', (d) => num(d.contract) === contract, { from: mark });
    assert.equal(abandoned.block, paused.block);
    assert.equal(num(abandoned.data.plan), plan);
    assert.equal(num(abandoned.data.attempts), attempts);
    assert.ok((await api.query.hosting.rounds(contract)).isNone, 'the round is dropped');
    assert.equal(num((await api.query.hosting.contracts(contract)).unwrap().attempts), attempts, 'it counts as a failed try');
    const strikes = (await api.query.hosting.sponsorStrikes(people.sponsor.address)).unwrap();
    assert.equal(num(strikes.count), attempts);
    assert.equal(num(strikes.last), paused.block);

    await waitBlocks(CHANGE_COOLDOWN);
    const resumed = await send(api.tx.plans.planResume(plan), 'sponsor');
    // The next draw does come, but only after the backoff: RetryBackoff · 2^(attempts-1).
    started = await waitForEvent('hosting', 'MatchingStarted', (d) => num(d.contract) === contract, { from: mark, timeoutMs: 30_000 });
    assert.ok(started.block >= paused.block + backoff,
      `redrawn in block ${started.block}, ${started.block - paused.block} blocks after the abandonment (backoff ${backoff})`);
    assert.ok(started.block >= resumed.block + backoff,
      `redrawn in block ${started.block}, ${started.block - resumed.block} blocks after the resume (backoff ${backoff})`);
  }

  // Unsubscribing while attestors are drawn counts the same way; the plan ends.
  const mark = seen.length;
  await send(api.tx.plans.planUnsubscribe(plan), 'sponsor');
  const abandoned = await waitForEvent('hosting', 'MatchingAbandoned', (d) => num(d.contract) === contract, { from: mark });
  assert.equal(num(abandoned.data.attempts), 3);
  assert.equal(num((await api.query.hosting.sponsorStrikes(people.sponsor.address)).unwrap().count), 3);
  await waitForEvent('plans', 'EndPlan', (d) => num(d.plan) === plan, { from: mark });
});

/**
 * The entries of the calendar at `block` that concern `plan`'s end: its End jobs, and entries
 * whose job is gone (a cancelled job left behind). Other pallets' jobs may share the block.
 */
async function endEntries (plan, block) {
  const entries = [];
  for (const id of (await api.query.scheduler.calendar(block)).map(num)) {
    const scheduled = await api.query.scheduler.jobs(id);
    if (scheduled.isNone) {
      entries.push({ id, dangling: true });
    } else {
      const { job } = scheduled.unwrap();
      if (job.isPlans && job.asPlans.isEnd && num(job.asPlans.asEnd) === plan) entries.push({ id });
    }
  }
  return entries;
}

test('calendar jam: rapid plan updates are refused (ChangeTooSoon), cancelled ends leave the calendar, Critical is reserved', async () => {
  const head = await chain.head();
  const target = head + 150;
  const input = (priority) => chain.planInput(core, { regions: ['u3'], hosters: 2, start: head + 100, end: head + 200, priority });
  const storedPlan = async (id) => (await api.query.plans.plans(id)).unwrap();

  // Sponsors cannot take the priority kept for deadlines and repairs.
  const nextPlan = num(await api.query.plans.nextPlanId());
  const reserved = await trySend(api.tx.plans.planSubscribe(await input('Critical')), 'stranger');
  assert.equal(reserved.error, 'plans.ReservedPriority');
  assert.equal(num(await api.query.plans.nextPlanId()), nextPlan, 'no plan was created');

  const from = seen.length;
  const subscribed = await send(api.tx.plans.planSubscribe(await input('Normal')), 'stranger');
  const plan = num((await waitForEvent('plans', 'PlanSubscribed', (d) => addr(d.sponsor) === people.stranger.address, { from })).data.plan);
  const firstEnd = num((await storedPlan(plan)).endJob.unwrap());
  assert.deepEqual(await endEntries(plan, head + 200), [{ id: firstEnd }]);

  // Twenty updates to the same end block, one after another without waiting.
  await chain.afterCooldown(subscribed.block);
  const outcomes = [];
  for (let k = 0; k < 20; k++) {
    const { error, block } = await trySend(api.tx.plans.planUpdate(plan, { end: target, priority: null, minPerformance: null, upgrade: null }), 'stranger');
    outcomes.push({ error, block });
  }
  assert.equal(outcomes[0].error, null, 'the first update, after the cooldown, is accepted');
  let lastAccepted = null;
  for (const { error, block } of outcomes) {
    if (error === null) {
      if (lastAccepted !== null) assert.ok(block >= lastAccepted + CHANGE_COOLDOWN, `accepted in ${block}, after one in ${lastAccepted}`);
      lastAccepted = block;
    } else {
      assert.equal(error, 'plans.ChangeTooSoon');
      assert.ok(block < lastAccepted + CHANGE_COOLDOWN, `refused in ${block}, after an accepted one in ${lastAccepted}`);
    }
  }
  const refused = outcomes.filter((o) => o.error !== null).length;
  assert.ok(refused > 0, 'updates within the cooldown are refused');
  // Refused updates left no trace: the plan's last change is the last accepted one.
  let stored = await storedPlan(plan);
  assert.equal(num(stored.lastChange), lastAccepted);
  assert.equal(num(stored.end.unwrap()), target);
  assert.deepEqual(await endEntries(plan, head + 200), [], 'the first end was cancelled');
  assert.deepEqual(await endEntries(plan, target), [{ id: num(stored.endJob.unwrap()) }]);

  // Accepted updates, spaced by the cooldown, move the end back and forth.
  for (const end of [target + 1, target, target + 1]) {
    await waitBlocks(CHANGE_COOLDOWN);
    await send(api.tx.plans.planUpdate(plan, { end, priority: null, minPerformance: null, upgrade: null }), 'stranger');
  }
  stored = await storedPlan(plan);
  const endJob = num(stored.endJob.unwrap());
  assert.equal(num(stored.end.unwrap()), target + 1);
  const atTarget = await endEntries(plan, target);
  const afterTarget = await endEntries(plan, target + 1);
  assert.ok(atTarget.length <= 1 && afterTarget.length <= 1);
  assert.deepEqual(atTarget, [], 'no cancelled end remains at the target block');
  assert.deepEqual(afterTarget, [{ id: endJob }], 'exactly the live end is due');
  assert.equal(num((await api.query.scheduler.jobs(endJob)).unwrap().block.unwrap()), target + 1);

  // Critical is refused on update too, and changes nothing.
  await waitBlocks(CHANGE_COOLDOWN);
  const before = (await storedPlan(plan)).toJSON();
  const critical = await trySend(api.tx.plans.planUpdate(plan, { end: null, priority: 'Critical', minPerformance: null, upgrade: null }), 'stranger');
  assert.equal(critical.error, 'plans.ReservedPriority');
  assert.deepEqual((await storedPlan(plan)).toJSON(), before);
});
