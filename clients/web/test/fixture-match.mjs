// Helpers shared by the wire-vector tests (the envelope's and each game's): reading the fixture
// files the Rust codec writes and comparing decoded values with their JSON `msg`. (Imported by
// the tests; on its own it holds no test.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { toHex, fromHex } from '../sdk/wire.js';

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
