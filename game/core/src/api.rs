//! JSON bodies of the HTTP lobby API (docs/api.md), shared by the server and the bots so both
//! sides compile the same shapes.

use serde::{Deserialize, Serialize};

use serde_json::{Map, Value};

use crate::protocol::{EndReason, Phase, PlayerId, Role, ScoreLine};

/// Default snapshot rate of a new match, Hz.
pub const DEFAULT_TICK_HZ: u8 = 20;

/// `POST /api/matches` body. Everything but `name` is optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateMatchRequest {
    /// Display name, 1..=32 bytes.
    pub name: String,
    /// The game's registry name (default: the server's first game, `deathmatch`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub game: Option<String>,
    /// Player seats, within the game's bounds (default: the game's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_players: Option<u8>,
    /// Ticks per second, 1..=128 (default: the server's, 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tick_hz: Option<u8>,
    /// The game's settings (see `GET /api/games`); missing ones take their defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<Map<String, Value>>,
}

/// `POST /api/matches` answer (201).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreatedMatch {
    /// The match id used in every other route.
    pub id: String,
    /// Bearer token for start/end/kick; shown once.
    pub host_token: String,
    /// The match as listed.
    #[serde(rename = "match")]
    pub summary: MatchSummary,
}

/// One entry of `GET /api/matches`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MatchSummary {
    /// Match id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The game's registry name.
    pub game: String,
    /// Phase.
    pub phase: ApiPhase,
    /// Seated players (connected, holding a join token, or held for a reconnect).
    pub players: u32,
    /// Connected spectators.
    pub spectators: u32,
    /// Player seats.
    pub max_players: u8,
    /// Ticks per second.
    pub tick_hz: u8,
    /// The game's settings, every default filled in.
    pub settings: Map<String, Value>,
    /// For a replay being watched: the id of the finished match it replays (`None`: a live
    /// match). Bots and tests that predate it read a summary without the field.
    #[serde(default)]
    pub replay_of: Option<String>,
}

/// `GET /api/matches/{id}`: the summary plus scoreboard.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MatchDetail {
    /// As listed.
    #[serde(flatten)]
    pub summary: MatchSummary,
    /// Why it ended, once ended.
    pub end_reason: Option<ApiEndReason>,
    /// Names of the game's own columns in each line's `stats`.
    pub score_columns: Vec<String>,
    /// Best first.
    pub scoreboard: Vec<ApiScore>,
}

/// A scoreboard line in JSON: the generic [`ScoreLine`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ApiScore {
    /// Seat.
    pub id: PlayerId,
    /// Name.
    pub name: String,
    /// Team, in games with teams.
    pub team: Option<u8>,
    /// What the board is sorted by.
    pub score: i32,
    /// The game's columns, in the order of `score_columns`.
    pub stats: Vec<i32>,
}

impl From<&ScoreLine> for ApiScore {
    fn from(e: &ScoreLine) -> Self {
        Self {
            id: e.id,
            name: e.name.clone(),
            team: e.team,
            score: e.score,
            stats: e.stats.clone(),
        }
    }
}

/// `POST /api/matches/{id}/join` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinRequest {
    /// Display name, 1..=32 bytes.
    pub name: String,
    /// `"player"` or `"spectator"`.
    pub role: ApiRole,
}

/// One game of `GET /api/games`: the game's own [`crate::GameInfo`] (its fields at the top
/// level), and what the server adds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GameListing {
    /// Name, title, seats, settings, score columns.
    #[serde(flatten)]
    pub info: crate::game::GameInfo,
    /// Whether the game has a bot policy ("Add bots", `arena-bots`).
    pub bots: bool,
    /// The URL path of its browser module (`/games/<name>/index.js`), or null when the game
    /// ships no browser folder.
    pub module: Option<String>,
    /// The URL path of its wire schema (`/api/games/<name>/schema`, docs/protocol.md part E).
    pub schema: String,
}

/// `GET /api/games`: every game the server hosts.
pub type GamesResponse = Vec<GameListing>;

