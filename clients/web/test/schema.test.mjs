// The generic codec (sdk/schema.js) and the test helpers a game's folder uses (sdk/testing.js),
// with no real game: a made-up game's fixture (test/fixtures/game.json: its schema, vectors worked
// out by hand, a short recorded match) against the generic codec and a hand-written codec; then
// schema.js itself on small hand-made schemas: every primitive and its boundaries, options, enums
// of every variant kind, maps, tuples, arrays, recursive types, and every way bytes or values can
// be wrong. Each game's browser folder tests its own fixture the same way (test/schema.test.mjs
// there).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { MAX_MESSAGE_BYTES, WireError, Writer, decodeExact } from '../sdk/wire.js';
import { MAX_DEPTH, MAX_ZERO_SIZE_ITEMS, Schema, schemaCodec } from '../sdk/schema.js';
import { lobbyApi } from '../sdk/api.js';
import { fromHex, loadFixture, testSchemaCodec, testGameVectors, toHex } from './fixture-match.mjs';

const dots = loadFixture(new URL('./fixtures/game.json', import.meta.url));

// ---- a made-up game, against its fixture and a hand-written codec ----

const STATES = ['Waiting', 'Playing', 'Done'];
const i8 = (b) => (b << 24) >> 24;

/** The made-up game's codec written by hand, as a game's own codec.js would be: its state is
 * `{kind, round?, winner?}`, not serde's shape (`serdeView` maps it back). */
const dotsCodec = {
  decodeFacts: (bytes) => decodeExact(bytes, (r) => ({ width: r.f32(), height: r.f32(), rounds: r.varU16() })),
  decodeView: (bytes) => decodeExact(bytes, (r) => {
    const timeLeftDs = r.varU32();
    const kind = r.variant(STATES, 'state');
    const state = kind === 'Playing' ? { kind, round: r.u8() } : kind === 'Done' ? { kind, winner: r.option(() => r.u8()) } : { kind };
    const list = r.vec(6, () => ({ id: r.u8(), x: r.fixedU16(), y: r.fixedU16(), score: r.i32() }));
    return { time_left_ds: timeLeftDs, state, dots: list };
  }),
  decodeInput: (bytes) => decodeExact(bytes, (r) => ({ dx: i8(r.u8()), dy: i8(r.u8()), fire: r.bool() })),
  encodeInput: ({ dx, dy, fire }) => {
    const w = new Writer();
    w.u8(dx & 0xff);
    w.u8(dy & 0xff);
    w.bool(fire);
    return w.finish();
  },
};

/** The hand codec's state in serde's shape. */
const serdeView = (v) => ({
  ...v,
  state: v.state.kind === 'Waiting' ? 'Waiting' : v.state.kind === 'Playing' ? { Playing: v.state.round } : { Done: { winner: v.state.winner } },
});

testSchemaCodec(dots, { codec: dotsCodec, serdeView });
testGameVectors(dots, dotsCodec, { serdeView });

test('the made-up game\'s fixture carries a schema and a recorded match', () => {
  assert.equal(dots.schema.game, dots.game);
  assert.ok(dots.match.views.length > 0 && dots.match.inputs.length > 0);
  const schema = new Schema(dots.schema);
  assert.equal(schema.game, 'dots');
  assert.equal(schema.rulesVersion, dots.schema.rules_version);
});

test('schemaCodec has the codec functions of a game module', () => {
  const codec = schemaCodec(dots.schema);
  assert.deepEqual(Object.keys(codec).sort(), ['decodeFacts', 'decodeInput', 'decodeView', 'encodeInput', 'schema']);
  assert.ok(codec.schema instanceof Schema);
  assert.equal(schemaCodec(codec.schema).schema, codec.schema, 'a Schema is used as it is');
  assert.deepEqual(codec.decodeInput(codec.encodeInput({ dx: -3, dy: 7, fire: true })), { dx: -3, dy: 7, fire: true });
  const view = codec.decodeView(fromHex(dots.views[1].hex));
  assert.deepEqual(view.state, { Playing: 2 });
  assert.ok(Array.isArray(view.dots));
  const fromText = schemaCodec(JSON.stringify(dots.schema));
  assert.deepEqual(fromText.decodeFacts(fromHex(dots.facts[0].hex)), dotsCodec.decodeFacts(fromHex(dots.facts[0].hex)));
});

