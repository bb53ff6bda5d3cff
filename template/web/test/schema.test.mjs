// King of the hill's payloads through the SDK's generic codec (arena-sdk/schema.js), built from
// the schema the server derives from src/lib.rs `wire`, against what the Rust side writes in
// test/wire.json (`cargo test --release --test game`): every vector, every refused byte string and
// every message of a recorded bot match. There is no hand-written codec to hold to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Schema } from 'arena-sdk/schema.js';
import { fromHex, loadFixture, testSchemaCodec } from 'arena-sdk/testing.js';
import module from '../index.js';

const fixture = loadFixture(new URL('./wire.json', import.meta.url));

testSchemaCodec(fixture);

test('the fixture is king of the hill\'s, and the module leaves the codec to the schema', () => {
  assert.equal(fixture.game, 'koth');
  assert.equal(module.name, fixture.game);
  assert.equal(typeof module.createClient, 'function');
  for (const fn of ['decodeFacts', 'decodeView', 'encodeInput']) assert.equal(module[fn], undefined, fn);
  assert.ok(fixture.match.views.length > 0 && fixture.match.inputs.length > 0);
});

test('values come in serde\'s shape: the fields of src/lib.rs', () => {
  const schema = new Schema(fixture.schema);
  const facts = schema.decodeFacts(fromHex(fixture.match.facts));
  assert.deepEqual({ width: facts.width, height: facts.height }, { width: 1200, height: 800 });
  assert.deepEqual(Object.keys(facts.settings).sort(), ['hill_moves_s', 'score_limit_s', 'time_limit_s']);
  const view = schema.decodeView(fromHex(fixture.match.views[0].hex));
  assert.deepEqual(Object.keys(view), ['time_left_ds', 'hill', 'king', 'players']);
  assert.deepEqual(Object.keys(view.players[0]), ['id', 'at', 'held_ds', 'flags']);
  assert.deepEqual(schema.encodeInput({ buttons: 5 }), Uint8Array.of(5));
});
