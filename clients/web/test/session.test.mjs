// The SDK's connection and session against a fake WebSocket: subprotocol and binary frames,
// pings and their round trip, an undecodable frame closing that connection with a clear reason,
// snapshot deltas rebuilt per connection (the Rust-written stream of test/fixtures/delta.json: a
// checksum that disagrees sends Resync, a delta that cannot be rebuilt closes with 1007 and a
// player reconnects with no baselines), and the reconnect policy (reconnect URL for a player,
// only after the codes the server lists, never after 1000, 4001 or 4002).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { NetStats, Connection, backoffMs } from '../sdk/net.js';
import { Session } from '../sdk/session.js';
import {
  encodeServerMsg, decodeClientMsg, decodeServerMsg, CloseCode, ClientCloseCode, RECONNECT_AFTER,
} from '../sdk/protocol.js';
import { fromHex, loadFixture, toHex } from './fixture-match.mjs';

const deltaFixture = loadFixture(new URL('./fixtures/delta.json', import.meta.url));

/**
 * A fake WebSocket: records what is sent; the test plays the server. With `browser`, close()
 * refuses the codes a browser may not send (anything but 1000 and 3000..=4999) the way the
 * WHATWG WebSocket does: it throws InvalidAccessError and the socket stays open.
 */
function fakeSockets({ browser = false } = {}) {
  const sockets = [];
  class FakeWs {
    constructor(url, protocols) {
      this.url = url;
      this.protocols = protocols;
      this.sent = [];
      this.readyState = 0;
      this.closedWith = null;
      sockets.push(this);
    }
    send(bytes) { this.sent.push(bytes); }
    close(code, reason) {
      if (browser && code !== 1000 && !(code >= 3000 && code <= 4999)) {
        this.refused = (this.refused ?? []).concat(code);
        throw new DOMException(`The close code must be either 1000, or between 3000 and 4999. ${code} is neither.`, 'InvalidAccessError');
      }
      this.closedWith = { code, reason };
      this.readyState = 3;
      queueMicrotask(() => this.onclose?.({ code, reason, wasClean: true }));
    }
    // The server's side:
    open() { this.readyState = 1; this.onopen?.(); }
    deliver(msg) { this.onmessage({ data: encodeServerMsg(msg).buffer }); }
    deliverHex(hex) { this.onmessage({ data: fromHex(hex).buffer }); }
    /** The client messages sent so far, decoded (pings left out). */
    sentMsgs() { return this.sent.map((b) => decodeClientMsg(b)).filter((m) => m.type !== 'Ping'); }
    drop(code = 1006, reason = '') { this.readyState = 3; this.onclose?.({ code, reason, wasClean: false }); }
  }
  return { sockets, FakeWs };
}

const welcome = (playerId = 0) => ({
  type: 'Welcome', protocol: 3, match_id: 'm1', game: 'dots', role: playerId === null ? 'Spectator' : 'Player',
  player_id: playerId, match_name: 'M', max_players: 4, tick_hz: 20, facts: new Uint8Array([1, 2]),
});
const tick = () => new Promise((r) => setTimeout(r, 0));

test('network counters cover the last second', () => {
  const s = new NetStats();
  for (let t = 0; t < 2000; t += 100) s.received(t, 50, true);
  s.received(1950, 10, false);
  s.sent(1990, 5);
  const sum = s.summary(2000);
  assert.equal(sum.snapshotsPerS, 10);
  assert.equal(sum.bytesInPerS, 10 * 50 + 10);
  assert.equal(sum.bytesOutPerS, 5);
  s.pong(10);
  s.pong(20);
  assert.equal(s.pingMs, 13);
});

test('reconnect backoff doubles from 0.5 s up to 8 s', () => {
  const mid = () => 0.5;
  assert.deepEqual([1, 2, 3, 4, 5, 6, 9].map((a) => backoffMs(a, mid)), [500, 1000, 2000, 4000, 8000, 8000, 8000]);
  assert.ok(backoffMs(1, () => 0) >= 400 && backoffMs(1, () => 0.999) <= 600);
});

