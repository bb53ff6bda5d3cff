//! The bot swarm: one call drives a whole load against a running server and measures it.
//!
//! [`run_swarm`] creates matches of any registered game through the lobby API, joins players and
//! spectators at a ramp rate, starts the matches as their host, lets every player play with its
//! game's bot policy (one input per received snapshot, so one per tick), measures a
//! window of whole tick periods, then closes every session (1000) and ends the matches. It
//! returns a [`SwarmReport`]; it never prints (the binary renders progress and the report).
//!
//! One run can spread over several server nodes ([`SwarmConfig::servers`]): match `m` is created
//! on node `m mod n` through that node's lobby, its bots join there (the join answer's `ws_url`
//! points at the match's owner), its host starts and ends it there, and every counter is kept
//! per node as well as in total ([`NodeReport`]).
//!
//! Cheap per snapshot on purpose, so the server and not the bots is the bottleneck: every bot runs
//! as a task on the caller's runtime (meant to be one current-thread runtime pinned to one CPU),
//! counters live in one `RefCell` with no atomics, and latencies go into fixed-size HDR histograms
//! instead of being stored.
//!
//! # What "delivered" means
//! The window is `[w0, w1)` on the machine's wall clock, `w1 - w0` a whole number `k` of tick
//! periods. A snapshot counts when its `server_time_us` falls inside, whenever it arrives (the
//! swarm waits [`SwarmConfig::grace_ms`] after `w1` for late ones). A server that ticks on time sends
//! exactly `k` snapshots per session in that window, so `expected = k × sessions established`
//! (per match, the ticks seen when a tick stamped at a window edge made `k + 1`); a tick that
//! slips or is skipped, a snapshot dropped for a slow client, or a session that died all show up
//! as less than 100%.
//!
//! # Layout
//! - this file: [`SwarmConfig`] and [`run_swarm`], the run from ramp to report.
//! - `bot`: one bot task: join, connect, play with the game's policy, reconnect.
//! - `report`: what a run reports ([`SwarmReport`], [`Progress`]).
//! - `stats`: the counters every bot adds to, and small measuring helpers.

mod bot;
mod report;
mod stats;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use arena_game::api::{ApiRole, CreateMatchRequest, CreatedMatch};
use arena_game::GameRegistry;
use serde_json::{Map, Value};
use tokio::sync::watch;

use crate::{BotError, LobbyClient};
use bot::Bot;
pub use report::{NodeReport, Percentiles, Progress, Stage, SwarmReport};
use stats::Stats;
pub use stats::{error_kind, histogram, now_us, process_cpu_us, TickSpan};

/// How long to wait, after the last bot was spawned, for every join and handshake to finish.
const CONNECT_DEADLINE: Duration = Duration::from_secs(20);

/// How long closing the sessions at the end may take before the swarm returns anyway.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(5);

