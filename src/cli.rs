//! The command line of every Arena server binary: Arena's own `arena` (`src/main.rs`) and a game
//! developer's, whose whole `main.rs` is
//!
//! ```ignore
//! fn main() -> std::process::ExitCode {
//!     arena::cli::main(arena_game::GameRegistry::new().with::<my_game::MyGame>())
//! }
//! ```
//!
//! [`main`] parses every flag and `ARENA_*` variable of [`Config`] (`--help` lists them with
//! their defaults), sets up logging (env_logger, `RUST_LOG`, default `info`), binds, starts the
//! server on an actix system, and on SIGTERM or Ctrl-C shuts down gracefully: new matches and
//! joins refused, every match ended with its final scoreboard written to the history (SQLite
//! `arena.db` by default), sessions closed with 1001, all within `--shutdown-deadline-s`.
//! [`serve`] does the same for a [`Config`] built in code.

use std::net::TcpListener;
use std::process::ExitCode;

use arena_game::GameRegistry;
use clap::{CommandFactory, FromArgMatches, Parser};

use crate::Config;

/// The flags: [`Config`]'s, every one.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    config: Config,
}

/// Parses the command line and serves `games` until SIGTERM or Ctrl-C (module docs). Exit
/// code: 0 after a clean stop, 1 when the server could not start, 2 for bad flags.
pub fn main(games: GameRegistry) -> ExitCode {
    let bin = std::env::args_os()
        .next()
        .and_then(|a| {
            std::path::Path::new(&a)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "arena".into());
    let about = format!(
        "Arena realtime game server, hosting {}. Every flag can also be set by the environment \
         variable shown. Logging: RUST_LOG (default \"info\").",
        games.names().join(", ")
    );
    let command = Cli::command().name(bin).about(about);
    let cli = match Cli::from_arg_matches(&command.get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    serve(cli.config, games)
}

/// Serves `games` with `config` until SIGTERM or Ctrl-C: logging, binding `config.bind`, the
/// server, graceful shutdown (module docs).
pub fn serve(config: Config, games: GameRegistry) -> ExitCode {
    let _ = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .try_init();
    let listener = match TcpListener::bind(config.bind) {
        Ok(l) => l,
        Err(e) => {
            log::error!("cannot listen on {}: {e}", config.bind);
            return ExitCode::from(1);
        }
    };
    let system = actix_web::rt::System::new();
    let result = system.block_on(async move {
        let addr = listener.local_addr()?;
        log::info!(
            "Arena listening on http://{addr} (browser client at /, lobby API at /api), \
             hosting {}; history: {}",
            games.names().join(", "),
            config.database.as_deref().unwrap_or("none")
        );
        let arena = crate::run(listener, config, games)?;
        let handle = arena.handle();
        actix_web::rt::spawn(async move {
            let signal = wait_for_signal().await;
            log::info!("{signal}: shutting down gracefully");
            handle.shutdown().await;
        });
        arena.server.await?;
        log::info!("Arena stopped");
        Ok::<_, std::io::Error>(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("{e}");
            ExitCode::from(1)
        }
    }
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