/// `POST /api/matches/{id}/join` answer (200).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JoinResponse {
    /// One-use join token (also inside `ws_url`).
    pub token: String,
    /// The full `ws://` URL to open with subprotocol `arena.v3`.
    pub ws_url: String,
    /// Match id.
    pub match_id: String,
    /// The role granted.
    pub role: ApiRole,
    /// The seat, for players.
    pub player_id: Option<PlayerId>,
    /// Players only: reopens this seat after a dropped connection, during the grace period
    /// (and replaces a connection that is still open). Keep it secret.
    #[serde(default)]
    pub reconnect_token: Option<String>,
    /// Players only: the `ws://` URL to open to reconnect (carries `reconnect_token`); `null`
    /// for a spectator, who simply joins again.
    #[serde(default)]
    pub reconnect_url: Option<String>,
}

/// `POST /api/matches/{id}/kick` body (host only).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KickRequest {
    /// The seat to free.
    pub player_id: PlayerId,
}

/// `POST /api/matches/{id}/bots` body: how many bots the host adds to its waiting match.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddBotsRequest {
    /// 1 to the number of free seats.
    pub count: u8,
}

/// One bot added.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AddedBot {
    /// Its seat.
    pub id: PlayerId,
    /// Its name ("Bot 4" for seat 3).
    pub name: String,
}

/// `POST /api/matches/{id}/bots` answer (200).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddBotsResponse {
    /// The bots, by seat.
    pub added: Vec<AddedBot>,
    /// `running` when the bots filled the match, which then starts.
    pub phase: ApiPhase,
}

/// `POST /api/matches/{id}/start` and `/end` answer (200).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PhaseResponse {
    /// Match id.
    pub id: String,
    /// Phase after the call.
    pub phase: ApiPhase,
}

/// Every 4xx/5xx body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiError {
    /// Machine-readable code, e.g. `not_found`.
    pub error: String,
    /// Human-readable explanation.
    pub message: String,
}

/// Phase in JSON: `"waiting" | "running" | "ended"`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ApiPhase {
    /// See [`Phase::Waiting`].
    Waiting,
    /// See [`Phase::Running`].
    Running,
    /// See [`Phase::Ended`].
    Ended,
}

impl From<Phase> for ApiPhase {
    fn from(p: Phase) -> Self {
        match p {
            Phase::Waiting => Self::Waiting,
            Phase::Running => Self::Running,
            Phase::Ended => Self::Ended,
        }
    }
}

/// Role in JSON: `"player" | "spectator"`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ApiRole {
    /// See [`Role::Player`].
    Player,
    /// See [`Role::Spectator`].
    Spectator,
}

impl From<ApiRole> for Role {
    fn from(r: ApiRole) -> Self {
        match r {
            ApiRole::Player => Role::Player,
            ApiRole::Spectator => Role::Spectator,
        }
    }
}

/// End reason in JSON: `"time_limit" | "score_limit" | "host" | "shutdown" | "abandoned"`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ApiEndReason {
    /// See [`EndReason::TimeLimit`].
    TimeLimit,
    /// See [`EndReason::ScoreLimit`].
    ScoreLimit,
    /// See [`EndReason::Host`].
    Host,
    /// See [`EndReason::Shutdown`].
    Shutdown,
    /// See [`EndReason::Abandoned`].
    Abandoned,
}

impl ApiEndReason {
    /// The JSON name: `time_limit`, `score_limit`, `host`, `shutdown`, `abandoned`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TimeLimit => "time_limit",
            Self::ScoreLimit => "score_limit",
            Self::Host => "host",
            Self::Shutdown => "shutdown",
            Self::Abandoned => "abandoned",
        }
    }
}

impl From<EndReason> for ApiEndReason {
    fn from(r: EndReason) -> Self {
        match r {
            EndReason::TimeLimit => Self::TimeLimit,
            EndReason::ScoreLimit => Self::ScoreLimit,
            EndReason::Host => Self::Host,
            EndReason::Shutdown => Self::Shutdown,
            EndReason::Abandoned => Self::Abandoned,
        }
    }
}

