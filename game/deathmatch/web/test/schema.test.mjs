// The deathmatch's payloads decoded and encoded by the generic codec (arena-sdk/schema.js) from the
// schema the server derives from its Rust types (the `schema` of test/wire.json), checked against
// the Rust-written vectors, the recorded bot match and the hand-written codec (../codec.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Schema, schemaCodec } from 'arena-sdk/schema.js';
import { fromHex, loadFixture, testSchemaCodec } from 'arena-sdk/testing.js';
import * as codec from '../codec.js';

const fixture = loadFixture(new URL('./wire.json', import.meta.url));

testSchemaCodec(fixture, { codec });

test('the fixture carries the schema and a recorded match', () => {
  assert.equal(fixture.game, 'deathmatch');
  assert.equal(fixture.schema.game, fixture.game);
  assert.ok(fixture.match.views.length > 0 && fixture.match.inputs.length > 0);
  const schema = new Schema(fixture.schema);
  assert.equal(schema.game, fixture.game);
  assert.equal(schema.rulesVersion, fixture.schema.rules_version);
});

test('schemaCodec decodes the facts as the hand codec does, from the schema as text too', () => {
  const bytes = fromHex(fixture.facts.find((v) => v.name === 'facts_standard').hex);
  assert.deepEqual(schemaCodec(JSON.stringify(fixture.schema)).decodeFacts(bytes), codec.decodeFacts(bytes));
  const generic = schemaCodec(fixture.schema);
  const input = { buttons: 17, aim: 200 };
  assert.deepEqual(generic.decodeInput(generic.encodeInput(input)), input);
  assert.deepEqual(generic.encodeInput(input), codec.encodeInput(input));
});

test('the smallest encoding of a player, which counts are checked against', () => {
  assert.equal(new Schema(fixture.schema).minSize({ ref: 'PlayerView' }), 10);
});
