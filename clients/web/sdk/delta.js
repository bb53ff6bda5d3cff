// Snapshot deltas, the client's side. `applyDelta` undoes one delta (docs/protocol.md part C),
// the same format as arena_game::delta in Rust (game/core/src/delta.rs, the source of truth):
//
//   delta = len:varint  run*  xor{popcount(mask)}   -- len: the target's length in bytes
//   run   = skip:varint  n:varint  byte{n}           -- over the mask's ceil(len / 8) bytes
//
// The baseline is read as if cut or zero-padded to `len`. The mask has one bit per target byte
// (bit i % 8 of mask byte i / 8), set where the target differs from the baseline; it is sent as
// runs, from mask byte 0: keep `skip` mask bytes zero, then `n` mask bytes as they are, until the
// mask is complete (none when `len` is 0). Then, for every set bit in order, one byte: the
// target's byte XOR the baseline's. Everything malformed throws WireError with the message of
// Rust's DeltaError: a delta cut short ("delta is truncated"), a run past the mask's end, a run
// that moves nothing (skip = n = 0) or a bit set past `len` ("delta run goes past the target's
// end"), bytes left over, an over-long varint, or a target above the limit. Nothing is allocated
// before the target's length is checked against the limit.
//
// `Rebuilder` is the same logic as arena_game::rebuild::Rebuilder (game/core/src/rebuild.rs): it
// keeps the views of the snapshots a connection received within the last DELTA_WINDOW ticks and
// turns each ServerMsg Delta back into the whole Snapshot it stands for. test/delta.test.mjs
// holds both to the vectors and the message stream Rust writes (test/fixtures/delta.json).

import { WireError, MAX_MESSAGE_BYTES, asBytes } from './wire.js';
import { DELTA_WINDOW } from './protocol.js';

/** Largest u64, where a rebuilt server_time_us saturates (as Rust's saturating_add). */
const U64_MAX = 0xffffffffffffffffn;

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
 * of at most `limit` bytes. The checks, and so which error a malformed delta gets, come in the
 * order arena_game::delta::apply makes them.
 */
export function applyDelta(base, delta, limit = MAX_MESSAGE_BYTES) {
  const b = asBytes(base);
  const d = asBytes(delta);
  const at = { i: 0 };
  const len = readVarint(d, at);
  if (len > limit) throw new WireError(`delta target of ${len} bytes exceeds the limit of ${limit}`);
  const out = new Uint8Array(len);
  out.set(b.subarray(0, Math.min(len, b.length)));
  const mlen = Math.ceil(len / 8);
  // First the runs, all of them: where each one's mask bytes start in the mask and in `d`. The
  // changed bytes follow the last run.
  const runs = [];
  let pos = 0;
  while (pos < mlen) {
    const skip = readVarint(d, at);
    const n = readVarint(d, at);
    // A run that moves nothing could only repeat forever.
    if (skip === 0 && n === 0) throw new WireError("delta run goes past the target's end", at.i);
    const end = pos + skip + n; // exact: each term is below 2^32
    if (end > mlen) throw new WireError("delta run goes past the target's end", at.i);
    if (at.i + n > d.length) throw new WireError('delta is truncated', at.i);
    runs.push(pos + skip, at.i, n);
    at.i += n;
    pos = end;
  }
  // Then one changed byte for every set bit, in order.
  for (let r = 0; r < runs.length; r += 3) {
    const first = runs[r];
    const from = runs[r + 1];
    const n = runs[r + 2];
    for (let k = 0; k < n; k++) {
      const bits = d[from + k];
      if (bits === 0) continue;
      const byte = (first + k) * 8;
      for (let bit = 0; bit < 8; bit++) {
        if ((bits & (1 << bit)) === 0) continue;
        const i = byte + bit;
        if (i >= len) throw new WireError("delta run goes past the target's end", from + k);
        if (at.i >= d.length) throw new WireError('delta is truncated', at.i);
        out[i] ^= d[at.i++];
      }
    }
  }
  if (at.i !== d.length) throw new WireError(`delta has ${d.length - at.i} trailing bytes`, at.i);
  return out;
}

/**
 * FNV-1a (32 bits) of a view's bytes: what a Delta's `check` holds (arena_game::view_checksum).
 * Not a defence against tampering, only a way to notice a view that drifted.
 */
