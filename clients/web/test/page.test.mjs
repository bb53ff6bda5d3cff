// The page's pure helpers: the lobby API client and its messages, labels and timers, the final
// scoreboard built from score lines and the game's columns, the player list (bots marked), the
// create form's body, and how a game's browser module is found and loaded (js/game-modules.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ApiError, friendlyError, lobbyApi, resolveWsUrl } from '../sdk/api.js';
import {
  formatTimeLeft, formatLimitS, endReasonLabel, finalTable, settingsSummary, columnLabel, formatBytes,
  playerLabel, followLabel, waitingLine,
} from '../js/format.js';
import { Roster } from '../sdk/roster.js';
import { createBody, botCommand, settingLabel } from '../js/lobby.js';
import { GameModules, GameModuleError, moduleProblem } from '../js/game-modules.js';
import { Schema } from '../sdk/schema.js';
import { toHex } from '../sdk/wire.js';

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
  await api.createMatch({ name: 'x', game: 'flags', settings: { captures_to_win: 1 } });
  assert.deepEqual(JSON.parse(ok.calls[3].init.body), { name: 'x', game: 'flags', settings: { captures_to_win: 1 } });

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
  assert.match(friendlyError(new ApiError(400, 'bad_request', 'flags needs an even max_players (two equal teams), not 3')), /even max_players/);
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
  const teams = finalTable([
    { id: 0, name: 'Ada', team: 0, score: 5, stats: [1, 0, 0, 0] },
    { id: 1, name: 'bot', team: 1, score: -1, stats: [0, 0, 0, 1] },
  ], ['captures', 'returns', 'tags', 'tagged'], ['Red', 'Blue']);
  assert.deepEqual(teams.columns, ['#', 'Player', 'Team', 'Score', 'Captures', 'Returns', 'Tags', 'Tagged']);
  assert.deepEqual(teams.rows[0].cells, ['1', 'Ada', 'Red', '5', '1', '0', '0', '0']);
  assert.equal(teams.rows[1].cells[3], '-1');
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
  const info = { name: 'flags', settings: [{ name: 'captures_to_win' }, { name: 'sight_radius' }] };
  assert.deepEqual(
    createBody({ name: ' Flags ', max_players: '4', tick_hz: '20', settings: { captures_to_win: '2', sight_radius: '', stray: '9' } }, info),
    { name: 'Flags', max_players: 4, tick_hz: 20, game: 'flags', settings: { captures_to_win: 2 } },
  );
  assert.deepEqual(createBody({ name: 'x', max_players: '8', tick_hz: '10' }, null), { name: 'x', max_players: 8, tick_hz: 10 });
  assert.equal(botCommand('http://127.0.0.1:8080', 'abc', 4), 'arena-bots --url http://127.0.0.1:8080 --match abc --players 3 --duration-s 600');
  assert.match(botCommand('http://h', 'abc', 1), /--players 1/);
  assert.equal(settingLabel('time_limit_s'), 'Time limit (s)');
  assert.equal(settingLabel('sight_radius'), 'Sight radius');
});

// ---- game modules: found in GET /api/games, imported at run time ----

/** A small schema of a made-up game: facts {size}, view {tick, dots: [u8]}, input {dx: i8}. */
const SCHEMA = {
  game: 'dots', rules_version: 1,
  facts: { ref: 'Facts' }, view: { ref: 'View' }, input: { ref: 'Input' }, settings: { ref: 'Settings' },
  types: {
    Facts: { struct: [['size', 'u16']] },
    View: { struct: [['tick', 'u32'], ['dots', { seq: 'u8' }]] },
    Input: { struct: [['dx', 'i8']] },
    Settings: { struct: [] },
  },
};

const createClient = () => ({});

/**
 * A fake server and module loader: `games` is the listing, `modules` the namespaces by URL (an
 * Error rejects the import); counts every request.
 */
