// Declarations of index.js: every browser module's public API (not testing.js, which is Node-only).
// tsc refuses two star exports of one name (TS2308), so a clash cannot slip through here either.

export * from './wire.js';
export * from './protocol.js';
export * from './delta.js';
export * from './net.js';
export * from './session.js';
export * from './inputs.js';
export * from './interp.js';
export * from './roster.js';
export * from './chat.js';
export * from './camera.js';
export * from './api.js';
export * from './schema.js';

// ---- A game's browser module (types only: nothing here is a value index.js exports) ----

import type { Camera } from './camera.js';
import type { InputSequencer, PendingInput } from './inputs.js';
import type { Phase, SnapshotMsg, WelcomeMsg } from './protocol.js';
import type { Roster } from './roster.js';
import type { Schema, SchemaValue } from './schema.js';

/**
 * What the page hands a game module's `createClient`, once per connection (after each welcome).
 * `F`, `V`, `I`: the game's facts, view and input, decoded.
 */
export interface GameClientContext<F = SchemaValue, V = SchemaValue, I = SchemaValue> {
  /** Welcome.facts, decoded (by the module's decodeFacts, else the schema). */
  facts: F;
  welcome: WelcomeMsg;
  role: 'player' | 'spectator';
  /** This connection's seat; null for a spectator. */
  myId: number | null;
  /** Snapshots per second. */
  tickHz: number;
  /** The game's wire types (`GET /api/games/<name>/schema`), compiled. */
  schema: Schema<F, V, I>;
  /** The page's canvas, and the window (for key and mouse listeners). */
  canvas: HTMLCanvasElement;
  window: Window;
  /** The seated players (the page updates it from each Roster). */
  roster: Roster;
  /** Numbers this player's inputs; the page acknowledges it with each snapshot's `ack`. */
  sequencer: InputSequencer<I>;
  /** Sends an input already numbered by `sequencer.push` (encoded by the module's encodeInput,
   * else the schema); false when it could not be sent. */
  sendInput(entry: PendingInput<I>): boolean;
  /** Numbers `input` (sent after the snapshot of `sentTick`) and sends it; null when it was not
   * sent (not connected, or before the first snapshot set the numbering). */
  submit(input: I, sentTick: number): PendingInput<I> | null;
  /** A line in the page's chat log, as the system. */
  log(text: string): void;
  /** The page's state (`window.arena`), for a client that adds to it. */
  state: Record<string, unknown>;
}

/** A snapshot as a game's client gets it: whole (the SDK rebuilds deltas), its view decoded. */
export interface GameSnapshot<V = SchemaValue, I = SchemaValue> extends Omit<SnapshotMsg, 'view'> {
  view: V;
  /** This player's newest acknowledged seq; null for a spectator or before any. */
  ack: number | null;
  /** The input that `ack` has just confirmed, or null. */
  landed: PendingInput<I> | null;
}

/** One row of a game's live scoreboard. */
export interface HudRow {
  /** The seat (the page adds the player's name, and a kick button for the host). */
  id: number;
  /** The swatch's CSS colour. */
  color: string;
  cells: (string | number)[];
  /** Shown dimmed (e.g. out of play). */
  dim?: boolean;
}

/** What the page shows above and beside the canvas. */
export interface Hud {
  /** Tenths of a second left; 0 for none. */
  timeLeftDs: number;
  headline: string;
  /** The scoreboard's columns after "Player". */
  columns: string[];
  rows: HudRow[];
  seated?: number;
}

/** A game's client for one connection: it draws, maps the controls and sends inputs. */
export interface GameClient<V = SchemaValue, I = SchemaValue> {
  /** Every snapshot; `at` is performance.now() of its arrival. */
  onSnapshot(snap: GameSnapshot<V, I>, at: number): void;
  onPhase(phase: Phase): void;
  /** Draws a frame (the context is scaled to CSS pixels); `follow`: the seat a spectator follows.
   * Returns the camera (world ↔ canvas), or null when nothing was drawn. */
  draw(
    ctx2d: CanvasRenderingContext2D,
    viewW: number,
    viewH: number,
    now: number,
    opts: { follow: number | null; dpr: number },
  ): Pick<Camera, 'toScreen' | 'toWorld'> | null;
  /** The HUD, or null before there is anything to show. */
  hud(): Hud | null;
  /** JSON-friendly state for window.arena (`gameView`, `me`; tests read them). */
  viewState(): unknown;
  meState(now: number): unknown;
  /** What the last frame drew: `[{id, x, y, …}]` (window.arena.rendered). */
  rendered: { id: number; x: number; y: number }[];
  /** More of what the last frame drew, if any (window.arena.scene). */
  drawn?: unknown;
  /** The controls, in a line. */
  readonly help: string;
  /** The network panel's game line (prediction, inputs in flight…). */
  netLine(): string;
  /** The interpolation delay, ms. */
  readonly delayMs: number;
  /** Removes its listeners; the page calls it before the next welcome and when leaving. */
  destroy(): void;
}

/**
 * A game's browser module: the default export of `index.js` in the game's browser folder, which
 * the server serves at `/games/<name>/` (`module` in `GET /api/games`). The codec functions are
 * optional: any left out is the schema's (`schemaCodec`), so a game needs no hand-written codec.
 */
export interface GameModule<F = SchemaValue, V = SchemaValue, I = SchemaValue> {
  /** The registry name (`Welcome.game`, `GET /api/games`). */
  name: string;
  /** The display title; the listing's when left out. */
  title?: string;
  /** The names of `ScoreLine.stats`, used only when the lobby API cannot be asked. */
  scoreColumns?: string[];
  /** Team names by `ScoreLine.team`, for games with teams. */
  teams?: string[];
  /** Welcome.facts → the facts (throws WireError on bad bytes). */
  decodeFacts?(bytes: Uint8Array): F;
  /** Snapshot.view → the view (throws WireError on bad bytes). */
  decodeView?(bytes: Uint8Array): V;
  /** The input → the bytes of ClientMsg Input.input. */
  encodeInput?(input: I): Uint8Array;
  /** A client for one connection. */
  createClient(ctx: GameClientContext<F, V, I>): GameClient<V, I>;
}