/// What to run. Every field has a default (see [`SwarmConfig::default`]).
#[derive(Debug, Clone)]
pub struct SwarmConfig {
    /// Server base URL for the lobby API (default `http://127.0.0.1:8080`). Not used when
    /// [`SwarmConfig::servers`] lists any.
    pub url: String,
    /// Server nodes to spread the run over, base URLs (default: none, the run uses `url` alone).
    /// Match `m` is created on `servers[m % servers.len()]` and its bots join through that node;
    /// the report has a [`NodeReport`] for each, in this order. [`SwarmConfig::nodes`] says what
    /// is refused.
    pub servers: Vec<String>,
    /// Matches to create (default 1).
    pub matches: u32,
    /// Players per match, each a playing bot (default 10).
    pub players: u8,
    /// Spectators per match (default 0).
    pub spectators: u32,
    /// Tick rate of the created matches, Hz (default 20).
    pub tick_hz: u8,
    /// Sessions started per second during the ramp-up (default 500).
    pub ramp_per_s: f64,
    /// Length of the measured window, seconds (default 10). The run is longer: ramp + settle +
    /// window + grace + shutdown.
    pub duration_s: f64,
    /// Pause between the last connection and the window, seconds (default 1.0), so the ramp's
    /// handshakes do not count against the steady state.
    pub settle_s: f64,
    /// Wait after the window for snapshots still in flight, milliseconds (default 500).
    pub grace_ms: u64,
    /// Interval of the progress callback, milliseconds (default 1000).
    pub progress_ms: u64,
    /// Join this existing match instead of creating matches (then `matches` must be 1, and the
    /// swarm neither starts nor ends it): bots to play against people in a browser.
    pub join_match: Option<String>,
    /// A player whose connection drops (anything but a normal close, a replace or a kick)
    /// reconnects with its reconnect URL, up to 3 tries with backoff (default true).
    pub reconnect: bool,
    /// The game of the created matches, by registry name (default `deathmatch`).
    pub game: String,
    /// The game's settings for the created matches (default: none given, the game's defaults).
    pub settings: Map<String, Value>,
    /// Where the bots find each game's policy, by the name in the welcome (default: the
    /// built-in games).
    pub games: GameRegistry,
}

impl Default for SwarmConfig {
    fn default() -> Self {
        Self {
            url: "http://127.0.0.1:8080".into(),
            servers: Vec::new(),
            matches: 1,
            players: 10,
            spectators: 0,
            tick_hz: 20,
            ramp_per_s: 500.0,
            duration_s: 10.0,
            settle_s: 1.0,
            grace_ms: 500,
            progress_ms: 1000,
            join_match: None,
            reconnect: true,
            game: "deathmatch".into(),
            settings: Map::new(),
            games: arena_catalog::builtin(),
        }
    }
}

impl SwarmConfig {
    /// Sessions the run will open: matches × (players + spectators).
    pub fn sessions(&self) -> u64 {
        self.matches as u64 * (self.players as u64 + self.spectators as u64)
    }

    /// The server nodes of the run, in order: `servers` (each trimmed, without a trailing `/`),
    /// or `url` alone when `servers` is empty.
    ///
    /// Refuses (as [`BotError::Config`], naming the CLI flags) a list that contradicts itself:
    /// an entry that is empty or not an `http://` / `https://` URL, a node listed twice, an
    /// existing match to join (`join_match`) with more than one node (a match lives on the one
    /// node that created it), or fewer matches than nodes (a node would host nothing, so its
    /// delivery could not be measured).
    pub fn nodes(&self) -> Result<Vec<String>, BotError> {
        if self.servers.is_empty() {
            return Ok(vec![self.url.trim_end_matches('/').to_owned()]);
        }
        let mut nodes: Vec<String> = Vec::with_capacity(self.servers.len());
        for (i, raw) in self.servers.iter().enumerate() {
            let url = raw.trim().trim_end_matches('/');
            if url.is_empty() {
                return Err(BotError::Config(format!(
                    "--servers: entry {} is empty",
                    i + 1
                )));
            }
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(BotError::Config(format!(
                    "--servers: {url:?} is not an http:// or https:// URL"
                )));
            }
            if nodes.iter().any(|n| n == url) {
                return Err(BotError::Config(format!(
                    "--servers lists {url} twice: each node once"
                )));
            }
            nodes.push(url.to_owned());
        }
        let n = nodes.len();
        if self.join_match.is_some() {
            if n > 1 {
                return Err(BotError::Config(format!(
                    "--match joins one existing match, which lives on the one node that created \
                     it: give that node alone (--url, or one --servers entry), not {n} servers"
                )));
            }
        } else if (self.matches as usize) < n {
            return Err(BotError::Config(format!(
                "--matches {} is fewer than the {n} --servers: give --matches {n} or more so \
                 every node hosts a match",
                self.matches
            )));
        }
        Ok(nodes)
    }
}

