// Holds the SDK's delta decoder and rebuilder (sdk/delta.js) to the Rust side:
// test/fixtures/delta.json is written by game/catalog/tests/wire_fixtures.rs with arena_game::delta
// (the vectors) and arena_game::rebuild::Rebuilder (the message stream and what a client makes of
// each message), and the Rust test fails when that file is stale. Then the rebuilder's rules one
// by one, as game/core/src/rebuild.rs tests them.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { applyDelta, Rebuilder, RebuildError, viewChecksum } from '../sdk/delta.js';
import { DELTA_WINDOW, decodeServerMsg } from '../sdk/protocol.js';
import { WireError } from '../sdk/wire.js';
import { fromHex, loadFixture, toHex } from './fixture-match.mjs';

const fixture = loadFixture(new URL('./fixtures/delta.json', import.meta.url));

test('every Rust-written delta undoes to its target', () => {
  assert.ok(fixture.vectors.length >= 10);
  for (const v of fixture.vectors) {
    const target = applyDelta(fromHex(v.base), fromHex(v.delta), fixture.limit);
    assert.equal(toHex(target), v.target, v.name);
  }
});

/** The message applyDelta throws, without the " at byte N" a WireError may add; null if none. */
function deltaError(base, delta, limit) {
  try {
    applyDelta(base, delta, limit);
  } catch (e) {
    assert.ok(e instanceof WireError, String(e));
    return e.message.replace(/ at byte \d+$/, '');
  }
  return null;
}

test('every malformed delta is refused with a WireError, never a wrong target', () => {
  assert.ok(fixture.invalid.length >= 8);
  for (const v of fixture.invalid) {
    assert.throws(() => applyDelta(fromHex(v.base), fromHex(v.delta), 65536), WireError, v.name);
    // The message is Rust's DeltaError, with at most the offset WireError adds.
    assert.equal(deltaError(fromHex(v.base), fromHex(v.delta), 65536), v.error, v.name);
  }
});

test('random bytes as a delta never throw anything but a WireError', () => {
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  for (let i = 0; i < 20000; i++) {
    const base = Uint8Array.from({ length: rand() % 16 }, () => rand() & 0xff);
    const delta = Uint8Array.from({ length: rand() % 12 }, () => rand() & 0xff);
    try {
      const out = applyDelta(base, delta, 300);
      assert.ok(out.length <= 300);
    } catch (e) {
      assert.ok(e instanceof WireError, String(e));
    }
  }
});


/** Zero mask bytes in a row that end a run in the encoder (arena_game::delta::MIN_ZERO_RUN). */
const MIN_ZERO_RUN = 3;

/**
 * The delta turning `base` into `target`, byte for byte what arena_game::delta::encode writes
 * (the vectors below hold it to that): the length, the mask of changed bytes as runs, then the
 * changed bytes XOR the baseline's.
 */
