//! Server configuration: one struct, [`Config`], that is also the command line. Every field is a
//! flag and an `ARENA_*` environment variable (clap's derive on the struct itself), with its
//! unit and default in its doc comment and the default value set once, in [`Config::default`].
//! `arena --help` (or a game's own binary built on [`crate::cli::main`]) lists them all; tests
//! and embedding programs build the struct directly.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::Args;

/// Every default, from [`Config::default`] (what the flags' `default_value_t` read).
fn defaults() -> Config {
    Config::default()
}

/// The default of `--database`: a SQLite file in the working directory, created on first run.
pub const DEFAULT_DATABASE: &str = "sqlite://arena.db";

/// Everything the server can be tuned with. Every field has a unit and a default, and is the
/// flag of the same name (`tick_hz` is `--tick-hz` and `ARENA_TICK_HZ`), but for the lists,
/// whose flags name one item (`allowed_origins` is `--allowed-origin`, repeatable), and
/// `database`, whose variable keeps its older name `ARENA_DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Args)]
pub struct Config {
    /// Address to listen on (port 0 picks a free port; the bound address is logged). Used by
    /// `arena::cli::main`; `arena::run` takes a listener already bound.
    #[arg(long, env = "ARENA_BIND", default_value_t = defaults().bind)]
    pub bind: SocketAddr,
    /// Tick rate of a match created without `tick_hz`, Hz (1..=128).
    #[arg(long, env = "ARENA_TICK_HZ", default_value_t = defaults().tick_hz,
          value_parser = clap::value_parser!(u8).range(1..=128))]
    pub tick_hz: u8,
    /// Largest client→server WebSocket message (after reassembling fragments), bytes.
    #[arg(long, env = "ARENA_MAX_MESSAGE_BYTES", default_value_t = defaults().max_message_bytes)]
    pub max_message_bytes: usize,
    /// Largest HTTP request body, bytes; larger bodies get 413.
    #[arg(long, env = "ARENA_MAX_BODY_BYTES", default_value_t = defaults().max_body_bytes)]
    pub max_body_bytes: usize,
    /// How often the server pings each WebSocket, ms.
    #[arg(long, env = "ARENA_HEARTBEAT_MS", default_value_t = defaults().heartbeat_ms)]
    pub heartbeat_ms: u64,
    /// A session that sends nothing (not even a pong) for this long is closed, ms.
    #[arg(long, env = "ARENA_CLIENT_TIMEOUT_MS", default_value_t = defaults().client_timeout_ms)]
    pub client_timeout_ms: u64,
    /// An unused join token expires after this long and its seat is freed, s (short: a client
    /// connects right after it joins, and a squatter holds a seat only briefly).
    #[arg(long, env = "ARENA_JOIN_TOKEN_TTL_S", default_value_t = defaults().join_token_ttl_s)]
    pub join_token_ttl_s: u64,
    /// A match that ended (by its rules, its host, or a shutdown) stays listed with its final
    /// scoreboard this long, s. An abandoned match (everybody left while it ran) goes at once.
    #[arg(long, env = "ARENA_ENDED_RETENTION_S", default_value_t = defaults().ended_retention_s)]
    pub ended_retention_s: u64,
    /// A match nobody is in (no session, no pending join) for this long is removed, s.
    #[arg(long, env = "ARENA_EMPTY_MATCH_TTL_S", default_value_t = defaults().empty_match_ttl_s)]
    pub empty_match_ttl_s: u64,
    /// Most matches at once; more gets 503.
    #[arg(long, env = "ARENA_MAX_MATCHES", default_value_t = defaults().max_matches)]
    pub max_matches: usize,
    /// Most spectators per match; more gets 409 (a match watched by thousands needs a higher cap).
    #[arg(long, env = "ARENA_MAX_SPECTATORS", default_value_t = defaults().max_spectators)]
    pub max_spectators: usize,
    /// Most WebSocket sessions at once, server-wide; more get 503.
    #[arg(long, env = "ARENA_MAX_CONNECTIONS", default_value_t = defaults().max_connections)]
    pub max_connections: usize,
    /// An origin (e.g. `https://game.example.com`) allowed to open WebSockets besides the
    /// server's own origin and localhost, and to call the lobby API from a page (CORS);
    /// repeatable, or comma-separated (default none). A request without Origin (not a browser)
    /// is allowed. See docs/security.md.
    #[arg(
        long = "allowed-origin",
        env = "ARENA_ALLOWED_ORIGINS",
        value_delimiter = ',',
        value_name = "ORIGIN"
    )]
    pub allowed_origins: Vec<String>,
    /// Client messages a session may send per second, as a multiple of the match's tick rate.
    /// Excess messages are dropped and counted.
    #[arg(long, env = "ARENA_INPUT_RATE_FACTOR", default_value_t = defaults().input_rate_factor)]
    pub input_rate_factor: u32,
    /// Consecutive seconds over the input rate after which a session is closed with 1008.
    #[arg(long, env = "ARENA_FLOOD_CLOSE_AFTER_S", default_value_t = defaults().flood_close_after_s)]
    pub flood_close_after_s: u32,
    /// A session that keeps missing snapshots (its socket cannot take them) for this long is
    /// closed with 4000 "slow", ms. Until then only the newest `max_queued_snapshots` wait for
    /// it: older ones are dropped, never queued.
    #[arg(long, env = "ARENA_SLOW_CLIENT_TIMEOUT_MS", default_value_t = defaults().slow_client_timeout_ms)]
    pub slow_client_timeout_ms: u64,
    /// Snapshots that may wait for one session before the oldest is dropped.
    #[arg(long, env = "ARENA_MAX_QUEUED_SNAPSHOTS", default_value_t = defaults().max_queued_snapshots)]
    pub max_queued_snapshots: usize,
    /// Every this many ticks every session gets a whole snapshot (a keyframe) instead of a
    /// delta (1 sends every snapshot whole). Joins, resumes, resync requests and sessions
    /// without a usable baseline get one at once in any case.
    #[arg(long, env = "ARENA_KEYFRAME_INTERVAL", default_value_t = defaults().keyframe_interval,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub keyframe_interval: u32,
    /// Every this many ticks a delta carries the checksum of the view it rebuilds, so a client
    /// that drifted notices and asks for a keyframe (0 never).
    #[arg(long, env = "ARENA_CHECKSUM_INTERVAL", default_value_t = defaults().checksum_interval)]
    pub checksum_interval: u32,
    /// Kernel send buffer of each accepted socket, bytes (default: the kernel's auto-tuning).
    /// Small values make a stalled reader visible sooner.
    #[arg(long, env = "ARENA_SOCKET_SEND_BUFFER_BYTES")]
    pub socket_send_buffer_bytes: Option<usize>,
    /// A dropped player's seat (position, health, score) is held this long for a reconnect with
    /// the player's reconnect token, s (0 frees the seat at once).
    #[arg(long, env = "ARENA_RECONNECT_GRACE_S", default_value_t = defaults().reconnect_grace_s)]
    pub reconnect_grace_s: u64,
    /// On SIGTERM / Ctrl-C the process exits within this long, s.
    #[arg(long, env = "ARENA_SHUTDOWN_DEADLINE_S", default_value_t = defaults().shutdown_deadline_s)]
    pub shutdown_deadline_s: u64,
    /// Where finished matches, leaderboards and replays are kept: `sqlite://FILE` (created on
    /// first run), `postgres://USER@HOST/DB`, or `none` (no history: its routes answer 503).
    #[arg(long, env = "ARENA_DATABASE_URL", value_name = "URL",
          default_value = DEFAULT_DATABASE, value_parser = parse_database)]
    // Written out in full so clap takes the value parser's `Option` as the value (`none` is a
    // value), instead of making the flag optional.
    pub database: std::option::Option<String>,
    /// Most bytes of one match's replay (its input log); past it the replay stops early
    /// (default 4 MiB: about 25 minutes of 16 players sending an input every tick).
    #[arg(long, env = "ARENA_MAX_REPLAY_BYTES", default_value_t = defaults().max_replay_bytes)]
    pub max_replay_bytes: usize,
    /// Dedicated threads for match actors (0: matches run on the HTTP worker threads, round
    /// robin, beside the sessions, which saves a cross-thread wakeup per snapshot).
    #[arg(long, env = "ARENA_MATCH_THREADS", default_value_t = defaults().match_threads)]
    pub match_threads: usize,
    /// HTTP/WebSocket worker threads that run the HTTP handlers and the session actors (0: one
    /// per CPU).
    #[arg(long, env = "ARENA_WORKERS", default_value_t = defaults().workers)]
    pub workers: usize,
    /// Join a cluster of nodes sharing this Redis, e.g. `redis://127.0.0.1:6379` (default
    /// none: one node, no Redis). See docs/cluster.md.
    #[arg(long, env = "ARENA_REDIS_URL", value_name = "URL")]
    pub redis_url: Option<String>,
    /// The address clients and the other nodes reach this node at, e.g.
    /// `http://10.0.0.5:8080` (default: `http://` and the bound address).
    #[arg(long, env = "ARENA_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// How often a cluster member refreshes its keys in Redis, ms.
    #[arg(long, env = "ARENA_CLUSTER_HEARTBEAT_MS", default_value_t = defaults().cluster_heartbeat_ms)]
    pub cluster_heartbeat_ms: u64,
    /// How long a cluster member's keys live without a refresh, ms: a node that stops
    /// refreshing (killed, frozen, cut off) leaves every listing this long after its last beat.
    #[arg(long, env = "ARENA_CLUSTER_TTL_MS", default_value_t = defaults().cluster_ttl_ms)]
    pub cluster_ttl_ms: u64,
    /// Per-client limits on the lobby API (rates, unredeemed joins), by client address: `on`,
    /// or `off` for load tests from one address. See docs/security.md.
    #[arg(long, env = "ARENA_CLIENT_LIMITS", value_name = "on|off", action = clap::ArgAction::Set,
          default_value_t = defaults().client_limits, value_parser = BoolishValueParser::new())]
    pub client_limits: bool,
    /// A reverse proxy (or, in a cluster, another node) whose `X-Forwarded-For` names the
    /// client; repeatable, or comma-separated (default none: the peer address is the client).
    #[arg(
        long = "trusted-proxy",
        env = "ARENA_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_name = "IP"
    )]
    pub trusted_proxies: Vec<IpAddr>,
    /// API requests per second one client may make (burst: twice as many).
    #[arg(long, env = "ARENA_CLIENT_REQUESTS_PER_S", default_value_t = defaults().client_requests_per_s)]
    pub client_requests_per_s: u32,
    /// Matches (and replay matches) one client may create per minute (also the burst).
    #[arg(long, env = "ARENA_CLIENT_CREATIONS_PER_MIN", default_value_t = defaults().client_creations_per_min)]
    pub client_creations_per_min: u32,
    /// Joins one client may make per minute (burst: half as many).
    #[arg(long, env = "ARENA_CLIENT_JOINS_PER_MIN", default_value_t = defaults().client_joins_per_min)]
    pub client_joins_per_min: u32,
    /// Join tokens one client may hold unredeemed at once, over every match.
    #[arg(long, env = "ARENA_CLIENT_PENDING_JOINS", default_value_t = defaults().client_pending_joins)]
    pub client_pending_joins: usize,
    /// Join tokens one client may hold unredeemed in one match.
    #[arg(long, env = "ARENA_CLIENT_PENDING_JOINS_PER_MATCH",
          default_value_t = defaults().client_pending_joins_per_match)]
    pub client_pending_joins_per_match: usize,
    /// A match nobody ever connected to is removed after this long, s (a match that was
    /// played waits `empty_match_ttl_s`).
    #[arg(long, env = "ARENA_UNJOINED_MATCH_TTL_S", default_value_t = defaults().unjoined_match_ttl_s)]
    pub unjoined_match_ttl_s: u64,
    /// With a key, creating matches, watching replays and adding bots need it in the
    /// `Arena-Api-Key` header: a studio's backend creates, players only join (default none; an
    /// empty value is none).
    #[arg(long, env = "ARENA_HOST_API_KEY", hide_env_values = true, value_parser = parse_key,
          default_value = "", hide_default_value = true)]
    pub host_api_key: std::option::Option<String>,
    /// Serve game NAME's browser folder from DIR instead of the copy embedded in its crate:
    /// edit the page and reload, no rebuild (development; repeatable).
    #[arg(long = "game-web", env = "ARENA_GAME_WEB", value_delimiter = ',',
          value_name = "NAME=DIR", value_parser = parse_game_web)]
    pub game_web: Vec<(String, PathBuf)>,
}

