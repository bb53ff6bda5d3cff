//! `arena`: parses flags and environment, sets up logging, and runs the server.

use std::net::{SocketAddr, TcpListener};

use arena::Config;
use clap::Parser;

/// Default address: loopback, port 8080.
const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// Every other default comes from [`Config::default`], the one place they are set.
fn defaults() -> Config {
    Config::default()
}

/// Arena realtime game state server, hosting the built-in games (deathmatch, ctf). Every flag
/// can also be set by the environment variable shown. Logging: RUST_LOG (default "info").
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    /// Address to listen on (port 0 picks a free port; the bound address is logged).
    #[arg(long, env = "ARENA_BIND", default_value = DEFAULT_BIND)]
    bind: SocketAddr,
    /// Tick rate of matches created without one, Hz (1..=128).
    #[arg(long, env = "ARENA_TICK_HZ", default_value_t = defaults().default_tick_hz, value_parser = clap::value_parser!(u8).range(1..=128))]
    tick_hz: u8,
    /// Largest client WebSocket message, bytes.
    #[arg(long, env = "ARENA_MAX_MESSAGE_BYTES", default_value_t = defaults().max_client_message_bytes)]
    max_message_bytes: usize,
    /// Largest HTTP request body, bytes.
    #[arg(long, env = "ARENA_MAX_BODY_BYTES", default_value_t = defaults().max_body_bytes)]
    max_body_bytes: usize,
    /// Most matches at once.
    #[arg(long, env = "ARENA_MAX_MATCHES", default_value_t = defaults().max_matches)]
    max_matches: usize,
    /// Most WebSocket sessions at once.
    #[arg(long, env = "ARENA_MAX_CONNECTIONS", default_value_t = defaults().max_connections)]
    max_connections: usize,
    /// Most spectators per match (a match watched by thousands needs a higher cap).
    #[arg(long, env = "ARENA_MAX_SPECTATORS", default_value_t = defaults().max_spectators_per_match)]
    max_spectators: usize,
    /// Extra origin allowed to open WebSockets (repeatable; own origin and localhost always are).
    #[arg(
        long = "allowed-origin",
        env = "ARENA_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    allowed_origins: Vec<String>,
    /// Client messages per second a session may send, as a multiple of the tick rate.
    #[arg(long, env = "ARENA_INPUT_RATE_FACTOR", default_value_t = defaults().input_rate_factor)]
    input_rate_factor: u32,
    /// Heartbeat ping interval, ms.
    #[arg(long, env = "ARENA_HEARTBEAT_MS", default_value_t = defaults().heartbeat_interval_ms)]
    heartbeat_ms: u64,
    /// Close a silent session after this long, ms.
    #[arg(long, env = "ARENA_CLIENT_TIMEOUT_MS", default_value_t = defaults().client_timeout_ms)]
    client_timeout_ms: u64,
    /// Unused join tokens expire after this long, s.
    #[arg(long, env = "ARENA_JOIN_TOKEN_TTL_S", default_value_t = defaults().join_token_ttl_s)]
    join_token_ttl_s: u64,
    /// Ended matches stay listed this long, s.
    #[arg(long, env = "ARENA_ENDED_RETENTION_S", default_value_t = defaults().ended_retention_s)]
    ended_retention_s: u64,
    /// Matches nobody is in are removed after this long, s.
    #[arg(long, env = "ARENA_EMPTY_MATCH_TTL_S", default_value_t = defaults().empty_match_ttl_s)]
    empty_match_ttl_s: u64,
    /// Close a session that cannot take snapshots for this long with 4000 "slow", ms.
    #[arg(long, env = "ARENA_SLOW_CLIENT_TIMEOUT_MS", default_value_t = defaults().slow_client_timeout_ms)]
    slow_client_timeout_ms: u64,
    /// Hold a dropped player's seat this long for a reconnect, s (0 = free it at once).
    #[arg(long, env = "ARENA_RECONNECT_GRACE_S", default_value_t = defaults().reconnect_grace_s)]
    reconnect_grace_s: u64,
    /// Kernel send buffer per socket, bytes (default: the kernel's auto-tuning). Small values
    /// make a stalled reader visible sooner.
    #[arg(long, env = "ARENA_SOCKET_SEND_BUFFER_BYTES")]
    socket_send_buffer_bytes: Option<usize>,
    /// Snapshots that may wait for one session before the oldest is dropped.
    #[arg(long, env = "ARENA_MAX_QUEUED_SNAPSHOTS", default_value_t = defaults().max_queued_snapshots)]
    max_queued_snapshots: usize,
    /// Every this many ticks, send every session a whole snapshot (1 = never send deltas).
    #[arg(long, env = "ARENA_KEYFRAME_INTERVAL", default_value_t = defaults().keyframe_interval,
          value_parser = clap::value_parser!(u32).range(1..))]
    keyframe_interval: u32,
    /// Every this many ticks, a delta carries the checksum of the view it rebuilds (0 = never).
    #[arg(long, env = "ARENA_CHECKSUM_INTERVAL", default_value_t = defaults().checksum_interval)]
    checksum_interval: u32,
    /// History database: `sqlite://FILE` (created on first run) or `postgres://USER@HOST/DB`.
    #[arg(
        long = "database",
        env = "ARENA_DATABASE_URL",
        default_value = "sqlite://arena.db"
    )]
    database_url: String,
    /// Most bytes of one match's replay; past it the replay stops early.
    #[arg(long, env = "ARENA_MAX_REPLAY_BYTES", default_value_t = defaults().max_replay_bytes)]
    max_replay_bytes: usize,
    /// On SIGTERM / Ctrl-C, exit within this many seconds.
    #[arg(long, env = "ARENA_SHUTDOWN_DEADLINE_S", default_value_t = defaults().shutdown_deadline_s)]
    shutdown_deadline_s: u64,
    /// Dedicated threads for match actors (0 = run matches on the HTTP worker threads).
    #[arg(long, env = "ARENA_MATCH_THREADS", default_value_t = defaults().match_threads)]
    match_threads: usize,
    /// HTTP/WebSocket worker threads (0 = one per CPU).
    #[arg(long, env = "ARENA_WORKERS", default_value_t = 0)]
    workers: usize,
    /// Join a cluster of nodes sharing this Redis, e.g. `redis://127.0.0.1:6379` (docs/cluster.md).
    #[arg(long, env = "ARENA_REDIS_URL")]
    redis_url: Option<String>,
    /// The address clients and other nodes reach this node at (default: http:// and the bound
    /// address).
    #[arg(long, env = "ARENA_PUBLIC_URL")]
    public_url: Option<String>,
    /// A cluster member refreshes its keys in Redis this often, ms.
    #[arg(long, env = "ARENA_CLUSTER_HEARTBEAT_MS", default_value_t = defaults().cluster_heartbeat_ms)]
    cluster_heartbeat_ms: u64,
    /// A cluster member's keys expire this long after its last refresh, ms.
    #[arg(long, env = "ARENA_CLUSTER_TTL_MS", default_value_t = defaults().cluster_ttl_ms)]
    cluster_ttl_ms: u64,
    /// Per-client limits on the lobby API: `on`, or `off` for load tests from one address.
    #[arg(long, env = "ARENA_CLIENT_LIMITS", default_value = "on", value_parser = ["on", "off"])]
    client_limits: String,
    /// A reverse proxy (or, in a cluster, another node) whose X-Forwarded-For names the client
    /// (repeatable).
    #[arg(
        long = "trusted-proxy",
        env = "ARENA_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// API requests per second one client may make.
    #[arg(long, env = "ARENA_CLIENT_REQUESTS_PER_S", default_value_t = defaults().client_requests_per_s)]
    client_requests_per_s: u32,
    /// Matches one client may create per minute.
    #[arg(long, env = "ARENA_CLIENT_CREATIONS_PER_MIN", default_value_t = defaults().client_creations_per_min)]
    client_creations_per_min: u32,
    /// Joins one client may make per minute.
    #[arg(long, env = "ARENA_CLIENT_JOINS_PER_MIN", default_value_t = defaults().client_joins_per_min)]
    client_joins_per_min: u32,
    /// Join tokens one client may hold unredeemed at once.
    #[arg(long, env = "ARENA_CLIENT_PENDING_JOINS", default_value_t = defaults().client_pending_joins)]
    client_pending_joins: usize,
    /// A match nobody ever connected to is removed after this long, s.
    #[arg(long, env = "ARENA_UNJOINED_MATCH_TTL_S", default_value_t = defaults().unjoined_match_ttl_s)]
    unjoined_match_ttl_s: u64,
    /// Creating matches, watching replays and adding bots need this key (header Arena-Api-Key).
    #[arg(long, env = "ARENA_HOST_API_KEY", hide_env_values = true)]
    host_api_key: Option<String>,
}

