// Input sequencing for any game: every input a player sends carries a sequence number (+1 per
// input, wrapping from 65535 to 0); the server acknowledges the newest one it applied in each
// snapshot it sends that player (Snapshot.ack: the recipient's own, null before it applied any).
// The sequencer numbers inputs, keeps the ones not yet acknowledged (a game that predicts replays
// them), and measures how many ticks an input takes to land.

import { seqAtOrBefore } from './protocol.js';

/** Inputs kept unacknowledged at most (about 4 s at 60 Hz); older ones are dropped. */
const MAX_PENDING = 256;
/** Landing delays remembered to estimate the lag, in acknowledgements. */
const LAG_WINDOW = 16;

export class InputSequencer {
  constructor() {
    this.nextSeq = 1;
    this.pending = []; // { seq, input, sentTick } sent and not yet acknowledged, oldest first
    this.ack = null; // the newest acknowledged seq, null before the server applied any
    this.known = false; // true once the first snapshot set where the numbering goes on
    this.lagObservations = [];
  }

  /** Ticks between the snapshot that triggers an input and the tick that applies it (at least 1). */
  get lagTicks() {
    return this.lagObservations.length ? Math.max(1, Math.min(...this.lagObservations)) : 1;
  }

  /**
   * Takes a snapshot's acknowledgement of this player (`ack`: a seq or null) at `tick`. Drops the
   * pending inputs at or before it and returns the input that has just landed (`{seq, input,
   * sentTick}`), or null. The first snapshot continues the server's numbering: a resumed seat
   * remembers its old inputs.
   */
  acknowledge(ack, tick) {
    if (!this.known) {
      this.known = true;
      this.pending = [];
      if (ack !== null) this.nextSeq = (ack + 1) & 0xffff;
      this.ack = ack;
      return null;
    }
    let landed = null;
    if (ack !== null && ack !== this.ack) {
      landed = this.pending.find((i) => i.seq === ack) ?? null;
      if (landed) {
        this.lagObservations.push(tick - landed.sentTick);
        if (this.lagObservations.length > LAG_WINDOW) this.lagObservations.shift();
      }
    }
    if (ack !== null) this.pending = this.pending.filter((i) => !seqAtOrBefore(i.seq, ack));
    this.ack = ack;
    return landed;
  }

  /** Numbers `input` (the game's input object) sent after the snapshot of `sentTick`; returns
   * the pending entry `{seq, input, sentTick}`. */
  push(input, sentTick) {
    const entry = { seq: this.nextSeq, input, sentTick };
    this.nextSeq = (this.nextSeq + 1) & 0xffff;
    this.pending.push(entry);
    if (this.pending.length > MAX_PENDING) this.pending.shift();
    return entry;
  }
}
