// A minimal Arena player for tests, in Node: joins through the lobby API, speaks arena.v1 over the
// `ws` package with the same js/protocol.js the browser uses, and keeps the newest state. It sends
// an input per snapshot (its buttons default to none: it stands still, an easy target).

import WebSocket from 'ws';

import { lobbyApi, resolveWsUrl } from '../js/api.js';
import { Connection } from '../js/net.js';

export class NodePlayer {
  /** Joins match `matchId` on the server at `baseUrl` (http://host:port) as `name`. */
  static async join(baseUrl, matchId, name, role = 'player') {
    const api = lobbyApi(new URL('api', baseUrl).href);
    const join = await api.join(matchId, name, role);
    const player = new NodePlayer(join, baseUrl);
    await player.ready;
    return player;
  }

  constructor(join, baseUrl) {
    this.join = join;
    this.id = join.player_id ?? null;
    this.buttons = 0;
    this.aim = 0;
    this.seq = 1;
    this.snapshot = null;
    this.welcome = null;
    this.ended = null;
    this.closed = null;
    this.minHealth = Infinity;
    this.waiters = [];
    this.ready = new Promise((resolve, reject) => {
      this.conn = new Connection(resolveWsUrl(join.ws_url, baseUrl), {
        WebSocketImpl: WebSocket,
        onMessage: (msg) => {
          if (msg.type === 'Welcome') {
            this.welcome = msg;
            resolve();
          }
          if (msg.type === 'MatchEnded') this.ended = msg;
          if (msg.type === 'Snapshot') this.onSnapshot(msg);
          this.waiters = this.waiters.filter((w) => !w());
        },
        onClose: (ev) => {
          this.closed = ev;
          this.waiters = this.waiters.filter((w) => !w());
          reject(new Error(`closed before the welcome: ${ev.code} ${ev.reason}`));
        },
      });
    });
  }

  onSnapshot(snap) {
    this.snapshot = snap;
    const me = this.me();
    if (me && me.flags & 1) this.minHealth = Math.min(this.minHealth, me.health);
    if (this.id !== null && snap.phase !== 'Ended') {
      this.conn.send({ type: 'Input', seq: this.seq, buttons: this.buttons, aim: this.aim });
      this.seq = (this.seq + 1) & 0xffff;
    }
  }

  me() {
    return this.snapshot?.players.find((p) => p.id === this.id) ?? null;
  }

  /** Resolves once `predicate()` holds after some message (or rejects after `timeoutMs`). */
  until(predicate, timeoutMs = 10000, what = 'condition') {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push(() => {
        if (!predicate()) return false;
        clearTimeout(timer);
        resolve();
        return true;
      });
    });
  }

  close() {
    this.conn.close('test over');
  }
}
