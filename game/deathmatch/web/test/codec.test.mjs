// Holds the deathmatch's codec (../codec.js) to the vectors the Rust codec writes from
// game/deathmatch/src/wire.rs (test/wire.json, written by `cargo test -p arena-deathmatch --test
// game`): facts and views decode to `msg`, inputs encode to `hex`,
// invalid bytes are refused. Also the aim and position helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { WireError } from 'arena-sdk/wire.js';
import {
  decodeFacts, encodeInput, aimToRadians, radiansToAim, quantizePos, dequantizePos, Buttons,
} from '../codec.js';
import module from '../index.js';
import * as codec from '../codec.js';
import { fromHex, loadFixture, testGameVectors, toHex } from 'arena-sdk/testing.js';

const fixture = loadFixture(new URL('./wire.json', import.meta.url));

test('the fixture is the deathmatch\'s and the module is registered under that name', () => {
  assert.equal(fixture.game, 'deathmatch');
  assert.equal(module.name, fixture.game);
  assert.ok(fixture.facts.length && fixture.views.length && fixture.inputs.length);
  assert.ok(fixture.invalid_views.length && fixture.invalid_inputs.length);
});

testGameVectors(fixture, codec);

test('facts with a byte too many or too few are refused', () => {
  const hex = fixture.facts[0].hex;
  assert.throws(() => decodeFacts(fromHex(`${hex}00`)), WireError);
  assert.throws(() => decodeFacts(fromHex(hex.slice(0, -2))), WireError);
});

test('the encoder refuses values the wire cannot carry', () => {
  assert.throws(() => encodeInput({ buttons: 256, aim: 0 }), RangeError);
  assert.throws(() => encodeInput({ buttons: 0, aim: -1 }), RangeError);
  assert.equal(toHex(encodeInput({ buttons: Buttons.UP | Buttons.ATTACK, aim: 200 })), '11c8');
});

test('aim and position helpers', () => {
  assert.equal(radiansToAim(0), 0);
  assert.equal(radiansToAim(Math.PI / 2), 64);
  assert.equal(radiansToAim(-Math.PI / 2), 192);
  assert.equal(radiansToAim(Math.PI), 128);
  assert.ok(Math.abs(aimToRadians(64) - Math.PI / 2) < 1e-12);
  assert.equal(quantizePos(800), 12800);
  assert.equal(quantizePos(-5), 0);
  assert.equal(quantizePos(1e9), 65535);
  assert.equal(dequantizePos(12808), 800.5);
});
