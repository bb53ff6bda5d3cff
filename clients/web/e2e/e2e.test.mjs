// End-to-end in real headless Chromium against the real release server on a free port, with the
// deathmatch: lobby → create → play in one page and spectate in another → move (the spectator
// sees it, both draw it smoothly at 10 Hz) → start → attack a second player (a Node client on the
// same SDK and codec) → health drops → host ends the match → final scoreboard in both pages.
// Also: lobby messages for a full and an unknown match; reconnect after a drop (banner, same seat,
// reload); host kick; the live lobby list; spectating bots started with the arena-bots CLI; a
// message the page cannot decode; snapshot deltas tampered with on the way (a checksum that
// disagrees, a delta that cannot be rebuilt).
// Screenshots go to artifacts/ at the repository root.
//
// Needs: target/release/arena and target/release/arena-bots (cargo build --release --workspace
// --bins), /usr/bin/chromium, npm ci. ARENA_BIN, ARENA_BOTS_BIN and CHROMIUM_PATH override them.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { ARTIFACTS, Harness, arena, waitFor } from './harness.mjs';
import { NodePlayer } from './node-player.mjs';
import { decodeClientMsg, decodeServerMsg, encodeServerMsg } from '../sdk/protocol.js';

const h = new Harness();
const bots = h.clients;
let server; // { proc, base }
const newPage = () => h.newPage();
const api = (path, init) => h.api(path, init);

/** The drawn x of player `id` in every frame since window.arena.trace was set to []. */
function takeTrace(page, id) {
  return page.evaluate((pid) => {
    const t = window.arena.trace.map((f) => ({ t: f.t, x: f.players.find((p) => p.id === pid)?.x }));
    window.arena.trace = null;
    return t;
  }, id);
}

/**
 * A player moved along x (direction `sign`) for about a second at 260 units/s, snapshots at 10 Hz.
 * Smooth means the drawn position advances in (nearly) every frame at about that speed. Drawing
 * only the newest snapshot would move it 26 units every 100 ms and not at all in between.
 */
function assertSmooth(trace, sign, who) {
  const steps = [];
  for (let i = 1; i < trace.length; i++) {
    const dt = trace[i].t - trace[i - 1].t;
    if (dt > 0) steps.push({ t: trace[i].t, dx: (trace[i].x - trace[i - 1].x) * sign, dt });
  }
  // Moving: over 60 units/s (the correction that settles after the key is released is slower).
  const moving = steps.filter((s) => (s.dx / s.dt) * 1000 > 60);
  const fps = trace.length > 1 ? (1000 * (trace.length - 1)) / (trace.at(-1).t - trace[0].t) : 0;
  assert.ok(moving.length > 20, `${who}: only ${moving.length} frames moved (${fps.toFixed(0)} fps)`);
  // The middle of the movement: from the first moving frame + 250 ms to the last - 250 ms.
  const from = moving[0].t + 250;
  const to = moving.at(-1).t - 250;
  const middle = steps.filter((s) => s.t >= from && s.t <= to);
  const even = middle.filter((s) => {
    const v = (s.dx / s.dt) * 1000;
    return v > 260 * 0.4 && v < 260 * 1.8;
  });
  assert.ok(middle.length >= 10, `${who}: ${middle.length} frames in the steady part`);
  assert.ok(even.length >= middle.length * 0.85,
    `${who}: only ${even.length} of ${middle.length} frames moved at an even pace: ${middle.map((s) => s.dx.toFixed(1)).join(' ')}`);
  assert.ok(Math.max(...middle.map((s) => s.dx)) < 26, `${who}: a frame jumped a whole tick`);
}

before(async () => {
  await h.start();
  server = h.server;
});

after(() => h.stop());

