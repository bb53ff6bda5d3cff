// The lobby page: a live list of matches (polled) with each match's game, a form to create one
// (pick the game; its settings come from GET /api/games), and buttons to play or watch. Joining
// happens here so full, ended or unknown matches get a clear message in place.

import { ApiError, friendlyError, hostTokens, reconnectUrls } from '../sdk/api.js';
import { columnLabel, phaseLabel, settingsSummary } from './format.js';

/** How often the match list is refreshed, ms. */
const POLL_MS = 1000;
const NAME_KEY = 'arena.name';
const GAME_KEY = 'arena.game';

/** A setting's name as a form label: `time_limit_s` → "Time limit (s)". */
export function settingLabel(name) {
  const seconds = /_s$/.test(name);
  return `${columnLabel(seconds ? name.slice(0, -2) : name)}${seconds ? ' (s)' : ''}`;
}

/** Players a bot command suggests for a match: the seats left but yours (at least one). */
export function botCommand(origin, match, maxPlayers) {
  const n = Math.max(1, maxPlayers - 1);
  return `arena-bots --url ${origin} --match ${match} --players ${n} --duration-s 600`;
}

/**
 * The create form's body from its values, for the game `info` (GET /api/games entry, or null when
 * the games are not known yet): `{name, game?, max_players, tick_hz, settings?}`.
 */
export function createBody(values, info) {
  const body = {
    name: String(values.name ?? '').trim(),
    max_players: Number(values.max_players),
    tick_hz: Number(values.tick_hz),
  };
  if (info) {
    body.game = info.name;
    const settings = {};
    for (const spec of info.settings) {
      const raw = values.settings?.[spec.name];
      if (raw !== undefined && raw !== '') settings[spec.name] = Number(raw);
    }
    body.settings = settings;
  }
  return body;
}