test('the smallest encodings the counts are checked against', () => {
  const schema = new Schema(dots.schema);
  assert.equal(schema.minSize({ ref: 'Dot' }), 1 + 2 + 2 + 1);
  assert.equal(schema.minSize({ ref: 'View' }), 1 + 1 + 1);
  assert.equal(schema.minSize({ ref: 'Facts' }), 4 + 4 + 1);
  assert.equal(schema.minSize({ ref: 'State' }), 1);
});

test('an error names its path: View.players[3].x', () => {
  const schema = make({
    View: { struct: [['time', 'u32'], ['players', { seq: { ref: 'Player' } }]] },
    Player: { struct: [['id', 'u8'], ['kills', 'u16'], ['x', 'fixed_u16']] },
  });
  const players = [0, 1, 2, 3].map((id) => ({ id, kills: 300, x: 1000 + id }));
  const bytes = schema.encode({ ref: 'View' }, { time: 5, players });
  assert.equal(bytes.length, 2 + 4 * 6);
  assert.deepEqual(schema.decode({ ref: 'View' }, bytes), { time: 5, players });
  const err = refused(() => schema.decode({ ref: 'View' }, bytes.subarray(0, -1)), /^View\.players\[3\]\.x: truncated/);
  assert.equal(err.path, 'View.players[3].x');
  assert.equal(err.offset, 24);
  refused(() => schema.decode({ ref: 'View' }, fromHex('050100fc0000')), /^View\.players\[0\]\.kills: invalid varint marker 252 at byte 3/);
});

// ---- schema.js on small hand-made schemas ----

/** A schema whose named types are `types` (roots unused unless given). */
function make(types, roots = {}) {
  return new Schema({ game: 'test', rules_version: 1, facts: 'unit', view: 'unit', input: 'unit', settings: 'unit', types, ...roots });
}

/** `fn` throws a WireError whose message matches `re`; returns it. */
function refused(fn, re) {
  let caught;
  assert.throws(fn, (e) => {
    caught = e;
    return e instanceof WireError && (!re || re.test(e.message));
  });
  return caught;
}

const plain = make({});

/** `value` of `type` encodes to `hex` and decodes back to `back` (default: `value`). */
function roundTrip(type, value, hex, back = value) {
  const bytes = plain.encode(type, value);
  assert.equal(toHex(bytes), hex, `${JSON.stringify(type)} ${String(value)}`);
  assert.deepStrictEqual(plain.decode(type, fromHex(hex)), back, `${JSON.stringify(type)} ${hex}`);
}

test('unsigned varints at every marker boundary', () => {
  roundTrip('u8', 0, '00');
  roundTrip('u8', 255, 'ff');
  roundTrip('u16', 250, 'fa');
  roundTrip('u16', 251, 'fbfb00');
  roundTrip('u16', 65535, 'fbffff');
  roundTrip('u32', 65535, 'fbffff');
  roundTrip('u32', 65536, 'fc00000100');
  roundTrip('u32', 2 ** 32 - 1, 'fcffffffff');
  roundTrip('u64', 2 ** 32, 'fd0000000001000000');
  roundTrip('u64', Number.MAX_SAFE_INTEGER, 'fdffffffffffff1f00');
  roundTrip('u64', 2n ** 53n, 'fd0000000000002000', 2n ** 53n);
  roundTrip('u64', 2n ** 64n - 1n, 'fdffffffffffffffff');
  roundTrip('u128', 2n ** 64n, `fe${'00'.repeat(8)}01${'00'.repeat(7)}`);
  roundTrip('u128', 2n ** 128n - 1n, `fe${'ff'.repeat(16)}`);
  roundTrip('u128', 7, '07');
  roundTrip('u128', 2 ** 32, 'fd0000000001000000');
  // Values the decoder gives as numbers when they are safe, whatever they were encoded from.
  roundTrip('u64', 5n, '05', 5);
  roundTrip('u64', '18446744073709551615', 'fdffffffffffffffff', 2n ** 64n - 1n);
  // A longer form whose marker fits the type is accepted, as the server's decoder does.
  assert.equal(plain.decode('u16', fromHex('fb0500')), 5);
  assert.equal(plain.decode('u64', fromHex('fc05000000')), 5);
});

