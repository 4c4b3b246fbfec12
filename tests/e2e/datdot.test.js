// DatDot's public API over RPC: every one of the 15 calls is sent from polkadot.js and every
// one of the 8 events is observed, following the flows of the SPEC on one dev chain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sendAndWait } from './lib/node.js';
import { devChain, num, addr, CHANGE_COOLDOWN } from './lib/harness.js';

const chain = devChain();
const { people, off, seen, person, profile, send, waitForEvent, waitBlocks } = chain;
let api;
/** The feed's blocks: the test feed is a real Hypercore holding them. */
const BLOCKS = Array.from({ length: 8 }, (_, i) => `datdot block ${i} `.repeat(8));

before(async () => {
  // Without off-chain workers: the attestors here vote from polkadot.js (`submitMatching`), as
  // attestor software outside the node does; the other suites let the workers vote.
  api = await chain.start(['--dev', '--consensus', 'manual-seal-300', '--offchain-worker', 'never']);
  person('sponsor', '//Alice');
  for (const [name, uri] of [['h1', '//Bob'], ['h2', '//Charlie'], ['h3', '//Dave'],
    ['e1', '//Eve'], ['e2', '//Ferdie'], ['e3', '//Alice//stash'],
    ['a1', '//Bob//stash'], ['a2', '//Charlie//stash'], ['a3', '//Dave//stash'], ['a4', '//Eve//stash'],
    ['temp', '//Ferdie//stash']]) {
    person(name, uri);
  }
});

after(() => chain.stop());

test('Accounts: create, update and delete an account', async () => {
  for (const name of Object.keys(people)) {
    await send(api.tx.accounts.accountCreate(profile(name)), name);
  }
  await waitForEvent('accounts', 'AccountCreated', (d) => addr(d.who) === people.temp.address);
  await send(api.tx.accounts.accountUpdate(profile('temp', 'gcpvj')), 'temp');
  const updated = await waitForEvent('accounts', 'AccountUpdated', (d) => addr(d.who) === people.temp.address);
  assert.equal(updated.data.location.toUtf8(), 'gcpvj');
  const stored = (await api.query.accounts.accounts(people.temp.address)).unwrap();
  assert.equal(stored.location.toUtf8(), 'gcpvj');
  await send(api.tx.accounts.accountDelete(), 'temp');
  await waitForEvent('accounts', 'AccountDeleted', (d) => addr(d.who) === people.temp.address);
  assert.ok((await api.query.accounts.accounts(people.temp.address)).isNone);
  // A bad location is refused with a named error.
  const bad = await sendAndWait(api, api.tx.accounts.accountCreate(profile('temp', 'atlantis')), people.temp);
  assert.equal(bad.error, 'accounts.InvalidLocation');
  // So is a signing key without a proof for this account: the sponsor's key and its proof,
  // which names the sponsor's account, cannot be registered by anyone else.
  const borrowed = { ...profile('temp'), signingKey: off.sponsor.publicKey, keyProof: chain.keyProof('sponsor') };
  const stolen = await sendAndWait(api, api.tx.accounts.accountCreate(borrowed), people.temp);
  assert.equal(stolen.error, 'accounts.BadKeyProof');
  assert.ok((await api.query.accounts.accounts(people.temp.address)).isNone);
});

test('Roles: providers register for their roles', async () => {
  const form = (capacity) => ({
    regions: ['u33'], storage: 1n << 32n, bandwidthKbps: 10_000, capacity, availableFrom: 0, availableUntil: null
  });
  for (const name of ['h1', 'h2', 'h3']) await send(api.tx.roles.rolesRegister('Hoster', form(2)), name);
  for (const name of ['e1', 'e2', 'e3']) await send(api.tx.roles.rolesRegister('Encoder', form(2)), name);
  for (const name of ['a1', 'a2', 'a3', 'a4']) await send(api.tx.roles.rolesRegister('Attestor', form(4)), name);
  await waitForEvent('roles', 'RoleRegistered', (d) => addr(d.who) === people.a4.address);
  assert.equal(num(await api.query.roles.poolSize(['Hoster', 'u3'])), 3);
  assert.equal(num(await api.query.roles.poolSize(['Attestor', 'u33'])), 4);
});

const state = {};

