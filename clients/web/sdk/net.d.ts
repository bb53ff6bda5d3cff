// Declarations of net.js: one WebSocket speaking arena.v3 (binary frames, deltas rebuilt, pings,
// counters). Session (session.js) opens these for you; use Connection directly to manage joins
// and reconnects yourself.

import type { IncomingMsg, SendableClientMsg } from './protocol.js';
import type { Rebuilder } from './delta.js';

/** The part of the WebSocket API a Connection uses (the browser's WebSocket, the `ws` package, a fake). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: any) => void) | null;
  onmessage: ((ev: any) => void) | null;
  onclose: ((ev: any) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor: `new WebSocketImpl(url, ['arena.v3'])`. */
export type WebSocketConstructor = new (url: string, protocols: string[]) => WebSocketLike;

/** How a connection ended (Connection's `onClose`, once). */
export interface CloseInfo {
  code: number;
  reason: string;
  wasClean: boolean;
  /** This side closed it with close() (1000). */
  byUs: boolean;
  /** Set when this client closed it because a frame did not decode (code ClientCloseCode.Undecodable). */
  error: Error | null;
}

/** The network panel's figures: rates over the last second, totals of this connection. */
export interface NetSummary {
  pingMs: number | null;
  snapshotsPerS: number;
  bytesInPerS: number;
  bytesOutPerS: number;
  lastTick: number | null;
  messagesIn: number;
  messagesOut: number;
  keyframes: number;
  deltas: number;
  resyncs: number;
}

/** Sliding one-second counters, the ping round trip (smoothed), totals. */
export declare class NetStats {
  constructor();
  pingMs: number | null;
  lastTick: number | null;
  messagesIn: number;
  messagesOut: number;
  keyframes: number;
  deltas: number;
  resyncs: number;
  received(at: number, bytes: number, isSnapshot: boolean): void;
  sent(at: number, bytes: number): void;
  pong(rttMs: number): void;
  /** Rates over the last second as of `now` (ms, the connection's clock). */
  summary(now: number): NetSummary;
}

export interface ConnectionOptions {
  /** The socket opened (before the welcome). */
  onOpen?: () => void;
  /** Every decoded message but Delta (rebuilt into a whole Snapshot); `at`: the clock's time of arrival. */
  onMessage: (msg: IncomingMsg, at: number) => void;
  /** Once, at the end. */
  onClose?: (info: CloseInfo) => void;
  /** Default: globalThis.WebSocket (in Node, pass the `ws` package's). */
  WebSocketImpl?: WebSocketConstructor;
  /** The clock, ms. Default: performance.now(). */
  now?: () => number;
}

/**
 * One WebSocket to the server speaking arena.v3. A frame that does not decode closes it with
 * ClientCloseCode.Undecodable (`error` set); a delta that cannot be rebuilt closes it with 1007.
 */
export declare class Connection {
  constructor(url: string, opts: ConnectionOptions);
  stats: NetStats;
  rebuilder: Rebuilder;
  ws: WebSocketLike;
  /** Whether the socket is open. */
  readonly open: boolean;
  /** Encodes and sends one message; false when the socket is not open (nothing is sent). */
  send(msg: SendableClientMsg): boolean;
  /** Sends a Ping now (also sent every second by itself). */
  ping(): void;
  /** Closes because this client cannot go on (an undecodable message): the seat stays held. */
  fail(error: Error): void;
  /** Closes with 1007 (a delta that cannot be rebuilt): a player reconnects. */
  invalid(error: Error): void;
  /** Simulates a dropped connection (tests): reported as 1006. */
  simulateDrop(): void;
  /** Closes normally (1000: "I left"; the server frees a player's seat). */
  close(reason?: string): void;
}

/** Reconnect delay for attempt 1, 2, ...: 0.5 s doubling to 8 s, with jitter. */
export declare function backoffMs(attempt: number, random?: () => number): number;