function fakeGames(games, modules, schemas = {}) {
  const asked = { listGames: 0, gameSchema: [], imports: [] };
  const api = {
    listGames: async () => {
      asked.listGames += 1;
      if (games instanceof Error) throw games;
      return games;
    },
    gameSchema: async (name) => {
      asked.gameSchema.push(name);
      const doc = Object.hasOwn(schemas, name) ? schemas[name] : SCHEMA;
      if (doc instanceof Error) throw doc;
      return doc;
    },
  };
  const importModule = async (url) => {
    asked.imports.push(url);
    const m = modules[url];
    if (m === undefined) throw new TypeError(`Failed to fetch dynamically imported module: http://h${url}`);
    if (m instanceof Error) throw m;
    return m;
  };
  return { loader: new GameModules(api, { importModule }), asked };
}

const listed = (name, module = `/games/${name}/index.js`, extra = {}) => ({
  name, title: name.toUpperCase(), score_columns: ['points'], teams: 0, settings: [], bots: false,
  module, schema: `/api/games/${name}/schema`, ...extra,
});

/** The loader's rejection for `name`: a GameModuleError with `reason`, its message matching `re`. */
async function refusedGame(loader, name, reason, re) {
  await assert.rejects(loader.load(name), (e) => {
    assert.ok(e instanceof GameModuleError, `a GameModuleError: ${e}`);
    assert.equal(e.game, name);
    assert.equal(e.reason, reason, e.message);
    assert.match(e.message, re);
    return true;
  });
}

test('a game module is imported from the URL the listing gives, once per game; the listing is asked once', async () => {
  const own = { name: 'dots', title: 'Dots!', teams: ['Left', 'Right'], createClient, decodeFacts: () => 'own facts', decodeView: () => 'own view', encodeInput: () => Uint8Array.of(9) };
  const { loader, asked } = fakeGames([listed('dots'), listed('other')], { '/games/dots/index.js': { default: own } });
  const [a, b] = await Promise.all([loader.load('dots'), loader.load('dots')]);
  const c = await loader.load('dots');
  assert.equal(a.module, own);
  assert.ok(b.module === own && c.module === own);
  assert.deepEqual(asked.imports, ['/games/dots/index.js'], 'imported once');
  assert.equal(asked.listGames, 1, 'the listing is asked once');
  assert.deepEqual(asked.gameSchema, ['dots'], 'the schema is fetched once');
  assert.ok(a.schema instanceof Schema);
  assert.equal(a.schema.game, 'dots');
  assert.equal(a.info.name, 'dots');
  // The module's own codec functions win; its title and teams too; the columns are the listing's.
  assert.equal(a.codec.decodeFacts, own.decodeFacts);
  assert.equal(a.codec.decodeView, own.decodeView);
  assert.equal(a.codec.encodeInput, own.encodeInput);
  assert.equal(a.title, 'Dots!');
  assert.deepEqual(a.teams, ['Left', 'Right']);
  assert.deepEqual(a.scoreColumns, ['points']);
  assert.equal(await loader.listing(), await loader.listing());
  assert.equal(asked.listGames, 1);
});

test('what a module does not decode or encode itself, the game\'s schema does', async () => {
  const bare = { name: 'dots', createClient };
  const half = { name: 'other', createClient, decodeView: () => 'own view' };
  const { loader } = fakeGames([listed('dots'), listed('other')], {
    '/games/dots/index.js': { default: bare },
    '/games/other/index.js': { default: half },
  });
  const dots = await loader.load('dots');
  assert.deepEqual(dots.codec.decodeFacts(Uint8Array.of(0xfb, 0x2c, 0x01)), { size: 300 });
  assert.deepEqual(dots.codec.decodeView(Uint8Array.of(7, 2, 1, 2)), { tick: 7, dots: [1, 2] });
  assert.equal(toHex(dots.codec.encodeInput({ dx: -1 })), 'ff');
  assert.equal(dots.title, 'DOTS', 'the listing\'s title');
  assert.equal(dots.teams, null);
  const other = await loader.load('other');
  assert.equal(other.codec.decodeView, half.decodeView, 'the module\'s own');
  assert.deepEqual(other.codec.decodeFacts(Uint8Array.of(5)), { size: 5 }, 'the schema\'s');
});

