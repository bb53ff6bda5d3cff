//! The bot swarm's command line, for Arena's own `arena-bots` (the built-in games) and for a
//! game developer's bots binary, whose whole `main.rs` is
//!
//! ```ignore
//! fn main() -> std::process::ExitCode {
//!     arena_bots::cli::main(arena_game::GameRegistry::new().with::<my_game::MyGame>())
//! }
//! ```
//!
//! [`main`] parses flags, runs [`crate::swarm::run_swarm`] on one current-thread runtime (pin it
//! with `taskset -c N`), prints a live progress line on stderr and the report on stdout (a
//! table, or one JSON object with `--json`). A game these bots do not know, or one without a bot
//! policy, stops the run before anything is created, with a message saying what to do; a
//! session that fails is reported with its cause, not only counted.
//!
//! `--servers A,B,C` spreads one run over several server nodes (matches round robin, each bot
//! joining through its match's node) and adds a per-node section to the report.
//!
//! Exit code: 0 when every session connected and delivery reached `--min-delivered` (in total
//! and on every node), 1 when not, 2 when the run could not start (bad flags, a server
//! unreachable, matches refused).

use std::io::Write;
use std::process::ExitCode;

use arena_game::GameRegistry;
use clap::{CommandFactory, FromArgMatches, Parser};

use crate::swarm::{run_swarm, NodeReport, Percentiles, Progress, SwarmConfig, SwarmReport};

/// The program's name in its messages: `arena-bots`, or a game's own bots binary's.
static BIN: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn bin() -> &'static str {
    BIN.get().map_or("arena-bots", String::as_str)
}

/// Every default comes from [`SwarmConfig::default`], the one place they are set.
fn defaults() -> SwarmConfig {
    SwarmConfig::default()
}

/// Drive a load of playing bots against an Arena server and report what they saw.
#[derive(Parser, Debug)]
#[command(name = "arena-bots", version)]
struct Cli {
    /// Server base URL (lobby API and WebSocket on the same host).
    #[arg(long, default_value_t = defaults().url, conflicts_with = "servers")]
    url: String,
    /// Spread the run over several server nodes, base URLs separated by commas (or the flag
    /// repeated): matches are created round robin on them (match m on node m mod n), each bot
    /// joins through its match's node, and the report adds a section per node. Replaces --url;
    /// needs --matches of at least the number of nodes; not with --match of several nodes.
    #[arg(long, value_name = "URL,URL,...", value_delimiter = ',')]
    servers: Vec<String>,
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
    /// Exit non-zero when fewer than this percentage of expected snapshots arrived, in total or
    /// on any one node.
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
    /// The game of the created matches, by registry name (`GET /api/games` lists them; default:
    /// the first game these bots know); the bots play it with its own policy. With --match, the
    /// match's own game is played.
    #[arg(long)]
    game: Option<String>,
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

/// Parses the command line and runs the swarm with the bots of `games` (module docs). Exit
/// code: 0 when every session connected and delivery reached `--min-delivered`, 1 when not, 2
/// when the run could not start (bad flags, an unknown game, a server unreachable).
pub fn main(games: GameRegistry) -> ExitCode {
    let name = std::env::args_os()
        .next()
        .and_then(|a| {
            std::path::Path::new(&a)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "arena-bots".into());
    let about = format!(
        "Drive a load of playing bots against an Arena server and report what they saw. These \
         bots play: {}.",
        games.names().join(", ")
    );
    let _ = BIN.set(name.clone());
    let command = Cli::command().name(name).about(about);
    let cli = match Cli::from_arg_matches(&command.get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let config = config_of(&cli, games);
    // Contradictory flags (--match with several servers, fewer matches than servers, a server
    // listed twice) stop here, before anything is created.
    let nodes = match config.nodes() {
        Ok(nodes) => nodes,
        Err(e) => {
            eprintln!("{}: {e}", bin());
            return ExitCode::from(2);
        }
    };
    let target = match nodes.len() {
        1 => config.url.clone(),
        n => format!("{n} servers"),
    };
    run(&cli, &config, &target)
}

/// The run the flags describe, with the bots of `games`.
fn config_of(cli: &Cli, games: GameRegistry) -> SwarmConfig {
    let game = cli.game.clone().unwrap_or_else(|| {
        games
            .default_game()
            .map_or_else(|| defaults().game, |g| g.info().name.clone())
    });
    SwarmConfig {
        url: cli.url.clone(),
        servers: cli.servers.clone(),
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
        game,
        games,
        settings: cli
            .settings
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::from(*v)))
            .collect(),
        ..SwarmConfig::default()
    }
}

/// Runs the swarm, prints the report, and says whether it passed.
fn run(cli: &Cli, config: &SwarmConfig, target: &str) -> ExitCode {
    // A game these bots cannot play stops here, before the server is even asked.
    if let Some(game) = &cli.game {
        if let Err(e) = crate::swarm::bots_for(&config.games, game) {
            eprintln!("{}: {e}", bin());
            return ExitCode::from(2);
        }
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{}: cannot start the runtime: {e}", bin());
            return ExitCode::from(2);
        }
    };
    let quiet = cli.quiet;
    let result = runtime.block_on(run_swarm(config, |p| {
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
            eprintln!("{}: cannot run against {target}: {e}", bin());
            return ExitCode::from(2);
        }
    };
    if cli.json {
        match serde_json::to_string(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("{}: cannot encode the report: {e}", bin());
                return ExitCode::from(2);
            }
        }
    } else {
        print_table(&report);
    }
    if report.passes(cli.min_delivered) {
        return ExitCode::SUCCESS;
    }
    for (kind, example) in &report.failure_examples {
        eprintln!("{}: sessions failed with {kind}: {example}", bin());
    }
    for line in fail_lines(&report, cli.min_delivered) {
        eprintln!("{line}");
    }
    ExitCode::from(1)
}