function encodeDelta(base, target) {
  const out = [];
  const varint = (v) => {
    do {
      out.push((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
      v >>>= 7;
    } while (v > 0);
  };
  const len = target.length;
  varint(len);
  const mask = new Uint8Array(Math.ceil(len / 8));
  const changed = [];
  for (let i = 0; i < len; i++) {
    const x = target[i] ^ (base[i] ?? 0);
    if (x !== 0) {
      mask[i >> 3] |= 1 << (i & 7);
      changed.push(x);
    }
  }
  let pos = 0;
  while (pos < mask.length) {
    const start = pos;
    while (pos < mask.length && mask[pos] === 0) pos++;
    // The run's mask bytes go on until MIN_ZERO_RUN zero bytes in a row (or the end).
    let end = pos;
    let i = pos;
    while (i < mask.length) {
      if (mask[i] !== 0) {
        end = ++i;
        continue;
      }
      let j = i;
      while (j < mask.length && mask[j] === 0 && j - i < MIN_ZERO_RUN) j++;
      if (j - i >= MIN_ZERO_RUN || j === mask.length) break;
      i = j;
    }
    varint(pos - start);
    varint(end - pos);
    out.push(...mask.subarray(pos, end));
    pos = end;
  }
  out.push(...changed);
  return Uint8Array.from(out);
}

test('the test encoder writes every Rust vector byte for byte, and its deltas apply back', () => {
  for (const v of fixture.vectors) {
    assert.equal(toHex(encodeDelta(fromHex(v.base), fromHex(v.target))), v.delta, v.name);
  }
  // arena_game::delta's own vector: a long unchanged stretch is one skip of zero mask bytes
  // (len 200 is the varint c8 01; mask byte 23 has bit 6; mask byte 24 is a run of its own).
  const base = new Uint8Array(200).fill(7);
  const target = base.slice();
  target[190] = 8;
  assert.equal(toHex(encodeDelta(base, target)), 'c80117014001000f');
  assert.deepEqual([...applyDelta(base, encodeDelta(base, target))], [...target]);
});

const TRUNCATED = 'delta is truncated';
const OVERRUN = "delta run goes past the target's end";
const VARINT = 'delta has an over-long varint';

test('the format\'s corners the fixture does not hold, with the error arena_game::delta::apply gives', () => {
  const b3 = Uint8Array.of(1, 2, 3);
  const z16 = new Uint8Array(16);
  const cases = [
    // [name, base, delta hex, limit, error or target hex]
    ['a bit past len is refused before its byte is read', b3, '03000108', 65536, { error: OVERRUN }],
    ['a changed byte missing before a bit past len', b3, '03000109', 65536, { error: TRUNCATED }],
    ['a bit past len after a good bit', b3, '0300010905', 65536, { error: OVERRUN }],
    ['a run past the mask is refused before its literals are missed', b3, '03000501', 65536, { error: OVERRUN }],
    ['a skip past the mask', b3, '030200', 65536, { error: OVERRUN }],
    ['a skip of 2^32 - 1', b3, '03ffffffff0f00', 65536, { error: OVERRUN }],
    ['a run without its n', b3, '0300', 65536, { error: TRUNCATED }],
    ['a six-byte skip', b3, '03808080808001', 65536, { error: VARINT }],
    ['an n above u32', b3, '03008080808010', 65536, { error: VARINT }],
    ['len 0 has no runs', b3, '0000', 65536, { error: 'delta has 1 trailing bytes' }],
    ['an empty second run', z16, '100001010000', 65536, { error: OVERRUN }],
    ['a second run past the mask', z16, '10000101050007', 65536, { error: OVERRUN }],
    ['a target at the limit', b3, '030100', 3, { target: '010203' }],
    ['a target above a small limit', b3, '0400010805', 3, { error: 'delta target of 4 bytes exceeds the limit of 3' }],
    // Every run comes before the first changed byte.
    ['the changed bytes follow the last run', z16, '1000010101 0007', 65536, { target: '07000000000000000000000000000000' }],
    ['a run of skips only, then one of literals', z16, '100100000101 09', 65536, { target: '00000000000000000900000000000000' }],
    ['zero mask bytes given as literals', z16, '10000200 00', 65536, { target: '00'.repeat(16) }],
    ['the last bit inside len', Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), '09000200010c', 65536, { target: '010203040506070805' }],
    ['the first bit past len in the last mask byte', Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), '09000200020c', 65536, { error: OVERRUN }],
  ];
  for (const [name, base, hex, limit, want] of cases) {
    const delta = fromHex(hex.replace(/ /g, ''));
    if (want.error) assert.equal(deltaError(base, delta, limit), want.error, name);
    else assert.equal(toHex(applyDelta(base, delta, limit)), want.target, name);
  }
});

/**
 * A second decoder, written straight from the format's description: the whole mask first (as
 * bits), then the changed bytes. Returns the target as hex, or the error's message.
 */
function referenceApply(base, delta, limit) {
  let at = 0;
  const fail = (msg) => ({ error: msg });
  const varint = () => {
    let v = 0n;
    for (let k = 0; k < 5; k++) {
      if (at >= delta.length) throw fail(TRUNCATED);
      const byte = delta[at++];
      v |= BigInt(byte & 0x7f) << BigInt(7 * k);
      if (!(byte & 0x80)) {
        if (v > 0xffffffffn) throw fail(VARINT);
        return Number(v);
      }
    }
    throw fail(VARINT);
  };
  try {
    const len = varint();
    if (len > limit) throw fail(`delta target of ${len} bytes exceeds the limit of ${limit}`);
    const maskBytes = [];
    while (maskBytes.length < Math.ceil(len / 8)) {
      const skip = varint();
      const n = varint();
      if (skip + n === 0 || maskBytes.length + skip + n > Math.ceil(len / 8)) throw fail(OVERRUN);
      if (delta.length - at < n) throw fail(TRUNCATED);
      for (let k = 0; k < skip; k++) maskBytes.push(0);
      for (let k = 0; k < n; k++) maskBytes.push(delta[at++]);
    }
    const target = Array.from({ length: len }, (_, i) => base[i] ?? 0);
    for (let i = 0; i < maskBytes.length * 8; i++) {
      if (!((maskBytes[i >> 3] >> (i & 7)) & 1)) continue;
      if (i >= len) throw fail(OVERRUN);
      if (at >= delta.length) throw fail(TRUNCATED);
      target[i] ^= delta[at++];
    }
    if (at < delta.length) throw fail(`delta has ${delta.length - at} trailing bytes`);
    return { target: toHex(Uint8Array.from(target)) };
  } catch (e) {
    if (e.error) return e;
    throw e;
  }
}

