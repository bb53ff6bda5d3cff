// Holds the SDK's envelope codec (sdk/protocol.js) to the Rust codec: test/fixtures/wire.json is
// written by game/catalog/tests/wire_fixtures.rs through arena_game::codec, and the Rust test
// fails when that file is stale, so passing here means the browser reads and writes exactly the
// server's bytes. Also the close codes, the subprotocol and the wire primitives.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  decodeServerMsg, decodeClientMsg, encodeClientMsg, encodeServerMsg,
  SERVER_MSG, CLIENT_MSG, SUBPROTOCOL, PROTOCOL_VERSION, ErrorCode,
  CloseCode, RECONNECT_AFTER, shouldReconnect, closeCodeName, seqAtOrBefore, seqNewer,
} from '../sdk/protocol.js';
import { Reader, Writer, WireError, decodeExact } from '../sdk/wire.js';
import { assertMatches, fromHex, loadFixture, toHex } from './fixture-match.mjs';

const fixture = loadFixture(new URL('./fixtures/wire.json', import.meta.url));

// Newtype variants whose payload is not a struct get a named field in the JS object.
const PAYLOAD_FIELD = { Roster: 'entries', Chat: 'text' };

/** serde writes an `ack` (opt_fixed_u16) as its two little-endian bytes `[lo, hi]`; the SDK reads
 * it as the number (or null). */
function jsAck(ack) {
  if (ack === null) return null;
  assert.ok(Array.isArray(ack) && ack.length === 2, `an ack as two bytes: ${JSON.stringify(ack)}`);
  return ack[0] | (ack[1] << 8);
}

/** A struct variant's serde fields → the JS fields. */
function jsFields(payload) {
  const fields = { ...payload };
  if ('ack' in fields) fields.ack = jsAck(fields.ack);
  return fields;
}

/** The variant a fixture message names: serde writes `{Variant: payload}`, or `"Variant"` for a
 * unit variant (Resync). */
function variantName(serdeMsg) {
  return typeof serdeMsg === 'string' ? serdeMsg : Object.keys(serdeMsg)[0];
}

/** The fixture's serde view `{Variant: payload}` (or `"Variant"`) → the JS shape `{type, ...fields}`. */
function jsShape(serdeMsg) {
  if (typeof serdeMsg === 'string') return { type: serdeMsg };
  const [[type, payload]] = Object.entries(serdeMsg);
  if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) {
    return { type, ...jsFields(payload) };
  }
  return { type, [PAYLOAD_FIELD[type]]: payload };
}

/** A client message from the fixture as a caller would build it: u64 strings as BigInt, the
 * game's input bytes as a Uint8Array. */
function clientMsgFromFixture(serdeMsg) {
  const msg = jsShape(serdeMsg);
  if (typeof msg.client_time_us === 'string') msg.client_time_us = BigInt(msg.client_time_us);
  if (typeof msg.input === 'string') msg.input = fromHex(msg.input);
  return msg;
}

test('fixture covers every message type', () => {
  const serverTypes = new Set(fixture.server.map((v) => variantName(v.msg)));
  const clientTypes = new Set(fixture.client.map((v) => variantName(v.msg)));
  assert.deepEqual([...serverTypes].sort(), [...SERVER_MSG].sort());
  assert.deepEqual([...clientTypes].sort(), [...CLIENT_MSG].sort());
  assert.ok(fixture.invalid_server.length >= 5 && fixture.invalid_client.length >= 3);
});

test('subprotocol, version and error codes match the server', () => {
  assert.equal(SUBPROTOCOL, fixture.subprotocol);
  assert.equal(SUBPROTOCOL, 'arena.v3');
  assert.equal(PROTOCOL_VERSION, fixture.protocol_version);
  assert.deepEqual(Object.values(ErrorCode).sort(), [...fixture.error_codes].sort());
});

test('close codes: one table, and reconnect after exactly the codes the server lists', () => {
  assert.deepEqual({ ...CloseCode }, fixture.close_codes);
  assert.deepEqual([...RECONNECT_AFTER].sort((a, b) => a - b), [...fixture.reconnect_after].sort((a, b) => a - b));
  for (const code of Object.values(fixture.close_codes)) {
    assert.equal(shouldReconnect(code), fixture.reconnect_after.includes(code), `code ${code}`);
  }
  assert.equal(shouldReconnect(1011), false, 'a code Arena does not define');
  assert.equal(closeCodeName(4000), 'Slow');
  assert.equal(closeCodeName(1234), null);
});