/// Why a run that does not pass at `min` failed: the totals' line (as ever, when they fail),
/// then, over several nodes, one line naming each node that fails.
fn fail_lines(r: &SwarmReport, min: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let totals_pass =
        r.sessions_failed == 0 && r.sessions_established > 0 && r.delivered_pct >= min;
    if !totals_pass {
        lines.push(format!(
            "{}: FAIL ({} sessions failed, {:.3}% delivered, minimum {}%)",
            bin(),
            r.sessions_failed,
            r.delivered_pct,
            min
        ));
    }
    if r.nodes.len() > 1 {
        for n in r.failing_nodes(min) {
            lines.push(format!(
                "{}: FAIL on node {} ({} sessions failed, {} established, {:.3}% delivered, minimum {}%)",
                bin(),
                n.url, n.sessions_failed, n.sessions_established, n.delivered_pct, min
            ));
        }
    }
    lines
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
    let against = match r.nodes.len() {
        0 | 1 => r.url.clone(),
        n => format!("{n} servers (per node below)"),
    };
    println!(
        "arena-bots report: {} matches of {} × ({} players + {} spectators) at {} Hz against {against}",
        r.matches, r.game, r.players_per_match, r.spectators_per_match, r.tick_hz
    );
    println!(
        "{:<28} {} established / {} planned, {} failed{failures}",
        "sessions", r.sessions_established, r.sessions_planned, r.sessions_failed
    );
    for (kind, example) in &r.failure_examples {
        println!("{:<28} {kind}: {example}", "  cause");
    }
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
    if r.nodes.len() > 1 {
        for line in node_table(&r.nodes) {
            println!("{line}");
        }
    }
}

