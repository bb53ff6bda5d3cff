// The page's pure helpers: lobby API client and its messages, labels and timers, network counters,
// reconnect backoff, camera mapping and the beam's reach.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ApiError, friendlyError, lobbyApi, resolveWsUrl } from '../js/api.js';
import { formatTimeLeft, formatLimitS, scoreboardRows, endReasonLabel } from '../js/format.js';
import { NetStats, Connection, backoffMs } from '../js/net.js';
import { makeCamera, beamLength } from '../js/render.js';
import { encodeClientMsg, decodeClientMsg } from '../js/protocol.js';

const ARENA = { width: 1600, height: 1000, player_radius: 20, max_speed: 260, attack_range: 420, max_health: 100 };

function fakeFetch(status, body) {
  const calls = [];
  const impl = async (url, init) => {
    calls.push({ url, init });
    return { ok: status < 400, status, statusText: 'x', text: async () => (body === undefined ? '' : JSON.stringify(body)) };
  };
  return { impl, calls };
}

test('lobby API: requests carry JSON bodies and the host token; errors become ApiError', async () => {
  const ok = fakeFetch(200, { id: 'm1', phase: 'running' });
  const api = lobbyApi('api', ok.impl);
  await api.start('m 1', 'secret');
  assert.equal(ok.calls[0].url, 'api/matches/m%201/start');
  assert.equal(ok.calls[0].init.method, 'POST');
  assert.equal(ok.calls[0].init.headers.Authorization, 'Bearer secret');
  await api.join('m1', 'Ada', 'player');
  assert.deepEqual(JSON.parse(ok.calls[1].init.body), { name: 'Ada', role: 'player' });

  const full = lobbyApi('api', fakeFetch(409, { error: 'match_full', message: 'match is full' }).impl);
  await assert.rejects(full.join('m1', 'Ada', 'player'), (e) => e instanceof ApiError && e.status === 409 && e.code === 'match_full');
  const broken = lobbyApi('api', async () => { throw new Error('ECONNREFUSED'); });
  await assert.rejects(broken.listMatches(), TypeError);
});

test('lobby messages say what happened in words', () => {
  assert.match(friendlyError(new ApiError(409, 'match_full', '')), /full.*watch/i);
  assert.match(friendlyError(new ApiError(410, 'match_ended', '')), /ended/i);
  assert.match(friendlyError(new ApiError(404, 'not_found', '')), /does not exist/i);
  assert.match(friendlyError(new ApiError(403, 'forbidden', '')), /host/i);
  assert.match(friendlyError(new ApiError(400, 'bad_request', 'name must be 1..=32 bytes')), /name must be/);
  assert.match(friendlyError(new TypeError('network error')), /reach the server/i);
});

test('ws_url is resolved against the page, wss on https', () => {
  assert.equal(resolveWsUrl('ws://127.0.0.1:8080/ws?token=abc', 'http://127.0.0.1:8080/'), 'ws://127.0.0.1:8080/ws?token=abc');
  assert.equal(resolveWsUrl('/ws?token=abc', 'http://h:1/#/x'), 'ws://h:1/ws?token=abc');
  assert.equal(resolveWsUrl('ws://h/ws?token=a', 'https://h/'), 'wss://h/ws?token=a');
});

test('timer, limits and end reasons read well', () => {
  assert.equal(formatTimeLeft(3000), '5:00');
  assert.equal(formatTimeLeft(2951), '4:56');
  assert.equal(formatTimeLeft(100), '0:10');
  assert.equal(formatTimeLeft(95), '0:09.5');
  assert.equal(formatTimeLeft(0), '0:00.0');
  assert.equal(formatLimitS(0), 'no limit');
  assert.equal(formatLimitS(300), '5 min');
  assert.equal(formatLimitS(90), '90 s');
  assert.equal(endReasonLabel('Host'), 'Ended by the host');
});

