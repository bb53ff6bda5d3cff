//! Arena: a realtime game state server.
//!
//! Hosts create matches through an HTTP lobby API; players and spectators connect over
//! WebSocket; every match ticks its game state at a fixed rate and pushes one binary snapshot
//! per tick to every session in it.
//!
//! # Layout
//! - [`cli`]: the command line of every Arena server binary: [`cli::main`] takes a game
//!   registry and does the rest (flags, logging, signals, graceful stop).
//! - [`config`]: the [`Config`] struct with documented defaults; it is also the flags.
//! - [`http`]: routes: lobby API, WebSocket upgrade, metrics, health, the embedded browser client.
//! - [`lobby`]: the lobby actor (a shell) and [`lobby::state`], its logic as plain data:
//!   matches, seats, join tokens, expiry.
//! - [`match_actor`]: one actor per match: the game behind bytes, inputs, the tick, one snapshot
//!   per view, the fan-out.
//! - [`session`]: one actor per WebSocket: heartbeat, frame decoding, close codes.
//! - [`conn`]: a connection's bytes after the upgrade: the writer the match writes snapshots to
//!   directly (one `write` per session per tick, a bounded queue only when the socket is full),
//!   and the reader the session polls.
//! - [`link`]: what travels to a session (its link, the close message): the leaf the actor
//!   modules share, so imports run one way: conn ← link ← match_actor ← lobby ← session ← http.
//! - [`metrics`]: Prometheus metrics.
//! - [`store`]: the history store (finished matches, leaderboards, replays) in SQLite or
//!   PostgreSQL, written by one actor that never stalls a tick.
//! - [`error`], [`tokens`]: JSON errors; secrets and ids.
//!
//! [`run`] starts the whole server on a bound listener and returns an [`Arena`]: await it to
//! serve, or take its [`ArenaHandle`] to shut down gracefully. [`cli::main`] parses flags, wires
//! signals to [`ArenaHandle::shutdown`] and awaits; `main.rs` is one call to it.

pub mod cli;
pub mod cluster;
pub mod config;
pub mod conn;
pub mod error;
pub mod http;
pub mod limits;
pub mod link;
pub mod lobby;
pub mod match_actor;
pub mod metrics;
pub mod session;
pub mod store;
pub mod tokens;
pub mod watch;

use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, Addr};
use actix_http::HttpService;
use actix_service::{fn_service, map_config};
use actix_web::dev::{AppConfig, Server, ServerHandle};
use actix_web::{web, App};
use arena_game::GameRegistry;

pub use config::Config;

/// A started server: await [`Arena::server`] to serve until it stops.
pub struct Arena {
    /// The HTTP server future.
    pub server: Server,
    handle: ArenaHandle,
}

impl Arena {
    /// A handle to shut this server down.
    pub fn handle(&self) -> ArenaHandle {
        self.handle.clone()
    }
}

/// Controls a running server from anywhere (a signal handler, a test).
#[derive(Clone)]
pub struct ArenaHandle {
    server: ServerHandle,
    lobby: Addr<lobby::Lobby>,
    store: Option<Addr<store::Store>>,
    metrics: Arc<metrics::Metrics>,
    shutdown_deadline: Duration,
    cluster: Option<cluster::Cluster>,
}

impl ArenaHandle {
    /// Stops new matches and joins (503), ends every match with a final scoreboard and closes
    /// every session with 1001 "going away"; does not stop the HTTP listener.
    pub async fn begin_shutdown(&self) {
        let _ = self.lobby.send(lobby::BeginShutdown).await;
    }

    /// Stops the HTTP server at once, dropping connections (tests' teardown).
    pub async fn stop_now(&self) {
        self.server.stop(false).await;
    }

    /// Graceful shutdown: [`Self::begin_shutdown`], wait for the sessions to close and the
    /// matches to hand their results to the history store, wait for the store to write them
    /// (all within the configured deadline), then stop the HTTP server.
    pub async fn shutdown(&self) {
        let started = tokio::time::Instant::now();
        if let Some(cluster) = &self.cluster {
            // Out of every listing at once, not after the keys' TTL.
            cluster.leave().await;
        }
        self.begin_shutdown().await;
        while (self.metrics.live_sessions.load(Ordering::Relaxed) > 0
            || self.lobby.send(lobby::LiveMatches).await.unwrap_or(0) > 0)
            && started.elapsed() < self.shutdown_deadline / 2
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if let Some(store) = &self.store {
            let left = self.shutdown_deadline.saturating_sub(started.elapsed());
            if tokio::time::timeout(left, store.send(store::Drain))
                .await
                .is_err()
            {
                log::error!("shutdown: the history database did not take every finished match");
            }
        }
        self.server.stop(true).await;
    }
}

