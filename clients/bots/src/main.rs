//! `arena-bots`: the bot swarm CLI. Parses flags, runs [`arena_bots::swarm::run_swarm`] on one
//! current-thread runtime (pin it with `taskset -c N`), prints a live progress line on stderr and
//! the report on stdout (a table, or one JSON object with `--json`).
//!
//! Exit code: 0 when every session connected and delivery reached `--min-delivered`, 1 when not,
//! 2 when the run could not start (server unreachable, matches refused).

use std::io::Write;
use std::process::ExitCode;

use arena_bots::swarm::{run_swarm, Percentiles, Progress, SwarmConfig, SwarmReport};
use clap::Parser;

/// Every default comes from [`SwarmConfig::default`], the one place they are set.
fn defaults() -> SwarmConfig {
    SwarmConfig::default()
}

/// Drive a load of playing bots against an Arena server and report what they saw.
#[derive(Parser, Debug)]
#[command(name = "arena-bots", version)]
struct Cli {
    /// Server base URL (lobby API and WebSocket on the same host).
    #[arg(long, default_value_t = defaults().url)]
    url: String,
    /// Matches to create.
    #[arg(long, default_value_t = defaults().matches)]
    matches: u32,
    /// Players per match (each plays with its game's bot policy; ctf needs an even number).
    #[arg(long, default_value_t = defaults().players)]
    players: u8,
    /// Spectators per match.
    #[arg(long, default_value_t = defaults().spectators)]
    spectators: u32,
    /// Tick rate of the created matches, Hz.
    #[arg(long, default_value_t = defaults().tick_hz)]
    tick_hz: u8,
    /// Sessions started per second during the ramp-up.
    #[arg(long, default_value_t = defaults().ramp_per_s)]
    ramp: f64,
    /// Length of the measured window, seconds (ramp-up and shutdown come on top).
    #[arg(long, default_value_t = defaults().duration_s)]
    duration_s: f64,
    /// Pause between the ramp-up and the window, seconds.
    #[arg(long, default_value_t = defaults().settle_s)]
    settle_s: f64,
    /// Print the report as one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Exit non-zero when fewer than this percentage of expected snapshots arrived.
    #[arg(long, default_value_t = 0.0)]
    min_delivered: f64,
    /// No live progress line.
    #[arg(long, short)]
    quiet: bool,
    /// Join this existing match (its id from the lobby) instead of creating matches: the bots
    /// play against whoever is there, e.g. you in a browser. Implies --matches 1.
    #[arg(long = "match", value_name = "ID")]
    join_match: Option<String>,
    /// Do not reconnect dropped players with their reconnect URL.
    #[arg(long)]
    no_reconnect: bool,
    /// The game of the created matches, by registry name (`GET /api/games` lists them); the
    /// bots play it with its own policy. With --match, the match's own game is played.
    #[arg(long, default_value_t = defaults().game)]
    game: String,
    /// A game setting for the created matches, NAME=INTEGER (repeatable), e.g.
    /// `--set time_limit_s=0 --set score_limit=0`.
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_setting)]
    settings: Vec<(String, i64)>,
}

/// `NAME=INTEGER` → (name, value).
fn parse_setting(s: &str) -> Result<(String, i64), String> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=VALUE, got {s:?}"))?;
    let value = value
        .trim()
        .parse::<i64>()
        .map_err(|_| format!("{name}: {value:?} is not an integer"))?;
    Ok((name.trim().to_owned(), value))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = SwarmConfig {
        url: cli.url.clone(),
        players: cli.players,
        spectators: cli.spectators,
        tick_hz: cli.tick_hz,
        ramp_per_s: cli.ramp,
        duration_s: cli.duration_s,
        settle_s: cli.settle_s,
        matches: if cli.join_match.is_some() {
            1
        } else {
            cli.matches
        },
        join_match: cli.join_match.clone(),
        reconnect: !cli.no_reconnect,
        game: cli.game.clone(),
        settings: cli
            .settings
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::from(*v)))
            .collect(),
        ..SwarmConfig::default()
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("arena-bots: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let quiet = cli.quiet;
    let result = runtime.block_on(run_swarm(&config, |p| {
        if !quiet {
            print_progress(p)
        }
    }));
    if !quiet {
        eprintln!();
    }
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("arena-bots: cannot run against {}: {e}", cli.url);
            return ExitCode::from(2);
        }
    };
    if cli.json {
        match serde_json::to_string(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("arena-bots: cannot encode the report: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        print_table(&report);
    }
    if report.passes(cli.min_delivered) {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "arena-bots: FAIL ({} sessions failed, {:.3}% delivered, minimum {}%)",
            report.sessions_failed, report.delivered_pct, cli.min_delivered
        );
        ExitCode::from(1)
    }
}

