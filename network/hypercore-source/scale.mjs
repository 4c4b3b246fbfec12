// The SCALE encoding of the few shapes the wire carries (parity-scale-codec's rules): fixed
// integers little-endian, vectors and byte strings prefixed with their compact length, arrays
// and structs as their fields in order.

/** One byte. */
export function u8 (n) {
  return Buffer.from([n]);
}

/** An unsigned 64-bit integer, little-endian. */
export function u64 (n) {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(BigInt(n));
  return out;
}

/** A compact unsigned integer (lengths). */
export function compact (n) {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a length: ${n}`);
  if (n < 1 << 6) return Buffer.from([n << 2]);
  if (n < 1 << 14) {
    const out = Buffer.alloc(2);
    out.writeUInt16LE((n << 2) | 1);
    return out;
  }
  if (n < 2 ** 30) {
    const out = Buffer.alloc(4);
    out.writeUInt32LE(n * 4 + 2);
    return out;
  }
  let rest = BigInt(n);
  const bytes = [];
  while (rest > 0n) {
    bytes.push(Number(rest & 0xffn));
    rest >>= 8n;
  }
  return Buffer.from([((bytes.length - 4) << 2) | 3, ...bytes]);
}

/** A byte string: its compact length, then the bytes. */
export function bytes (value) {
  return Buffer.concat([compact(value.byteLength), value]);
}

/** A vector: its compact length, then each item encoded by `encode`. */
export function vec (items, encode) {
  return Buffer.concat([compact(items.length), ...items.map(encode)]);
}

/** A Merkle tree node `{ index, size, hash }` (u64, u64, [u8; 32]). */
export function node ({ index, size, hash }) {
  if (hash.byteLength !== 32) throw new RangeError('a node hash is 32 bytes');
  return Buffer.concat([u64(index), u64(size), hash]);
}

/** The parts, one after another. */
export function concat (parts) {
  return Buffer.concat(parts);
}
