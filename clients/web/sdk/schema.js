// Any game's payloads from its schema: the description of its wire types (facts, view, input,
// settings) the server derives from the Rust types and serves at `GET /api/games/{name}/schema`
// (game/core/src/schema/mod.rs; docs/protocol.md part E). A game needs no hand-written codec:
// `schemaCodec(await api.gameSchema(name))` has the decodeFacts / decodeView / encodeInput /
// decodeInput a game module in a game's browser folder would otherwise write by hand.
//
// The encoding is bincode 2 with config::standard(), exactly as sdk/wire.js reads and writes it:
// u8/i8 one raw byte; u16…u128 varints (markers checked against the field's width); i16…i128
// zigzag then varint; f32/f64 little-endian IEEE; bool 00/01; char its UTF-8 bytes; str and bytes
// a varint length then the bytes; option 00 | 01 value; seq and map a varint count then the items;
// tuple and [T; N] the items, no count; struct its fields in order; newtype struct its value; an
// enum a varint u32 variant index then the content; fixed_u16 exactly two little-endian bytes.
//
// Values are in serde_json's shape (what the Rust side's serde_json::to_value gives, so the wire
// fixtures' `msg` compare directly): a struct is a plain object; a unit variant its name; another
// variant `{Variant: content}` (newtype: the value, tuple: an array, struct: an object); a newtype
// struct its inner value; tuples, tuple structs, arrays and seqs are arrays; an option null or the
// value; unit and unit structs null; a map a JS Map (encoding also takes a plain object for string
// or integer keys); fixed_u16, integers up to 32 bits, f32 and f64 numbers; u64/i64/u128/i128 a
// number when it is a safe integer, else a BigInt (encoding takes a number, a BigInt or a decimal
// string); bool a boolean; char and str strings; bytes a Uint8Array.
//
// Decoding is for bytes from the network: every failure is a WireError naming where it happened
// (`View.players[3].x: truncated: need 2 more bytes at byte 17`); a count is checked against the
// bytes left (divided by the smallest encoding of one item) before anything is allocated; entries
// into recursive types nest at most MAX_DEPTH deep; messages longer than MAX_MESSAGE_BYTES and
// trailing bytes are refused. Encoding checks values (range, integer, fields, variants, lengths)
// and throws RangeError or TypeError naming the path.
//
// The schema is compiled once into closures per type (named types cached), so decoding walks no
// JSON.

import {
  MAX_MESSAGE_BYTES, Reader, SINGLE_BYTE_MAX, U16_MARKER, U32_MARKER, U64_MARKER, WireError, Writer, asBytes,
} from './wire.js';

/** The varint marker of a u128 (16 bytes follow). */
export const U128_MARKER = 254;
/** How deep values of recursive named types may nest (decoding and encoding). */
export const MAX_DEPTH = 64;
/** Most items a seq or map of zero-size items (units) may claim. */
export const MAX_ZERO_SIZE_ITEMS = 65536;

/** Longest `[T; N]` a schema may describe; deepest nesting of one type expression. */
const MAX_ARRAY_LEN = 65536;
const MAX_SCHEMA_NESTING = 64;

const PRIMITIVES = new Set([
  'u8', 'u16', 'u32', 'u64', 'u128', 'i8', 'i16', 'i32', 'i64', 'i128',
  'f32', 'f64', 'bool', 'char', 'str', 'bytes', 'unit', 'fixed_u16',
]);
const TYPE_FORMS = ['option', 'seq', 'map', 'tuple', 'array', 'ref'];
const DEF_FORMS = ['struct', 'newtype', 'tuple', 'unit', 'enum'];
const VARIANT_FORMS = ['newtype', 'tuple', 'struct'];

// Strings: fatal on bad UTF-8, and a leading U+FEFF is kept (it is a character of the value).
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

const TWO_32 = 2 ** 32;
const TWO_64_BIG = 1n << 64n;

// ---------------------------------------------------------------------------------------------
// Paths: an error gathers its path segments on its way out (innermost first); the entry point
// puts them in order behind the root's name. Nothing is built while decoding succeeds.

const PATH = Symbol('arena.schema.path');

function withSegment(e, segment) {
  if (e !== null && typeof e === 'object') {
    if (!Object.hasOwn(e, PATH)) e[PATH] = [];
    e[PATH].push(segment);
  }
  return e;
}

function pathOf(e, root) {
  const segments = e !== null && typeof e === 'object' && Object.hasOwn(e, PATH) ? e[PATH] : [];
  let path = root;
  for (let i = segments.length - 1; i >= 0; i--) path += segments[i];
  return path;
}

function describe(e) {
  return e instanceof Error ? e.message : String(e);
}

// ---------------------------------------------------------------------------------------------
// The reader: sdk/wire.js's, plus the nesting depth of the value being read.

class SchemaReader extends Reader {
  constructor(bytes) {
    super(bytes);
    this.depth = 0;
  }
}

class SchemaWriter extends Writer {
  constructor() {
    super();
    this.depth = 0;
  }
}

/**
 * A varint accepting markers up to `maxMarker`: a number, or for a u64/u128 above
 * Number.MAX_SAFE_INTEGER a BigInt. Same checks and messages as wire.js's varintBig.
 */
