// Signed transactions made fast, for load generators: polkadot.js spends a millisecond or two of
// JavaScript on every `signAsync`, which on this 2-core machine would limit the load more than
// the node does. Here the bytes of an immortal transaction are put together by hand, with
// `check()` comparing them once with what polkadot.js makes.
//
// A signed extrinsic (version 4):
//   compact(length) ‖ 0x84 ‖ MultiAddress::Id(signer) ‖ MultiSignature ‖ extra ‖ call
//   extra   = era (0x00: immortal) ‖ compact(nonce) ‖ compact(tip)
//   signed  = call ‖ extra ‖ spec version (u32) ‖ transaction version (u32) ‖ genesis ‖ genesis
//             (the era's block hash: the genesis for an immortal one), hashed with BLAKE2-256 when
//             longer than 256 bytes
// which is what the runtime's transaction extensions ask for (`runtime/src/lib.rs`: only
// `CheckEra`, `CheckNonce` and `ChargeTransactionPayment` carry explicit data; spec and
// transaction version, genesis and era add implicit data).
import assert from 'node:assert/strict';
import { compactAddLength, compactToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, decodeAddress } from '@polkadot/util-crypto';
import { u32le } from './signing.js';

const SIGNATURE_TYPE = { ed25519: 0, sr25519: 1, ecdsa: 2 };

/** What every transaction of the chain signs after its call and extra. */
function implicit (api) {
  const genesis = api.genesisHash.toU8a();
  return u8aConcat(u32le(api.runtimeVersion.specVersion.toNumber()),
    u32le(api.runtimeVersion.transactionVersion.toNumber()), genesis, genesis);
}

const extra = (nonce) => u8aConcat(new Uint8Array([0]), compactToU8a(nonce), compactToU8a(0));

/**
 * A maker of signed, immortal, tip-free transactions of `call` (a polkadot.js call or
 * submittable) by `pair` (a keyring pair): `(nonce) => hex`.
 */
export function signer (api, pair, call) {
  const method = (call.method || call).toU8a();
  const after = implicit(api);
  const head = u8aConcat(new Uint8Array([0x84, 0]), decodeAddress(pair.address), new Uint8Array([SIGNATURE_TYPE[pair.type]]));
  return (nonce) => {
    const ext = extra(nonce);
    let payload = u8aConcat(method, ext, after);
    if (payload.length > 256) payload = blake2AsU8a(payload, 256);
    return u8aToHex(compactAddLength(u8aConcat(head, pair.sign(payload), ext, method)));
  };
}

/** Checks `signer` against polkadot.js on one transaction: the same signed bytes and fields. */
export function check (api, pair, call) {
  const nonce = 300; // a two-byte compact
  const options = {
    blockHash: api.genesisHash,
    era: 0,
    genesisHash: api.genesisHash,
    nonce,
    runtimeVersion: api.runtimeVersion,
    signedExtensions: api.registry.signedExtensions,
    version: 4
  };
  const payload = api.createType('ExtrinsicPayload', { method: call.method.toHex(), ...options,
    specVersion: api.runtimeVersion.specVersion, transactionVersion: api.runtimeVersion.transactionVersion }, { version: 4 });
  const ours = u8aConcat(call.method.toU8a(), extra(nonce), implicit(api));
  assert.equal(u8aToHex(payload.toU8a({ method: true })), u8aToHex(ours), 'the signed payload differs from polkadot.js');
  const decoded = api.createType('Extrinsic', signer(api, pair, call)(nonce));
  assert.ok(decoded.isSigned);
  assert.equal(decoded.signer.toString(), pair.address);
  assert.equal(decoded.nonce.toNumber(), nonce);
  assert.ok(decoded.era.isImmortalEra && decoded.tip.toString() === '0');
  assert.equal(decoded.method.toHex(), call.method.toHex());
}
