// Holds capture the flag's codec (../codec.js) to the vectors the Rust codec writes from
// game/ctf/src/wire.rs (test/wire.json, written by `cargo test -p arena-ctf --test game`): facts and views decode to `msg`, inputs encode to `hex`, invalid bytes are
// refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  decodeFacts, decodeView, encodeInput, flagToSerde,
  Actions, Status, SEES_EVERYTHING, quantizePos, dequantizePos, teamOf,
} from '../codec.js';
import module from '../index.js';
import * as codec from '../codec.js';
import { fromHex, loadFixture, testGameVectors, toHex } from 'arena-sdk/testing.js';

const fixture = loadFixture(new URL('./wire.json', import.meta.url));

/** A decoded view in the fixture's serde shape (flags as externally tagged enums). */
const serdeView = (v) => ({ ...v, flags: v.flags.map(flagToSerde) });

test('the fixture is capture the flag\'s and the module is registered under that name', () => {
  assert.equal(fixture.game, 'ctf');
  assert.equal(module.name, fixture.game);
  assert.ok(fixture.facts.length && fixture.views.length && fixture.inputs.length);
  assert.ok(fixture.invalid_views.length && fixture.invalid_inputs.length);
});

testGameVectors(fixture, codec, { serdeView });

test('flag states decode to their kinds', () => {
  const fog = decodeView(fromHex(fixture.views.find((v) => v.name === 'view_red_fog').hex));
  assert.deepEqual(fog.flags, [{ kind: 'CarriedUnseen' }, { kind: 'Carried', carrier: 0 }]);
  assert.equal(fog.sees, 0);
  assert.ok(fog.players[0].status & Status.CARRYING);
  assert.equal(fog.players[2].stamina, 0, 'an enemy\'s stamina reads 0');
  const spec = decodeView(fromHex(fixture.views.find((v) => v.name === 'view_spectator_dropped').hex));
  assert.equal(spec.sees, SEES_EVERYTHING);
  assert.deepEqual(spec.flags[0], { kind: 'Dropped', x: 16000, y: 8000 });
  assert.equal(dequantizePos(spec.flags[0].x), 1000);
});

test('the standard facts: a 2000 × 1000 field, bases 120 units from each end', () => {
  const f = decodeFacts(fromHex(fixture.facts.find((v) => v.name === 'facts_standard').hex));
  assert.equal(f.width, 2000);
  assert.deepEqual(f.bases.map((b) => [dequantizePos(b.x), dequantizePos(b.y)]), [[120, 500], [1880, 500]]);
  assert.equal(f.sight_radius, 320);
});

test('the encoder refuses values the wire cannot carry; teams are the seat parity', () => {
  assert.throws(() => encodeInput({ target_x: 65536, target_y: 0, actions: 0 }), RangeError);
  assert.throws(() => encodeInput({ target_x: 0, target_y: 0, actions: 256 }), RangeError);
  assert.equal(toHex(encodeInput({ target_x: quantizePos(1880), target_y: quantizePos(500), actions: Actions.MOVE | Actions.SPRINT })), '8075401f05');
  assert.deepEqual([0, 1, 2, 7].map(teamOf), [0, 1, 0, 1]);
});
