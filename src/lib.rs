//! Arena: a realtime game state server.
//!
//! Hosts create matches through an HTTP lobby API; players and spectators connect over
//! WebSocket; every match ticks its game state at a fixed rate and pushes one binary snapshot
//! per tick to every session in it.
//!
//! # Layout
//! - [`config`]: the [`Config`] struct with documented defaults.
//! - [`http`]: routes: lobby API, WebSocket upgrade, metrics, health, the embedded browser client.
//! - [`lobby`]: the lobby actor: matches, seats, join tokens, session registry.
//! - [`match_actor`]: one actor per match: game state, inputs, the tick, the snapshot fan-out.
//! - [`session`]: one actor per WebSocket: heartbeat, frame decoding, close codes.
//! - [`metrics`]: Prometheus metrics.
//! - [`error`], [`tokens`]: JSON errors; secrets and ids.
//!
//! [`run`] starts the whole server on a bound listener; `main.rs` only parses flags and calls it.

pub mod config;
pub mod error;
pub mod http;
pub mod lobby;
pub mod match_actor;
pub mod metrics;
pub mod session;
pub mod tokens;

use std::net::TcpListener;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use actix::Actor;
use actix_web::{dev::Server, web, App, HttpServer};
use arena_game::{ArenaGame, GameFactory};

pub use config::Config;

/// Starts Arena on `listener` with the built-in deathmatch. Must be called inside an actix
/// `System`; the returned [`Server`] runs until stopped through its handle.
pub fn run(listener: TcpListener, config: Config) -> std::io::Result<Server> {
    run_with_game(listener, config, Arc::from(ArenaGame::factory()))
}

/// Like [`run`] with another game (see docs/architecture.md, "Plugging in your own game").
pub fn run_with_game(
    listener: TcpListener,
    config: Config,
    factory: Arc<GameFactory>,
) -> std::io::Result<Server> {
    let config = Arc::new(config);
    let metrics = Arc::new(metrics::Metrics::new());
    let lobby = lobby::Lobby::new(config.clone(), metrics.clone(), factory).start();
    let state = web::Data::new(http::AppState {
        lobby,
        config: config.clone(),
        metrics,
        next_session: AtomicU64::new(1),
    });
    let max_body = config.max_body_bytes;
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .configure(|cfg| http::configure(cfg, max_body))
    })
    .workers(config.http_workers.max(1))
    .listen(listener)?
    .run();
    Ok(server)
}