test('signed integers: i8 a raw byte, the others zigzag', () => {
  roundTrip('i8', -1, 'ff');
  roundTrip('i8', -128, '80');
  roundTrip('i8', 127, '7f');
  roundTrip('i16', 0, '00');
  roundTrip('i16', -1, '01');
  roundTrip('i16', 1, '02');
  roundTrip('i16', -126, 'fbfb00');
  roundTrip('i16', 125, 'fa');
  roundTrip('i16', -32768, 'fbffff');
  roundTrip('i16', 32767, 'fbfeff');
  roundTrip('i32', -2147483648, 'fcffffffff');
  roundTrip('i32', 2147483647, 'fcfeffffff');
  roundTrip('i64', -1, '01');
  roundTrip('i64', -(2 ** 32), 'fdffffffff01000000');
  roundTrip('i64', -(2n ** 63n), `fd${'ff'.repeat(8)}`);
  roundTrip('i64', 2n ** 63n - 1n, `fdfe${'ff'.repeat(7)}`);
  roundTrip('i64', -(2 ** 53) + 1, 'fdfdffffffffff3f00');
  roundTrip('i64', -(2n ** 53n), 'fdffffffffffff3f00');
  roundTrip('i64', '-9223372036854775808', `fd${'ff'.repeat(8)}`, -(2n ** 63n));
  roundTrip('i128', -(2n ** 127n), `fe${'ff'.repeat(16)}`);
  roundTrip('i128', 2n ** 127n - 1n, `fefe${'ff'.repeat(15)}`);
  roundTrip('i128', -3, '05');
});

test('floats, bools, fixed_u16, unit', () => {
  roundTrip('f32', 1.5, '0000c03f');
  roundTrip('f32', -0, '00000080');
  roundTrip('f64', 1.5, '000000000000f83f');
  roundTrip('f64', 0.1, '9a9999999999b93f');
  assert.equal(toHex(plain.encode('f32', 0.1)), 'cdcccc3d');
  assert.equal(plain.decode('f32', fromHex('cdcccc3d')), Math.fround(0.1));
  assert.ok(Number.isNaN(plain.decode('f64', fromHex('000000000000f87f'))));
  roundTrip('bool', true, '01');
  roundTrip('bool', false, '00');
  roundTrip('fixed_u16', 5, '0500');
  roundTrip('fixed_u16', 0x1234, '3412');
  roundTrip('fixed_u16', 65535, 'ffff');
  roundTrip('unit', null, '');
  refused(() => plain.decode('bool', fromHex('02')), /^bool: invalid bool 2/);
  refused(() => plain.decode('f32', fromHex('000000')), /truncated/);
  refused(() => plain.decode('fixed_u16', fromHex('05')), /truncated/);
});

test('chars, strings and bytes', () => {
  roundTrip('char', 'a', '61');
  roundTrip('char', 'é', 'c3a9');
  roundTrip('char', '€', 'e282ac');
  roundTrip('char', '😀', 'f09f9880');
  roundTrip('char', '\uFEFF', 'efbbbf');
  roundTrip('str', '', '00');
  roundTrip('str', 'hé', '0368c3a9');
  roundTrip('str', '\uFEFFx', '04efbbbf78'); // a leading BOM is a character of the string
  roundTrip('str', 'x'.repeat(300), `fb2c01${'78'.repeat(300)}`);
  roundTrip('bytes', new Uint8Array([1, 2, 3]), '03010203');
  roundTrip('bytes', new Uint8Array(), '00');
  assert.equal(toHex(plain.encode('bytes', [9, 8])), '020908');
  for (const hex of ['ff', '80', 'c1bf', 'c328', 'eda080', 'f4908080', 'f5808080']) {
    refused(() => plain.decode('char', fromHex(hex)), /invalid (char|UTF-8)/);
  }
  refused(() => plain.decode('char', fromHex('e282')), /truncated/);
  refused(() => plain.decode('char', fromHex('6162')), /1 trailing bytes/);
  refused(() => plain.decode('str', fromHex('01ff')), /^str: invalid UTF-8/);
  refused(() => plain.decode('str', fromHex('02c328')), /invalid UTF-8/);
  refused(() => plain.decode('str', fromHex('0361')), /^str: length 3 exceeds the 1 bytes left at byte 0/);
  refused(() => plain.decode('bytes', fromHex('fd0000000000010000')), /exceeds the 0 bytes left/);
});

