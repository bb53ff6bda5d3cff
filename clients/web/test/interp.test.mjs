// The SDK's snapshot buffer, for any game: views are drawn a fixed delay behind the newest
// snapshot, blending (with the game's own blend) the two snapshots around the render time.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { SnapshotBuffer, interpolationDelayMs, lerpAngle } from '../sdk/interp.js';

// A toy game: its view is one number, blended linearly; `b` null means "hold a".
const snap = (tick, x, phase = 'Running') => ({ tick, phase, view: { x } });
const blend = (a, b, alpha) => ({ x: b ? a.x + (b.x - a.x) * alpha : a.x, held: b === null });

test('the delay is one snapshot interval plus a jitter margin', () => {
  assert.equal(interpolationDelayMs(10), 150);
  assert.equal(interpolationDelayMs(20), 100);
});

test('a value moving at constant speed in 10 Hz snapshots is drawn moving evenly at 60 fps', () => {
  const buf = new SnapshotBuffer(10);
  const xs = [];
  let tick = 0;
  let rng = 7;
  const jitter = () => ((rng = (rng * 48271) % 2147483647) / 2147483647) * 30;
  const arrivals = [];
  for (let t = 0; t < 3000; t += 100) arrivals.push({ at: 1000 + t + 20 + jitter(), tick: tick++ });
  for (let now = 1000; now < 4000; now += 1000 / 60) {
    while (arrivals.length && arrivals[0].at <= now) {
      const a = arrivals.shift();
      buf.push(snap(a.tick, 100 + a.tick * 26), a.at);
    }
    const s = buf.sample(now, blend);
    if (s && now > 1500) xs.push(s.view.x);
  }
  const steps = xs.slice(1).map((x, i) => x - xs[i]);
  const expected = 26 / 6; // 260 units/s at 60 fps
  for (const [i, step] of steps.entries()) {
    assert.ok(Math.abs(step - expected) < 0.6, `frame ${i}: step ${step.toFixed(3)}, expected ≈${expected.toFixed(3)}`);
  }
});

test('render time trails the newest snapshot by the delay; no extrapolation', () => {
  const buf = new SnapshotBuffer(20);
  buf.push(snap(100, 100), 5000);
  buf.push(snap(101, 113), 5050);
  // Offset: arrival - tick time = 5000 - 100 * 50 = 0.
  assert.equal(buf.renderTime(5050), 5050 - 100);
  const s = buf.sample(5050 + 100 - 25, blend); // halfway between tick 100 (5000) and 101 (5050)
  assert.ok(Math.abs(s.view.x - 106.5) < 1e-9);
  assert.equal(s.snapshot.tick, 100);
  assert.equal(buf.sample(0, blend).view.x, 100, 'before the first snapshot\'s time, it is held');
  assert.equal(buf.sample(99999, blend).view.x, 113, 'past the newest, it is held too');
});

test('a late snapshot does not push the clock back', () => {
  const buf = new SnapshotBuffer(20);
  buf.push(snap(1, 100), 1050);
  buf.push(snap(2, 200), 1300); // 200 ms late
  assert.ok(buf.offsetMs > 999 && buf.offsetMs < 1010, `offset ${buf.offsetMs}`);
});

test('nothing is blended across a phase change (the start of the match moves everyone)', () => {
  const buf = new SnapshotBuffer(20);
  buf.push(snap(1, 100, 'Waiting'), 50);
  buf.push(snap(2, 900, 'Running'), 100);
  const mid = buf.sample(50 + 100 + 25, blend);
  assert.equal(mid.view.x, 100);
  assert.equal(mid.view.held, true);
  assert.equal(buf.sample(1e6, blend).view.x, 900);
});

test('duplicate ticks are ignored; a restarted tick counter resets the buffer', () => {
  const buf = new SnapshotBuffer(20);
  buf.push(snap(1, 100), 50);
  buf.push(snap(1, 999), 51);
  buf.push(snap(2, 100), 100);
  assert.equal(buf.snapshots.length, 2);
  assert.equal(buf.sample(1e6, blend).view.x, 100);
  buf.push(snap(0, 5), 2000);
  assert.equal(buf.snapshots.length, 1);
  assert.equal(buf.sample(1e6, blend).view.x, 5);
});

test('aim turns the short way round', () => {
  assert.ok(Math.abs(lerpAngle(0.1, Math.PI * 2 - 0.1, 0.5)) < 1e-9);
  assert.ok(Math.abs(lerpAngle(Math.PI * 2 - 0.1, 0.1, 0.5) - Math.PI * 2) < 1e-9);
  assert.ok(Math.abs(lerpAngle(0, 1, 0.25) - 0.25) < 1e-12);
});

test('passedSince lists each snapshot once as the render time reaches it', () => {
  const buf = new SnapshotBuffer(20);
  for (let t = 1; t <= 5; t++) buf.push(snap(t, 0), t * 50);
  const due = buf.passedSince(2, 5 * 50 + 100);
  assert.deepEqual(due.map((s) => s.tick), [3, 4, 5]);
  assert.deepEqual(buf.passedSince(5, 1e6), []);
});