/// Starts Arena on `listener`, hosting the games of `games` (the first is the default). Must be
/// called inside an actix `System`. The server never names a game: `main` passes the built-in
/// ones (`arena_catalog::builtin()`), a test or an embedding program may pass its own.
pub fn run(listener: TcpListener, config: Config, games: GameRegistry) -> std::io::Result<Arena> {
    for (name, _) in &config.game_web {
        if games.get(name).is_none() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "--game-web {name}=…: this server hosts no game {name:?} (it hosts: {})",
                    games.names().join(", ")
                ),
            ));
        }
    }
    let config = Arc::new(config);
    let metrics = Arc::new(metrics::Metrics::new());
    let games = Arc::new(games);
    let database = match &config.database {
        Some(url) => Some(store::Database::new(url).map_err(std::io::Error::other)?),
        None => None,
    };
    let store_addr = database
        .clone()
        .map(|db| store::Store::new(db, metrics.clone()).start());
    let local_addr = listener.local_addr()?;
    let cluster = match &config.redis_url {
        Some(url) => {
            let public_url = config
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{local_addr}"));
            let cluster =
                cluster::Cluster::new(url, public_url, config.cluster_ttl_ms, metrics.clone())
                    .map_err(std::io::Error::other)?;
            log::info!("cluster member: node {}", cluster.node());
            Some(cluster)
        }
        None => None,
    };
    let mut lobby = lobby::Lobby::new(
        config.clone(),
        metrics.clone(),
        games.clone(),
        store_addr.clone().map(Addr::recipient),
    );
    if let Some(cluster) = &cluster {
        lobby = lobby.of_node(cluster.node());
    }
    let lobby = lobby.start();
    if let Some(cluster) = cluster.clone() {
        let lobby = lobby.clone();
        let period = Duration::from_millis(config.cluster_heartbeat_ms.max(50));
        actix::spawn(async move {
            let mut beats = tokio::time::interval(period);
            beats.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                beats.tick().await;
                let Ok(local) = lobby.send(lobby::ListMatches).await else {
                    break;
                };
                // A failure is logged (once per outage) and counted by the cluster itself.
                let _ = cluster.beat(&local).await;
            }
        });
    }
    let limits = limits::ClientLimits::new(&config, metrics.clone()).map(Arc::new);
    if let Some(limits) = limits.clone() {
        // Addresses back to a full allowance are forgotten, so memory follows active clients.
        actix::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(10));
            loop {
                every.tick().await;
                limits.forget_idle();
            }
        });
    } else {
        log::warn!("per-client limits are off (--client-limits off): for load tests only");
    }
    let state = web::Data::new(http::AppState {
        lobby: lobby.clone(),
        config: config.clone(),
        metrics: metrics.clone(),
        games,
        history: database.map(store::History::new),
        next_session: AtomicU64::new(1),
        cluster: cluster.clone(),
        limits: limits.clone(),
    });
    let max_body = config.max_body_bytes;
    let allowed_origins = config.allowed_origins.clone();
    let workers_lobby = lobby.clone();
    // actix-web's `HttpServer` is this same actix-http service without an upgrade handler; with
    // one, a WebSocket upgrade hands this server the whole connection, so the match can write
    // snapshots to the socket itself (see `conn`).
    let server = Server::build()
        .workers(config.worker_threads())
        .disable_signals()
        .shutdown_timeout(config.shutdown_deadline_s.div_ceil(2).max(1))
        .listen("arena", listener, move || {
            // Runs once on each worker thread as it starts.
            workers_lobby.do_send(lobby::RegisterWorker(actix::Arbiter::current()));
            let app = App::new()
                .app_data(state.clone())
                .configure(|cfg| http::configure(cfg, max_body))
                .wrap(http::cors(&allowed_origins))
                .wrap(
                    actix_web::middleware::ErrorHandlers::new()
                        .default_handler_client(http::json_preflight_refusal),
                );
            let upgrade_state = state.clone();
            HttpService::build()
                .local_addr(local_addr)
                .upgrade(fn_service(move |(req, framed)| {
                    http::upgrade(req, framed, upgrade_state.clone())
                }))
                .finish(map_config(app, |_| AppConfig::default()))
                .tcp()
        })?
        .run();
    let handle = ArenaHandle {
        server: server.handle(),
        lobby,
        store: store_addr,
        metrics,
        shutdown_deadline: Duration::from_secs(config.shutdown_deadline_s),
        cluster,
    };
    Ok(Arena { server, handle })
}
