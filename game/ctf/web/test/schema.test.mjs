// Capture the flag's payloads decoded and encoded by the generic codec (arena-sdk/schema.js) from
// the schema the server derives from its Rust types (the `schema` of test/wire.json), checked
// against the Rust-written vectors, the recorded bot match and the hand-written codec
// (../codec.js, whose flag states are mapped to serde's shape); and how fast each decodes the
// recorded match's views (printed, not asserted).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Schema, schemaCodec } from 'arena-sdk/schema.js';
import { fromHex, loadFixture, testSchemaCodec } from 'arena-sdk/testing.js';
import * as codec from '../codec.js';

const fixture = loadFixture(new URL('./wire.json', import.meta.url));

testSchemaCodec(fixture, {
  codec,
  serdeView: (v) => ({ ...v, flags: v.flags.map(codec.flagToSerde) }),
});

test('the fixture carries the schema and a recorded match', () => {
  assert.equal(fixture.game, 'ctf');
  assert.equal(fixture.schema.game, fixture.game);
  assert.ok(fixture.match.views.length > 0 && fixture.match.inputs.length > 0);
  const schema = new Schema(fixture.schema);
  assert.equal(schema.game, fixture.game);
  assert.equal(schema.rulesVersion, fixture.schema.rules_version);
});

test('schemaCodec has the codec functions of a game module, in serde\'s shape', () => {
  const generic = schemaCodec(fixture.schema);
  assert.deepEqual(generic.decodeInput(generic.encodeInput({ target_x: 1920, target_y: 8000, actions: 5 })), { target_x: 1920, target_y: 8000, actions: 5 });
  const view = generic.decodeView(fromHex(fixture.views.find((v) => v.name === 'view_spectator_dropped').hex));
  assert.equal(typeof view.sees, 'number');
  assert.ok(Array.isArray(view.players));
  assert.ok(view.flags.some((f) => typeof f === 'object' && 'Dropped' in f), JSON.stringify(view.flags));
});

test('the smallest encodings the counts are checked against', () => {
  const schema = new Schema(fixture.schema);
  assert.equal(schema.minSize({ ref: 'PlayerView' }), 8);
  assert.equal(schema.minSize({ ref: 'View' }), 1 + 1 + 2 + 2 + 1);
});

test('decoding the recorded match: generic against the hand codec (timing, not asserted)', () => {
  const schema = new Schema(fixture.schema);
  const views = fixture.match.views.map((v) => fromHex(v.hex));
  const time = (decode) => {
    let sink = 0;
    for (let k = 0; k < 200; k++) for (const v of views) sink += decode(v).players.length; // warm up
    const rounds = 1000;
    const t0 = performance.now();
    for (let k = 0; k < rounds; k++) for (const v of views) sink += decode(v).players.length;
    return { us: ((performance.now() - t0) * 1000) / (rounds * views.length), sink };
  };
  const generic = time((b) => schema.decodeView(b));
  const hand = time(codec.decodeView);
  const again = time((b) => schema.decodeView(b));
  assert.equal(generic.sink, hand.sink);
  const bytes = Math.round(views.reduce((s, v) => s + v.length, 0) / views.length);
  console.log(`ctf match views (${views.length}, ${bytes} bytes on average): schema ${generic.us.toFixed(2)} µs/view (again ${again.us.toFixed(2)}), hand codec ${hand.us.toFixed(2)} µs/view`);
});
