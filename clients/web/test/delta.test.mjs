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

test('every malformed delta is refused with a WireError, never a wrong target', () => {
  assert.ok(fixture.invalid.length >= 8);
  for (const v of fixture.invalid) {
    assert.throws(() => applyDelta(fromHex(v.base), fromHex(v.delta), 65536), WireError, v.name);
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

// ---- the rebuilder ----

/** A delta turning `base` into `target`: one run of literals XORed over the whole target. */
function encodeDelta(base, target) {
  const out = [];
  const varint = (v) => {
    do {
      out.push((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
      v >>>= 7;
    } while (v > 0);
  };
  varint(target.length);
  if (target.length) {
    varint(0);
    varint(target.length);
    target.forEach((b, i) => out.push(b ^ (base[i] ?? 0)));
  }
  return Uint8Array.from(out);
}

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
