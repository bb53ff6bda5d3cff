// Holds js/protocol.js to the Rust codec: test/fixtures/wire.json is written by
// game/tests/wire_fixtures.rs through arena_game::codec, and the Rust test fails when that file is
// stale, so passing here means the browser reads and writes exactly the server's bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
  decodeServerMsg, decodeClientMsg, encodeClientMsg, WireError,
  SERVER_MSG, CLIENT_MSG, radiansToAim, aimToRadians, seqNewer, quantizePos, dequantizePos,
} from '../js/protocol.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/wire.json', import.meta.url), 'utf8'));

const fromHex = (hex) => Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

// Newtype variants whose payload is not a struct get a named field in the JS object.
const PAYLOAD_FIELD = { Roster: 'entries', Chat: 'text' };

/** The fixture's serde view `{Variant: payload}` → the JS shape `{type, ...fields}`. */
function jsShape(serdeMsg) {
  const [[type, payload]] = Object.entries(serdeMsg);
  if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) {
    return { type, ...payload };
  }
  return { type, [PAYLOAD_FIELD[type]]: payload };
}

/** Deep comparison of a decoded value with its JSON expectation; throws naming the path. */
function assertMatches(actual, expected, path = 'msg') {
  if (typeof actual === 'bigint') {
    assert.ok(typeof expected === 'number' || typeof expected === 'string', `${path}: expected ${expected}`);
    assert.equal(actual, BigInt(expected), path);
  } else if (typeof expected === 'number' && !Number.isInteger(expected)) {
    // f32 fields: the JSON holds the exact f32 value as an f64.
    assert.ok(Object.is(actual, Math.fround(expected)), `${path}: ${actual} !== ${expected}`);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: not an array`);
    assert.equal(actual.length, expected.length, `${path}.length`);
    expected.forEach((e, i) => assertMatches(actual[i], e, `${path}[${i}]`));
  } else if (expected !== null && typeof expected === 'object') {
    assert.equal(typeof actual, 'object', path);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${path} keys`);
    for (const key of Object.keys(expected)) assertMatches(actual[key], expected[key], `${path}.${key}`);
  } else {
    assert.ok(Object.is(actual, expected), `${path}: ${String(actual)} !== ${String(expected)}`);
  }
}

/** A client message from the fixture with u64 strings as BigInt, as a caller would build it. */
function clientMsgFromFixture(serdeMsg) {
  const msg = jsShape(serdeMsg);
  if (typeof msg.client_time_us === 'string') msg.client_time_us = BigInt(msg.client_time_us);
  return msg;
}

test('fixture covers every message type', () => {
  const serverTypes = new Set(fixture.server.map((v) => Object.keys(v.msg)[0]));
  const clientTypes = new Set(fixture.client.map((v) => Object.keys(v.msg)[0]));
  assert.deepEqual([...serverTypes].sort(), [...SERVER_MSG].sort());
  assert.deepEqual([...clientTypes].sort(), [...CLIENT_MSG].sort());
  assert.ok(fixture.invalid_server.length >= 5 && fixture.invalid_client.length >= 3);
});

for (const v of fixture.server) {
  test(`decodes server vector ${v.name}`, () => {
    const decoded = decodeServerMsg(fromHex(v.hex));
    const { type, ...fields } = decoded;
    const expected = jsShape(v.msg);
    assert.equal(type, expected.type);
    delete expected.type;
    assertMatches(fields, expected);
  });
}

for (const v of fixture.client) {
  test(`encodes client vector ${v.name}`, () => {
    const msg = clientMsgFromFixture(v.msg);
    assert.equal(toHex(encodeClientMsg(msg)), v.hex);
    const back = decodeClientMsg(fromHex(v.hex));
    assertMatches(back, { ...jsShape(v.msg) });
  });
}

for (const v of fixture.invalid_server) {
  test(`refuses invalid server bytes ${v.name}`, () => {
    assert.throws(() => decodeServerMsg(fromHex(v.hex)), WireError);
  });
}

for (const v of fixture.invalid_client) {
  test(`refuses invalid client bytes ${v.name}`, () => {
    assert.throws(() => decodeClientMsg(fromHex(v.hex)), WireError);
  });
}

test('the comparison itself notices a wrong field, a missing field and a wrong f32', () => {
  const v = fixture.server.find((x) => x.name === 'snapshot_running');
  const decoded = decodeServerMsg(fromHex(v.hex));
  const wrongX = structuredClone(v.msg.Snapshot);
  wrongX.players[0].x += 1;
  assert.throws(() => assertMatches({ ...decoded, type: undefined }, wrongX));
  const { type, ...fields } = decoded;
  const missing = structuredClone(v.msg.Snapshot);
  delete missing.tick;
  assert.throws(() => assertMatches(fields, missing));
  const w = fixture.server.find((x) => x.name === 'welcome_player');
  const welcome = decodeServerMsg(fromHex(w.hex));
  assert.throws(() => assertMatches(welcome.arena.attack_cooldown_s, 0.41));
  assertMatches(welcome.arena.attack_cooldown_s, w.msg.Welcome.arena.attack_cooldown_s);
});

test('a flipped byte changes what decodes (the vectors are really read)', () => {
  const v = fixture.server.find((x) => x.name === 'snapshot_running');
  const bytes = fromHex(v.hex);
  bytes[bytes.length - 2] ^= 0x01; // last player's last_input_seq low byte
  const decoded = decodeServerMsg(bytes);
  assert.notEqual(decoded.players.at(-1).last_input_seq, v.msg.Snapshot.players.at(-1).last_input_seq);
});

test('encoder refuses values the wire cannot carry', () => {
  assert.throws(() => encodeClientMsg({ type: 'Input', seq: 65536, buttons: 0, aim: 0 }), RangeError);
  assert.throws(() => encodeClientMsg({ type: 'Input', seq: 1, buttons: 0, aim: 256 }), RangeError);
  assert.throws(() => encodeClientMsg({ type: 'Ping', client_time_us: -1 }), RangeError);
  assert.throws(() => encodeClientMsg({ type: 'Ping', client_time_us: 2n ** 64n }), RangeError);
  assert.throws(() => encodeClientMsg({ type: 'Nope' }), TypeError);
});

test('accepts ArrayBuffer and typed-array views (what WebSocket and ws deliver)', () => {
  const v = fixture.server.find((x) => x.name === 'pong_realistic');
  const bytes = fromHex(v.hex);
  const padded = new Uint8Array(bytes.length + 3);
  padded.set(bytes, 3);
  assert.equal(decodeServerMsg(bytes.buffer).type, 'Pong');
  assert.equal(decodeServerMsg(padded.subarray(3)).client_time_us, 12345678n);
});

test('aim, position and sequence helpers', () => {
  assert.equal(radiansToAim(0), 0);
  assert.equal(radiansToAim(Math.PI / 2), 64);
  assert.equal(radiansToAim(-Math.PI / 2), 192);
  assert.equal(radiansToAim(Math.PI), 128);
  assert.ok(Math.abs(aimToRadians(64) - Math.PI / 2) < 1e-12);
  assert.equal(quantizePos(800), 12800);
  assert.equal(quantizePos(-5), 0);
  assert.equal(quantizePos(1e9), 65535);
  assert.equal(dequantizePos(12808), 800.5);
  assert.ok(seqNewer(1, 0));
  assert.ok(seqNewer(0, 65535));
  assert.ok(!seqNewer(65535, 0));
  assert.ok(!seqNewer(5, 5));
});