test('play and spectate a match in Chromium: move, attack, end, final scoreboard', { timeout: 120000 }, async () => {
  // --- lobby: create a 10 Hz match (smoothing has the most to do at a low tick rate) ---
  const host = await newPage();
  await host.goto(server.base);
  await host.fill('#player-name', 'Ada');
  await host.fill('#create-form input[name=name]', 'E2E arena');
  await host.fill('#create-form input[name=time_limit_s]', '120');
  await host.selectOption('#create-form select[name=tick_hz]', '10');
  await host.click('#create-form button[type=submit]');
  await waitFor(host, 'the new match in the list', () => window.arena.lobby.created
    && [...document.querySelectorAll('#match-rows tr')].some((tr) => tr.dataset.id === window.arena.lobby.created.id));
  const matchId = await arena(host, () => window.arena.lobby.created.id);
  const row = host.locator(`#match-rows tr[data-id="${matchId}"]`);
  assert.match(await row.innerText(), /E2E arena[\s\S]*Waiting[\s\S]*0 \/ 8[\s\S]*10 Hz[\s\S]*2 min/i);
  await host.screenshot({ path: join(ARTIFACTS, 'lobby-created.png') });

  // --- join as player (this tab is the host) ---
  await row.locator('button[data-action=play]').click();
  await waitFor(host, 'the player welcome and first snapshot', () => window.arena.me && window.arena.phase === 'Waiting');
  const myId = await arena(host, () => window.arena.myId);
  assert.equal(typeof myId, 'number');
  assert.ok(await host.isVisible('#waiting-overlay'), 'waiting screen shows');
  assert.ok(await host.isVisible('#host-start'), 'host controls show for the creator');

  // --- spectator in a second page ---
  const watcher = await newPage();
  await watcher.goto(server.base);
  await watcher.fill('#player-name', 'Watcher');
  await waitFor(watcher, 'the match in the spectator lobby', (id) => document.querySelector(`#match-rows tr[data-id="${id}"]`), matchId);
  await watcher.click(`#match-rows tr[data-id="${matchId}"] button[data-action=watch]`);
  await waitFor(watcher, 'the spectator to see the player', (id) => window.arena.gameView?.players.some((p) => p.id === id), myId);
  assert.equal(await arena(watcher, () => window.arena.welcome.role), 'Spectator');
  assert.ok(!(await watcher.isVisible('#host-start')), 'no host controls for a spectator');

  // --- movement: hold a key towards the centre for a second ---
  await host.bringToFront();
  await host.locator('#game-canvas').focus();
  const start = await arena(host, () => window.arena.me.server);
  const seenBefore = await arena(watcher, (id) => window.arena.gameView.players.find((p) => p.id === id), myId);
  const key = start.x > 800 ? 'ArrowLeft' : 'ArrowRight';
  const sign = key === 'ArrowLeft' ? -1 : 1;
  await arena(host, () => { window.arena.trace = []; });
  await host.keyboard.down(key);
  // While the key is held, the drawn position runs ahead of the last server position (prediction).
  await host.waitForTimeout(500);
  const midway = await arena(host, () => ({ server: window.arena.me.server, display: window.arena.me.display }));
  await host.waitForTimeout(500);
  await host.keyboard.up(key);
  await host.waitForTimeout(400);
  const end = await arena(host, () => window.arena.me.server);
  const moved = (end.x - start.x) * sign;
  assert.ok(moved > 150 && moved < 400, `player moved ${moved} world units in 1 s (speed 260)`);
  assert.ok(Math.abs(end.y - start.y) < 1, 'no vertical drift');
  assert.ok((midway.display.x - start.x) * sign > 50, `predicted position moved: ${JSON.stringify(midway)}`);
  const predicted = await arena(host, () => window.arena.me.display);
  assert.ok(Math.abs(predicted.x - end.x) < 2, `prediction settles on the server position: ${predicted.x} vs ${end.x}`);
  await waitFor(watcher, 'the spectator to see the move', ([id, x]) => {
    const p = window.arena.gameView.players.find((q) => q.id === id);
    const drawn = window.arena.rendered.find((q) => q.id === id);
    return p && Math.abs(p.wx - x) < 1 && drawn && Math.abs(drawn.x - x) < 1;
  }, [myId, end.x]);
  assert.ok(Math.abs(seenBefore.wx - start.x) < 1, 'spectator saw the start position');

  // Smooth at 10 Hz, for the player (the trace of the move above) and for the spectator (a move
  // back, watched with the spectator's page in front so its frames are not throttled).
  assertSmooth(await takeTrace(host, myId), sign, 'player');
  await watcher.bringToFront();
  await arena(watcher, () => { window.arena.trace = []; });
  const back = key === 'ArrowLeft' ? 'ArrowRight' : 'ArrowLeft';
  await host.keyboard.down(back);
  await host.waitForTimeout(1000);
  await host.keyboard.up(back);
  await host.waitForTimeout(400);
  assertSmooth(await takeTrace(watcher, myId), -sign, 'spectator');
  await host.bringToFront();

  // --- a second player (Node, same protocol.js) joins; the host starts the match ---
  const bot = await NodePlayer.join(server.base, matchId, 'Bot');
  bots.push(bot);
  // The lowest health the bot itself saw while alive (flags bit 0), from its decoded views.
  let botMinHealth = Infinity;
  bot.onView = (view, me) => {
    if (me && me.flags & 1) botMinHealth = Math.min(botMinHealth, me.health);
  };
  await waitFor(host, 'the bot in the roster', (id) => window.arena.roster.some((r) => r.id === id && r.name === 'Bot'), bot.id);
  await host.click('#host-start');
  await waitFor(host, 'phase Running', () => window.arena.phase === 'Running');
  await waitFor(watcher, 'phase Running for the spectator', () => window.arena.phase === 'Running');
  assert.ok(await host.isHidden('#waiting-overlay'));

  // --- walk within range of the bot, aim at it with the mouse, hold the button ---
  const held = new Set();
  const press = async (keys) => {
    for (const k of held) if (!keys.includes(k)) { await host.keyboard.up(k); held.delete(k); }
    for (const k of keys) if (!held.has(k)) { await host.keyboard.down(k); held.add(k); }
  };
  const positions = () => arena(host, (botId) => {
    const s = window.arena.gameView;
    const me = s.players.find((p) => p.id === window.arena.myId);
    const target = s.players.find((p) => p.id === botId);
    return { me: { x: me.wx, y: me.wy }, bot: { x: target.wx, y: target.wy, health: target.health } };
  }, bot.id);
  const deadline = Date.now() + 20000;
  for (;;) {
    const { me, bot: b } = await positions();
    const dx = b.x - me.x;
    const dy = b.y - me.y;
    if (Math.hypot(dx, dy) < 250) break;
    assert.ok(Date.now() < deadline, 'could not get within range of the bot');
    const keys = [];
    if (Math.abs(dx) > 60) keys.push(dx > 0 ? 'ArrowRight' : 'ArrowLeft');
    if (Math.abs(dy) > 60) keys.push(dy > 0 ? 'ArrowDown' : 'ArrowUp');
    await press(keys);
    await host.waitForTimeout(100);
  }
  await press([]);
  await host.waitForTimeout(300);
  const { bot: target } = await positions();
  assert.equal(target.health, 100);
  const aimAt = await arena(host, ([x, y]) => window.arena.worldToPage(x, y), [target.x, target.y]);
  await host.mouse.move(aimAt.x, aimAt.y);
  await host.waitForTimeout(200);
  await host.mouse.down();
  await waitFor(host, 'the bot to lose health', (id) => window.arena.gameView.players.find((p) => p.id === id).health < 100, bot.id, 5000);
  assert.ok(await arena(host, () => window.arena.attacks) >= 1, 'the page saw its own attack');
  // Holding the button fires again after the cooldown: shoot the screenshot on that second beam,
  // when the first hit already shows in the health bars.
  await waitFor(host, 'a second attack', () => window.arena.attacks >= 2, undefined, 3000);
  await host.screenshot({ path: join(ARTIFACTS, 'game-player.png') });
  await host.mouse.up();
  assert.ok(botMinHealth < 100, `the bot itself saw its health drop (min ${botMinHealth})`);
  await waitFor(watcher, 'the spectator to see the damage', (id) => window.arena.gameView.players.find((p) => p.id === id).health < 100, bot.id, 5000);

  // --- chat from the player reaches the spectator ---
  await host.fill('#chat-input', 'gl hf');
  await host.press('#chat-input', 'Enter');
  await waitFor(watcher, 'the chat line', () => /Ada: gl hf/.test(document.querySelector('#chat-log').innerText));

  // --- spectator follows the player ---
  await watcher.bringToFront();
  await watcher.selectOption('#follow-select', String(myId));
  assert.equal(await arena(watcher, () => window.arena.follow), myId);
  await watcher.click('#net-toggle');
  await watcher.waitForTimeout(1200);
  const net = await arena(watcher, () => window.arena.net);
  assert.ok(net.snapshotsPerS >= 8 && net.snapshotsPerS <= 12, `spectator receives ~10 snapshots/s: ${JSON.stringify(net)}`);
  assert.ok(net.pingMs !== null && net.pingMs < 200, 'ping measured');
  // Most snapshots came as deltas and were rebuilt in the page; none disagreed with its checksum.
  assert.ok(net.keyframes >= 1 && net.deltas > net.keyframes, `keyframes and deltas: ${JSON.stringify(net)}`);
  assert.equal(net.resyncs, 0);
  assert.match(await watcher.innerText('#net-panel'), /Ping[\s\S]*ms[\s\S]*Snapshots[\s\S]*\/s[\s\S]*Keyframes[\s\S]*\d+ deltas · 0 resyncs/);
  await watcher.screenshot({ path: join(ARTIFACTS, 'game-spectator.png') });

  // --- the host ends the match; both pages show the final scoreboard ---
  await host.bringToFront();
  await host.click('#host-end');
  for (const page of [host, watcher]) {
    await waitFor(page, 'the final scoreboard', () => window.arena.final && !document.querySelector('#final-overlay').hidden);
    const final = await arena(page, () => window.arena.final);
    assert.equal(final.reason, 'Host');
    assert.deepEqual(final.scoreboard.map((s) => s.name).sort(), ['Ada', 'Bot']);
    const text = await page.innerText('#final-overlay');
    assert.match(text, /Match over[\s\S]*Ended by the host[\s\S]*Ada/);
  }
  await bot.until(() => bot.ended !== null, 5000, 'the bot to hear the match ended');
  await host.screenshot({ path: join(ARTIFACTS, 'game-final.png') });
  const detail = await api(`api/matches/${matchId}`);
  assert.equal(detail.body.phase, 'ended');

  for (const page of [host, watcher]) assert.deepEqual(page.errors, [], 'no errors in the page');
  await host.close();
  await watcher.close();
});