test('scoreboard rows sort like the server: kills down, deaths up, seat up', () => {
  const p = (id, kills, deaths) => ({ id, kills, deaths, flags: 1, health: 100 });
  const rows = scoreboardRows([p(0, 1, 5), p(1, 3, 2), p(2, 3, 1), p(3, 1, 5)], new Map([[2, 'zed']]));
  assert.deepEqual(rows.map((r) => r.id), [2, 1, 0, 3]);
  assert.equal(rows[0].name, 'zed');
  assert.equal(rows[1].name, 'Player 1');
});

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

test('Connection: subprotocol, binary frames, pings and a decoded message per frame', () => {
  const sockets = [];
  class FakeWs {
    constructor(url, protocols) {
      this.url = url;
      this.protocols = protocols;
      this.sent = [];
      this.readyState = 1;
      sockets.push(this);
    }
    send(bytes) { this.sent.push(bytes); }
    close(code, reason) { this.onclose({ code, reason, wasClean: true }); }
  }
  const got = [];
  const closes = [];
  let now = 1000;
  const conn = new Connection('ws://x/ws?token=t', {
    WebSocketImpl: FakeWs, now: () => now,
    onMessage: (m) => got.push(m), onClose: (e) => closes.push(e),
  });
  const ws = sockets[0];
  assert.deepEqual(ws.protocols, ['arena.v1']);
  assert.equal(ws.binaryType, 'arraybuffer');
  ws.onopen();
  const ping = decodeClientMsg(ws.sent[0]);
  assert.equal(ping.type, 'Ping');
  assert.equal(ping.client_time_us, 1000000n);
  now = 1012;
  // Pong echoing the ping: tag 4, client time 1_000_000 (u32 marker), server time 0.
  const pong = Uint8Array.from([4, 252, 0x40, 0x42, 0x0f, 0x00, 0]);
  ws.onmessage({ data: pong.buffer });
  assert.equal(got[0].type, 'Pong');
  assert.equal(conn.stats.pingMs, 12);
  assert.ok(conn.send({ type: 'Input', seq: 1, buttons: 8, aim: 0 }));
  assert.deepEqual([...ws.sent[1]], [...encodeClientMsg({ type: 'Input', seq: 1, buttons: 8, aim: 0 })]);
  conn.close();
  assert.deepEqual(closes, [{ code: 1000, reason: 'leaving', wasClean: true, byUs: true }]);
});

test('camera fits the arena, follows a player inside the walls, and inverts', () => {
  const cam = makeCamera(1000, 700, ARENA);
  const tl = cam.toScreen(0, 0);
  const br = cam.toScreen(1600, 1000);
  assert.ok(tl.x >= 15 && br.x <= 985 && tl.y >= 15 && br.y <= 685, 'whole arena visible');
  const back = cam.toWorld(...Object.values(cam.toScreen(123, 456)));
  assert.ok(Math.abs(back.x - 123) < 1e-9 && Math.abs(back.y - 456) < 1e-9);
  const follow = makeCamera(1000, 700, ARENA, { x: 30, y: 30 });
  assert.ok(follow.scale > cam.scale);
  const corner = follow.toScreen(0, 0);
  assert.ok(Math.abs(corner.x) < 1e-9 && Math.abs(corner.y) < 1e-9, 'view stops at the arena corner');
});

test('a beam stops at the first player it touches, as the server decides hits', () => {
  const players = [
    { id: 0, x: 100, y: 100, alive: true },
    { id: 1, x: 300, y: 110, alive: true },
    { id: 2, x: 200, y: 100, alive: false },
    { id: 3, x: 400, y: 100, alive: true },
  ];
  const len = beamLength(100, 100, 0, players, ARENA, 0);
  assert.ok(Math.abs(len - (200 - Math.sqrt(400 - 100))) < 1e-9, `length ${len}`);
  assert.equal(beamLength(100, 100, Math.PI, players, ARENA, 0), 420);
});