test('deltas round-trip; cut short they are truncated, with bytes added they trail; damaged ones fail as the reference does', () => {
  let seed = 777;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  const applied = (base, delta, limit = 65536) => {
    try {
      return { target: toHex(applyDelta(base, delta, limit)) };
    } catch (e) {
      assert.ok(e instanceof WireError, String(e));
      return { error: e.message.replace(/ at byte \d+$/, '') };
    }
  };
  const seen = new Set();
  for (let i = 0; i < 3000; i++) {
    const base = Uint8Array.from({ length: rand() % 40 }, () => rand() & 0xff);
    // A target like a snapshot's: mostly the baseline's bytes, a few changed, sometimes longer.
    const target = Uint8Array.from({ length: rand() % 48 }, (_, k) => (rand() % 5 === 0 ? rand() & 0xff : base[k] ?? 0));
    const delta = encodeDelta(base, target);
    assert.deepEqual(applied(base, delta), { target: toHex(target) });
    assert.deepEqual(referenceApply(base, delta, 65536), { target: toHex(target) });
    // Cut anywhere: truncated. One byte more (what the e2e test's tampering does): trailing.
    const cut = rand() % delta.length;
    assert.deepEqual(applied(base, delta.subarray(0, cut)), { error: TRUNCATED }, `${toHex(delta)} cut at ${cut}`);
    assert.deepEqual(applied(base, Uint8Array.from([...delta, rand() & 0xff])), { error: 'delta has 1 trailing bytes' });
    // A byte or two changed: whatever comes of it, the same as the reference's.
    const bad = delta.slice();
    for (let k = 1 + (rand() % 2); k > 0; k--) bad[rand() % bad.length] ^= 1 << (rand() % 8);
    const limit = rand() % 4 === 0 ? rand() % 48 : 65536;
    const got = applied(base, bad, limit);
    assert.deepEqual(got, referenceApply(base, bad, limit), toHex(bad));
    seen.add(got.error?.replace(/\d+/g, 'N') ?? 'target');
  }
  // The damaged deltas reached every outcome but an over-long varint (a bit flip rarely makes one).
  for (const outcome of ['target', TRUNCATED, OVERRUN, 'delta has N trailing bytes', 'delta target of N bytes exceeds the limit of N']) {
    assert.ok(seen.has(outcome), `${outcome}: ${[...seen]}`);
  }
});

// ---- the rebuilder ----

const key = (tick, time, view, ack = null) => ({
  type: 'Snapshot', tick, server_time_us: BigInt(time), phase: 'Running', view: Uint8Array.from(view), ack,
});
const delta = (tick, back, base, target, check = false, ack = 7) => ({
  type: 'Delta', tick, back, since_us: back * 50000, phase: 'Running',
  check: check ? viewChecksum(Uint8Array.from(target)) : null,
  view: encodeDelta(base, target), ack,
});
/** The snapshot a result holds, in a comparable shape. */
function shown(result) {
  assert.equal(result.kind, 'snapshot');
  const s = result.snapshot;
  assert.equal(s.type, 'Snapshot');
  return { tick: s.tick, time: s.server_time_us, view: [...s.view], ack: s.ack, phase: s.phase };
}
const rebuildError = (kind) => (e) => e instanceof RebuildError && e instanceof WireError && e.kind === kind;

/**
 * Feeds the Rust-written stream through `rebuilder` in order; returns what differed from the
 * expectations, one line per message (none when the rebuilder behaves as Rust's).
 */
function runStream(rebuilder) {
  const wrong = [];
  fixture.stream.forEach(({ msg, expect }, i) => {
    const decoded = decodeServerMsg(fromHex(msg));
    let got;
    try {
      const r = rebuilder.accept(decoded);
      if (r.kind === 'snapshot') {
        const s = r.snapshot;
        got = { snapshot: { tick: s.tick, server_time_us: String(s.server_time_us), view: toHex(s.view), ack: s.ack } };
        if (s.type !== 'Snapshot' || s.phase !== decoded.phase) got.snapshot.shape = `${s.type} ${s.phase}`;
      } else got = r.kind;
    } catch (e) {
      got = e instanceof RebuildError ? { error: e.kind } : { threw: String(e) };
    }
    try {
      assert.deepEqual(got, expect);
    } catch {
      wrong.push(`#${i} (${decoded.type} tick ${decoded.tick}): got ${JSON.stringify(got)}, expected ${JSON.stringify(expect)}`);
    }
  });
  return wrong;
}

