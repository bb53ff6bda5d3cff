// The byte-level reader and writer shared by the envelope (sdk/protocol.js), sdk/schema.js and
// any hand-written codec in a game's browser folder: bincode 2 with config::standard(), as
// docs/protocol.md section 2 describes. Little-endian, variable-length integers with markers checked against the field's
// width, zigzag i32, fixed_u16, f32, strings, options, vectors and payloads (length-prefixed bytes).
//
// Decoders throw WireError for anything that is not exactly one valid value; nothing is allocated
// from a length prefix before checking that the bytes left can hold it.

// bincode varint markers: a value below 251 is one byte; above, a marker then the LE integer.
export const SINGLE_BYTE_MAX = 250;
export const U16_MARKER = 251;
export const U32_MARKER = 252;
export const U64_MARKER = 253;

/** Largest encoded message the codec looks at, bytes (the server's MAX_MESSAGE_BYTES). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** Thrown for bytes that are not a valid message (truncated, unknown tag, bad UTF-8, ...). */
export class WireError extends Error {
  constructor(message, offset) {
    super(offset === undefined ? message : `${message} at byte ${offset}`);
    this.name = 'WireError';
    this.offset = offset;
  }
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** An ArrayBuffer, a typed array or a DataView as a Uint8Array over the same memory. */
export function asBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError('expected an ArrayBuffer or a typed array');
}

/** UTF-8 length of a string in bytes. */
export function utf8Length(s) {
  return utf8Encoder.encode(s).length;
}

export class Reader {
  constructor(data) {
    this.bytes = asBytes(data);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    this.pos = 0;
  }

  get left() {
    return this.bytes.length - this.pos;
  }

  need(n) {
    if (n > this.left) throw new WireError(`truncated: need ${n} more bytes`, this.pos);
  }

  u8() {
    this.need(1);
    return this.bytes[this.pos++];
  }

  /** Two raw little-endian bytes (the `fixed_u16` fields: coordinates, sequence numbers). */
  fixedU16() {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  f32() {
    this.need(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  bool() {
    const at = this.pos;
    const b = this.u8();
    if (b > 1) throw new WireError(`invalid bool ${b}`, at);
    return b === 1;
  }

  /** Varint as BigInt, accepting markers up to `maxMarker` (u16: 251, u32: 252, u64: 253). */
  varintBig(maxMarker) {
    const at = this.pos;
    const first = this.u8();
    if (first <= SINGLE_BYTE_MAX) return BigInt(first);
    if (first > maxMarker) throw new WireError(`invalid varint marker ${first}`, at);
    if (first === U16_MARKER) return BigInt(this.fixedU16());
    if (first === U32_MARKER) {
      this.need(4);
      const v = this.view.getUint32(this.pos, true);
      this.pos += 4;
      return BigInt(v);
    }
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  varU16() {
    return Number(this.varintBig(U16_MARKER));
  }

  varU32() {
    return Number(this.varintBig(U32_MARKER));
  }

  /** u64 fields are BigInt so no value is rounded. */
  varU64() {
    return this.varintBig(U64_MARKER);
  }

  /** i32: zigzag (`0 → 0, -1 → 1, 1 → 2, …`) then a u32 varint. */
  i32() {
    const z = this.varU32();
    return (z >>> 1) ^ -(z & 1);
  }

  /**
   * A length prefix (usize, encoded as u64) of items at least `minItemBytes` long each: it must
   * fit in the bytes that are left, so a huge claim is refused before anything is allocated.
   */
  length(minItemBytes) {
    const at = this.pos;
    const n = this.varU64();
    const left = BigInt(this.left);
    if (n * BigInt(Math.max(1, minItemBytes)) > left) {
      throw new WireError(`length ${n} exceeds the ${left} bytes left`, at);
    }
    return Number(n);
  }

  /** Length-prefixed raw bytes (a game's payload), as a copy. */
  bytesField() {
    const n = this.length(1);
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string() {
    const n = this.length(1);
    const at = this.pos;
    const slice = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    try {
      return utf8Decoder.decode(slice);
    } catch {
      throw new WireError('invalid UTF-8 in string', at);
    }
  }

  vec(minItemBytes, item) {
    const n = this.length(minItemBytes);
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = item();
    return out;
  }

  /** `[T; n]`: n items, no count. */
  array(n, item) {
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = item();
    return out;
  }

  option(item) {
    const at = this.pos;
    const tag = this.u8();
    if (tag === 0) return null;
    if (tag === 1) return item();
    throw new WireError(`invalid Option tag ${tag}`, at);
  }

  /** An enum's variant index (varint u32), as the variant's name from `names`. */
  variant(names, what) {
    const at = this.pos;
    const tag = this.varU32();
    if (tag >= names.length) throw new WireError(`unknown ${what} tag ${tag}`, at);
    return names[tag];
  }

  /** Refuses trailing bytes. */
  finish() {
    if (this.pos !== this.bytes.length) {
      throw new WireError(`${this.bytes.length - this.pos} trailing bytes`, this.pos);
    }
  }
}

/** Runs `read(reader)` over `data` and refuses trailing bytes: one whole value or a WireError. */
export function decodeExact(data, read) {
  const r = new Reader(data);
  const value = read(r);
  r.finish();
  return value;
}

export class Writer {
  constructor() {
    this.out = [];
  }

  u8(v) {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`not a u8: ${v}`);
    this.out.push(v);
  }

  bool(v) {
    this.out.push(v ? 1 : 0);
  }

  fixedU16(v) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`not a u16: ${v}`);
    this.out.push(v & 0xff, v >>> 8);
  }

  f32(v) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.out.push(...b);
  }

  /** Shortest varint of an unsigned integer below 2^64 (Number or BigInt). */
  varint(value) {
    const v = BigInt(value);
    if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`not a u64: ${value}`);
    if (v <= BigInt(SINGLE_BYTE_MAX)) {
      this.out.push(Number(v));
      return;
    }
    let width;
    if (v <= 0xffffn) {
      this.out.push(U16_MARKER);
      width = 2;
    } else if (v <= 0xffffffffn) {
      this.out.push(U32_MARKER);
      width = 4;
    } else {
      this.out.push(U64_MARKER);
      width = 8;
    }
    for (let i = 0n; i < BigInt(width); i++) this.out.push(Number((v >> (8n * i)) & 0xffn));
  }

  /** A varint that must fit in `bits` (16, 32 or 64). */
  varUint(value, bits) {
    const v = BigInt(value);
    if (v < 0n || v >= 1n << BigInt(bits)) throw new RangeError(`not a u${bits}: ${value}`);
    this.varint(v);
  }

  i32(v) {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new RangeError(`not an i32: ${v}`);
    this.varint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  string(s) {
    const utf8 = utf8Encoder.encode(s);
    this.varint(utf8.length);
    for (const b of utf8) this.out.push(b);
  }

  bytesField(bytes) {
    const b = asBytes(bytes);
    this.varint(b.length);
    for (const x of b) this.out.push(x);
  }

  option(value, item) {
    if (value === null || value === undefined) this.out.push(0);
    else {
      this.out.push(1);
      item(value);
    }
  }

  finish() {
    return Uint8Array.from(this.out);
  }
}

/** Bytes → lowercase hex (for logs and tests). */
export function toHex(bytes) {
  return Array.from(asBytes(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Hex → bytes. */
export function fromHex(hex) {
  if (hex.length % 2 !== 0 || /[^0-9a-f]/i.test(hex)) throw new TypeError('not a hex string');
  return Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
}
