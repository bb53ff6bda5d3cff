// Entry point: routes between the lobby (#/) and a match (#/match/<id>/play or /watch), and
// exposes the page's state as `window.arena` for tests and curious players.

import { lobbyApi } from '../sdk/api.js';
import { GameView } from './game.js';
import { LobbyView } from './lobby.js';

const api = lobbyApi();
const state = { view: null, lobby: { matches: [], message: null, created: null } };
window.arena = state;

// A join made in the lobby, handed to the game view (tokens are single-use).
let handoff = null;

const lobby = new LobbyView(document.querySelector('#lobby-view'), api, (join, name) => {
  const role = join.role === 'spectator' ? 'watch' : 'play';
  handoff = { join, name };
  location.hash = `#/match/${encodeURIComponent(join.match_id)}/${role}`;
}, (matchId) => {
  location.hash = `#/match/${encodeURIComponent(matchId)}/play`;
}, state.lobby);

let game = null;

function parseRoute(hash) {
  const m = /^#\/match\/([^/]+)\/(play|watch)$/.exec(hash);
  if (!m) return { view: 'lobby' };
  return { view: 'game', matchId: decodeURIComponent(m[1]), role: m[2] === 'play' ? 'player' : 'spectator' };
}

function route() {
  const r = parseRoute(location.hash);
  if (game) {
    game.destroy();
    game = null;
  }
  const gameRoot = document.querySelector('#game-view');
  if (r.view === 'lobby') {
    gameRoot.hidden = true;
    state.view = 'lobby';
    document.title = 'Arena';
    lobby.show();
    return;
  }
  lobby.hide();
  gameRoot.hidden = false;
  const join = handoff && handoff.join.match_id === r.matchId && (handoff.join.role === 'spectator') === (r.role === 'spectator') ? handoff.join : null;
  const name = handoff?.name || localStorage.getItem('arena.name') || (r.role === 'player' ? 'player' : 'spectator');
  handoff = null;
  game = new GameView(gameRoot, api, { matchId: r.matchId, role: r.role, name, join }, state);
  game.start();
  document.querySelector('#game-canvas').focus();
}

window.addEventListener('hashchange', route);
route();
