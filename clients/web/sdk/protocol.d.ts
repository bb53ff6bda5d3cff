// Declarations of protocol.js: the arena.v3 envelope every game shares (game/core/src/protocol.rs,
// docs/protocol.md). Decoded messages are plain objects `{type, ...fields}` with the Rust field
// names; a game's bytes (Welcome.facts, Snapshot.view, Input.input) stay Uint8Arrays here.

import type { BytesLike } from './wire.js';

/** The WebSocket subprotocol. */
export declare const SUBPROTOCOL: 'arena.v3';
export declare const PROTOCOL_VERSION: 3;
/** How many ticks back a Delta's baseline may be (Delta.back is 1..DELTA_WINDOW-1). */
export declare const DELTA_WINDOW: 32;
/** Longest chat text, bytes of UTF-8. */
export declare const MAX_CHAT_BYTES: 200;
/** Longest player name, bytes of UTF-8. */
export declare const MAX_NAME_BYTES: 32;

/** Stable codes of ServerMsg Error. */
export declare const ErrorCode: Readonly<{ SPECTATOR_INPUT: 'spectator_input'; BAD_CHAT: 'bad_chat' }>;

export type ServerMsgType = 'Welcome' | 'Roster' | 'Snapshot' | 'Error' | 'Pong' | 'Chat' | 'MatchEnded' | 'Delta';
export type ClientMsgType = 'Input' | 'Ping' | 'Chat' | 'Resync';
/** Role in the envelope (the lobby API says `player` / `spectator`). */
export type Role = 'Player' | 'Spectator';
/** Phase in the envelope (the lobby API says `waiting` / `running` / `ended`). */
export type Phase = 'Waiting' | 'Running' | 'Ended';
export type EndReason = 'TimeLimit' | 'ScoreLimit' | 'Host' | 'Shutdown' | 'Abandoned';

/** Variant names in declaration order: the index is the wire tag. */
export declare const SERVER_MSG: readonly ServerMsgType[];
export declare const CLIENT_MSG: readonly ClientMsgType[];
export declare const ROLE: readonly Role[];
export declare const PHASE: readonly Phase[];
export declare const END_REASON: readonly EndReason[];

/** The first message of every connection. */
export interface WelcomeMsg {
  type: 'Welcome';
  protocol: number;
  match_id: string;
  /** The game's registry name (as `GET /api/games` lists it): which codec reads `facts`. */
  game: string;
  role: Role;
  /** This connection's seat, null for a spectator. */
  player_id: number | null;
  match_name: string;
  max_players: number;
  /** Snapshots per second. */
  tick_hz: number;
  /** The game's facts, encoded (decode them with the game's codec or Schema). */
  facts: Uint8Array;
}

/** A seat: a person's, or a bot's (`bot`: the server plays it). */
export interface RosterEntry {
  id: number;
  name: string;
  connected: boolean;
  bot: boolean;
}

export interface RosterMsg {
  type: 'Roster';
  entries: RosterEntry[];
}

/** A whole snapshot (a keyframe, or a Delta the SDK rebuilt). */
export interface SnapshotMsg {
  type: 'Snapshot';
  tick: number;
  /** Microseconds; BigInt so no value is rounded. */
  server_time_us: bigint;
  phase: Phase;
  /** The game's view, encoded. */
  view: Uint8Array;
  /** The recipient's newest applied input seq, null before any (always null for spectators). */
  ack: number | null;
}

/** A snapshot sent as the difference to one the client holds (docs/protocol.md part C). */
export interface DeltaMsg {
  type: 'Delta';
  tick: number;
  /** The baseline is the snapshot of tick `tick - back`. */
  back: number;
  /** Microseconds since the baseline's server time. */
  since_us: number;
  phase: Phase;
  /** FNV-1a of the whole view (viewChecksum), when the server sends one. */
  check: number | null;
  /** The delta's bytes (applyDelta). */
  view: Uint8Array;
  ack: number | null;
}

export interface ErrorMsg {
  type: 'Error';
  /** Stable: see ErrorCode. */
  code: string;
  message: string;
}

export interface PongMsg {
  type: 'Pong';
  client_time_us: bigint;
  server_time_us: bigint;
}

export interface ChatMsg {
  type: 'Chat';
  /** The sender's seat, null for a spectator. */
  from: number | null;
  name: string;
  text: string;
}

