// The off-chain statements the chain checks (`datdot_primitives::signing`). Every signed
// message is the SCALE encoding of (tag: bytes, genesis: bytes, subject):
//   compactAddLength(tag) ‖ compactAddLength(genesis hash) ‖ subject
// so a signature holds for one kind of statement, on one chain, about one subject only.
import { bnToU8a, compactAddLength, stringToU8a, u8aConcat } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';

/** A hoster's statement that it holds its copy of a contract's range. */
export const SETUP_TAG = 'datdot/setup/v1';
/** A hoster's statement that an attestor reached it for a benchmark. */
export const CONTACT_TAG = 'datdot/contact/v1';
/** An account's proof that it holds the private half of its signing key. */
export const KEY_TAG = 'datdot/key/v1';

/** SCALE u32 / u64: little endian, fixed width. */
export const u32le = (n) => bnToU8a(n, { bitLength: 32, isLe: true });
export const u64le = (n) => bnToU8a(n, { bitLength: 64, isLe: true });
/** An AccountId32: the 32 bytes of an address, a public key or an AccountId codec. */
export const accountId = (who) => decodeAddress(who);

/** The bytes a signer signs for statement `tag` about `subject` (bytes) on `api`'s chain. */
export function signingPayload (api, tag, subject) {
  return u8aConcat(compactAddLength(stringToU8a(tag)), compactAddLength(api.genesisHash.toU8a()), subject);
}

/**
 * SETUP: contract (u64) ‖ hoster (32) ‖ feed key (32) ‖ range.start (u32) ‖ range.end (u32) ‖
 * commitment to the hoster's encoded copy (32).
 */
export function setupPayload (api, contract, hoster, feedKey, range, commitment) {
  return signingPayload(api, SETUP_TAG,
    u8aConcat(u64le(contract), accountId(hoster), feedKey, u32le(range.start), u32le(range.end), commitment));
}

/** CONTACT: benchmark (u64) ‖ contract (u64) ‖ attestor (32) ‖ hoster (32). */
export function contactPayload (api, benchmark, contract, attestor, hoster) {
  return signingPayload(api, CONTACT_TAG,
    u8aConcat(u64le(benchmark), u64le(contract), accountId(attestor), accountId(hoster)));
}

/** KEY: the calling account (32) ‖ its ed25519 signing key (32). */
export function keyPayload (api, who, signingKey) {
  return signingPayload(api, KEY_TAG, u8aConcat(accountId(who), signingKey));
}

/** An account's proof that it holds the attestor key it ties to itself (`rolesSetAttestorKey`). */
export const ATTESTOR_KEY_TAG = 'datdot/attestor-key/v1';

/** ATTESTOR-KEY: the calling account (32) ‖ its sr25519 attestor key (32). */
export function attestorKeyPayload (api, who, key) {
  return signingPayload(api, ATTESTOR_KEY_TAG, u8aConcat(accountId(who), key));
}