export function viewChecksum(bytes) {
  let h = 0x811c9dc5;
  for (const b of asBytes(bytes)) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

/**
 * A delta this client cannot turn into a snapshot; the connection closes with 1007. `kind` is
 * 'missing_baseline' (no view held for the baseline tick), 'bad_back' (back is 0 or not below
 * DELTA_WINDOW) or 'malformed' (the delta's bytes do not apply); `tick` is the delta's.
 */
export class RebuildError extends WireError {
  constructor(kind, tick, message) {
    super(message);
    this.name = 'RebuildError';
    this.kind = kind;
    this.tick = tick;
  }
}

/**
 * Rebuilds whole snapshots from keyframes and deltas, for one connection (a new connection,
 * resumed or not, starts with a new Rebuilder: the server opens every connection with a keyframe).
 *
 * `accept(msg)` takes every decoded server message in order and returns what became of it:
 * - `{kind: 'snapshot', snapshot}`: a whole Snapshot message `{type: 'Snapshot', tick,
 *   server_time_us, phase, view, ack}`, a keyframe as it came or a delta rebuilt;
 * - `{kind: 'other', msg}`: any other message, untouched;
 * - `{kind: 'resync'}`: the rebuilt view disagreed with the delta's check; every held view is
 *   dropped and the client must send ClientMsg Resync; nothing to show this tick;
 * - `{kind: 'skipped'}`: a delta whose baseline is gone while waiting for the keyframe a resync
 *   asked for.
 * It throws RebuildError for a delta it cannot rebuild.
 */
export class Rebuilder {
  constructor({ limit = MAX_MESSAGE_BYTES } = {}) {
    this.limit = limit;
    this.held = []; // { tick, server_time_us (BigInt), view (Uint8Array) }, oldest first
    this.resyncing = false; // a resync was asked for: deltas without a baseline are skipped
    this.keyframes = 0;
    this.deltas = 0;
  }

  /** Forgets every baseline (as a new connection). */
  reset() {
    this.held = [];
    this.resyncing = false;
  }

  /** Keeps `view` as the baseline of `tick`, dropping the views out of the window. */
  hold(tick, serverTimeUs, view) {
    // Ticks only grow on one connection; keep the ones within the window of the newest.
    while (this.held.length && ((tick - this.held[0].tick) >>> 0) >= DELTA_WINDOW) this.held.shift();
    if (this.held.length >= DELTA_WINDOW) this.held.shift();
    // A copy: what is handed on may be kept or changed by its reader without touching the baseline.
    this.held.push({ tick, server_time_us: serverTimeUs, view: view.slice() });
  }

  accept(msg) {
    if (msg.type === 'Snapshot') {
      this.keyframes += 1;
      this.resyncing = false;
      this.hold(msg.tick, msg.server_time_us, msg.view);
      return { kind: 'snapshot', snapshot: msg };
    }
    if (msg.type === 'Delta') {
      this.deltas += 1;
      return this.rebuild(msg);
    }
    return { kind: 'other', msg };
  }

  rebuild(d) {
    if (d.back === 0 || d.back >= DELTA_WINDOW) {
      throw new RebuildError('bad_back', d.tick,
        `delta for tick ${d.tick} names a baseline ${d.back} ticks back (allowed: 1 to ${DELTA_WINDOW - 1})`);
    }
    const baseline = (d.tick - d.back) >>> 0;
    const base = this.held.find((h) => h.tick === baseline);
    if (!base) {
      if (this.resyncing) return { kind: 'skipped' };
      throw new RebuildError('missing_baseline', d.tick,
        `delta for tick ${d.tick} refers to baseline tick ${baseline}, which this client does not hold`);
    }
    let view;
    try {
      view = applyDelta(base.view, d.view, this.limit);
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      throw new RebuildError('malformed', d.tick, `delta for tick ${d.tick} is malformed: ${e.message}`);
    }
    if (d.check !== null && d.check !== viewChecksum(view)) {
      this.held = [];
      this.resyncing = true;
      return { kind: 'resync' };
    }
    let serverTimeUs = base.server_time_us + BigInt(d.since_us);
    if (serverTimeUs > U64_MAX) serverTimeUs = U64_MAX;
    this.hold(d.tick, serverTimeUs, view);
    return {
      kind: 'snapshot',
      snapshot: { type: 'Snapshot', tick: d.tick, server_time_us: serverTimeUs, phase: d.phase, view, ack: d.ack },
    };
  }
}