test('lobby explains full and unknown matches', { timeout: 60000 }, async () => {
  const created = await api('api/matches', { method: 'POST', body: JSON.stringify({ name: 'Tiny', max_players: 1 }) });
  assert.equal(created.status, 201);
  const filler = await NodePlayer.join(server.base, created.body.id, 'First');
  bots.push(filler);
  const page = await newPage();
  await page.goto(server.base);
  await page.fill('#player-name', 'Late');
  await waitFor(page, 'the full match in the list', (id) => document.querySelector(`#match-rows tr[data-id="${id}"]`), created.body.id);
  assert.match(await page.innerText(`#match-rows tr[data-id="${created.body.id}"]`), /1 \/ 1/);
  await page.click(`#match-rows tr[data-id="${created.body.id}"] button[data-action=play]`);
  await waitFor(page, 'the "full" message', () => /full/i.test(window.arena.lobby.message ?? ''));
  assert.ok(await page.isVisible('#lobby-message'));
  // Watching a full match still works.
  await page.click(`#match-rows tr[data-id="${created.body.id}"] button[data-action=watch]`);
  await waitFor(page, 'spectating the full match', () => window.arena.view === 'game' && window.arena.snapshot);
  // A match id that does not exist: the game view says so instead of spinning.
  await page.goto(`${server.base}#/match/doesnotexist/play`);
  await waitFor(page, 'the unknown-match banner', () => /does not exist/i.test(window.arena.banner ?? ''));
  assert.ok(await page.isVisible('#banner-lobby'), 'offers the way back to the lobby');
  // The browser logs the refused requests themselves (409, 404); nothing else may go wrong.
  assert.deepEqual(page.errors.filter((e) => !/Failed to load resource.*\b(404|409)\b/.test(e)), []);
  await page.close();
});

