// One WebSocket to the server speaking arena.v3: binary frames, one decoded envelope message per
// frame, snapshot deltas rebuilt into whole snapshots (sdk/delta.js; the baselines belong to the
// connection, so every new one starts with none), latency probes, and the counters the network
// panel shows. A frame that does not decode closes this connection (client side) with a clear
// reason; a delta that cannot be rebuilt closes it with 1007, after which a player reconnects.
// The page and the match carry on.

import {
  SUBPROTOCOL, CloseCode, ClientCloseCode, decodeServerMsg, encodeClientMsg,
} from './protocol.js';
import { RebuildError, Rebuilder } from './delta.js';

/** Interval between latency probes, ms. */
const PING_INTERVAL_MS = 1000;
/** Window of the per-second rates, ms. */
const RATE_WINDOW_MS = 1000;
/** Longest close reason a WebSocket allows, bytes. */
const MAX_CLOSE_REASON_BYTES = 123;

/**
 * Sliding one-second counters of received bytes and snapshots (keyframes and deltas alike), the
 * ping round trip, and the totals of keyframes, deltas and resyncs asked for.
 */
export class NetStats {
  constructor() {
    this.events = []; // { at, bytes, snapshot }
    this.bytesOut = [];
    this.pingMs = null;
    this.lastTick = null;
    this.messagesIn = 0;
    this.messagesOut = 0;
    this.keyframes = 0;
    this.deltas = 0;
    this.resyncs = 0;
  }

  received(at, bytes, isSnapshot) {
    this.messagesIn += 1;
    this.events.push({ at, bytes, snapshot: isSnapshot });
    this.trim(at);
  }

  sent(at, bytes) {
    this.messagesOut += 1;
    this.bytesOut.push({ at, bytes });
    this.trim(at);
  }

  trim(now) {
    const from = now - RATE_WINDOW_MS;
    while (this.events.length && this.events[0].at < from) this.events.shift();
    while (this.bytesOut.length && this.bytesOut[0].at < from) this.bytesOut.shift();
  }

  pong(rttMs) {
    this.pingMs = this.pingMs === null ? rttMs : this.pingMs * 0.7 + rttMs * 0.3;
  }

  /** Rates over the last second as of `now`. */
  summary(now) {
    this.trim(now);
    return {
      pingMs: this.pingMs,
      snapshotsPerS: this.events.filter((e) => e.snapshot).length * (1000 / RATE_WINDOW_MS),
      bytesInPerS: this.events.reduce((n, e) => n + e.bytes, 0) * (1000 / RATE_WINDOW_MS),
      bytesOutPerS: this.bytesOut.reduce((n, e) => n + e.bytes, 0) * (1000 / RATE_WINDOW_MS),
      lastTick: this.lastTick,
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
      keyframes: this.keyframes,
      deltas: this.deltas,
      resyncs: this.resyncs,
    };
  }
}

function clipReason(text) {
  const enc = new TextEncoder();
  let t = String(text);
  while (enc.encode(t).length > MAX_CLOSE_REASON_BYTES) t = t.slice(0, -1);
  return t;
}

/** Whether a WebSocket in this state has not started closing (CONNECTING or OPEN). */
const notClosing = (ws) => ws.readyState === 0 || ws.readyState === 1;

/**
 * Opens `url` with the arena.v3 subprotocol and calls `onMessage(msg, at)` for every decoded
 * server message, then `onClose({code, reason, wasClean, byUs, error})` once at the end. Deltas
 * never reach `onMessage`: each is rebuilt into the whole Snapshot it stands for (a keyframe
 * comes as it is); when a rebuilt view disagrees with its checksum this sends ClientMsg Resync
 * and shows nothing until the keyframe. A frame that does not decode (or a text frame) closes the
 * connection with ClientCloseCode.Undecodable and `error` set; a delta that cannot be rebuilt
 * closes it with 1007 (CloseCode.Invalid, `error` null: reconnecting helps). `WebSocketImpl` lets
 * Node tests pass the `ws` package or a fake.
 */
export class Connection {
  constructor(url, { onOpen, onMessage, onClose, WebSocketImpl = globalThis.WebSocket, now = () => performance.now() }) {
    this.stats = new NetStats();
    this.now = now;
    this.closedByUs = false;
    this.local = null; // { code, reason, error } when this side closed for a reason of its own
    this.onMessage = onMessage;
    this.onClose = onClose;
    this.rebuilder = new Rebuilder();
    this.ws = new WebSocketImpl(url, [SUBPROTOCOL]);
    this.ws.binaryType = 'arraybuffer';
    this.ws.onopen = () => {
      onOpen?.();
      this.ping();
      this.pingTimer = setInterval(() => this.ping(), PING_INTERVAL_MS);
    };
    this.ws.onmessage = (ev) => this.receive(ev.data);
    this.ws.onclose = (ev) => {
      clearInterval(this.pingTimer);
      this.finish({ code: ev.code, reason: ev.reason, wasClean: ev.wasClean, byUs: this.closedByUs, error: null });
    };
  }

