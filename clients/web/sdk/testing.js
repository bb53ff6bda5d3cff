// Test helpers for a game's own folder (node only: node:test, node:assert, node:fs; the page never
// imports this file). A game's tests hold its payloads to the vectors the Rust side writes
// (test/wire.json in a game's browser folder, written by the game's `cargo test --test game`, the
// Rust test kit: game/core/src/testing.rs):
//
//   loadFixture(url)                       a JSON fixture next to the calling test
//   assertMatches(actual, expected, path)  a decoded value against its serde JSON `msg`
//   testGameVectors(fixture, codec, opts)  a hand-written codec against the vectors
//   testSchemaCodec(fixture, opts)         the generic codec (sdk/schema.js) built from
//                                          `fixture.schema` against the vectors and the recorded
//                                          match, and a hand-written codec against it
//
// Importing this file registers no test; each test* function registers tests with node:test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { toHex, fromHex, WireError } from './wire.js';
import { Schema } from './schema.js';

export { toHex, fromHex };

/** A fixture file next to the calling test: `loadFixture(new URL('./wire.json', import.meta.url))`. */
export function loadFixture(url) {
  return JSON.parse(readFileSync(url, 'utf8'));
}

/**
 * Deep comparison of a decoded value with its JSON expectation; throws naming the path.
 * BigInt ↔ number or decimal string; Uint8Array ↔ hex string (payloads) or an array of bytes;
 * Map ↔ an object (keys compared as strings, as serde_json writes them); f32 ↔ the exact f32
 * value written as an f64.
 */
export function assertMatches(actual, expected, path = 'msg') {
  if (actual instanceof Uint8Array) {
    if (Array.isArray(expected)) {
      assert.deepEqual(Array.from(actual), expected, path);
    } else {
      assert.equal(typeof expected, 'string', `${path}: expected hex`);
      assert.equal(toHex(actual), expected, path);
    }
  } else if (typeof actual === 'bigint') {
    assert.ok(typeof expected === 'number' || typeof expected === 'string' || typeof expected === 'bigint', `${path}: expected ${expected}`);
    assert.equal(actual, BigInt(expected), path);
  } else if (typeof expected === 'number' && !Number.isInteger(expected)) {
    assert.ok(Object.is(actual, Math.fround(expected)) || Object.is(actual, expected), `${path}: ${actual} !== ${expected}`);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: not an array`);
    assert.equal(actual.length, expected.length, `${path}.length`);
    expected.forEach((e, i) => assertMatches(actual[i], e, `${path}[${i}]`));
  } else if (actual instanceof Map && expected !== null && typeof expected === 'object' && !(expected instanceof Map)) {
    const byKey = new Map([...actual].map(([k, v]) => [String(k), v]));
    assert.deepEqual([...byKey.keys()].sort(), Object.keys(expected).sort(), `${path} keys`);
    for (const key of Object.keys(expected)) assertMatches(byKey.get(key), expected[key], `${path}[${JSON.stringify(key)}]`);
  } else if (expected !== null && typeof expected === 'object') {
    assert.equal(typeof actual, 'object', path);
    assert.ok(actual !== null, `${path}: null`);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${path} keys`);
    for (const key of Object.keys(expected)) assertMatches(actual[key], expected[key], `${path}.${key}`);
  } else {
    assert.ok(Object.is(actual, expected), `${path}: ${String(actual)} !== ${String(expected)}`);
  }
}

/**
 * Registers the tests every game's browser folder owes its Rust-written vectors (its
 * test/wire.json): facts and views decode to `msg`, inputs encode to `hex` and decode back, invalid
 * views and inputs are refused. `serdeView` turns a decoded view into the fixture's serde shape
 * where the game's JS shape differs (enums).
 */
export function testGameVectors(fixture, codec, { serdeView = (v) => v } = {}) {
  const { decodeFacts, decodeView, encodeInput, decodeInput } = codec;
  for (const v of fixture.facts) {
    test(`decodes facts ${v.name}`, () => assertMatches(decodeFacts(fromHex(v.hex)), v.msg));
  }
  for (const v of fixture.views) {
    test(`decodes view ${v.name}`, () => assertMatches(serdeView(decodeView(fromHex(v.hex))), v.msg));
  }
  for (const v of fixture.inputs) {
    test(`encodes input ${v.name}`, () => {
      assert.equal(toHex(encodeInput(v.msg)), v.hex);
      assertMatches(decodeInput(fromHex(v.hex)), v.msg);
    });
  }
  for (const v of fixture.invalid_views) {
    test(`refuses invalid view ${v.name}`, () => assert.throws(() => decodeView(fromHex(v.hex)), WireError));
  }
  for (const v of fixture.invalid_inputs) {
    test(`refuses invalid input ${v.name}`, () => assert.throws(() => decodeInput(fromHex(v.hex)), WireError));
  }
}

/** A decoded value with every BigInt that is a safe integer as a number (codecs may differ there). */
function normalized(v) {
  if (typeof v === 'bigint') return v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (Array.isArray(v)) return v.map(normalized);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [normalized(k), normalized(x)]));
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalized(x)]));
}

