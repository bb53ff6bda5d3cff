// One seat (or one spectator's place) in a match, across connections: join through the lobby
// API, connect, and when the connection is lost, reconnect with backoff: a player through its
// reconnect URL (same seat, same score) while the server holds the seat, a spectator (or a player
// whose seat is gone) by joining again. Only the close codes in RECONNECT_AFTER reconnect by
// themselves; 1000 (match removed, or we left), 4001 (replaced) and 4002 (kicked) are final.
//
// The session tells its owner what to show through `onStatus({text, retry, lobby, ok})` (or
// `onStatus(null)` to clear it) and hands every decoded message to `onMessage(msg, at)`: snapshots
// always whole, since each connection (sdk/net.js) rebuilds the deltas, asks for a keyframe when a
// rebuilt view disagrees with its checksum, and closes with 1007 on a delta it cannot rebuild,
// which reconnects like any other 1007 (a new connection starts with no baselines).

import { ApiError, friendlyError, resolveWsUrl } from './api.js';
import { Connection, backoffMs } from './net.js';
import {
  CloseCode, ClientCloseCode, CLOSE_REASONS, shouldReconnect,
} from './protocol.js';

/** Join errors after which trying again cannot help. */
const FINAL_JOIN_ERRORS = ['not_found', 'match_ended', 'match_full'];
/** How long "Reconnected." stays up, ms. */
const RECONNECTED_NOTE_MS = 1500;

export class Session {
  /**
   * @param opts.api lobby API client (sdk/api.js)
   * @param opts.matchId, opts.role ('player'|'spectator'), opts.name
   * @param opts.join a join answer already obtained (tokens are single-use), or null
   * @param opts.store where a player's reconnect URL is kept between page loads:
   *        {get(matchId), set(matchId, url|null)}, or null
   * @param opts.pageUrl the page's URL (ws_url is resolved against it)
   * @param opts.onMessage(msg, at), opts.onStatus(status|null), opts.onConnected(bool)
   * @param opts.WebSocketImpl, opts.now, opts.random, opts.backoff(attempt) → ms, for tests
   */
  constructor(opts) {
    this.api = opts.api;
    this.matchId = opts.matchId;
    this.role = opts.role;
    this.name = opts.name;
    this.pendingJoin = opts.join ?? null;
    this.store = opts.store ?? null;
    this.pageUrl = opts.pageUrl;
    this.onMessage = opts.onMessage;
    this.onStatus = opts.onStatus ?? (() => {});
    this.onConnected = opts.onConnected ?? (() => {});
    this.WebSocketImpl = opts.WebSocketImpl ?? globalThis.WebSocket;
    this.now = opts.now ?? (() => performance.now());
    this.backoff = opts.backoff ?? ((attempt) => backoffMs(attempt, opts.random ?? Math.random));
    this.conn = null;
    this.attempt = 0;
    this.stopped = false;
    this.ended = false; // a MatchEnded arrived
    this.reconnectUrl = null;
    this.usingReconnectUrl = false;
    this.playerId = null;
    this.status = null;
  }

  get connected() {
    return this.conn !== null && this.conn.open;
  }

  get stats() {
    return this.conn?.stats ?? null;
  }

  get reconnectable() {
    return this.reconnectUrl !== null;
  }

  /** Joins (or resumes a held seat) and connects. */
  async start() {
    if (this.pendingJoin) {
      const join = this.pendingJoin;
      this.pendingJoin = null;
      this.connect(join);
      return;
    }
    // A reload, or back from the lobby: resume our seat if the server still holds it.
    this.setReconnectUrl(this.role === 'player' ? (this.store?.get(this.matchId) ?? null) : null);
    await this.rejoin();
  }

  /** Leaves: closes with 1000 (the server frees a player's seat at once). */
  stop(reason = 'left the match') {
    this.stopped = true;
    this.clearTimers();
    this.detach()?.close(reason);
    if (this.role === 'player') this.store?.set(this.matchId, null);
  }

  /** Ends the session for a reason of this page (e.g. a game it cannot show): closes with 1000,
   * shows `text` with the way back to the lobby, and never reconnects. */
  abandon(text, reason = 'cannot play this match') {
    this.stopped = true;
    this.clearTimers();
    this.detach()?.close(reason);
    this.onConnected(false);
    if (this.role === 'player') this.store?.set(this.matchId, null);
    this.setStatus({ text, lobby: true });
  }

  /** Forgets the current connection: nothing it does from now on reaches the owner. */
  detach() {
    const conn = this.conn;
    this.conn = null;
    return conn;
  }

  send(msg) {
    return this.conn ? this.conn.send(msg) : false;
  }

  /** Closes the current connection as undecodable (a game payload that did not decode). */
  fail(error) {
    this.conn?.fail(error);
  }

  /** Simulates a dropped connection (tests). */
  simulateDrop() {
    this.conn?.simulateDrop();
  }

  /** The "Retry now" button. */
  retryNow() {
    this.clearTimers();
    if (this.conn || this.stopped) return;
    this.rejoin();
  }

