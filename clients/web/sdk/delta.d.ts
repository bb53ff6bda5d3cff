// Declarations of delta.js: snapshot deltas on the client's side (docs/protocol.md part C) and
// the Rebuilder that turns every Delta back into the whole Snapshot it stands for.

import { WireError } from './wire.js';
import type { BytesLike } from './wire.js';
import type { DeltaMsg, ServerMsg, SnapshotMsg } from './protocol.js';

/**
 * The target `delta` makes of `base`, as a new Uint8Array of at most `limit` bytes (default
 * MAX_MESSAGE_BYTES). A malformed delta throws WireError with the message of Rust's DeltaError.
 */
export declare function applyDelta(base: BytesLike, delta: BytesLike, limit?: number): Uint8Array;

/** FNV-1a (32 bits) of a view's bytes: what a Delta's `check` holds. */
export declare function viewChecksum(bytes: BytesLike): number;

/** Why a delta cannot be rebuilt. */
export type RebuildErrorKind = 'missing_baseline' | 'bad_back' | 'malformed';

/** A delta this client cannot turn into a snapshot (the connection closes with 1007). */
export declare class RebuildError extends WireError {
  constructor(kind: RebuildErrorKind, tick: number, message: string);
  kind: RebuildErrorKind;
  /** The delta's tick. */
  tick: number;
}

/** What became of one message given to Rebuilder.accept. */
export type Rebuilt =
  /** A whole snapshot: a keyframe as it came, or a delta rebuilt. */
  | { kind: 'snapshot'; snapshot: SnapshotMsg }
  /** Any other message, untouched. */
  | { kind: 'other'; msg: Exclude<ServerMsg, SnapshotMsg | DeltaMsg> }
  /** The rebuilt view disagreed with the delta's check: send ClientMsg Resync. */
  | { kind: 'resync' }
  /** A delta whose baseline is gone while waiting for the keyframe a resync asked for. */
  | { kind: 'skipped' };

/** A view kept as a baseline. */
export interface HeldView {
  tick: number;
  server_time_us: bigint;
  view: Uint8Array;
}

/**
 * Rebuilds whole snapshots from keyframes and deltas, for one connection (the same logic as
 * arena_game::rebuild::Rebuilder). net.js's Connection holds one; use it directly only with a
 * transport of your own.
 */
export declare class Rebuilder {
  constructor(opts?: { limit?: number });
  limit: number;
  /** The views of the last DELTA_WINDOW ticks, oldest first. */
  held: HeldView[];
  /** A resync was asked for: deltas without a baseline are skipped until the keyframe. */
  resyncing: boolean;
  /** Keyframes and deltas accepted so far. */
  keyframes: number;
  deltas: number;
  /** Forgets every baseline (as a new connection). */
  reset(): void;
  /** Keeps (a copy of) `view` as the baseline of `tick`. */
  hold(tick: number, serverTimeUs: bigint, view: Uint8Array): void;
  /** Takes every decoded server message in order. Throws RebuildError for a delta it cannot rebuild. */
  accept(msg: ServerMsg): Rebuilt;
  /** Rebuilds one delta. Throws RebuildError. */
  rebuild(d: DeltaMsg): Extract<Rebuilt, { kind: 'snapshot' | 'resync' | 'skipped' }>;
}
