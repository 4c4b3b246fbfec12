// A Hypercore made with the `hypercore` package, hosted on datdot-node under its own key with
// polkadot.js: subscribed with the tree its author signed, challenged and proven with the block
// proofs Hypercore itself makes, grown with Hypercore's upgrade proof, and ended when its key is
// shown to have signed two histories. These are the steps docs/API.md ("Hosting a Hypercore")
// walks through.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { nodeProof, pick, signedTree, signerOf, toChain, upgradeProof } from '../hypercore/lib/feed.js';
import { devChain, num, addr } from './lib/harness.js';

const chain = devChain();
const { people, seen, person, profile, send, trySend, waitForEvent } = chain;
let api;
const block = (i) => `hypercore block ${i} `.repeat(4);
const state = {}; // { core, plan, contract }

/** Every open challenge of the plan's contracts answered by each hoster with the core's proofs. */
async function answerAll (challenges, length) {
  for (const challenge of challenges) {
    const hoster = chain.nameOf(challenge.hoster);
    await send(api.tx.proofs.proofOfStorageResponse([await chain.answer(state.core, challenge, length)]), hoster);
    await waitForEvent('proofs', 'ProofAccepted', (d) => num(d.challenge) === num(challenge.challenge));
  }
}

/** Challenges `contract` now; returns the events' data, one per hoster. */
async function challenge (contract) {
  const from = seen.length;
  await send(api.tx.proofs.proofOfStorageRequest({ contract }), 'sponsor');
  const out = [];
  for (const name of ['h1', 'h2']) {
    out.push(await chain.waitForChallenge(
      (d) => addr(d.hoster) === people[name].address && num(d.contract) === contract, { from }));
  }
  return out;
}

/**
 * The attestors' off-chain workers match `contract` by themselves (the dev node holds their
 * keys): no call is needed until StartHosting. Then the setup attestor confirms both copies.
 */
async function activate (contract, from) {
  const hosting = await waitForEvent('hosting', 'StartHosting', (d) => num(d.contract) === contract, { from });
  const range = hosting.data.range.toJSON();
  const hosters = hosting.data.hosters.map((h) => chain.nameOf(h));
  assert.deepEqual([...hosters].sort(), ['h1', 'h2']);
  const results = await chain.setupResults(contract, hosters, state.core, range);
  await send(api.tx.hosting.hostingSetupReport({ contract, results }), chain.nameOf(hosting.data.attestor));
  await waitForEvent('hosting', 'HostingActive', (d) => num(d.contract) === contract, { from });
}

before(async () => {
  api = await chain.start(['--dev', '--consensus', 'manual-seal-300']);
  for (const [name, uri] of [['sponsor', '//Alice'], ['h1', '//Bob'], ['h2', '//Charlie'],
    ['e1', '//Eve'], ['e2', '//Ferdie'], ['a1', '//Bob//stash'], ['a2', '//Charlie//stash'],
    ['a3', '//Dave//stash'], ['a4', '//Eve//stash'], ['reporter', '//Ferdie//stash']]) {
    person(name, uri);
  }
  await Promise.all(Object.keys(people).map((name) => send(api.tx.accounts.accountCreate(profile(name)), name)));
  const form = (capacity) => ({
    regions: ['u33'], storage: 1n << 32n, bandwidthKbps: 10_000, capacity, availableFrom: 0, availableUntil: null
  });
  await Promise.all([
    ...['h1', 'h2'].map((name) => send(api.tx.roles.rolesRegister('Hoster', form(4)), name)),
    ...['e1', 'e2'].map((name) => send(api.tx.roles.rolesRegister('Encoder', form(4)), name)),
    ...['a1', 'a2', 'a3', 'a4'].map((name) => send(api.tx.roles.rolesRegister('Attestor', form(8)), name))
  ]);
});

after(() => chain.stop());