  // ---- internals ----

  setStatus(status) {
    this.status = status;
    this.onStatus(status);
  }

  clearTimers() {
    clearTimeout(this.retryTimer);
    clearInterval(this.countdownTimer);
    clearTimeout(this.noteTimer);
  }

  setReconnectUrl(url) {
    this.reconnectUrl = url;
    if (this.role === 'player') this.store?.set(this.matchId, url);
  }

  connect(join) {
    if (this.stopped) return;
    this.playerId = join.player_id ?? null;
    // A player's seat can be reopened after a drop with its reconnect URL (same seat, same score).
    this.setReconnectUrl(join.reconnect_url ?? null);
    this.open(join.ws_url);
  }

  open(wsUrl) {
    const url = resolveWsUrl(wsUrl, this.pageUrl);
    let welcomed = false;
    const conn = new Connection(url, {
      WebSocketImpl: this.WebSocketImpl,
      now: this.now,
      onOpen: () => this.onConnected(true),
      onMessage: (msg, at) => {
        if (conn !== this.conn) return;
        if (msg.type === 'Welcome') {
          welcomed = true;
          this.onWelcome(msg);
        }
        if (msg.type === 'MatchEnded') this.ended = true;
        this.onMessage(msg, at);
      },
      onClose: (ev) => {
        if (conn !== this.conn) return;
        this.conn = null;
        this.onConnected(false);
        this.onClose({ ...ev, welcomed });
      },
    });
    this.conn = conn;
  }

  onWelcome(w) {
    const reconnected = this.attempt > 0;
    this.attempt = 0;
    this.clearTimers();
    if (w.player_id !== null) this.playerId = w.player_id;
    if (reconnected) {
      this.setStatus({ text: 'Reconnected.', ok: true });
      this.noteTimer = setTimeout(() => {
        if (this.status?.text === 'Reconnected.') this.setStatus(null);
      }, RECONNECTED_NOTE_MS);
    } else this.setStatus(null);
  }

  async rejoin() {
    if (this.stopped) return;
    this.setStatus({ text: this.attempt ? `Reconnecting (attempt ${this.attempt})…` : 'Joining…' });
    if (this.reconnectUrl) {
      // Back into the same seat; if that fails before a welcome, join anew.
      this.usingReconnectUrl = true;
      this.open(this.reconnectUrl);
      return;
    }
    this.usingReconnectUrl = false;
    try {
      const join = await this.api.join(this.matchId, this.name, this.role);
      if (this.stopped) return;
      this.connect(join);
    } catch (e) {
      if (this.stopped) return;
      if (e instanceof ApiError && FINAL_JOIN_ERRORS.includes(e.code)) {
        this.setStatus({ text: friendlyError(e), lobby: true });
        return;
      }
      this.scheduleReconnect(friendlyError(e));
    }
  }

  onClose({ code, reason, byUs, welcomed, error }) {
    if (byUs || this.stopped) return;
    if (this.usingReconnectUrl && !welcomed && !error) {
      // The seat is gone (grace period over, kicked, or the match ended): ask for a new one.
      this.usingReconnectUrl = false;
      this.setReconnectUrl(null);
      this.rejoin();
      return;
    }
    const why = reason || CLOSE_REASONS[code] || `code ${code}`;
    if (error || code === ClientCloseCode.Undecodable) {
      // Reconnecting would read the same bytes again: say so and let the person decide.
      this.setStatus({ text: `Disconnected: the server sent a message this page could not read (${error?.message ?? why}).`, retry: true, lobby: true });
      return;
    }
    if (code === CloseCode.Normal) {
      // The match was removed: there is nothing to go back to.
      const text = this.ended ? 'The match is over and the server has closed it.' : `Disconnected: ${why}.`;
      this.setStatus({ text, lobby: true });
      return;
    }
    if (code === CloseCode.Replaced) {
      this.setStatus({ text: 'This seat is now played from another window or tab.', lobby: true });
      return;
    }
    if (code === CloseCode.Kicked) {
      this.setReconnectUrl(null);
      this.setStatus({ text: 'The host removed you from this match.', lobby: true });
      return;
    }
    if (shouldReconnect(code)) {
      this.scheduleReconnect(`Connection lost (${why}).`);
      return;
    }
    this.setStatus({ text: `Disconnected: ${why}.`, retry: true, lobby: true });
  }

  scheduleReconnect(why) {
    if (this.stopped) return;
    this.attempt += 1;
    const delay = this.backoff(this.attempt);
    const due = this.now() + delay;
    const tick = () => {
      const left = Math.max(0, (due - this.now()) / 1000);
      this.setStatus({ text: `${why} Reconnecting in ${left.toFixed(1)} s…`, retry: true, lobby: true });
    };
    tick();
    this.clearTimers();
    this.countdownTimer = setInterval(tick, 200);
    this.retryTimer = setTimeout(() => this.retryNow(), delay);
  }
}
