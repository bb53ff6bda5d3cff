//! `arena-load`: the lean load client of benches/load.py. One process, one thread (pin it with
//! `taskset -c N`), N WebSocket sessions to a target on 127.0.0.1, and one JSON report.
//!
//! Why not the bots: `arena-bots` runs a tokio task per session with tungstenite framing, a
//! full decode of every snapshot and the game's bot policy; its core saturates near 6,000
//! sessions at 20 Hz, before the server does. This client exists so the *server* is the
//! bottleneck at every step of the benchmark:
//!
//! - **Raw non-blocking sockets and one hand-written epoll loop** (`libc`, already a dependency)
//!   rather than tokio: with thousands of sockets ready per tick, a tokio task per session costs
//!   a waker, a task poll and a reactor registration per message, where epoll hands back up to
//!   4,096 ready sockets per call and the loop reads each into one shared buffer. No new crate.
//! - **Bulk reads, in-place frames** (`ws`): one `recvmsg()` per ready socket (repeated only
//!   while it fills the 256 KiB buffer), every complete WebSocket frame in it parsed in place; a
//!   partial frame is carried to the next read. Server frames are unmasked; client frames are
//!   masked. Nothing on that path allocates.
//! - **Header-only decode** (`proto`): Arena's snapshot header (tag, tick, server time or its offset from the baseline's, the session's own ack) is
//!   read with the codec's varint rules and tested against `arena_game::codec`; the welcome (once
//!   per session) goes through the codec itself. The ws peer's header is 12 fixed bytes; a
//!   Colyseus patch is searched for the root's `serverTime` and `tick` fields.
//! - **Kernel arrival stamps and batched wakes**: each socket has `SO_TIMESTAMPNS`, so every read
//!   carries the wall-clock time its newest packet reached the socket; latency is that minus the
//!   target's send stamp, and does not include the client's own wake-up or queueing delay. That
//!   lets the loop wake at most once per `--coalesce-us` (250 µs) and read every socket that
//!   filled meanwhile, without adding to the latency it measures. Every latency goes into a
//!   fixed-size HDR histogram: no sample is stored.
//!
//! Measured on the 2-core benchmark machine (ws peer, 2,000 sessions, 40,000 snapshots/s): about
//! 5 µs of the client's core per snapshot, nearly all of it the kernel's TCP receive and ACK
//! path that the floor's sink pays too; user space is a few percent.
//!
//! Exit code: 0 with a report, 1 when no session was established or the global timeout passed
//! inside the loop, 2 when the run could not start (bad URL, setup refused), 3 when the
//! watchdog ended it.
//!
//! Joins happen before any socket opens, over HTTP on a current-thread tokio runtime (`setup`),
//! so they are not on the hot path. Modes: `watch` (receive only) and `play` (each player sends
//! one input right after each snapshot). Bounded: only 127.0.0.1, a measured window of
//! `--duration-s`, and a global `--timeout-s` after which the process exits by itself.

mod proto;
mod report;
mod run;
mod setup;
mod sys;
mod ws;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use serde_json::{Map, Value};

