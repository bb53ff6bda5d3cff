// Declarations of session.js: one seat (or one spectator's place) in a match across connections:
// join through the lobby API, connect, reconnect with backoff.

import type { ApiRole, JoinResponse, LobbyApi } from './api.js';
import type { IncomingMsg, SendableClientMsg } from './protocol.js';
import type { NetStats, WebSocketConstructor } from './net.js';

/** What to show a person about the connection; `null` clears it. */
export interface SessionStatus {
  text: string;
  /** Offer "Retry now" (Session.retryNow). */
  retry?: boolean;
  /** Offer the way back to a list of matches (nothing more will happen by itself). */
  lobby?: boolean;
  /** Good news ("Reconnected."). */
  ok?: boolean;
}

/** Where a player's reconnect URL is kept between page loads (api.js's reconnectUrls). */
export interface ReconnectStore {
  get(matchId: string): string | null;
  set(matchId: string, url: string | null): void;
}

export interface SessionOptions {
  /** The lobby client (only `join` is used). */
  api: Pick<LobbyApi, 'join'>;
  matchId: string;
  role: ApiRole;
  /** The name to join with. */
  name: string;
  /** A join answer already obtained (tokens are single-use), or null to join in start(). */
  join?: JoinResponse | null;
  /** Where a player's reconnect URL is kept (a reload resumes the seat), or null. */
  store?: ReconnectStore | null;
  /** The URL ws_url is resolved against (your page's, or the Arena server's). */
  pageUrl: string;
  /** Every message but Delta (snapshots come whole); `at`: the clock's time of arrival. */
  onMessage: (msg: IncomingMsg, at: number) => void;
  onStatus?: (status: SessionStatus | null) => void;
  /** The socket opened (true) or closed (false). */
  onConnected?: (connected: boolean) => void;
  WebSocketImpl?: WebSocketConstructor;
  now?: () => number;
  random?: () => number;
  /** Delay before reconnect attempt `attempt` (1, 2, ...), ms. Default: net.js's backoffMs. */
  backoff?: (attempt: number) => number;
}

/**
 * A seat across connections. Reconnects after the codes in RECONNECT_AFTER: a player through its
 * reconnect URL (same seat, same score) while the server holds the seat, a spectator (or a player
 * whose seat is gone) by joining again. 1000, 4001 (replaced) and 4002 (kicked) are final.
 */
export declare class Session {
  constructor(opts: SessionOptions);
  matchId: string;
  role: ApiRole;
  name: string;
  /** This seat's id once known (null for a spectator). */
  playerId: number | null;
  /** A MatchEnded arrived. */
  ended: boolean;
  /** stop() or abandon() was called. */
  stopped: boolean;
  /** The current status (what onStatus was last told). */
  status: SessionStatus | null;
  /** Reconnect attempts since the last welcome. */
  attempt: number;
  /** A player's reconnect URL, while it has one. */
  reconnectUrl: string | null;
  /** Whether the current connection's socket is open. */
  readonly connected: boolean;
  /** The current connection's counters, or null between connections. */
  readonly stats: NetStats | null;
  /** Whether a reconnect URL is held. */
  readonly reconnectable: boolean;
  /** Joins (or resumes a held seat) and connects. A join refused for good is reported through onStatus. */
  start(): Promise<void>;
  /** Leaves: closes with 1000 (the server frees a player's seat at once). */
  stop(reason?: string): void;
  /** Ends the session for a reason of this page: closes with 1000, shows `text`, never reconnects. */
  abandon(text: string, reason?: string): void;
  /** Sends on the current connection; false when there is none open. */
  send(msg: SendableClientMsg): boolean;
  /** Closes the current connection as undecodable (a game payload that did not decode). */
  fail(error: Error): void;
  /** Simulates a dropped connection (tests). */
  simulateDrop(): void;
  /** Reconnects now instead of waiting for the backoff. */
  retryNow(): void;
}
