// Arena wire protocol v1 (subprotocol "arena.v1"): a hand-written reader/writer for the bincode 2
// layout that game/src/protocol.rs + game/src/codec.rs produce. docs/protocol.md is the spec;
// test/protocol.test.mjs checks this file against byte vectors written by the Rust side
// (test/fixtures/wire.json), so the two cannot drift silently.
//
// Decoded messages are plain objects `{ type: 'Snapshot', ...fields }` with the Rust field names.
// u64 fields (times in microseconds) are BigInt so no value is rounded; everything else is Number.

export const SUBPROTOCOL = 'arena.v1';
export const PROTOCOL_VERSION = 1;
/** A wire coordinate is round(world * POS_SCALE). */
export const POS_SCALE = 16;
export const MAX_CHAT_BYTES = 200;
export const MAX_NAME_BYTES = 32;

export const Buttons = Object.freeze({ UP: 1, DOWN: 2, LEFT: 4, RIGHT: 8, ATTACK: 16, ALL: 31 });
export const Flags = Object.freeze({ ALIVE: 1, ATTACKED: 2, HIT: 4, CONNECTED: 8 });

// Enum variant names in declaration order: the variant index is the wire tag.
export const SERVER_MSG = ['Welcome', 'Roster', 'Snapshot', 'Error', 'Pong', 'Chat', 'MatchEnded'];
export const CLIENT_MSG = ['Input', 'Ping', 'Chat'];
export const ROLE = ['Player', 'Spectator'];
export const PHASE = ['Waiting', 'Running', 'Ended'];
export const END_REASON = ['TimeLimit', 'ScoreLimit', 'Host', 'Shutdown'];

// bincode varint markers: a value below 251 is one byte; above, a marker then the LE integer.
const SINGLE_BYTE_MAX = 250;
const U16_MARKER = 251;
const U32_MARKER = 252;
const U64_MARKER = 253;

/** Thrown for bytes that are not a valid message (truncated, unknown tag, bad UTF-8, ...). */
export class WireError extends Error {
  constructor(message, offset) {
    super(`${message} at byte ${offset}`);
    this.name = 'WireError';
    this.offset = offset;
  }
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

class Reader {
  constructor(bytes) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
  }

  need(n) {
    if (this.pos + n > this.bytes.length) {
      throw new WireError(`truncated: need ${n} more bytes`, this.pos);
    }
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

  varU64() {
    return this.varintBig(U64_MARKER);
  }

  /** A length prefix (usize, encoded as u64) that must fit in the bytes that are left. */
  length(minItemBytes) {
    const at = this.pos;
    const n = this.varU64();
    const left = BigInt(this.bytes.length - this.pos);
    if (n * BigInt(minItemBytes) > left) {
      throw new WireError(`length ${n} exceeds the ${left} bytes left`, at);
    }
    return Number(n);
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

  option(item) {
    const at = this.pos;
    const tag = this.u8();
    if (tag === 0) return null;
    if (tag === 1) return item();
    throw new WireError(`invalid Option tag ${tag}`, at);
  }

  variant(names, what) {
    const at = this.pos;
    const tag = this.varU32();
    if (tag >= names.length) throw new WireError(`unknown ${what} tag ${tag}`, at);
    return names[tag];
  }
}

function readSettings(r) {
  return {
    name: r.string(),
    max_players: r.u8(),
    tick_hz: r.u8(),
    time_limit_s: r.varU16(),
    score_limit: r.varU16(),
  };
}

function readArena(r) {
  return {
    width: r.f32(),
    height: r.f32(),
    player_radius: r.f32(),
    max_speed: r.f32(),
    attack_range: r.f32(),
    attack_cooldown_s: r.f32(),
    attack_damage: r.u8(),
    max_health: r.u8(),
    respawn_delay_s: r.f32(),
  };
}

function readPlayerState(r) {
  return {
    id: r.u8(),
    x: r.fixedU16(),
    y: r.fixedU16(),
    aim: r.u8(),
    health: r.u8(),
    flags: r.u8(),
    kills: r.varU16(),
    deaths: r.varU16(),
    last_input_seq: r.fixedU16(),
  };
}

function readScoreEntry(r) {
  return { id: r.u8(), name: r.string(), kills: r.varU16(), deaths: r.varU16() };
}

// Smallest encoding of one item, so a length prefix can be checked before allocating.
const PLAYER_STATE_MIN_BYTES = 12;
const ROSTER_ENTRY_MIN_BYTES = 2;
const SCORE_ENTRY_MIN_BYTES = 4;

function readServerBody(r, type) {
  switch (type) {
    case 'Welcome':
      return {
        protocol: r.varU16(),
        match_id: r.string(),
        role: r.variant(ROLE, 'Role'),
        player_id: r.option(() => r.u8()),
        settings: readSettings(r),
        arena: readArena(r),
      };
    case 'Roster':
      return { entries: r.vec(ROSTER_ENTRY_MIN_BYTES, () => ({ id: r.u8(), name: r.string() })) };
    case 'Snapshot':
      return {
        tick: r.varU32(),
        server_time_us: r.varU64(),
        phase: r.variant(PHASE, 'Phase'),
        time_left_ds: r.varU32(),
        players: r.vec(PLAYER_STATE_MIN_BYTES, () => readPlayerState(r)),
      };
    case 'Error':
      return { code: r.string(), message: r.string() };
    case 'Pong':
      return { client_time_us: r.varU64(), server_time_us: r.varU64() };
    case 'Chat':
      return { from: r.option(() => r.u8()), name: r.string(), text: r.string() };
    case 'MatchEnded':
      return {
        reason: r.variant(END_REASON, 'EndReason'),
        scoreboard: r.vec(SCORE_ENTRY_MIN_BYTES, () => readScoreEntry(r)),
      };
    default:
      throw new Error(`unreachable: ${type}`);
  }
}

function asBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError('expected an ArrayBuffer or a typed array');
}

/** Decodes one server→client frame. Throws WireError unless the bytes are exactly one message. */
export function decodeServerMsg(data) {
  const r = new Reader(asBytes(data));
  const type = r.variant(SERVER_MSG, 'ServerMsg');
  const msg = { type, ...readServerBody(r, type) };
  if (r.pos !== r.bytes.length) {
    throw new WireError(`${r.bytes.length - r.pos} trailing bytes`, r.pos);
  }
  return msg;
}

/** Decodes one client→server frame (used by tests and tools; the browser only encodes these). */
export function decodeClientMsg(data) {
  const r = new Reader(asBytes(data));
  const type = r.variant(CLIENT_MSG, 'ClientMsg');
  let msg;
  if (type === 'Input') msg = { type, seq: r.fixedU16(), buttons: r.u8(), aim: r.u8() };
  else if (type === 'Ping') msg = { type, client_time_us: r.varU64() };
  else msg = { type, text: r.string() };
  if (r.pos !== r.bytes.length) {
    throw new WireError(`${r.bytes.length - r.pos} trailing bytes`, r.pos);
  }
  return msg;
}

class Writer {
  constructor() {
    this.bytes = [];
  }