/// `none` (or nothing) is no database.
fn parse_database(s: &str) -> Result<Option<String>, String> {
    let s = s.trim();
    Ok((!s.is_empty() && s != "none").then(|| s.to_owned()))
}

/// An empty key is no key.
fn parse_key(s: &str) -> Result<Option<String>, String> {
    Ok((!s.is_empty()).then(|| s.to_owned()))
}

/// `NAME=DIR`, DIR an existing folder.
fn parse_game_web(s: &str) -> Result<(String, PathBuf), String> {
    let (name, dir) = s
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=DIR, got {s:?}"))?;
    let dir = PathBuf::from(dir);
    if !dir.is_dir() {
        return Err(format!("{} is not a folder", dir.display()));
    }
    Ok((name.trim().to_owned(), dir))
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            tick_hz: arena_game::api::DEFAULT_TICK_HZ,
            max_message_bytes: 4096,
            max_body_bytes: 16 * 1024,
            heartbeat_ms: 5_000,
            client_timeout_ms: 15_000,
            join_token_ttl_s: 10,
            ended_retention_s: 60,
            empty_match_ttl_s: 300,
            max_matches: 1_000,
            max_spectators: 256,
            max_connections: 20_000,
            allowed_origins: Vec::new(),
            input_rate_factor: 2,
            flood_close_after_s: 3,
            shutdown_deadline_s: 10,
            reconnect_grace_s: 15,
            slow_client_timeout_ms: 5_000,
            socket_send_buffer_bytes: None,
            max_queued_snapshots: 4,
            keyframe_interval: 100,
            checksum_interval: 20,
            database: Some(DEFAULT_DATABASE.to_owned()),
            max_replay_bytes: 4 * 1024 * 1024,
            match_threads: 0,
            workers: 0,
            redis_url: None,
            public_url: None,
            cluster_heartbeat_ms: 1_000,
            cluster_ttl_ms: 5_000,
            client_limits: true,
            trusted_proxies: Vec::new(),
            client_requests_per_s: 20,
            client_creations_per_min: 10,
            client_joins_per_min: 60,
            client_pending_joins: 8,
            client_pending_joins_per_match: 2,
            unjoined_match_ttl_s: 60,
            host_api_key: None,
            game_web: Vec::new(),
        }
    }
}