  /** Reports the end once, whichever comes first: our own reason or the socket's close event. */
  finish(info) {
    const cb = this.onClose;
    this.onClose = null;
    cb?.(info);
  }

  receive(data) {
    if (this.local || this.closedByUs) return;
    if (typeof data === 'string') {
      this.fail(new Error('a text frame from the server (the protocol is binary)'));
      return;
    }
    let msg;
    try {
      msg = decodeServerMsg(data);
    } catch (e) {
      this.fail(e);
      return;
    }
    const at = this.now();
    const isSnapshot = msg.type === 'Snapshot' || msg.type === 'Delta';
    this.stats.received(at, data.byteLength, isSnapshot);
    if (msg.type === 'Pong') {
      const rtt = at - Number(msg.client_time_us) / 1000;
      if (rtt >= 0 && rtt < 60000) this.stats.pong(rtt);
    }
    let out;
    try {
      out = this.rebuilder.accept(msg);
    } catch (e) {
      if (!(e instanceof RebuildError)) throw e;
      this.invalid(e);
      return;
    }
    if (isSnapshot) {
      this.stats.keyframes = this.rebuilder.keyframes;
      this.stats.deltas = this.rebuilder.deltas;
    }
    switch (out.kind) {
      case 'snapshot':
        this.stats.lastTick = out.snapshot.tick;
        this.onMessage(out.snapshot, at);
        break;
      case 'other':
        this.onMessage(out.msg, at);
        break;
      case 'resync':
        // Our view drifted: the server sends the next snapshot whole; until then, deltas against
        // what was dropped are skipped.
        this.stats.resyncs += 1;
        this.send({ type: 'Resync' });
        break;
      default: // 'skipped'
        break;
    }
  }

  get open() {
    return this.ws.readyState === 1;
  }

  send(msg) {
    if (!this.open || this.local || this.closedByUs) return false;
    const bytes = encodeClientMsg(msg);
    this.ws.send(bytes);
    this.stats.sent(this.now(), bytes.length);
    return true;
  }

  ping() {
    this.send({ type: 'Ping', client_time_us: BigInt(Math.max(0, Math.round(this.now() * 1000))) });
  }

  /** Closes because this client cannot go on (an undecodable message): the seat stays held. */
  fail(error) {
    if (this.local || this.closedByUs) return;
    const reason = `undecodable message: ${error?.message ?? error}`;
    this.local = { code: ClientCloseCode.Undecodable, reason, error };
    this.shut(ClientCloseCode.Undecodable, clipReason(reason));
  }

  /**
   * Closes because the server's messages broke the protocol in a way a new connection can mend (a
   * delta this client cannot rebuild): 1007 with a short reason, reported to `onClose` as 1007 so a
   * player reconnects (with no baselines: the server opens with a keyframe). A browser may only
   * send 1000 or 3000..=4999 and refuses 1007 (InvalidAccessError, the socket stays open): there the
   * frame carries ClientCloseCode.Undecodable instead; the seat is held either way.
   */
  invalid(error) {
    if (this.local || this.closedByUs) return;
    const reason = clipReason(error?.message ?? String(error));
    this.local = { code: CloseCode.Invalid, reason, error: null };
    this.shut(CloseCode.Invalid, reason, ClientCloseCode.Undecodable);
  }

  /** Simulates a dropped connection (tests): reported as Abnormal (1006), the seat stays held. */
  simulateDrop() {
    if (this.local || this.closedByUs) return;
    this.local = { code: CloseCode.Abnormal, reason: 'dropped by test' };
    this.shut(ClientCloseCode.TestDrop, 'dropped by test');
  }

  /** Closes normally (1000: "I left", the server frees a player's seat); onClose fires with byUs. */
  close(reason = 'leaving') {
    this.closedByUs = true;
    this.shut(CloseCode.Normal, clipReason(reason));
  }

  /** Closes the socket with `code`, or with `fallback` when the WebSocket refuses `code`. */
  shut(code, reason, fallback = null) {
    clearInterval(this.pingTimer);
    try {
      this.ws.close(code, reason);
    } catch {
      // Already closing; or a code this WebSocket may not send (it threw before closing anything).
      if (fallback !== null && notClosing(this.ws)) {
        try {
          this.ws.close(fallback, reason);
        } catch {
          // already closing
        }
      }
    }
    // A close for a reason of our own is over for us now: do not wait for the server to answer
    // the close handshake (a stuck peer may never do so).
    if (this.local) {
      const { code: c, reason: r, error } = this.local;
      this.finish({ code: c, reason: r, wasClean: false, byUs: false, error: error ?? null });
    }
  }
}

/** Reconnect delays: 0.5 s doubling to 8 s, with a little jitter so tabs do not retry in step. */
export function backoffMs(attempt, random = Math.random) {
  const base = Math.min(8000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.85 + random() * 0.3));
}
