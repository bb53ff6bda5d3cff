// The History and Leaderboard views' and the replay viewer's pure parts: the API calls they make,
// positions and durations in words, the rows built from history entries, paging, the routes, the
// leaderboard's places, and the replay control's choices (what play does, what shows, which
// answer wins when a poll and a control cross).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ApiError, historyQuery, lobbyApi, replayControlBody } from '../sdk/api.js';
import {
  formatClock, replayPosition, matchDuration, formatWhen, historyEndLabel, endReasonLabel,
} from '../js/format.js';
import { appendPage, historyErrorText, historyRow, spectatorName } from '../js/history.js';
import { leaderboardRows } from '../js/leaderboard.js';
import { parseRoute, routeHash } from '../js/routes.js';
import {
  SPEEDS, ReplayControl, atEnd, nearestSpeed, playAction, replayView, seekAction, speedLabel,
} from '../js/replay.js';

function fakeFetch(status, body) {
  const calls = [];
  const impl = async (url, init) => {
    calls.push({ url, init });
    return { ok: status < 400, status, statusText: 'x', text: async () => (body === undefined ? '' : JSON.stringify(body)) };
  };
  return { impl, calls };
}

const ENTRY = {
  id: 'abc123',
  game: 'dots',
  name: 'Friday night',
  tick_hz: 20,
  max_players: 4,
  created_at_ms: 1_700_000_000_000,
  started_at_ms: 1_700_000_004_000,
  ended_at_ms: 1_700_000_129_500,
  end_reason: 'host',
  score_columns: ['kills', 'deaths'],
  players: [
    { id: 1, place: 1, name: 'Bot 2', team: null, score: 7, stats: [7, 1], bot: true },
    { id: 0, place: 2, name: 'Ada', team: null, score: 3, stats: [3, 4], bot: false },
    { id: 2, place: 3, name: 'Bot 3', team: null, score: 1, stats: [1, 3], bot: true },
    { id: 3, place: 4, name: 'Bob', team: null, score: 0, stats: [0, 3], bot: false },
  ],
  replay_bytes: 12345,
  replay_ticks: 2590,
  replay_complete: true,
};

test('history API: the list with only the filters given, one entry, the leaderboard', async () => {
  const ok = fakeFetch(200, { matches: [], next_before: null });
  const api = lobbyApi('api', ok.impl);
  await api.history();
  await api.history({ game: 'flags', limit: 20, before: 1700000000000 });
  await api.history({ game: null, limit: 5, before: null });
  await api.historyEntry('a b');
  await api.leaderboard('flags');
  await api.leaderboard(null);
  assert.deepEqual(ok.calls.map((c) => [c.init.method, c.url]), [
    ['GET', 'api/history'],
    ['GET', 'api/history?game=flags&limit=20&before=1700000000000'],
    ['GET', 'api/history?limit=5'],
    ['GET', 'api/history/a%20b'],
    ['GET', 'api/leaderboard?game=flags'],
    ['GET', 'api/leaderboard'],
  ]);
  assert.equal(historyQuery({ game: 'a&b' }), '?game=a%26b');
  assert.equal(historyQuery({ before: 0 }), '?before=0', 'zero is a value, not a missing one');

  const off = lobbyApi('api', fakeFetch(503, { error: 'unavailable', message: 'this server keeps no history (started without --database)' }).impl);
  await assert.rejects(off.history(), (e) => e instanceof ApiError && e.status === 503 && e.code === 'unavailable');
});