test('the window matches the server\'s, and the checksum is FNV-1a 32', () => {
  assert.equal(DELTA_WINDOW, fixture.window);
  assert.equal(fixture.limit, 65536);
  assert.equal(viewChecksum(new Uint8Array(0)), 0x811c9dc5);
  assert.equal(viewChecksum(new TextEncoder().encode('a')), 0xe40c292c);
  assert.equal(viewChecksum(new TextEncoder().encode('foobar')), 0xbf9cf968);
});

test('the Rust-written message stream rebuilds exactly as arena_game::rebuild::Rebuilder does', () => {
  const outcomes = fixture.stream.map(({ expect }) => (typeof expect === 'string' ? expect : Object.keys(expect)[0]));
  assert.deepEqual(new Set(outcomes), new Set(['snapshot', 'resync', 'skipped', 'error']), 'the stream covers every outcome');
  const r = new Rebuilder({ limit: fixture.limit });
  assert.deepEqual(runStream(r), []);
  assert.equal(r.keyframes, 2);
  assert.equal(r.deltas, fixture.stream.length - 2);
});

test('the stream notices a rebuilder that is wrong', () => {
  // Each of these mistakes must make the cross-language vector fail. (Keeping the baselines on a
  // resync or a wrong window it cannot see; the tests below catch those.)
  class IgnoresChecks extends Rebuilder {
    accept(msg) { return super.accept(msg.type === 'Delta' ? { ...msg, check: null } : msg); }
  }
  class NeverSkips extends Rebuilder {
    accept(msg) {
      this.resyncing = false;
      return super.accept(msg);
    }
  }
  class TimeOffByOne extends Rebuilder {
    accept(msg) {
      const r = super.accept(msg);
      if (msg.type === 'Delta' && r.kind === 'snapshot') r.snapshot.server_time_us += 1n;
      return r;
    }
  }
  class DropsTheAck extends Rebuilder {
    accept(msg) {
      const r = super.accept(msg);
      if (msg.type === 'Delta' && r.kind === 'snapshot') r.snapshot.ack = null;
      if (msg.type === 'Snapshot') r.snapshot.ack = null;
      return r;
    }
  }
  for (const Wrong of [IgnoresChecks, NeverSkips, TimeOffByOne, DropsTheAck]) {
    assert.notDeepEqual(runStream(new Wrong()), [], Wrong.name);
  }
});

test('deltas rebuild against the baseline they name; time, phase and ack come along', () => {
  const r = new Rebuilder();
  assert.deepEqual(shown(r.accept(key(10, 1000000, [1, 2, 3, 4], 3))),
    { tick: 10, time: 1000000n, view: [1, 2, 3, 4], ack: 3, phase: 'Running' });
  assert.deepEqual(shown(r.accept(delta(11, 1, [1, 2, 3, 4], [1, 2, 9, 4], true))),
    { tick: 11, time: 1050000n, view: [1, 2, 9, 4], ack: 7, phase: 'Running' });
  // Against the older baseline (tick 10) while 11 is also held.
  const older = shown(r.accept({ ...delta(12, 2, [1, 2, 3, 4], [5, 2, 3, 4, 6]), phase: 'Ended', ack: null }));
  assert.deepEqual(older, { tick: 12, time: 1100000n, view: [5, 2, 3, 4, 6], ack: null, phase: 'Ended' });
  assert.deepEqual([r.keyframes, r.deltas], [1, 2]);
  // Other messages pass untouched.
  const pong = { type: 'Pong', client_time_us: 1n, server_time_us: 2n };
  assert.deepEqual(r.accept(pong), { kind: 'other', msg: pong });
});

test('what is handed on is not the baseline: changing it changes no later snapshot', () => {
  const r = new Rebuilder();
  const first = r.accept(key(1, 0, [1, 2, 3])).snapshot;
  first.view.fill(0);
  assert.deepEqual(shown(r.accept(delta(2, 1, [1, 2, 3], [1, 2, 4], true))).view, [1, 2, 4]);
});

