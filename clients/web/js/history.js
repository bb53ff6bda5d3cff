// The History view (#/history[/<game>]): finished matches from the server's history, newest
// first (GET /api/history), filtered by game, with an "Older" button that pages on with
// `next_before`. Each row says what was played, when it ended, how long it ran, why it ended and
// who did best (bots marked), and offers "Watch replay": POST /api/history/{id}/watch opens the
// replay as a match in the lobby; this tab keeps its host token (it controls the playback) and
// joins it as a spectator, and main.js hands that join to the game view like a lobby join.

import { ApiError, friendlyError, hostTokens } from '../sdk/api.js';
import { columnLabel, formatClock, formatWhen, historyEndLabel, matchDuration } from './format.js';

/** Matches asked for per page. */
export const HISTORY_PAGE = 20;
/** Players shown in a row; the rest are counted ("+2 more") and listed in the cell's tooltip. */
const TOP_PLAYERS = 3;

/**
 * What a row shows for a HistoryEntry: `{id, name, game, gameTitle, ended, endedAt, duration,
 * reason, players: [{name, score, bot}], more, everyone, watchable, replay}`. `titles`: game name →
 * title (from GET /api/games); `now`: Unix ms, for "5 min ago".
 */
export function historyRow(entry, { titles = {}, now = Date.now(), top = TOP_PLAYERS } = {}) {
  const players = entry.players ?? [];
  const columns = entry.score_columns ?? [];
  const everyone = players.map((p) => {
    const stats = p.stats.map((v, i) => `${columnLabel(columns[i] ?? `stat ${i + 1}`).toLowerCase()} ${v}`).join(', ');
    return `${p.place}. ${p.name}${p.bot ? ' (bot)' : ''}: ${p.score}${stats ? ` (${stats})` : ''}`;
  }).join('\n');
  const ticks = entry.replay_ticks ?? 0;
  return {
    id: entry.id,
    name: entry.name,
    game: entry.game,
    gameTitle: titles[entry.game] ?? entry.game,
    ended: formatWhen(entry.ended_at_ms, now),
    endedAt: new Date(entry.ended_at_ms).toISOString(),
    duration: matchDuration(entry),
    reason: historyEndLabel(entry.end_reason),
    players: players.slice(0, top).map((p) => ({ name: p.name, score: p.score, bot: Boolean(p.bot) })),
    more: Math.max(0, players.length - top),
    everyone,
    watchable: ticks > 0,
    replay: ticks > 0
      ? `Replay ${formatClock(ticks / (entry.tick_hz || 1))}${entry.replay_complete === false ? ' (cut short: the recording reached its size limit)' : ''}`
      : 'No replay was recorded for this match',
  };
}

/** The list after one more page: the older matches appended, any already shown left out (a page
 * boundary can fall between matches that ended in the same millisecond). */
export function appendPage(shown, page) {
  const seen = new Set(shown.map((m) => m.id));
  return [...shown, ...(page ?? []).filter((m) => !seen.has(m.id))];
}

/** The name a replay is watched under: the lobby's name field, else the one this browser saved, else "spectator". */
export function spectatorName(field, saved) {
  return String(field ?? '').trim() || String(saved ?? '').trim() || 'spectator';
}

/** A failed history request in words: a server that keeps no history says so plainly. */
export function historyErrorText(err) {
  if (err instanceof ApiError && err.code === 'unavailable') {
    return `This server keeps no match history right now: ${err.message || 'it was started without a database, or the database is down'}.`;
  }
  return friendlyError(err);
}

export class HistoryView {
  /**
   * @param root the #history-view element
   * @param api lobby API client
   * @param deps.games () → Promise of GET /api/games (shared, cached)
   * @param deps.name () → the name to watch under
   * @param deps.onWatch (joinResponse, name, opened): hand the spectator join (and the watch answer:
   *   `{match_id, host_token, replay}`) to the game view
   * @param deps.onGame (game|null): the filter changed (main.js keeps it in the URL)
   * @param state the object exposed as window.arena.history
   */
  constructor(root, api, deps, state) {
    this.root = root;
    this.api = api;
    this.deps = deps;
    this.state = state;
    const $ = (sel) => root.querySelector(sel);
    this.els = {
      game: $('#history-game'),
      message: $('#history-message'),
      table: $('#history-table'),
      rows: $('#history-rows'),
      empty: $('#history-empty'),
      older: $('#history-older'),
      status: $('#history-status'),
    };
    this.generation = 0; // a filter change or a new visit voids the answers still on their way
    this.titles = {};
    Object.assign(state, { game: null, matches: [], rows: [], next_before: null, loading: false, message: null, watching: null });
    this.els.game.addEventListener('change', () => {
      const game = this.els.game.value || null;
      this.deps.onGame(game);
      this.load(game);
    });
    this.els.older.addEventListener('click', () => this.older());
    this.els.rows.addEventListener('click', (e) => {
      const b = e.target.closest('button[data-action=watch-replay]');
      if (b) this.watch(b.dataset.id, b);
    });
  }

  /** Shows the view with the game filter of the route (null: every game). */
  show(game = null) {
    this.root.hidden = false;
    this.say(null);
    this.fillGames(game);
    this.load(game);
  }

