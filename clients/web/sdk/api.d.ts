// Declarations of api.js: the lobby HTTP API (docs/api.md; the JSON bodies are the types of
// game/core/src/api.rs). Every call resolves with the parsed JSON body or rejects with ApiError
// (the server refused: status, its stable `error` code, its message) or TypeError (network error;
// in a browser also a request another origin's server refuses by CORS).

import type { ScoreLine } from './protocol.js';
import type { GameSchemaJson } from './schema.js';

/** A refused request: HTTP status, the server's error code (`not_found`, `match_full`, ...), its message. */
export declare class ApiError extends Error {
  constructor(status: number, code: string, message: string);
  status: number;
  /** The body's `error` (stable), or `http_<status>` when there was none. */
  code: string;
}

/** What to tell a person about a failed lobby request (any error). */
export declare function friendlyError(err: unknown): string;

/** Phase in the lobby API. */
export type ApiPhase = 'waiting' | 'running' | 'ended';
/** Role in the lobby API. */
export type ApiRole = 'player' | 'spectator';
export type ApiEndReason = 'time_limit' | 'score_limit' | 'host' | 'shutdown' | 'abandoned';

/** One setting a game takes, with its bounds and default. */
export interface SettingSpec {
  name: string;
  about: string;
  min: number;
  max: number;
  default: number;
}

/** One game of `GET /api/games`. */
export interface GameListing {
  name: string;
  title: string;
  about: string;
  min_players: number;
  max_players: number;
  default_players: number;
  /** 0: everyone for themselves. */
  teams: number;
  settings: SettingSpec[];
  score_columns: string[];
  /** Whether the game has a bot policy (the host's "Add bots", arena-bots). */
  bots: boolean;
  /** URL path of its browser module (`/games/<name>/index.js`), or null. */
  module: string | null;
  /** URL path of its wire schema (`/api/games/<name>/schema`). */
  schema: string;
}

/** A match as `GET /api/matches` lists it. */
export interface MatchSummary {
  id: string;
  name: string;
  game: string;
  phase: ApiPhase;
  /** Seats taken, reserved or held for a reconnect. */
  players: number;
  spectators: number;
  max_players: number;
  tick_hz: number;
  settings: Record<string, number>;
  /** The history id for a replay being watched, null for a live match. */
  replay_of: string | null;
}

/** `GET /api/matches/{id}`. */
export interface MatchDetail extends MatchSummary {
  end_reason: ApiEndReason | null;
  score_columns: string[];
  /** Best first. */
  scoreboard: ScoreLine[];
}

/** The body of `POST /api/matches`. */
export interface CreateMatchRequest {
  name: string;
  game?: string;
  max_players?: number;
  tick_hz?: number;
  settings?: Record<string, number>;
}

export interface CreatedMatch {
  id: string;
  /** Shown once: keep it to start, end, kick, add bots. */
  host_token: string;
  match: MatchSummary;
}

/** `POST /api/matches/{id}/join`. */
export interface JoinResponse {
  /** Single-use, expires in seconds. */
  token: string;
  ws_url: string;
  match_id: string;
  role: ApiRole;
  player_id: number | null;
  /** A player's, to resume its seat after a drop; null for a spectator. */
  reconnect_token: string | null;
  reconnect_url: string | null;
}

export interface PhaseResponse {
  id: string;
  phase: ApiPhase;
}

export interface AddBotsResponse {
  added: { id: number; name: string }[];
  /** `running`: they filled the match and it started. */
  phase: ApiPhase;
}

export interface HistoryPlayer {
  id: number;
  place: number;
  name: string;
  team: number | null;
  score: number;
  stats: number[];
  bot: boolean;
}

/** A finished match. Times are Unix milliseconds. */
export interface HistoryEntry {
  id: string;
  game: string;
  name: string;
  tick_hz: number;
  max_players: number;
  created_at_ms: number;
  started_at_ms: number | null;
  ended_at_ms: number;
  end_reason: string;
  score_columns: string[];
  players: HistoryPlayer[];
  replay_bytes: number;
  replay_ticks: number;
  replay_complete: boolean;
}

export interface HistoryPage {
  matches: HistoryEntry[];
  /** Pass as `before` for the next page; null at the end. */
  next_before: number | null;
}

export interface HistoryQuery {
  game?: string;
  limit?: number | null;
  before?: number | null;
}

export interface Leaderboard {
  game: string;
  entries: { name: string; played: number; wins: number; score: number }[];
}

/** Where a replay match is. */
export interface ReplayState {
  /** The history id. */
  of: string;
  tick: number;
  ticks: number;
  tick_hz: number;
  speed: number;
  paused: boolean;
  phase: ApiPhase;
}

export interface WatchReplayResponse {
  match_id: string;
  host_token: string;
  replay: ReplayState;
}

export interface ReplayControl {
  speed?: number | null;
  paused?: boolean | null;
  seek?: number | null;
}

/** The client lobbyApi returns. */
export interface LobbyApi {
  /** Every game the server hosts, the default first. */
  listGames(): Promise<GameListing[]>;
  listMatches(): Promise<MatchSummary[]>;
  getMatch(id: string): Promise<MatchDetail>;
  createMatch(body: CreateMatchRequest): Promise<CreatedMatch>;
  /** A seat (player) or a place (spectator): a single-use token and the WebSocket URL. */
  join(id: string, name: string, role: ApiRole): Promise<JoinResponse>;
  start(id: string, hostToken: string): Promise<PhaseResponse>;
  end(id: string, hostToken: string): Promise<PhaseResponse>;
  kick(id: string, hostToken: string, playerId: number): Promise<{ kicked: number }>;
  addBots(id: string, hostToken: string, count: number): Promise<AddBotsResponse>;
  /** Finished matches, newest first (503 `unavailable` where the server keeps no history). */
  history(query?: HistoryQuery): Promise<HistoryPage>;
  historyEntry(id: string): Promise<HistoryEntry>;
  leaderboard(game?: string): Promise<Leaderboard>;
  watchReplay(historyId: string): Promise<WatchReplayResponse>;
  replayState(matchId: string): Promise<ReplayState>;
  controlReplay(matchId: string, hostToken: string, change: ReplayControl): Promise<ReplayState>;
  /** A game's wire schema (`GET /api/games/{name}/schema`): give it to `new Schema(json)`. */
  gameSchema(name: string): Promise<GameSchemaJson>;
}

/**
 * A lobby client. `base` is the URL prefix of the API: relative `api` by default (a page the
 * Arena server serves); from a page of your own, the server's absolute `http://HOST:PORT/api`.
 */
export declare function lobbyApi(base?: string, fetchImpl?: typeof fetch): LobbyApi;

/** `?game=&limit=&before=` with only the parameters given ('' for none). */
export declare function historyQuery(query?: HistoryQuery): string;

/** A replay control's body: only the fields being changed (`seek` a whole tick). */
export declare function replayControlBody(change?: ReplayControl): { speed?: number; paused?: boolean; seek?: number };

/** Where a tab keeps values per match (sessionStorage). */
export interface MatchStore {
  get(id: string): string | null;
}

/** Host tokens per match, in sessionStorage. */
export declare const hostTokens: MatchStore & { set(id: string, token: string): void };

/** A player's reconnect URL per match, in sessionStorage (null forgets it). A Session's `store`. */
export declare const reconnectUrls: MatchStore & { set(id: string, url: string | null): void };

/** The join answer's ws_url, made absolute against `pageUrl` (ws: / wss: as the page). */
export declare function resolveWsUrl(wsUrl: string, pageUrl: string | URL): string;
