// Client-side prediction of the local player's movement, reconciled with the server.
//
// The server applies, at each tick, the inputs that have arrived (and keeps the buttons held
// until the next one). The client sends one input per snapshot it receives, so inputs leave at the
// server's own tick rate; each input is expected to land `lag` ticks after the snapshot that
// triggered it, `lag` being the smallest delay seen lately between sending an input and its
// acknowledgement in Snapshot.ack (the SDK's InputSequencer numbers the inputs and measures it).
//
// The predicted position is the server's latest state replayed forward tick by tick to the tick at
// which the newest input will land, each tick using the buttons the server will hold then. Because
// it counts ticks rather than inputs, an input that lands a tick late (the server holds the old
// buttons one tick more, then skips it) does not make the prediction jump.
//
// The drawn position blends from the previous predicted tick to the current one over one tick
// interval, so a 10 Hz match moves smoothly at 60 fps, and any correction is spread over a short
// time instead of jumping.

import { InputSequencer } from 'arena-sdk/inputs.js';
import { Buttons, Flags, dequantizePos } from './codec.js';

/** Time constant of the correction blend, ms. */
const CORRECTION_TAU_MS = 120;
/** How far past the current step the drawn position may run on while the same keys are held and
 * the next snapshot is late, in steps. */
const MAX_EXTRAPOLATION_STEPS = 0.5;
/** One tick of movement, exactly as game/deathmatch/src/rules.rs moves a player. */
export function moveStep(x, y, buttons, dtS, arena) {
  let dx = 0;
  let dy = 0;
  if (buttons & Buttons.LEFT) dx -= 1;
  if (buttons & Buttons.RIGHT) dx += 1;
  if (buttons & Buttons.UP) dy -= 1;
  if (buttons & Buttons.DOWN) dy += 1;
  const len = Math.hypot(dx, dy);
  if (len === 0) return { x, y };
  const step = (arena.max_speed * dtS) / len;
  const r = arena.player_radius;
  return {
    x: Math.min(arena.width - r, Math.max(r, x + dx * step)),
    y: Math.min(arena.height - r, Math.max(r, y + dy * step)),
  };
}

export class Predictor {
  /**
   * @param arena the deathmatch's Facts from the welcome; @param tickHz the match's tick rate
   * @param sequencer the SDK's InputSequencer that numbers this player's inputs (acknowledged by
   *        the page with each snapshot before `reconcile`)
   */
  constructor(arena, tickHz, sequencer = new InputSequencer()) {
    this.arena = arena;
    this.dtS = 1 / tickHz;
    this.stepMs = 1000 / tickHz;
    this.sequencer = sequencer;
    this.server = null; // { x, y, tick, heldButtons, alive } from the newest snapshot
    this.canMove = true; // false once the match has ended
    this.prev = { x: 0, y: 0 };
    this.cur = { x: 0, y: 0 };
    this.stepAtMs = -Infinity;
    this.offset = { x: 0, y: 0, atMs: 0 };
    this.lastCorrection = 0; // world units the newest snapshot moved the prediction, for the panel
    this.held = 0; // buttons held right now (set by the input layer every frame)
    this.lastButtons = 0; // buttons of the newest input
  }

  /** Ticks between the snapshot that triggers an input and the tick that applies it. */
  get lagTicks() {
    return this.sequencer.lagTicks;
  }

  /** Inputs sent and not yet acknowledged, oldest first: `{seq, input: {buttons, aim}, sentTick}`. */
  get pending() {
    return this.sequencer.pending;
  }

  get known() {
    return this.server !== null;
  }

  moving() {
    return this.known && this.server.alive && this.canMove;
  }

  /**
   * Makes the next input (sent after the snapshot of `sentTick`), numbers it with the sequencer,
   * advances the prediction, and returns what to send: `{seq, input: {buttons, aim}}`.
   */
  nextInput(buttons, aim, nowMs, sentTick = this.server ? this.server.tick : 0) {
    const entry = this.sequencer.push({ buttons: buttons & Buttons.ALL, aim }, sentTick);
    this.lastButtons = entry.input.buttons;
    const shown = this.displayPosition(nowMs);
    this.replay();
    this.stepAtMs = nowMs;
    this.carryOffset(shown, nowMs);
    return { seq: entry.seq, input: entry.input };
  }