export class LobbyView {
  /**
   * @param api lobby API client
   * @param onJoined (joinResponse, name) called after a join
   * @param onResume (matchId) called instead of joining when this tab holds a seat it can resume
   */
  constructor(root, api, onJoined, onResume, state) {
    this.onResume = onResume;
    this.root = root;
    this.api = api;
    this.onJoined = onJoined;
    this.state = state; // window.arena.lobby
    this.state.games = [];
    this.els = {
      name: root.querySelector('#player-name'),
      form: root.querySelector('#create-form'),
      game: root.querySelector('#game-select'),
      about: root.querySelector('#game-about'),
      maxPlayers: root.querySelector('#create-form input[name=max_players]'),
      settings: root.querySelector('#game-settings'),
      rows: root.querySelector('#match-rows'),
      status: root.querySelector('#lobby-status'),
      message: root.querySelector('#lobby-message'),
      empty: root.querySelector('#no-matches'),
      table: root.querySelector('#match-table'),
    };
    this.games = null;
    this.freshId = null;
    this.els.name.value = localStorage.getItem(NAME_KEY) ?? '';
    this.els.name.addEventListener('change', () => localStorage.setItem(NAME_KEY, this.els.name.value.trim()));
    this.els.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.create();
    });
    this.els.game.addEventListener('change', () => {
      localStorage.setItem(GAME_KEY, this.els.game.value);
      this.showGameForm();
    });
    this.els.rows.addEventListener('click', (e) => {
      const button = e.target.closest('button[data-action]');
      if (button) this.act(button.dataset.action, button.dataset.id, button);
    });
  }

  show() {
    this.root.hidden = false;
    this.refresh();
    this.timer = setInterval(() => this.refresh(), POLL_MS);
  }

  hide() {
    this.root.hidden = true;
    clearInterval(this.timer);
  }

  say(text, kind = 'error') {
    this.els.message.textContent = text;
    this.els.message.className = `message ${kind === 'info' ? 'info' : ''}`;
    this.els.message.hidden = !text;
    this.state.message = text || null;
  }

  name() {
    const name = this.els.name.value.trim();
    if (!name) {
      this.say('Enter your name first (top left), then pick a match.');
      this.els.name.focus();
      return null;
    }
    localStorage.setItem(NAME_KEY, name);
    return name;
  }

  /** The games list, once: fills the picker (the last game picked in this browser first). */
  async loadGames() {
    if (this.games) return;
    const games = await this.api.listGames();
    this.games = games;
    this.state.games = games;
    const sel = this.els.game;
    sel.replaceChildren(...games.map((g) => new Option(g.title || g.name, g.name)));
    const saved = localStorage.getItem(GAME_KEY);
    if (saved && games.some((g) => g.name === saved)) sel.value = saved;
    sel.disabled = false;
    this.showGameForm();
    this.renderedKey = null; // show titles in the list
  }

  selectedGame() {
    return this.games?.find((g) => g.name === this.els.game.value) ?? null;
  }

  /** Bounds the seats by the game and shows its settings with their defaults. */
  showGameForm() {
    const g = this.selectedGame();
    if (!g) return;
    this.els.about.textContent = g.about + (g.teams ? ` ${g.teams} teams: seats must be a multiple of ${g.teams}.` : '')
      + (g.module === null ? ' It has no browser view on this server: bots and other clients play it.' : '');
    const mp = this.els.maxPlayers;
    mp.min = String(g.min_players);
    mp.max = String(g.max_players);
    mp.step = String(g.teams > 1 ? g.teams : 1);
    mp.value = String(g.default_players);
    this.els.settings.replaceChildren(
      ...g.settings.map((spec) => {
        const label = document.createElement('label');
        label.className = 'field';
        const span = document.createElement('span');
        span.textContent = settingLabel(spec.name);
        const input = document.createElement('input');
        input.type = 'number';
        input.name = spec.name;
        input.dataset.setting = spec.name;
        input.min = String(spec.min);
        input.max = String(spec.max);
        input.step = '1';
        input.value = String(spec.default);
        input.required = true;
        input.title = spec.about;
        const about = document.createElement('small');
        about.className = 'hint';
        about.textContent = `${spec.about} (${spec.min}–${spec.max})`;
        label.append(span, input, about);
        return label;
      }),
    );
    this.state.selectedGame = g.name;
  }

  async refresh() {
    try {
      if (!this.games) await this.loadGames();
    } catch {
      // The picker says so; the match list below tells whether the server is reachable.
      this.els.about.textContent = 'Cannot load the list of games yet; retrying…';
    }
    try {
      const matches = await this.api.listMatches();
      this.state.matches = matches;
      this.render(matches);
      this.els.status.textContent = `live · ${new Date().toLocaleTimeString()}`;
    } catch (e) {
      this.els.status.textContent = e instanceof ApiError ? friendlyError(e) : 'server unreachable, retrying…';
    }
  }

  render(matches) {
    // Rebuilt only when the list changed, so a click never lands on a replaced button.
    const key = JSON.stringify([matches, this.freshId, Boolean(this.games)]);
    if (key === this.renderedKey) return;
    this.renderedKey = key;
    this.els.empty.hidden = matches.length > 0;
    this.els.table.hidden = matches.length === 0;
    const rows = matches
      .slice()
      .sort((a, b) => (a.phase === 'ended') - (b.phase === 'ended') || a.name.localeCompare(b.name));
    this.els.rows.replaceChildren(...rows.map((m) => this.row(m)));
  }

  row(m) {
    const tr = document.createElement('tr');
    tr.dataset.id = m.id;
    tr.dataset.game = m.game;
    if (hostTokens.get(m.id)) tr.classList.add('mine');
    if (m.id === this.freshId) tr.classList.add('fresh');
    const full = m.players >= m.max_players;
    const ended = m.phase === 'ended';
    const info = this.games?.find((g) => g.name === m.game);
    const replay = m.replay_of !== null && m.replay_of !== undefined;
    const cells = [
      m.name,
      info?.title ?? m.game,
      null,
      `${m.players} / ${m.max_players}${full && !ended ? ' · full' : ''}`,
      String(m.spectators),
      `${m.tick_hz} Hz`,
      settingsSummary(m.settings, info?.settings ?? []),
    ];
    for (const [i, text] of cells.entries()) {
      const td = document.createElement('td');
      if (i === 2) {
        const badge = document.createElement('span');
        badge.className = `badge ${m.phase}`;
        badge.textContent = phaseLabel(m.phase);
        td.append(badge);
      } else td.textContent = text;
      if (i === 0) td.title = `match id ${m.id}`;
      if (i === 0 && replay) {
        // A finished match played again from the history: watch it, nobody plays in it.
        const badge = document.createElement('span');
        badge.className = 'badge replay';
        badge.textContent = 'replay';
        badge.title = `The replay of a finished match (history id ${m.replay_of})`;
        td.append(' ', badge);
      }
      if (i === 1) {
        td.className = 'game';
        td.title = info?.about ?? m.game;
      }
      if (i === 6) td.className = 'settings';
      tr.append(td);
    }
    const actions = document.createElement('td');
    actions.className = 'actions';
    const play = button('Play', 'play', m.id, 'primary');
    play.disabled = ended || replay;
    play.title = replay ? 'A replay: watch it' : full ? 'Full: try anyway, or watch' : ended ? 'This match has ended' : 'Join as a player';
    const watch = button('Watch', 'watch', m.id);
    watch.disabled = ended;
    actions.append(play, watch);
    tr.append(actions);
    return tr;
  }

  async create() {
    const data = new FormData(this.els.form);
    const info = this.selectedGame();
    const settings = {};
    for (const input of this.els.settings.querySelectorAll('input[data-setting]')) settings[input.dataset.setting] = input.value;
    const body = createBody({ name: data.get('name'), max_players: data.get('max_players'), tick_hz: data.get('tick_hz'), settings }, info);
    try {
      const created = await this.api.createMatch(body);
      // The summary is nested under "match" (game/core/src/api.rs CreatedMatch).
      const summary = created.match ?? created;
      hostTokens.set(created.id, created.host_token);
      this.freshId = created.id;
      this.state.created = { id: created.id, name: summary.name, game: summary.game };
      const game = this.games?.find((g) => g.name === summary.game);
      const title = game?.title ?? summary.game;
      const head = `Created “${summary.name}” (${title}, id ${created.id}). You are its host: press Play to join it`;
      this.say(game?.bots === false
        ? `${head}, and Start when everyone is in (this game has no bots).`
        : `${head}, then add bots for the free seats on the match's page, or Start when everyone is in. Bots from a terminal (arena-bots plays the built-in games; a game's own bots binary takes the same flags): ${botCommand(location.origin, created.id, summary.max_players)}`, 'info');
      await this.refresh();
    } catch (e) {
      this.say(`Could not create the match: ${friendlyError(e)}`);
    }
  }

  async act(action, id, buttonEl) {
    const name = this.name();
    if (!name) return;
    const role = action === 'watch' ? 'spectator' : 'player';
    if (role === 'player' && reconnectUrls.get(id)) {
      this.say('');
      this.onResume(id);
      return;
    }
    buttonEl.disabled = true;
    try {
      const joined = await this.api.join(id, name, role);
      this.say('');
      this.onJoined(joined, name);
    } catch (e) {
      this.say(friendlyError(e));
      this.refresh();
    } finally {
      buttonEl.disabled = false;
    }
  }
}

function button(text, action, id, cls = '') {
  const b = document.createElement('button');
  b.textContent = text;
  b.dataset.action = action;
  b.dataset.id = id;
  if (cls) b.className = cls;
  return b;
}