fn print_progress(p: &Progress) {
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "\r[{:>6.1}s {:<7}] sessions {}/{} ({} failed)  snapshots/s {:>8.0}  p99 {:>7.2} ms (last 1 s {:>7.2})  errors {}   ",
        p.elapsed_s,
        format!("{:?}", p.stage).to_lowercase(),
        p.connected,
        p.planned,
        p.failed,
        p.snapshots_per_s,
        p.p99_ms,
        p.p99_last_ms,
        p.errors
    );
    let _ = err.flush();
}

fn pct_row(name: &str, unit: &str, p: &Percentiles) -> String {
    format!(
        "{name:<28} p50 {:>8.3}  p90 {:>8.3}  p99 {:>8.3}  max {:>8.3} {unit}  (n={})",
        p.p50, p.p90, p.p99, p.max, p.count
    )
}

fn print_table(r: &SwarmReport) {
    let codes = if r.close_codes.is_empty() {
        "none".to_string()
    } else {
        r.close_codes
            .iter()
            .map(|(c, n)| format!("{c}×{n}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let failures = if r.failures.is_empty() {
        String::new()
    } else {
        let list = r
            .failures
            .iter()
            .map(|(k, n)| format!("{k}×{n}"))
            .collect::<Vec<_>>()
            .join(" ");
        format!("  ({list})")
    };
    println!(
        "arena-bots report: {} matches of {} × ({} players + {} spectators) at {} Hz against {}",
        r.matches, r.game, r.players_per_match, r.spectators_per_match, r.tick_hz, r.url
    );
    println!(
        "{:<28} {} established / {} planned, {} failed{failures}",
        "sessions", r.sessions_established, r.sessions_planned, r.sessions_failed
    );
    println!(
        "{:<28} {} / {} expected = {:.3}% over {:.2} s",
        "snapshots delivered",
        r.snapshots_received,
        r.snapshots_expected,
        r.delivered_pct,
        r.window_s
    );
    println!(
        "{:<28} {:.3} Hz",
        "server tick rate (measured)", r.tick_hz_measured
    );
    println!("{}", pct_row("tick-to-client latency", "ms", &r.latency_ms));
    println!("{}", pct_row("input round trip", "ms", &r.input_rtt_ms));
    println!(
        "{}",
        pct_row("connect (join + handshake)", "ms", &r.connect_ms)
    );
    println!("{}", pct_row("client decode", "µs", &r.decode_us));
    println!(
        "{:<28} {:.0} B/s payload, {:.0} B/s with WS headers",
        "bytes per session", r.bytes_per_session_per_s, r.wire_bytes_per_session_per_s
    );
    println!(
        "{:<28} {:.0} B/s per player, {:.0} B/s per spectator (with WS headers); {} keyframes, {} deltas",
        "  by role",
        r.wire_bytes_per_player_per_s,
        r.wire_bytes_per_spectator_per_s,
        r.keyframes_received,
        r.deltas_received
    );
    println!(
        "{:<28} {} messages, {} payload bytes (whole run, all kinds)",
        "received in total", r.messages_received_total, r.bytes_received_total
    );
    println!(
        "{:<28} {} (close codes: {codes}); {} reconnected",
        "disconnects", r.disconnects, r.reconnects
    );
    for (reason, n) in &r.close_reasons {
        println!("{:<28} {n} × {reason}", "");
    }
    println!(
        "{:<28} {} server errors, {} undecodable",
        "errors", r.server_errors, r.decode_errors
    );
    println!(
        "{:<28} {:.1}% of one core",
        "bot process CPU", r.bot_cpu_pct
    );
    println!("{:<28} {:.1} s", "run time", r.run_s);
}