test('replay API: watch (no body), the state, and controls with the host token and only the fields changed', async () => {
  const state = { of: 'h1', tick: 40, ticks: 400, tick_hz: 20, speed: 4, paused: false, phase: 'running' };
  const ok = fakeFetch(200, state);
  const api = lobbyApi('api', ok.impl);
  await api.watchReplay('h 1');
  assert.equal(ok.calls[0].url, 'api/history/h%201/watch');
  assert.equal(ok.calls[0].init.method, 'POST');
  assert.equal(ok.calls[0].init.body, undefined);
  assert.equal(ok.calls[0].init.headers.Authorization, undefined);
  assert.deepEqual(await api.replayState('m1'), state);
  assert.deepEqual([ok.calls[1].init.method, ok.calls[1].url], ['GET', 'api/matches/m1/replay']);
  await api.controlReplay('m1', 'tok', { speed: 4 });
  await api.controlReplay('m1', 'tok', { paused: true, seek: 299.6 });
  assert.equal(ok.calls[2].url, 'api/matches/m1/replay');
  assert.equal(ok.calls[2].init.method, 'POST');
  assert.equal(ok.calls[2].init.headers.Authorization, 'Bearer tok');
  assert.equal(ok.calls[2].init.headers['Content-Type'], 'application/json');
  assert.deepEqual(JSON.parse(ok.calls[2].init.body), { speed: 4 });
  assert.deepEqual(JSON.parse(ok.calls[3].init.body), { paused: true, seek: 300 });
  assert.deepEqual(replayControlBody({ speed: '0.5', paused: undefined, seek: null }), { speed: 0.5 });
  assert.deepEqual(replayControlBody({ paused: false, seek: -3 }), { paused: false, seek: 0 });

  const refused = lobbyApi('api', fakeFetch(400, { error: 'bad_request', message: 'speed must be 0.5..=8' }).impl);
  await assert.rejects(refused.controlReplay('m1', 'tok', { speed: 9 }), (e) => e.status === 400 && e.message === 'speed must be 0.5..=8');
});

test('positions and durations read as m:ss', () => {
  assert.equal(formatClock(0), '0:00');
  assert.equal(formatClock(9.99), '0:09');
  assert.equal(formatClock(65), '1:05');
  assert.equal(formatClock(3725), '1:02:05');
  assert.equal(formatClock(-4), '0:00');
  assert.equal(formatClock(NaN), '0:00');
  assert.equal(replayPosition(0, 2590, 20), '0:00 / 2:09');
  assert.equal(replayPosition(1300, 2590, 20), '1:05 / 2:09');
  assert.equal(replayPosition(2590, 2590, 20), '2:09 / 2:09');
  assert.equal(replayPosition(30, 60, 0), '0:30 / 1:00', 'no tick rate yet: no division by zero');
  assert.equal(matchDuration(ENTRY), '2:05', 'from the start, not the creation');
  assert.equal(matchDuration({ ...ENTRY, started_at_ms: null }), '2:09', 'never started: from the creation');
});

test('when a match ended, seen from now', () => {
  const now = 1_700_000_000_000;
  assert.equal(formatWhen(now - 5_000, now), 'just now');
  assert.equal(formatWhen(now + 2_000, now), 'just now', 'a clock a little ahead');
  assert.equal(formatWhen(now - 5 * 60_000, now), '5 min ago');
  assert.equal(formatWhen(now - 3 * 3_600_000 - 1, now), '3 h ago');
  assert.equal(formatWhen(now - 3 * 86_400_000, now), '2023-11-11');
});

test('end reasons in words: the history\'s snake case and the live match\'s', () => {
  assert.equal(historyEndLabel('time_limit'), 'Time limit');
  assert.equal(historyEndLabel('score_limit'), 'Score limit');
  assert.equal(historyEndLabel('host'), 'Ended by the host');
  assert.equal(historyEndLabel('shutdown'), 'Server shut down');
  assert.equal(historyEndLabel('abandoned'), 'Everybody left');
  assert.equal(historyEndLabel('meteor'), 'meteor', 'an unknown reason as it came');
  assert.equal(endReasonLabel('Abandoned'), 'Everybody left');
});

test('a history row: name, game title, when, length, reason, the best three with bots marked, the replay', () => {
  const now = ENTRY.ended_at_ms + 10 * 60_000;
  const r = historyRow(ENTRY, { titles: { dots: 'Dots' }, now });
  assert.equal(r.id, 'abc123');
  assert.equal(r.name, 'Friday night');
  assert.equal(r.gameTitle, 'Dots');
  assert.equal(r.ended, '10 min ago');
  assert.equal(r.endedAt, new Date(ENTRY.ended_at_ms).toISOString());
  assert.equal(r.duration, '2:05');
  assert.equal(r.reason, 'Ended by the host');
  assert.deepEqual(r.players, [
    { name: 'Bot 2', score: 7, bot: true },
    { name: 'Ada', score: 3, bot: false },
    { name: 'Bot 3', score: 1, bot: true },
  ]);
  assert.equal(r.more, 1);
  assert.equal(r.everyone.split('\n')[0], '1. Bot 2 (bot): 7 (kills 7, deaths 1)');
  assert.equal(r.everyone.split('\n')[3], '4. Bob: 0 (kills 0, deaths 3)');
  assert.equal(r.watchable, true);
  assert.equal(r.replay, 'Replay 2:09');

  const plain = historyRow({ ...ENTRY, players: ENTRY.players.slice(0, 2), replay_complete: false }, { now });
  assert.equal(plain.gameTitle, 'dots', 'no titles yet: the game\'s name');
  assert.equal(plain.more, 0);
  assert.match(plain.replay, /cut short/);
  const none = historyRow({ ...ENTRY, replay_ticks: 0, replay_bytes: 0 }, { now });
  assert.equal(none.watchable, false);
  assert.match(none.replay, /No replay/);
});