test('a baseline out of the window is gone; back must be 1 to 31', () => {
  const r = new Rebuilder();
  r.accept(key(1, 0, [1]));
  r.accept(key(1 + DELTA_WINDOW, 0, [2]));
  assert.deepEqual(r.held.map((h) => h.tick), [1 + DELTA_WINDOW], 'only ticks within the window of the newest are held');
  assert.throws(() => r.accept(delta(2 + DELTA_WINDOW, DELTA_WINDOW - 1, [1], [3])), rebuildError('missing_baseline'));
  assert.deepEqual(shown(r.accept(delta(2 + DELTA_WINDOW, 1, [2], [3]))).view, [3]);
  assert.throws(() => r.accept(delta(40, DELTA_WINDOW, [1], [3])), rebuildError('bad_back'));
  assert.throws(() => r.accept(delta(40, 0, [1], [3])), rebuildError('bad_back'));
  // At most DELTA_WINDOW views are held, the newest ones.
  const full = new Rebuilder();
  for (let t = 100; t < 100 + 2 * DELTA_WINDOW; t++) full.accept(key(t, 0, [t & 0xff]));
  assert.equal(full.held.length, DELTA_WINDOW);
  assert.equal(full.held[0].tick, 100 + DELTA_WINDOW);
});

test('ticks wrap at 2^32: the baseline of tick 1 back 3 is tick 2^32 - 2', () => {
  const r = new Rebuilder();
  r.accept(key(2 ** 32 - 2, 5, [1, 1]));
  r.accept(key(0, 6, [2, 2]));
  assert.deepEqual(shown(r.accept(delta(1, 3, [1, 1], [3, 3]))).view, [3, 3]);
  assert.equal(r.held.length, 3, 'nothing dropped across the wrap');
});

test('a bad checksum drops every baseline, asks for a keyframe and skips until it comes', () => {
  const r = new Rebuilder();
  r.accept(key(1, 0, [1, 2, 3]));
  r.accept(delta(2, 1, [1, 2, 3], [1, 2, 4]));
  const bad = delta(3, 1, [1, 2, 4], [1, 2, 5], true);
  bad.check ^= 1;
  assert.deepEqual(r.accept(bad), { kind: 'resync' });
  assert.equal(r.held.length, 0);
  // Deltas against what it dropped are skipped, not errors, until the keyframe; so is one
  // that would have rebuilt fine.
  assert.deepEqual(r.accept(delta(4, 2, [1, 2, 4], [1, 2, 6])), { kind: 'skipped' });
  assert.deepEqual(r.accept(delta(5, 3, [1, 2, 3], [1, 2, 7])), { kind: 'skipped' });
  // Still an error whatever the state: a back out of range.
  assert.throws(() => r.accept(delta(6, 0, [1], [1])), rebuildError('bad_back'));
  shown(r.accept(key(7, 0, [7])));
  shown(r.accept(delta(8, 1, [7], [8], true)));
  assert.throws(() => r.accept(delta(9, 3, [7], [8])), rebuildError('missing_baseline'));
  // reset() forgets everything, as a new connection.
  r.reset();
  assert.throws(() => r.accept(delta(9, 1, [8], [9])), rebuildError('missing_baseline'));
});

test('a malformed delta is an error that names the delta, never a wrong snapshot', () => {
  const r = new Rebuilder();
  r.accept(key(1, 0, [1, 2, 3]));
  const msg = { ...delta(2, 1, [1, 2, 3], [1]), view: Uint8Array.of(3, 0, 4, 1, 2, 3, 4) };
  assert.throws(() => r.accept(msg), (e) => rebuildError('malformed')(e) && e.tick === 2 && /past the target's end/.test(e.message));
  const tooBig = new Rebuilder({ limit: 2 });
  tooBig.accept(key(1, 0, [1, 2, 3]));
  assert.throws(() => tooBig.accept(delta(2, 1, [1, 2, 3], [1, 2, 3])), rebuildError('malformed'));
  // The baseline is still there: a good delta after the bad one rebuilds.
  assert.deepEqual(shown(r.accept(delta(3, 2, [1, 2, 3], [3, 2, 1]))).view, [3, 2, 1]);
});

test('a rebuilt time saturates at 2^64 - 1, as the server\'s does', () => {
  const r = new Rebuilder();
  r.accept(key(1, 0, [1]));
  r.held[0].server_time_us = 2n ** 64n - 2n;
  assert.equal(shown(r.accept(delta(2, 1, [1], [2]))).time, 2n ** 64n - 1n);
});