function readVarint(r, maxMarker) {
  const at = r.pos;
  if (at >= r.bytes.length) r.need(1);
  const first = r.bytes[at];
  if (first <= SINGLE_BYTE_MAX) {
    r.pos = at + 1;
    return first;
  }
  if (first > maxMarker) throw new WireError(`invalid varint marker ${first}`, at);
  r.pos = at + 1;
  if (first === U16_MARKER) return r.fixedU16();
  if (first === U32_MARKER) {
    r.need(4);
    const v = r.view.getUint32(r.pos, true);
    r.pos += 4;
    return v;
  }
  if (first === U64_MARKER) {
    r.need(8);
    const lo = r.view.getUint32(r.pos, true);
    const hi = r.view.getUint32(r.pos + 4, true);
    r.pos += 8;
    return hi < 0x200000 ? hi * TWO_32 + lo : (BigInt(hi) << 32n) | BigInt(lo);
  }
  r.need(16);
  let v = 0n;
  for (let i = 3; i >= 0; i--) v = (v << 32n) | BigInt(r.view.getUint32(r.pos + 4 * i, true));
  r.pos += 16;
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** A BigInt as a number when that is exact. */
function narrow(v) {
  return v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Zigzag back to a signed value (number in, number out; BigInt in, number when safe). */
function unzigzag(z) {
  if (typeof z === 'number') return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  return narrow((z & 1n) === 1n ? -((z + 1n) >> 1n) : z >> 1n);
}

/** A string's or bytes' length (usize, encoded as u64): at most the bytes left. */
function readLength(r) {
  const at = r.pos;
  const n = readVarint(r, U64_MARKER);
  const left = r.bytes.length - r.pos;
  if (n > left) throw new WireError(`length ${n} exceeds the ${left} bytes left`, at);
  return Number(n);
}

/**
 * A count (usize, encoded as u64) of items at least `minItem` bytes long: it must fit in the
 * bytes left (at most MAX_ZERO_SIZE_ITEMS zero-size items), checked before anything is allocated.
 */
function readCount(r, minItem) {
  const at = r.pos;
  const n = readVarint(r, U64_MARKER);
  const left = r.bytes.length - r.pos;
  if (minItem > 0) {
    if (n > left / minItem) {
      throw new WireError(`count ${n} of items of at least ${minItem} bytes exceeds the ${left} bytes left`, at);
    }
  } else if (n > MAX_ZERO_SIZE_ITEMS) {
    throw new WireError(`count ${n} of zero-size items exceeds ${MAX_ZERO_SIZE_ITEMS}`, at);
  }
  return Number(n);
}

function utf8(r, n) {
  const at = r.pos;
  r.need(n);
  const slice = r.bytes.subarray(at, at + n);
  r.pos = at + n;
  try {
    return utf8Decoder.decode(slice);
  } catch {
    throw new WireError('invalid UTF-8', at);
  }
}

/** A char: one Unicode scalar as its 1 to 4 UTF-8 bytes (the width from the first byte). */
function readChar(r) {
  const at = r.pos;
  const first = r.u8();
  let width = 0;
  if (first < 0x80) width = 1;
  else if (first >= 0xc2 && first <= 0xdf) width = 2;
  else if (first >= 0xe0 && first <= 0xef) width = 3;
  else if (first >= 0xf0 && first <= 0xf4) width = 4;
  if (width === 0) throw new WireError(`invalid char: UTF-8 cannot start with ${first}`, at);
  r.pos = at;
  r.need(width);
  const s = utf8(r, width);
  if (s.length !== (width === 4 ? 2 : 1)) throw new WireError('invalid char', at);
  return s;
}

const PRIM_DECODERS = {
  unit: () => null,
  bool: (r) => r.bool(),
  u8: (r) => r.u8(),
  u16: (r) => readVarint(r, U16_MARKER),
  u32: (r) => readVarint(r, U32_MARKER),
  u64: (r) => readVarint(r, U64_MARKER),
  u128: (r) => readVarint(r, U128_MARKER),
  i8: (r) => {
    const b = r.u8();
    return b > 127 ? b - 256 : b;
  },
  i16: (r) => unzigzag(readVarint(r, U16_MARKER)),
  i32: (r) => unzigzag(readVarint(r, U32_MARKER)),
  i64: (r) => unzigzag(readVarint(r, U64_MARKER)),
  i128: (r) => unzigzag(readVarint(r, U128_MARKER)),
  f32: (r) => r.f32(),
  f64: (r) => {
    r.need(8);
    const v = r.view.getFloat64(r.pos, true);
    r.pos += 8;
    return v;
  },
  char: readChar,
  str: (r) => utf8(r, readLength(r)),
  bytes: (r) => {
    const n = readLength(r);
    const out = r.bytes.slice(r.pos, r.pos + n);
    r.pos += n;
    return out;
  },
  fixed_u16: (r) => r.fixedU16(),
};

const PRIM_MIN_SIZE = {
  unit: 0, bool: 1, u8: 1, u16: 1, u32: 1, u64: 1, u128: 1, i8: 1, i16: 1, i32: 1, i64: 1, i128: 1,
  f32: 4, f64: 8, char: 1, str: 1, bytes: 1, fixed_u16: 2,
};

// ---------------------------------------------------------------------------------------------
// Encoding primitives.

/** Shortest varint of a non-negative integer below 2^128 (a number or a BigInt). */
function writeVarint(w, v) {
  const out = w.out;
  if (typeof v === 'number') {
    if (v <= SINGLE_BYTE_MAX) out.push(v);
    else if (v <= 0xffff) out.push(U16_MARKER, v & 0xff, v >>> 8);
    else if (v <= 0xffffffff) out.push(U32_MARKER, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
    else if (Number.isSafeInteger(v)) {
      const lo = v % TWO_32;
      const hi = (v - lo) / TWO_32;
      out.push(U64_MARKER, lo & 0xff, (lo >>> 8) & 0xff, (lo >>> 16) & 0xff, lo >>> 24,
        hi & 0xff, (hi >>> 8) & 0xff, (hi >>> 16) & 0xff, hi >>> 24);
    } else writeVarint(w, BigInt(v));
    return;
  }
  if (v <= 0xffffffffn) {
    writeVarint(w, Number(v));
    return;
  }
  const width = v < TWO_64_BIG ? 8 : 16;
  out.push(width === 8 ? U64_MARKER : U128_MARKER);
  for (let i = 0n; i < BigInt(width); i++) out.push(Number((v >> (8n * i)) & 0xffn));
}

function integerKind(name) {
  const signed = name[0] === 'i';
  const bits = Number(name.slice(1));
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  return { name, signed, bits, min, max, minN: Number(min), maxN: Number(max), wide: bits >= 64 };
}

/**
 * A JS value as an integer of `kind`: a number (an integer in range), a BigInt, or for the 64
 * and 128 bit types a decimal string. Returns a number when the value is a safe integer.
 */
function integer(kind, v) {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new RangeError(`not an integer (${kind.name}): ${v}`);
    if (kind.wide ? v < kind.min || v > kind.max : v < kind.minN || v > kind.maxN) {
      throw new RangeError(`out of range for ${kind.name}: ${v}`);
    }
    return Number.isSafeInteger(v) ? v : BigInt(v);
  }
  let big;
  if (typeof v === 'bigint') big = v;
  else if (typeof v === 'string' && kind.wide && /^-?[0-9]+$/.test(v)) big = BigInt(v);
  else throw new TypeError(`not a ${kind.name}: ${typeof v === 'string' ? JSON.stringify(v) : typeof v}`);
  if (big < kind.min || big > kind.max) throw new RangeError(`out of range for ${kind.name}: ${v}`);
  return narrow(big);
}

function zigzag(v) {
  if (typeof v === 'number' && Math.abs(v) <= 0x80000000) return v >= 0 ? v * 2 : -v * 2 - 1;
  const b = BigInt(v);
  return narrow(b >= 0n ? b << 1n : (-b << 1n) - 1n);
}

function wellFormed(s) {
  return typeof s.isWellFormed === 'function' ? s.isWellFormed() : !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

function writeUtf8(w, s) {
  if (typeof s !== 'string') throw new TypeError(`not a string: ${typeof s}`);
  if (!wellFormed(s)) throw new RangeError('a string with a lone surrogate has no UTF-8 form');
  const bytes = utf8Encoder.encode(s);
  writeVarint(w, bytes.length);
  for (let i = 0; i < bytes.length; i++) w.out.push(bytes[i]);
}

function bytesOf(v) {
  if (Array.isArray(v)) {
    for (const b of v) if (!Number.isInteger(b) || b < 0 || b > 0xff) throw new RangeError(`not a byte: ${b}`);
    return v;
  }
  if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return asBytes(v);
  throw new TypeError(`not bytes: ${v === null ? 'null' : typeof v}`);
}

function primEncoder(name) {
  switch (name) {
    case 'unit':
      return (w, v) => {
        if (v !== null && v !== undefined) throw new TypeError(`not a unit (null): ${typeof v}`);
      };
    case 'bool':
      return (w, v) => {
        if (typeof v !== 'boolean') throw new TypeError(`not a bool: ${typeof v}`);
        w.out.push(v ? 1 : 0);
      };
    case 'u8':
    case 'i8': {
      const kind = integerKind(name);
      return (w, v) => w.out.push(integer(kind, v) & 0xff);
    }
    case 'u16':
    case 'u32':
    case 'u64':
    case 'u128': {
      const kind = integerKind(name);
      return (w, v) => writeVarint(w, integer(kind, v));
    }
    case 'i16':
    case 'i32':
    case 'i64':
    case 'i128': {
      const kind = integerKind(name);
      return (w, v) => writeVarint(w, zigzag(integer(kind, v)));
    }
    case 'fixed_u16':
      return (w, v) => {
        if (typeof v !== 'number') throw new TypeError(`not a fixed_u16: ${typeof v}`);
        if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`not a fixed_u16: ${v}`);
        w.out.push(v & 0xff, v >>> 8);
      };
    case 'f32':
    case 'f64': {
      const size = name === 'f32' ? 4 : 8;
      const buf = new DataView(new ArrayBuffer(8));
      return (w, v) => {
        if (typeof v !== 'number') throw new TypeError(`not an ${name}: ${typeof v}`);
        if (size === 4) buf.setFloat32(0, v, true);
        else buf.setFloat64(0, v, true);
        for (let i = 0; i < size; i++) w.out.push(buf.getUint8(i));
      };
    }
    case 'char':
      return (w, v) => {
        if (typeof v !== 'string') throw new TypeError(`not a char: ${typeof v}`);
        const cp = v.codePointAt(0);
        if (cp === undefined || v.length !== (cp > 0xffff ? 2 : 1) || (cp >= 0xd800 && cp <= 0xdfff)) {
          throw new RangeError(`not a char (exactly one Unicode scalar): ${JSON.stringify(v)}`);
        }
        const bytes = utf8Encoder.encode(v);
        for (let i = 0; i < bytes.length; i++) w.out.push(bytes[i]);
      };
    case 'str':
      return writeUtf8;
    case 'bytes':
      return (w, v) => {
        const b = bytesOf(v);
        writeVarint(w, b.length);
        for (let i = 0; i < b.length; i++) w.out.push(b[i]);
      };
    default:
      throw new Error(`unknown primitive ${name}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Struct decoders for up to 8 fields, one function per field count with a store per field: each
// store then sees the few (shape, name) pairs of the structs with that many fields and stays fast,
// where one loop storing every struct's fields would not. `f` is the index of the field being read
// (for the path of an error).

function fieldError(e, names, f) {
  return withSegment(e, `.${names[f]}`);
}

const STRUCT_DECODERS = [
  () => () => ({}),
  (k, [a]) => (r) => {
    const o = {};
    try {
      o[k[0]] = a(r);
    } catch (e) {
      throw fieldError(e, k, 0);
    }
    return o;
  },
  ([k0, k1], [a, b]) => (r) => {
    const o = {};
    let f = 0;
    try {
      o[k0] = a(r); f = 1;
      o[k1] = b(r);
    } catch (e) {
      throw fieldError(e, [k0, k1], f);
    }
    return o;
  },
  (k, [a, b, c]) => {
    const [k0, k1, k2] = k;
    return (r) => {
      const o = {};
      let f = 0;
      try {
        o[k0] = a(r); f = 1;
        o[k1] = b(r); f = 2;
        o[k2] = c(r);
      } catch (e) {
        throw fieldError(e, k, f);
      }
      return o;
    };
  },
  (k, [a, b, c, d]) => {
    const [k0, k1, k2, k3] = k;
    return (r) => {
      const o = {};
      let f = 0;
      try {
        o[k0] = a(r); f = 1;
        o[k1] = b(r); f = 2;
        o[k2] = c(r); f = 3;
        o[k3] = d(r);
      } catch (e) {
        throw fieldError(e, k, f);
      }
      return o;
    };
  },
  (k, [a, b, c, d, e5]) => {
    const [k0, k1, k2, k3, k4] = k;
    return (r) => {
      const o = {};
      let f = 0;
      try {
        o[k0] = a(r); f = 1;
        o[k1] = b(r); f = 2;
        o[k2] = c(r); f = 3;
        o[k3] = d(r); f = 4;
        o[k4] = e5(r);
      } catch (e) {
        throw fieldError(e, k, f);
      }
      return o;
    };
  },
  (k, [a, b, c, d, e5, g]) => {
    const [k0, k1, k2, k3, k4, k5] = k;
    return (r) => {
      const o = {};
      let f = 0;
      try {
        o[k0] = a(r); f = 1;
        o[k1] = b(r); f = 2;
        o[k2] = c(r); f = 3;
        o[k3] = d(r); f = 4;
        o[k4] = e5(r); f = 5;
        o[k5] = g(r);
      } catch (e) {
        throw fieldError(e, k, f);
      }
      return o;
    };
  },
  (k, [a, b, c, d, e5, g, h]) => {
    const [k0, k1, k2, k3, k4, k5, k6] = k;
    return (r) => {
      const o = {};
      let f = 0;
      try {
        o[k0] = a(r); f = 1;
        o[k1] = b(r); f = 2;
        o[k2] = c(r); f = 3;
        o[k3] = d(r); f = 4;
        o[k4] = e5(r); f = 5;
        o[k5] = g(r); f = 6;
        o[k6] = h(r);
      } catch (e) {
        throw fieldError(e, k, f);
      }
      return o;
    };
  },
  (k, [a, b, c, d, e5, g, h, i]) => {
    const [k0, k1, k2, k3, k4, k5, k6, k7] = k;
    return (r) => {
      const o = {};
      let f = 0;
      try {
        o[k0] = a(r); f = 1;
        o[k1] = b(r); f = 2;
        o[k2] = c(r); f = 3;
        o[k3] = d(r); f = 4;
        o[k4] = e5(r); f = 5;
        o[k5] = g(r); f = 6;
        o[k6] = h(r); f = 7;
        o[k7] = i(r);
      } catch (e) {
        throw fieldError(e, k, f);
      }
      return o;
    };
  },
];

/** More fields than STRUCT_DECODERS has makers for: one loop (facts and other rare structs). */
function loopStructDecoder(names, items) {
  const n = names.length;
  return (r) => {
    const o = {};
    let i = 0;
    try {
      for (; i < n; i++) o[names[i]] = items[i](r);
    } catch (e) {
      throw fieldError(e, names, i);
    }
    return o;
  };
}

// ---------------------------------------------------------------------------------------------
// Schema validation.

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The one key of a `{form: content}` object, or throws. */
function oneKey(v, forms, where, what) {
  if (!isPlainObject(v)) throw new Error(`schema: ${where}: ${what} must be ${what === 'type' ? 'a primitive name or ' : ''}an object with one key, got ${JSON.stringify(v)}`);
  const keys = Object.keys(v);
  if (keys.length !== 1 || !forms.includes(keys[0])) {
    throw new Error(`schema: ${where}: unknown ${what} form ${JSON.stringify(keys.length === 1 ? keys[0] : keys)} (expected one of ${forms.join(', ')})`);
  }
  return keys[0];
}

function typeLabel(t) {
  if (typeof t === 'string') return t;
  if (isPlainObject(t)) {
    if (typeof t.ref === 'string') return t.ref;
    const key = Object.keys(t)[0];
    if (key) return key;
  }
  return 'value';
}

/** A game's wire types (the schema document), compiled to decoders and encoders. */
export class Schema {
  #types = new Map();
  #minSizes = new Map();
  #recursive = new Set();
  #refDecoders = new Map();
  #refEncoders = new Map();
  #byKey = new Map(); // JSON of a type → {dec, enc, label}
  #byObject = new WeakMap(); // a type object → the same
  #roots;

  /** `json`: the document of `GET /api/games/{name}/schema` (an object, or its JSON text). */
  constructor(json) {
    const doc = typeof json === 'string' ? JSON.parse(json) : json;
    if (!isPlainObject(doc)) throw new Error('schema: the document must be an object');
    if (!isPlainObject(doc.types)) throw new Error('schema: `types` must be an object of named types');
    if (doc.game !== undefined && typeof doc.game !== 'string') throw new Error('schema: `game` must be a string');
    if (doc.rules_version !== undefined && !Number.isInteger(doc.rules_version)) throw new Error('schema: `rules_version` must be an integer');
    for (const [name, def] of Object.entries(doc.types)) this.#types.set(name, def);
    for (const [name, def] of this.#types) this.#checkDef(def, `types.${name}`);
    for (const root of ['facts', 'view', 'input', 'settings']) {
      if (doc[root] === undefined) throw new Error(`schema: the document has no \`${root}\` type`);
      this.#checkType(doc[root], root, 0);
    }
    /** The game's registry name and rules version, as the document says. */
    this.game = doc.game ?? null;
    this.rulesVersion = doc.rules_version ?? null;
    /** The document itself. */
    this.json = doc;
    this.#findRecursive();
    this.#computeMinSizes();
    // The roots' errors start with the named type (`View.players[3].x: …`), else with the role.
    const root = (role) => {
      const c = this.#compiled(doc[role]);
      return typeof doc[role] === 'object' && typeof doc[role].ref === 'string' ? c : { ...c, label: role };
    };
    this.#roots = { facts: root('facts'), view: root('view'), input: root('input'), settings: root('settings') };
  }

  /** The named types (name → its description), for tools. */
  get types() {
    return new Map(this.#types);
  }

  /** Decodes exactly one value of type `type` (a T: primitive name or `{form: …}`) from `bytes`. */
  decode(type, bytes) {
    return decodeWith(this.#compiled(type), bytes);
  }

  /** Encodes `value` as type `type` → its bytes. */
  encode(type, value) {
    return encodeWith(this.#compiled(type), value);
  }

  decodeFacts(bytes) {
    return decodeWith(this.#roots.facts, bytes);
  }

  decodeView(bytes) {
    return decodeWith(this.#roots.view, bytes);
  }

  decodeInput(bytes) {
    return decodeWith(this.#roots.input, bytes);
  }

  decodeSettings(bytes) {
    return decodeWith(this.#roots.settings, bytes);
  }

  encodeInput(value) {
    return encodeWith(this.#roots.input, value);
  }

  /** For tests and tools (the server writes facts and views). */
  encodeFacts(value) {
    return encodeWith(this.#roots.facts, value);
  }

  encodeView(value) {
    return encodeWith(this.#roots.view, value);
  }

  encodeSettings(value) {
    return encodeWith(this.#roots.settings, value);
  }

  /** The fewest bytes a value of `type` encodes to (what a count is checked against). */
  minSize(type) {
    this.#compiled(type); // validates
    return this.#minSize(type);
  }

  // ---- validation ----

  #checkType(t, where, depth) {
    if (depth > MAX_SCHEMA_NESTING) throw new Error(`schema: ${where}: nested deeper than ${MAX_SCHEMA_NESTING}`);
    if (typeof t === 'string') {
      if (!PRIMITIVES.has(t)) throw new Error(`schema: ${where}: unknown type ${JSON.stringify(t)}${this.#types.has(t) ? ` (a named type is {"ref": ${JSON.stringify(t)}})` : ''}`);
      return;
    }
    const form = oneKey(t, TYPE_FORMS, where, 'type');
    const c = t[form];
    const at = `${where}.${form}`;
    switch (form) {
      case 'option':
      case 'seq':
        this.#checkType(c, at, depth + 1);
        break;
      case 'map':
        if (!Array.isArray(c) || c.length !== 2) throw new Error(`schema: ${at}: a map is [key type, value type]`);
        this.#checkType(c[0], `${at}[0]`, depth + 1);
        this.#checkType(c[1], `${at}[1]`, depth + 1);
        break;
      case 'tuple':
        if (!Array.isArray(c)) throw new Error(`schema: ${at}: a tuple is an array of types`);
        c.forEach((item, i) => this.#checkType(item, `${at}[${i}]`, depth + 1));
        break;
      case 'array':
        if (!Array.isArray(c) || c.length !== 2) throw new Error(`schema: ${at}: an array is [item type, length]`);
        if (!Number.isInteger(c[1]) || c[1] < 0 || c[1] > MAX_ARRAY_LEN) throw new Error(`schema: ${at}: an array's length must be an integer from 0 to ${MAX_ARRAY_LEN}, got ${JSON.stringify(c[1])}`);
        this.#checkType(c[0], `${at}[0]`, depth + 1);
        break;
      case 'ref':
        if (typeof c !== 'string') throw new Error(`schema: ${at}: a ref is a type name`);
        if (!this.#types.has(c)) throw new Error(`schema: ${at}: no named type ${JSON.stringify(c)} in \`types\``);
        break;
      default:
        break;
    }
  }

  #checkFields(fields, where, what) {
    if (!Array.isArray(fields)) throw new Error(`schema: ${where}: ${what} are an array of [name, type]`);
    const seen = new Set();
    fields.forEach((f, i) => {
      if (!Array.isArray(f) || f.length !== 2 || typeof f[0] !== 'string') throw new Error(`schema: ${where}[${i}]: a field is [name, type]`);
      if (seen.has(f[0])) throw new Error(`schema: ${where}: two fields named ${JSON.stringify(f[0])}`);
      seen.add(f[0]);
      this.#checkType(f[1], `${where}.${f[0]}`, 1);
    });
  }

  #checkDef(def, where) {
    const form = oneKey(def, DEF_FORMS, where, 'named type');
    const c = def[form];
    const at = `${where}.${form}`;
    switch (form) {
      case 'struct':
        this.#checkFields(c, at, 'fields');
        break;
      case 'newtype':
        this.#checkType(c, at, 1);
        break;
      case 'tuple':
        if (!Array.isArray(c)) throw new Error(`schema: ${at}: a tuple struct is an array of types`);
        c.forEach((item, i) => this.#checkType(item, `${at}[${i}]`, 1));
        break;
      case 'unit':
        if (c !== null) throw new Error(`schema: ${at}: a unit struct is {"unit": null}`);
        break;
      case 'enum': {
        if (!Array.isArray(c)) throw new Error(`schema: ${at}: an enum is an array of [variant, content]`);
        const seen = new Set();
        c.forEach((v, i) => {
          if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string') throw new Error(`schema: ${at}[${i}]: a variant is [name, content]`);
          if (seen.has(v[0])) throw new Error(`schema: ${at}: two variants named ${JSON.stringify(v[0])}`);
          seen.add(v[0]);
          if (v[1] === null) return;
          const vform = oneKey(v[1], VARIANT_FORMS, `${at}.${v[0]}`, 'variant');
          const vc = v[1][vform];
          const vat = `${at}.${v[0]}.${vform}`;
          if (vform === 'newtype') this.#checkType(vc, vat, 1);
          else if (vform === 'tuple') {
            if (!Array.isArray(vc)) throw new Error(`schema: ${vat}: a tuple variant is an array of types`);
            vc.forEach((item, j) => this.#checkType(item, `${vat}[${j}]`, 1));
          } else this.#checkFields(vc, vat, 'fields');
        });
        break;
      }
      default:
        break;
    }
  }

  // ---- analysis ----

  /** The named types a type expression refers to directly. */
  static #refsOf(t, out) {
    if (typeof t === 'string') return out;
    const form = Object.keys(t)[0];
    const c = t[form];
    if (form === 'ref') out.push(c);
    else if (form === 'option' || form === 'seq') Schema.#refsOf(c, out);
    else if (form === 'map' || form === 'tuple') for (const item of c) Schema.#refsOf(item, out);
    else if (form === 'array') Schema.#refsOf(c[0], out);
    return out;
  }

  /** The types inside a named type. */
  static #partsOf(def) {
    const form = Object.keys(def)[0];
    const c = def[form];
    if (form === 'struct') return c.map((f) => f[1]);
    if (form === 'newtype') return [c];
    if (form === 'tuple') return c;
    if (form === 'enum') {
      const parts = [];
      for (const [, v] of c) {
        if (v === null) continue;
        const vform = Object.keys(v)[0];
        if (vform === 'newtype') parts.push(v.newtype);
        else if (vform === 'tuple') parts.push(...v.tuple);
        else parts.push(...v.struct.map((f) => f[1]));
      }
      return parts;
    }
    return [];
  }

  /** Named types that can contain themselves (only they count towards MAX_DEPTH). */
  #findRecursive() {
    const edges = new Map();
    for (const [name, def] of this.#types) {
      const out = [];
      for (const part of Schema.#partsOf(def)) Schema.#refsOf(part, out);
      edges.set(name, out);
    }
    // Tarjan's strongly connected components, iteratively (no recursion on the schema's size).
    let counter = 0;
    const index = new Map();
    const low = new Map();
    const stack = [];
    const onStack = new Set();
    for (const start of this.#types.keys()) {
      if (index.has(start)) continue;
      const work = [[start, 0]];
      index.set(start, counter);
      low.set(start, counter++);
      stack.push(start);
      onStack.add(start);
      while (work.length) {
        const frame = work[work.length - 1];
        const [node, i] = frame;
        const next = edges.get(node);
        if (i < next.length) {
          frame[1]++;
          const m = next[i];
          if (!index.has(m)) {
            index.set(m, counter);
            low.set(m, counter++);
            stack.push(m);
            onStack.add(m);
            work.push([m, 0]);
          } else if (onStack.has(m)) low.set(node, Math.min(low.get(node), index.get(m)));
          continue;
        }
        work.pop();
        if (work.length) {
          const parent = work[work.length - 1][0];
          low.set(parent, Math.min(low.get(parent), low.get(node)));
        }
        if (low.get(node) === index.get(node)) {
          const component = [];
          let m;
          do {
            m = stack.pop();
            onStack.delete(m);
            component.push(m);
          } while (m !== node);
          if (component.length > 1 || edges.get(node).includes(node)) for (const c of component) this.#recursive.add(c);
        }
      }
    }
  }

  /**
   * The fewest bytes of each named type: the least fixed point, reached from 0 upwards (every
   * step is a lower bound, so stopping early is still safe; a type with no finite value grows
   * until the cap).
   */
  #computeMinSizes() {
    const cap = MAX_MESSAGE_BYTES + 1;
    for (const name of this.#types.keys()) this.#minSizes.set(name, 0);
    for (let round = 0; round < 256 + this.#types.size; round++) {
      let changed = false;
      for (const [name, def] of this.#types) {
        const size = Math.min(cap, this.#defMinSize(def));
        if (size !== this.#minSizes.get(name)) {
          this.#minSizes.set(name, size);
          changed = true;
        }
      }
      if (!changed) break;
    }
  }

  #defMinSize(def) {
    const form = Object.keys(def)[0];
    const c = def[form];
    const sum = (types) => types.reduce((s, t) => s + this.#minSize(t), 0);
    switch (form) {
      case 'struct':
        return sum(c.map((f) => f[1]));
      case 'newtype':
        return this.#minSize(c);
      case 'tuple':
        return sum(c);
      case 'unit':
        return 0;
      case 'enum': {
        if (c.length === 0) return MAX_MESSAGE_BYTES + 1; // no value at all
        let least = Infinity;
        for (const [, v] of c) {
          let size = 0;
          if (v !== null) {
            const vform = Object.keys(v)[0];
            if (vform === 'newtype') size = this.#minSize(v.newtype);
            else if (vform === 'tuple') size = sum(v.tuple);
            else size = sum(v.struct.map((f) => f[1]));
          }
          least = Math.min(least, size);
        }
        return 1 + least;
      }
      default:
        return 0;
    }
  }

  #minSize(t) {
    if (typeof t === 'string') return PRIM_MIN_SIZE[t];
    const form = Object.keys(t)[0];
    const c = t[form];
    switch (form) {
      case 'option':
      case 'seq':
      case 'map':
        return 1;
      case 'tuple':
        return Math.min(MAX_MESSAGE_BYTES + 1, c.reduce((s, item) => s + this.#minSize(item), 0));
      case 'array':
        return Math.min(MAX_MESSAGE_BYTES + 1, c[1] * this.#minSize(c[0]));
      case 'ref':
        return this.#minSizes.get(c);
      default:
        return 0;
    }
  }

  // ---- compilation ----

  /** A type (validated on first sight) compiled: {dec, enc, label}, cached. */
  #compiled(type) {
    const isObject = type !== null && typeof type === 'object';
    if (isObject) {
      const hit = this.#byObject.get(type);
      if (hit) return hit;
    }
    const key = typeof type === 'string' ? type : JSON.stringify(type);
    let c = this.#byKey.get(key);
    if (!c) {
      this.#checkType(type, 'type', 0);
      c = { dec: this.#decoder(type), enc: this.#encoder(type), label: typeLabel(type) };
      this.#byKey.set(key, c);
    }
    if (isObject) this.#byObject.set(type, c);
    return c;
  }

  #decoder(t) {
    if (typeof t === 'string') return PRIM_DECODERS[t];
    const form = Object.keys(t)[0];
    const c = t[form];
    switch (form) {
      case 'option': {
        const item = this.#decoder(c);
        return (r) => {
          const at = r.pos;
          const tag = r.u8();
          if (tag === 0) return null;
          if (tag !== 1) throw new WireError(`invalid Option tag ${tag}`, at);
          return item(r);
        };
      }
      case 'seq': {
        const item = this.#decoder(c);
        const min = this.#minSize(c);
        return (r) => {
          const n = readCount(r, min);
          const out = new Array(n);
          let i = 0;
          try {
            for (; i < n; i++) out[i] = item(r);
          } catch (e) {
            throw withSegment(e, `[${i}]`);
          }
          return out;
        };
      }
      case 'map': {
        const key = this.#decoder(c[0]);
        const value = this.#decoder(c[1]);
        const min = this.#minSize(c[0]) + this.#minSize(c[1]);
        return (r) => {
          const n = readCount(r, min);
          const out = new Map();
          let i = 0;
          let part = '.key';
          try {
            for (; i < n; i++) {
              part = '.key';
              const k = key(r);
              part = '.value';
              out.set(k, value(r));
            }
          } catch (e) {
            throw withSegment(e, `[${i}]${part}`);
          }
          return out;
        };
      }
      case 'tuple':
        return this.#tupleDecoder(c);
      case 'array': {
        const item = this.#decoder(c[0]);
        const n = c[1]; // at most MAX_ARRAY_LEN: the schema's, not the bytes'
        return (r) => {
          const out = new Array(n);
          let i = 0;
          try {
            for (; i < n; i++) out[i] = item(r);
          } catch (e) {
            throw withSegment(e, `[${i}]`);
          }
          return out;
        };
      }
      case 'ref':
        return this.#refDecoder(c);
      default:
        throw new Error(`schema: unknown type form ${form}`);
    }
  }

  #tupleDecoder(types) {
    const items = types.map((t) => this.#decoder(t));
    const n = items.length;
    return (r) => {
      const out = new Array(n);
      let i = 0;
      try {
        for (; i < n; i++) out[i] = items[i](r);
      } catch (e) {
        throw withSegment(e, `[${i}]`);
      }
      return out;
    };
  }

  #structDecoder(fields) {
    const names = fields.map((f) => f[0]);
    const items = fields.map((f) => this.#decoder(f[1]));
    const n = names.length;
    if (!names.includes('__proto__')) return (n < STRUCT_DECODERS.length ? STRUCT_DECODERS[n] : loopStructDecoder)(names, items);
    // A field named __proto__ must be defined, not assigned (that would set the prototype).
    return (r) => {
      const out = {};
      let i = 0;
      try {
        for (; i < n; i++) Object.defineProperty(out, names[i], { value: items[i](r), enumerable: true, writable: true, configurable: true });
      } catch (e) {
        throw withSegment(e, `.${names[i]}`);
      }
      return out;
    };
  }

  #refDecoder(name) {
    const known = this.#refDecoders.get(name);
    if (known) return known;
    if (!this.#recursive.has(name)) {
      // Not recursive: nothing refers back to it while it compiles.
      const dec = this.#defDecoder(name, this.#types.get(name));
      this.#refDecoders.set(name, dec);
      return dec;
    }
    let body = null;
    const dec = (r) => {
      if (++r.depth > MAX_DEPTH) throw new WireError(`nested deeper than ${MAX_DEPTH}`, r.pos);
      const v = body(r);
      r.depth--;
      return v;
    };
    this.#refDecoders.set(name, dec);
    body = this.#defDecoder(name, this.#types.get(name));
    return dec;
  }

  #defDecoder(name, def) {
    const form = Object.keys(def)[0];
    const c = def[form];
    switch (form) {
      case 'struct':
        return this.#structDecoder(c);
      case 'newtype':
        return this.#decoder(c);
      case 'tuple':
        return this.#tupleDecoder(c);
      case 'unit':
        return () => null;
      case 'enum': {
        const variants = c.map(([vname, v]) => {
          if (v === null) return () => vname;
          const vform = Object.keys(v)[0];
          const content = vform === 'newtype' ? this.#decoder(v.newtype)
            : vform === 'tuple' ? this.#tupleDecoder(v.tuple) : this.#structDecoder(v.struct);
          return (r) => {
            try {
              return { [vname]: content(r) };
            } catch (e) {
              throw withSegment(e, `.${vname}`);
            }
          };
        });
        const n = variants.length;
        return (r) => {
          const at = r.pos;
          const index = readVarint(r, U32_MARKER);
          if (index >= n) throw new WireError(`variant index ${index} out of range for ${name} (${n} variants)`, at);
          return variants[index](r);
        };
      }
      default:
        throw new Error(`schema: unknown named type form ${form}`);
    }
  }

  #encoder(t) {
    if (typeof t === 'string') return primEncoder(t);
    const form = Object.keys(t)[0];
    const c = t[form];
    switch (form) {
      case 'option': {
        const item = this.#encoder(c);
        return (w, v) => {
          if (v === null || v === undefined) w.out.push(0);
          else {
            w.out.push(1);
            item(w, v);
          }
        };
      }
      case 'seq': {
        const item = this.#encoder(c);
        return (w, v) => {
          if (!Array.isArray(v) && !(ArrayBuffer.isView(v) && !(v instanceof DataView))) {
            throw new TypeError(`not a sequence (an array): ${v === null ? 'null' : typeof v}`);
          }
          writeVarint(w, v.length);
          let i = 0;
          try {
            for (; i < v.length; i++) item(w, v[i]);
          } catch (e) {
            throw withSegment(e, `[${i}]`);
          }
        };
      }
      case 'map': {
        const key = this.#encoder(c[0]);
        const value = this.#encoder(c[1]);
        const keyType = c[0];
        return (w, v) => {
          let entries;
          if (v instanceof Map) entries = [...v];
          else if (isPlainObject(v)) entries = Object.entries(v).map(([k, x]) => [objectKey(keyType, k), x]);
          else throw new TypeError(`not a map (a Map or an object): ${v === null ? 'null' : typeof v}`);
          writeVarint(w, entries.length);
          let i = 0;
          let part = '.key';
          try {
            for (; i < entries.length; i++) {
              part = '.key';
              key(w, entries[i][0]);
              part = '.value';
              value(w, entries[i][1]);
            }
          } catch (e) {
            throw withSegment(e, `[${i}]${part}`);
          }
        };
      }
      case 'tuple':
        return this.#tupleEncoder(c, 'tuple');
      case 'array': {
        const item = this.#encoder(c[0]);
        const n = c[1];
        return (w, v) => {
          if (!Array.isArray(v) && !(ArrayBuffer.isView(v) && !(v instanceof DataView))) {
            throw new TypeError(`not an array of ${n}: ${v === null ? 'null' : typeof v}`);
          }
          if (v.length !== n) throw new RangeError(`an array of ${n} items, got ${v.length}`);
          let i = 0;
          try {
            for (; i < n; i++) item(w, v[i]);
          } catch (e) {
            throw withSegment(e, `[${i}]`);
          }
        };
      }
      case 'ref':
        return this.#refEncoder(c);
      default:
        throw new Error(`schema: unknown type form ${form}`);
    }
  }

  #tupleEncoder(types, what) {
    const items = types.map((t) => this.#encoder(t));
    const n = items.length;
    return (w, v) => {
      if (!Array.isArray(v)) throw new TypeError(`not a ${what} (an array of ${n}): ${v === null ? 'null' : typeof v}`);
      if (v.length !== n) throw new RangeError(`a ${what} of ${n} items, got ${v.length}`);
      let i = 0;
      try {
        for (; i < n; i++) items[i](w, v[i]);
      } catch (e) {
        throw withSegment(e, `[${i}]`);
      }
    };
  }

  #structEncoder(fields) {
    const names = fields.map((f) => f[0]);
    const items = fields.map((f) => this.#encoder(f[1]));
    const n = names.length;
    return (w, v) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new TypeError(`not a struct (an object): ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
      let i = 0;
      try {
        for (; i < n; i++) {
          const name = names[i];
          const x = v[name];
          if (x === undefined && !(name in v)) throw new TypeError('missing field');
          items[i](w, x);
        }
      } catch (e) {
        throw withSegment(e, `.${names[i]}`);
      }
    };
  }

  #refEncoder(name) {
    const known = this.#refEncoders.get(name);
    if (known) return known;
    if (!this.#recursive.has(name)) {
      const enc = this.#defEncoder(name, this.#types.get(name));
      this.#refEncoders.set(name, enc);
      return enc;
    }
    let body = null;
    const enc = (w, v) => {
      if (++w.depth > MAX_DEPTH) throw new RangeError(`nested deeper than ${MAX_DEPTH}`);
      body(w, v);
      w.depth--;
    };
    this.#refEncoders.set(name, enc);
    body = this.#defEncoder(name, this.#types.get(name));
    return enc;
  }

  #defEncoder(name, def) {
    const form = Object.keys(def)[0];
    const c = def[form];
    switch (form) {
      case 'struct':
        return this.#structEncoder(c);
      case 'newtype':
        return this.#encoder(c);
      case 'tuple':
        return this.#tupleEncoder(c, 'tuple struct');
      case 'unit':
        return primEncoder('unit');
      case 'enum': {
        const byName = new Map();
        c.forEach(([vname, v], index) => {
          let content = null;
          if (v !== null) {
            const vform = Object.keys(v)[0];
            content = vform === 'newtype' ? this.#encoder(v.newtype)
              : vform === 'tuple' ? this.#tupleEncoder(v.tuple, 'tuple variant') : this.#structEncoder(v.struct);
          }
          byName.set(vname, { index, content });
        });
        const variant = (vname) => {
          const found = byName.get(vname);
          if (!found) throw new RangeError(`unknown variant ${JSON.stringify(vname)} of ${name} (${[...byName.keys()].join(', ')})`);
          return found;
        };
        return (w, v) => {
          if (typeof v === 'string') {
            const { index, content } = variant(v);
            if (content) throw withSegment(new TypeError(`variant ${v} of ${name} has content: {${JSON.stringify(v)}: …}`), `.${v}`);
            writeVarint(w, index);
            return;
          }
          if (!isPlainObject(v)) throw new TypeError(`not a ${name} variant (its name, or {Variant: content}): ${v === null ? 'null' : typeof v}`);
          const keys = Object.keys(v);
          if (keys.length !== 1) throw new TypeError(`a ${name} variant is an object with one key, got ${keys.length}`);
          const { index, content } = variant(keys[0]);
          writeVarint(w, index);
          const x = v[keys[0]];
          if (!content) {
            if (x !== null && x !== undefined) throw withSegment(new TypeError('a unit variant has no content (null)'), `.${keys[0]}`);
            return;
          }
          try {
            content(w, x);
          } catch (e) {
            throw withSegment(e, `.${keys[0]}`);
          }
        };
      }
      default:
        throw new Error(`schema: unknown named type form ${form}`);
    }
  }
}

/** A plain object's key as the map's key type (serde_json writes integer keys as strings). */
function objectKey(keyType, k) {
  if (keyType === 'str' || keyType === 'char') return k;
  if (typeof keyType === 'string' && /^[ui](8|16|32|64|128)$/.test(keyType) && /^-?[0-9]+$/.test(k)) return narrow(BigInt(k));
  if (keyType === 'bool' && (k === 'true' || k === 'false')) return k === 'true';
  throw new TypeError(`a map with ${JSON.stringify(keyType)} keys must be a Map (key ${JSON.stringify(k)})`);
}

function decodeWith(compiled, bytes) {
  const b = asBytes(bytes);
  if (b.length > MAX_MESSAGE_BYTES) {
    throw new WireError(`${compiled.label}: ${b.length} bytes exceed the ${MAX_MESSAGE_BYTES}-byte message limit`);
  }
  const r = new SchemaReader(b);
  let value;
  try {
    value = compiled.dec(r);
    r.finish();
  } catch (e) {
    const path = pathOf(e, compiled.label);
    const err = new WireError(`${path}: ${e instanceof WireError ? e.message : `${e?.name ?? 'error'}: ${describe(e)}`}`);
    err.offset = e?.offset ?? r.pos;
    err.path = path;
    err.cause = e;
    throw err;
  }
  return value;
}

function encodeWith(compiled, value) {
  const w = new SchemaWriter();
  try {
    compiled.enc(w, value);
  } catch (e) {
    const path = pathOf(e, compiled.label);
    const Ctor = e instanceof RangeError ? RangeError : TypeError;
    const err = new Ctor(`${path}: ${describe(e)}`);
    err.path = path;
    err.cause = e;
    throw err;
  }
  if (w.out.length > MAX_MESSAGE_BYTES) {
    throw new RangeError(`${compiled.label}: ${w.out.length} bytes exceed the ${MAX_MESSAGE_BYTES}-byte message limit`);
  }
  return w.finish();
}

/**
 * A game module's codec functions from a schema document (or a Schema):
 * `{decodeFacts, decodeView, encodeInput, decodeInput, schema}`.
 */
export function schemaCodec(json) {
  const schema = json instanceof Schema ? json : new Schema(json);
  return {
    decodeFacts: (bytes) => schema.decodeFacts(bytes),
    decodeView: (bytes) => schema.decodeView(bytes),
    encodeInput: (value) => schema.encodeInput(value),
    decodeInput: (bytes) => schema.decodeInput(bytes),
    schema,
  };
}