/// The game `game` of `games` if bots can play it: the registry knows it and it has a bot
/// policy. Each "no" is a [`BotError::NoBot`] saying what to do.
pub fn bots_for<'a>(
    games: &'a GameRegistry,
    game: &str,
) -> Result<&'a std::sync::Arc<dyn arena_game::GameType>, BotError> {
    let Some(game_type) = games.get(game) else {
        return Err(BotError::NoBot(format!(
            "these bots know no game {game:?} (they know: {}). The bots of a game come with \
             its crate: build a bots binary of your own whose main is \
             `arena_bots::cli::main(GameRegistry::new().with::<YourGame>())` (docs/bots.md), \
             and run it with the same flags",
            games.names().join(", ")
        )));
    };
    if !game_type.has_bots() {
        return Err(BotError::NoBot(format!(
            "game {game:?} has no bot policy: its Game impl says `type Bot = NoBot`. Write a \
             BotPolicy for it and set `type Bot` (docs/architecture.md, \"Write your own game\")"
        )));
    }
    Ok(game_type)
}

/// Whether bots built with `games` can play `game` on a server hosting `hosted`: the server
/// hosts it, this registry knows it, and it has a bot policy ([`bots_for`]). Each "no" is a
/// [`BotError::Config`] or [`BotError::NoBot`] saying what to do.
pub fn check_game(
    games: &GameRegistry,
    game: &str,
    hosted: &arena_game::api::GamesResponse,
) -> Result<(), BotError> {
    if !hosted.iter().any(|g| g.info.name == game) {
        let names: Vec<&str> = hosted.iter().map(|g| g.info.name.as_str()).collect();
        return Err(BotError::Config(format!(
            "the server hosts no game {game:?} (it hosts: {})",
            names.join(", ")
        )));
    }
    bots_for(games, game)?;
    Ok(())
}

/// Runs the whole load described by `config` and measures it. `progress` is called every
/// [`SwarmConfig::progress_ms`]. Must run inside a tokio runtime; the bots are local tasks, so a
/// current-thread runtime pinned to one CPU is enough and cheapest.
///
/// Fails when the bots cannot play the game ([`check_game`]) or the matches cannot be created;
/// sessions that fail are counted in the report.
pub async fn run_swarm(
    config: &SwarmConfig,
    progress: impl FnMut(&Progress),
) -> Result<SwarmReport, BotError> {
    let local = tokio::task::LocalSet::new();
    local.run_until(run_local(config, progress)).await
}

/// What every bot task of a run shares.
pub(crate) struct Shared {
    pub(crate) stats: RefCell<Stats>,
    pub(crate) stage: Cell<Stage>,
}