use proto::ArenaGame;
use run::{RunConfig, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TargetArg {
    /// An Arena server: joins through its lobby API, speaks arena.v3.
    Arena,
    /// benches/peers/ws-server.js.
    WsPeer,
    /// benches/peers/colyseus-server.js.
    Colyseus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// Receive only.
    Watch,
    /// Every player sends one input after each snapshot.
    Play,
}

/// Lean load client for benches/load.py: N WebSocket sessions from one thread, one JSON report.
#[derive(Parser, Debug)]
#[command(name = "arena-load", version)]
struct Cli {
    /// What to load.
    #[arg(long, value_enum)]
    target: TargetArg,
    /// The target's base URL; only http://127.0.0.1:PORT or http://localhost:PORT.
    #[arg(long)]
    url: String,
    /// Sessions in all (players; Arena: N / --players matches unless --matches is given).
    #[arg(long, default_value_t = 1000)]
    sessions: u64,
    /// Players per match or room (the peers' rooms hold 10).
    #[arg(long, default_value_t = 10)]
    players: u8,
    /// Arena: matches to create (default: sessions / players).
    #[arg(long)]
    matches: Option<u32>,
    /// Arena: spectators per match (e.g. --matches 1 --spectators 5000).
    #[arg(long, default_value_t = 0)]
    spectators: u32,
    /// watch (receive only) or play (one input per snapshot).
    #[arg(long, value_enum, default_value_t = Mode::Watch)]
    mode: Mode,
    /// Arena: the game of the created matches (play mode writes deathmatch or ctf inputs).
    #[arg(long, default_value = "deathmatch")]
    game: String,
    /// Arena: a game setting of the created matches, NAME=INTEGER (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_setting)]
    settings: Vec<(String, i64)>,
    /// The target's tick rate, Hz (Arena: of the created matches; the peers tick at 20).
    #[arg(long, default_value_t = 20)]
    tick_hz: u8,
    /// Length of the measured window, seconds.
    #[arg(long, default_value_t = 10.0)]
    duration_s: f64,
    /// Pause between the last connection and the window, seconds.
    #[arg(long, default_value_t = 3.0)]
    settle_s: f64,
    /// Sessions connected per second.
    #[arg(long, default_value_t = 2000.0)]
    ramp: f64,
    /// Wait after the window for snapshots still in flight, ms.
    #[arg(long, default_value_t = 500)]
    grace_ms: u64,
    /// Wake at most once per this many µs, so each wake reads many sockets (0: wake whenever
    /// anything is ready). Latency is unaffected with kernel arrival stamps.
    #[arg(long, default_value_t = 250)]
    coalesce_us: u64,
    /// Stamp arrivals by reading the clock after each read, instead of the kernel's receive
    /// time (SO_TIMESTAMPNS); then --coalesce-us adds to the latency measured.
    #[arg(long)]
    user_timestamps: bool,
    /// Lobby or matchmaker calls in flight during the joins.
    #[arg(long, default_value_t = 32)]
    join_concurrency: usize,
    /// Exit (code 3) after this long whatever happens, seconds (default: from the plan + 120).
    #[arg(long)]
    timeout_s: Option<f64>,
    /// Print the report as one JSON object (otherwise a short summary).
    #[arg(long)]
    json: bool,
    /// No progress line on stderr.
    #[arg(long, short)]
    quiet: bool,
}

fn parse_setting(s: &str) -> Result<(String, i64), String> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not NAME=VALUE"))?;
    let value = value
        .trim()
        .parse::<i64>()
        .map_err(|_| format!("{name}: {value:?} is not an integer"))?;
    Ok((name.trim().to_owned(), value))
}

