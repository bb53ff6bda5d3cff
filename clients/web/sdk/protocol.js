// Arena's envelope protocol, version 3 (subprotocol "arena.v3"): the messages every game shares.
// game/core/src/protocol.rs is the source of truth; test/protocol.test.mjs holds this file to the
// byte vectors the Rust codec writes (test/fixtures/wire.json), so the two cannot drift silently.
//
// Decoded messages are plain objects `{ type: 'Snapshot', ...fields }` with the Rust field names.
// A game's bytes (Welcome.facts, Snapshot.view, Input.input) stay opaque Uint8Arrays here: the
// game's codec (its schema's, or one in a game's browser folder) reads them. u64 fields (times in microseconds) are
// BigInt so no value is rounded; everything else is a Number. A Snapshot's or Delta's `ack` (the
// recipient's newest applied input seq) is a Number or null.
//
// Snapshots come whole (`Snapshot`, a keyframe) or as a `Delta` against a baseline the client
// holds; sdk/delta.js (Rebuilder) turns them back into whole snapshots, and sdk/net.js does that
// for every connection, so nothing above the SDK sees a Delta.

import { MAX_MESSAGE_BYTES, Reader, Writer, WireError, asBytes } from './wire.js';

export const SUBPROTOCOL = 'arena.v3';
export const PROTOCOL_VERSION = 3;
/** How many ticks back a Delta's baseline may be (Delta.back is 1..DELTA_WINDOW-1); a client
 * keeps the views of the snapshots it received within the last DELTA_WINDOW ticks. */
export const DELTA_WINDOW = 32;
export const MAX_CHAT_BYTES = 200;
export const MAX_NAME_BYTES = 32;

/** Stable codes of ServerMsg::Error. */
export const ErrorCode = Object.freeze({ SPECTATOR_INPUT: 'spectator_input', BAD_CHAT: 'bad_chat' });

// Enum variant names in declaration order: the variant index is the wire tag.
export const SERVER_MSG = ['Welcome', 'Roster', 'Snapshot', 'Error', 'Pong', 'Chat', 'MatchEnded', 'Delta'];
export const CLIENT_MSG = ['Input', 'Ping', 'Chat', 'Resync'];
export const ROLE = ['Player', 'Spectator'];
export const PHASE = ['Waiting', 'Running', 'Ended'];
export const END_REASON = ['TimeLimit', 'ScoreLimit', 'Host', 'Shutdown', 'Abandoned'];

// Smallest encoding of one item, so a length prefix is checked before anything is allocated.
// A roster entry: id, an empty name's length, connected, bot.
const ROSTER_ENTRY_MIN_BYTES = 4;
const SCORE_LINE_MIN_BYTES = 5;

function readWelcome(r) {
  return {
    protocol: r.varU16(),
    match_id: r.string(),
    game: r.string(),
    role: r.variant(ROLE, 'Role'),
    player_id: r.option(() => r.u8()),
    match_name: r.string(),
    max_players: r.u8(),
    tick_hz: r.u8(),
    facts: r.bytesField(),
  };
}

/** `{id, name, connected, bot}`: `bot` is a seat the server plays (the host added it). */
function readRosterEntry(r) {
  return { id: r.u8(), name: r.string(), connected: r.bool(), bot: r.bool() };
}

function readScoreLine(r) {
  return {
    id: r.u8(),
    name: r.string(),
    team: r.option(() => r.u8()),
    score: r.i32(),
    stats: r.vec(1, () => r.i32()),
  };
}