test('a Hypercore is hosted under its own key and proven with its own proofs', async () => {
  // What `new Hypercore(storage)` makes: the key is the hash of its default manifest.
  state.core = await chain.hypercore(Array.from({ length: 8 }, (_, i) => block(i)), { seed: 7 });
  const from = seen.length;
  const plan = await chain.planInput(state.core, { start: (await chain.head()) + 3 });
  assert.deepEqual(Object.keys(plan.feed.signer), ['DefaultManifest']);
  await send(api.tx.plans.planSubscribe(plan), 'sponsor');
  state.plan = num((await waitForEvent('plans', 'PlanSubscribed', (d) => addr(d.sponsor) === people.sponsor.address, { from })).data.plan);
  const stored = (await api.query.plans.plans(state.plan)).unwrap();
  assert.equal(stored.feed.key.toHex(), '0x' + state.core.key.toString('hex'));
  assert.equal(num(stored.feed.length), 8);

  const started = await waitForEvent('hosting', 'MatchingStarted', (d) => num(d.plan) === state.plan, { from });
  state.contract = num(started.data.contract);
  await activate(state.contract, from);

  const challenges = await challenge(state.contract);
  // A proof against another length than the plan's is refused and changes nothing.
  const [first] = challenges;
  const stale = { ...(await chain.answer(state.core, first, 8)), length: 7 };
  assert.equal((await trySend(api.tx.proofs.proofOfStorageResponse([stale]), chain.nameOf(first.hoster))).error, 'proofs.StaleFeed');
  await answerAll(challenges, 8);
  assert.equal(num((await api.query.roles.ratings(people.h1.address, 'u3')).challengesPassed), 1);
});

test('the feed grows: the plan moves to the new signed length and hosts the new blocks', async () => {
  await state.core.append([block(8), block(9), block(10)]);
  const upgrade = toChain(await upgradeProof(state.core, 8));
  const from = seen.length;
  const update = {
    end: null,
    priority: null,
    minPerformance: null,
    upgrade: { length: 11, nodes: upgrade.nodes, signature: upgrade.signature, ranges: [{ start: 8, end: 11 }] }
  };
  // Upgrade nodes for one length do not make the roots of another.
  const forged = { ...update, upgrade: { ...update.upgrade, length: 12 } };
  assert.equal((await trySend(api.tx.plans.planUpdate(state.plan, forged), 'sponsor')).error, 'plans.BadUpgradeProof');
  await send(api.tx.plans.planUpdate(state.plan, update), 'sponsor');
  const upgraded = await waitForEvent('plans', 'FeedUpgraded', (d) => num(d.plan) === state.plan, { from });
  // Event data is a tuple, whose own `length` hides the field: read it by position.
  const [, length, contracts] = upgraded.data;
  assert.equal(num(length), 11);
  assert.equal(num(contracts), 1);
  const stored = (await api.query.plans.plans(state.plan)).unwrap();
  assert.equal(num(stored.feed.length), 11);
  const tree = toChain(await signedTree(state.core));
  const held = (await api.query.plans.feedTrees(state.plan)).unwrap();
  assert.deepEqual(held.roots.toJSON().map((r) => r.hash), tree.roots.map((r) => r.hash));

  // The new range is matched and set up like any contract.
  const started = await waitForEvent('hosting', 'MatchingStarted', (d) => num(d.plan) === state.plan, { from });
  const contract = num(started.data.contract);
  assert.notEqual(contract, state.contract);
  await activate(contract, from);
  assert.deepEqual((await api.query.hosting.contracts(contract)).unwrap().range.toJSON(), { start: 8, end: 11 });
  await answerAll(await challenge(contract), 11);
  // The first contract's blocks are proven against the new length now: Hypercore's proofs
  // against the old signed length are refused, and change nothing.
  await chain.waitBlocks(10); // RequestCooldown
  const challenges = await challenge(state.contract);
  for (const open of challenges) {
    const old = await chain.answer(state.core, open, 8);
    const refused = await trySend(api.tx.proofs.proofOfStorageResponse([old]), chain.nameOf(open.hoster));
    assert.equal(refused.error, 'proofs.StaleFeed');
    assert.ok((await api.query.proofs.challenges(num(open.challenge))).isSome, 'the challenge is still open');
  }
  await answerAll(challenges, 11);
});

