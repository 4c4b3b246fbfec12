// `--chain local`: Alice and Bob, two BABE validators on loopback, author and finalize together.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, connect, waitForHead, waitFor } from './lib/node.js';

const nodes = [];
const apis = [];

after(async () => {
  for (const api of apis) await api.disconnect();
  for (const node of nodes) await node.stop();
});

test('two validators on loopback produce and finalize blocks together', { timeout: 300_000 }, async () => {
  // Validators of a non-dev chain need a fixed network key.
  const nodeKey = (n) => n.toString(16).padStart(64, '0');
  const alice = await startNode(['--chain', 'local', '--alice', '--validator', '--node-key', nodeKey(1)]);
  nodes.push(alice);
  const aliceApi = await connect(alice);
  apis.push(aliceApi);
  const aliceId = (await aliceApi.rpc.system.localPeerId()).toString();
  const bob = await startNode(['--chain', 'local', '--bob', '--validator', '--node-key', nodeKey(2),
    '--bootnodes', `/ip4/127.0.0.1/tcp/${alice.p2pPort}/p2p/${aliceId}`]);
  nodes.push(bob);

  const bobApi = await connect(bob);
  apis.push(bobApi);

  const health = await waitFor(async () => {
    const h = await bobApi.rpc.system.health();
    return h.peers.toNumber() >= 1 && h;
  }, { what: 'Bob to connect to Alice' });
  assert.ok(health.peers.toNumber() >= 1);

  // Both authorities must author. A BABE block names its author by index in its pre-runtime
  // digest: a primary VRF claim, or a secondary (VRF or plain) slot claim.
  const authorities = (await bobApi.query.babe.authorities()).map(([id]) => id.toString());
  assert.equal(authorities.length, 2);
  // Slot claims are random: scan finalized blocks as they come until each authority has one
  // (with both nodes up, each slot's secondary author is either one with equal chance).
  const authors = new Set();
  let scanned = 0;
  const finalizedNumber = await waitFor(async () => {
    const head = await bobApi.rpc.chain.getHeader(await bobApi.rpc.chain.getFinalizedHead());
    for (let n = scanned + 1; n <= head.number.toNumber(); n++) {
      const header = await bobApi.rpc.chain.getHeader(await bobApi.rpc.chain.getBlockHash(n));
      const preRuntime = header.digest.logs.find((log) => log.isPreRuntime && log.asPreRuntime[0].toString() === 'BABE');
      assert.ok(preRuntime, `block ${n} has no BABE digest`);
      const digest = bobApi.createType('RawBabePreDigest', preRuntime.asPreRuntime[1]);
      const claim = digest.isPrimary ? digest.asPrimary : digest.isSecondaryVRF ? digest.asSecondaryVRF : digest.asSecondaryPlain;
      authors.add(authorities[claim.authorityIndex.toNumber()]);
      scanned = n;
    }
    return scanned >= 3 && authors.size === 2 && scanned;
  }, { timeoutMs: 200_000, intervalMs: 2_000, what: 'finalized blocks by both validators' }).catch((e) => {
    assert.fail(`${e.message}; authors so far: ${[...authors].join(', ')} over ${scanned} blocks`);
  });
  assert.equal(authors.size, 2);

  const aliceFinal = await waitForHead((cb) => aliceApi.rpc.chain.subscribeFinalizedHeads(cb), (h) => h.number.toNumber() >= finalizedNumber, 60_000);
  const aliceHash = await aliceApi.rpc.chain.getBlockHash(finalizedNumber);
  const bobHash = await bobApi.rpc.chain.getBlockHash(finalizedNumber);
  assert.equal(aliceHash.toHex(), bobHash.toHex(), 'the two nodes finalized different blocks');
  assert.ok(aliceFinal.number.toNumber() >= 3);
});

test('datdot-node --dev authors with BABE every 6 s and GRANDPA finalizes', { timeout: 120_000 }, async () => {
  const dev = await startNode(['--dev']);
  nodes.push(dev);
  const api = await connect(dev);
  apis.push(api);
  const finalized = await waitForHead((cb) => api.rpc.chain.subscribeFinalizedHeads(cb), (h) => h.number.toNumber() >= 2, 90_000);
  assert.ok(finalized.number.toNumber() >= 2);
  // Six-second slots: consecutive blocks are about a slot apart (two if a slot was missed).
  const [one, two] = await Promise.all([1, 2].map(async (n) =>
    (await api.query.timestamp.now.at(await api.rpc.chain.getBlockHash(n))).toNumber()));
  assert.ok(two - one >= 5_000 && two - one < 13_000, `timestamps ${one} and ${two}`);
  const health = await api.rpc.system.health();
  assert.equal(health.isSyncing.isFalse, true);
});
