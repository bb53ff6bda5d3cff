// A minimal Arena player for tests, in Node: joins through the lobby API, speaks arena.v3 over the
// `ws` package with the same SDK the browser uses (sdk/net.js, which rebuilds the snapshot deltas;
// sdk/inputs.js) and the game's codec from games/<game>/ (picked from the welcome, like the page
// does), and keeps the newest decoded view. It sends one input per snapshot (`this.input`, the game's input object; it
// defaults to "do nothing": an easy target).

import WebSocket from 'ws';

import { lobbyApi, resolveWsUrl } from '../sdk/api.js';
import { InputSequencer } from '../sdk/inputs.js';
import { Connection } from '../sdk/net.js';
import { gameModule } from '../games/index.js';

/** An input that does nothing, per game. */
const IDLE = {
  deathmatch: () => ({ buttons: 0, aim: 0 }),
  ctf: (facts, me) => ({ target_x: me?.x ?? 0, target_y: me?.y ?? 0, actions: 0 }),
};

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
    this.input = null; // the game's input to send; null: idle
    this.sequencer = new InputSequencer();
    this.view = null;
    this.snapshot = null;
    this.welcome = null;
    this.game = null;
    this.facts = null;
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
            this.game = gameModule(msg.game);
            this.facts = this.game.decodeFacts(msg.facts);
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
    this.view = this.game.decodeView(snap.view);
    this.sequencer.acknowledge(this.id === null ? null : snap.ack, snap.tick);
    const me = this.me();
    if (me && me.flags & 1) this.minHealth = Math.min(this.minHealth, me.health);
    if (this.id !== null && snap.phase !== 'Ended') {
      const input = this.input ?? IDLE[this.welcome.game](this.facts, me);
      const entry = this.sequencer.push(input, snap.tick);
      this.conn.send({ type: 'Input', seq: entry.seq, input: this.game.encodeInput(input) });
    }
  }

  me() {
    return this.view?.players.find((p) => p.id === this.id) ?? null;
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
