// Snapshot interpolation, for any game: views are drawn at a render time a small fixed delay
// behind the newest snapshot, blending the two snapshots around it. Snapshot times come from the
// tick number (tick / tick_hz on the match's own timeline), mapped to the local clock by the
// smallest observed arrival offset, so network jitter does not shake the view.
//
// The buffer does not know what a view holds: the game passes a `blend(a, b, alpha, dtS)` that
// returns what to draw between views `a` and `b` (`b` is null when the two must not be blended,
// e.g. across the start of the match; draw `a` as it is then).

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

/** Whether two snapshots may be blended: not across a phase change (the start of the match
 * moves everyone to a spawn point; the end freezes the field). */
export function continuous(a, b) {
  return a.phase === b.phase;
}

export class SnapshotBuffer {
  /** @param {number} tickHz snapshots per second of the match */
  constructor(tickHz, delayMs = interpolationDelayMs(tickHz)) {
    this.tickMs = 1000 / tickHz;
    this.delayMs = delayMs;
    this.snapshots = []; // { tick, phase, view, t } sorted by tick; t = tick * tickMs
    this.offsetMs = null; // local receive time minus snapshot time, smallest seen (relaxed)
    this.clockOffsetMs = null; // the offset the render clock uses, slewing towards offsetMs
    this.lastClockMs = null;
  }

  get newest() {
    return this.snapshots.length ? this.snapshots[this.snapshots.length - 1] : null;
  }

  /** Adds a snapshot `{tick, phase, view}` (view: the game's decoded view) received at local
   * time `recvMs` (performance.now()). */
  push(snap, recvMs) {
    const t = snap.tick * this.tickMs;
    const sample = recvMs - t;
    if (this.offsetMs === null || sample < this.offsetMs) this.offsetMs = sample;
    else this.offsetMs += (sample - this.offsetMs) * OFFSET_RELAX;
    const last = this.newest;
    if (last && snap.tick <= last.tick) {
      // A new match (a reconnect to another one) starts its ticks again: start over.
      if (snap.tick < last.tick) {
        this.snapshots = [];
        this.offsetMs = sample;
        this.clockOffsetMs = null;
      } else return;
    }
    this.snapshots.push({ tick: snap.tick, phase: snap.phase, view: snap.view, t });
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

  /** The two snapshots around the render time of `nowMs` and how far between them it is:
   * `{a, b, alpha, tick}`; `b` is null when there is nothing to blend towards. Null before any
   * snapshot. */
  bracket(nowMs) {
    const n = this.snapshots.length;
    if (n === 0) return null;
    const rt = this.renderTime(nowMs);
    let i = n - 1;
    while (i > 0 && this.snapshots[i].t > rt) i--;
    const a = this.snapshots[i];
    const next = i + 1 < n ? this.snapshots[i + 1] : null;
    if (!next) return { a, b: null, alpha: 0, tick: a.tick };
    const alpha = Math.min(1, Math.max(0, (rt - a.t) / (next.t - a.t)));
    return { a, b: continuous(a, next) ? next : null, alpha, tick: a.tick + alpha * (next.tick - a.tick) };
  }

  /**
   * What to draw at local time `nowMs`: `{ tick, snapshot, view }` where `view` is
   * `blend(a.view, b.view | null, alpha, dtS)` (dtS: seconds between the two snapshots) and
   * `snapshot` the buffered snapshot at or before the render time. Null before any snapshot.
   */
  sample(nowMs, blend) {
    const br = this.bracket(nowMs);
    if (!br) return null;
    const { a, b, alpha } = br;
    const dtS = b ? (b.t - a.t) / 1000 : 0;
    return { tick: br.tick, snapshot: a, view: blend(a.view, b ? b.view : null, b ? alpha : 0, dtS) };
  }

  /** Snapshots whose time the render time has passed since `afterTick` (to fire effects once). */
  passedSince(afterTick, nowMs) {
    const rt = this.renderTime(nowMs);
    return this.snapshots.filter((s) => s.tick > afterTick && s.t <= rt);
  }
}