impl Config {
    /// [`Config::heartbeat_ms`] as a duration.
    pub fn heartbeat_interval(&self) -> Duration {
        Duration::from_millis(self.heartbeat_ms)
    }

    /// [`Config::client_timeout_ms`] as a duration.
    pub fn client_timeout(&self) -> Duration {
        Duration::from_millis(self.client_timeout_ms)
    }

    /// [`Config::workers`] with 0 resolved to the number of CPUs.
    pub fn worker_threads(&self) -> usize {
        match self.workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        config: Config,
    }

    fn parse(args: &[&str]) -> Result<Config, clap::Error> {
        Cli::try_parse_from(std::iter::once("arena").chain(args.iter().copied())).map(|c| c.config)
    }

    /// No flags (and none of their ARENA_* variables) give exactly `Config::default()`: the
    /// flags' defaults are the struct's, not a second copy.
    #[test]
    fn no_flags_is_the_default() {
        use clap::CommandFactory;
        let command = Cli::command();
        let set: Vec<_> = command
            .get_arguments()
            .filter_map(|a| a.get_env())
            .filter(|env| std::env::var_os(env).is_some())
            .collect();
        assert!(set.is_empty(), "unset {set:?} to run this test");
        assert_eq!(parse(&[]).unwrap(), Config::default());
    }

