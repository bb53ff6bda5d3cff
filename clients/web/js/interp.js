// Snapshot interpolation for everything the local player does not control: players are drawn at a
// render time a small fixed delay behind the newest snapshot, blending the two snapshots around it.
// Snapshot times come from the tick number (tick / tick_hz on the match's own timeline), mapped to
// the local clock by the smallest observed arrival offset, so network jitter does not shake the view.

import { dequantizePos, aimToRadians, Flags } from './protocol.js';

/** How long snapshots are kept, ms: enough for the delay plus a burst of late ones. */
const KEEP_MS = 1500;
/** Per-snapshot fraction by which the clock offset relaxes upwards (follows drift and slower links). */
const OFFSET_RELAX = 0.02;
/** Fastest the render clock may run fast or slow to follow a new offset, as a fraction of real
 * time: 5% keeps motion even while the buffer re-centres. */
const MAX_CLOCK_SLEW = 0.05;
/** An offset change larger than this (ms) is taken at once (a stall, a new connection). */
const OFFSET_SNAP_MS = 250;

/** The fixed interpolation delay for a tick rate: one snapshot interval plus a 50 ms jitter margin. */
export function interpolationDelayMs(tickHz) {
  return 1000 / tickHz + 50;
}

/** Shortest-arc blend of two angles in radians. */
export function lerpAngle(a, b, t) {
  let d = (b - a) % (Math.PI * 2);
  if (d > Math.PI) d -= Math.PI * 2;
  if (d < -Math.PI) d += Math.PI * 2;
  return a + d * t;
}

export class SnapshotBuffer {
  /**
   * @param {number} tickHz snapshots per second of the match
   * @param {number} maxSpeed world units per second, to tell a respawn jump from movement
   */
  constructor(tickHz, maxSpeed, delayMs = interpolationDelayMs(tickHz)) {
    this.tickMs = 1000 / tickHz;
    this.maxSpeed = maxSpeed;
    this.delayMs = delayMs;
    this.snapshots = []; // { snap, t } sorted by tick; t = tick * tickMs
    this.offsetMs = null; // local receive time minus snapshot time, smallest seen (relaxed)
    this.clockOffsetMs = null; // the offset the render clock uses, slewing towards offsetMs
    this.lastClockMs = null;
  }

  get newest() {
    return this.snapshots.length ? this.snapshots[this.snapshots.length - 1].snap : null;
  }

  /** Adds a decoded snapshot received at local time `recvMs` (performance.now()). */
  push(snap, recvMs) {
    const t = snap.tick * this.tickMs;
    const sample = recvMs - t;
    if (this.offsetMs === null || sample < this.offsetMs) this.offsetMs = sample;
    else this.offsetMs += (sample - this.offsetMs) * OFFSET_RELAX;
    const last = this.snapshots[this.snapshots.length - 1];
    if (last && snap.tick <= last.snap.tick) {
      // A restarted match (new connection) starts its ticks again: start over.
      if (snap.tick < last.snap.tick) {
        this.snapshots = [];
        this.offsetMs = sample;
        this.clockOffsetMs = null;
      } else return;
    }
    this.snapshots.push({ snap, t });
    const oldest = t - KEEP_MS;
    while (this.snapshots.length > 2 && this.snapshots[0].t < oldest) this.snapshots.shift();
  }

  /** The match-timeline time (ms) drawn at local time `nowMs`. */
  renderTime(nowMs) {
    const target = this.offsetMs;
    if (this.clockOffsetMs === null || Math.abs(target - this.clockOffsetMs) > OFFSET_SNAP_MS) {
      this.clockOffsetMs = target;
    } else if (this.lastClockMs !== null && nowMs > this.lastClockMs) {
      const maxStep = (nowMs - this.lastClockMs) * MAX_CLOCK_SLEW;
      this.clockOffsetMs += Math.max(-maxStep, Math.min(maxStep, target - this.clockOffsetMs));
    }
    this.lastClockMs = nowMs;
    return nowMs - this.clockOffsetMs - this.delayMs;
  }

  /**
   * Players as they should be drawn at local time `nowMs`: world-unit positions, aim in radians,
   * plus the fields of the snapshot at or before the render time. Returns null before any snapshot.
   */
  sample(nowMs) {
    const n = this.snapshots.length;
    if (n === 0) return null;
    const rt = this.renderTime(nowMs);
    let i = n - 1;
    while (i > 0 && this.snapshots[i].t > rt) i--;
    const a = this.snapshots[i];
    const b = this.snapshots[Math.min(i + 1, n - 1)];
    const alpha = b === a ? 0 : Math.min(1, Math.max(0, (rt - a.t) / (b.t - a.t)));
    const byId = new Map(b.snap.players.map((p) => [p.id, p]));
    const reach = this.maxSpeed * ((b.t - a.t) / 1000) * 1.5 + 2;
    const players = a.snap.players.map((pa) => {
      const pb = byId.get(pa.id);
      const ax = dequantizePos(pa.x);
      const ay = dequantizePos(pa.y);
      const out = { ...pa, x: ax, y: ay, aimRad: aimToRadians(pa.aim) };
      if (!pb || b === a) return out;
      const bx = dequantizePos(pb.x);
      const by = dequantizePos(pb.y);
      const bothAlive = pa.flags & pb.flags & Flags.ALIVE;
      if (bothAlive && Math.hypot(bx - ax, by - ay) <= reach) {
        out.x = ax + (bx - ax) * alpha;
        out.y = ay + (by - ay) * alpha;
        out.aimRad = lerpAngle(out.aimRad, aimToRadians(pb.aim), alpha);
      }
      return out;
    });
    return { tick: a.snap.tick + alpha * (b.snap.tick - a.snap.tick), snapshot: a.snap, players };
  }

  /** Snapshots whose time the render time has passed since `afterTick` (to fire effects once). */
  passedSince(afterTick, nowMs) {
    const rt = this.renderTime(nowMs);
    return this.snapshots.filter((s) => s.snap.tick > afterTick && s.t <= rt).map((s) => s.snap);
  }
}
