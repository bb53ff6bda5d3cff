// End-to-end in real headless Chromium against the real release server: the History view, the
// Leaderboard view and the replay viewer. In the page, the host creates a deathmatch, adds bots
// with "Add bots", plays, starts it and ends it with its End button. The server is then stopped
// with SIGTERM (a clean shutdown writes what the history still waits for) and started again on
// the same database. In a fresh page: History lists the match (a bot marked), the Leaderboard has
// the person, and "Watch replay" opens the replay as a spectator in the game view, with the
// viewer this tab controls. At 4× the position runs clearly faster than at 1× (rates compared
// with generous bounds, never exact timings); a seek to 3/4 lands there, snapshots keep coming
// and the canvas draws; at the end the replay pauses itself with the final scoreboard, and a seek
// back takes the scoreboard away and plays on.
//
// Screenshots: artifacts/history.png, leaderboard.png, replay-4x.png, replay-end.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { ARTIFACTS, Harness, arena, front, sleep, waitFor } from './harness.mjs';

const h = new Harness();

before(() => h.start());
after(() => h.stop());

const HOST = 'Historian';
const MATCH = `Replay me ${Date.now() % 100000}`;
/** How long the host plays before ending the match, ms: the replay must outlast the rate checks. */
const PLAY_MS = 12000;
/** How long each rate is measured, ms. */
const RATE_MS = 1500;

/** The replay position's rate, ticks per second of wall time, over `ms` (from window.arena.replay). */
async function replayRate(page, ms) {
  const sample = () => arena(page, () => ({ tick: window.arena.replay.tick, phase: window.arena.replay.phase, at: performance.now() }));
  const a = await sample();
  await sleep(ms);
  const b = await sample();
  assert.notEqual(b.phase, 'ended', 'the replay is still playing when the rate is taken');
  return { rate: ((b.tick - a.tick) * 1000) / (b.at - a.at), from: a.tick, to: b.tick };
}

