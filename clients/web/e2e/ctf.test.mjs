// End-to-end with capture the flag, in real headless Chromium against the real release server:
//
// 1. A 1 v 1 against a bot from the arena-bots CLI: the host picks "Capture the flag" in the
//    lobby, plays, starts the match, runs to the enemy flag with the mouse on the canvas, picks it
//    up, and carries it home (sprinting with Shift); the bot is added once the carrier is back in
//    its own half, where a bot cannot tag (a tag only works in the tagger's own half), and the
//    carrier waits short of its base until the bot is in. A spectator page sees the capture.
// 2. Fog of war: with a small sight radius, an enemy far away is missing from the player's
//    decoded view and from what its page draws (the canvas there is dark fog), while a spectator
//    page sees and draws it; walking up to it brings it into sight.
//
// Screenshots: artifacts/lobby-ctf.png, ctf-carrier.png, ctf-capture.png, ctf-player-fog.png,
// ctf-spectator.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { ARTIFACTS, Harness, arena, front, waitFor, sleep } from './harness.mjs';
import { NodePlayer } from './node-player.mjs';

const h = new Harness();

before(() => h.start());
after(() => h.stop());

/** Clicks the canvas where world point (x, y) is drawn. */
async function clickWorld(page, x, y) {
  const at = await arena(page, ([wx, wy]) => window.arena.worldToPage(wx, wy), [x, y]);
  assert.ok(at, 'the page has drawn the field');
  await page.mouse.click(at.x, at.y);
}

/** The player's own state and the flags, from its page. */
const playerState = (page) => arena(page, () => ({
  me: window.arena.me,
  flags: window.arena.gameView?.flags,
  captures: window.arena.gameView?.captures,
  roster: window.arena.roster.length,
  phase: window.arena.phase,
}));

/** The colour of the canvas pixel where world point (x, y) is drawn. */
const pixelAt = (page, x, y) => arena(page, ([wx, wy]) => {
  const canvas = document.querySelector('#game-canvas');
  const p = window.arena.worldToPage(wx, wy);
  const r = canvas.getBoundingClientRect();
  const dpr = canvas.width / r.width;
  const d = canvas.getContext('2d').getImageData(Math.round((p.x - r.left) * dpr), Math.round((p.y - r.top) * dpr), 1, 1).data;
  return { r: d[0], g: d[1], b: d[2] };
}, [x, y]);