test('a dropped connection shows a banner and the page reconnects by itself', { timeout: 60000 }, async () => {
  const created = await api('api/matches', { method: 'POST', body: JSON.stringify({ name: 'Flaky', tick_hz: 20 }) });
  const page = await newPage();
  await page.goto(server.base);
  await page.fill('#player-name', 'Rejoiner');
  await waitFor(page, 'the match in the list', (id) => document.querySelector(`#match-rows tr[data-id="${id}"]`), created.body.id);
  await page.click(`#match-rows tr[data-id="${created.body.id}"] button[data-action=watch]`);
  await waitFor(page, 'connected', () => window.arena.connected && window.arena.snapshot);
  await arena(page, () => window.arena.dropConnection());
  await waitFor(page, 'the connection-lost banner', () => /Connection lost/.test(window.arena.banner ?? ''), undefined, 5000);
  assert.ok(await page.isVisible('#banner'));
  await page.screenshot({ path: join(ARTIFACTS, 'reconnect-banner.png') });
  const tickBefore = await arena(page, () => window.arena.snapshot.tick);
  await waitFor(page, 'reconnected with fresh snapshots', (t) => window.arena.connected && window.arena.snapshot.tick > t + 5, tickBefore, 15000);
  await waitFor(page, 'the banner to clear', () => window.arena.banner === null, undefined, 5000);
  await page.close();
});