test('paging appends older matches once each', () => {
  const a = { id: 'a' };
  const b = { id: 'b' };
  const c = { id: 'c' };
  assert.deepEqual(appendPage([], [a, b]), [a, b]);
  assert.deepEqual(appendPage([a, b], [b, c]), [a, b, c], 'a match on both sides of a page boundary shows once');
  assert.deepEqual(appendPage([a], undefined), [a]);
});

test('the name a replay is watched under', () => {
  assert.equal(spectatorName(' Ada ', 'Bob'), 'Ada', 'the lobby field first, even before it was saved');
  assert.equal(spectatorName('', 'Bob'), 'Bob');
  assert.equal(spectatorName('  ', null), 'spectator');
  assert.equal(spectatorName(undefined, undefined), 'spectator');
});

test('a server without history says so; other failures read as the lobby\'s', () => {
  assert.match(historyErrorText(new ApiError(503, 'unavailable', 'this server keeps no history (started without --database)')),
    /^This server keeps no match history right now: this server keeps no history \(started without --database\)\.$/);
  assert.match(historyErrorText(new ApiError(503, 'unavailable', '')), /without a database/);
  assert.match(historyErrorText(new ApiError(404, 'not_found', 'no finished match')), /does not exist/);
  assert.match(historyErrorText(new ApiError(400, 'bad_request', 'limit must be 1..=100')), /limit must be 1\.\.=100/);
  assert.match(historyErrorText(new TypeError('network error')), /reach the server/);
});

test('leaderboard places: the server\'s order, ties share a place', () => {
  const rows = leaderboardRows([
    { name: 'Ada', played: 5, wins: 3, score: 40 },
    { name: 'Bob', played: 4, wins: 1, score: 12 },
    { name: 'Cy', played: 2, wins: 1, score: 12 },
    { name: 'Di', played: 9, wins: 1, score: 11 },
  ]);
  assert.deepEqual(rows.map((r) => [r.rank, r.name, r.played, r.wins, r.score]), [
    [1, 'Ada', 5, 3, 40], [2, 'Bob', 4, 1, 12], [2, 'Cy', 2, 1, 12], [4, 'Di', 9, 1, 11],
  ]);
  assert.deepEqual(leaderboardRows([]), []);
  assert.deepEqual(leaderboardRows(undefined), []);
});

test('routes: lobby, history and leaderboard with an optional game, matches; and back to hashes', () => {
  assert.deepEqual(parseRoute(''), { view: 'lobby' });
  assert.deepEqual(parseRoute('#/'), { view: 'lobby' });
  assert.deepEqual(parseRoute('#/nowhere'), { view: 'lobby' });
  assert.deepEqual(parseRoute('#/history'), { view: 'history', game: null });
  assert.deepEqual(parseRoute('#/history/'), { view: 'history', game: null });
  assert.deepEqual(parseRoute('#/history/flags'), { view: 'history', game: 'flags' });
  assert.deepEqual(parseRoute('#/leaderboard'), { view: 'leaderboard', game: null });
  assert.deepEqual(parseRoute('#/leaderboard/dots'), { view: 'leaderboard', game: 'dots' });
  assert.deepEqual(parseRoute('#/match/a%20b/play'), { view: 'game', matchId: 'a b', role: 'player' });
  assert.deepEqual(parseRoute('#/match/abc/watch'), { view: 'game', matchId: 'abc', role: 'spectator' });
  assert.deepEqual(parseRoute('#/match/abc/cheat'), { view: 'lobby' });
  assert.deepEqual(parseRoute('#/history/%zz'), { view: 'history', game: '%zz' }, 'a bad escape is kept as typed');
  for (const r of [
    { view: 'lobby' }, { view: 'history', game: null }, { view: 'history', game: 'flags' },
    { view: 'leaderboard', game: 'dots' }, { view: 'game', matchId: 'a b', role: 'spectator' },
    { view: 'game', matchId: 'm1', role: 'player' },
  ]) assert.deepEqual(parseRoute(routeHash(r)), r, JSON.stringify(r));
  assert.equal(routeHash({ view: 'history', game: null }), '#/history');
  assert.equal(routeHash({ view: 'game', matchId: 'm1', role: 'spectator' }), '#/match/m1/watch');
});