async fn run_local(
    config: &SwarmConfig,
    mut progress: impl FnMut(&Progress),
) -> Result<SwarmReport, BotError> {
    let run_start = Instant::now();
    let nodes = config.nodes()?;
    let lobbies: Vec<LobbyClient> = nodes.iter().map(|url| LobbyClient::new(url)).collect();
    // With one server, errors stay as they were; with several, they name the node.
    let at_node = |node: usize, e: BotError| match nodes.len() {
        1 => e,
        _ => BotError::Node {
            url: nodes[node].clone(),
            source: Box::new(e),
        },
    };
    let planned = config.sessions();
    let shared = Rc::new(Shared {
        stats: RefCell::new(Stats::new(config.matches as usize, nodes.len())),
        stage: Cell::new(Stage::Ramp),
    });

    // The bots must be able to play the game before anything is created: a game this swarm
    // has no policy for would fail every bot.
    let game = match &config.join_match {
        Some(id) => {
            lobbies[0]
                .get(id)
                .await
                .map_err(|e| at_node(0, e))?
                .summary
                .game
        }
        None => config.game.clone(),
    };
    let hosted = lobbies[0].games().await.map_err(|e| at_node(0, e))?;
    check_game(&config.games, &game, &hosted)?;

    // Round robin: match m lives on node m mod n.
    let mut created: Vec<(usize, CreatedMatch)> = Vec::with_capacity(config.matches as usize);
    for m in 0..config.matches {
        if config.join_match.is_some() {
            break;
        }
        let node = m as usize % nodes.len();
        let req = CreateMatchRequest {
            name: format!("swarm-{m}"),
            game: Some(config.game.clone()),
            max_players: Some(config.players.max(1)),
            tick_hz: Some(config.tick_hz),
            settings: Some(config.settings.clone()),
        };
        match lobbies[node].create_match(&req).await {
            Ok(c) => created.push((node, c)),
            Err(e) => {
                end_matches(&lobbies, &created).await;
                return Err(at_node(node, e));
            }
        }
    }

    // The progress reporter runs beside everything else until the run ends. The callback borrows
    // the caller, so it cannot move into a task: samples come back over a channel and are handed
    // to it between the steps of this function.
    let (progress_tx, mut progress_rx) = tokio::sync::mpsc::unbounded_channel::<Progress>();
    let (stop_tx, stop_rx) = watch::channel(false);
    let reporter = {
        let shared = shared.clone();
        let mut stop_rx = stop_rx.clone();
        let interval = Duration::from_millis(config.progress_ms.max(50));
        async move {
            let mut last_snapshots = 0u64;
            let mut last_at = Instant::now();
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    _ = stop_rx.changed() => return,
                }
                let mut st = shared.stats.borrow_mut();
                let now = Instant::now();
                let dt = now.duration_since(last_at).as_secs_f64().max(1e-6);
                let p = Progress {
                    elapsed_s: run_start.elapsed().as_secs_f64(),
                    stage: shared.stage.get(),
                    connected: st.sum(|n| n.connected),
                    failed: st.sum(|n| n.failed),
                    planned,
                    snapshots_per_s: (st.snapshots_total - last_snapshots) as f64 / dt,
                    p99_ms: if st.latency_all.is_empty() {
                        0.0
                    } else {
                        st.latency_all.value_at_quantile(0.99) as f64 / 1000.0
                    },
                    p99_last_ms: if st.latency_interval.is_empty() {
                        0.0
                    } else {
                        st.latency_interval.value_at_quantile(0.99) as f64 / 1000.0
                    },
                    errors: st.errors(),
                };
                st.latency_interval.reset();
                if p.stage == Stage::Measure {
                    st.p99_by_interval.push(p.p99_last_ms);
                }
                last_snapshots = st.snapshots_total;
                last_at = now;
                drop(st);
                let _ = progress_tx.send(p);
            }
        }
    };
    let reporter_task = tokio::task::spawn_local(reporter);

    // Ramp: spawn one bot every 1/ramp seconds, players of a match before its spectators.
    let ramp_start = tokio::time::Instant::now();
    let per_session = Duration::from_secs_f64(1.0 / config.ramp_per_s.max(0.001));
    let mut bots = Vec::with_capacity(planned as usize);
    let mut spawned = 0u32;
    // (node, match id) of every match the bots join, by match index.
    let targets: Vec<(usize, String)> = match &config.join_match {
        Some(id) => vec![(0, id.clone())],
        None => created.iter().map(|(n, c)| (*n, c.id.clone())).collect(),
    };
    for (m, (node, match_id)) in targets.iter().enumerate() {
        let roles = std::iter::repeat_n(ApiRole::Player, config.players as usize).chain(
            std::iter::repeat_n(ApiRole::Spectator, config.spectators as usize),
        );
        for (i, role) in roles.enumerate() {
            let at = ramp_start + per_session * spawned;
            spawned += 1;
            drain_progress(&mut progress_rx, &mut progress);
            tokio::time::sleep_until(at).await;
            let bot = Bot {
                games: config.games.clone(),
                shared: shared.clone(),
                lobby: lobbies[*node].clone(),
                node: *node,
                match_index: m,
                match_id: match_id.clone(),
                reconnect: config.reconnect,
                name: format!("bot-{m}-{i}"),
                role,
                stop: stop_rx.clone(),
            };
            bots.push(tokio::task::spawn_local(bot.run()));
        }
    }

    // Wait for every join and handshake to finish one way or the other.
    let deadline = tokio::time::Instant::now() + CONNECT_DEADLINE;
    loop {
        drain_progress(&mut progress_rx, &mut progress);
        let done = {
            let st = shared.stats.borrow();
            st.sum(|n| n.connected + n.failed) >= planned
        };
        if done || tokio::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for (node, c) in &created {
        if let Err(e) = lobbies[*node].start(&c.id, &c.host_token).await {
            log::warn!("starting match {} on {} failed: {e}", c.id, nodes[*node]);
        }
    }

    // The window: k whole tick periods starting after the settle pause.
    shared.stage.set(Stage::Settle);
    let hz = config.tick_hz.max(1) as f64;
    let ticks = (config.duration_s * hz).round().max(1.0);
    let window_us = (ticks * 1_000_000.0 / hz).round() as u64;
    let w0 = now_us() + (config.settle_s.max(0.0) * 1e6) as u64;
    let w1 = w0 + window_us;
    shared.stats.borrow_mut().window = (w0, w1);
    sleep_until_wall(w0, &mut progress_rx, &mut progress).await;
    shared.stage.set(Stage::Measure);
    let cpu0 = process_cpu_us();
    let wall0 = Instant::now();
    let node_established_at_w0: Vec<u64> = shared
        .stats
        .borrow()
        .nodes
        .iter()
        .map(|n| n.connected + n.disconnects)
        .collect();
    let established_at_w0: u64 = node_established_at_w0.iter().sum();
    sleep_until_wall(w1, &mut progress_rx, &mut progress).await;
    let cpu1 = process_cpu_us();
    let wall_window = wall0.elapsed().as_secs_f64();
    shared.stage.set(Stage::Drain);
    sleep_until_wall(w1 + config.grace_ms * 1000, &mut progress_rx, &mut progress).await;

    // Stop: sessions close themselves (normal close), then the host ends every match.
    let _ = stop_tx.send(true);
    let shutdown = async {
        for b in bots {
            let _ = b.await;
        }
    };
    let _ = tokio::time::timeout(SHUTDOWN_DEADLINE, shutdown).await;
    end_matches(&lobbies, &created).await;
    let _ = reporter_task.await;
    drain_progress(&mut progress_rx, &mut progress);

    let st = shared.stats.borrow();
    let total = st.total();
    let window_s = window_us as f64 / 1e6;
    // A match's tick stamped just inside a window edge can add one tick to the k periods: take
    // the ticks actually seen when there are more, so delivery never reads above 100%.
    let expected_by_match: Vec<u64> = st
        .match_sessions
        .iter()
        .zip(&st.ticks)
        .map(|(&sessions, span)| sessions * span.map_or(0, |s| s.seen()).max(ticks as u64))
        .collect();
    let expected: u64 = expected_by_match.iter().sum();
    let tick_hz_measured = TickSpan::measured_hz(st.ticks.iter().flatten());
    let per_session_s = (established_at_w0.max(1) as f64) * window_s;
    let sessions_per_match = config.players as u64 + config.spectators as u64;
    let node_reports = nodes
        .iter()
        .enumerate()
        .map(|(i, url)| {
            let n = &st.nodes[i];
            let here: Vec<usize> = (0..targets.len()).filter(|&m| targets[m].0 == i).collect();
            let expected: u64 = here.iter().map(|&m| expected_by_match[m]).sum();
            let established = node_established_at_w0[i];
            let per_session_s = (established.max(1) as f64) * window_s;
            NodeReport {
                url: url.clone(),
                matches: here.len() as u32,
                match_ids: here.iter().map(|&m| targets[m].1.clone()).collect(),
                sessions_planned: here.len() as u64 * sessions_per_match,
                sessions_established: established,
                sessions_failed: n.failed,
                failures: n.failures.clone(),
                failure_examples: n.failure_examples.clone(),
                snapshots_received: n.snapshots_window,
                snapshots_expected: expected,
                delivered_pct: percent(n.snapshots_window, expected),
                tick_hz_measured: TickSpan::measured_hz(
                    here.iter().filter_map(|&m| st.ticks[m].as_ref()),
                ),
                latency_ms: Percentiles::of(&n.latency_window, 1000.0),
                bytes_per_session_per_s: n.bytes_window as f64 / per_session_s,
                wire_bytes_per_session_per_s: n.wire_bytes_window as f64 / per_session_s,
                messages_received_total: n.messages_total,
                bytes_received_total: n.bytes_total,
                disconnects: n.disconnects,
                reconnects: n.reconnects,
                close_codes: n.close_codes.clone(),
                server_errors: n.server_errors,
                decode_errors: n.decode_errors,
            }
        })
        .collect();
    // By role, over the planned sessions of that role (a failed one lowers its role's figure).
    let per_role = |role: usize, sessions: u64| match sessions {
        0 => 0.0,
        n => st.role_wire_bytes_window[role] as f64 / (n as f64 * window_s),
    };
    Ok(SwarmReport {
        url: match config.servers.is_empty() {
            true => config.url.clone(),
            false => nodes.join(","),
        },
        matches: config.matches,
        game: config.game.clone(),
        players_per_match: config.players,
        spectators_per_match: config.spectators,
        tick_hz: config.tick_hz,
        window_s,
        window_start_us: w0,
        window_end_us: w1,
        sessions_planned: planned,
        sessions_established: established_at_w0,
        sessions_failed: total.failed,
        failures: total.failures.clone(),
        failure_examples: total.failure_examples.clone(),
        snapshots_received: total.snapshots_window,
        snapshots_expected: expected,
        delivered_pct: percent(total.snapshots_window, expected),
        tick_hz_measured,
        latency_ms: Percentiles::of(&total.latency_window, 1000.0),
        latency_p99_by_second_ms: st.p99_by_interval.clone(),
        input_rtt_ms: Percentiles::of(&st.rtt, 1000.0),
        connect_ms: Percentiles::of(&st.connect, 1000.0),
        decode_us: Percentiles::of(&st.decode_ns, 1000.0),
        bytes_per_session_per_s: total.bytes_window as f64 / per_session_s,
        wire_bytes_per_session_per_s: total.wire_bytes_window as f64 / per_session_s,
        wire_bytes_per_player_per_s: per_role(0, config.matches as u64 * config.players as u64),
        wire_bytes_per_spectator_per_s: per_role(
            1,
            config.matches as u64 * config.spectators as u64,
        ),
        keyframes_received: st.keyframes_window,
        deltas_received: st.deltas_window,
        disconnects: total.disconnects,
        reconnects: total.reconnects,
        close_codes: total.close_codes.clone(),
        close_reasons: st.close_reasons.clone(),
        messages_received_total: total.messages_total,
        bytes_received_total: total.bytes_total,
        server_errors: total.server_errors,
        decode_errors: total.decode_errors,
        bot_cpu_pct: 100.0 * (cpu1.saturating_sub(cpu0)) as f64 / 1e6 / wall_window.max(1e-6),
        run_s: run_start.elapsed().as_secs_f64(),
        nodes: node_reports,
    })
}