test('a player who drops gets back into the same seat', { timeout: 60000 }, async () => {
  const created = await api('api/matches', { method: 'POST', body: JSON.stringify({ name: 'Seat keeper', tick_hz: 20 }) });
  const page = await newPage();
  await page.goto(server.base);
  await page.fill('#player-name', 'Keeper');
  await waitFor(page, 'the match in the list', (id) => document.querySelector(`#match-rows tr[data-id="${id}"]`), created.body.id);
  await page.click(`#match-rows tr[data-id="${created.body.id}"] button[data-action=play]`);
  await waitFor(page, 'playing', () => window.arena.connected && window.arena.me);
  const before = await arena(page, () => ({ id: window.arena.myId, reconnectable: window.arena.reconnectable, tick: window.arena.snapshot.tick }));
  assert.ok(before.reconnectable, 'the join answer carries a reconnect URL');
  await arena(page, () => window.arena.dropConnection());
  await waitFor(page, 'the connection-lost banner', () => /Connection lost/.test(window.arena.banner ?? ''), undefined, 5000);
  await waitFor(page, 'back in the match', (t) => window.arena.connected && window.arena.snapshot.tick > t + 5 && window.arena.me, before.tick, 15000);
  const after = await arena(page, () => ({ id: window.arena.myId, roster: window.arena.roster }));
  assert.equal(after.id, before.id, 'same seat');
  assert.deepEqual(after.roster.map((r) => r.name), ['Keeper'], 'no ghost seat left behind');
  const summary = await api(`api/matches/${created.body.id}`);
  assert.equal(summary.body.players, 1);
  // A reload resumes the seat too. Leave gives it up (close 1000): Play from the lobby joins afresh.
  await page.reload();
  await waitFor(page, 'back after a reload', () => window.arena.connected && window.arena.me);
  assert.equal(await arena(page, () => window.arena.myId), before.id, 'same seat after a reload');
  await page.click('#leave');
  await waitFor(page, 'the lobby', (id) => window.arena.view === 'lobby' && document.querySelector(`#match-rows tr[data-id="${id}"]`), created.body.id);
  const left = Date.now();
  while ((await api(`api/matches/${created.body.id}`)).body.players !== 0) {
    assert.ok(Date.now() - left < 5000, 'leaving frees the seat at once, not after the grace period');
    await new Promise((r) => setTimeout(r, 50));
  }
  await page.click(`#match-rows tr[data-id="${created.body.id}"] button[data-action=play]`);
  await waitFor(page, 'back from the lobby', () => window.arena.connected && window.arena.me && window.arena.roster.length === 1);
  const back = await arena(page, () => ({ roster: window.arena.roster.map((r) => r.name) }));
  assert.deepEqual(back, { roster: ['Keeper'] }, 'one seat, no ghost');
  await page.close();
});

test('the host removes a player from the scoreboard', { timeout: 60000 }, async () => {
  const page = await newPage();
  await page.goto(server.base);
  await page.fill('#player-name', 'Boss');
  await page.fill('#create-form input[name=name]', 'Kick test');
  await page.click('#create-form button[type=submit]');
  await waitFor(page, 'the created match', () => window.arena.lobby.created
    && document.querySelector(`#match-rows tr[data-id="${window.arena.lobby.created.id}"]`));
  const matchId = await arena(page, () => window.arena.lobby.created.id);
  await page.click(`#match-rows tr[data-id="${matchId}"] button[data-action=play]`);
  await waitFor(page, 'playing', () => window.arena.connected && window.arena.me);
  const pest = await NodePlayer.join(server.base, matchId, 'Pest');
  bots.push(pest);
  await waitFor(page, 'a kick button for the other player', (id) => document.querySelector(`#score-rows button[data-kick="${id}"]`), pest.id);
  assert.equal(await page.locator('#score-rows button[data-kick]').count(), 1, 'no kick button on your own row');
  await page.click(`#score-rows button[data-kick="${pest.id}"]`);
  await pest.until(() => pest.closed !== null, 5000, 'the kicked player to be closed');
  assert.equal(pest.closed.code, 4002);
  await waitFor(page, 'the roster without the kicked player', () => window.arena.roster.length === 1);
  await page.close();
});

test('the lobby lists every match live, with phase, players and watchers', { timeout: 60000 }, async () => {
  const old = await api('api/matches', { method: 'POST', body: JSON.stringify({ name: 'Old match' }) });
  await api(`api/matches/${old.body.id}/end`, { method: 'POST', headers: { Authorization: `Bearer ${old.body.host_token}` } });
  const page = await newPage();
  await page.goto(server.base);
  const live = await api('api/matches');
  assert.ok(live.body.length >= 4, `the earlier tests left ${live.body.length} matches`);
  await waitFor(page, 'every match in the list', (n) => document.querySelectorAll('#match-rows tr').length === n, live.body.length);
  const text = await page.innerText('#match-table');
  for (const m of live.body) assert.ok(text.includes(m.name), `${m.name} listed`);
  assert.match(text, /Ended/i);
  assert.match(text, /Waiting|Running/i);
  // A match created elsewhere shows up without a reload.
  await api('api/matches', { method: 'POST', body: JSON.stringify({ name: 'Late arrival', tick_hz: 30 }) });
  await waitFor(page, 'the new match to appear', () => /Late arrival/.test(document.querySelector('#match-table').innerText), undefined, 5000);
  const ended = page.locator('#match-rows tr', { hasText: 'Old match' });
  assert.ok(await ended.locator('button[data-action=play]').isDisabled(), 'an ended match cannot be joined');
  await page.screenshot({ path: join(ARTIFACTS, 'lobby.png') });
  await page.close();
});