test('a marker wider than the field is refused', () => {
  refused(() => plain.decode('u16', fromHex('fc00000100')), /^u16: invalid varint marker 252 at byte 0/);
  refused(() => plain.decode('i16', fromHex('fc00000100')), /invalid varint marker 252/);
  refused(() => plain.decode('u32', fromHex('fd0000000001000000')), /invalid varint marker 253/);
  refused(() => plain.decode('i32', fromHex('fd0000000001000000')), /invalid varint marker 253/);
  refused(() => plain.decode('u64', fromHex(`fe${'00'.repeat(16)}`)), /invalid varint marker 254/);
  refused(() => plain.decode('u128', fromHex(`ff${'00'.repeat(16)}`)), /invalid varint marker 255/);
  refused(() => plain.decode({ seq: 'u8' }, fromHex(`fe${'00'.repeat(16)}`)), /invalid varint marker 254/);
  refused(() => plain.decode('u32', fromHex('fb00')), /truncated/);
  refused(() => plain.decode('u64', fromHex('fd00000000')), /truncated/);
});

test('options', () => {
  roundTrip({ option: 'u8' }, null, '00');
  roundTrip({ option: 'u8' }, 7, '0107');
  roundTrip({ option: { option: 'bool' } }, true, '010101');
  assert.equal(toHex(plain.encode({ option: 'u8' }, undefined)), '00');
  refused(() => plain.decode({ option: 'u8' }, fromHex('0207')), /invalid Option tag 2/);
  refused(() => plain.decode({ option: 'u8' }, fromHex('01')), /truncated/);
});

const shapes = make({
  Inner: { enum: [['A', null], ['B', { newtype: 'u16' }]] },
  Outer: {
    enum: [
      ['Unit', null],
      ['New', { newtype: { ref: 'Inner' } }],
      ['Tup', { tuple: [{ ref: 'Inner' }, 'bool'] }],
      ['Rec', { struct: [['inner', { ref: 'Inner' }], ['n', 'i32']] }],
      ['Empty', { tuple: [] }],
    ],
  },
  Id: { newtype: 'u32' },
  Pair: { tuple: ['u8', 'str'] },
  Nothing: { unit: null },
  Holder: { struct: [['id', { ref: 'Id' }], ['pair', { ref: 'Pair' }], ['nothing', { ref: 'Nothing' }], ['shape', { option: { ref: 'Outer' } }]] },
});

test('enums of every variant kind, nested', () => {
  const t = { ref: 'Outer' };
  const rt = (value, hex) => {
    assert.equal(toHex(shapes.encode(t, value)), hex);
    assert.deepStrictEqual(shapes.decode(t, fromHex(hex)), value);
  };
  rt('Unit', '00');
  rt({ New: 'A' }, '0100');
  rt({ New: { B: 300 } }, '0101fb2c01');
  rt({ Tup: [{ B: 1 }, true] }, '02010101');
  rt({ Rec: { inner: 'A', n: -1 } }, '030001');
  rt({ Empty: [] }, '04');
  assert.equal(toHex(shapes.encode(t, { Unit: null })), '00', 'a unit variant may be {Variant: null}');
  refused(() => shapes.decode(t, fromHex('05')), /^Outer: variant index 5 out of range for Outer \(5 variants\) at byte 0/);
  refused(() => shapes.decode(t, fromHex('0102')), /^Outer\.New: variant index 2 out of range for Inner/);
  refused(() => shapes.decode(t, fromHex('03fd0000000000000000')), /^Outer\.Rec\.inner: invalid varint marker 253/);
  refused(() => shapes.decode(t, fromHex('03fb0000')), /^Outer\.Rec\.n: truncated/); // index 0 in a longer form: accepted
  refused(() => shapes.decode(t, fromHex('fc00000080')), /variant index 2147483648 out of range/);
  assert.throws(() => shapes.encode(t, 'Nope'), (e) => e instanceof RangeError && /^Outer: unknown variant "Nope"/.test(e.message));
  assert.throws(() => shapes.encode(t, { New: 'C' }), (e) => e instanceof RangeError && /^Outer\.New: unknown variant "C" of Inner/.test(e.message));
  assert.throws(() => shapes.encode(t, 'New'), (e) => e instanceof TypeError && /^Outer\.New: variant New of Outer has content/.test(e.message));
  assert.throws(() => shapes.encode(t, { New: 'A', Tup: [] }), TypeError);
  assert.throws(() => shapes.encode(t, { Rec: { inner: 'A' } }), (e) => e instanceof TypeError && e.message === 'Outer.Rec.n: missing field');
  assert.throws(() => shapes.encode(t, { Unit: 5 }), TypeError);
});