/// `100 × received / expected`, 0 when nothing was expected.
fn percent(received: u64, expected: u64) -> f64 {
    if expected > 0 {
        100.0 * received as f64 / expected as f64
    } else {
        0.0
    }
}

fn drain_progress(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Progress>,
    progress: &mut impl FnMut(&Progress),
) {
    while let Ok(p) = rx.try_recv() {
        progress(&p);
    }
}

/// Sleeps until the wall clock reads `target_us`, handing progress samples over meanwhile.
async fn sleep_until_wall(
    target_us: u64,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Progress>,
    progress: &mut impl FnMut(&Progress),
) {
    loop {
        drain_progress(rx, progress);
        let now = now_us();
        if now >= target_us {
            return;
        }
        let left = Duration::from_micros(target_us - now);
        tokio::select! {
            _ = tokio::time::sleep(left) => {}
            Some(p) = rx.recv() => progress(&p),
        }
    }
}

/// Ends every created match through the lobby of the node that created it.
async fn end_matches(lobbies: &[LobbyClient], created: &[(usize, CreatedMatch)]) {
    for (node, c) in created {
        if let Err(e) = lobbies[*node].end(&c.id, &c.host_token).await {
            log::debug!("ending match {} failed: {e}", c.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run against a port nobody listens on fails fast with a request error, creating nothing.
    #[tokio::test]
    async fn unreachable_server_is_an_error() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = SwarmConfig {
            url: format!("http://127.0.0.1:{port}"),
            ..Default::default()
        };
        let err = run_swarm(&config, |_| {}).await.unwrap_err();
        assert_eq!(error_kind(&err), "http_connect");
    }

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    /// Over several servers, a node that refuses the run is named in the error.
    #[tokio::test]
    async fn unreachable_node_is_named() {
        let a = format!("http://127.0.0.1:{}", free_port());
        let b = format!("http://127.0.0.1:{}", free_port());
        let config = SwarmConfig {
            servers: vec![a.clone(), b],
            matches: 2,
            ..Default::default()
        };
        let err = run_swarm(&config, |_| {}).await.unwrap_err();
        assert_eq!(error_kind(&err), "http_connect");
        assert!(
            matches!(&err, BotError::Node { url, .. } if *url == a),
            "{err}"
        );
        assert!(err.to_string().starts_with(&format!("{a}: ")), "{err}");
    }

    /// `url` alone is one node; `servers` replaces it, normalised; contradictions are refused
    /// before anything is created, with a message naming the flags.
    #[test]
    fn nodes_from_url_or_servers() {
        let one = SwarmConfig {
            url: "http://h:1/".into(),
            ..Default::default()
        };
        assert_eq!(one.nodes().unwrap(), ["http://h:1"]);
        let three = SwarmConfig {
            url: "http://ignored:9".into(),
            servers: vec![
                "http://a:1/".into(),
                " http://b:2".into(),
                "https://c".into(),
            ],
            matches: 3,
            ..Default::default()
        };
        assert_eq!(
            three.nodes().unwrap(),
            ["http://a:1", "http://b:2", "https://c"]
        );
        let refused = |config: SwarmConfig, needle: &str| match config.nodes() {
            Err(BotError::Config(msg)) => assert!(msg.contains(needle), "{msg}"),
            other => panic!("expected a config error with {needle:?}, got {other:?}"),
        };
        refused(
            SwarmConfig {
                matches: 2,
                ..three.clone()
            },
            "--matches 2 is fewer than the 3 --servers",
        );
        refused(
            SwarmConfig {
                join_match: Some("m".into()),
                ..three.clone()
            },
            "--match joins one existing match",
        );
        refused(
            SwarmConfig {
                servers: vec!["http://a".into(), "http://a/".into()],
                ..three.clone()
            },
            "lists http://a twice",
        );
        refused(
            SwarmConfig {
                servers: vec!["http://a".into(), "".into()],
                ..three.clone()
            },
            "entry 2 is empty",
        );
        refused(
            SwarmConfig {
                servers: vec!["a:8080".into()],
                ..three.clone()
            },
            "not an http:// or https:// URL",
        );
        // One node and a match to join is the same as --url.
        let joined = SwarmConfig {
            servers: vec!["http://a".into()],
            join_match: Some("m".into()),
            matches: 1,
            ..Default::default()
        };
        assert_eq!(joined.nodes().unwrap(), ["http://a"]);
    }
}