test('Connection: subprotocol arena.v3, binary frames, pings and a decoded message per frame', async () => {
  const { sockets, FakeWs } = fakeSockets();
  const got = [];
  const closes = [];
  let now = 1000;
  const conn = new Connection('ws://x/ws?token=t', {
    WebSocketImpl: FakeWs, now: () => now,
    onMessage: (m) => got.push(m), onClose: (e) => closes.push(e),
  });
  const ws = sockets[0];
  assert.deepEqual(ws.protocols, ['arena.v3']);
  assert.equal(ws.binaryType, 'arraybuffer');
  ws.open();
  const ping = decodeClientMsg(ws.sent[0]);
  assert.equal(ping.type, 'Ping');
  assert.equal(ping.client_time_us, 1000000n);
  now = 1012;
  ws.deliver({ type: 'Pong', client_time_us: 1000000n, server_time_us: 0n });
  assert.equal(got[0].type, 'Pong');
  assert.equal(conn.stats.pingMs, 12);
  assert.ok(conn.send({ type: 'Input', seq: 1, input: Uint8Array.of(8, 0) }));
  const input = decodeClientMsg(ws.sent[1]);
  assert.equal(input.seq, 1);
  assert.deepEqual([...input.input], [8, 0]);
  conn.close();
  await tick();
  assert.deepEqual(closes, [{ code: 1000, reason: 'leaving', wasClean: true, byUs: true, error: null }]);
  clearInterval(conn.pingTimer);
});

test('an undecodable frame closes that connection with a clear reason, and nothing after it is read', async () => {
  const { sockets, FakeWs } = fakeSockets();
  const got = [];
  const closes = [];
  const conn = new Connection('ws://x/ws', { WebSocketImpl: FakeWs, onMessage: (m) => got.push(m), onClose: (e) => closes.push(e) });
  const ws = sockets[0];
  ws.open();
  ws.onmessage({ data: Uint8Array.of(9, 9).buffer }); // unknown tag
  ws.deliver({ type: 'Chat', from: null, name: 'x', text: 'late' });
  await tick();
  assert.deepEqual(got, []);
  assert.equal(ws.closedWith.code, ClientCloseCode.Undecodable);
  assert.match(ws.closedWith.reason, /undecodable message: unknown ServerMsg tag 9/);
  assert.equal(closes.length, 1);
  assert.equal(closes[0].code, ClientCloseCode.Undecodable);
  assert.equal(closes[0].byUs, false);
  assert.ok(closes[0].error);
  clearInterval(conn.pingTimer);
  // A text frame too.
  const c2 = new Connection('ws://x/ws', { WebSocketImpl: FakeWs, onMessage: () => {}, onClose: () => {} });
  sockets[1].open();
  sockets[1].onmessage({ data: 'hello' });
  assert.equal(sockets[1].closedWith.code, ClientCloseCode.Undecodable);
  clearInterval(c2.pingTimer);
});

/** A session with a fake API and sockets; `statuses` records what the page would show. */
function session({ role = 'player', join = null, store = null } = {}) {
  const { sockets, FakeWs } = fakeSockets();
  const joins = [];
  const api = {
    join: async (id, name, r) => {
      joins.push({ id, name, r });
      return { ws_url: `ws://h/ws?token=t${joins.length}`, player_id: r === 'player' ? 0 : null, reconnect_url: r === 'player' ? 'ws://h/ws?reconnect=R' : null, match_id: id, role: r };
    },
  };
  const statuses = [];
  const messages = [];
  const s = new Session({
    api, matchId: 'm1', role, name: 'Ada', join, store, pageUrl: 'http://h/',
    WebSocketImpl: FakeWs, backoff: () => 0,
    onMessage: (m) => messages.push(m), onStatus: (st) => statuses.push(st),
  });
  return { s, sockets, joins, statuses, messages };
}

const until = async (cond, what) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  assert.ok(cond(), `timed out waiting for ${what}`);
};