test('Plans, Hosting: a plan is matched by an attestor quorum and set up (StartHosting)', async () => {
  // The feed is a Hypercore, hosted under its own key with the tree its author signed.
  const core = await chain.hypercore(BLOCKS);
  const length = core.length;
  const head = await chain.head();
  const plan = await chain.planInput(core, {
    ranges: [{ start: 0, end: length }],
    regions: ['u3'],
    hosters: 2,
    start: head + 3,
    end: null,
    priority: 'Normal'
  });
  const from = seen.length;
  await send(api.tx.plans.planSubscribe(plan), 'sponsor');
  const subscribed = await waitForEvent('plans', 'PlanSubscribed', (d) => addr(d.sponsor) === people.sponsor.address, { from });
  state.plan = num(subscribed.data.plan);
  state.core = core;

  const started = await waitForEvent('hosting', 'MatchingStarted', (d) => num(d.plan) === state.plan, { from });
  state.contract = num(started.data.contract);
  const attestors = started.data.attestors.map(addr);
  // The matching rule gives one selection for the round's seed and the chain's state; the
  // runtime API tells it. Any other selection is refused, even from every drawn attestor.
  const rule = (await api.call.hostingApi.ruleSelection(state.contract)).unwrap().toJSON();
  const swapped = { hosters: [...rule.hosters].reverse(), encoders: rule.encoders };
  for (const attestor of attestors) {
    const refused = await sendAndWait(api, api.tx.hosting.submitMatching(state.contract, swapped), people[chain.nameOf(attestor)]);
    assert.equal(refused.error, 'hosting.NotRuleSelection');
  }
  for (const attestor of attestors.slice(0, 2)) {
    await send(api.tx.hosting.submitMatching(state.contract, rule), chain.nameOf(attestor));
  }
  const hosting = await waitForEvent('hosting', 'StartHosting', (d) => num(d.contract) === state.contract, { from });
  assert.deepEqual(hosting.data.hosters.map(addr), rule.hosters);
  assert.deepEqual(hosting.data.encoders.map(addr), rule.encoders);
  assert.deepEqual(hosting.data.range.toJSON(), { start: 0, end: length });
  state.setupAttestor = chain.nameOf(hosting.data.attestor);
  state.hosters = rule.hosters.map((h) => chain.nameOf(h));

  // Each hoster signs the SETUP statement: this contract, itself, the feed key, the range and
  // the commitment to its encoded copy.
  const results = await chain.setupResults(state.contract, state.hosters, core, { start: 0, end: length });
  await send(api.tx.hosting.hostingSetupReport({ contract: state.contract, results }), state.setupAttestor);
  await waitForEvent('hosting', 'HostingActive', (d) => num(d.contract) === state.contract, { from });
  const contract = (await api.query.hosting.contracts(state.contract)).unwrap();
  assert.equal(contract.status.toString(), 'Active');
});

test('Proofs: a challenge is answered with Hypercore block proofs (ProvideProofOfStorage)', async () => {
  const from = seen.length;
  await send(api.tx.proofs.proofOfStorageRequest({ contract: state.contract }), 'sponsor');
  for (const name of state.hosters) {
    const challenge = await chain.waitForChallenge((d) => addr(d.hoster) === people[name].address && num(d.contract) === state.contract, { from });
    const answer = await chain.answer(state.core, challenge, state.core.length);
    // A tampered block is refused with a named error; the honest answer is accepted.
    const first = answer.chunks[0];
    const flipped = first.encoded.slice(0, -2) + (first.encoded.endsWith('00') ? '01' : '00');
    const tampered = { ...answer, chunks: [{ ...first, encoded: flipped }, ...answer.chunks.slice(1)] };
    const refused = await sendAndWait(api, api.tx.proofs.proofOfStorageResponse([tampered]), people[name]);
    assert.equal(refused.error, 'proofs.NotInCopy');
    await send(api.tx.proofs.proofOfStorageResponse([answer]), name);
    await waitForEvent('proofs', 'ProofAccepted', (d) => num(d.challenge) === num(challenge.challenge), { from });
  }
  const rating = await api.query.roles.ratings(people[state.hosters[0]].address, 'u3');
  assert.equal(num(rating.challengesPassed), 1);
});

