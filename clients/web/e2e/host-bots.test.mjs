// End-to-end in real headless Chromium against the real release server: bots from the page
// (issue 11), no terminal. The host creates a match in the lobby, plays, and adds bots with the
// "Add bots" control of the waiting screen (POST /api/matches/{id}/bots): asking for more bots
// than there are free seats shows the server's 409 message and seats nobody; one bot, then the
// rest (the count offers the free seats), fill the match, which starts by itself. The roster and
// the player list mark the bots, the control is gone once the match runs, a spectator page never
// had it, and the bots play: their positions change from snapshot to snapshot. Deathmatch, then
// capture the flag (a 1 v 1 against one bot, watched by a spectator, who sees through the fog).
//
// Screenshots: artifacts/host-bots-refused.png, host-bots-waiting.png, host-bots-running.png,
// host-bots-ctf.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { ARTIFACTS, Harness, arena, front, waitFor } from './harness.mjs';

const h = new Harness();

before(() => h.start());
after(() => h.stop());

/** Creates a match from the lobby of a fresh page as its host, and plays it: the page, the match id. */
async function hostMatch({ who, game, name, seats }) {
  const page = await h.newPage();
  await page.goto(h.base);
  await page.fill('#player-name', who);
  await waitFor(page, 'the game picker', () => document.querySelectorAll('#game-select option').length >= 2);
  await page.selectOption('#game-select', game);
  await page.fill('#create-form input[name=name]', name);
  await page.fill('#create-form input[name=max_players]', String(seats));
  await page.click('#create-form button[type=submit]');
  await waitFor(page, 'the new match in the list', () => window.arena.lobby.created
    && document.querySelector(`#match-rows tr[data-id="${window.arena.lobby.created.id}"]`));
  assert.match(await page.innerText('#lobby-message'), /add bots for the free seats on the match's page/);
  const matchId = await arena(page, () => window.arena.lobby.created.id);
  await page.click(`#match-rows tr[data-id="${matchId}"] button[data-action=play]`);
  await waitFor(page, 'the host in its waiting match, with the bots control',
    () => window.arena.me && window.arena.phase === 'Waiting' && window.arena.bots?.shown);
  return { page, matchId };
}

/** Seats and positions of the bots in a page's newest snapshot. */
const botPositions = (page) => arena(page, () => {
  const bots = new Set(window.arena.roster.filter((r) => r.bot).map((r) => r.id));
  return window.arena.gameView.players.filter((p) => bots.has(p.id)).map((p) => ({ id: p.id, x: p.wx, y: p.wy }));
});

/** Waits until every bot in `start` stands at least `dist` world units from where it was. */
function waitForBotsToMove(page, start, dist, timeout = 10000) {
  return waitFor(page, `every bot to move ${dist} units`, ([from, d]) => from.every((s) => {
    const p = window.arena.gameView.players.find((q) => q.id === s.id);
    return p && Math.hypot(p.wx - s.x, p.wy - s.y) > d;
  }), [start, dist], timeout);
}

test('the host fills a deathmatch with bots from the page: a 409 for too many, then the match starts and the bots play', { timeout: 120000 }, async () => {
  const { page: host, matchId } = await hostMatch({ who: 'Newcomer', game: 'deathmatch', name: 'Bots from the page', seats: 4 });
  assert.ok(await host.isVisible('#bots-form'), 'the host sees "Add bots" on the waiting screen');
  assert.equal(await host.inputValue('#bots-count'), '3', 'the count offers the free seats');
  assert.equal(await host.textContent('#bots-add'), 'Add bots');

  // A spectator (another tab: not the host) has no such control.
  const watcher = await h.newPage();
  await watcher.goto(`${h.base}#/match/${matchId}/watch`);
  await waitFor(watcher, 'the spectator in the waiting match', () => window.arena.phase === 'Waiting' && window.arena.bots);
  assert.equal(await arena(watcher, () => window.arena.bots.shown), false);
  assert.ok(await watcher.isHidden('#bots-form'), 'no "Add bots" for a page that is not the host');

  // More bots than free seats: the server's own message, and nobody is seated.
  await front(host);
  await host.fill('#bots-count', '4');
  await host.click('#bots-add');
  await waitFor(host, 'the refusal', () => window.arena.bots.error === 'match_full');
  assert.ok(await host.isVisible('#bots-message'));
  assert.equal(await host.innerText('#bots-message'), 'Could not add bots: 4 bots asked for, 3 free seats');
  assert.equal(await host.inputValue('#bots-count'), '4', 'the count stays, to correct it');
  await host.screenshot({ path: join(ARTIFACTS, 'host-bots-refused.png') });
  assert.equal((await h.api(`api/matches/${matchId}`)).body.players, 1, 'a refusal seats nobody');
  assert.equal(await arena(host, () => window.arena.roster.length), 1);

  // One bot: the match still waits; the bot is marked in the roster and the player list.
  await host.fill('#bots-count', '1');
  await host.click('#bots-add');
  await waitFor(host, 'the first bot in the roster', () => window.arena.roster.some((r) => r.bot));
  assert.equal(await host.innerText('#bots-message'), 'Added Bot 2.');
  assert.deepEqual(await arena(host, () => window.arena.roster), [
    { id: 0, name: 'Newcomer', connected: true, bot: false },
    { id: 1, name: 'Bot 2', connected: true, bot: true },
  ]);
  await waitFor(host, 'the count to offer the 2 free seats left', () => document.querySelector('#bots-count').value === '2');
  await front(host);
  await waitFor(host, 'a bot badge in the player list', () => {
    const badges = [...document.querySelectorAll('#score-rows tr .badge.bot')];
    return badges.length === 1 && badges[0].closest('tr').dataset.id === '1';
  });
  assert.match(await host.innerText('#score-rows'), /Bot 2\s*BOT/i);
  assert.match(await host.innerText('#waiting-text'), /^2 of 4 players in \(1 bot\)\. Add bots for the free seats/);
  assert.equal(await arena(host, () => window.arena.phase), 'Waiting', 'one bot does not fill the match');
  await host.screenshot({ path: join(ARTIFACTS, 'host-bots-waiting.png') });

  // The rest, with the count as offered: the bots fill the match, which starts by itself.
  await host.click('#bots-add');
  await waitFor(host, 'the match to start', () => window.arena.phase === 'Running');
  await waitFor(host, 'four seats, three of them bots', () => window.arena.roster.length === 4);
  const roster = await arena(host, () => window.arena.roster);
  assert.deepEqual(roster.filter((r) => r.bot).map((r) => [r.id, r.name, r.connected]),
    [[1, 'Bot 2', true], [2, 'Bot 3', true], [3, 'Bot 4', true]]);
  assert.deepEqual(await arena(host, () => window.arena.bots.added.map((b) => b.name)), ['Bot 2', 'Bot 3', 'Bot 4']);
  assert.ok(await host.isHidden('#bots-form'), 'no "Add bots" once the match runs');
  assert.ok(await host.isHidden('#bots-message'));
  assert.ok(await host.isHidden('#waiting-overlay'));
  assert.equal((await h.api(`api/matches/${matchId}`)).body.phase, 'running');

  // The bots play: where they stand changes from snapshot to snapshot.
  const start = await botPositions(host);
  assert.deepEqual(start.map((b) => b.id), [1, 2, 3], 'every bot is in the snapshots');
  await waitForBotsToMove(host, start, 20);
  await front(host);
  await waitFor(host, 'three bot badges', () => document.querySelectorAll('#score-rows .badge.bot').length === 3);
  await host.screenshot({ path: join(ARTIFACTS, 'host-bots-running.png') });

  // The spectator's page marks them too (roster and the follow picker).
  await waitFor(watcher, 'the spectator to see the match run', () => window.arena.phase === 'Running' && window.arena.roster.length === 4);
  assert.equal(await arena(watcher, () => window.arena.roster.filter((r) => r.bot).length), 3);
  assert.deepEqual(await watcher.$$eval('#follow-select option', (os) => os.map((o) => o.textContent)),
    ['whole field', 'Newcomer', 'Bot 2 (bot)', 'Bot 3 (bot)', 'Bot 4 (bot)']);
  assert.ok(await watcher.isHidden('#bots-form'));

  // A running match takes no more bots: the page's own API client hears the server's 409.
  const late = await arena(host, async (id) => {
    const { lobbyApi, hostTokens } = await import(new URL('sdk/api.js', document.baseURI).href);
    try {
      return await lobbyApi().addBots(id, hostTokens.get(id), 1);
    } catch (e) {
      return { status: e.status, code: e.code, message: e.message };
    }
  }, matchId);
  assert.deepEqual(late, { status: 409, code: 'wrong_phase', message: 'bots join a waiting match only; this one is running' });

  // Chromium logs each refused request (the two 409s above) as a console error; nothing else may fail.
  const refusals = host.errors.filter((e) => /status of 409 \(Conflict\)/.test(e));
  assert.equal(refusals.length, 2, `the two refusals: ${JSON.stringify(host.errors)}`);
  assert.deepEqual(host.errors.filter((e) => !refusals.includes(e)), [], 'the host page did not fail');
  assert.deepEqual(watcher.errors, [], 'the spectator page did not fail');
  await watcher.close();
  await host.close();
});

test('capture the flag against a bot added from the page: the count offers the one free seat, and the bot runs', { timeout: 90000 }, async () => {
  const { page: host, matchId } = await hostMatch({ who: 'Solo', game: 'ctf', name: 'One v bot', seats: 2 });
  assert.equal(await host.inputValue('#bots-count'), '1');
  const watcher = await h.newPage();
  await watcher.goto(`${h.base}#/match/${matchId}/watch`);
  await waitFor(watcher, 'the spectator in the waiting match', () => window.arena.phase === 'Waiting' && window.arena.gameView);

  await front(host);
  await host.click('#bots-add');
  await waitFor(host, 'the match to start', () => window.arena.phase === 'Running');
  assert.deepEqual(await arena(host, () => window.arena.roster.map((r) => [r.id, r.name, r.bot])), [[0, 'Solo', false], [1, 'Bot 2', true]]);
  await waitFor(host, 'the answer shown before the control went away', () => window.arena.bots.message !== null);
  assert.equal(await arena(host, () => window.arena.bots.message), 'Added Bot 2. Every seat is taken: the match starts.');

  // The spectator sees every player (no fog): the bot leaves its spawn.
  await waitFor(watcher, 'the bot in the spectator\'s snapshots', () => window.arena.phase === 'Running'
    && window.arena.roster.some((r) => r.bot) && window.arena.gameView.players.length === 2);
  const start = await botPositions(watcher);
  assert.equal(start.length, 1);
  await waitForBotsToMove(watcher, start, 40);
  await front(watcher);
  await waitFor(watcher, 'the bot badge in the spectator\'s player list', () => document.querySelectorAll('#score-rows .badge.bot').length === 1);
  await watcher.screenshot({ path: join(ARTIFACTS, 'host-bots-ctf.png') });
  assert.deepEqual(host.errors, []);
  assert.deepEqual(watcher.errors, []);
  await watcher.close();
  await host.close();
});