  /**
   * Takes this player's state (its PlayerView) from the snapshot of `tick`, after the sequencer
   * took that snapshot's ack: `landed` is the input the ack has just confirmed (or null). The
   * acknowledged inputs are gone from the pending ones; the rest are replayed.
   */
  reconcile(state, phase, tick, nowMs, landed = null) {
    const before = this.displayPosition(nowMs);
    const wasKnown = this.known;
    const oldCur = this.cur;
    let heldButtons = this.server ? this.server.heldButtons : 0;
    if (landed) heldButtons = landed.input.buttons;
    this.server = {
      x: dequantizePos(state.x),
      y: dequantizePos(state.y),
      tick,
      heldButtons,
      alive: (state.flags & Flags.ALIVE) !== 0,
    };
    this.canMove = phase !== 'Ended';
    this.replay();
    const err = Math.hypot(oldCur.x - this.cur.x, oldCur.y - this.cur.y);
    this.lastCorrection = wasKnown ? err : 0;
    // Blend small corrections; jump for a respawn, a first sighting or anything far off.
    if (!wasKnown || err > this.arena.max_speed * 0.5) this.offset = { x: 0, y: 0, atMs: nowMs };
    else this.carryOffset(before, nowMs);
  }

  /** Recomputes `cur` (state at the newest input's landing tick) and `prev` (one tick before). */
  replay() {
    if (!this.known) return;
    const s = this.server;
    let pos = { x: s.x, y: s.y };
    let prev = pos;
    if (this.moving() && this.pending.length) {
      const lag = this.lagTicks;
      const landings = this.pending.map((i) => ({ tick: Math.max(i.sentTick + lag, s.tick + 1), buttons: i.input.buttons }));
      const endTick = Math.max(...landings.map((l) => l.tick));
      let held = s.heldButtons;
      let next = 0;
      for (let k = s.tick + 1; k <= endTick; k++) {
        while (next < landings.length && landings[next].tick <= k) held = landings[next++].buttons;
        prev = pos;
        pos = moveStep(pos.x, pos.y, held, this.dtS, this.arena);
      }
    }
    this.prev = prev;
    this.cur = pos;
  }

  /** Sets the correction so the drawn position stays at `shown` though the base position moved. */
  carryOffset(shown, nowMs) {
    const base = this.basePosition(nowMs);
    this.offset = { x: shown.x - base.x, y: shown.y - base.y, atMs: nowMs };
  }

  currentOffset(nowMs) {
    const k = Math.exp(-Math.max(0, nowMs - this.offset.atMs) / CORRECTION_TAU_MS);
    return { x: this.offset.x * k, y: this.offset.y * k };
  }

  /** Position without the correction blend: prev → cur over one tick, running on a little while
   * the keys of the last step are still held and the next step is late. */
  basePosition(nowMs) {
    const moveBits = Buttons.ALL & ~Buttons.ATTACK;
    const same = (this.held & moveBits) === (this.lastButtons & moveBits);
    const maxT = same ? 1 + MAX_EXTRAPOLATION_STEPS : 1;
    const t = Math.min(maxT, Math.max(0, (nowMs - this.stepAtMs) / this.stepMs));
    return {
      x: this.prev.x + (this.cur.x - this.prev.x) * t,
      y: this.prev.y + (this.cur.y - this.prev.y) * t,
    };
  }

  /** Where to draw the local player at local time `nowMs`. */
  displayPosition(nowMs) {
    const base = this.basePosition(nowMs);
    const off = this.currentOffset(nowMs);
    const { width, height, player_radius: r } = this.arena;
    return {
      x: Math.min(width - r, Math.max(r, base.x + off.x)),
      y: Math.min(height - r, Math.max(r, base.y + off.y)),
    };
  }
}