test('capture the flag in Chromium: carry the enemy flag home past a bot, a spectator sees the capture', { timeout: 120000 }, async () => {
  // --- lobby: pick the game, its settings come from GET /api/games ---
  const host = await h.newPage();
  await host.goto(h.base);
  await host.fill('#player-name', 'Runner');
  await waitFor(host, 'the game picker', () => document.querySelectorAll('#game-select option').length >= 2);
  await host.selectOption('#game-select', 'ctf');
  await waitFor(host, 'the ctf settings', () => document.querySelector('#create-form input[name=captures_to_win]'));
  assert.equal(await host.inputValue('#create-form input[name=captures_to_win]'), '3', 'the game\'s default');
  assert.equal(await host.inputValue('#create-form input[name=max_players]'), '8', 'the game\'s default seats');
  assert.equal(await host.getAttribute('#create-form input[name=max_players]', 'max'), '16');
  await host.fill('#create-form input[name=name]', 'E2E flags');
  await host.fill('#create-form input[name=max_players]', '2');
  await host.fill('#create-form input[name=captures_to_win]', '1');
  await host.click('#create-form button[type=submit]');
  await waitFor(host, 'the new match in the list', () => window.arena.lobby.created
    && document.querySelector(`#match-rows tr[data-id="${window.arena.lobby.created.id}"]`));
  const matchId = await arena(host, () => window.arena.lobby.created.id);
  const row = host.locator(`#match-rows tr[data-id="${matchId}"]`);
  assert.match(await row.innerText(), /E2E flags[\s\S]*Capture the flag[\s\S]*Waiting[\s\S]*0 \/ 2[\s\S]*captures to win 1/i);
  assert.match(await host.innerText('#lobby-message'), /arena-bots --url \S+ --match \S+ --players 1/);
  await host.screenshot({ path: join(ARTIFACTS, 'lobby-ctf.png'), fullPage: true });
  const summary = await h.api(`api/matches/${matchId}`);
  assert.equal(summary.body.game, 'ctf');
  assert.deepEqual(summary.body.settings, { captures_to_win: 1, sight_radius: 320, time_limit_s: 600 });

  // --- play (seat 0: red, base on the left) ---
  await row.locator('button[data-action=play]').click();
  await waitFor(host, 'the player in the match', () => window.arena.game === 'ctf' && window.arena.me && window.arena.phase === 'Waiting');
  assert.equal(await arena(host, () => window.arena.myId), 0);
  assert.equal(await host.textContent('#game-badge'), 'Capture the flag');

  // --- a spectator in a second page ---
  const watcher = await h.newPage();
  await watcher.goto(h.base);
  await watcher.fill('#player-name', 'Fan');
  await waitFor(watcher, 'the match in the lobby', (id) => document.querySelector(`#match-rows tr[data-id="${id}"]`), matchId);
  await watcher.click(`#match-rows tr[data-id="${matchId}"] button[data-action=watch]`);
  await waitFor(watcher, 'the spectator\'s view', () => window.arena.gameView?.sees === 255 && window.arena.gameView.players.length === 1);

  // --- the host starts alone; the bot comes later ---
  await host.bringToFront();
  await host.click('#host-start');
  await waitFor(host, 'phase Running', () => window.arena.phase === 'Running');
  const facts = await arena(host, () => window.arena.facts);
  const [redBase, blueBase] = facts.bases.map((b) => ({ x: b.x / 16, y: b.y / 16 }));

  // Run to the blue flag: one click on the canvas sets the target.
  await clickWorld(host, blueBase.x, blueBase.y);
  await waitFor(host, 'the input to reach the server (acknowledged)', () => window.arena.snapshot.ack !== null, undefined, 5000);
  await waitFor(host, 'the player to pick up the blue flag', () => window.arena.gameView.flags[1].kind === 'Carried'
    && window.arena.gameView.flags[1].carrier === 0 && window.arena.me.carrying, undefined, 20000);
  await waitFor(watcher, 'the spectator to see the carrier', () => window.arena.gameView.flags[1].kind === 'Carried');

  // Home, sprinting while stamina lasts.
  await clickWorld(host, redBase.x, redBase.y);
  await host.keyboard.down('Shift');
  await waitFor(host, 'the sprint input', () => (window.arena.me.sent?.actions & 4) === 4, undefined, 3000);
  await waitFor(host, 'the carrier back in its own half', (half) => window.arena.me.server.x < half - 50, facts.width / 2, 15000);

  // Now the bot: it spawns by the blue base, too far to catch a carrier who is in its own half.
  const cli = h.bots(['--match', matchId, '--players', '1', '--duration-s', '40', '--settle-s', '0', '--quiet'], 60);
  let stoppedToWait = false;
  for (const deadline = Date.now() + 15000; ;) {
    const s = await playerState(host);
    if (s.roster === 2) break;
    assert.ok(Date.now() < deadline, `the bot did not join: ${cli.output()}`);
    if (!stoppedToWait && s.me.server.x < redBase.x + facts.base_radius + 150) {
      // Wait short of the base (stand where we are) until the bot is in.
      await clickWorld(host, s.me.server.x, s.me.server.y);
      stoppedToWait = true;
    }
    await sleep(50);
  }
  if (!stoppedToWait) {
    // Stand still (in our own half, where the bot cannot tag) for the spectator's picture.
    const s = await playerState(host);
    await clickWorld(host, s.me.server.x, s.me.server.y);
  }
  await waitFor(watcher, 'the spectator to see the bot', () => window.arena.gameView.players.length === 2);
  const botId = await arena(watcher, () => window.arena.gameView.players.find((p) => p.id !== 0).id);
  assert.equal(botId, 1, 'the bot sits in seat 1 (blue)');
  // The carrier as the spectator sees it, with the bot in play.
  await front(watcher, 2);
  const carrier = await arena(watcher, () => window.arena.rendered.find((p) => p.id === 0));
  assert.ok(carrier?.carrying, 'the spectator draws the carrier as carrying');
  assert.ok(carrier.x < facts.width / 2, 'in its own half');
  await watcher.screenshot({ path: join(ARTIFACTS, 'ctf-carrier.png') });
  await host.bringToFront();
  await clickWorld(host, redBase.x, redBase.y);

  // --- the capture ---
  await waitFor(watcher, 'the spectator to see the capture', () => window.arena.gameView.captures[0] === 1, undefined, 15000);
  await host.keyboard.up('Shift');
  for (const page of [host, watcher]) {
    await waitFor(page, 'the final scoreboard', () => window.arena.final && !document.querySelector('#final-overlay').hidden);
    const final = await arena(page, () => window.arena.final);
    assert.equal(final.reason, 'ScoreLimit');
    const runner = final.scoreboard.find((l) => l.name === 'Runner');
    assert.equal(runner.team, 0);
    assert.equal(runner.stats[0], 1, 'one capture in the captures column');
    assert.equal(final.scoreboard[0].name, 'Runner', 'best first');
    assert.ok(final.scoreboard.some((l) => l.team === 1), 'the bot is on the board, blue');
    assert.deepEqual(final.columns, ['#', 'Player', 'Team', 'Score', 'Captures', 'Returns', 'Tags', 'Tagged']);
    assert.match(await page.innerText('#final-overlay'), /Match over[\s\S]*Score limit reached[\s\S]*Runner[\s\S]*Red/);
  }
  await front(watcher);
  assert.match(await watcher.innerText('#chat-log'), /Red captured the flag \(1 : 0\)/);
  assert.match(await watcher.innerText('#hud-headline'), /Red 1 : 0 Blue/);
  await watcher.screenshot({ path: join(ARTIFACTS, 'ctf-capture.png') });
  const detail = await h.api(`api/matches/${matchId}`);
  assert.equal(detail.body.end_reason, 'score_limit');
  assert.deepEqual(detail.body.score_columns, ['captures', 'returns', 'tags', 'tagged']);
  for (const page of [host, watcher]) assert.deepEqual(page.errors, [], 'no errors in the page');
  cli.proc.kill('SIGTERM');
  await host.close();
  await watcher.close();
});

