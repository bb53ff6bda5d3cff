// Declarations of interp.js: the interpolation buffer (snapshot times from tick / tick_hz mapped
// to the local clock, a fixed delay, a blend the game supplies).

import type { Phase } from './protocol.js';

/** The fixed interpolation delay for a tick rate: one snapshot interval plus 50 ms, ms. */
export declare function interpolationDelayMs(tickHz: number): number;

/** Shortest-arc blend of two angles in radians. */
export declare function lerpAngle(a: number, b: number, t: number): number;

/** Whether two snapshots may be blended: not across a phase change. */
export declare function continuous(a: { phase: Phase }, b: { phase: Phase }): boolean;

/** A snapshot in the buffer; `t` is its time on the match's timeline, ms. */
export interface BufferedSnapshot<V> {
  tick: number;
  phase: Phase;
  view: V;
  t: number;
}

/** The two snapshots around a render time. */
export interface Bracket<V> {
  a: BufferedSnapshot<V>;
  /** Null when there is nothing to blend towards (the newest, or across a phase change). */
  b: BufferedSnapshot<V> | null;
  /** How far from `a` to `b`, 0..1. */
  alpha: number;
  /** The render time in (fractional) ticks. */
  tick: number;
}

/** What SnapshotBuffer.sample returns. */
export interface Sample<V, D> {
  tick: number;
  /** The buffered snapshot at or before the render time. */
  snapshot: BufferedSnapshot<V>;
  /** What `blend` returned. */
  view: D;
}

/**
 * Draws views a fixed delay behind the newest snapshot, blending the two around the render time.
 * `V`: the decoded view the buffer holds.
 */
export declare class SnapshotBuffer<V = unknown> {
  /** `delayMs` defaults to interpolationDelayMs(tickHz). */
  constructor(tickHz: number, delayMs?: number);
  tickMs: number;
  delayMs: number;
  snapshots: BufferedSnapshot<V>[];
  readonly newest: BufferedSnapshot<V> | null;
  /** Adds a snapshot (its view decoded) received at local time `recvMs` (performance.now()). */
  push(snap: { tick: number; phase: Phase; view: V }, recvMs: number): void;
  /** The match-timeline time (ms) drawn at local time `nowMs`. */
  renderTime(nowMs: number): number;
  /** Null before any snapshot. */
  bracket(nowMs: number): Bracket<V> | null;
  /**
   * What to draw at `nowMs`: `blend(a, b, alpha, dtS)` of the views around the render time (`b`
   * null: draw `a` as it is; dtS: seconds between them). Null before any snapshot.
   */
  sample<D>(nowMs: number, blend: (a: V, b: V | null, alpha: number, dtS: number) => D): Sample<V, D> | null;
  /** Snapshots whose time the render time has passed since `afterTick` (to fire effects once). */
  passedSince(afterTick: number, nowMs: number): BufferedSnapshot<V>[];
}