test('a player reconnects through its reconnect URL after every code the server lists', async () => {
  for (const code of RECONNECT_AFTER) {
    const { s, sockets, joins, statuses } = session();
    await s.start();
    assert.equal(joins.length, 1);
    sockets[0].open();
    sockets[0].deliver(welcome());
    sockets[0].drop(code);
    assert.match(statuses.at(-1).text, /Connection lost/);
    await until(() => sockets.length === 2, `a new socket after ${code}`);
    assert.equal(sockets[1].url, 'ws://h/ws?reconnect=R', `reconnect URL after ${code}`);
    sockets[1].open();
    sockets[1].deliver(welcome());
    assert.equal(statuses.at(-1).text, 'Reconnected.');
    assert.equal(joins.length, 1, 'no second join');
    s.stop();
  }
});

test('no reconnect after 1000, 4001, 4002 or a code the server does not list', async () => {
  const cases = [
    [CloseCode.Normal, /Disconnected/],
    [CloseCode.Replaced, /another window or tab/],
    [CloseCode.Kicked, /host removed you/],
    [1011, /Disconnected: server error/],
  ];
  for (const [code, text] of cases) {
    const { s, sockets, statuses } = session();
    await s.start();
    sockets[0].open();
    sockets[0].deliver(welcome());
    sockets[0].drop(code);
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(sockets.length, 1, `no new socket after ${code}`);
    assert.match(statuses.at(-1).text, text);
    assert.equal(statuses.at(-1).lobby, true);
    if (code === CloseCode.Kicked) assert.equal(s.reconnectable, false);
    s.stop();
  }
});

test('after MatchEnded, a close with 1000 says the match is over', async () => {
  const { s, sockets, statuses } = session({ role: 'spectator' });
  await s.start();
  sockets[0].open();
  sockets[0].deliver(welcome(null));
  sockets[0].deliver({ type: 'MatchEnded', reason: 'Host', scoreboard: [] });
  sockets[0].drop(1000);
  assert.match(statuses.at(-1).text, /match is over/);
});

test('a spectator rejoins through the API; a held seat that is gone is joined anew', async () => {
  const spec = session({ role: 'spectator' });
  await spec.s.start();
  spec.sockets[0].open();
  spec.sockets[0].deliver(welcome(null));
  spec.sockets[0].drop(1001);
  await until(() => spec.sockets.length === 2, 'the spectator\'s new socket');
  assert.equal(spec.joins.length, 2);
  assert.equal(spec.sockets[1].url, 'ws://h/ws?token=t2');
  spec.s.stop();

  const stored = new Map([['m1', 'ws://h/ws?reconnect=OLD']]);
  const store = { get: (id) => stored.get(id) ?? null, set: (id, url) => (url ? stored.set(id, url) : stored.delete(id)) };
  const p = session({ store });
  await p.s.start();
  assert.equal(p.sockets[0].url, 'ws://h/ws?reconnect=OLD', 'a reload tries the held seat first');
  p.sockets[0].drop(1008); // refused before a welcome: the seat is gone
  await until(() => p.sockets.length === 2, 'a fresh join');
  assert.equal(p.joins.length, 1);
  assert.equal(stored.get('m1'), 'ws://h/ws?reconnect=R');
  p.s.stop();
  assert.equal(stored.has('m1'), false, 'leaving forgets the reconnect URL');
});

test('an undecodable message stops the session with a clear message and a retry button', async () => {
  const { s, sockets, statuses } = session();
  await s.start();
  sockets[0].open();
  sockets[0].deliver(welcome());
  sockets[0].onmessage({ data: Uint8Array.of(2, 0).buffer }); // a truncated snapshot
  await tick();
  assert.match(statuses.at(-1).text, /could not read/);
  assert.equal(statuses.at(-1).retry, true);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(sockets.length, 1, 'no automatic reconnect into the same bytes');
  s.retryNow();
  await until(() => sockets.length === 2, 'the retry');
  assert.equal(sockets[1].url, 'ws://h/ws?reconnect=R', 'the seat was held (closed with a code other than 1000)');
  s.stop();
});

test('abandon closes with 1000 and says why, for good', async () => {
  const { s, sockets, statuses } = session({ join: { ws_url: 'ws://h/ws?token=J', player_id: 1, reconnect_url: 'ws://h/ws?reconnect=Q' } });
  await s.start();
  assert.equal(sockets[0].url, 'ws://h/ws?token=J', 'a join from the lobby is used as it is');
  sockets[0].open();
  sockets[0].deliver({ ...welcome(1), game: 'chess' });
  s.abandon('This match plays chess.');
  await tick();
  assert.equal(sockets[0].closedWith.code, 1000);
  assert.equal(statuses.at(-1).text, 'This match plays chess.');
  assert.equal(statuses.at(-1).lobby, true);
});