test('Benchmarks: an attestor measures the hosters with proofs of contact (ProvidePerformanceBenchmark)', async () => {
  const from = seen.length;
  await send(api.tx.benchmarks.performanceBenchmarkRequest({ contract: state.contract }), 'sponsor');
  const job = await chain.waitForBenchmark((d) => num(d.contract) === state.contract, { from });
  const benchmark = num(job.benchmark);
  // Each hoster's proof of contact is its signature over the CONTACT statement: this
  // benchmark, this contract, this attestor and itself.
  const measurements = chain.measurements(job, { latencyMs: 42, bandwidthKbps: 9_000 });
  await send(api.tx.benchmarks.performanceBenchmarkResponse({ benchmark, measurements }), chain.nameOf(job.attestor));
  await waitForEvent('benchmarks', 'BenchmarkRecorded', (d) => num(d.benchmark) === benchmark, { from });
  // Counted for the region the attestor was drawn for: the contract's position region, u3.
  // Quality is the median of the recent samples, here of one.
  const rating = await api.query.roles.ratings(people[state.hosters[0]].address, 'u3');
  assert.equal(num(rating.latencyMs), 42);
  assert.equal(num(rating.measuredBy), 1);
});

test('Roles, Hosting: a busy hoster leaves and its position is repaired (RepairHosting)', async () => {
  const from = seen.length;
  const [leaving] = state.hosters;
  const spare = ['h1', 'h2', 'h3'].find((name) => !state.hosters.includes(name));
  await send(api.tx.roles.rolesUnregister('Hoster'), leaving);
  const repair = await waitForEvent('hosting', 'RepairHosting', (d) => num(d.contract) === state.contract, { from });
  const hosterRepair = repair.data.repairs.toJSON().find((r) => r.role === 'Hoster');
  assert.equal(hosterRepair.previous, people[leaving].address);
  assert.equal(hosterRepair.replacement, people[spare].address);
  const left = await waitForEvent('roles', 'RoleUnregistered', (d) => addr(d.who) === people[leaving].address, { from });
  assert.equal(num(left.data.handedOver), 1);
  state.remaining = ['h1', 'h2', 'h3'].filter((name) => name !== leaving);
});

test('Plans: update, pause and resume a plan (PausePlan, ResumePlan)', async () => {
  const from = seen.length;
  const head = await chain.head();
  await send(api.tx.plans.planUpdate(state.plan, { end: head + 10_000, priority: 'High', minPerformance: null, upgrade: null }), 'sponsor');
  await waitForEvent('plans', 'PlanUpdated', (d) => num(d.plan) === state.plan, { from });
  // Changes of one plan are at least ChangeCooldown blocks apart.
  await waitBlocks(CHANGE_COOLDOWN);
  await send(api.tx.plans.planPause(state.plan), 'sponsor');
  await waitForEvent('plans', 'PausePlan', (d) => num(d.plan) === state.plan, { from });
  assert.equal((await api.query.plans.plans(state.plan)).unwrap().paused.isTrue, true);
  await waitBlocks(CHANGE_COOLDOWN);
  await send(api.tx.plans.planResume(state.plan), 'sponsor');
  await waitForEvent('plans', 'ResumePlan', (d) => num(d.plan) === state.plan, { from });
  // Only the sponsor may pause.
  const stranger = await sendAndWait(api, api.tx.plans.planPause(state.plan), people.e2);
  assert.equal(stranger.error, 'plans.NotSponsor');
});

test('Plans, Hosting: unsubscribing ends the contracts and the plan (EndHosting, EndPlan)', async () => {
  const from = seen.length;
  await send(api.tx.plans.planUnsubscribe(state.plan), 'sponsor');
  const ended = await waitForEvent('hosting', 'EndHosting', (d) => num(d.contract) === state.contract, { from });
  assert.equal(ended.data.reason.toString(), 'Unsubscribed');
  const end = await waitForEvent('plans', 'EndPlan', (d) => num(d.plan) === state.plan, { from });
  assert.equal(end.data.reason.toString(), 'Unsubscribed');
  assert.ok((await api.query.hosting.contracts(state.contract)).isNone);
  // Every provider is free again.
  for (const name of state.remaining) {
    const provider = (await api.query.roles.providers(people[name].address, 'Hoster')).unwrap();
    assert.equal(num(provider.booked), 0, name);
  }
});

test('all eight DatDot events were observed over RPC', () => {
  const expected = [['hosting', 'StartHosting'], ['hosting', 'RepairHosting'], ['hosting', 'EndHosting'],
    ['proofs', 'ProvideProofOfStorage'], ['benchmarks', 'ProvidePerformanceBenchmark'],
    ['plans', 'PausePlan'], ['plans', 'ResumePlan'], ['plans', 'EndPlan']];
  for (const [section, method] of expected) {
    assert.ok(seen.some((e) => e.section === section && e.method === method), `${section}.${method} was not seen`);
  }
});
