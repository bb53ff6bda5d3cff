// Snapshot interpolation: players other than the local one are drawn a fixed delay behind the
// newest snapshot, blending between the two snapshots around the render time.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { SnapshotBuffer, interpolationDelayMs, lerpAngle } from '../js/interp.js';
import { Flags, quantizePos } from '../js/protocol.js';

const alive = Flags.ALIVE | Flags.CONNECTED;
const snap = (tick, players) => ({ type: 'Snapshot', tick, server_time_us: 0n, phase: 'Running', time_left_ds: 0, players });
const player = (id, x, y, aim = 0, flags = alive) => ({ id, x: quantizePos(x), y: quantizePos(y), aim, health: 100, flags, kills: 0, deaths: 0, last_input_seq: 0 });

test('the delay is one snapshot interval plus a jitter margin', () => {
  assert.equal(interpolationDelayMs(10), 150);
  assert.equal(interpolationDelayMs(20), 100);
});

test('a player moving at constant speed in 10 Hz snapshots is drawn moving evenly at 60 fps', () => {
  const buf = new SnapshotBuffer(10, 260);
  const xs = [];
  let tick = 0;
  let rng = 7;
  const jitter = () => ((rng = (rng * 48271) % 2147483647) / 2147483647) * 30;
  const arrivals = [];
  for (let t = 0; t < 3000; t += 100) arrivals.push({ at: 1000 + t + 20 + jitter(), tick: tick++ });
  for (let now = 1000; now < 4000; now += 1000 / 60) {
    while (arrivals.length && arrivals[0].at <= now) {
      const a = arrivals.shift();
      buf.push(snap(a.tick, [player(1, 100 + a.tick * 26, 300)]), a.at);
    }
    const s = buf.sample(now);
    if (s && now > 1500) xs.push(s.players[0].x);
  }
  const steps = xs.slice(1).map((x, i) => x - xs[i]);
  const expected = 26 / 6; // 260 units/s at 60 fps
  for (const [i, step] of steps.entries()) {
    assert.ok(Math.abs(step - expected) < 0.6, `frame ${i}: step ${step.toFixed(3)}, expected ≈${expected.toFixed(3)}`);
  }
});

test('render time trails the newest snapshot by the delay', () => {
  const buf = new SnapshotBuffer(20, 260);
  buf.push(snap(100, [player(0, 100, 100)]), 5000);
  buf.push(snap(101, [player(0, 113, 100)]), 5050);
  // Offset: arrival - tick time = 5000 - 100 * 50 = 0.
  assert.equal(buf.renderTime(5050), 5050 - 100);
  const s = buf.sample(5050 + 100 - 25); // halfway between tick 100 (5000) and 101 (5050)
  assert.ok(Math.abs(s.players[0].x - 106.5) < 1e-9);
  assert.equal(s.snapshot.tick, 100);
  // Before the first snapshot's time, it is held.
  assert.equal(buf.sample(0).players[0].x, 100);
  // Past the newest, it is held too (no extrapolation).
  assert.equal(buf.sample(99999).players[0].x, 113);
});

test('a late snapshot does not push the clock back; a respawn is not blended across the arena', () => {
  const buf = new SnapshotBuffer(20, 260);
  buf.push(snap(1, [player(0, 100, 100)]), 1050);
  buf.push(snap(2, [player(0, 1500, 900)]), 1300); // 200 ms late
  assert.equal(buf.offsetMs > 1000 - 1 && buf.offsetMs < 1010, true, `offset ${buf.offsetMs}`);
  const s = buf.sample(1000 + 75 + 100); // halfway in time
  assert.equal(s.players[0].x, 100, 'teleport shown at the old place until its snapshot is due');
});

test('players joining, leaving and duplicate ticks are handled', () => {
  const buf = new SnapshotBuffer(20, 260);
  buf.push(snap(1, [player(0, 100, 100)]), 50);
  buf.push(snap(1, [player(0, 999, 100)]), 51);
  buf.push(snap(2, [player(0, 100, 100), player(1, 300, 300)]), 100);
  const s = buf.sample(50 + 100 + 10);
  assert.deepEqual(s.players.map((p) => p.id), [0]);
  assert.equal(s.players[0].x, 100);
  assert.deepEqual(buf.sample(1e6).players.map((p) => p.id), [0, 1]);
  // A restarted tick counter (reconnect to a new match) resets the buffer.
  buf.push(snap(0, [player(5, 10, 10)]), 2000);
  assert.equal(buf.snapshots.length, 1);
  assert.deepEqual(buf.sample(1e6).players.map((p) => p.id), [5]);
});

test('aim turns the short way round', () => {
  assert.ok(Math.abs(lerpAngle(0.1, Math.PI * 2 - 0.1, 0.5)) < 1e-9);
  assert.ok(Math.abs(lerpAngle(Math.PI * 2 - 0.1, 0.1, 0.5) - Math.PI * 2) < 1e-9);
  assert.ok(Math.abs(lerpAngle(0, 1, 0.25) - 0.25) < 1e-12);
});

test('passedSince lists each snapshot once as the render time reaches it', () => {
  const buf = new SnapshotBuffer(20, 260);
  for (let t = 1; t <= 5; t++) buf.push(snap(t, []), t * 50);
  const due = buf.passedSince(2, 5 * 50 + 100);
  assert.deepEqual(due.map((s) => s.tick), [3, 4, 5]);
  assert.deepEqual(buf.passedSince(5, 1e6), []);
});