test('a spectator watches a match of bots started with the arena-bots CLI', { timeout: 90000 }, async () => {
  // The CLI creates its own match (swarm-0), fills it with 4 bots that chase and shoot, and ends it.
  const cli = h.bots(['--matches', '1', '--players', '4', '--tick-hz', '20', '--duration-s', '8', '--settle-s', '0', '--quiet'], 60);

  const page = await newPage();
  await page.goto(server.base);
  await page.fill('#player-name', 'Fan');
  await waitFor(page, 'the bots\' match in the lobby', () => [...document.querySelectorAll('#match-rows tr')]
    .some((tr) => /swarm-0/.test(tr.innerText) && /running/i.test(tr.innerText)), undefined, 20000);
  await page.locator('#match-rows tr', { hasText: 'swarm-0' }).locator('button[data-action=watch]').click();
  await waitFor(page, 'four bots in the snapshots', () => window.arena.gameView?.players.length === 4 && window.arena.phase === 'Running');
  const first = await arena(page, () => window.arena.gameView.players.map((p) => ({ id: p.id, x: p.wx, y: p.wy })));
  // Bots walk towards each other and fight: someone moves, someone gets hurt.
  await waitFor(page, 'the bots to move', (start) => window.arena.gameView.players.some((p) => {
    const s = start.find((q) => q.id === p.id);
    return Math.hypot(p.wx - s.x, p.wy - s.y) > 50;
  }), first, 5000);
  await waitFor(page, 'a bot to be hurt', () => window.arena.gameView.players.some((p) => p.health < 100 || p.deaths > 0), undefined, 8000);
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(ARTIFACTS, 'spectate-bots.png') });
  // The CLI ends its match when it is done: the spectator sees the final scoreboard.
  await waitFor(page, 'the final scoreboard', () => window.arena.final !== null, undefined, 20000);
  assert.equal((await arena(page, () => window.arena.final.scoreboard)).length, 4);
  assert.equal(await cli.exit, 0, `arena-bots failed:\n${cli.output()}`);
  assert.match(cli.output(), /sessions\s+4 established/);
  await page.close();
});

