// Helpers shared by the wire-vector tests (the envelope's and each game's): reading the fixture
// files the Rust codec writes and comparing decoded values with their JSON `msg`. (Imported by
// the tests; on its own it holds no test.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { toHex, fromHex, WireError } from '../sdk/wire.js';

export { toHex, fromHex };

/** A fixture file next to the calling test. */
export function loadFixture(url) {
  return JSON.parse(readFileSync(url, 'utf8'));
}

/**
 * Deep comparison of a decoded value with its JSON expectation; throws naming the path.
 * BigInt ↔ number or decimal string; Uint8Array ↔ hex string (payloads); f32 ↔ the exact f32
 * value written as an f64.
 */
export function assertMatches(actual, expected, path = 'msg') {
  if (actual instanceof Uint8Array) {
    assert.equal(typeof expected, 'string', `${path}: expected hex`);
    assert.equal(toHex(actual), expected, path);
  } else if (typeof actual === 'bigint') {
    assert.ok(typeof expected === 'number' || typeof expected === 'string', `${path}: expected ${expected}`);
    assert.equal(actual, BigInt(expected), path);
  } else if (typeof expected === 'number' && !Number.isInteger(expected)) {
    assert.ok(Object.is(actual, Math.fround(expected)), `${path}: ${actual} !== ${expected}`);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: not an array`);
    assert.equal(actual.length, expected.length, `${path}.length`);
    expected.forEach((e, i) => assertMatches(actual[i], e, `${path}[${i}]`));
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
 * Registers the tests every game folder owes its Rust-written vectors (games/<game>/test/
 * wire.json): facts and views decode to `msg`, inputs encode to `hex` and decode back, invalid
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
