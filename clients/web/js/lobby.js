// The lobby page: a live list of matches (polled), a form to create one, and buttons to play or
// watch. Joining happens here so full, ended or unknown matches get a clear message in place.

import { ApiError, friendlyError, hostTokens, reconnectUrls } from './api.js';
import { formatLimitS, phaseLabel } from './format.js';

/** How often the match list is refreshed, ms. */
const POLL_MS = 1000;
const NAME_KEY = 'arena.name';

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
    this.els = {
      name: root.querySelector('#player-name'),
      form: root.querySelector('#create-form'),
      rows: root.querySelector('#match-rows'),
      status: root.querySelector('#lobby-status'),
      message: root.querySelector('#lobby-message'),
      empty: root.querySelector('#no-matches'),
      table: root.querySelector('#match-table'),
    };
    this.freshId = null;
    this.els.name.value = localStorage.getItem(NAME_KEY) ?? '';
    this.els.name.addEventListener('change', () => localStorage.setItem(NAME_KEY, this.els.name.value.trim()));
    this.els.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.create();
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

  async refresh() {
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
    const key = JSON.stringify([matches, this.freshId]);
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
    if (hostTokens.get(m.id)) tr.classList.add('mine');
    if (m.id === this.freshId) tr.classList.add('fresh');
    const full = m.players >= m.max_players;
    const ended = m.phase === 'ended';
    const cells = [
      m.name,
      null,
      `${m.players} / ${m.max_players}${full && !ended ? ' · full' : ''}`,
      String(m.spectators),
      `${m.tick_hz} Hz`,
      `${formatLimitS(m.time_limit_s)} · ${m.score_limit ? `${m.score_limit} kills` : 'no score limit'}`,
    ];
    for (const [i, text] of cells.entries()) {
      const td = document.createElement('td');
      if (i === 1) {
        const badge = document.createElement('span');
        badge.className = `badge ${m.phase}`;
        badge.textContent = phaseLabel(m.phase);
        td.append(badge);
      } else td.textContent = text;
      if (i === 0) td.title = `match id ${m.id}`;
      tr.append(td);
    }
    const actions = document.createElement('td');
    actions.className = 'actions';
    const play = button('Play', 'play', m.id, 'primary');
    play.disabled = ended;
    play.title = full ? 'Full: try anyway, or watch' : ended ? 'This match has ended' : 'Join as a player';
    const watch = button('Watch', 'watch', m.id);
    watch.disabled = ended;
    actions.append(play, watch);
    tr.append(actions);
    return tr;
  }

  async create() {
    const data = new FormData(this.els.form);
    const body = {
      name: String(data.get('name')).trim(),
      max_players: Number(data.get('max_players')),
      tick_hz: Number(data.get('tick_hz')),
      time_limit_s: Number(data.get('time_limit_s')),
      score_limit: Number(data.get('score_limit')),
    };
    try {
      const created = await this.api.createMatch(body);
      // The summary is nested under "match" (game/src/api.rs CreatedMatch).
      const summary = created.match ?? created;
      hostTokens.set(created.id, created.host_token);
      this.freshId = created.id;
      this.state.created = { id: created.id, name: summary.name };
      this.say(`Created “${summary.name}” (id ${created.id}). You are its host: press Play to join it, then Start when everyone is in. To add bots: arena-bots --match ${created.id} --players 3 --duration-s 300`, 'info');
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