test('newtype, tuple and unit structs in serde_json shape', () => {
  const t = { ref: 'Holder' };
  const value = { id: 70000, pair: [1, 'x'], nothing: null, shape: { Tup: ['A', false] } };
  const hex = 'fc70110100' + '01' + '0178' + '' + '01' + '02' + '00' + '00';
  assert.equal(toHex(shapes.encode(t, value)), hex);
  assert.deepStrictEqual(shapes.decode(t, fromHex(hex)), value);
  assert.deepStrictEqual(shapes.decode({ ref: 'Id' }, fromHex('07')), 7);
  assert.equal(shapes.decode({ ref: 'Nothing' }, new Uint8Array()), null);
  assert.throws(() => shapes.encode({ ref: 'Pair' }, [1]), (e) => e instanceof RangeError && /^Pair: a tuple struct of 2 items, got 1/.test(e.message));
  assert.equal(shapes.minSize(t), 1 + 2 + 0 + 1);
});

test('maps: a Map, or an object for string and integer keys', () => {
  const strings = { map: ['str', 'u8'] };
  const bytes = plain.encode(strings, new Map([['a', 1], ['b', 2]]));
  assert.equal(toHex(bytes), '02016101016202');
  assert.equal(toHex(plain.encode(strings, { a: 1, b: 2 })), '02016101016202');
  const back = plain.decode(strings, bytes);
  assert.ok(back instanceof Map);
  assert.deepStrictEqual([...back], [['a', 1], ['b', 2]]);
  const ints = { map: ['u16', { seq: 'bool' }] };
  assert.equal(toHex(plain.encode(ints, { 300: [true] })), '01fb2c010101');
  assert.deepStrictEqual([...plain.decode(ints, fromHex('01fb2c010101'))], [[300, [true]]]);
  const tuples = { map: [{ tuple: ['u8', 'u8'] }, 'unit'] };
  roundTrip(tuples, new Map([[[1, 2], null]]), '010102');
  assert.throws(() => plain.encode(tuples, { a: null }), TypeError);
  refused(() => plain.decode(strings, fromHex('020161010162')), /^map\[1\]\.value: truncated/);
  refused(() => plain.decode(strings, fromHex('0201610102')), /^map\[1\]\.key: length 2 exceeds the 0 bytes left/);
  refused(() => plain.decode(strings, fromHex('03016101')), /count 3 of items of at least 2 bytes exceeds the 3 bytes left/);
  assert.throws(() => plain.encode(strings, new Map([['a', 256]])), (e) => e instanceof RangeError && /^map\[0\]\.value: out of range for u8: 256/.test(e.message));
});

test('tuples and arrays', () => {
  roundTrip({ tuple: ['u8', 'i8', 'str'] }, [1, -1, 'x'], '01ff0178');
  roundTrip({ tuple: [] }, [], '');
  roundTrip({ array: ['u16', 3] }, [1, 300, 2], '01fb2c0102');
  roundTrip({ array: [{ array: ['u8', 2] }, 2] }, [[1, 2], [3, 4]], '01020304');
  roundTrip({ seq: { tuple: ['bool', 'u8'] } }, [[true, 1], [false, 2]], '0201010002');
  assert.throws(() => plain.encode({ array: ['u16', 3] }, [1, 2]), (e) => e instanceof RangeError && /^array: an array of 3 items, got 2/.test(e.message));
  assert.throws(() => plain.encode({ array: ['u16', 3] }, 'abc'), TypeError);
  assert.throws(() => plain.encode({ tuple: ['u8', 'u8'] }, [1, 2, 3]), RangeError);
  refused(() => plain.decode({ array: ['u16', 3] }, fromHex('0102')), /^array\[2\]: truncated/);
  assert.equal(toHex(plain.encode({ seq: 'u8' }, new Uint8Array([5, 6]))), '020506');
});

const recursive = make({
  List: { enum: [['Nil', null], ['Cons', { tuple: ['u8', { ref: 'List' }] }]] },
  Tree: { struct: [['value', 'u8'], ['children', { seq: { ref: 'Tree' } }]] },
  A: { struct: [['b', { option: { ref: 'B' } }]] },
  B: { newtype: { ref: 'A' } },
  Forever: { newtype: { ref: 'Forever' } },
});

