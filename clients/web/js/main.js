// Entry point: routes between the lobby (#/), the history (#/history[/<game>]), the leaderboard
// (#/leaderboard[/<game>]) and a match (#/match/<id>/play or /watch; js/routes.js), and exposes
// the page's state as `window.arena` for tests and curious players. The games come from the server
// (GET /api/games, asked once for the whole page), each game's browser module with them
// (js/game-modules.js).

import { lobbyApi } from '../sdk/api.js';
import { GameView } from './game.js';
import { GameModules } from './game-modules.js';
import { HistoryView, spectatorName } from './history.js';
import { LeaderboardView } from './leaderboard.js';
import { LobbyView } from './lobby.js';
import { parseRoute, routeHash } from './routes.js';

const api = lobbyApi();
const state = {
  view: null,
  lobby: { matches: [], message: null, created: null },
  history: {},
  leaderboard: {},
};
window.arena = state;

// A join made in the lobby or the history, handed to the game view (tokens are single-use).
let handoff = null;

function joined(join, name, replay = null) {
  const role = join.role === 'spectator' ? 'watch' : 'play';
  handoff = { join, name, replay };
  location.hash = `#/match/${encodeURIComponent(join.match_id)}/${role}`;
}

// GET /api/games, asked once for the history and leaderboard pickers and the game view (again
// after a failure); the games' modules and schemas, loaded once each.
const gameModules = new GameModules(api);
const games = () => gameModules.listing();

/** The filter of a page, kept in the URL without a new route (replaceState fires no hashchange). */
const keepGame = (view) => (game) => history.replaceState(null, '', routeHash({ view, game }));

const lobby = new LobbyView(document.querySelector('#lobby-view'), api, joined, (matchId) => {
  location.hash = `#/match/${encodeURIComponent(matchId)}/play`;
}, state.lobby);

const historyView = new HistoryView(document.querySelector('#history-view'), api, {
  games,
  // The name typed in the lobby (even if not yet saved), else the one saved, else "spectator".
  name: () => spectatorName(document.querySelector('#player-name').value, localStorage.getItem('arena.name')),
  onWatch: (join, name, opened) => joined(join, name, opened?.replay ?? null),
  onGame: keepGame('history'),
}, state.history);

const leaderboardView = new LeaderboardView(document.querySelector('#leaderboard-view'), api, {
  games,
  onGame: keepGame('leaderboard'),
  preferred: () => localStorage.getItem('arena.game'),
}, state.leaderboard);

let game = null;

const PAGES = { lobby, history: historyView, leaderboard: leaderboardView };
const TITLES = { lobby: 'Arena', history: 'History · Arena', leaderboard: 'Leaderboard · Arena' };

function route() {
  const r = parseRoute(location.hash);
  if (game) {
    game.destroy();
    game = null;
  }
  for (const a of document.querySelectorAll('.nav a')) a.classList.toggle('current', a.dataset.view === r.view);
  // Every page stops (its timers, its requests on the way) before the one routed to starts again.
  for (const page of Object.values(PAGES)) page.hide();
  const gameRoot = document.querySelector('#game-view');
  if (r.view !== 'game') {
    gameRoot.hidden = true;
    state.view = r.view;
    document.title = TITLES[r.view];
    PAGES[r.view].show(r.game ?? null);
    return;
  }
  gameRoot.hidden = false;
  const same = handoff && handoff.join.match_id === r.matchId && (handoff.join.role === 'spectator') === (r.role === 'spectator');
  const join = same ? handoff.join : null;
  const name = handoff?.name || localStorage.getItem('arena.name') || (r.role === 'player' ? 'player' : 'spectator');
  const replay = same ? handoff.replay : null;
  handoff = null;
  game = new GameView(gameRoot, api, { matchId: r.matchId, role: r.role, name, join, replay, games: gameModules }, state);
  game.start();
  document.querySelector('#game-canvas').focus();
}

window.addEventListener('hashchange', route);
route();