  hide() {
    this.root.hidden = true;
    this.generation += 1;
  }

  say(text, kind = 'error') {
    this.els.message.textContent = text ?? '';
    this.els.message.className = `message ${kind === 'info' ? 'info' : ''}`;
    this.els.message.hidden = !text;
    this.state.message = text || null;
  }

  /** The game picker: "All games" and every game the server hosts (filled once they come). */
  async fillGames(game) {
    const sel = this.els.game;
    if (sel.options.length <= 1) {
      try {
        const games = await this.deps.games();
        this.titles = Object.fromEntries(games.map((g) => [g.name, g.title || g.name]));
        sel.replaceChildren(new Option('All games', ''), ...games.map((g) => new Option(g.title || g.name, g.name)));
        this.render(); // titles in the rows
      } catch {
        // The list still works unfiltered; the rows show game names instead of titles.
      }
    }
    if (game && ![...sel.options].some((o) => o.value === game)) sel.append(new Option(game, game));
    sel.value = game ?? '';
  }

  /** The first page of `game` (null: every game), replacing what is shown. */
  async load(game) {
    const gen = ++this.generation;
    Object.assign(this.state, { game, matches: [], rows: [], next_before: null });
    this.render();
    await this.fetchPage(gen, { game, limit: HISTORY_PAGE });
  }

  /** The next page, older than the last one shown, appended. */
  async older() {
    if (this.state.loading || this.state.next_before === null) return;
    await this.fetchPage(this.generation, { game: this.state.game, limit: HISTORY_PAGE, before: this.state.next_before });
  }

  async fetchPage(gen, query) {
    this.state.loading = true;
    this.renderPager();
    try {
      const page = await this.api.history(query);
      if (gen !== this.generation) return;
      this.state.matches = appendPage(this.state.matches, page.matches);
      this.state.next_before = page.next_before ?? null;
      this.say(null);
    } catch (e) {
      if (gen !== this.generation) return;
      this.say(historyErrorText(e));
    } finally {
      if (gen === this.generation) {
        this.state.loading = false;
        this.render();
      }
    }
  }

  render() {
    const now = Date.now();
    const rows = this.state.matches.map((m) => historyRow(m, { titles: this.titles, now }));
    this.state.rows = rows;
    this.els.rows.replaceChildren(...rows.map((r) => this.row(r)));
    const none = rows.length === 0 && !this.state.loading;
    this.els.empty.hidden = !none || Boolean(this.state.message);
    this.els.empty.textContent = this.state.game
      ? `No finished ${this.titles[this.state.game] ?? this.state.game} matches yet.`
      : 'No finished matches yet. Play one from the lobby: it shows here once it ends.';
    this.els.table.hidden = rows.length === 0;
    this.renderPager();
  }

  renderPager() {
    const { loading, next_before: next, matches } = this.state;
    this.els.older.hidden = next === null;
    this.els.older.disabled = loading;
    this.els.status.textContent = loading ? 'loading…' : matches.length ? `${matches.length} shown` : '';
  }

  row(r) {
    const tr = document.createElement('tr');
    tr.dataset.id = r.id;
    tr.dataset.game = r.game;
    const td = (text, cls = '', title = '') => {
      const cell = document.createElement('td');
      cell.textContent = text;
      if (cls) cell.className = cls;
      if (title) cell.title = title;
      tr.append(cell);
      return cell;
    };
    td(r.name, 'name', `match id ${r.id}`);
    td(r.gameTitle, 'game');
    td(r.ended, 'when', r.endedAt);
    td(r.duration, 'num');
    td(r.reason, 'reason');
    const who = td('', 'players', r.everyone);
    for (const p of r.players) {
      const span = document.createElement('span');
      span.className = 'hp';
      const name = document.createElement('b');
      name.textContent = p.name;
      span.append(name);
      if (p.bot) {
        const badge = document.createElement('span');
        badge.className = 'badge bot';
        badge.textContent = 'bot';
        badge.title = 'A bot the server played';
        span.append(badge);
      }
      span.append(document.createTextNode(` ${p.score}`));
      who.append(span);
    }
    if (r.more) {
      const more = document.createElement('span');
      more.className = 'muted';
      more.textContent = `+${r.more} more`;
      who.append(more);
    }
    const actions = td('', 'actions');
    const watch = document.createElement('button');
    watch.textContent = 'Watch replay';
    watch.dataset.action = 'watch-replay';
    watch.dataset.id = r.id;
    watch.disabled = !r.watchable || this.state.watching !== null;
    watch.title = r.replay;
    actions.append(watch);
    return tr;
  }

  /** Opens the replay as a match, keeps its host token (this tab controls it), joins it as a spectator. */
  async watch(id, buttonEl) {
    if (this.state.watching !== null) return;
    this.state.watching = id;
    buttonEl.disabled = true;
    try {
      const opened = await this.api.watchReplay(id);
      hostTokens.set(opened.match_id, opened.host_token);
      const name = this.deps.name();
      const join = await this.api.join(opened.match_id, name, 'spectator');
      this.say(null);
      this.deps.onWatch(join, name, opened);
    } catch (e) {
      this.say(`Could not open the replay: ${historyErrorText(e)}`);
      buttonEl.disabled = false;
    } finally {
      this.state.watching = null;
    }
  }
}