test('recursive types', () => {
  const t = { ref: 'List' };
  const value = { Cons: [1, { Cons: [2, 'Nil'] }] };
  assert.equal(toHex(recursive.encode(t, value)), '0101010200');
  assert.deepStrictEqual(recursive.decode(t, fromHex('0101010200')), value);
  const tree = { value: 1, children: [{ value: 2, children: [] }, { value: 3, children: [{ value: 4, children: [] }] }] };
  const bytes = recursive.encode({ ref: 'Tree' }, tree);
  assert.equal(toHex(bytes), '0102020003010400');
  assert.deepStrictEqual(recursive.decode({ ref: 'Tree' }, bytes), tree);
  assert.deepStrictEqual(recursive.decode({ ref: 'A' }, fromHex('010100')), { b: { b: { b: null } } });
  assert.equal(recursive.minSize(t), 1);
  assert.equal(recursive.minSize({ ref: 'Tree' }), 2);
  assert.equal(recursive.minSize({ ref: 'A' }), 1);
});

test(`nesting deeper than ${MAX_DEPTH} is refused, without blowing the stack`, () => {
  const t = { ref: 'List' };
  const bytesOf = (n) => fromHex(`${'0100'.repeat(n)}00`);
  // MAX_DEPTH - 1 Cons and the Nil: MAX_DEPTH entries into List.
  const ok = recursive.decode(t, bytesOf(MAX_DEPTH - 1));
  assert.equal(toHex(recursive.encode(t, ok)), toHex(bytesOf(MAX_DEPTH - 1)));
  refused(() => recursive.decode(t, bytesOf(MAX_DEPTH)), new RegExp(`nested deeper than ${MAX_DEPTH}`));
  const err = refused(() => recursive.decode(t, bytesOf(30000)), /nested deeper than/);
  assert.match(err.path, /^List\.Cons\[1\]\.Cons\[1\]/);
  refused(() => recursive.decode({ ref: 'Tree' }, fromHex('0001'.repeat(1000))), /nested deeper than/);
  refused(() => recursive.decode({ ref: 'Forever' }, new Uint8Array()), /nested deeper than/);
  refused(() => recursive.decode({ seq: { ref: 'Forever' } }, fromHex('05')), /nested deeper than/);
  // Encoding refuses what decoding would, and a cycle in the value.
  assert.throws(() => recursive.encode(t, { Cons: [0, ok] }), (e) => e instanceof RangeError && /nested deeper than/.test(e.message));
  const cycle = { value: 1, children: [] };
  cycle.children.push(cycle);
  assert.throws(() => recursive.encode({ ref: 'Tree' }, cycle), (e) => e instanceof RangeError && /nested deeper than/.test(e.message));
});

test('a count bomb is refused before anything is allocated', () => {
  const bomb = fromHex(`fd0000000000010000${'00'.repeat(5)}`); // 2^40 items claimed, 5 bytes follow
  const started = performance.now();
  refused(() => plain.decode({ seq: 'u8' }, bomb), /^seq: count 1099511627776 of items of at least 1 bytes exceeds the 5 bytes left at byte 0/);
  refused(() => plain.decode({ seq: { seq: 'u8' } }, bomb), /count 1099511627776/);
  refused(() => plain.decode({ map: ['u8', 'u8'] }, bomb), /count 1099511627776 of items of at least 2 bytes/);
  refused(() => plain.decode({ seq: 'unit' }, bomb), /count 1099511627776 of zero-size items exceeds 65536/);
  refused(() => plain.decode({ seq: { tuple: [] } }, fromHex('fc01000100')), /zero-size items exceeds/);
  refused(() => plain.decode('str', bomb), /length 1099511627776 exceeds/);
  refused(() => plain.decode('bytes', fromHex(`fd${'ff'.repeat(8)}`)), /length 18446744073709551615 exceeds/);
  refused(() => plain.decode({ seq: 'f64' }, fromHex(`02${'00'.repeat(15)}`)), /count 2 of items of at least 8 bytes exceeds the 15 bytes left/);
  assert.ok(performance.now() - started < 500, 'refused at once');
  assert.equal(plain.decode({ seq: 'unit' }, fromHex('fc00000100')).length, MAX_ZERO_SIZE_ITEMS);
});

test('trailing bytes, and messages over the size limit, are refused', () => {
  refused(() => plain.decode('u8', fromHex('0100')), /^u8: 1 trailing bytes at byte 1/);
  refused(() => shapes.decode({ ref: 'Outer' }, fromHex('0000')), /^Outer: 1 trailing bytes/);
  refused(() => plain.decode('bytes', new Uint8Array(MAX_MESSAGE_BYTES + 1)), /exceed the 65536-byte message limit/);
  assert.equal(plain.decode({ array: ['u8', 100] }, new Uint8Array(100)).length, 100);
  refused(() => plain.decode('u8', new Uint8Array()), /^u8: truncated: need 1 more bytes at byte 0/);
});