test('a message the page cannot decode closes that connection with a clear message; Retry gets back in', { timeout: 60000 }, async () => {
  const created = await api('api/matches', { method: 'POST', body: JSON.stringify({ name: 'Garbled', tick_hz: 20 }) });
  const page = await newPage();
  // Between the page and the real server: the first connection gets a truncated snapshot after
  // a while (as if the server had sent garbage); later ones pass untouched.
  let connections = 0;
  const toServer = [];
  await page.routeWebSocket(/\/ws\?/, (ws) => {
    const n = ++connections;
    const server = ws.connectToServer();
    let frames = 0;
    server.onMessage((m) => {
      frames += 1;
      ws.send(n === 1 && frames === 15 ? Buffer.from([2, 0]) : m);
    });
    ws.onMessage((m) => server.send(m));
    ws.onClose((code, reason) => {
      toServer.push({ n, code, reason });
      server.close({ code, reason });
    });
  });
  await page.goto(server.base);
  await page.fill('#player-name', 'Garbled');
  await waitFor(page, 'the match in the list', (id) => document.querySelector(`#match-rows tr[data-id="${id}"]`), created.body.id);
  await page.click(`#match-rows tr[data-id="${created.body.id}"] button[data-action=play]`);
  await waitFor(page, 'the could-not-read banner', () => /could not read/.test(window.arena.banner ?? ''), undefined, 10000);
  assert.match(await page.innerText('#banner'), /server sent a message this page could not read \(.*truncated/);
  assert.ok(await page.isVisible('#banner-retry'), 'a retry button');
  assert.equal(await arena(page, () => window.arena.connected), false);
  for (let i = 0; i < 50 && !toServer.length; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(toServer[0]?.code, 4900, `the page closed with its own code: ${JSON.stringify(toServer)}`);
  // Not 1000: the seat is held, and Retry resumes it.
  assert.equal((await api(`api/matches/${created.body.id}`)).body.players, 1);
  const seat = await arena(page, () => window.arena.myId);
  await page.click('#banner-retry');
  await waitFor(page, 'back in the match', () => window.arena.connected && window.arena.me && window.arena.banner === null, undefined, 10000);
  assert.equal(await arena(page, () => window.arena.myId), seat, 'the same seat');
  assert.equal(connections, 2);
  assert.deepEqual(page.errors, [], 'the page itself did not fail');
  await page.close();
});

test('deltas in Chromium: a checksum that disagrees asks for a keyframe; a delta the page cannot rebuild reconnects it', { timeout: 60000 }, async () => {
  const created = await api('api/matches', { method: 'POST', body: JSON.stringify({ name: 'Tampered', tick_hz: 20 }) });
  const page = await newPage();
  // Between the page and the real server, on the first connection only: the first delta that
  // carries a checksum gets a wrong one; later, when the test says so, one delta gets a byte
  // too many (malformed). Everything else passes untouched.
  let connections = 0;
  const resyncs = []; // the connection of each Resync the page sent
  const closes = [];
  const tamper = { checkTick: null, keyAfterResync: false, breakNext: false, brokenTick: null };
  await page.routeWebSocket(/\/ws\?/, (ws) => {
    const n = ++connections;
    const server = ws.connectToServer();
    server.onMessage((m) => {
      const msg = typeof m === 'string' ? null : decodeServerMsg(m);
      if (n === 1 && msg?.type === 'Snapshot' && resyncs.length) tamper.keyAfterResync = true;
      if (n === 1 && msg?.type === 'Delta') {
        if (tamper.checkTick === null && msg.check !== null) {
          tamper.checkTick = msg.tick;
          ws.send(Buffer.from(encodeServerMsg({ ...msg, check: (msg.check ^ 0x5a) >>> 0 })));
          return;
        }
        if (tamper.breakNext && tamper.brokenTick === null) {
          tamper.brokenTick = msg.tick;
          ws.send(Buffer.from(encodeServerMsg({ ...msg, view: Uint8Array.from([...msg.view, 0]) })));
          return;
        }
      }
      ws.send(m);
    });
    ws.onMessage((m) => {
      if (typeof m !== 'string' && decodeClientMsg(m).type === 'Resync') resyncs.push(n);
      server.send(m);
    });
    ws.onClose((code, reason) => {
      closes.push({ n, code, reason });
      server.close({ code, reason });
    });
  });
  await page.goto(server.base);
  await page.fill('#player-name', 'Tampered');
  await waitFor(page, 'the match in the list', (id) => document.querySelector(`#match-rows tr[data-id="${id}"]`), created.body.id);
  await page.click(`#match-rows tr[data-id="${created.body.id}"] button[data-action=play]`);
  await waitFor(page, 'playing', () => window.arena.connected && window.arena.me);
  const seat = await arena(page, () => window.arena.myId);

  // The checksum: the page asks for a keyframe once, shows nothing wrong, and goes on with deltas.
  await waitFor(page, 'a resync, then the keyframe and deltas again',
    () => window.arena.net?.resyncs === 1 && window.arena.net.keyframes >= 2 && window.arena.net.deltas > 20, undefined, 10000);
  assert.ok(tamper.checkTick !== null && tamper.keyAfterResync, `tampered: ${JSON.stringify(tamper)}`);
  assert.deepEqual(resyncs, [1], 'one Resync, on the first connection');
  const tickAfterResync = await arena(page, () => window.arena.snapshot.tick);
  assert.ok(tickAfterResync > tamper.checkTick, 'snapshots went on past the tampered tick');
  assert.equal(connections, 1, 'a resync keeps the connection');
  assert.deepEqual(closes, []);
  assert.equal(await arena(page, () => window.arena.banner), null);

  // A malformed delta: the connection is closed (1007 to the session; a browser may not send
  // 1007, so the frame says 4900) and the player is back in its seat by itself.
  tamper.breakNext = true;
  await waitFor(page, 'the connection-lost banner', () => /Connection lost \(delta for tick \d+ is malformed/.test(window.arena.banner ?? ''), undefined, 5000);
  await page.screenshot({ path: join(ARTIFACTS, 'delta-reconnect.png') });
  await waitFor(page, 'back in the match with fresh snapshots',
    (t) => window.arena.connected && window.arena.snapshot.tick > t + 5 && window.arena.me && window.arena.banner === null, tamper.brokenTick, 15000);
  assert.equal(closes.length >= 1 && closes[0].n, 1);
  assert.equal(closes[0].code, 4900, `the page's close: ${JSON.stringify(closes)}`);
  assert.match(closes[0].reason, new RegExp(`delta for tick ${tamper.brokenTick} is malformed`));
  assert.equal(connections, 2, 'one reconnect');
  assert.equal(await arena(page, () => window.arena.myId), seat, 'the same seat');
  await waitFor(page, 'deltas on the new connection', () => window.arena.net?.deltas > 5 && window.arena.net.resyncs === 0);
  assert.deepEqual(resyncs, [1]);
  assert.equal((await api(`api/matches/${created.body.id}`)).body.players, 1, 'no ghost seat');
  assert.deepEqual(page.errors, [], 'the page itself did not fail');
  await page.close();
});

test('a match of a game with no browser module, or one that does not load, says so instead of crashing', { timeout: 60000 }, async () => {
  const created = await api('api/matches', { method: 'POST', body: JSON.stringify({ name: 'No module' }) });
  const matchId = created.body.id;
  const listing = (await api('api/games')).body;
  const game = listing.find((g) => g.name === created.body.match.game);
  assert.equal(game.module, `/games/${game.name}/index.js`, 'the listing names the module');

  // The server's listing says the game ships no browser module.
  const page = await newPage();
  await page.route('**/api/games', (route) => route.fulfill({
    contentType: 'application/json',
    body: JSON.stringify(listing.map((g) => ({ ...g, module: null }))),
  }));
  await page.goto(`${server.base}#/match/${matchId}/watch`);
  await waitFor(page, 'the no-module banner', () => /no browser module/.test(window.arena.banner ?? ''));
  assert.equal(await page.innerText('#banner-text'),
    `This match plays “${game.title}”, a game with no browser module on this server: this page cannot show it. Pick another match in the lobby, or reload the page.`);
  assert.ok(await page.isVisible('#banner-lobby'), 'offers the way back to the lobby');
  assert.equal(await arena(page, () => window.arena.connected), false);
  assert.deepEqual(await arena(page, () => window.arena.module.error.reason), 'no_module');
  await page.waitForTimeout(300);
  assert.equal((await api(`api/matches/${matchId}`)).body.spectators, 0, 'the page left (1000)');
  assert.deepEqual(page.errors, []);
  // The lobby still lists the match, and says the game has no browser view.
  await page.click('#banner-lobby');
  await waitFor(page, 'the lobby with the match', (id) => window.arena.view === 'lobby' && document.querySelector(`#match-rows tr[data-id="${id}"]`), matchId);
  await page.selectOption('#game-select', game.name);
  assert.match(await page.innerText('#game-about'), /no browser view on this server/);
  await page.close();

  // The module is listed but does not load (here: the server answers 404 for it).
  const broken = await newPage();
  await broken.route(`**${game.module}`, (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'gone' }));
  await broken.goto(`${server.base}#/match/${matchId}/watch`);
  await waitFor(broken, 'the module-failed banner', () => /did not load/.test(window.arena.banner ?? ''));
  assert.match(await broken.innerText('#banner-text'), new RegExp(`^The browser module of “${game.title}” did not load \\(${game.module.replaceAll('/', '\\/')}: .+\\)\\. Pick another match in the lobby, or reload the page\\.$`));
  assert.ok(await broken.isVisible('#banner-lobby'));
  assert.equal(await arena(broken, () => window.arena.connected), false);
  await broken.waitForTimeout(300);
  assert.equal((await api(`api/matches/${matchId}`)).body.spectators, 0, 'the page left (1000)');
  // The only error is the browser's own report of the failed request.
  assert.ok(broken.errors.every((e) => /404|Failed to load/.test(e)), broken.errors.join(' | '));
  await broken.close();
});

test('a game module without a codec of its own plays with the game\'s schema', { timeout: 60000 }, async () => {
  const created = await api('api/matches', { method: 'POST', body: JSON.stringify({ name: 'Schema codec', game: 'deathmatch', max_players: 2 }) });
  const matchId = created.body.id;
  const page = await newPage();
  // The deathmatch's module as the server serves it, less its codec functions: the page decodes
  // the facts and views and encodes the inputs with the schema (the deathmatch's hand codec gives
  // values in the schema's shape, so its client cannot tell the difference).
  await page.route((url) => url.pathname === '/games/deathmatch/index.js' && url.search === '', (route) => route.fulfill({
    contentType: 'text/javascript',
    body: [
      "import game from '/games/deathmatch/index.js?as-served';",
      'const { decodeFacts, decodeView, encodeInput, ...rest } = game;',
      'export default rest;',
    ].join('\n'),
  }));
  await page.goto(`${server.base}#/match/${matchId}/play`);
  await waitFor(page, 'the player in the match', () => window.arena.me && window.arena.phase === 'Waiting');
  assert.deepEqual(await arena(page, () => window.arena.module), {
    url: '/games/deathmatch/index.js', title: 'Deathmatch',
    codec: { decodeFacts: 'schema', decodeView: 'schema', encodeInput: 'schema' },
  });
  const facts = await arena(page, () => window.arena.facts);
  assert.ok(facts.width > 0 && facts.max_speed > 0, JSON.stringify(facts));
  await page.locator('#game-canvas').focus();
  const start = await arena(page, () => window.arena.me.server);
  const key = start.x > facts.width / 2 ? 'ArrowLeft' : 'ArrowRight';
  await page.keyboard.down(key);
  await page.waitForTimeout(700);
  await page.keyboard.up(key);
  await waitFor(page, 'the move, as the server saw it (inputs encoded by the schema)', ([x0, s]) => (window.arena.me.server.x - x0) * s > 100,
    [start.x, key === 'ArrowRight' ? 1 : -1]);
  assert.ok(await arena(page, () => window.arena.rendered.length) === 1, 'drawn');
  assert.deepEqual(page.errors, []);
  await page.close();
});