test('fog of war: a far enemy is not in the player\'s view nor drawn; a spectator sees it', { timeout: 90000 }, async () => {
  const created = await h.api('api/matches', {
    method: 'POST',
    body: JSON.stringify({ name: 'Fog', game: 'ctf', max_players: 4, settings: { sight_radius: 100, time_limit_s: 0 } }),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const matchId = created.body.id;

  // The player: seat 0, red.
  const player = await h.newPage();
  await player.goto(h.base);
  await player.fill('#player-name', 'Scout');
  await waitFor(player, 'the match in the lobby', (id) => document.querySelector(`#match-rows tr[data-id="${id}"]`), matchId);
  await player.click(`#match-rows tr[data-id="${matchId}"] button[data-action=play]`);
  await waitFor(player, 'the player in the match', () => window.arena.me && window.arena.game === 'ctf');
  // Three Node players standing still: a blue (1), a red teammate (2), another blue (3). The last
  // seat taken starts the match.
  const others = [];
  for (const name of ['Blue one', 'Red mate', 'Blue two']) {
    const p = await NodePlayer.join(h.base, matchId, name);
    h.clients.push(p);
    others.push(p);
  }
  assert.deepEqual(others.map((p) => p.id), [1, 2, 3]);
  await waitFor(player, 'phase Running', () => window.arena.phase === 'Running');

  const watcher = await h.newPage();
  await watcher.goto(`${h.base}#/match/${matchId}/watch`);
  await waitFor(watcher, 'the spectator to see all four', () => window.arena.gameView?.sees === 255 && window.arena.gameView.players.length === 4
    && window.arena.rendered.length === 4);
  await waitFor(player, 'the player\'s view', () => window.arena.gameView?.sees === 0 && window.arena.rendered.length === 2);

  const seen = await arena(watcher, () => window.arena.gameView.players.map((p) => ({ id: p.id, team: p.team, x: p.wx, y: p.wy })));
  const mine = await arena(player, () => ({
    view: window.arena.gameView.players.map((p) => p.id),
    drawn: window.arena.rendered.map((p) => p.id),
    fog: window.arena.scene.fog,
  }));
  const me = seen.find((p) => p.id === 0);
  const enemy = seen.find((p) => p.id === 1);
  assert.ok(Math.hypot(enemy.x - me.x, enemy.y - me.y) > 1000, 'the enemy is far away');
  assert.deepEqual(mine.view.sort(), [0, 2], 'the player\'s view holds its team only');
  assert.deepEqual(mine.drawn.sort(), [0, 2], 'and only its team is drawn');
  assert.equal(mine.fog.length, 2, 'two sight circles: the player and its teammate');
  assert.ok(mine.fog.every((c) => c.r === 100));
  const spectatorScene = await arena(watcher, () => window.arena.scene);
  assert.equal(spectatorScene.fog, null, 'no fog for a spectator');

  // On the canvas: where the enemy stands, the player's page shows dark fog; the spectator's page
  // shows the enemy in blue.
  await front(player);
  const fogged = await pixelAt(player, enemy.x, enemy.y);
  const clear = await pixelAt(player, me.x + 30, me.y + 30);
  // Dark, and nothing of the enemy's blue (the base ring under it may tint the fog a little).
  assert.ok(fogged.r + fogged.g + fogged.b < 90 && fogged.b < 60, `fog where the enemy is: ${JSON.stringify(fogged)}`);
  assert.ok(clear.r + clear.g + clear.b > fogged.r + fogged.g + fogged.b + 15, `the player's surroundings are lighter: ${JSON.stringify(clear)}`);
  await player.screenshot({ path: join(ARTIFACTS, 'ctf-player-fog.png') });
  await front(watcher);
  await watcher.screenshot({ path: join(ARTIFACTS, 'ctf-spectator.png') });
  const drawnEnemy = await pixelAt(watcher, enemy.x, enemy.y);
  assert.ok(drawnEnemy.b > 150 && drawnEnemy.b > drawnEnemy.r + 60, `the spectator draws the enemy in blue: ${JSON.stringify(drawnEnemy)}`);

  // Walking up to the enemy brings it into sight (it stands still; it does not tag).
  await player.bringToFront();
  await clickWorld(player, enemy.x - 70, enemy.y);
  await player.keyboard.down('Shift');
  await waitFor(player, 'the enemy to come into sight', (id) => window.arena.gameView.players.some((p) => p.id === id)
    && window.arena.rendered.some((p) => p.id === id), enemy.id, 20000);
  await player.keyboard.up('Shift');
  const near = await arena(player, (id) => {
    const e = window.arena.gameView.players.find((p) => p.id === id);
    const m = window.arena.gameView.players.find((p) => p.id === window.arena.myId);
    return { d: Math.hypot(e.wx - m.wx, e.wy - m.wy), stamina: e.stamina };
  }, enemy.id);
  assert.ok(near.d <= 100 + 1, `seen within the sight radius: ${near.d}`);
  assert.equal(near.stamina, 0, 'an enemy\'s stamina is not shown');
  for (const page of [player, watcher]) assert.deepEqual(page.errors, [], 'no errors in the page');
  await player.close();
  await watcher.close();
});