test('encoding refuses values the type cannot carry, naming the path', () => {
  const schema = make({
    Input: { struct: [['x', 'fixed_u16'], ['buttons', 'u8'], ['aim', 'i8'], ['n', 'u64'], ['s', 'i64'], ['name', 'str'], ['c', 'char'], ['on', 'bool'], ['f', 'f32']] },
  }, { input: { ref: 'Input' } });
  const good = { x: 1, buttons: 2, aim: -3, n: 4, s: -5, name: 'n', c: 'c', on: true, f: 0.5 };
  assert.equal(toHex(schema.encodeInput(good)), '0100' + '02' + 'fd' + '04' + '09' + '016e' + '63' + '01' + '0000003f');
  assert.deepStrictEqual(schema.decodeInput(schema.encodeInput(good)), good);
  const bad = (change, Err, re) => assert.throws(() => schema.encodeInput({ ...good, ...change }), (e) => e instanceof Err && re.test(e.message), JSON.stringify(change, (k, v) => (typeof v === 'bigint' ? `${v}n` : v)));
  bad({ x: 65536 }, RangeError, /^Input\.x: not a fixed_u16: 65536/);
  bad({ x: -1 }, RangeError, /^Input\.x:/);
  bad({ x: '5' }, TypeError, /^Input\.x:/);
  bad({ buttons: 256 }, RangeError, /^Input\.buttons: out of range for u8: 256/);
  bad({ buttons: 1.5 }, RangeError, /^Input\.buttons: not an integer \(u8\): 1\.5/);
  bad({ buttons: NaN }, RangeError, /^Input\.buttons: not an integer/);
  bad({ buttons: '1' }, TypeError, /^Input\.buttons: not a u8/);
  bad({ buttons: undefined }, TypeError, /^Input\.buttons: not a u8: undefined/);
  bad({ aim: -129 }, RangeError, /^Input\.aim: out of range for i8/);
  bad({ n: -1 }, RangeError, /^Input\.n: out of range for u64: -1/);
  bad({ n: 2n ** 64n }, RangeError, /^Input\.n: out of range for u64/);
  bad({ n: 2 ** 64 }, RangeError, /^Input\.n: out of range for u64/);
  bad({ n: '1e3' }, TypeError, /^Input\.n: not a u64/);
  bad({ s: '9223372036854775808' }, RangeError, /^Input\.s: out of range for i64/);
  bad({ name: 5 }, TypeError, /^Input\.name: not a string/);
  bad({ name: 'a\uD800' }, RangeError, /^Input\.name: a string with a lone surrogate/);
  bad({ c: 'ab' }, RangeError, /^Input\.c: not a char/);
  bad({ c: '' }, RangeError, /^Input\.c: not a char/);
  bad({ c: '\uDC00' }, RangeError, /^Input\.c: not a char/);
  bad({ on: 1 }, TypeError, /^Input\.on: not a bool/);
  bad({ f: '0.5' }, TypeError, /^Input\.f: not an f32/);
  assert.throws(() => schema.encodeInput({ x: 1 }), (e) => e instanceof TypeError && e.message === 'Input.buttons: missing field');
  assert.throws(() => schema.encodeInput(null), (e) => e instanceof TypeError && /^Input: not a struct/.test(e.message));
  assert.throws(() => schema.encodeInput([1, 2]), (e) => e instanceof TypeError && /^Input: not a struct \(an object\): an array/.test(e.message));
  assert.throws(() => plain.encode({ seq: 'u8' }, 5), TypeError);
  assert.throws(() => plain.encode('unit', 0), TypeError);
  assert.throws(() => plain.encode('bytes', [256]), RangeError);
  assert.throws(() => plain.encode('bytes', 'ab'), TypeError);
  assert.throws(() => plain.encode({ seq: 'u8' }, new Array(MAX_MESSAGE_BYTES + 1).fill(0)), /exceed the 65536-byte message limit/);
  // Extra fields are ignored, as serde ignores unknown fields.
  assert.equal(toHex(schema.encodeInput({ ...good, extra: 1 })), toHex(schema.encodeInput(good)));
});