const ST = { of: 'h1', tick: 600, ticks: 2400, tick_hz: 20, speed: 1, paused: false, phase: 'running' };

test('replay viewer: speeds, the play button\'s action, what shows for the host and for others', () => {
  assert.deepEqual(SPEEDS, [0.5, 1, 2, 4, 8]);
  assert.deepEqual(SPEEDS.map(speedLabel), ['0.5×', '1×', '2×', '4×', '8×']);
  assert.equal(nearestSpeed(1.0), 1);
  assert.equal(nearestSpeed(3), 2, 'between two: the lower');
  assert.equal(nearestSpeed(7), 8);
  assert.equal(nearestSpeed('x'), 1);

  assert.deepEqual(playAction(ST), { paused: true });
  assert.deepEqual(playAction({ ...ST, paused: true }), { paused: false });
  const end = { ...ST, tick: 2400, paused: true, phase: 'ended' };
  assert.equal(atEnd(end), true);
  assert.equal(atEnd({ ...end, paused: false }), false, 'still playing the last tick');
  assert.deepEqual(playAction(end), { seek: 0, paused: false }, 'at the end: again from the start');
  assert.deepEqual(seekAction(ST, 120), { seek: 120 });
  assert.deepEqual(seekAction({ ...ST, paused: true }, 120), { seek: 120 }, 'paused stays paused');
  assert.deepEqual(seekAction(end, 1200), { seek: 1200, paused: false }, 'back from the end: it plays on');

  const host = replayView(ST, { host: true });
  assert.deepEqual(host, { position: '0:30 / 2:00', play: '❚❚ Pause', playTitle: 'Pause', disabled: false, max: 2400, value: 600, speed: '1' });
  assert.equal(replayView({ ...ST, paused: true }, { host: true }).play, '▶ Play');
  assert.equal(replayView(end, { host: true }).play, '↺ Again');
  assert.equal(replayView(ST, { host: false }).disabled, true, 'only the host controls it');
  assert.equal(replayView(ST, { host: true, busy: true }).disabled, true, 'one control at a time');
  const scrub = replayView({ ...ST, speed: 4 }, { host: true, scrub: 1800 });
  assert.deepEqual([scrub.position, scrub.value, scrub.speed], ['1:30 / 2:00', 1800, '4'], 'the thumb being dragged');
  assert.equal(replayView(null).disabled, true, 'nothing known yet');
});

// ---- ReplayControl with stand-in elements (no DOM in node) ----

class El {
  constructor() {
    this.hidden = true;
    this.disabled = false;
    this.textContent = '';
    this.title = '';
    this.value = '';
    this.max = '';
    this.children = [];
    this.listeners = {};
  }

  addEventListener(type, fn) {
    (this.listeners[type] ??= []).push(fn);
  }

  fire(type) {
    for (const fn of this.listeners[type] ?? []) fn({ type });
  }

  replaceChildren(...c) {
    this.children = c;
  }
}

function replayFixture({ hostToken = 'tok', answers = {} } = {}) {
  globalThis.Option ??= class {
    constructor(text, value) {
      this.text = text;
      this.value = value;
    }
  };
  const els = { bar: new El(), play: new El(), speed: new El(), seek: new El(), position: new El(), note: new El() };
  const calls = [];
  const pending = [];
  // Every call waits until the test answers it, so answers can be made to cross.
  const defer = (kind, arg) => new Promise((resolve, reject) => {
    calls.push({ kind, arg });
    pending.push({ kind, resolve, reject });
  });
  const api = {
    replayState: () => defer('state'),
    controlReplay: (id, token, change) => defer('control', { id, token, change }),
    ...answers,
  };
  const control = new ReplayControl(els, { api, matchId: 'm1', hostToken, on: (t, type, fn) => t.addEventListener(type, fn) });
  return { els, control, calls, pending };
}