    /// Each kind of flag parses to its field: numbers, on/off, lists, none, NAME=DIR.
    #[test]
    fn flags_set_their_fields() {
        let c = parse(&[
            "--tick-hz",
            "30",
            "--client-limits",
            "off",
            "--allowed-origin",
            "http://a.example,http://b.example",
            "--trusted-proxy",
            "10.0.0.1",
            "--database",
            "none",
            "--host-api-key",
            "",
            "--game-web",
            &format!("some-game={}", env!("CARGO_MANIFEST_DIR")),
            "--workers",
            "3",
        ])
        .unwrap();
        assert_eq!(c.tick_hz, 30);
        assert!(!c.client_limits);
        assert_eq!(c.allowed_origins, ["http://a.example", "http://b.example"]);
        assert_eq!(c.trusted_proxies, [IpAddr::from([10, 0, 0, 1])]);
        assert_eq!(c.database, None);
        assert_eq!(c.host_api_key, None);
        assert_eq!(c.game_web[0].0, "some-game");
        assert_eq!(c.worker_threads(), 3);
        assert!(parse(&["--client-limits", "maybe"]).is_err());
        assert!(parse(&["--tick-hz", "0"]).is_err());
        assert!(parse(&["--game-web", "some-game"]).is_err());
        assert_eq!(
            parse(&["--database", "postgres://u@h/db"])
                .unwrap()
                .database
                .as_deref(),
            Some("postgres://u@h/db")
        );
    }
}
