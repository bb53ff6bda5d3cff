// Undoes a snapshot delta (docs/protocol.md part C): the target's length, then runs of "keep
// `skip` bytes of the baseline, then XOR `n` literal bytes into it". The same format as
// arena_game::delta in Rust; test/delta.test.mjs holds this file to the vectors Rust writes.
//
// Everything malformed throws WireError: a delta cut short, a run past the end, an empty run,
// trailing bytes, an over-long varint, or a target above the limit. Nothing is allocated before
// the target's length is checked against the limit.

import { WireError, MAX_MESSAGE_BYTES, asBytes } from './wire.js';

/** Reads a LEB128 varint (at most 5 bytes, at most 2^32 - 1) at `at.i`, advancing it. */
function readVarint(bytes, at) {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (at.i >= bytes.length) throw new WireError('delta is truncated', at.i);
    const byte = bytes[at.i++];
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) {
      if (value > 0xffffffff) throw new WireError('delta has an over-long varint', at.i);
      return value;
    }
  }
  throw new WireError('delta has an over-long varint', at.i);
}

/**
 * The target `delta` makes of `base` (both ArrayBuffers or typed arrays), as a new Uint8Array
 * of at most `limit` bytes.
 */
export function applyDelta(base, delta, limit = MAX_MESSAGE_BYTES) {
  const b = asBytes(base);
  const d = asBytes(delta);
  const at = { i: 0 };
  const len = readVarint(d, at);
  if (len > limit) throw new WireError(`delta target of ${len} bytes exceeds the limit of ${limit}`);
  const out = new Uint8Array(len);
  out.set(b.subarray(0, Math.min(len, b.length)));
  let pos = 0;
  while (pos < len) {
    const skip = readVarint(d, at);
    const n = readVarint(d, at);
    if (skip === 0 && n === 0) throw new WireError('delta run is empty', at.i);
    const end = pos + skip + n;
    if (end > len) throw new WireError("delta run goes past the target's end", at.i);
    if (at.i + n > d.length) throw new WireError('delta is truncated', at.i);
    pos += skip;
    for (let k = 0; k < n; k++) out[pos + k] ^= d[at.i + k];
    at.i += n;
    pos = end;
  }
  if (at.i !== d.length) throw new WireError(`delta has ${d.length - at.i} trailing bytes`, at.i);
  return out;
}
