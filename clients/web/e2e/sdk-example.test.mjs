// The SDK's "your own page" example (sdk/example/page.html and page.js: the code sdk/README.md
// shows) in headless Chromium, served from an origin of its own, against the real release server
// started with `--allowed-origin` for that origin: the page loads the SDK from the server's
// /sdk/ through its import map, lists the deathmatch's matches, joins one as a player (welcome,
// roster, views decoded with the game's schema, an input sent from the keyboard and acknowledged,
// the player moving), a second page watches as a spectator, and a page served from an origin the
// server does not list cannot reach the lobby API (the browser refuses the answer: CORS) and says
// so. Screenshots go to artifacts/ at the repository root.
//
// Needs: target/release/arena (cargo build --release --workspace --bins), /usr/bin/chromium,
// npm ci. ARENA_BIN and CHROMIUM_PATH override them.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ARTIFACTS, Harness, sleep } from './harness.mjs';

const EXAMPLE = new URL('../sdk/example/', import.meta.url);
const TYPES = { 'page.html': 'text/html; charset=utf-8', 'page.js': 'text/javascript; charset=utf-8' };

/**
 * A static server of the example folder (page.html and page.js only) on `host`, port 0, that
 * knows nothing of Arena: `{origin, close()}`.
 */
function serveExample(host) {
  const server = createServer(async (req, res) => {
    const name = new URL(req.url, 'http://x').pathname.slice(1);
    if (!Object.hasOwn(TYPES, name)) {
      res.writeHead(name === 'favicon.ico' ? 204 : 404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[name], 'Cache-Control': 'no-store' });
    res.end(await readFile(new URL(name, EXAMPLE)));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      resolve({ origin: `http://${host}:${server.address().port}`, close: () => server.close() });
    });
  });
}

// The listed origin is on 127.0.0.1; the unlisted one on 127.0.0.2 (loopback too, on Linux), so
// no allowance a server makes for 127.0.0.1 or localhost during development covers it.
let listed;
let unlisted;
let h;

before(async () => {
  listed = await serveExample('127.0.0.1');
  unlisted = await serveExample('127.0.0.2');
  h = new Harness({ serverArgs: ['--allowed-origin', listed.origin] });
  await h.start();
});

after(async () => {
  await h?.stop();
  listed?.close();
  unlisted?.close();
});

const exampleUrl = (origin) => `${origin}/page.html?server=${encodeURIComponent(h.base.replace(/\/$/, ''))}&game=deathmatch`;

/** Waits for a condition on window.example, naming it and showing the page's state on failure. */
async function waitExample(page, what, fn, arg, timeout = 15000) {
  try {
    await page.waitForFunction(fn, arg, { timeout, polling: 50 });
  } catch (e) {
    const state = await page.evaluate(() => JSON.stringify(window.example ?? null, (k, v) => (k === 'view' ? undefined : v)));
    throw new Error(`timed out waiting for ${what} (${e.message.split('\n')[0]}); window.example: ${state}; page errors: ${page.errors.join(' | ')}`);
  }
}

/** What a page gets from `fetch(url)`: 'ok <status>' or the rejection. */
const tryFetch = (page, url) => page.evaluate(async (u) => {
  try {
    return `ok ${(await fetch(u)).status}`;
  } catch (e) {
    return `${e.name}: ${e.message}`;
  }
}, url);

let matchId;
let hostToken;
let playerId;

