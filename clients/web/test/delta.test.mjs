// Holds the SDK's delta decoder (sdk/delta.js) to the Rust encoder: test/fixtures/delta.json is
// written by game/catalog/tests/wire_fixtures.rs with arena_game::delta, and the Rust test fails
// when that file is stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { applyDelta } from '../sdk/delta.js';
import { WireError } from '../sdk/wire.js';
import { fromHex, loadFixture, toHex } from './fixture-match.mjs';

const fixture = loadFixture(new URL('./fixtures/delta.json', import.meta.url));

test('every Rust-written delta undoes to its target', () => {
  assert.ok(fixture.vectors.length >= 10);
  for (const v of fixture.vectors) {
    const target = applyDelta(fromHex(v.base), fromHex(v.delta), fixture.limit);
    assert.equal(toHex(target), v.target, v.name);
  }
});

test('every malformed delta is refused with a WireError, never a wrong target', () => {
  assert.ok(fixture.invalid.length >= 8);
  for (const v of fixture.invalid) {
    assert.throws(() => applyDelta(fromHex(v.base), fromHex(v.delta), 65536), WireError, v.name);
  }
});

test('random bytes as a delta never throw anything but a WireError', () => {
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  for (let i = 0; i < 20000; i++) {
    const base = Uint8Array.from({ length: rand() % 16 }, () => rand() & 0xff);
    const delta = Uint8Array.from({ length: rand() % 12 }, () => rand() & 0xff);
    try {
      const out = applyDelta(base, delta, 300);
      assert.ok(out.length <= 300);
    } catch (e) {
      assert.ok(e instanceof WireError, String(e));
    }
  }
});