// ---- snapshot deltas, per connection ----

const stream = deltaFixture.stream;
/** Where the stream's first error is (a delta against a baseline the client never had). */
const firstError = stream.findIndex((e) => e.expect.error);
const firstMalformed = stream.findIndex((e) => e.expect.error === 'malformed');
const asSeen = (m) => ({ tick: m.tick, server_time_us: String(m.server_time_us), view: toHex(m.view), ack: m.ack });

test('Connection: deltas reach the owner as whole snapshots; a checksum that disagrees sends one Resync', (t) => {
  assert.equal(stream[firstError].expect.error, 'missing_baseline');
  const { sockets, FakeWs } = fakeSockets();
  const got = [];
  const closes = [];
  let now = 10000;
  const conn = new Connection('ws://x/ws', { WebSocketImpl: FakeWs, now: () => now, onMessage: (m) => got.push(m), onClose: (e) => closes.push(e) });
  t.after(() => clearInterval(conn.pingTimer));
  const ws = sockets[0];
  ws.open();
  const resyncsAfter = [];
  for (const { msg } of stream.slice(0, firstError)) {
    now += 50;
    ws.deliverHex(msg);
    resyncsAfter.push(ws.sentMsgs().filter((m) => m.type === 'Resync').length);
  }
  const kinds = stream.slice(0, firstError).map((e) => (typeof e.expect === 'string' ? e.expect : 'snapshot'));
  const firstResync = kinds.indexOf('resync');
  assert.ok(firstResync > 0 && kinds.includes('skipped'));
  assert.deepEqual(resyncsAfter, kinds.map((_, i) => (i < firstResync ? 0 : 1)), 'Resync goes out with the delta whose check disagreed, once');
  assert.deepEqual(ws.sentMsgs(), [{ type: 'Resync' }]);
  assert.deepEqual(got.map(asSeen), stream.slice(0, firstError).filter((e) => e.expect.snapshot).map((e) => e.expect.snapshot));
  assert.ok(got.every((m) => m.type === 'Snapshot' && m.phase === 'Running'), 'no Delta reaches the owner');
  const sum = conn.stats.summary(now);
  assert.equal(sum.snapshotsPerS, firstError, 'every snapshot frame counts, whole or delta');
  assert.deepEqual([sum.keyframes, sum.deltas, sum.resyncs], [2, firstError - 2, 1]);
  assert.equal(sum.lastTick, got.at(-1).tick);
  assert.deepEqual(closes, []);
});

test('Connection: a delta it cannot rebuild closes with 1007 and a short reason; nothing after it is read', async (t) => {
  const cases = [
    [stream[firstError].msg, /tick 10 refers to baseline tick 9, which this client does not hold/],
    [stream[firstMalformed].msg, /tick 11 is malformed: delta has 1 trailing bytes/],
    [toHex(encodeServerMsg({ type: 'Delta', tick: 9, back: 0, since_us: 0, phase: 'Running', check: null, view: Uint8Array.of(0), ack: null })), /names a baseline 0 ticks back/],
  ];
  for (const [bad, why] of cases) {
    const { sockets, FakeWs } = fakeSockets();
    const got = [];
    const closes = [];
    const conn = new Connection('ws://x/ws', { WebSocketImpl: FakeWs, onMessage: (m) => got.push(m), onClose: (e) => closes.push(e) });
    t.after(() => clearInterval(conn.pingTimer));
    const ws = sockets[0];
    ws.open();
    for (const { msg } of stream.slice(0, firstError)) ws.deliverHex(msg);
    const shown = got.length;
    ws.deliverHex(bad);
    ws.deliver({ type: 'Chat', from: null, name: 'x', text: 'late' });
    ws.deliverHex(stream[firstError - 1].msg);
    await tick();
    assert.equal(got.length, shown, 'nothing shown after the bad delta');
    assert.equal(ws.closedWith.code, CloseCode.Invalid);
    assert.match(ws.closedWith.reason, why);
    assert.ok(new TextEncoder().encode(ws.closedWith.reason).length <= 123, 'a reason a close frame can carry');
    assert.equal(closes.length, 1);
    assert.deepEqual({ ...closes[0], reason: '' }, { code: 1007, reason: '', wasClean: false, byUs: false, error: null });
    assert.match(closes[0].reason, why);
    assert.equal(conn.send({ type: 'Resync' }), false, 'nothing goes out after the close');
  }
});