function readServerBody(r, type) {
  switch (type) {
    case 'Welcome':
      return readWelcome(r);
    case 'Roster':
      return { entries: r.vec(ROSTER_ENTRY_MIN_BYTES, () => readRosterEntry(r)) };
    case 'Snapshot':
      return {
        tick: r.varU32(),
        server_time_us: r.varU64(),
        phase: r.variant(PHASE, 'Phase'),
        view: r.bytesField(),
        ack: r.option(() => r.fixedU16()),
      };
    case 'Delta':
      return {
        tick: r.varU32(),
        back: r.varU32(),
        since_us: r.varU32(),
        phase: r.variant(PHASE, 'Phase'),
        check: r.option(() => r.varU32()),
        view: r.bytesField(),
        ack: r.option(() => r.fixedU16()),
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
        scoreboard: r.vec(SCORE_LINE_MIN_BYTES, () => readScoreLine(r)),
      };
    default:
      throw new Error(`unreachable: ${type}`);
  }
}

function checkSize(bytes) {
  if (bytes.length > MAX_MESSAGE_BYTES) {
    throw new WireError(`message of ${bytes.length} bytes exceeds the limit of ${MAX_MESSAGE_BYTES} bytes`);
  }
}

/** Decodes one server→client message. Throws WireError unless the bytes are exactly one message. */
export function decodeServerMsg(data) {
  const bytes = asBytes(data);
  checkSize(bytes);
  const r = new Reader(bytes);
  const type = r.variant(SERVER_MSG, 'ServerMsg');
  const msg = { type, ...readServerBody(r, type) };
  r.finish();
  return msg;
}

/** Decodes one client→server message (tests and tools; the browser only encodes these). */
export function decodeClientMsg(data) {
  const bytes = asBytes(data);
  checkSize(bytes);
  const r = new Reader(bytes);
  const type = r.variant(CLIENT_MSG, 'ClientMsg');
  let msg;
  if (type === 'Input') msg = { type, seq: r.fixedU16(), input: r.bytesField() };
  else if (type === 'Ping') msg = { type, client_time_us: r.varU64() };
  else if (type === 'Chat') msg = { type, text: r.string() };
  else msg = { type };
  r.finish();
  return msg;
}

/**
 * Encodes one client→server message: `{type:'Input', seq, input}` (input: the game's encoded
 * bytes), `{type:'Ping', client_time_us}` (Number or BigInt), `{type:'Chat', text}`,
 * `{type:'Resync'}` (this client's rebuilt view disagreed with a Delta's check: send a keyframe).
 */
export function encodeClientMsg(msg) {
  const w = new Writer();
  const tag = CLIENT_MSG.indexOf(msg.type);
  if (tag < 0) throw new TypeError(`unknown client message type ${msg.type}`);
  w.varint(tag);
  switch (msg.type) {
    case 'Input':
      w.fixedU16(msg.seq);
      w.bytesField(msg.input);
      break;
    case 'Ping':
      w.varUint(msg.client_time_us, 64);
      break;
    case 'Chat':
      w.string(msg.text);
      break;
    case 'Resync':
      break;
  }
  return w.finish();
}

