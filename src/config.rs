//! Server configuration: one struct with documented defaults. Parsed from flags and environment
//! variables only in `main.rs`; tests build it directly.

use std::time::Duration;

/// Everything the server can be tuned with. Every field has a unit and a default.
#[derive(Debug, Clone)]
pub struct Config {
    /// Tick rate of a match created without `tick_hz`, Hz (default 20, range 1..=128).
    pub default_tick_hz: u8,
    /// Largest client→server WebSocket message (after reassembling fragments), bytes (default 4096).
    pub max_client_message_bytes: usize,
    /// Largest HTTP request body, bytes (default 16 KiB). Larger bodies get 413.
    pub max_body_bytes: usize,
    /// How often the server pings each WebSocket, ms (default 5000).
    pub heartbeat_interval_ms: u64,
    /// A session that sends nothing (not even a pong) for this long is closed, ms (default 15000).
    pub client_timeout_ms: u64,
    /// An unused join token expires after this long and its seat is freed, s (default 10: a
    /// client connects right after it joins, and a squatter holds a seat only briefly).
    pub join_token_ttl_s: u64,
    /// An ended match stays listed with its final scoreboard this long, s (default 60).
    pub ended_retention_s: u64,
    /// A match nobody is in (no session, no pending join) for this long is removed, s (default 300).
    pub empty_match_ttl_s: u64,
    /// Most matches at once (default 1000); more gets 503.
    pub max_matches: usize,
    /// Most spectators per match (default 256); more gets 409.
    pub max_spectators_per_match: usize,
    /// Most WebSocket sessions at once, server-wide (default 20000); more get 503.
    pub max_connections: usize,
    /// Origins (e.g. `https://game.example.com`) allowed to open a WebSocket besides the
    /// server's own origin and localhost (default none). A request without Origin (not a
    /// browser) is allowed.
    pub allowed_origins: Vec<String>,
    /// Client messages a session may send per second, as a multiple of the match's tick rate
    /// (default 2). Excess messages are dropped and counted.
    pub input_rate_factor: u32,
    /// Consecutive seconds over the rate limit after which a session is closed with 1008
    /// (default 3).
    pub flood_close_after_s: u32,
    /// A session that keeps missing snapshots (its socket cannot take them) for this long is
    /// closed with 4000 "slow", ms (default 5000). Until then only the newest
    /// `max_queued_snapshots` wait for it: older ones are dropped, never queued.
    pub slow_client_timeout_ms: u64,
    /// Snapshots that may wait for one session before the oldest is dropped (default 4).
    pub max_queued_snapshots: usize,
    /// Every this many ticks every session gets a whole snapshot (a keyframe) instead of a
    /// delta (default 100: every 5 s at 20 Hz; 1 sends every snapshot whole). Joins, resumes,
    /// resync requests and sessions without a usable baseline get one at once in any case.
    pub keyframe_interval: u32,
    /// Every this many ticks a delta carries the checksum of the view it rebuilds, so a client
    /// that drifted notices and asks for a keyframe (default 20; 0 never).
    pub checksum_interval: u32,
    /// Kernel send buffer of each accepted socket, bytes (default: the kernel's auto-tuning).
    /// Small values make a stalled reader visible sooner.
    pub socket_send_buffer_bytes: Option<usize>,
    /// A dropped player's seat (position, health, score) is held this long for a reconnect with
    /// the player's reconnect token, s (default 15; 0 frees the seat at once).
    pub reconnect_grace_s: u64,
    /// On SIGTERM / Ctrl-C the process exits within this long, s (default 10).
    pub shutdown_deadline_s: u64,
    /// Where finished matches, leaderboards and replays are kept: `sqlite://FILE` or
    /// `postgres://…` (default none here; the `arena` binary defaults to `sqlite://arena.db`).
    pub database_url: Option<String>,
    /// Most bytes of one match's replay (its input log); past it the replay stops early
    /// (default 4 MiB: about 25 minutes of 16 players sending an input every tick).
    pub max_replay_bytes: usize,
    /// Dedicated threads for match actors (default 0: matches run on the HTTP worker threads,
    /// round robin, beside the sessions, which saves a cross-thread wakeup per snapshot).
    pub match_threads: usize,
    /// actix-web worker threads that run HTTP and session actors (default: number of CPUs).
    pub http_workers: usize,
    /// A cluster member: the Redis every node of the cluster shares (default none: one node,
    /// no Redis). See docs/cluster.md.
    pub redis_url: Option<String>,
    /// The address clients and the other nodes reach this node at, e.g. `http://10.0.0.5:8080`
    /// (default: `http://` and the bound address).
    pub public_url: Option<String>,
    /// How often a cluster member refreshes its keys in Redis, ms (default 1000).
    pub cluster_heartbeat_ms: u64,
    /// How long its keys live without a refresh, ms (default 5000): a node that stops refreshing
    /// (killed, frozen, cut off) leaves every listing this long after its last heartbeat.
    pub cluster_ttl_ms: u64,
    /// Per-client limits on the lobby API (rates, unredeemed joins), by peer address (default
    /// on, loopback included; load tests turn them off). See docs/security.md.
    pub client_limits: bool,
    /// Reverse proxies (and, in a cluster, the other nodes) whose `X-Forwarded-For` names the
    /// client (default none: the peer address is the client).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// API requests per second one client may make (burst: twice as many; default 20).
    pub client_requests_per_s: u32,
    /// Matches (and replay matches) one client may create per minute (also the burst; default 10).
    pub client_creations_per_min: u32,
    /// Joins one client may make per minute (burst: half as many; default 60).
    pub client_joins_per_min: u32,
    /// Join tokens one client may hold unredeemed at once, over every match (default 8).
    pub client_pending_joins: usize,
    /// Join tokens one client may hold unredeemed in one match (default 2).
    pub client_pending_joins_per_match: usize,
    /// A match nobody ever connected to is removed after this long, s (default 60; a match
    /// that was played waits `empty_match_ttl_s`).
    pub unjoined_match_ttl_s: u64,
    /// With a key, creating matches, watching replays and adding bots need it in the
    /// `Arena-Api-Key` header: a studio's backend creates, players only join (default none).
    pub host_api_key: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            default_tick_hz: arena_game::api::DEFAULT_TICK_HZ,
            max_client_message_bytes: 4096,
            max_body_bytes: 16 * 1024,
            heartbeat_interval_ms: 5_000,
            client_timeout_ms: 15_000,
            join_token_ttl_s: 10,
            ended_retention_s: 60,
            empty_match_ttl_s: 300,
            max_matches: 1_000,
            max_spectators_per_match: 256,
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
            database_url: None,
            max_replay_bytes: 4 * 1024 * 1024,
            match_threads: 0,
            http_workers: cpus,
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
        }
    }
}

impl Config {
    /// [`Config::heartbeat_interval_ms`] as a duration.
    pub fn heartbeat_interval(&self) -> Duration {
        Duration::from_millis(self.heartbeat_interval_ms)
    }

    /// [`Config::client_timeout_ms`] as a duration.
    pub fn client_timeout(&self) -> Duration {
        Duration::from_millis(self.client_timeout_ms)
    }
}
