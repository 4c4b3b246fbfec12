// Three validator nodes on loopback (`--chain local`: Alice and Bob author, Charlie runs as a
// validator outside the authority set), each holding one attestor key: its own (`--alice`,
// `--bob`, `--charlie`). Alice, Bob and Charlie register as attestors; a plan's matching quorum
// forms from votes that could only come from different nodes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { u8aToHex } from '@polkadot/util';
import { startNode, connect, waitFor } from './lib/node.js';
import { devChain, num, addr } from './lib/harness.js';

const chain = devChain();
const { people, seen, person, profile, send, waitForEvent } = chain;
const others = []; // Bob's and Charlie's nodes and APIs
const BLOCKS = Array.from({ length: 2 }, (_, i) => `quorum block ${i} `.repeat(8));
const ATTESTORS = [['alice', '//Alice'], ['bob', '//Bob'], ['charlie', '//Charlie']];

/** Validators of a non-dev chain need a fixed network key. */
const nodeKey = (n) => n.toString(16).padStart(64, '0');

before(async () => {
  const api = await chain.start(['--chain', 'local', '--alice', '--validator', '--node-key', nodeKey(1)]);
  const aliceId = (await api.rpc.system.localPeerId()).toString();
  const bootnode = `/ip4/127.0.0.1/tcp/${chain.node.p2pPort}/p2p/${aliceId}`;
  for (const [flag, n] of [['--bob', 2], ['--charlie', 3]]) {
    const node = await startNode(['--chain', 'local', flag, '--validator', '--node-key', nodeKey(n), '--bootnodes', bootnode]);
    others.push({ node, api: await connect(node) });
  }
  await waitFor(async () => (await api.rpc.system.health()).peers.toNumber() >= 2, { what: 'Alice to see both peers', timeoutMs: 60_000 });
});

after(async () => {
  for (const { api, node } of others) {
    await api.disconnect();
    await node.stop();
  }
  await chain.stop();
});

test('each node holds one attestor key, and the quorum forms from different nodes', { timeout: 300_000 }, async () => {
  const api = chain.api;
  for (const [name, uri] of [...ATTESTORS, ['sponsor', '//Dave'], ['h1', '//Eve'], ['h2', '//Ferdie'],
    ['e1', '//Alice//stash'], ['e2', '//Bob//stash']]) {
    person(name, uri);
  }
  // Each node's keystore: its own attestor key, not the others'.
  const apis = [api, ...others.map((o) => o.api)];
  for (const [i, nodeApi] of apis.entries()) {
    for (const [j, [name]] of ATTESTORS.entries()) {
      const held = await nodeApi.rpc.author.hasKey(u8aToHex(people[name].publicKey), 'dtat');
      assert.equal(held.isTrue, i === j, `node ${i} and ${name}'s key`);
    }
  }

  await Promise.all(Object.keys(people).map((name) => send(api.tx.accounts.accountCreate(profile(name)), name)));
  const form = (capacity) => ({
    regions: ['u33'], storage: 1n << 32n, bandwidthKbps: 10_000, capacity, availableFrom: 0, availableUntil: null
  });
  await Promise.all([
    ...['h1', 'h2'].map((name) => send(api.tx.roles.rolesRegister('Hoster', form(2)), name)),
    ...['e1', 'e2'].map((name) => send(api.tx.roles.rolesRegister('Encoder', form(2)), name)),
    ...ATTESTORS.map(([name]) => send(api.tx.roles.rolesRegister('Attestor', form(2)), name))
  ]);

  const core = await chain.hypercore(BLOCKS);
  const from = seen.length;
  const plan = await chain.planInput(core, { regions: ['u3'], hosters: 2, start: (await chain.head()) + 1 });
  await send(api.tx.plans.planSubscribe(plan), 'sponsor');
  const started = await waitForEvent('hosting', 'MatchingStarted', () => true, { from, timeoutMs: 60_000 });
  const contract = num(started.data.contract);
  assert.deepEqual(started.data.attestors.map(addr).sort(), ATTESTORS.map(([name]) => people[name].address).sort());
  const hosting = await waitForEvent('hosting', 'StartHosting', (d) => num(d.contract) === contract, { from, timeoutMs: 90_000 });
  const votes = seen.slice(from).filter((e) => e.section === 'hosting' && e.method === 'SelectionSubmitted' && num(e.data.contract) === contract);
  const voters = new Set(votes.map((e) => chain.nameOf(e.data.attestor)));
  // Each vote is signed by an attestor key only one node holds: two voters, two nodes.
  assert.ok(voters.size >= 2, `voters: ${[...voters].join(', ')}`);
  assert.deepEqual(hosting.data.hosters.map((h) => chain.nameOf(h)).sort(), ['h1', 'h2']);
  // Bob's and Charlie's nodes imported the same outcome.
  for (const { api: other } of others) {
    await waitFor(async () => (await other.query.hosting.contracts(contract)).unwrap().status.toString() === 'SettingUp',
      { what: 'the other nodes to import StartHosting', timeoutMs: 30_000 });
  }
});
