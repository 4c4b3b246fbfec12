// The foundation: a dev node in fast mode answers polkadot.js, exposes its metadata and
// executes a balance transfer with the expected events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, connect, sendAndWait, waitForHead } from './lib/node.js';

let node;
let api;
let alice;
let bob;

before(async () => {
  await cryptoWaitReady();
  node = await startNode(['--dev', '--consensus', 'manual-seal-300']);
  api = await connect(node);
  const keyring = new Keyring({ type: 'sr25519' });
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
});

after(async () => {
  if (api) await api.disconnect();
  if (node) await node.stop();
});

test('the runtime identifies itself and its metadata lists the chain pallets', async () => {
  const version = api.runtimeVersion;
  assert.equal(version.specName.toString(), 'datdot');
  const pallets = api.runtimeMetadata.asLatest.pallets.map((p) => p.name.toString());
  for (const name of ['System', 'Timestamp', 'Babe', 'Grandpa', 'Balances', 'TransactionPayment', 'Sudo',
    'Accounts', 'Roles', 'Plans', 'Hosting', 'Proofs', 'Benchmarks', 'Scheduler']) {
    assert.ok(pallets.includes(name), `metadata lacks pallet ${name}: ${pallets.join(', ')}`);
  }
  // Consensus is BABE's: no Aura, and no collective-flip randomness.
  assert.ok(!pallets.includes('Aura') && !pallets.includes('RandomnessCollectiveFlip'), pallets.join(', '));
  assert.equal(api.registry.chainDecimals[0], 12);
  assert.equal(api.registry.chainTokens[0], 'DOTDOT');
  const chain = await api.rpc.system.chain();
  assert.equal(chain.toString(), 'DatDot Development');
});

test('blocks are produced and finalized in fast mode', async () => {
  const start = (await api.rpc.chain.getHeader()).number.toNumber();
  const head = await waitForHead((cb) => api.rpc.chain.subscribeFinalizedHeads(cb), (h) => h.number.toNumber() >= start + 2, 60_000);
  assert.ok(head.number.toNumber() >= start + 2);
});

test('fast-mode blocks carry BABE VRF slot claims, and the runtime draws from their output', async () => {
  const header = await api.rpc.chain.getHeader();
  const preRuntime = header.digest.logs.find((log) => log.isPreRuntime && log.asPreRuntime[0].toString() === 'BABE');
  assert.ok(preRuntime, 'no BABE pre-digest');
  const digest = api.createType('RawBabePreDigest', preRuntime.asPreRuntime[1]);
  assert.ok(digest.isPrimary || digest.isSecondaryVRF, `a ${digest.type} claim carries no VRF output`);
  // The parent block's VRF output, which DatDot's draws hash with their subject.
  const vrf = await api.query.babe.authorVrfRandomness();
  assert.ok(vrf.isSome, 'no VRF output recorded');
});

test('a transfer moves the funds and emits Transfer and ExtrinsicSuccess', async () => {
  const amount = 1_234_000_000_000n;
  const before = (await api.query.system.account(bob.address)).data.free.toBigInt();
  const { events, error } = await sendAndWait(api, api.tx.balances.transferKeepAlive(bob.address, amount), alice);
  assert.equal(error, null);
  const transfer = events.find(({ event }) => api.events.balances.Transfer.is(event));
  assert.ok(transfer, 'no Balances.Transfer event');
  assert.equal(transfer.event.data.from.toString(), alice.address);
  assert.equal(transfer.event.data.to.toString(), bob.address);
  assert.equal(transfer.event.data.amount.toBigInt(), amount);
  assert.ok(events.some(({ event }) => api.events.system.ExtrinsicSuccess.is(event)));
  assert.ok(events.some(({ event }) => api.events.transactionPayment.TransactionFeePaid.is(event)));
  const after = (await api.query.system.account(bob.address)).data.free.toBigInt();
  assert.equal(after - before, amount);
});

test('a transfer beyond the balance fails with a named error and moves nothing', async () => {
  const keyring = new Keyring({ type: 'sr25519' });
  const poor = keyring.addFromUri('//DatDotPoor');
  const { error } = await sendAndWait(api, api.tx.balances.transferKeepAlive(poor.address, 10n ** 12n), alice);
  assert.equal(error, null);
  const before = (await api.query.system.account(bob.address)).data.free.toBigInt();
  const result = await sendAndWait(api, api.tx.balances.transferAllowDeath(bob.address, 10n ** 15n), poor)
    .catch((err) => ({ error: err.message }));
  assert.match(String(result.error), /FundsUnavailable/, 'the overdraft was not refused for lack of funds');
  const after = (await api.query.system.account(bob.address)).data.free.toBigInt();
  assert.equal(after, before);
});