  u8(v) {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`not a u8: ${v}`);
    this.bytes.push(v);
  }

  fixedU16(v) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`not a u16: ${v}`);
    this.bytes.push(v & 0xff, v >>> 8);
  }

  /** Canonical varint of an unsigned integer below 2^64 (Number or BigInt). */
  varint(value) {
    const v = BigInt(value);
    if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`not a u64: ${value}`);
    if (v <= BigInt(SINGLE_BYTE_MAX)) {
      this.bytes.push(Number(v));
      return;
    }
    let width;
    if (v <= 0xffffn) {
      this.bytes.push(U16_MARKER);
      width = 2;
    } else if (v <= 0xffffffffn) {
      this.bytes.push(U32_MARKER);
      width = 4;
    } else {
      this.bytes.push(U64_MARKER);
      width = 8;
    }
    for (let i = 0n; i < BigInt(width); i++) this.bytes.push(Number((v >> (8n * i)) & 0xffn));
  }

  string(s) {
    const utf8 = utf8Encoder.encode(s);
    this.varint(utf8.length);
    for (const b of utf8) this.bytes.push(b);
  }

  finish() {
    return Uint8Array.from(this.bytes);
  }
}

/**
 * Encodes one client→server message:
 * `{type:'Input', seq, buttons, aim}`, `{type:'Ping', client_time_us}` (Number or BigInt),
 * `{type:'Chat', text}`.
 */
export function encodeClientMsg(msg) {
  const w = new Writer();
  const tag = CLIENT_MSG.indexOf(msg.type);
  if (tag < 0) throw new TypeError(`unknown client message type ${msg.type}`);
  w.varint(tag);
  switch (msg.type) {
    case 'Input':
      w.fixedU16(msg.seq);
      w.u8(msg.buttons);
      w.u8(msg.aim);
      break;
    case 'Ping':
      w.varint(msg.client_time_us);
      break;
    case 'Chat':
      w.string(msg.text);
      break;
  }
  return w.finish();
}

/** World units → wire coordinate (as the server quantizes). */
export function quantizePos(world) {
  return Math.min(0xffff, Math.max(0, Math.round(world * POS_SCALE)));
}

/** Wire coordinate → world units. */
export function dequantizePos(wire) {
  return wire / POS_SCALE;
}

/** Aim byte (1/256 turns, 0 = +x, 64 = +y i.e. down) → radians. */
export function aimToRadians(aim) {
  return (aim * Math.PI * 2) / 256;
}

/** Radians → nearest aim byte. */
export function radiansToAim(rad) {
  const turns = rad / (Math.PI * 2);
  return (((Math.round(turns * 256) % 256) + 256) % 256);
}

/** True when sequence number `a` is newer than `b` on the wrapping u16 circle. */
export function seqNewer(a, b) {
  const d = (a - b) & 0xffff;
  return d !== 0 && d < 0x8000;
}