/** Encodes a server→client message (tests and fake servers). */
export function encodeServerMsg(msg) {
  const w = new Writer();
  const tag = SERVER_MSG.indexOf(msg.type);
  if (tag < 0) throw new TypeError(`unknown server message type ${msg.type}`);
  w.varint(tag);
  const variant = (names, v) => {
    const i = names.indexOf(v);
    if (i < 0) throw new TypeError(`unknown variant ${v}`);
    w.varint(i);
  };
  switch (msg.type) {
    case 'Welcome':
      w.varUint(msg.protocol, 16);
      w.string(msg.match_id);
      w.string(msg.game);
      variant(ROLE, msg.role);
      w.option(msg.player_id, (v) => w.u8(v));
      w.string(msg.match_name);
      w.u8(msg.max_players);
      w.u8(msg.tick_hz);
      w.bytesField(msg.facts);
      break;
    case 'Roster':
      w.varint(msg.entries.length);
      for (const e of msg.entries) {
        w.u8(e.id);
        w.string(e.name);
        w.bool(e.connected);
        w.bool(e.bot);
      }
      break;
    case 'Snapshot':
      w.varUint(msg.tick, 32);
      w.varUint(msg.server_time_us, 64);
      variant(PHASE, msg.phase);
      w.bytesField(msg.view);
      w.option(msg.ack, (v) => w.fixedU16(v));
      break;
    case 'Delta':
      w.varUint(msg.tick, 32);
      w.varUint(msg.back, 32);
      w.varUint(msg.since_us, 32);
      variant(PHASE, msg.phase);
      w.option(msg.check, (v) => w.varUint(v, 32));
      w.bytesField(msg.view);
      w.option(msg.ack, (v) => w.fixedU16(v));
      break;
    case 'Error':
      w.string(msg.code);
      w.string(msg.message);
      break;
    case 'Pong':
      w.varUint(msg.client_time_us, 64);
      w.varUint(msg.server_time_us, 64);
      break;
    case 'Chat':
      w.option(msg.from, (v) => w.u8(v));
      w.string(msg.name);
      w.string(msg.text);
      break;
    case 'MatchEnded':
      variant(END_REASON, msg.reason);
      w.varint(msg.scoreboard.length);
      for (const s of msg.scoreboard) {
        w.u8(s.id);
        w.string(s.name);
        w.option(s.team, (v) => w.u8(v));
        w.i32(s.score);
        w.varint(s.stats.length);
        for (const v of s.stats) w.i32(v);
      }
      break;
  }
  return w.finish();
}

/** Whether input `seq` is at or before `ack` on the wrapping u16 circle (the server applied it). */
export function seqAtOrBefore(seq, ack) {
  return ((ack - seq) & 0xffff) < 0x8000;
}

/** True when sequence number `a` is newer than `b` on the wrapping u16 circle. */
export function seqNewer(a, b) {
  const d = (a - b) & 0xffff;
  return d !== 0 && d < 0x8000;
}

// ---- close codes ----

/** Every WebSocket close code Arena sends or acts on (arena_game::CloseCode). */
export const CloseCode = Object.freeze({
  Normal: 1000,
  Away: 1001,
  Protocol: 1002,
  Unsupported: 1003,
  Abnormal: 1006,
  Invalid: 1007,
  Policy: 1008,
  TooBig: 1009,
  Slow: 4000,
  Replaced: 4001,
  Kicked: 4002,
});

/** Codes after which a player reopens its seat with the reconnect URL (all but 1000, 4001, 4002). */
export const RECONNECT_AFTER = Object.freeze(
  Object.values(CloseCode).filter((c) => c !== CloseCode.Normal && c !== CloseCode.Replaced && c !== CloseCode.Kicked),
);

/** Whether a connection closed with `code` should be reopened (with backoff). */
export function shouldReconnect(code) {
  return RECONNECT_AFTER.includes(code);
}

/** The name of a close code (`Slow`), or null for a code Arena does not define. */
export function closeCodeName(code) {
  return Object.entries(CloseCode).find(([, c]) => c === code)?.[0] ?? null;
}

/**
 * Codes this client closes with itself (a browser may only send 1000 or 3000..=4999). Any code
 * but 1000 keeps a player's seat held for the grace period.
 */
export const ClientCloseCode = Object.freeze({
  /** The server sent bytes this client could not decode (envelope or game payload). */
  Undecodable: 4900,
  /** A simulated drop (tests): handled like a connection lost without a close frame. */
  TestDrop: 4999,
});

/** Close codes a person might see, in words. */
export const CLOSE_REASONS = {
  1000: 'the match was closed',
  1001: 'the server is going away',
  1002: 'protocol error',
  1003: 'unsupported data',
  1006: 'connection dropped',
  1007: 'undecodable message',
  1008: 'refused by policy',
  1009: 'message too big',
  1011: 'server error',
  4000: 'this client fell too far behind',
  4001: 'the seat was taken over by a newer connection',
  4002: 'removed by the host',
  4900: 'the server sent a message this page could not read',
};
