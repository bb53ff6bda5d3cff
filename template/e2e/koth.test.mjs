// King of the hill end to end, in headless Chromium against the game's own server binary
// (target/release/koth, built from this folder):
//
// 1. The studio's page (site/, served by site/serve.mjs on an origin of its own that the server
//    lists with --allowed-origin) creates a match, joins it as a player; a second page watches;
//    the player walks to the hill with the keys and holds it, its time grows; the spectator sees
//    the same king.
// 2. A match the page created gets a bot from the lobby API (the host token of the create
//    answer): the page's roster shows it, and it plays.
// 3. Arena's own page (the server's `/`) lists the game, creates a match and plays it with the
//    game's module and the schema codec.
// 4. The same page served from an origin the server does not list cannot use the lobby API and
//    says so.
//
// Every process started here is stopped by its PID. Screenshots: artifacts/template-*.png (the
// artifacts folder of the Arena checkout this folder is in; ARTIFACTS overrides it).
// Needs: the koth binary (KOTH_BIN, else $CARGO_TARGET_DIR/release/koth, else target/release/koth
// here or in the parent checkout), /usr/bin/chromium (CHROMIUM_PATH), npm ci.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const TEMPLATE = fileURLToPath(new URL('../', import.meta.url));
const ARTIFACTS = process.env.ARTIFACTS ?? resolve(TEMPLATE, '../artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

function kothBin() {
  if (process.env.KOTH_BIN) return process.env.KOTH_BIN;
  if (process.env.CARGO_TARGET_DIR) return resolve(TEMPLATE, process.env.CARGO_TARGET_DIR, 'release/koth');
  const candidates = [join(TEMPLATE, 'target/release/koth'), resolve(TEMPLATE, '../target/release/koth')];
  return candidates.find((p) => existsSync(p)) ?? candidates[0];
}

/** Starts `cmd args`, resolves with `{proc, url, log()}` once its output matches `pattern`
 * (group 1: the URL). */
function startProcess(cmd, args, pattern, what) {
  return new Promise((done, fail) => {
    const proc = spawn(cmd, args, { env: { ...process.env, RUST_LOG: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((r) => proc.once('exit', r));
    let log = '';
    const timer = setTimeout(() => fail(new Error(`${what} did not report its address:\n${log}`)), 15000);
    const onData = (chunk) => {
      log += chunk;
      const m = pattern.exec(log);
      if (m) {
        clearTimeout(timer);
        done({ proc, url: m[1], log: () => log, exited });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('error', (e) => { clearTimeout(timer); fail(e); });
    proc.once('exit', (code) => { clearTimeout(timer); fail(new Error(`${what} exited with ${code}:\n${log}`)); });
  });
}

/** Stops a process started here, by its PID: SIGTERM, then SIGKILL after 10 s. */
async function stop(p) {
  if (!p || p.proc.exitCode !== null || p.proc.signalCode !== null) return;
  p.proc.kill('SIGTERM');
  const timer = setTimeout(() => p.proc.kill('SIGKILL'), 10000);
  await p.exited;
  clearTimeout(timer);
}

let tmp;
let site; // the studio's page, on a listed origin
let unlisted; // the same page, on an origin the server does not list
let server;
let browser;
let base; // the server's URL, no trailing slash

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  tmp = mkdtempSync(join(tmpdir(), 'koth-e2e-'));
  const serve = join(TEMPLATE, 'site/serve.mjs');
  site = await startProcess(process.execPath, [serve, '0', '127.0.0.1'], /serving (http:\/\/[\d.:]+)\//, 'site/serve.mjs');
  // Loopback too (on Linux), but no allowance for 127.0.0.1 or localhost covers it.
  unlisted = await startProcess(process.execPath, [serve, '0', '127.0.0.2'], /serving (http:\/\/[\d.:]+)\//, 'site/serve.mjs');
  server = await startProcess(kothBin(), [
    '--bind', '127.0.0.1:0', '--database', `sqlite://${tmp}/h.db`, '--client-limits', 'off', '--allowed-origin', site.url,
  ], /listening on (http:\/\/[\d.:]+)/, 'the koth server');
  base = server.url;
  browser = await chromium.launchPersistentContext(join(tmp, 'chromium'), {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1320, height: 860 },
  });
});

after(async () => {
  await browser?.close();
  for (const p of [server, site, unlisted]) await stop(p);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function newPage() {
  const page = await browser.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  return page;
}

const siteUrl = (origin) => `${origin}/?server=${encodeURIComponent(base)}`;

/** Waits for `fn` on the page (window.site, window.arena), naming what and showing the state. */
async function waitFor(page, what, fn, arg, timeout = 15000) {
  try {
    await page.waitForFunction(fn, arg, { timeout, polling: 50 });
  } catch (e) {
    const state = await page.evaluate(() => JSON.stringify(window.site ?? { view: window.arena?.view, me: window.arena?.me, phase: window.arena?.phase, banner: window.arena?.banner }));
    throw new Error(`timed out waiting for ${what} (${e.message.split('\n')[0]}); state ${state}; page errors: ${page.errors.join(' | ')}`);
  }
}

/** A lobby API call from Node (no Origin: not a browser): `{status, body}`. */
async function api(path, { method = 'GET', body, token } = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/** Creates a match on the studio's page and joins it as a player: its id, host token and seat. */
async function createAndPlay(page, name, seats, player) {
  await page.goto(siteUrl(site.url));
  await waitFor(page, 'the lobby listed', () => window.site?.matches && !window.site.error);
  await page.fill('#name', player);
  await page.fill('#match-name', name);
  await page.fill('#seats', String(seats));
  await page.click('#create button[type=submit]');
  await waitFor(page, 'the match created and listed', () => window.site.created && window.site.matches.some((m) => m.id === window.site.created.id));
  const created = await page.evaluate(() => window.site.created);
  await page.click(`button[data-match="${created.id}"][data-role="player"]`);
  await waitFor(page, 'the welcome, the roster and a snapshot', (me) => {
    const s = window.site;
    return s.connected && s.role === 'player' && s.myId !== null && s.tick !== null
      && s.roster.some((p) => p.name === me && p.id === s.myId) && s.module !== null;
  }, player);
  return { ...created, myId: await page.evaluate(() => window.site.myId) };
}

let firstMatch;

test('the studio\'s page plays king of the hill: a player takes the hill, a spectator sees the same king', { timeout: 90000 }, async () => {
  const page = await newPage();
  const match = await createAndPlay(page, 'Hill E2E', 2, 'Ada');
  firstMatch = match;
  assert.equal(new URL(page.url()).origin, site.url, 'the page is not the Arena server\'s');
  assert.deepEqual(await page.evaluate(() => window.site.module), {
    url: `${base}/games/koth/index.js`, title: 'King of the hill',
    codec: { decodeFacts: 'schema', decodeView: 'schema', encodeInput: 'schema' },
  });

  const watcher = await newPage();
  await watcher.goto(siteUrl(site.url));
  await watcher.fill('#name', 'Fan');
  await waitFor(watcher, 'the match in the list', (id) => window.site?.matches?.some((m) => m.id === id), match.id);
  await watcher.click(`button[data-match="${match.id}"][data-role="spectator"]`);
  await waitFor(watcher, 'the spectator\'s welcome and the player in view', (id) => window.site.role === 'spectator'
    && window.site.myId === null && window.site.players.some((p) => p.id === id), match.myId);

  // The host starts it from the page (the create answer's token), and walks to the hill.
  await page.bringToFront();
  assert.equal(await page.isVisible('#start'), true, 'the host has a Start button');
  await page.click('#start');
  await waitFor(page, 'the running phase', () => window.site.phase === 'Running');
  await page.click('#canvas'); // the keys go to the game, not a text field
  const held = new Set();
  const hold = async (keys) => {
    for (const k of [...held]) if (!keys.includes(k)) { await page.keyboard.up(k); held.delete(k); }
    for (const k of keys) if (!held.has(k)) { await page.keyboard.down(k); held.add(k); }
  };
  let firstKing = null; // held_ds when it first held the hill alone
  const deadline = Date.now() + 30000;
  for (;;) {
    const s = await page.evaluate(() => ({ me: window.site.players.find((p) => p.id === window.site.myId), hill: window.site.hill, king: window.site.king, held: window.site.held_ds }));
    if (s.king === match.myId) {
      firstKing ??= s.held;
      if (s.held >= firstKing + 10) break; // a second alone on the hill
    }
    assert.ok(Date.now() < deadline, `the player did not hold the hill: ${JSON.stringify(s)}`);
    // Steer: D/A and the up/down arrows towards the hill's centre (the hill moves now and then).
    const keys = [];
    const [dx, dy] = [s.hill.x - s.me.x, s.hill.y - s.me.y];
    if (dx > 25) keys.push('KeyD');
    if (dx < -25) keys.push('KeyA');
    if (dy > 25) keys.push('ArrowDown');
    if (dy < -25) keys.push('ArrowUp');
    await hold(keys);
    await page.waitForTimeout(50);
  }
  await hold([]);
  await waitFor(page, 'every input acknowledged', () => window.site.inputsSent > 1 && window.site.inputsAcked === window.site.inputsSent);
  const mine = await page.evaluate(() => ({ king: window.site.king, held: window.site.held_ds, sent: window.site.inputsSent }));
  assert.equal(mine.king, match.myId);
  assert.ok(mine.held >= 10, `held ${mine.held} ds`);
  await waitFor(page, 'the HUD naming the king', () => /Ada holds the hill/.test(document.querySelector('#headline').textContent) && window.site.frames > 5);
  assert.equal(await page.evaluate(() => window.site.rendered.find((p) => p.king)?.id), match.myId, 'the king is drawn as king');
  await page.screenshot({ path: join(ARTIFACTS, 'template-site-player.png') });

  // The spectator: the same king, and the time it holds growing there too.
  await waitFor(watcher, 'the spectator to see the same king', ([id, ds]) => window.site.king === id
    && window.site.players.find((p) => p.id === id).held_ds >= ds, [match.myId, mine.held]);
  await watcher.bringToFront();
  await waitFor(watcher, 'the spectator\'s frames and HUD', () => window.site.frames > 5 && /Ada holds the hill/.test(document.querySelector('#headline').textContent));
  assert.equal(await watcher.evaluate(() => window.site.inputsSent), 0, 'a spectator sends nothing');
  await watcher.screenshot({ path: join(ARTIFACTS, 'template-site-spectator.png') });
  assert.deepEqual(page.errors, []);
  assert.deepEqual(watcher.errors, []);
});

test('a bot added through the lobby API with the host token is in the page\'s roster, and plays', { timeout: 60000 }, async () => {
  const page = await newPage();
  const match = await createAndPlay(page, 'Bot E2E', 2, 'Bea');
  // Bots take seats in a waiting match; the last seat taken starts it.
  const added = await api(`/api/matches/${match.id}/bots`, { method: 'POST', body: { count: 1 }, token: match.host_token });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  await waitFor(page, 'the bot in the roster', () => window.site.roster.some((p) => p.bot && p.connected) && /\(bot\)/.test(document.querySelector('#roster').textContent));
  const bot = await page.evaluate(() => window.site.roster.find((p) => p.bot));
  await waitFor(page, 'the bot in the view', (id) => window.site.players.some((p) => p.id === id), bot.id);
  await waitFor(page, 'the match running, the bot walking', ([id, x0]) => window.site.phase === 'Running'
    && Math.hypot(window.site.players.find((p) => p.id === id).x - x0.x, window.site.players.find((p) => p.id === id).y - x0.y) > 50,
  [bot.id, await page.evaluate((id) => window.site.players.find((p) => p.id === id), bot.id)]);
  await page.bringToFront();
  await waitFor(page, 'frames with both players', () => window.site.frames > 5 && window.site.rendered.length === 2);
  await page.screenshot({ path: join(ARTIFACTS, 'template-site-bot.png') });
  assert.deepEqual(page.errors, []);
});

test('Arena\'s own page lists king of the hill and plays it with the game\'s module', { timeout: 60000 }, async () => {
  const page = await newPage();
  await page.goto(`${base}/`);
  await page.fill('#player-name', 'Page');
  await waitFor(page, 'koth in the game picker', () => [...document.querySelectorAll('#game-select option')].some((o) => o.value === 'koth'));
  await page.selectOption('#game-select', 'koth');
  await waitFor(page, 'the game\'s settings', () => document.querySelector('#create-form input[name=score_limit_s]'));
  await waitFor(page, 'the first match in the lobby', (id) => document.querySelector(`#match-rows tr[data-id="${id}"]`), firstMatch?.id);
  await page.fill('#create-form input[name=name]', 'Page E2E');
  await page.fill('#create-form input[name=max_players]', '2');
  await page.click('#create-form button[type=submit]');
  await waitFor(page, 'the new match listed', () => window.arena.lobby.created && document.querySelector(`#match-rows tr[data-id="${window.arena.lobby.created.id}"]`));
  const id = await page.evaluate(() => window.arena.lobby.created.id);
  assert.match(await page.locator(`#match-rows tr[data-id="${id}"]`).innerText(), /Page E2E[\s\S]*King of the hill/);
  await page.screenshot({ path: join(ARTIFACTS, 'template-arena-lobby.png'), fullPage: true });
  await page.click(`#match-rows tr[data-id="${id}"] button[data-action=play]`);
  await waitFor(page, 'the player in the match', () => window.arena.game === 'koth' && window.arena.me && window.arena.gameView?.players?.length === 1);
  assert.deepEqual(await page.evaluate(() => window.arena.module), {
    url: '/games/koth/index.js', title: 'King of the hill', codec: { decodeFacts: 'schema', decodeView: 'schema', encodeInput: 'schema' },
  });
  await page.click('#host-start');
  await waitFor(page, 'the running phase', () => window.arena.phase === 'Running');
  // A key moves the player (the page's canvas, drawn by the module).
  const x0 = await page.evaluate(() => window.arena.me.server.x);
  const key = x0 > 600 ? 'ArrowLeft' : 'ArrowRight';
  await page.click('#game-canvas');
  await page.keyboard.down(key);
  await waitFor(page, 'the player moving', ([x, s]) => (window.arena.me.server.x - x) * s > 100, [x0, key === 'ArrowRight' ? 1 : -1]);
  await page.keyboard.up(key);
  await waitFor(page, 'the canvas drawing the player, the HUD its row', () => window.arena.frames > 5 && window.arena.rendered.length === 1
    && window.arena.rendered[0].isMe && document.querySelectorAll('#score-rows tr').length === 1 && window.arena.scene?.hill);
  assert.equal(await page.evaluate(() => window.arena.gameView.players[0].id), await page.evaluate(() => window.arena.myId));
  await page.screenshot({ path: join(ARTIFACTS, 'template-arena-page.png') });
  assert.deepEqual(page.errors, []);
});

test('the page on an origin the server does not list cannot use the lobby API, and says so', { timeout: 30000 }, async () => {
  const page = await newPage();
  await page.goto(siteUrl(unlisted.url));
  const fetched = await page.evaluate(async (u) => {
    try {
      return `ok ${(await fetch(u)).status}`;
    } catch (e) {
      return `${e.name}: ${e.message}`;
    }
  }, `${base}/api/matches`);
  assert.match(fetched, /^TypeError/, 'the browser refuses the answer (CORS)');
  await waitFor(page, 'the page saying it cannot reach the server', () => Boolean(window.site?.error));
  const said = await page.textContent('#error');
  assert.match(said, /Cannot reach the lobby API at http:\/\/127\.0\.0\.1:\d+ .*--allowed-origin http:\/\/127\.0\.0\.2:\d+/, said);
  assert.equal(await page.evaluate(() => window.site.connected), false);
  assert.equal(await page.locator('#matches li').count(), 0, 'no match listed');
  await page.screenshot({ path: join(ARTIFACTS, 'template-site-unlisted.png') });
});
