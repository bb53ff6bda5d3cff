// The page's pure helpers: the lobby API client and its messages, labels and timers, the final
// scoreboard built from score lines and the game's columns, the player list (bots marked), the
// create form's body, and the game registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ApiError, friendlyError, lobbyApi, resolveWsUrl } from '../sdk/api.js';
import {
  formatTimeLeft, formatLimitS, endReasonLabel, finalTable, settingsSummary, columnLabel, formatBytes,
  playerLabel, followLabel, waitingLine,
} from '../js/format.js';
import { Roster } from '../sdk/roster.js';
import { createBody, botCommand, settingLabel } from '../js/lobby.js';
import { GAMES, gameModule } from '../games/index.js';

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
  await api.listGames();
  assert.equal(ok.calls[2].url, 'api/games');
  await api.createMatch({ name: 'x', game: 'ctf', settings: { captures_to_win: 1 } });
  assert.deepEqual(JSON.parse(ok.calls[3].init.body), { name: 'x', game: 'ctf', settings: { captures_to_win: 1 } });

  const full = lobbyApi('api', fakeFetch(409, { error: 'match_full', message: 'match is full' }).impl);
  await assert.rejects(full.join('m1', 'Ada', 'player'), (e) => e instanceof ApiError && e.status === 409 && e.code === 'match_full');
  const broken = lobbyApi('api', async () => { throw new Error('ECONNREFUSED'); });
  await assert.rejects(broken.listMatches(), TypeError);
});

test('lobby API: the host adds bots with its token and a count; refusals keep the server\'s code and message', async () => {
  const ok = fakeFetch(200, { added: [{ id: 1, name: 'Bot 2' }, { id: 2, name: 'Bot 3' }], phase: 'waiting' });
  const api = lobbyApi('api', ok.impl);
  const res = await api.addBots('m 1', 'secret', 2);
  assert.deepEqual(res, { added: [{ id: 1, name: 'Bot 2' }, { id: 2, name: 'Bot 3' }], phase: 'waiting' });
  assert.equal(ok.calls[0].url, 'api/matches/m%201/bots');
  assert.equal(ok.calls[0].init.method, 'POST');
  assert.equal(ok.calls[0].init.headers.Authorization, 'Bearer secret');
  assert.equal(ok.calls[0].init.headers['Content-Type'], 'application/json');
  assert.deepEqual(JSON.parse(ok.calls[0].init.body), { count: 2 });
  for (const [status, error, message] of [
    [409, 'match_full', '4 bots asked for, 3 free seats'],
    [409, 'wrong_phase', 'bots join a waiting match only; this one is running'],
    [400, 'bad_request', 'count must be at least 1'],
    [403, 'forbidden', 'wrong host token'],
    [410, 'match_ended', 'the match has ended'],
  ]) {
    const refused = lobbyApi('api', fakeFetch(status, { error, message }).impl);
    await assert.rejects(refused.addBots('m1', 'secret', 4),
      (e) => e instanceof ApiError && e.status === status && e.code === error && e.message === message);
  }
});

test('the player list marks bots, you and a held seat; the follow picker and waiting line say bots too', () => {
  const roster = new Roster();
  roster.update([
    { id: 0, name: 'Ada', connected: true, bot: false },
    { id: 1, name: 'Bot 2', connected: true, bot: true },
    { id: 2, name: 'Bob', connected: false, bot: false },
  ]);
  assert.deepEqual(playerLabel(roster, 0, 0), { text: 'Ada (you)', bot: false });
  assert.deepEqual(playerLabel(roster, 1, 0), { text: 'Bot 2', bot: true });
  assert.deepEqual(playerLabel(roster, 2, 0), { text: 'Bob (offline)', bot: false });
  assert.deepEqual(playerLabel(roster, 7, null), { text: 'Player 7 (offline)', bot: false }, 'a seat the roster does not list yet');
  assert.deepEqual(roster.entries.map(followLabel), ['Ada', 'Bot 2 (bot)', 'Bob']);
  assert.equal(waitingLine({ seated: 3, bots: 1, maxPlayers: 4, host: true, player: true }),
    '3 of 4 players in (1 bot). Add bots for the free seats, or start it when everyone is in, or it starts by itself when every seat is taken. Move around to warm up.');
  assert.equal(waitingLine({ seated: 1, bots: 0, maxPlayers: 8, host: false, player: false }),
    '1 of 8 players in. The host starts it, or it starts by itself when every seat is taken.');
  assert.match(waitingLine({ seated: 3, bots: 2, maxPlayers: 8, host: false, player: false }), /\(2 bots\)/);
});

test('lobby messages say what happened in words', () => {
  assert.match(friendlyError(new ApiError(409, 'match_full', '')), /full.*watch/i);
  assert.match(friendlyError(new ApiError(410, 'match_ended', '')), /ended/i);
  assert.match(friendlyError(new ApiError(404, 'not_found', '')), /does not exist/i);
  assert.match(friendlyError(new ApiError(403, 'forbidden', '')), /host/i);
  assert.match(friendlyError(new ApiError(400, 'bad_request', 'ctf needs an even max_players (two equal teams), not 3')), /even max_players/);
  assert.match(friendlyError(new TypeError('network error')), /reach the server/i);
});