test('a key that signed two histories ends its plans (FeedForked)', async () => {
  // The same key pair signs another history of the same length and fork.
  const other = await chain.hypercore(Array.from({ length: 11 }, (_, i) => `another ${i}`), { seed: 7 });
  assert.ok(other.key.equals(state.core.key));
  const [a, b] = [toChain(await signedTree(state.core)), toChain(await signedTree(other))];
  const feed = { key: a.key, signer: a.signer };
  const tree = ({ length, fork, roots, signature }) => ({ length, fork, roots, signature });
  assert.equal((await trySend(api.tx.plans.feedForkReport(feed, tree(a), tree(a), null), 'reporter')).error, 'plans.NotConflicting');
  const from = seen.length;
  await send(api.tx.plans.feedForkReport(feed, tree(a), tree(b), null), 'reporter');
  const forked = await waitForEvent('plans', 'FeedForked', () => true, { from });
  assert.equal(forked.data.key.toHex(), a.key);
  assert.equal(num(forked.data.plans), 1);
  const ended = await waitForEvent('plans', 'EndPlan', (d) => num(d.plan) === state.plan, { from });
  assert.equal(ended.data.reason.toString(), 'FeedForked');
  const again = await trySend(api.tx.plans.planSubscribe(await chain.planInput(state.core, { start: (await chain.head()) + 3 })), 'sponsor');
  assert.equal(again.error, 'plans.FeedForked');
});

test('a shorter signed tree contradicted by a node proof in the longer one shows a fork', async () => {
  // Three cores under one key pair (seed 9), no plan: the first signed 3 blocks; the second
  // grew from them honestly to 5; the third signed 5 other blocks.
  const blocks = (tag, n) => Array.from({ length: n }, (_, i) => `${tag} ${i}`);
  const short = await chain.hypercore(blocks('first', 3), { seed: 9 });
  const grown = await chain.hypercore(blocks('first', 5), { seed: 9 });
  const other = await chain.hypercore(blocks('other', 5), { seed: 9 });
  assert.ok(grown.key.equals(short.key) && other.key.equals(short.key));
  const tree = async (core) => toChain(pick(await signedTree(core), 'length', 'fork', 'roots', 'signature'));
  const [a, b, c] = [await tree(short), await tree(grown), await tree(other)];
  const feed = toChain({ key: short.key, signer: signerOf(short) });
  // The shorter tree's first root (node 1: blocks 0 and 1), as the longer tree holds it.
  assert.equal(a.roots[0].index, 1);
  const proofIn = async (core) => toChain(pick(await nodeProof(core, 1, 5), 'fork', 'index', 'nodes'));

  const report = (second, proof) => trySend(api.tx.plans.feedForkReport(feed, a, second, proof), 'reporter');
  // Trees of two lengths need a proof; an honest growth does not conflict.
  assert.equal((await report(c, null)).error, 'plans.ForkProofRequired');
  assert.equal((await report(b, await proofIn(grown))).error, 'plans.NotConflicting');
  const from = seen.length;
  const { error } = await report(c, await proofIn(other));
  assert.equal(error, null);
  const forked = await waitForEvent('plans', 'FeedForked', (d) => d.key.toHex() === feed.key, { from });
  assert.equal(num(forked.data.fork), 0);
  assert.equal(num(forked.data.plans), 0);
  assert.equal(addr(forked.data.reporter), people.reporter.address);
  // Once is enough.
  assert.equal((await report(c, await proofIn(other))).error, 'plans.FeedForked');
});

test('a compat core (its key is its public key) is hosted too', async () => {
  const compat = await chain.hypercore([block(0), block(1), block(2)], { seed: 8, compat: true });
  const from = seen.length;
  const plan = await chain.planInput(compat, { start: (await chain.head()) + 3 });
  assert.equal(plan.feed.signer, 'Compat');
  await send(api.tx.plans.planSubscribe(plan), 'sponsor');
  const subscribed = await waitForEvent('plans', 'PlanSubscribed', (d) => addr(d.sponsor) === people.sponsor.address, { from });
  const stored = (await api.query.plans.plans(num(subscribed.data.plan))).unwrap();
  assert.equal(stored.feed.key.toHex(), '0x' + compat.key.toString('hex'));
  assert.equal(stored.feed.signer.toString(), 'Compat');
});