/** One player's line of the final scoreboard (`stats` in the order of the game's score_columns). */
export interface ScoreLine {
  id: number;
  name: string;
  team: number | null;
  score: number;
  stats: number[];
}

export interface MatchEndedMsg {
  type: 'MatchEnded';
  reason: EndReason;
  scoreboard: ScoreLine[];
}

/** Every server→client message, as decodeServerMsg returns it (discriminated by `type`). */
export type ServerMsg = WelcomeMsg | RosterMsg | SnapshotMsg | ErrorMsg | PongMsg | ChatMsg | MatchEndedMsg | DeltaMsg;

/** What a Connection or a Session hands on: any server message but a Delta (they come rebuilt). */
export type IncomingMsg = Exclude<ServerMsg, DeltaMsg>;

export interface InputMsg {
  type: 'Input';
  /** 0..=65535, +1 per input, wrapping (InputSequencer numbers them). */
  seq: number;
  /** The game's encoded input. */
  input: Uint8Array;
}

export interface PingMsg {
  type: 'Ping';
  client_time_us: bigint;
}

export interface ClientChatMsg {
  type: 'Chat';
  text: string;
}

/** Asks for the next snapshot whole (this client's rebuilt view disagreed with a checksum). */
export interface ResyncMsg {
  type: 'Resync';
}

/** Every client→server message, as decodeClientMsg returns it. */
export type ClientMsg = InputMsg | PingMsg | ClientChatMsg | ResyncMsg;

/** A client message to encode: as ClientMsg, with any bytes for `input` and a Number or BigInt time. */
export type SendableClientMsg =
  | { type: 'Input'; seq: number; input: BytesLike }
  | { type: 'Ping'; client_time_us: number | bigint }
  | ClientChatMsg
  | ResyncMsg;

/** A message as an encoder takes it: BigInts may be Numbers, byte fields any bytes. */
export type Encodable<T> = T extends bigint
  ? number | bigint
  : T extends Uint8Array
    ? BytesLike
    : T extends readonly (infer U)[]
      ? Encodable<U>[]
      : T extends object
        ? { [K in keyof T]: Encodable<T[K]> }
        : T;

/** Decodes one server→client message. Throws WireError unless the bytes are exactly one message. */
export declare function decodeServerMsg(data: BytesLike): ServerMsg;

/** Decodes one client→server message (tests and tools). Throws WireError. */
export declare function decodeClientMsg(data: BytesLike): ClientMsg;

/** Encodes one client→server message. Throws TypeError for an unknown type, RangeError out of range. */
export declare function encodeClientMsg(msg: SendableClientMsg): Uint8Array;

/** Encodes a server→client message (tests and fake servers). */
export declare function encodeServerMsg(msg: Encodable<ServerMsg>): Uint8Array;

/** Whether input `seq` is at or before `ack` on the wrapping u16 circle (the server applied it). */
export declare function seqAtOrBefore(seq: number, ack: number): boolean;

/** True when sequence number `a` is newer than `b` on the wrapping u16 circle. */
export declare function seqNewer(a: number, b: number): boolean;

/** Every WebSocket close code Arena sends or acts on (arena_game::CloseCode). */
export declare const CloseCode: Readonly<{
  Normal: 1000;
  Away: 1001;
  Protocol: 1002;
  Unsupported: 1003;
  Abnormal: 1006;
  Invalid: 1007;
  Policy: 1008;
  TooBig: 1009;
  Slow: 4000;
  Replaced: 4001;
  Kicked: 4002;
}>;

/** Codes after which a player reopens its seat with the reconnect URL (all but 1000, 4001, 4002). */
export declare const RECONNECT_AFTER: readonly number[];

/** Whether a connection closed with `code` should be reopened (with backoff). */
export declare function shouldReconnect(code: number): boolean;

/** The name of a close code (`Slow`), or null for a code Arena does not define. */
export declare function closeCodeName(code: number): keyof typeof CloseCode | null;

/** Codes this client closes with itself (a browser may only send 1000 or 3000..=4999). */
export declare const ClientCloseCode: Readonly<{
  /** The server sent bytes this client could not decode (envelope or game payload). */
  Undecodable: 4900;
  /** A simulated drop (tests). */
  TestDrop: 4999;
}>;

/** Close codes a person might see, in words. */
export declare const CLOSE_REASONS: Record<number, string>;
