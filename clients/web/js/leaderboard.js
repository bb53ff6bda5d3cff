// The Leaderboard view (#/leaderboard[/<game>]): per-name totals of one game over its finished
// matches (GET /api/leaderboard?game=): played, wins (first place), total score. People only: the
// server leaves bots out. It comes sorted (most wins, then score); the page only numbers it.

import { historyErrorText } from './history.js';

/** Ranks for the server's order: lines with the same wins and score share a place ("1, 2, 2, 4"). */
export function leaderboardRows(entries) {
  const rows = [];
  for (const [i, e] of (entries ?? []).entries()) {
    const prev = rows[i - 1];
    const tied = prev && prev.wins === e.wins && prev.score === e.score;
    rows.push({ rank: tied ? prev.rank : i + 1, name: e.name, played: e.played, wins: e.wins, score: e.score });
  }
  return rows;
}

export class LeaderboardView {
  /**
   * @param root the #leaderboard-view element
   * @param api lobby API client
   * @param deps.games () → Promise of GET /api/games (shared, cached)
   * @param deps.onGame (game): the picked game changed (main.js keeps it in the URL)
   * @param deps.preferred () → the game this browser last picked in the lobby, or null
   * @param state the object exposed as window.arena.leaderboard
   */
  constructor(root, api, deps, state) {
    this.root = root;
    this.api = api;
    this.deps = deps;
    this.state = state;
    const $ = (sel) => root.querySelector(sel);
    this.els = {
      game: $('#leaderboard-game'),
      message: $('#leaderboard-message'),
      table: $('#leaderboard-table'),
      rows: $('#leaderboard-rows'),
      empty: $('#leaderboard-empty'),
    };
    this.generation = 0;
    Object.assign(state, { game: null, entries: [], loading: false, message: null });
    this.els.game.addEventListener('change', () => {
      const game = this.els.game.value || null;
      this.deps.onGame(game);
      this.load(game);
    });
  }

  /** Shows the view for the route's game; without one, the game picked last in the lobby, else the server's default. */
  async show(game = null) {
    this.root.hidden = false;
    const gen = ++this.generation;
    let pick = game;
    try {
      const games = await this.deps.games();
      if (gen !== this.generation) return;
      const sel = this.els.game;
      sel.replaceChildren(...games.map((g) => new Option(g.title || g.name, g.name)));
      if (pick && !games.some((g) => g.name === pick)) sel.append(new Option(pick, pick));
      const preferred = this.deps.preferred();
      pick ??= games.some((g) => g.name === preferred) ? preferred : (games[0]?.name ?? null);
      sel.value = pick ?? '';
      sel.disabled = false;
    } catch {
      // Without the games list the server's default game is shown (no ?game=).
    }
    if (gen === this.generation) await this.load(pick);
  }

  hide() {
    this.root.hidden = true;
    this.generation += 1;
  }

  say(text) {
    this.els.message.textContent = text ?? '';
    this.els.message.hidden = !text;
    this.state.message = text || null;
  }

  async load(game) {
    const gen = ++this.generation;
    Object.assign(this.state, { game, loading: true });
    try {
      const board = await this.api.leaderboard(game);
      if (gen !== this.generation) return;
      Object.assign(this.state, { game: board.game, entries: board.entries });
      this.say(null);
    } catch (e) {
      if (gen !== this.generation) return;
      this.state.entries = [];
      this.say(historyErrorText(e));
    }
    this.state.loading = false;
    this.render();
  }

  render() {
    const rows = leaderboardRows(this.state.entries);
    this.els.table.hidden = rows.length === 0;
    this.els.empty.hidden = rows.length > 0 || Boolean(this.state.message);
    this.els.rows.replaceChildren(...rows.map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.name = r.name;
      for (const [text, cls] of [[r.rank, 'num'], [r.name, 'name'], [r.played, 'num'], [r.wins, 'num'], [r.score, 'num']]) {
        const td = document.createElement('td');
        td.textContent = String(text);
        td.className = cls;
        tr.append(td);
      }
      return tr;
    }));
  }
}