test('ws_url is resolved against the page, wss on https', () => {
  assert.equal(resolveWsUrl('ws://127.0.0.1:8080/ws?token=abc', 'http://127.0.0.1:8080/'), 'ws://127.0.0.1:8080/ws?token=abc');
  assert.equal(resolveWsUrl('/ws?token=abc', 'http://h:1/#/x'), 'ws://h:1/ws?token=abc');
  assert.equal(resolveWsUrl('ws://h/ws?token=a', 'https://h/'), 'wss://h/ws?token=a');
});

test('timer, limits, end reasons and rates read well', () => {
  assert.equal(formatTimeLeft(3000), '5:00');
  assert.equal(formatTimeLeft(2951), '4:56');
  assert.equal(formatTimeLeft(100), '0:10');
  assert.equal(formatTimeLeft(95), '0:09.5');
  assert.equal(formatTimeLeft(0), '0:00.0');
  assert.equal(formatLimitS(0), 'no limit');
  assert.equal(formatLimitS(300), '5 min');
  assert.equal(formatLimitS(90), '90 s');
  assert.equal(endReasonLabel('Host'), 'Ended by the host');
  assert.equal(endReasonLabel('ScoreLimit'), 'Score limit reached');
  assert.equal(columnLabel('captures_to_win'), 'Captures to win');
  assert.equal(formatBytes(2048), '2.0 KiB/s');
});

test('the final scoreboard is built from the score lines and the game\'s columns', () => {
  const dm = finalTable([
    { id: 1, name: 'bob', team: null, score: 7, stats: [7, 2] },
    { id: 0, name: 'alice', team: null, score: 2, stats: [2, 7] },
  ], ['kills', 'deaths']);
  assert.deepEqual(dm.columns, ['#', 'Player', 'Score', 'Kills', 'Deaths']);
  assert.deepEqual(dm.rows.map((r) => r.cells), [['1', 'bob', '7', '7', '2'], ['2', 'alice', '2', '2', '7']]);
  const ctf = finalTable([
    { id: 0, name: 'Ada', team: 0, score: 5, stats: [1, 0, 0, 0] },
    { id: 1, name: 'bot', team: 1, score: -1, stats: [0, 0, 0, 1] },
  ], ['captures', 'returns', 'tags', 'tagged'], ['Red', 'Blue']);
  assert.deepEqual(ctf.columns, ['#', 'Player', 'Team', 'Score', 'Captures', 'Returns', 'Tags', 'Tagged']);
  assert.deepEqual(ctf.rows[0].cells, ['1', 'Ada', 'Red', '5', '1', '0', '0', '0']);
  assert.equal(ctf.rows[1].cells[3], '-1');
  // Stats beyond the known columns still show.
  const extra = finalTable([{ id: 0, name: 'a', team: 2, score: 0, stats: [1, 2] }], ['x']);
  assert.deepEqual(extra.columns, ['#', 'Player', 'Team', 'Score', 'X', 'Stat 2']);
  assert.equal(extra.rows[0].cells[2], 'Team 2');
});

test('match settings in words, in the game\'s order', () => {
  const specs = [{ name: 'captures_to_win' }, { name: 'time_limit_s' }, { name: 'sight_radius' }];
  assert.equal(settingsSummary({ sight_radius: 320, captures_to_win: 1, time_limit_s: 600 }, specs),
    'captures to win 1 · time limit 10 min · sight radius 320');
  assert.equal(settingsSummary({ time_limit_s: 120, score_limit: 20 }), 'time limit 2 min · score limit 20');
  assert.equal(settingsSummary(undefined), '');
});

test('the create form sends the picked game and its settings', () => {
  const info = { name: 'ctf', settings: [{ name: 'captures_to_win' }, { name: 'sight_radius' }] };
  assert.deepEqual(
    createBody({ name: ' Flags ', max_players: '4', tick_hz: '20', settings: { captures_to_win: '2', sight_radius: '', stray: '9' } }, info),
    { name: 'Flags', max_players: 4, tick_hz: 20, game: 'ctf', settings: { captures_to_win: 2 } },
  );
  assert.deepEqual(createBody({ name: 'x', max_players: '8', tick_hz: '10' }, null), { name: 'x', max_players: 8, tick_hz: 10 });
  assert.equal(botCommand('http://127.0.0.1:8080', 'abc', 4), 'arena-bots --url http://127.0.0.1:8080 --match abc --players 3 --duration-s 600');
  assert.match(botCommand('http://h', 'abc', 1), /--players 1/);
  assert.equal(settingLabel('time_limit_s'), 'Time limit (s)');
  assert.equal(settingLabel('sight_radius'), 'Sight radius');
});

test('the registry knows every game folder by its registry name, and nothing else', () => {
  assert.deepEqual(Object.keys(GAMES).sort(), ['ctf', 'deathmatch']);
  for (const [name, m] of Object.entries(GAMES)) {
    assert.equal(m.name, name);
    for (const fn of ['decodeFacts', 'decodeView', 'encodeInput', 'createClient']) assert.equal(typeof m[fn], 'function', `${name}.${fn}`);
    assert.ok(Array.isArray(m.scoreColumns));
  }
  assert.equal(gameModule('chess'), null);
  assert.equal(gameModule('toString'), null, 'no prototype names');
  assert.equal(gameModule('ctf'), GAMES.ctf);
});