test('a page on an origin of its own plays a deathmatch through the SDK the server serves', { timeout: 60000 }, async () => {
  const created = await h.api('api/matches', {
    method: 'POST',
    body: JSON.stringify({ name: 'SDK example', game: 'deathmatch', max_players: 4, tick_hz: 20 }),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  matchId = created.body.id;
  hostToken = created.body.host_token;

  const page = await h.newPage();
  await page.goto(exampleUrl(listed.origin));
  assert.equal(new URL(page.url()).origin, listed.origin, 'the page is not the Arena server\'s');
  assert.match(await tryFetch(page, `${h.base}api/matches`), /^ok 200$/, 'the listed origin reaches the lobby API');
  await waitExample(page, 'the match in the list', (id) => window.example?.matches?.some((m) => m.id === id), matchId);

  await page.fill('#name', 'Example');
  await page.click(`button[data-match="${matchId}"][data-role="player"]`);
  await waitExample(page, 'the welcome, the roster and a decoded view', () => {
    const s = window.example;
    return s.connected && s.role === 'Player' && s.welcome?.player_id !== null && s.welcome?.player_id !== undefined
      && s.roster.some((p) => p.name === 'Example' && p.connected) && s.lastTick !== null
      && s.playersSeen.includes(s.welcome.player_id) && s.frames > 0;
  });
  playerId = await page.evaluate(() => window.example.welcome.player_id);
  const decoded = await page.evaluate(() => window.example.view);
  assert.equal(typeof decoded.time_left_ds, 'number', 'the view is decoded with the schema');
  const me = decoded.players.find((p) => p.id === playerId);
  assert.ok(me && Number.isInteger(me.x) && Number.isInteger(me.y) && me.health > 0, JSON.stringify(decoded));
  assert.match(await page.textContent('#view'), /"players"/, 'the raw view is shown beside the canvas');
  assert.match(await page.textContent('#roster'), /Example/);

  const started = await h.api(`api/matches/${matchId}/start`, { method: 'POST', headers: { Authorization: `Bearer ${hostToken}` } });
  assert.equal(started.status, 200, JSON.stringify(started.body));
  await waitExample(page, 'the running phase', () => window.example.phase === 'Running');

  // Away from the nearer wall (12800: half the default 1600-unit arena, in the view's 1/16 units):
  // an input sent from the keyboard, acknowledged, and seen.
  const before = await page.evaluate((id) => window.example.view.players.find((p) => p.id === id), playerId);
  const key = before.x < 12800 ? 'ArrowRight' : 'ArrowLeft';
  const sign = key === 'ArrowRight' ? 1 : -1;
  const sent = () => page.evaluate(() => window.example.inputsSent);
  const pressed = await sent(); // the idle input the page sends after its first snapshot
  await page.keyboard.down(key);
  await waitExample(page, 'the key\'s input sent and acknowledged',
    (n) => window.example.inputsSent > n && window.example.inputsAcked === window.example.inputsSent, pressed);
  await waitExample(page, 'the player moving', ([id, x0, s]) => {
    const p = window.example.view.players.find((q) => q.id === id);
    return p && (p.x - x0) * s > 800;
  }, [playerId, before.x, sign]);
  await page.screenshot({ path: join(ARTIFACTS, 'sdk-example-player.png') });
  const released = await sent();
  await page.keyboard.up(key);
  await waitExample(page, 'the release sent and acknowledged',
    (n) => window.example.inputsSent > n && window.example.inputsAcked === window.example.inputsSent, released);
  const { inputsSent, lastAck } = await page.evaluate(() => ({ inputsSent: window.example.inputsSent, lastAck: window.example.lastAck }));
  assert.equal(lastAck, inputsSent, 'inputs are numbered from 1 and the newest is acknowledged');
  assert.deepEqual(page.errors, []);
});

test('a second page watches the match as a spectator', { timeout: 30000 }, async () => {
  assert.ok(matchId, 'the first test created the match');
  const page = await h.newPage();
  await page.goto(exampleUrl(listed.origin));
  await waitExample(page, 'the match in the list', (id) => window.example?.matches?.some((m) => m.id === id), matchId);
  await page.fill('#name', 'Watcher');
  await page.click(`button[data-match="${matchId}"][data-role="spectator"]`);
  await waitExample(page, 'spectating: welcome, roster, views with the player', (id) => {
    const s = window.example;
    return s.connected && s.role === 'Spectator' && s.welcome?.player_id === null
      && s.roster.some((p) => p.name === 'Example') && s.phase === 'Running' && s.playersSeen.includes(id);
  }, playerId);
  await page.bringToFront();
  await waitExample(page, 'frames drawn', () => window.example.frames > 5);
  await page.keyboard.press('ArrowUp');
  await sleep(300);
  assert.equal(await page.evaluate(() => window.example.inputsSent), 0, 'a spectator sends no input');
  await page.screenshot({ path: join(ARTIFACTS, 'sdk-example-spectator.png') });
  assert.deepEqual(page.errors, []);
});

test('a page on an origin the server does not list cannot reach the lobby API, and says so', { timeout: 30000 }, async () => {
  const page = await h.newPage();
  await page.goto(exampleUrl(unlisted.origin));
  assert.match(await tryFetch(page, `${h.base}api/matches`), /^TypeError/, 'the browser refuses the answer (CORS)');
  await waitExample(page, 'the page saying it cannot reach the server', () => Boolean(window.example?.error));
  const error = await page.textContent('#error');
  assert.match(error, /Cannot (reach the lobby API|load the SDK) (at|from) http:\/\/127\.0\.0\.1:\d+/, error);
  assert.equal(await page.evaluate(() => window.example.connected ?? false), false);
  assert.equal(await page.locator('#matches li').count(), 0, 'no match listed');
  await page.screenshot({ path: join(ARTIFACTS, 'sdk-example-unlisted.png') });
});