test('a game with no module, or one the server does not list, cannot be shown, and says why', async () => {
  const { loader, asked } = fakeGames([listed('plain', null)], {});
  await refusedGame(loader, 'plain', 'no_module', /^This match plays “PLAIN”, a game with no browser module on this server: this page cannot show it\.$/);
  await refusedGame(loader, 'chess', 'unlisted', /“chess”, a game the server does not list/);
  await refusedGame(loader, 'toString', 'unlisted', /does not list/);
  assert.deepEqual(asked.imports, [], 'nothing imported');
  assert.deepEqual(asked.gameSchema, ['plain'], 'no schema asked for a game not listed');
});

test('a module that does not load, or is not a game module, cannot be shown; a later try imports again', async () => {
  const modules = {
    '/games/broken/index.js': new SyntaxError('Unexpected token \'}\''),
    '/games/empty/index.js': {},
    '/games/half/index.js': { default: { name: 'half', decodeView: () => null } },
    '/games/odd/index.js': { default: { name: 'odd', createClient, encodeInput: 'schema' } },
  };
  const { loader, asked } = fakeGames(['broken', 'gone', 'empty', 'half', 'odd'].map((n) => listed(n)), modules);
  await refusedGame(loader, 'broken', 'import', /^The browser module of “BROKEN” did not load \(\/games\/broken\/index\.js: Unexpected token '}'\)\.$/);
  await refusedGame(loader, 'gone', 'import', /did not load \(\/games\/gone\/index\.js: Failed to fetch dynamically imported module/);
  await refusedGame(loader, 'empty', 'invalid', /is not a game module: it has no default export object/);
  await refusedGame(loader, 'half', 'invalid', /no createClient\(ctx\)/);
  await refusedGame(loader, 'odd', 'invalid', /its encodeInput is not a function/);
  // The failure is not kept: the module is imported again (e.g. after a deploy).
  modules['/games/gone/index.js'] = { default: { name: 'gone', createClient } };
  assert.equal((await loader.load('gone')).module.name, 'gone');
  assert.equal(asked.imports.filter((u) => u === '/games/gone/index.js').length, 2);
  assert.equal(moduleProblem({ name: 'x', createClient }), null);
  assert.match(moduleProblem(null), /no default export/);
});

test('no listing, or no schema, cannot be shown either; both are asked again next time', async () => {
  const down = fakeGames(new TypeError('NetworkError when attempting to fetch resource.'), {});
  await refusedGame(down.loader, 'dots', 'listing', /^Cannot ask the server which games it hosts \(NetworkError when attempting to fetch resource\)\.$/);
  await refusedGame(down.loader, 'dots', 'listing', /NetworkError/);
  assert.equal(down.asked.listGames, 2, 'a failed listing is not kept');

  const schemas = { dots: new Error('HTTP 500'), bad: { game: 'bad', types: 'nope' } };
  const { loader, asked } = fakeGames([listed('dots'), listed('bad')], {
    '/games/dots/index.js': { default: { name: 'dots', createClient } },
    '/games/bad/index.js': { default: { name: 'bad', createClient } },
  }, schemas);
  await refusedGame(loader, 'dots', 'schema', /^Cannot read the wire schema of “dots” \(HTTP 500\)\.$/);
  await refusedGame(loader, 'bad', 'schema', /wire schema of “bad” \(.*types/);
  delete schemas.dots;
  assert.equal((await loader.load('dots')).schema.game, 'dots');
  assert.deepEqual(asked.gameSchema.filter((n) => n === 'dots'), ['dots', 'dots']);
  assert.deepEqual(asked.imports.filter((u) => u === '/games/dots/index.js'), ['/games/dots/index.js'], 'the module was kept');
});

test('the page and its tests name no game: every game comes from the server', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  // The built-in games' names, spelled so this file does not match itself.
  const names = new RegExp(['death' + 'match', '\\bc' + 'tf\\b', 'capture ' + 'the flag'].join('|'), 'i');
  const files = [
    'index.html',
    ...readdirSync(new URL('../js/', import.meta.url)).map((f) => `js/${f}`),
    ...readdirSync(new URL('../css/', import.meta.url)).map((f) => `css/${f}`),
    ...readdirSync(new URL('./', import.meta.url)).filter((f) => f.endsWith('.mjs')).map((f) => `test/${f}`),
    'test/fixtures/game.json',
  ];
  for (const f of files) assert.doesNotMatch(readFileSync(new URL(`../${f}`, import.meta.url), 'utf8'), names, f);
});