test('Connection: where the WebSocket refuses to send 1007 (a browser), the frame carries 4900; the owner still hears 1007', async (t) => {
  const { sockets, FakeWs } = fakeSockets({ browser: true });
  const closes = [];
  const conn = new Connection('ws://x/ws', { WebSocketImpl: FakeWs, onMessage: () => {}, onClose: (e) => closes.push(e) });
  t.after(() => clearInterval(conn.pingTimer));
  const ws = sockets[0];
  ws.open();
  ws.deliverHex(stream[0].msg);
  ws.deliverHex(stream[firstError].msg);
  await tick();
  assert.deepEqual(ws.refused, [1007]);
  assert.equal(ws.closedWith.code, ClientCloseCode.Undecodable);
  assert.match(ws.closedWith.reason, /baseline tick 9/);
  assert.equal(closes.length, 1);
  assert.equal(closes[0].code, CloseCode.Invalid);
  // The browser's own rules still hold for the codes it may send.
  const c2 = new Connection('ws://x/ws', { WebSocketImpl: FakeWs, onMessage: () => {}, onClose: () => {} });
  t.after(() => clearInterval(c2.pingTimer));
  sockets[1].open();
  c2.close();
  assert.equal(sockets[1].closedWith.code, 1000);
  assert.equal(sockets[1].refused, undefined);
});

test('a player whose delta cannot be rebuilt reconnects to its seat, and each connection starts with no baselines', async (t) => {
  const { s, sockets, joins, statuses, messages } = session();
  t.after(() => s.stop());
  await s.start();
  sockets[0].open();
  sockets[0].deliver(welcome());
  for (const { msg } of stream.slice(0, firstError)) sockets[0].deliverHex(msg);
  assert.deepEqual(sockets[0].sentMsgs(), [{ type: 'Resync' }]);
  assert.deepEqual([...new Set(messages.map((m) => m.type))], ['Welcome', 'Snapshot'], 'the owner sees whole snapshots only');
  sockets[0].deliverHex(stream[firstError].msg);
  assert.equal(sockets[0].closedWith.code, 1007);
  assert.match(statuses.at(-1).text, /^Connection lost \(delta for tick 10 refers to baseline tick 9.*\)\. Reconnecting in/);
  await until(() => sockets.length === 2, 'a new socket after the bad delta');
  assert.equal(sockets[1].url, 'ws://h/ws?reconnect=R', 'back into the held seat');
  sockets[1].open();
  sockets[1].deliver(welcome());
  assert.equal(statuses.at(-1).text, 'Reconnected.');
  // The last delta the first connection rebuilt, against a view it held: this one never had it.
  const lastGood = stream[firstError - 1];
  assert.equal(decodeServerMsg(fromHex(lastGood.msg)).type, 'Delta');
  assert.ok(lastGood.expect.snapshot);
  const before = messages.length;
  sockets[1].deliverHex(lastGood.msg);
  assert.equal(messages.length, before, 'not rebuilt from the old connection\'s views');
  assert.equal(sockets[1].closedWith.code, 1007);
  await until(() => sockets.length === 3, 'another socket');
  sockets[2].open();
  sockets[2].deliver(welcome());
  // A fresh connection opens with a keyframe, then its deltas rebuild.
  const keyframe = stream.findLastIndex((e, i) => i < firstError && decodeServerMsg(fromHex(e.msg)).type === 'Snapshot');
  for (const { msg } of stream.slice(keyframe, firstError)) sockets[2].deliverHex(msg);
  const shown = messages.slice(-(firstError - keyframe)).map(asSeen);
  assert.deepEqual(shown, stream.slice(keyframe, firstError).map((e) => e.expect.snapshot));
  assert.equal(joins.length, 1, 'no new join: the seat was held');
});
