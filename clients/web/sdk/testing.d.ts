// Declarations of testing.js: Node-only helpers for a game's tests (node:test, node:assert,
// node:fs), holding its payloads to the vectors the Rust side writes (test/wire.json in a game's
// browser folder, from the game's `cargo test --test game`).
// Not re-exported by index.js: import 'arena-sdk/testing.js' from your tests only.

import type { GameSchemaJson } from './schema.js';

export { toHex, fromHex } from './wire.js';

/** One vector: the bytes as hex and the value in serde_json's shape. */
export interface WireVector {
  name: string;
  hex: string;
  msg: unknown;
}

/** Bytes the decoder must refuse. */
export interface InvalidVector {
  name: string;
  hex: string;
}

/** A recorded bot match: every message, as hex. */
export interface RecordedMatch {
  seats: number;
  ticks: number;
  facts: string;
  views: { tick: number; key: string; hex: string }[];
  inputs: { tick: number; player: number; hex: string }[];
}

/** A game's wire.json (written by the game's `cargo test --test game`: game/core/src/testing.rs). */
export interface GameFixture {
  game?: string;
  about?: string;
  schema?: GameSchemaJson;
  facts: WireVector[];
  views: WireVector[];
  inputs: WireVector[];
  invalid_facts?: InvalidVector[];
  invalid_views: InvalidVector[];
  invalid_inputs: InvalidVector[];
  match?: RecordedMatch;
}

/** The codec functions of a game module (a hand-written codec.js, or schemaCodec). */
export interface GameCodec {
  decodeFacts(bytes: Uint8Array): unknown;
  decodeView(bytes: Uint8Array): unknown;
  encodeInput(value: any): Uint8Array;
  decodeInput(bytes: Uint8Array): unknown;
}

/** A JSON fixture file, parsed: `loadFixture(new URL('./wire.json', import.meta.url))`. */
export declare function loadFixture(url: string | URL): GameFixture;

/**
 * Deep comparison of a decoded value with its JSON expectation; throws an AssertionError naming
 * the path (default `msg`). BigInt ↔ number or decimal string; Uint8Array ↔ hex or an array of
 * bytes; Map ↔ an object; f32 ↔ the exact f32 value written as an f64.
 */
export declare function assertMatches(actual: unknown, expected: unknown, path?: string): void;

/**
 * Registers (node:test) the tests a hand-written codec owes the fixture: facts and views decode
 * to `msg`, inputs encode to `hex` and decode back, invalid views and inputs are refused.
 * `serdeView` maps a decoded view to serde's shape where the codec's differs.
 */
export declare function testGameVectors(
  fixture: GameFixture,
  codec: GameCodec,
  opts?: { serdeView?: (view: any) => unknown },
): void;

/**
 * Registers (node:test) the tests of the generic codec built from `fixture.schema`: every vector
 * and every message of the recorded match decodes and encodes back to the same bytes, invalid
 * ones are refused; with `codec`, the hand-written codec agrees with it.
 */
export declare function testSchemaCodec(
  fixture: GameFixture,
  opts?: {
    codec?: GameCodec;
    serdeView?: (view: any) => unknown;
    serdeFacts?: (facts: any) => unknown;
  },
): void;