/// One player's line of a finished match (`GET /api/history`, `/api/history/{id}`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct HistoryPlayer {
    /// Seat.
    pub id: PlayerId,
    /// 1 for the best line.
    pub place: u32,
    /// Name.
    pub name: String,
    /// Team, in games with teams.
    pub team: Option<u8>,
    /// What the board is sorted by.
    pub score: i32,
    /// The game's columns, in the order of `score_columns`.
    pub stats: Vec<i32>,
    /// A bot the server ran.
    pub bot: bool,
}

/// A finished match, as the history keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The match's id (as it had while live).
    pub id: String,
    /// Game name.
    pub game: String,
    /// Display name.
    pub name: String,
    /// Ticks per second.
    pub tick_hz: u8,
    /// Seats.
    pub max_players: u8,
    /// Unix ms.
    pub created_at_ms: i64,
    /// Unix ms, when it started running.
    pub started_at_ms: Option<i64>,
    /// Unix ms.
    pub ended_at_ms: i64,
    /// `time_limit`, `score_limit`, `host` or `shutdown`.
    pub end_reason: String,
    /// Names of the game's columns in each line's `stats`.
    pub score_columns: Vec<String>,
    /// Best first.
    pub players: Vec<HistoryPlayer>,
    /// Size of the replay (`GET /api/history/{id}/replay`), bytes.
    pub replay_bytes: u64,
    /// Ticks the replay covers.
    pub replay_ticks: u64,
    /// False when the recording stopped at its size limit before the end.
    pub replay_complete: bool,
}

/// `GET /api/history` answer (200): newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HistoryPage {
    /// At most `limit` matches.
    pub matches: Vec<HistoryEntry>,
    /// Pass as `before` for the next page; absent on the last one.
    pub next_before: Option<i64>,
}

/// One name's totals in one game (`GET /api/leaderboard`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LeaderboardEntry {
    /// The player's name.
    pub name: String,
    /// Finished matches played.
    pub played: u64,
    /// Matches finished first.
    pub wins: u64,
    /// Total score.
    pub score: i64,
}

/// `GET /api/leaderboard?game=` answer (200).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Leaderboard {
    /// The game.
    pub game: String,
    /// Wins first, then score.
    pub entries: Vec<LeaderboardEntry>,
}

/// Slowest replay speed.
pub const MIN_REPLAY_SPEED: f64 = 0.5;
/// Fastest replay speed.
pub const MAX_REPLAY_SPEED: f64 = 8.0;

/// Where a replay being watched stands (`GET /api/matches/{id}/replay`, and the answer of every
/// control).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayState {
    /// The finished match it replays (its history id).
    pub of: String,
    /// The position: ticks played, 0 to `ticks`.
    pub tick: u64,
    /// The replay's length in ticks.
    pub ticks: u64,
    /// Ticks per second of the recorded match (`tick / tick_hz` is the position in seconds).
    pub tick_hz: u8,
    /// Recorded ticks played per tick of real time, [`MIN_REPLAY_SPEED`] to
    /// [`MAX_REPLAY_SPEED`].
    pub speed: f64,
    /// Paused: by a control, or by reaching the end.
    pub paused: bool,
    /// The recorded match's phase at the position.
    pub phase: ApiPhase,
}

/// `POST /api/matches/{id}/replay` body: any of the three; what is left out stays.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayControlRequest {
    /// New speed, [`MIN_REPLAY_SPEED`] to [`MAX_REPLAY_SPEED`].
    #[serde(default)]
    pub speed: Option<f64>,
    /// Pause (`true`) or play (`false`; at the end: from the start).
    #[serde(default)]
    pub paused: Option<bool>,
    /// Move to this tick, 0 to `ticks`.
    #[serde(default)]
    pub seek: Option<u64>,
}

/// `POST /api/history/{id}/watch` answer (201): a replay match to join as a spectator.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WatchReplayResponse {
    /// The replay match: join it as a spectator (`POST /api/matches/{id}/join`).
    pub match_id: String,
    /// Controls it (`Authorization: Bearer` on `POST /api/matches/{id}/replay`).
    pub host_token: String,
    /// Where it stands: tick 0, speed 1, playing once somebody watches.
    pub replay: ReplayState,
}