const flush = () => new Promise((r) => setImmediate(r));

test('ReplayControl: a poll answered after a control does not undo it; the host\'s controls send their change', async () => {
  const { els, control, calls, pending } = replayFixture();
  assert.deepEqual(els.speed.children.map((o) => [o.text, o.value]), [['0.5×', '0.5'], ['1×', '1'], ['2×', '2'], ['4×', '4'], ['8×', '8']]);
  const state = {};
  control.enable('h1', state, { ...ST, tick: 0 });
  clearInterval(control.timer); // the test polls by hand
  assert.equal(els.bar.hidden, false);
  assert.equal(state.of, 'h1');
  assert.equal(state.host, true);
  assert.equal(els.position.textContent, '0:00 / 2:00');
  assert.equal(els.play.disabled, false);

  // A poll goes out (from enable), then the host picks 4×: the control's answer comes first.
  assert.equal(calls[0].kind, 'state');
  els.speed.value = '4';
  els.speed.fire('change');
  assert.deepEqual(calls[1], { kind: 'control', arg: { id: 'm1', token: 'tok', change: { speed: 4 } } });
  assert.equal(state.busy, true);
  assert.equal(els.seek.disabled, true, 'no second control while one is out');
  pending[1].resolve({ ...ST, tick: 40, speed: 4 });
  await flush();
  assert.equal(state.speed, 4);
  assert.equal(state.tick, 40);
  assert.deepEqual(state.lastControl.change, { speed: 4 });
  pending[0].resolve({ ...ST, tick: 30, speed: 1 }); // asked before the change: stale
  await flush();
  assert.equal(state.speed, 4, 'the stale poll is dropped');
  assert.equal(state.tick, 40);
  assert.equal(els.speed.value, '4');

  // Seeking: dragging shows the thumb's place, letting go sends the seek.
  els.seek.value = '1800';
  els.seek.fire('input');
  assert.equal(els.position.textContent, '1:30 / 2:00');
  els.seek.fire('change');
  assert.deepEqual(calls[2].arg.change, { seek: 1800 });
  pending[2].resolve({ ...ST, tick: 1800, speed: 4 });
  await flush();
  assert.equal(state.tick, 1800);
  assert.equal(els.seek.value, '1800');

  // Play/pause, then a refusal shows the server's words.
  els.play.fire('click');
  assert.deepEqual(calls[3].arg.change, { paused: true });
  pending[3].reject(new ApiError(400, 'bad_request', 'seek must be 0..=2400'));
  await flush();
  assert.equal(state.message, 'Could not play or pause: seek must be 0..=2400');
  assert.equal(els.note.hidden, false);

  // A newer poll applies, and counts.
  const before = state.updates;
  control.poll();
  pending[4].resolve({ ...ST, tick: 1900, speed: 4 });
  await flush();
  assert.equal(state.tick, 1900);
  assert.equal(state.updates, before + 1);
  control.destroy();
  assert.equal(els.bar.hidden, true);
});

test('ReplayControl: without the host token it only shows the position; a replay gone from the server stops the polling', async () => {
  const { els, control, calls, pending } = replayFixture({ hostToken: null });
  const state = {};
  control.enable('h1', state);
  clearInterval(control.timer);
  pending[0].resolve(ST);
  await flush();
  assert.equal(state.host, false);
  assert.equal(els.position.textContent, '0:30 / 2:00');
  assert.equal(els.play.disabled, true);
  assert.equal(els.speed.disabled, true);
  assert.equal(els.seek.disabled, true);
  assert.match(els.play.title, /Only the tab that opened this replay/);
  els.play.fire('click');
  els.speed.fire('change');
  assert.equal(calls.length, 1, 'nothing sent without the token');

  control.poll();
  pending[1].reject(new ApiError(404, 'not_found', 'no match'));
  await flush();
  assert.equal(state.gone, true);
  assert.match(state.message, /no longer on the server/);
  control.destroy();
});