impl Cli {
    fn config(&self) -> Config {
        let defaults = Config::default();
        Config {
            default_tick_hz: self.tick_hz,
            max_client_message_bytes: self.max_message_bytes,
            max_body_bytes: self.max_body_bytes,
            heartbeat_interval_ms: self.heartbeat_ms,
            client_timeout_ms: self.client_timeout_ms,
            join_token_ttl_s: self.join_token_ttl_s,
            ended_retention_s: self.ended_retention_s,
            empty_match_ttl_s: self.empty_match_ttl_s,
            max_matches: self.max_matches,
            shutdown_deadline_s: self.shutdown_deadline_s,
            reconnect_grace_s: self.reconnect_grace_s,
            socket_send_buffer_bytes: self.socket_send_buffer_bytes,
            max_queued_snapshots: self.max_queued_snapshots,
            keyframe_interval: self.keyframe_interval,
            database_url: Some(self.database_url.clone()),
            max_replay_bytes: self.max_replay_bytes,
            checksum_interval: self.checksum_interval,
            slow_client_timeout_ms: self.slow_client_timeout_ms,
            max_connections: self.max_connections,
            max_spectators_per_match: self.max_spectators,
            allowed_origins: self.allowed_origins.clone(),
            input_rate_factor: self.input_rate_factor,
            match_threads: self.match_threads,
            redis_url: self.redis_url.clone(),
            public_url: self.public_url.clone(),
            cluster_heartbeat_ms: self.cluster_heartbeat_ms,
            cluster_ttl_ms: self.cluster_ttl_ms,
            client_limits: self.client_limits == "on",
            trusted_proxies: self.trusted_proxies.clone(),
            client_requests_per_s: self.client_requests_per_s,
            client_creations_per_min: self.client_creations_per_min,
            client_joins_per_min: self.client_joins_per_min,
            client_pending_joins: self.client_pending_joins,
            unjoined_match_ttl_s: self.unjoined_match_ttl_s,
            host_api_key: self.host_api_key.clone().filter(|k| !k.is_empty()),
            http_workers: if self.workers == 0 {
                defaults.http_workers
            } else {
                self.workers
            },
            ..defaults
        }
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    let listener = TcpListener::bind(cli.bind)?;
    let addr = listener.local_addr()?;
    log::info!("Arena listening on http://{addr} (browser client at /, lobby API at /api)");
    let arena = arena::run(listener, cli.config(), arena_catalog::builtin())?;
    let handle = arena.handle();
    actix_web::rt::spawn(async move {
        let signal = wait_for_signal().await;
        log::info!("{signal}: shutting down gracefully");
        handle.shutdown().await;
    });
    arena.server.await?;
    log::info!("Arena stopped");
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT), naming which.
async fn wait_for_signal() -> &'static str {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            log::error!("cannot listen for SIGTERM: {e}");
            let _ = tokio::signal::ctrl_c().await;
            return "SIGINT";
        }
    };
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = tokio::signal::ctrl_c() => "SIGINT",
    }
}