for (const v of fixture.server) {
  test(`decodes server vector ${v.name}`, () => {
    const decoded = decodeServerMsg(fromHex(v.hex));
    const { type, ...fields } = decoded;
    const expected = jsShape(v.msg);
    assert.equal(type, expected.type);
    delete expected.type;
    assertMatches(fields, expected);
    // And the test encoder (a fake server's) writes the very same bytes back.
    assert.equal(toHex(encodeServerMsg(decoded)), v.hex);
  });
}

for (const v of fixture.client) {
  test(`encodes client vector ${v.name}`, () => {
    const msg = clientMsgFromFixture(v.msg);
    assert.equal(toHex(encodeClientMsg(msg)), v.hex);
    const back = decodeClientMsg(fromHex(v.hex));
    assertMatches(back, jsShape(v.msg));
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

test('the comparison itself notices a wrong field, a missing field and a wrong payload', () => {
  const v = fixture.server.find((x) => x.name === 'snapshot_running');
  const { type, ...fields } = decodeServerMsg(fromHex(v.hex));
  assert.equal(type, 'Snapshot');
  assertMatches(fields, jsFields(v.msg.Snapshot));
  const wrong = structuredClone(v.msg.Snapshot);
  wrong.ack[0] += 1;
  assert.throws(() => assertMatches(fields, jsFields(wrong)));
  const noAck = structuredClone(v.msg.Snapshot);
  noAck.ack = null;
  assert.throws(() => assertMatches(fields, jsFields(noAck)));
  const missing = structuredClone(v.msg.Snapshot);
  delete missing.tick;
  assert.throws(() => assertMatches(fields, jsFields(missing)));
  const otherView = structuredClone(v.msg.Snapshot);
  otherView.view = '0bb801';
  assert.throws(() => assertMatches(fields, jsFields(otherView)));
  assert.throws(() => assertMatches(Math.fround(0.4), 0.41));
});

test('a snapshot\'s ack is the recipient\'s own, the last field: 00, or 01 and two LE bytes', () => {
  const v = fixture.server.find((x) => x.name === 'snapshot_running');
  assert.equal(decodeServerMsg(fromHex(v.hex)).ack, 300);
  assert.ok(v.hex.endsWith('012c01'));
  const bytes = fromHex(v.hex);
  bytes[bytes.length - 2] ^= 0x01; // the ack's low byte
  assert.equal(decodeServerMsg(bytes).ack, 301, 'a flipped byte changes what decodes (the vectors are really read)');
  // The same message without an ack: `00` instead of `01 2c 01`.
  const none = Uint8Array.from([...fromHex(v.hex).subarray(0, bytes.length - 3), 0]);
  assert.equal(decodeServerMsg(none).ack, null);
  assert.equal(toHex(encodeServerMsg({ ...decodeServerMsg(none), ack: 300 })), v.hex);
});

test('a roster entry ends with connected, then bot: each a bool byte', () => {
  const v = fixture.server.find((x) => x.name === 'roster_three');
  const { entries } = decodeServerMsg(fromHex(v.hex));
  assert.deepEqual(entries.map((e) => [e.id, e.connected, e.bot]), [[0, true, false], [7, false, false], [255, true, true]]);
  assert.ok(v.hex.endsWith('0101'), 'the last entry: connected 01, bot 01');
  // A person's seat and a bot's differ in that one byte.
  const person = fromHex(v.hex);
  person[person.length - 1] = 0;
  assert.equal(decodeServerMsg(person).entries[2].bot, false);
  person[person.length - 1] = 2;
  assert.throws(() => decodeServerMsg(person), /invalid bool 2/);
  // An entry without its bot byte is short: the length prefix is checked against 4 bytes an entry.
  assert.throws(() => decodeServerMsg(fromHex('0101000161' + '01')), /truncated/);
  assert.throws(() => decodeServerMsg(fromHex('0102' + '000001' + '010001')), /length 2 exceeds the 6 bytes left/);
  // The test encoder writes a missing flag as false (a fake server's person).
  assert.equal(toHex(encodeServerMsg({ type: 'Roster', entries: [{ id: 1, name: 'a', connected: true }] })), '0101010161' + '0100');
});

test('a delta decodes field by field; its view stays the delta\'s bytes', () => {
  const v = fixture.server.find((x) => x.name === 'delta_checked_spectator');
  const d = decodeServerMsg(fromHex(v.hex));
  assert.equal(d.type, 'Delta');
  assert.deepEqual({ tick: d.tick, back: d.back, since_us: d.since_us, check: d.check, ack: d.ack },
    { tick: 1220, back: 3, since_us: 150012, check: 0x811c9dc5, ack: null });
  assert.equal(toHex(d.view), '00');
  const edges = decodeServerMsg(fromHex(fixture.server.find((x) => x.name === 'delta_edges').hex));
  assert.deepEqual([edges.tick, edges.back, edges.since_us, edges.check, edges.ack], [2 ** 32 - 1, 31, 2 ** 32 - 1, 2 ** 32 - 1, 0]);
  assert.throws(() => encodeServerMsg({ ...d, check: 2 ** 32 }), RangeError);
});

test('Resync is a bare tag', () => {
  assert.equal(toHex(encodeClientMsg({ type: 'Resync' })), '03');
  assert.deepEqual(decodeClientMsg(fromHex('03')), { type: 'Resync' });
});

test('payloads are copies: the message buffer can be reused', () => {
  const v = fixture.server.find((x) => x.name === 'snapshot_running');
  const bytes = fromHex(v.hex);
  const decoded = decodeServerMsg(bytes);
  bytes.fill(0);
  assert.equal(toHex(decoded.view), '0bb800');
});

test('encoder refuses values the wire cannot carry', () => {
  assert.throws(() => encodeClientMsg({ type: 'Input', seq: 65536, input: new Uint8Array(0) }), RangeError);
  assert.throws(() => encodeClientMsg({ type: 'Input', seq: -1, input: new Uint8Array(0) }), RangeError);
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

test('a message over 64 KiB is refused before it is read', () => {
  const big = new Uint8Array(64 * 1024 + 1);
  big[0] = 3;
  assert.throws(() => decodeServerMsg(big), /exceeds the limit/);
});

test('varint markers are checked against the field width; zigzag i32 round trips', () => {
  // A u16 field refuses the u32 marker; a u32 field refuses the u64 marker; fe and ff never.
  assert.throws(() => decodeExact(fromHex('fc01000000'), (r) => r.varU16()), WireError);
  assert.throws(() => decodeExact(fromHex('fd0100000000000000'), (r) => r.varU32()), WireError);
  assert.throws(() => decodeExact(fromHex('fe'), (r) => r.varU64()), WireError);
  assert.throws(() => decodeExact(fromHex('ff'), (r) => r.varU64()), WireError);
  // A longer form whose marker fits is accepted (the server's decoder does the same).
  assert.equal(decodeExact(fromHex('fb0500'), (r) => r.varU16()), 5);
  for (const n of [0, -1, 1, -2, 2, 125, -126, 300, -2147483648, 2147483647]) {
    const w = new Writer();
    w.i32(n);
    assert.equal(decodeExact(w.finish(), (r) => r.i32()), n, `i32 ${n}`);
  }
  const w = new Writer();
  w.i32(-1);
  w.i32(1);
  assert.equal(toHex(w.finish()), '0102');
  assert.throws(() => new Writer().i32(2 ** 31), RangeError);
  const r = new Reader(fromHex('0000'));
  assert.equal(r.fixedU16(), 0);
  assert.throws(() => r.u8(), /truncated/);
});

test('sequence numbers compare on the wrapping u16 circle', () => {
  assert.ok(seqAtOrBefore(5, 5));
  assert.ok(seqAtOrBefore(4, 5));
  assert.ok(!seqAtOrBefore(6, 5));
  assert.ok(seqAtOrBefore(65535, 0), '65535 comes just before 0');
  assert.ok(!seqAtOrBefore(0, 65535));
  assert.ok(seqAtOrBefore(0, 32767));
  assert.ok(!seqAtOrBefore(0, 32768), 'half the circle away counts as after');
  assert.ok(seqNewer(1, 0));
  assert.ok(seqNewer(0, 65535));
  assert.ok(!seqNewer(65535, 0));
  assert.ok(!seqNewer(5, 5));
});