/// The port of an `http://127.0.0.1:PORT` or `http://localhost:PORT` URL.
fn loopback_port(url: &str) -> Option<u16> {
    let rest = url.strip_prefix("http://")?.trim_end_matches('/');
    let (host, port) = rest.rsplit_once(':')?;
    if host != "127.0.0.1" && host != "localhost" {
        return None;
    }
    port.parse().ok()
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let Some(port) = loopback_port(&cli.url) else {
        eprintln!(
            "arena-load: --url must be http://127.0.0.1:PORT (got {:?})",
            cli.url
        );
        return ExitCode::from(2);
    };
    let limit = sys::raise_nofile();
    let matches = cli
        .matches
        .unwrap_or((cli.sessions / cli.players.max(1) as u64) as u32);
    let sessions = match cli.target {
        TargetArg::Arena => matches as u64 * (cli.players as u64 + cli.spectators as u64),
        _ => cli.sessions,
    };
    if sessions + 64 > limit {
        eprintln!("arena-load: {sessions} sessions need more open files than the limit ({limit})");
        return ExitCode::from(2);
    }
    let timeout_s = cli.timeout_s.unwrap_or(
        sessions as f64 / 500.0
            + sessions as f64 / cli.ramp.max(1.0)
            + cli.settle_s
            + cli.duration_s
            + 120.0,
    );
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(timeout_s);
    // The hard bound: whatever the loop or a stuck HTTP call does, the process ends.
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs_f64(timeout_s + 10.0));
        eprintln!("arena-load: global timeout ({timeout_s:.0} s), exiting");
        std::process::exit(3);
    });
    let target = match cli.target {
        TargetArg::Arena => Target::Arena(match cli.game.as_str() {
            "ctf" => ArenaGame::Ctf,
            "deathmatch" => ArenaGame::Deathmatch,
            other if cli.mode == Mode::Play => {
                eprintln!("arena-load: no input writer for game {other:?} (deathmatch, ctf)");
                return ExitCode::from(2);
            }
            _ => ArenaGame::Deathmatch,
        }),
        TargetArg::WsPeer => Target::WsPeer,
        TargetArg::Colyseus => Target::Colyseus,
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("arena-load: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let settings: Map<String, Value> = cli
        .settings
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(*v)))
        .collect();
    let plan = runtime.block_on(async {
        match cli.target {
            TargetArg::Arena => {
                setup::arena(
                    &cli.url,
                    matches,
                    cli.players,
                    cli.spectators,
                    cli.tick_hz,
                    &cli.game,
                    &settings,
                    cli.join_concurrency,
                )
                .await
            }
            TargetArg::WsPeer => Ok(setup::ws_peer(sessions)),
            TargetArg::Colyseus => setup::colyseus(&cli.url, sessions, cli.join_concurrency).await,
        }
    });
    let plan = match plan {
        Ok(p) => p,
        Err(e) => {
            eprintln!("arena-load: setup against {} failed: {e}", cli.url);
            return ExitCode::from(2);
        }
    };
    if !cli.quiet {
        eprintln!(
            "arena-load: {} sessions planned in {} rooms ({} joins failed) in {:.1} s",
            plan.sessions.len(),
            plan.rooms,
            plan.failures.values().sum::<u64>(),
            started.elapsed().as_secs_f64()
        );
    }
    let created = plan.created.clone();
    let config = RunConfig {
        target,
        play: cli.mode == Mode::Play,
        url: cli.url.clone(),
        port,
        tick_hz: cli.tick_hz,
        players: cli.players,
        spectators: cli.spectators,
        duration_s: cli.duration_s,
        settle_s: cli.settle_s,
        ramp_per_s: cli.ramp,
        grace_ms: cli.grace_ms,
        kernel_rx_time: !cli.user_timestamps,
        coalesce_us: cli.coalesce_us,
        quiet: cli.quiet,
        deadline,
    };
    let result = run::run(config, plan);
    if !created.is_empty() {
        runtime.block_on(setup::end_matches(&cli.url, &created));
    }
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("arena-load: {e}");
            return ExitCode::from(1);
        }
    };
    if cli.json {
        match serde_json::to_string(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("arena-load: cannot encode the report: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        println!(
            "arena-load {} {} against {}: {} established / {} planned ({} failed), \
             {:.3}% delivered ({:.3}% at the configured rate), {:.3} Hz, latency p50 {} p99 {} max {} ms, \
             {:.0} wire B/session/s, load CPU {:.1}%, {} disconnects",
            report.target,
            report.mode,
            report.url,
            report.sessions_established,
            report.sessions_planned,
            report.sessions_failed,
            report.delivered_pct,
            report.delivered_vs_configured_pct,
            report.tick_hz_measured,
            fmt_ms(report.latency_available, report.latency_ms.p50),
            fmt_ms(report.latency_available, report.latency_ms.p99),
            fmt_ms(report.latency_available, report.latency_ms.max),
            report.wire_bytes_per_session_per_s,
            report.load_cpu_pct,
            report.disconnects
        );
    }
    if report.sessions_established == 0 {
        eprintln!("arena-load: no session was established");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

fn fmt_ms(available: bool, v: f64) -> String {
    if available {
        format!("{v:.2}")
    } else {
        "n/a".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only loopback base URLs are accepted.
    #[test]
    fn loopback_urls_only() {
        assert_eq!(loopback_port("http://127.0.0.1:8080"), Some(8080));
        assert_eq!(loopback_port("http://localhost:9/"), Some(9));
        assert_eq!(loopback_port("http://10.1.1.1:8080"), None);
        assert_eq!(loopback_port("https://127.0.0.1:8080"), None);
        assert_eq!(loopback_port("http://127.0.0.1"), None);
    }

    /// Settings parse as NAME=INTEGER.
    #[test]
    fn settings() {
        assert_eq!(
            parse_setting("score_limit=0"),
            Ok(("score_limit".into(), 0))
        );
        assert!(parse_setting("x").is_err());
        assert!(parse_setting("x=y").is_err());
    }
}
