// One WebSocket to the server speaking arena.v1, with the counters the network panel shows.

import { SUBPROTOCOL, decodeServerMsg, encodeClientMsg } from './protocol.js';

/** Interval between latency probes, ms. */
const PING_INTERVAL_MS = 1000;
/** Window of the per-second rates, ms. */
const RATE_WINDOW_MS = 1000;

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
};

/** Sliding one-second counters of received bytes and snapshots, and the ping round trip. */
export class NetStats {
  constructor() {
    this.events = []; // { at, bytes, snapshot }
    this.bytesOut = [];
    this.pingMs = null;
    this.lastTick = null;
  }

  received(at, bytes, isSnapshot) {
    this.events.push({ at, bytes, snapshot: isSnapshot });
    this.trim(at);
  }

  sent(at, bytes) {
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
    };
  }
}

/**
 * Opens `url` with the arena.v1 subprotocol and calls `onMessage(msg)` for every decoded server
 * message, `onClose({code, reason, wasClean, byUs})` once at the end. `WebSocketImpl` lets Node
 * tests pass the `ws` package.
 */
export class Connection {
  constructor(url, { onOpen, onMessage, onClose, onBadMessage, WebSocketImpl = globalThis.WebSocket, now = () => performance.now() }) {
    this.stats = new NetStats();
    this.now = now;
    this.closedByUs = false;
    this.onClose = onClose;
    this.ws = new WebSocketImpl(url, [SUBPROTOCOL]);
    this.ws.binaryType = 'arraybuffer';
    this.ws.onopen = () => {
      onOpen?.();
      this.ping();
      this.pingTimer = setInterval(() => this.ping(), PING_INTERVAL_MS);
    };
    this.ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') return onBadMessage?.(new Error('text frame from server'));
      let msg;
      try {
        msg = decodeServerMsg(ev.data);
      } catch (e) {
        return onBadMessage?.(e);
      }
      const at = this.now();
      this.stats.received(at, ev.data.byteLength, msg.type === 'Snapshot');
      if (msg.type === 'Snapshot') this.stats.lastTick = msg.tick;
      if (msg.type === 'Pong') {
        const rtt = at - Number(msg.client_time_us) / 1000;
        if (rtt >= 0 && rtt < 60000) this.stats.pong(rtt);
      }
      onMessage(msg, at);
    };
    this.ws.onclose = (ev) => {
      clearInterval(this.pingTimer);
      this.onClose?.({ code: ev.code, reason: ev.reason, wasClean: ev.wasClean, byUs: this.closedByUs });
      this.onClose = null;
    };
  }

  get open() {
    return this.ws.readyState === 1;
  }

  send(msg) {
    if (!this.open) return false;
    const bytes = encodeClientMsg(msg);
    this.ws.send(bytes);
    this.stats.sent(this.now(), bytes.length);
    return true;
  }

  ping() {
    this.send({ type: 'Ping', client_time_us: BigInt(Math.round(this.now() * 1000)) });
  }

  /** Closes normally (1000); onClose still fires, with byUs = true. */
  close(reason = 'leaving') {
    this.closedByUs = true;
    clearInterval(this.pingTimer);
    try {
      this.ws.close(1000, reason);
    } catch {
      // already closing
    }
  }
}

/** Reconnect delays: 0.5 s doubling to 8 s, with a little jitter so tabs do not retry in step. */
export function backoffMs(attempt, random = Math.random) {
  const base = Math.min(8000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.85 + random() * 0.3));
}