/// The report's per-node section: one row per server node, in the order given, with the same
/// figures as the totals above (sessions established / planned, snapshots delivered / expected
/// in the window, p99 tick-to-client latency, wire bytes per session per second and payload
/// bytes received over the run, disconnects, server errors + undecodable messages), then the
/// failure causes of any node whose sessions failed.
fn node_table(nodes: &[NodeReport]) -> Vec<String> {
    let header = [
        "node",
        "matches",
        "sessions",
        "failed",
        "snapshots",
        "delivered",
        "p99 ms",
        "B/s/session",
        "bytes total",
        "disconnects",
        "errors",
    ];
    let rows: Vec<[String; 11]> = nodes
        .iter()
        .map(|n| {
            [
                n.url.clone(),
                n.matches.to_string(),
                format!("{}/{}", n.sessions_established, n.sessions_planned),
                n.sessions_failed.to_string(),
                format!("{}/{}", n.snapshots_received, n.snapshots_expected),
                format!("{:.3}%", n.delivered_pct),
                format!("{:.2}", n.latency_ms.p99),
                format!("{:.0}", n.wire_bytes_per_session_per_s),
                n.bytes_received_total.to_string(),
                n.disconnects.to_string(),
                (n.server_errors + n.decode_errors).to_string(),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut out = String::from(" ");
        for (c, cell) in cells.enumerate() {
            let w = widths[c];
            match c {
                0 => out.push_str(&format!(" {cell:<w$}")),
                _ => out.push_str(&format!("  {cell:>w$}")),
            }
        }
        out
    };
    let mut lines = vec![format!("per node ({})", nodes.len())];
    lines.push(line(&mut header.iter().copied()));
    for row in &rows {
        lines.push(line(&mut row.iter().map(String::as_str)));
    }
    for n in nodes.iter().filter(|n| !n.failures.is_empty()) {
        let list = n
            .failures
            .iter()
            .map(|(k, c)| format!("{k}×{c}"))
            .collect::<Vec<_>>()
            .join(" ");
        lines.push(format!("  {} failures: {list}", n.url));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("arena-bots").chain(args.iter().copied()))
    }

    /// `--servers` takes a comma-separated list (or the flag repeated) and replaces `--url`,
    /// whose default does not count as given; giving both is a usage error.
    #[test]
    fn servers_flag_and_url() {
        let cli = parse(&["--servers", "http://a:1,http://b:2", "--matches", "2"]).unwrap();
        assert_eq!(cli.servers, ["http://a:1", "http://b:2"]);
        let config = config_of(&cli, GameRegistry::new());
        assert_eq!(config.nodes().unwrap(), ["http://a:1", "http://b:2"]);
        let cli = parse(&["--servers", "http://a:1", "--servers", "http://b:2"]).unwrap();
        assert_eq!(cli.servers, ["http://a:1", "http://b:2"]);
        // --url alone: exactly as before, one node.
        let cli = parse(&["--url", "http://h:9"]).unwrap();
        assert!(cli.servers.is_empty());
        assert_eq!(
            config_of(&cli, GameRegistry::new()).nodes().unwrap(),
            ["http://h:9"]
        );
        let err = parse(&["--url", "http://h:9", "--servers", "http://a:1"]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ArgumentConflict);
        // Fewer matches than servers (the default is 1) is refused before anything runs.
        let cli = parse(&["--servers", "http://a:1,http://b:2"]).unwrap();
        let err = config_of(&cli, GameRegistry::new())
            .nodes()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--matches 1 is fewer than the 2 --servers"),
            "{err}"
        );
        let cli = parse(&["--servers", "http://a:1,http://b:2", "--match", "m"]).unwrap();
        assert!(config_of(&cli, GameRegistry::new()).nodes().is_err());
    }

    fn node(port: u16, matches: u32, received: u64, p99: f64, wire: f64, bytes: u64) -> NodeReport {
        let sessions = matches as u64 * 4;
        NodeReport {
            url: format!("http://127.0.0.1:{port}"),
            matches,
            sessions_planned: sessions,
            sessions_established: sessions,
            snapshots_received: received,
            snapshots_expected: sessions * 40,
            delivered_pct: 100.0 * received as f64 / (sessions * 40) as f64,
            tick_hz_measured: 20.0,
            latency_ms: Percentiles {
                p99,
                ..Default::default()
            },
            wire_bytes_per_session_per_s: wire,
            bytes_received_total: bytes,
            ..Default::default()
        }
    }

    /// The per-node section is one aligned row per node (the sample in docs/bots.md), then the
    /// failure causes of any node whose sessions failed; a failing node is named on stderr.
    #[test]
    fn node_section_and_fail_lines() {
        let mut nodes = vec![
            node(8080, 2, 320, 4.94, 630.0, 13220),
            node(8081, 2, 320, 2.79, 603.0, 12708),
            node(8082, 1, 160, 1.42, 600.0, 6313),
        ];
        let expected = [
            "per node (3)",
            "  node                   matches  sessions  failed  snapshots  delivered  p99 ms  B/s/session  bytes total  disconnects  errors",
            "  http://127.0.0.1:8080        2       8/8       0    320/320   100.000%    4.94          630        13220            0       0",
            "  http://127.0.0.1:8081        2       8/8       0    320/320   100.000%    2.79          603        12708            0       0",
            "  http://127.0.0.1:8082        1       4/4       0    160/160   100.000%    1.42          600         6313            0       0",
        ];
        assert_eq!(node_table(&nodes), expected);

        nodes[1].snapshots_received = 311;
        nodes[1].delivered_pct = 97.1875;
        nodes[2].sessions_failed = 2;
        nodes[2].sessions_established = 2;
        nodes[2].failures.insert("http_503_unavailable".into(), 2);
        let table = node_table(&nodes);
        assert_eq!(
            table.last().unwrap(),
            "  http://127.0.0.1:8082 failures: http_503_unavailable×2"
        );
        let report = SwarmReport {
            nodes,
            sessions_failed: 2,
            sessions_established: 18,
            delivered_pct: 99.0,
            ..Default::default()
        };
        let lines = fail_lines(&report, 99.0);
        assert_eq!(lines.len(), 3, "{lines:#?}");
        assert!(lines[0].starts_with("arena-bots: FAIL (2 sessions failed"));
        assert!(lines[1].starts_with("arena-bots: FAIL on node http://127.0.0.1:8081 "));
        assert!(lines[2]
            .starts_with("arena-bots: FAIL on node http://127.0.0.1:8082 (2 sessions failed"));
    }
}
