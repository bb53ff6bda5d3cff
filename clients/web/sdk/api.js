// The lobby HTTP API (game/core/src/api.rs; docs/api.md): JSON in and out, errors as
// {error, message}. URLs are relative so the client works wherever the server mounts it.
// `gameSchema(name)` fetches a game's wire schema (`GET /api/games/{name}/schema`, docs/protocol.md
// part D), the document sdk/schema.js decodes that game's payloads from.

/** A refused request: HTTP status, the server's error code, and a sentence for people. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** What to tell a person about a failed lobby request. */
export function friendlyError(err) {
  if (!(err instanceof ApiError)) return 'Cannot reach the server. Check that it is running and try again.';
  switch (err.code) {
    case 'not_found':
      return 'That match does not exist (any more). Pick another one from the list.';
    case 'match_full':
      return 'That match is full. You can still watch it as a spectator.';
    case 'match_ended':
      return 'That match has already ended.';
    default:
      break;
  }
  if (err.status === 401 || err.status === 403) return 'Only the host of this match can do that.';
  if (err.status === 429) return 'Too many requests; wait a moment and try again.';
  return err.message || `The server refused the request (${err.status}).`;
}

async function request(method, path, { body, token, fetchImpl = globalThis.fetch } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetchImpl(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch (e) {
    throw new TypeError(`network error: ${e.message}`);
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    throw new ApiError(res.status, data?.error ?? `http_${res.status}`, data?.message ?? res.statusText);
  }
  return data;
}

/** Lobby client; `base` is the URL prefix of the API (default: relative "api"). */
export function lobbyApi(base = 'api', fetchImpl = globalThis.fetch) {
  const opts = (extra) => ({ fetchImpl, ...extra });
  return {
    /** Every game the server hosts: [{name, title, about, min_players, max_players,
     * default_players, teams, settings: [{name, about, min, max, default}], score_columns}]. */
    listGames: () => request('GET', `${base}/games`, opts()),
    /** A game's wire types as data `{game, rules_version, facts, view, input, settings, types}`
     * (docs/protocol.md part D): give it to `new Schema(json)` or `schemaCodec(json)` (sdk/schema.js). */
    gameSchema: (name) => request('GET', `${base}/games/${encodeURIComponent(name)}/schema`, opts()),
    listMatches: () => request('GET', `${base}/matches`, opts()),
    getMatch: (id) => request('GET', `${base}/matches/${encodeURIComponent(id)}`, opts()),
    /** `{name, game?, max_players?, tick_hz?, settings?: {…}}` → `{id, host_token, match}`. */
    createMatch: (body) => request('POST', `${base}/matches`, opts({ body })),
    join: (id, name, role) => request('POST', `${base}/matches/${encodeURIComponent(id)}/join`, opts({ body: { name, role } })),
    start: (id, hostToken) => request('POST', `${base}/matches/${encodeURIComponent(id)}/start`, opts({ token: hostToken })),
    end: (id, hostToken) => request('POST', `${base}/matches/${encodeURIComponent(id)}/end`, opts({ token: hostToken })),
    kick: (id, hostToken, playerId) => request('POST', `${base}/matches/${encodeURIComponent(id)}/kick`, opts({ token: hostToken, body: { player_id: playerId } })),
    /** The host seats `count` bots in a waiting match → `{added: [{id, name}], phase: 'waiting'|'running'}`
     * ("running": they filled it and it started). */
    addBots: (id, hostToken, count) => request('POST', `${base}/matches/${encodeURIComponent(id)}/bots`, opts({ token: hostToken, body: { count } })),

    // ---- history (docs/api.md, "History"): 503 `unavailable` when the server keeps none ----

    /** Finished matches, newest first: `{game?, limit?, before?}` → `{matches: [HistoryEntry], next_before}`.
     * `before` is the previous page's `next_before` (Unix ms). */
    history: (query = {}) => request('GET', `${base}/history${historyQuery(query)}`, opts()),
    /** One finished match → HistoryEntry. */
    historyEntry: (id) => request('GET', `${base}/history/${encodeURIComponent(id)}`, opts()),
    /** Per-name totals of one game (the server's default game without one) → `{game, entries: [{name, played, wins, score}]}`. */
    leaderboard: (game) => request('GET', `${base}/leaderboard${game ? `?game=${encodeURIComponent(game)}` : ''}`, opts()),
    /** Opens a finished match's replay as a match to watch → `{match_id, host_token, replay: ReplayState}`.
     * The host token controls the playback (keep it with `hostTokens`). */
    watchReplay: (historyId) => request('POST', `${base}/history/${encodeURIComponent(historyId)}/watch`, opts()),
    /** Where a replay match is → ReplayState `{of, tick, ticks, tick_hz, speed, paused, phase}` (404: not a replay). */
    replayState: (matchId) => request('GET', `${base}/matches/${encodeURIComponent(matchId)}/replay`, opts()),
    /** The replay's host changes any of `{speed, paused, seek}` → the ReplayState after applying them. */
    controlReplay: (matchId, hostToken, change) => request('POST', `${base}/matches/${encodeURIComponent(matchId)}/replay`, opts({ token: hostToken, body: replayControlBody(change) })),
  };
}

/** `?game=&limit=&before=` with only the parameters given (the server refuses unknown or empty ones). */
export function historyQuery({ game, limit, before } = {}) {
  const params = new URLSearchParams();
  if (game) params.set('game', game);
  if (limit !== undefined && limit !== null) params.set('limit', String(limit));
  if (before !== undefined && before !== null) params.set('before', String(before));
  const q = params.toString();
  return q ? `?${q}` : '';
}

/** A replay control's body: only the fields being changed (`seek` a whole tick). */
export function replayControlBody({ speed, paused, seek } = {}) {
  const body = {};
  if (speed !== undefined && speed !== null) body.speed = Number(speed);
  if (paused !== undefined && paused !== null) body.paused = Boolean(paused);
  if (seek !== undefined && seek !== null) body.seek = Math.max(0, Math.round(Number(seek)));
  return body;
}

const HOST_KEY = (id) => `arena.host.${id}`;

/** Host tokens live in sessionStorage: only the tab that created a match can start or end it. */
export const hostTokens = {
  get: (id) => globalThis.sessionStorage?.getItem(HOST_KEY(id)) ?? null,
  set: (id, token) => globalThis.sessionStorage?.setItem(HOST_KEY(id), token),
};

const RECONNECT_KEY = (id) => `arena.reconnect.${id}`;

/** A player's reconnect URL per match, kept for the tab: a reload within the server's grace
 * period resumes the same seat instead of taking a second one. Leaving forgets it (the server
 * frees the seat of a player who closes with 1000). */
export const reconnectUrls = {
  get: (id) => globalThis.sessionStorage?.getItem(RECONNECT_KEY(id)) ?? null,
  set: (id, url) => (url ? globalThis.sessionStorage?.setItem(RECONNECT_KEY(id), url) : globalThis.sessionStorage?.removeItem(RECONNECT_KEY(id))),
};

/** The join response's ws_url, made absolute against the page (and wss: on an https page). */
export function resolveWsUrl(wsUrl, pageUrl) {
  const url = new URL(wsUrl, pageUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  if (new URL(pageUrl).protocol === 'https:' && url.protocol === 'ws:') url.protocol = 'wss:';
  return url.href;
}