/** Lets go of the seek bar at `tick`, as a person dragging it does (input, then change). */
const seekTo = (page, tick) => arena(page, (t) => {
  const el = document.querySelector('#replay-seek');
  el.value = String(t);
  el.dispatchEvent(new Event('input', { bubbles: true }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
}, tick);

test('history, leaderboard and a replay watched at 4×, seeked, to its end and back', { timeout: 60000 }, async () => {
  const t0 = Date.now();

  // --- the match: created, bots added and started from the page; the host plays, then ends it ---
  const host = await h.newPage();
  await host.goto(h.base);
  await host.fill('#player-name', HOST);
  await waitFor(host, 'the game picker', () => document.querySelectorAll('#game-select option').length >= 2);
  await host.selectOption('#game-select', 'deathmatch');
  await host.fill('#create-form input[name=name]', MATCH);
  await host.fill('#create-form input[name=max_players]', '4');
  await host.click('#create-form button[type=submit]');
  await waitFor(host, 'the new match in the list', () => window.arena.lobby.created
    && document.querySelector(`#match-rows tr[data-id="${window.arena.lobby.created.id}"]`));
  const matchId = await arena(host, () => window.arena.lobby.created.id);
  await host.click(`#match-rows tr[data-id="${matchId}"] button[data-action=play]`);
  await waitFor(host, 'the host in its waiting match', () => window.arena.me && window.arena.phase === 'Waiting' && window.arena.bots?.shown);
  await host.fill('#bots-count', '2');
  await host.click('#bots-add');
  await waitFor(host, 'two bots in the roster', () => window.arena.roster.filter((r) => r.bot).length === 2);
  assert.equal(await arena(host, () => window.arena.phase), 'Waiting', 'three of four seats: it waits for the host');
  await front(host);
  await host.click('#overlay-start');
  await waitFor(host, 'the match to run', () => window.arena.phase === 'Running');

  // The host plays: runs one way, then the other, attacking.
  await host.locator('#game-canvas').focus();
  const from = await arena(host, () => window.arena.me.server);
  const playUntil = Date.now() + PLAY_MS;
  const keys = from.x > 800 ? ['ArrowLeft', 'ArrowRight'] : ['ArrowRight', 'ArrowLeft'];
  let moved = 0;
  for (let i = 0; Date.now() < playUntil; i += 1) {
    const key = keys[i % 2];
    await host.keyboard.down(key);
    await host.keyboard.press('Space');
    await sleep(Math.min(900, Math.max(0, playUntil - Date.now())));
    await host.keyboard.up(key);
    const at = await arena(host, () => window.arena.me.server);
    moved = Math.max(moved, Math.abs(at.x - from.x));
  }
  assert.ok(moved > 100, `the host moved (${moved} world units)`);
  await host.click('#host-end');
  await waitFor(host, 'the final scoreboard', () => window.arena.final !== null);
  assert.equal(await arena(host, () => window.arena.final.reason), 'Host');
  assert.deepEqual(host.errors, [], 'the host page did not fail');
  await host.close();

  // --- a clean stop (SIGTERM: it writes its history on the way out), then the same database again ---
  const exit = await h.restartServer();
  assert.deepEqual(exit, { code: 0, signal: null }, `the server exits cleanly on SIGTERM: ${JSON.stringify(exit)}`);

  // --- History, in a fresh page on the restarted server ---
  const page = await h.newPage();
  await page.goto(h.base);
  await page.fill('#player-name', 'Rewatcher');
  await page.click('#nav-history');
  await waitFor(page, 'the history view with the match', (name) => window.arena.view === 'history'
    && window.arena.history.rows.some((r) => r.name === name), MATCH);
  assert.match(page.url(), /#\/history$/);
  const row = await arena(page, (name) => window.arena.history.rows.find((r) => r.name === name), MATCH);
  assert.equal(row.id, matchId, 'the history keeps the match\'s id');
  assert.equal(row.gameTitle, 'Deathmatch');
  assert.equal(row.reason, 'Ended by the host');
  assert.equal(row.watchable, true);
  const [min, sec] = row.duration.split(':').map(Number);
  assert.ok(min * 60 + sec >= PLAY_MS / 1000 - 1 && min * 60 + sec < 40, `the length reads as played: ${row.duration}`);
  const entry = (await h.api(`api/history/${matchId}`)).body;
  assert.equal(entry.players.length, 3);
  assert.equal(entry.players.filter((p) => p.bot).length, 2);
  assert.ok(entry.players.some((p) => p.name === HOST && !p.bot), 'the person is in the entry');
  assert.ok(entry.replay_ticks > 0, 'a replay was recorded');
  const tr = page.locator(`#history-rows tr[data-id="${matchId}"]`);
  assert.ok((await tr.locator('.badge.bot').count()) >= 1, 'a bot is marked in the row');
  assert.match(await tr.innerText(), new RegExp(`${MATCH}[\\s\\S]*Deathmatch[\\s\\S]*Ended by the host`));
  assert.match(await tr.locator('td.players').innerText(), new RegExp(HOST));
  await page.screenshot({ path: join(ARTIFACTS, 'history.png') });

  // --- the Leaderboard has the person (people only) ---
  await page.click('#nav-leaderboard');
  await page.selectOption('#leaderboard-game', 'deathmatch');
  await waitFor(page, 'the person on the leaderboard', (name) => window.arena.view === 'leaderboard'
    && window.arena.leaderboard.game === 'deathmatch' && window.arena.leaderboard.entries.some((e) => e.name === name), HOST);
  const line = await arena(page, (name) => window.arena.leaderboard.entries.find((e) => e.name === name), HOST);
  assert.equal(line.played, 1);
  assert.ok(line.wins === 0 || line.wins === 1);
  assert.ok(await page.isVisible(`#leaderboard-rows tr[data-name="${HOST}"]`));
  assert.equal(await arena(page, () => window.arena.leaderboard.entries.filter((e) => /^Bot \d+$/.test(e.name)).length), 0, 'no bots');
  await page.screenshot({ path: join(ARTIFACTS, 'leaderboard.png') });

  // --- Watch replay: a spectator of the replay match, controlling it ---
  await page.click('#nav-history');
  await waitFor(page, 'the history again', (id) => document.querySelector(`#history-rows tr[data-id="${id}"] button[data-action=watch-replay]`), matchId);
  await page.click(`#history-rows tr[data-id="${matchId}"] button[data-action=watch-replay]`);
  await waitFor(page, 'the replay in the game view', () => window.arena.view === 'game' && window.arena.replay?.ticks > 0
    && window.arena.snapshot !== null && window.arena.welcome?.role === 'Spectator');
  const replayMatch = await arena(page, () => window.arena.matchId);
  assert.notEqual(replayMatch, matchId, 'the replay is a match of its own');
  assert.match(page.url(), new RegExp(`#/match/${replayMatch}/watch$`));
  const summary = (await h.api(`api/matches/${replayMatch}`)).body;
  assert.equal(summary.replay_of, matchId, 'its summary says which match it replays');
  assert.equal(await arena(page, () => window.arena.name), 'Rewatcher', 'watched under the lobby\'s name');
  const st0 = await arena(page, () => ({ ...window.arena.replay }));
  assert.equal(st0.of, matchId);
  assert.equal(st0.ticks, entry.replay_ticks, 'the whole recording');
  assert.equal(st0.host, true, 'this tab opened it: it controls it');
  const hz = st0.tick_hz;
  assert.equal(hz, entry.tick_hz);
  await front(page);
  assert.ok(await page.isVisible('#replay-bar'));
  for (const sel of ['#host-start', '#host-end', '#overlay-start', '#bots-form']) assert.ok(await page.isHidden(sel), `${sel} is hidden in a replay`);
  for (const sel of ['#replay-play', '#replay-speed', '#replay-seek']) assert.ok(await page.isEnabled(sel), `${sel} works for the host`);
  assert.equal(await page.inputValue('#replay-speed'), '1');
  assert.deepEqual(await page.$$eval('#replay-speed option', (os) => os.map((o) => o.textContent)), ['0.5×', '1×', '2×', '4×', '8×']);

  // --- 1× then 4×: the position runs clearly faster ---
  await waitFor(page, 'the replay to play', () => window.arena.replay.tick > 0 && !window.arena.replay.paused);
  const one = await replayRate(page, RATE_MS);
  assert.ok(one.rate > hz * 0.3 && one.rate < hz * 2, `1×: ${one.rate.toFixed(1)} ticks/s (${JSON.stringify(one)})`);
  await page.selectOption('#replay-speed', '4');
  await waitFor(page, 'the server to take 4×', () => window.arena.replay.speed === 4 && window.arena.replay.lastControl?.change.speed === 4);
  const four = await replayRate(page, RATE_MS);
  assert.ok(four.rate > 2 * one.rate, `4× (${four.rate.toFixed(1)} ticks/s) runs faster than twice 1× (${one.rate.toFixed(1)})`);
  assert.match(await page.innerText('#replay-pos'), /^\d+:\d\d \/ \d+:\d\d$/);
  await page.screenshot({ path: join(ARTIFACTS, 'replay-4x.png') });

  // --- seek to 3/4: the answer lands there; snapshots keep coming; the canvas draws ---
  const target = Math.round(st0.ticks * 0.75);
  const snapBefore = await arena(page, () => window.arena.snapshot.tick);
  await seekTo(page, target);
  await waitFor(page, 'the seek\'s answer', (t) => window.arena.replay.lastControl?.change.seek === t, target);
  const landed = await arena(page, () => window.arena.replay.lastControl.answer);
  assert.ok(Math.abs(landed.tick - target) <= hz, `the seek landed at ${landed.tick}, asked ${target} (within a second)`);
  assert.equal(landed.speed, 4, 'a seek keeps the speed');
  await waitFor(page, 'snapshots after the seek', (s) => window.arena.snapshot.tick >= s + 5, snapBefore, 5000);
  await front(page);
  const drawn = await arena(page, () => {
    const c = document.querySelector('#game-canvas');
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const colours = new Set();
    for (let i = 0; i < px.length; i += 4 * 97) colours.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
    return { players: window.arena.rendered.length, colours: colours.size, frames: window.arena.frames };
  });
  assert.ok(drawn.players >= 1, `players drawn after the seek: ${JSON.stringify(drawn)}`);
  assert.ok(drawn.colours > 3, `the canvas shows the field, not a blank: ${JSON.stringify(drawn)}`);

  // --- the end: it pauses itself with the final scoreboard; a seek back plays on without it ---
  await waitFor(page, 'the end of the replay', () => window.arena.replay.phase === 'ended' && window.arena.replay.paused
    && window.arena.final !== null, undefined, 15000);
  assert.ok(await page.isVisible('#final-overlay'));
  assert.match(await page.innerText('#final-reason'), /end of the replay/);
  assert.match(await page.innerText('#final-rows'), new RegExp(HOST));
  assert.equal(await page.innerText('#replay-play'), '↺ Again');
  await page.screenshot({ path: join(ARTIFACTS, 'replay-end.png') });
  const half = Math.round(st0.ticks / 2);
  await seekTo(page, half);
  await waitFor(page, 'the seek back', (t) => window.arena.replay.lastControl?.change.seek === t, half);
  const back = await arena(page, () => window.arena.replay.lastControl.answer);
  assert.ok(Math.abs(back.tick - half) <= hz, `back at ${back.tick}, asked ${half}`);
  assert.notEqual(back.phase, 'ended');
  assert.equal(back.paused, false, 'a seek from the end plays on');
  await waitFor(page, 'the final scoreboard to go', () => window.arena.final === null && window.arena.phase !== 'Ended');
  assert.ok(await page.isHidden('#final-overlay'));
  await waitFor(page, 'the replay to move on', ([t, d]) => window.arena.replay.tick > t + d, [back.tick, hz], 5000);

  assert.deepEqual(page.errors, [], 'the page did not fail');
  await page.close();
  assert.ok(Date.now() - t0 < 60000, `the whole scenario took ${Date.now() - t0} ms`);
});
