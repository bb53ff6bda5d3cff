// Declarations of inputs.js: input sequencing (seq +1 per input, wrapping at 65535), the inputs
// not yet acknowledged, the landing lag.

/** An input sent and not yet acknowledged. */
export interface PendingInput<I> {
  seq: number;
  input: I;
  /** The tick of the snapshot it was sent after. */
  sentTick: number;
}

/** Numbers a player's inputs and takes the acknowledgements (`Snapshot.ack`). `I`: the game's input. */
export declare class InputSequencer<I = unknown> {
  constructor();
  /** The seq the next push() takes. */
  nextSeq: number;
  /** Sent and not yet acknowledged, oldest first (a game that predicts replays them). */
  pending: PendingInput<I>[];
  /** The newest acknowledged seq, null before the server applied any. */
  ack: number | null;
  /** True once the first snapshot set where the numbering goes on. */
  known: boolean;
  /** Ticks between a snapshot and the tick that applies the input sent after it (at least 1). */
  readonly lagTicks: number;
  /**
   * Takes a snapshot's `ack` at `tick`: drops the pending inputs at or before it and returns the
   * input that has just landed, or null. Call it for every snapshot, before push().
   */
  acknowledge(ack: number | null, tick: number): PendingInput<I> | null;
  /** Numbers `input`, sent after the snapshot of `sentTick`: send `{type: 'Input', seq, input: encoded}`. */
  push(input: I, sentTick: number): PendingInput<I>;
}
