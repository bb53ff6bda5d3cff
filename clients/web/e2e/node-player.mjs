// A minimal Arena player for tests, in Node, for any game: joins through the lobby API, speaks
// arena.v3 over the `ws` package with the same SDK the browser uses (sdk/net.js, which rebuilds the
// snapshot deltas; sdk/inputs.js), decodes the game's facts and views with the game's schema from
// the server (GET /api/games/<game>/schema through sdk/schema.js: values in serde's shape, as the
// Rust types serialize) and keeps the newest decoded view. It knows no game: after each snapshot
// it sends `this.input` (the game's input, in serde's shape) when that is not null, and nothing
// by default (a player without inputs stands still: an easy target). `onView(view, me, snapshot)`
// sees every view as it comes.

import WebSocket from 'ws';

import { lobbyApi, resolveWsUrl } from '../sdk/api.js';
import { InputSequencer } from '../sdk/inputs.js';
import { Connection } from '../sdk/net.js';
import { Schema } from '../sdk/schema.js';

export class NodePlayer {
  /** Joins match `matchId` on the server at `baseUrl` (http://host:port) as `name`, with the
   * schema of the match's game. */
  static async join(baseUrl, matchId, name, role = 'player') {
    const api = lobbyApi(new URL('api', baseUrl).href);
    const { game } = await api.getMatch(matchId);
    const schema = new Schema(await api.gameSchema(game));
    const join = await api.join(matchId, name, role);
    const player = new NodePlayer(join, baseUrl, schema);
    await player.ready;
    return player;
  }

  /** `join`: the lobby's join answer; `schema`: a Schema of the match's game. */
  constructor(join, baseUrl, schema) {
    this.join = join;
    this.schema = schema;
    this.id = join.player_id ?? null;
    this.input = null; // the game's input to send after each snapshot; null: none
    this.onView = null; // (view, me, snapshot) after each snapshot
    this.sequencer = new InputSequencer();
    this.view = null;
    this.snapshot = null;
    this.welcome = null;
    this.facts = null;
    this.ended = null;
    this.closed = null;
    this.waiters = [];
    this.ready = new Promise((resolve, reject) => {
      this.conn = new Connection(resolveWsUrl(join.ws_url, baseUrl), {
        WebSocketImpl: WebSocket,
        onMessage: (msg) => {
          if (msg.type === 'Welcome') {
            if (msg.game !== schema.game) {
              this.conn.close('wrong schema');
              reject(new Error(`the match plays ${msg.game}, the schema is ${schema.game}'s`));
              return;
            }
            this.welcome = msg;
            this.facts = schema.decodeFacts(msg.facts);
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
    this.view = this.schema.decodeView(snap.view);
    this.sequencer.acknowledge(this.id === null ? null : snap.ack, snap.tick);
    this.onView?.(this.view, this.me(), snap);
    if (this.id !== null && snap.phase !== 'Ended' && this.input !== null) {
      const entry = this.sequencer.push(this.input, snap.tick);
      this.conn.send({ type: 'Input', seq: entry.seq, input: this.schema.encodeInput(this.input) });
    }
  }

  /** This player's entry in the view's `players` (a list of `{id, …}`), if the view has one. */
  me() {
    const players = this.view?.players;
    return Array.isArray(players) ? players.find((p) => p?.id === this.id) ?? null : null;
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