test('a field named __proto__ is an own property, not the prototype', () => {
  const schema = make({ S: { struct: [['__proto__', 'u8'], ['b', 'u8']] } });
  const v = schema.decode({ ref: 'S' }, fromHex('0102'));
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
  assert.deepStrictEqual(Object.keys(v), ['__proto__', 'b']);
  assert.equal(Object.getOwnPropertyDescriptor(v, '__proto__').value, 1);
  const wide = make({ W: { struct: Array.from({ length: 12 }, (_, i) => [`f${i}`, 'u8']) } });
  const w = wide.decode({ ref: 'W' }, fromHex('000102030405060708090a0b'));
  assert.deepStrictEqual(Object.values(w), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  refused(() => wide.decode({ ref: 'W' }, fromHex('000102030405060708090a')), /^W\.f11: truncated/);
});

test('struct decoders for every field count keep field order and name the failing field', () => {
  for (let n = 0; n <= 10; n++) {
    const fields = Array.from({ length: n }, (_, i) => [`k${i}`, 'u16']);
    const schema = make({ S: { struct: fields } });
    const value = Object.fromEntries(fields.map(([k], i) => [k, 250 + i]));
    const bytes = schema.encode({ ref: 'S' }, value);
    assert.deepStrictEqual(schema.decode({ ref: 'S' }, bytes), value);
    assert.deepStrictEqual(Object.keys(schema.decode({ ref: 'S' }, bytes)), fields.map(([k]) => k));
    if (n > 0) refused(() => schema.decode({ ref: 'S' }, bytes.subarray(0, -1)), new RegExp(`^S\\.k${n - 1}: truncated`));
  }
});

test('the schema document is checked when it is built', () => {
  const bad = (types, re, roots) => assert.throws(() => make(types, roots), (e) => e instanceof Error && re.test(e.message));
  bad({ T: { struct: [['a', 'u256']] } }, /types\.T\.struct\.a: unknown type "u256"/);
  bad({ T: { struct: [['a', { list: 'u8' }]] } }, /types\.T\.struct\.a: unknown type form "list"/);
  bad({ T: { struct: [['a', { ref: 'Missing' }]] } }, /no named type "Missing"/);
  bad({ T: { struct: [['a', 'T']] } }, /unknown type "T" \(a named type is \{"ref": "T"\}\)/);
  bad({ T: { record: [] } }, /types\.T: unknown named type form "record"/);
  bad({ T: { struct: [], enum: [] } }, /unknown named type form/);
  bad({ T: { enum: [['A', { unit: null }]] } }, /unknown variant form "unit"/);
  bad({ T: { enum: [['A', null], ['A', null]] } }, /two variants named "A"/);
  bad({ T: { struct: [['a', 'u8'], ['a', 'u8']] } }, /two fields named "a"/);
  bad({ T: { struct: [['a', { array: ['u8', -1] }]] } }, /an array's length/);
  bad({ T: { struct: [['a', { array: ['u8', 1e9] }]] } }, /an array's length/);
  bad({ T: { struct: [['a', { map: ['u8'] }]] } }, /a map is \[key type, value type\]/);
  bad({ T: { unit: 0 } }, /a unit struct is \{"unit": null\}/);
  bad({}, /view\.ref: no named type "View"/, { view: { ref: 'View' } });
  let deep = 'u8';
  for (let i = 0; i < 100; i++) deep = { option: deep };
  bad({ T: { newtype: deep } }, /nested deeper than 64/);
  assert.throws(() => new Schema({ facts: 'u8', view: 'u8', input: 'u8', settings: 'u8' }), /`types` must be an object/);
  assert.throws(() => new Schema({ types: {}, facts: 'u8', view: 'u8', input: 'u8' }), /no `settings` type/);
  assert.throws(() => new Schema(null), /must be an object/);
  assert.throws(() => plain.decode('View', new Uint8Array()), /unknown type "View"/);
  assert.throws(() => plain.decode({ ref: 'constructor' }, new Uint8Array()), /no named type "constructor"/);
});

test('gameSchema asks GET api/games/{name}/schema', async () => {
  const calls = [];
  const fetchImpl = async (url, init) => {
    calls.push({ url, method: init.method });
    return { ok: true, status: 200, statusText: 'OK', text: async () => JSON.stringify(dots.schema) };
  };
  const doc = await lobbyApi('api', fetchImpl).gameSchema('dots');
  assert.deepEqual(calls, [{ url: 'api/games/dots/schema', method: 'GET' }]);
  assert.deepEqual(doc, dots.schema);
  await lobbyApi('api', fetchImpl).gameSchema('a b/c');
  assert.equal(calls[1].url, 'api/games/a%20b%2Fc/schema');
});