/** Decodes with `decode`, failing with a message that says which decoder refused the bytes. */
function decodedBy(who, decode, bytes) {
  try {
    return decode(bytes);
  } catch (e) {
    assert.fail(`${who} refused the bytes: ${e.message}`);
  }
  return undefined;
}

/**
 * Registers the tests of the generic codec (a `Schema` built from `fixture.schema`) against a
 * game's fixture:
 *  - every vector of `fixture.facts`, `views` and `inputs` decodes to its `msg` and its `msg`
 *    encodes back to exactly its `hex`;
 *  - every vector of `invalid_views`, `invalid_inputs` (and `invalid_facts`) is refused with a
 *    WireError;
 *  - when `fixture.match` is there (a recorded bot match: `{seats, ticks, facts: hex, views:
 *    [{tick, key, hex}], inputs: [{tick, player, hex}]}`), every message of it decodes and
 *    encodes back to the same bytes (one subtest per message);
 *  - when `codec` (a hand-written codec: decodeFacts, decodeView, encodeInput, decodeInput) is
 *    given: its decodeFacts / decodeView, mapped through `serdeFacts` / `serdeView` (identity by
 *    default) to serde's shape, and its decodeInput agree with the generic decode on every vector
 *    and every match message, and `codec.encodeInput(generic decode of an input)` gives the same
 *    bytes.
 * Test names carry the game, the kind and the vector's name (or the message's index, tick, key or
 * player).
 */
export function testSchemaCodec(fixture, { codec, serdeView = (v) => v, serdeFacts = (v) => v } = {}) {
  const game = fixture.game ?? fixture.schema?.game ?? 'game';
  if (!fixture.schema) {
    test(`${game} schema: the fixture has a schema`, () => assert.fail('the fixture has no `schema` (refresh it with the Rust test)'));
    return;
  }
  const schema = new Schema(fixture.schema);
  const kinds = {
    facts: { decode: (b) => schema.decodeFacts(b), encode: (v) => schema.encodeFacts(v), hand: codec && ((b) => serdeFacts(codec.decodeFacts(b))) },
    view: { decode: (b) => schema.decodeView(b), encode: (v) => schema.encodeView(v), hand: codec && ((b) => serdeView(codec.decodeView(b))) },
    input: { decode: (b) => schema.decodeInput(b), encode: (v) => schema.encodeInput(v), hand: codec && ((b) => codec.decodeInput(b)) },
  };

  /** The checks of one message's bytes: generic round trip, then the hand codec's agreement. */
  const check = (kind, bytes, hex) => {
    const k = kinds[kind];
    const value = decodedBy('the generic decoder', k.decode, bytes);
    assert.equal(toHex(k.encode(value)), hex, 'the generic encoder gives other bytes');
    if (k.hand) agree(kind, bytes, hex, value);
    return value;
  };
  const agree = (kind, bytes, hex, generic) => {
    const k = kinds[kind];
    assert.deepStrictEqual(normalized(decodedBy('the hand codec', k.hand, bytes)), normalized(generic), 'the hand codec decodes to another value');
    if (kind === 'input') assert.equal(toHex(codec.encodeInput(generic)), hex, 'the hand codec encodes the decoded input to other bytes');
  };

  for (const [kind, vectors] of [['facts', fixture.facts], ['view', fixture.views], ['input', fixture.inputs]]) {
    const k = kinds[kind];
    for (const v of vectors ?? []) {
      test(`${game} schema: decodes ${kind} ${v.name}`, () => assertMatches(k.decode(fromHex(v.hex)), v.msg));
      test(`${game} schema: encodes ${kind} ${v.name}`, () => assert.equal(toHex(k.encode(v.msg)), v.hex));
      if (k.hand) {
        test(`${game} schema: the hand codec agrees on ${kind} ${v.name}`, () => {
          const bytes = fromHex(v.hex);
          agree(kind, bytes, v.hex, decodedBy('the generic decoder', k.decode, bytes));
        });
      }
    }
  }

  for (const [kind, vectors] of [['facts', fixture.invalid_facts], ['view', fixture.invalid_views], ['input', fixture.invalid_inputs]]) {
    for (const v of vectors ?? []) {
      test(`${game} schema: refuses invalid ${kind} ${v.name}`, () => assert.throws(() => kinds[kind].decode(fromHex(v.hex)), WireError));
    }
  }

  const m = fixture.match;
  if (m) {
    const what = `${m.seats} seats, ${m.ticks} ticks: ${m.views.length} views, ${m.inputs.length} inputs`;
    test(`${game} schema: every message of the recorded match (${what})${codec ? ', with the hand codec' : ''}`, async (t) => {
      await t.test('facts', () => check('facts', fromHex(m.facts), m.facts));
      for (const [i, v] of m.views.entries()) {
        await t.test(`view ${i} (tick ${v.tick}, key ${v.key})`, () => check('view', fromHex(v.hex), v.hex));
      }
      for (const [i, v] of m.inputs.entries()) {
        await t.test(`input ${i} (tick ${v.tick}, player ${v.player})`, () => check('input', fromHex(v.hex), v.hex));
      }
    });
  }
}
