// Automatic matching on `datdot-node --dev` (fast mode): providers register from polkadot.js,
// attestors' operators put their keys in the node's keystore (author_insertKey) and tie them to
// their accounts (rolesSetAttestorKey); a sponsor subscribes a plan, and every contract reaches
// StartHosting with no further call: the attestors' off-chain workers vote the matching rule's
// selection (docs/MATCHING.md) as authorized transactions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { u8aToHex } from '@polkadot/util';
import { devChain, num, addr } from './lib/harness.js';

const chain = devChain();
const { people, seen, person, profile, send, waitForEvent } = chain;
let api;
const BLOCKS = Array.from({ length: 4 }, (_, i) => `matching block ${i} `.repeat(8));
/** Attestors with their own accounts and keys (not the dev accounts the dev keystore holds). */
const OPERATORS = [['o1', '//Operator1'], ['o2', '//Operator2'], ['o3', '//Operator3']];
const UNIT = 10n ** 12n;

before(async () => {
  api = await chain.start(['--dev', '--consensus', 'manual-seal-300']);
  for (const [name, uri] of [['sponsor', '//Alice'], ['h1', '//Bob'], ['h2', '//Charlie'], ['h3', '//Dave'],
    ['e1', '//Eve'], ['e2', '//Ferdie'], ['e3', '//Alice//stash'], ...OPERATORS]) {
    person(name, uri);
  }
  // The operators' accounts are new: the sponsor funds them.
  for (const [name] of OPERATORS) {
    await send(api.tx.balances.transferKeepAlive(people[name].address, 100n * UNIT), 'sponsor');
  }
  await Promise.all(Object.keys(people).map((name) => send(api.tx.accounts.accountCreate(profile(name)), name)));
  const form = (capacity) => ({
    regions: ['u33'], storage: 1n << 32n, bandwidthKbps: 10_000, capacity, availableFrom: 0, availableUntil: null
  });
  await Promise.all([
    ...['h1', 'h2', 'h3'].map((name) => send(api.tx.roles.rolesRegister('Hoster', form(4)), name)),
    ...['e1', 'e2', 'e3'].map((name) => send(api.tx.roles.rolesRegister('Encoder', form(4)), name)),
    ...OPERATORS.map(([name]) => send(api.tx.roles.rolesRegister('Attestor', form(8)), name))
  ]);
});

after(() => chain.stop());

test('an operator ties the attestor key its node holds to its account', async () => {
  for (const [name, uri] of OPERATORS) {
    const key = await chain.tieAttestorKey(name, uri);
    const tied = await waitForEvent('roles', 'AttestorKeySet', (d) => addr(d.who) === people[name].address);
    assert.equal(tied.data.key.toHex(), u8aToHex(key.publicKey));
    assert.equal((await api.query.roles.attestorKeyOwners(key.publicKey)).unwrap().toString(), people[name].address);
    assert.equal((await api.rpc.author.hasKey(u8aToHex(key.publicKey), 'dtat')).isTrue, true);
  }
  // Nobody can tie a key another account holds: the proof names the account.
  const [[first, uri]] = OPERATORS;
  const key = chain.people[first].derive('//attestor');
  const taken = await chain.trySend(api.tx.roles.rolesSetAttestorKey(key.publicKey, u8aToHex(new Uint8Array(64))), 'h1');
  assert.equal(taken.error, 'roles.AttestorKeyInUse', uri);
});

test('a subscribed plan reaches StartHosting for every contract with no further call', async () => {
  const core = await chain.hypercore(BLOCKS);
  const from = seen.length;
  // Two contracts of two hosters each.
  const plan = await chain.planInput(core, {
    ranges: [{ start: 0, end: 2 }, { start: 2, end: 4 }],
    regions: ['u3'],
    hosters: 2,
    start: (await chain.head()) + 2
  });
  const subscribed = await send(api.tx.plans.planSubscribe(plan), 'sponsor');
  const planId = num((await waitForEvent('plans', 'PlanSubscribed', (d) => addr(d.sponsor) === people.sponsor.address, { from })).data.plan);
  const contracts = (await api.query.hosting.planContracts(planId)).map(num);
  assert.equal(contracts.length, 2);
  const operators = new Set(OPERATORS.map(([name]) => people[name].address));
  for (const contract of contracts) {
    const started = await waitForEvent('hosting', 'MatchingStarted', (d) => num(d.contract) === contract, { from });
    const hosting = await waitForEvent('hosting', 'StartHosting', (d) => num(d.contract) === contract, { from });
    // A few blocks at most: the workers vote on the block that drew them.
    assert.ok(hosting.block - started.block <= 4, `matched ${hosting.block - started.block} blocks after the draw`);
    assert.ok(hosting.block - subscribed.block <= 8);
    // Two different attestors' votes made the quorum, each from its own key.
    const votes = seen.slice(from).filter((e) => e.section === 'hosting' && e.method === 'SelectionSubmitted' && num(e.data.contract) === contract);
    const voters = new Set(votes.map((e) => addr(e.data.attestor)));
    assert.ok(voters.size >= 2, `${voters.size} voters`);
    for (const voter of voters) assert.ok(operators.has(voter), `${voter} is not a drawn operator`);
    // The hosters and encoders are distinct registered providers of the region.
    const hosters = hosting.data.hosters.map((h) => chain.nameOf(h));
    const encoders = hosting.data.encoders.map((h) => chain.nameOf(h));
    assert.equal(new Set(hosters).size, 2);
    assert.ok(hosters.every((h) => ['h1', 'h2', 'h3'].includes(h)), hosters.join());
    assert.ok(encoders.every((e) => ['e1', 'e2', 'e3'].includes(e)), encoders.join());
    assert.ok((await api.query.hosting.rounds(contract)).isNone);
  }
  // Nobody paid for a vote: the operators' balances only moved for their own calls.
  for (const [name] of OPERATORS) {
    const paid = seen.slice(from).filter((e) => e.section === 'transactionPayment' && e.method === 'TransactionFeePaid' && addr(e.data.who) === people[name].address);
    assert.equal(paid.length, 0, `${name} paid a fee`);
  }
});
