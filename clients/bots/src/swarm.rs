//! The bot swarm: one call drives a whole load against a running server and measures it.
//!
//! [`run_swarm`] creates matches of any registered game through the lobby API, joins players and
//! spectators at a ramp rate, starts the matches as their host, lets every player play with its
//! game's bot policy (one input per received snapshot, so one per tick), measures a
//! window of whole tick periods, then closes every session (1000) and ends the matches. It
//! returns a [`SwarmReport`]; it never prints (the binary renders progress and the report).
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

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use arena_game::api::{ApiRole, CreateMatchRequest};
use arena_game::protocol::{ClientMsg, Payload, Role, ServerMsg, Snapshot};
use arena_game::{DynBot, GameRegistry};
use hdrhistogram::Histogram;
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::watch;

use crate::session::decode_server_msg;
use crate::{BotError, LobbyClient, Session};

/// How long to wait, after the last bot was spawned, for every join and handshake to finish.
const CONNECT_DEADLINE: Duration = Duration::from_secs(20);

/// How long closing the sessions at the end may take before the swarm returns anyway.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(5);

/// Pending inputs a player remembers for the round trip; older ones are dropped unmeasured.
const MAX_PENDING_INPUTS: usize = 64;

/// Distinct close reasons kept in the report; further ones are counted as "other".
const MAX_CLOSE_REASONS: usize = 16;

/// Largest latency the histograms hold, microseconds (60 s); larger values are clamped.
const HIST_MAX_US: u64 = 60_000_000;

/// What to run. Every field has a default (see [`SwarmConfig::default`]).
#[derive(Debug, Clone)]
pub struct SwarmConfig {
    /// Server base URL for the lobby API (default `http://127.0.0.1:8080`).
    pub url: String,
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
}

/// Where the run is, for the live progress line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Creating matches and opening sessions.
    Ramp,
    /// Connected, waiting for the window.
    Settle,
    /// Inside the measured window.
    Measure,
    /// After the window: waiting for late snapshots, ending matches, closing sessions.
    Drain,
}

/// A live sample of the run, passed to the progress callback.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    /// Seconds since the run started.
    pub elapsed_s: f64,
    /// Where the run is.
    pub stage: Stage,
    /// Sessions welcomed and still open.
    pub connected: u64,
    /// Sessions that failed to join or connect.
    pub failed: u64,
    /// Sessions planned.
    pub planned: u64,
    /// Snapshots received per second over the last interval.
    pub snapshots_per_s: f64,
    /// p99 tick-to-client latency over everything received so far, milliseconds.
    pub p99_ms: f64,
    /// p99 tick-to-client latency over the last interval only, milliseconds (shows when a spike
    /// happened; 0 when nothing arrived).
    pub p99_last_ms: f64,
    /// Errors so far: failed sessions, disconnects, undecodable messages, server error messages.
    pub errors: u64,
}

/// Percentiles of one measured quantity.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Percentiles {
    /// Samples recorded.
    pub count: u64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest sample.
    pub max: f64,
    /// Mean.
    pub mean: f64,
}

impl Percentiles {
    /// Percentiles of `h`, divided by `scale` (e.g. 1000 to turn µs into ms).
    fn of(h: &Histogram<u64>, scale: f64) -> Self {
        if h.is_empty() {
            return Self::default();
        }
        Self {
            count: h.len(),
            p50: h.value_at_quantile(0.50) as f64 / scale,
            p90: h.value_at_quantile(0.90) as f64 / scale,
            p99: h.value_at_quantile(0.99) as f64 / scale,
            max: h.max() as f64 / scale,
            mean: h.mean() / scale,
        }
    }
}

/// Everything a run measured. Latencies in milliseconds unless the name says otherwise.
#[derive(Debug, Clone, Serialize)]
pub struct SwarmReport {
    /// Server base URL.
    pub url: String,
    /// Matches created.
    pub matches: u32,
    /// The game played.
    pub game: String,
    /// Players per match.
    pub players_per_match: u8,
    /// Spectators per match.
    pub spectators_per_match: u32,
    /// Configured tick rate, Hz.
    pub tick_hz: u8,
    /// Length of the measured window, seconds (a whole number of tick periods).
    pub window_s: f64,
    /// Window start, wall clock, Unix epoch µs (lets a script line up the server's CPU samples).
    pub window_start_us: u64,
    /// Window end, wall clock, Unix epoch µs.
    pub window_end_us: u64,
    /// Sessions the run tried to open.
    pub sessions_planned: u64,
    /// Sessions that got their welcome.
    pub sessions_established: u64,
    /// Sessions whose join or handshake failed.
    pub sessions_failed: u64,
    /// Why sessions failed, by error kind.
    pub failures: BTreeMap<String, u64>,
    /// Snapshots stamped inside the window that arrived.
    pub snapshots_received: u64,
    /// Snapshots a server ticking on time sends in the window: ticks × sessions established
    /// (per match, the ticks seen when a tick at the window's edge made one more).
    pub snapshots_expected: u64,
    /// `100 × received / expected`.
    pub delivered_pct: f64,
    /// Mean tick rate the server achieved in the window, from tick numbers and stamps, Hz.
    pub tick_hz_measured: f64,
    /// Snapshot `server_time_us` → receive time on the same clock, ms.
    pub latency_ms: Percentiles,
    /// p99 latency of each progress interval (1 s) inside the window, ms: shows whether a bad
    /// overall p99 is steady or a few spikes (e.g. other load on a shared machine).
    pub latency_p99_by_second_ms: Vec<f64>,
    /// Input sent → its seq seen as `last_input_seq` in a snapshot, ms.
    pub input_rtt_ms: Percentiles,
    /// Join request + WebSocket handshake + welcome, ms.
    pub connect_ms: Percentiles,
    /// Decoding one server message on the client, µs.
    pub decode_us: Percentiles,
    /// Snapshot payload bytes per session per second in the window.
    pub bytes_per_session_per_s: f64,
    /// The same with WebSocket frame headers, as on the wire above TCP.
    pub wire_bytes_per_session_per_s: f64,
    /// Sessions that ended before the swarm closed them (after any reconnect attempts).
    pub disconnects: u64,
    /// Dropped player sessions that got their seat back with the reconnect URL.
    pub reconnects: u64,
    /// Close codes of sessions that ended before the swarm closed them (1006 = no close frame).
    pub close_codes: BTreeMap<u16, u64>,
    /// Why those sessions ended: "code: reason" from the close frame, or the transport error.
    pub close_reasons: BTreeMap<String, u64>,
    /// Every message received over the whole run (welcome, roster, snapshots...), those still
    /// arriving while the session closed included, to compare with `arena_frames_sent_total`.
    pub messages_received_total: u64,
    /// Payload bytes of those messages, to compare with `arena_bytes_sent_total`.
    pub bytes_received_total: u64,
    /// `Error` messages the server sent.
    pub server_errors: u64,
    /// Messages that did not decode.
    pub decode_errors: u64,
    /// CPU time of the bot process over the window as a percentage of one core.
    pub bot_cpu_pct: f64,
    /// Wall time of the whole run, seconds.
    pub run_s: f64,
}

impl SwarmReport {
    /// Whether the run passes: no failed session and at least `min_delivered_pct` delivered.
    pub fn passes(&self, min_delivered_pct: f64) -> bool {
        self.sessions_failed == 0
            && self.sessions_established > 0
            && self.delivered_pct >= min_delivered_pct
    }
}

/// First and last tick seen inside the window for one match: (tick, server_time_us).
#[derive(Debug, Clone, Copy)]
struct TickSpan {
    first: (u32, u64),
    last: (u32, u64),
}

/// The counters every bot task adds to; one per run, shared through an `Rc`.
struct Stats {
    window: (u64, u64),
    connected: u64,
    failed: u64,
    failures: BTreeMap<String, u64>,
    snapshots_total: u64,
    snapshots_window: u64,
    bytes_window: u64,
    wire_bytes_window: u64,
    latency_all: Histogram<u64>,
    latency_interval: Histogram<u64>,
    p99_by_interval: Vec<f64>,
    latency_window: Histogram<u64>,
    rtt: Histogram<u64>,
    connect: Histogram<u64>,
    decode_ns: Histogram<u64>,
    disconnects: u64,
    reconnects: u64,
    close_codes: BTreeMap<u16, u64>,
    close_reasons: BTreeMap<String, u64>,
    server_errors: u64,
    decode_errors: u64,
    ticks: Vec<Option<TickSpan>>,
    match_sessions: Vec<u64>,
    messages_total: u64,
    bytes_total: u64,
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, HIST_MAX_US, 3).expect("valid histogram bounds")
}

impl Stats {
    fn new(matches: usize) -> Self {
        Self {
            window: (u64::MAX, u64::MAX),
            connected: 0,
            failed: 0,
            failures: BTreeMap::new(),
            snapshots_total: 0,
            snapshots_window: 0,
            bytes_window: 0,
            wire_bytes_window: 0,
            latency_all: histogram(),
            latency_interval: histogram(),
            p99_by_interval: Vec::new(),
            latency_window: histogram(),
            rtt: histogram(),
            connect: histogram(),
            decode_ns: histogram(),
            disconnects: 0,
            reconnects: 0,
            close_codes: BTreeMap::new(),
            close_reasons: BTreeMap::new(),
            server_errors: 0,
            decode_errors: 0,
            ticks: vec![None; matches],
            match_sessions: vec![0; matches],
            messages_total: 0,
            bytes_total: 0,
        }
    }

    fn in_window(&self, server_time_us: u64) -> bool {
        server_time_us >= self.window.0 && server_time_us < self.window.1
    }

    fn fail(&mut self, err: &BotError) {
        self.failed += 1;
        *self.failures.entry(error_kind(err)).or_default() += 1;
    }

    fn errors(&self) -> u64 {
        self.failed + self.disconnects + self.server_errors + self.decode_errors
    }
}

/// A short, countable name for an error (no ids or tokens, so equal causes group together).
pub fn error_kind(err: &BotError) -> String {
    match err {
        BotError::Http { status, body } => format!("http_{status}_{}", body.error),
        BotError::Closed { code, .. } => format!("closed_{code}"),
        BotError::Timeout => "timeout".into(),
        BotError::Decode(_) => "decode".into(),
        BotError::Encode(_) => "encode".into(),
        BotError::Protocol(_) => "protocol".into(),
        BotError::Request(e) if e.is_connect() => "http_connect".into(),
        BotError::Request(e) if e.is_timeout() => "http_timeout".into(),
        BotError::Request(_) => "http_request".into(),
        BotError::Ws(e) => match &**e {
            tokio_tungstenite::tungstenite::Error::Io(io) => format!("ws_io_{:?}", io.kind()),
            other => format!("ws_{}", ws_error_name(other)),
        },
    }
}

fn ws_error_name(e: &tokio_tungstenite::tungstenite::Error) -> &'static str {
    use tokio_tungstenite::tungstenite::Error as E;
    match e {
        E::Protocol(_) => "protocol",
        E::Capacity(_) => "capacity",
        E::Url(_) => "url",
        E::HttpFormat(_) => "http_format",
        E::Utf8 => "utf8",
        _ => "other",
    }
}

/// Wall-clock microseconds since the Unix epoch: the clock the server stamps snapshots with.
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// CPU time (user + system) this process has used, microseconds.
pub fn process_cpu_us() -> u64 {
    // SAFETY: getrusage only writes the struct we hand it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    if rc != 0 {
        return 0;
    }
    let tv = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// WebSocket header bytes of a server frame (unmasked) carrying `len` payload bytes.
fn ws_header_len(len: usize) -> u64 {
    match len {
        0..=125 => 2,
        126..=65535 => 4,
        _ => 10,
    }
}

/// Runs the whole load described by `config` and measures it. `progress` is called every
/// [`SwarmConfig::progress_ms`]. Must run inside a tokio runtime; the bots are local tasks, so a
/// current-thread runtime pinned to one CPU is enough and cheapest.
///
/// Fails only when the matches cannot be created; sessions that fail are counted in the report.
pub async fn run_swarm(
    config: &SwarmConfig,
    progress: impl FnMut(&Progress),
) -> Result<SwarmReport, BotError> {
    let local = tokio::task::LocalSet::new();
    local.run_until(run_local(config, progress)).await
}

struct Shared {
    stats: RefCell<Stats>,
    stage: Cell<Stage>,
}

async fn run_local(
    config: &SwarmConfig,
    mut progress: impl FnMut(&Progress),
) -> Result<SwarmReport, BotError> {
    let run_start = Instant::now();
    let lobby = LobbyClient::new(&config.url);
    let planned = config.sessions();
    let shared = Rc::new(Shared {
        stats: RefCell::new(Stats::new(config.matches as usize)),
        stage: Cell::new(Stage::Ramp),
    });

    let mut created = Vec::with_capacity(config.matches as usize);
    for m in 0..config.matches {
        if config.join_match.is_some() {
            break;
        }
        let req = CreateMatchRequest {
            name: format!("swarm-{m}"),
            game: Some(config.game.clone()),
            max_players: Some(config.players.max(1)),
            tick_hz: Some(config.tick_hz),
            settings: Some(config.settings.clone()),
        };
        match lobby.create_match(&req).await {
            Ok(c) => created.push(c),
            Err(e) => {
                end_matches(&lobby, &created).await;
                return Err(e);
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
                    connected: st.connected,
                    failed: st.failed,
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
    let targets: Vec<String> = match &config.join_match {
        Some(id) => vec![id.clone()],
        None => created.iter().map(|c| c.id.clone()).collect(),
    };
    for (m, match_id) in targets.iter().enumerate() {
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
                lobby: lobby.clone(),
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
            st.connected + st.failed >= planned
        };
        if done || tokio::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for c in &created {
        if let Err(e) = lobby.start(&c.id, &c.host_token).await {
            log::warn!("starting match {} failed: {e}", c.id);
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
    let established_at_w0 = shared.stats.borrow().connected + shared.stats.borrow().disconnects;
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
    end_matches(&lobby, &created).await;
    let _ = reporter_task.await;
    drain_progress(&mut progress_rx, &mut progress);

    let st = shared.stats.borrow();
    let window_s = window_us as f64 / 1e6;
    // A match's tick stamped just inside a window edge can add one tick to the k periods: take
    // the ticks actually seen when there are more, so delivery never reads above 100%.
    let expected: u64 = st
        .match_sessions
        .iter()
        .zip(&st.ticks)
        .map(|(&sessions, span)| {
            let seen = span.map_or(0, |s| s.last.0.wrapping_sub(s.first.0) as u64 + 1);
            sessions * seen.max(ticks as u64)
        })
        .sum();
    let tick_hz_measured = {
        let (mut ticks_sum, mut secs_sum) = (0f64, 0f64);
        for span in st.ticks.iter().flatten() {
            if span.last.1 > span.first.1 {
                ticks_sum += span.last.0.wrapping_sub(span.first.0) as f64;
                secs_sum += (span.last.1 - span.first.1) as f64 / 1e6;
            }
        }
        if secs_sum > 0.0 {
            ticks_sum / secs_sum
        } else {
            0.0
        }
    };
    let per_session_s = (established_at_w0.max(1) as f64) * window_s;
    Ok(SwarmReport {
        url: config.url.clone(),
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
        sessions_failed: st.failed,
        failures: st.failures.clone(),
        snapshots_received: st.snapshots_window,
        snapshots_expected: expected,
        delivered_pct: if expected > 0 {
            100.0 * st.snapshots_window as f64 / expected as f64
        } else {
            0.0
        },
        tick_hz_measured,
        latency_ms: Percentiles::of(&st.latency_window, 1000.0),
        latency_p99_by_second_ms: st.p99_by_interval.clone(),
        input_rtt_ms: Percentiles::of(&st.rtt, 1000.0),
        connect_ms: Percentiles::of(&st.connect, 1000.0),
        decode_us: Percentiles::of(&st.decode_ns, 1000.0),
        bytes_per_session_per_s: st.bytes_window as f64 / per_session_s,
        wire_bytes_per_session_per_s: st.wire_bytes_window as f64 / per_session_s,
        disconnects: st.disconnects,
        reconnects: st.reconnects,
        close_codes: st.close_codes.clone(),
        close_reasons: st.close_reasons.clone(),
        messages_received_total: st.messages_total,
        bytes_received_total: st.bytes_total,
        server_errors: st.server_errors,
        decode_errors: st.decode_errors,
        bot_cpu_pct: 100.0 * (cpu1.saturating_sub(cpu0)) as f64 / 1e6 / wall_window.max(1e-6),
        run_s: run_start.elapsed().as_secs_f64(),
    })
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

async fn end_matches(lobby: &LobbyClient, created: &[arena_game::api::CreatedMatch]) {
    for c in created {
        if let Err(e) = lobby.end(&c.id, &c.host_token).await {
            log::debug!("ending match {} failed: {e}", c.id);
        }
    }
}

/// One bot: joins, connects, then reads until told to stop, playing when it is a player.
struct Bot {
    games: GameRegistry,
    shared: Rc<Shared>,
    lobby: LobbyClient,
    match_index: usize,
    match_id: String,
    name: String,
    role: ApiRole,
    stop: watch::Receiver<bool>,
    reconnect: bool,
}

/// Tries to reopen a dropped player's seat: 3 attempts, 0.5 s, 1 s, 2 s apart (well inside the
/// server's default 15 s grace period).
async fn reconnect(url: &str, stop: &mut watch::Receiver<bool>) -> Option<Session> {
    let mut delay = Duration::from_millis(500);
    for _ in 0..3 {
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.changed() => return None,
        }
        if let Ok(s) = Session::connect(url).await {
            return Some(s);
        }
        delay *= 2;
    }
    None
}

/// Whether a session that ended with `e` should try to get its seat back.
fn should_reconnect(e: &BotError) -> bool {
    !matches!(e.close_code(), Some(1000 | 4001 | 4002))
}

impl Bot {
    async fn run(mut self) {
        let started = Instant::now();
        let session = async {
            let join = self
                .lobby
                .join(&self.match_id, &self.name, self.role)
                .await?;
            Session::connect(&join.ws_url)
                .await
                .map(|s| (s, join.reconnect_url))
        };
        let (mut session, reconnect_url) = match session.await {
            Ok(s) => s,
            Err(e) => {
                self.shared.stats.borrow_mut().fail(&e);
                return;
            }
        };
        {
            let mut st = self.shared.stats.borrow_mut();
            st.connected += 1;
            st.match_sessions[self.match_index] += 1;
            let us = started.elapsed().as_micros() as u64;
            st.connect.saturating_record(us.max(1));
        }
        let me = session.welcome.player_id;
        let mut brain = match (me, Role::from(self.role)) {
            (Some(me), Role::Player) => match self.brain(&session, me) {
                Ok(b) => Some(b),
                Err(e) => {
                    self.shared.stats.borrow_mut().fail(&e);
                    let _ = session.close().await;
                    return;
                }
            },
            _ => None,
        };
        let mut input_buf = Vec::with_capacity(16);
        let mut seq: u16 = 0;
        let mut pending: VecDeque<(u16, Instant)> = VecDeque::with_capacity(MAX_PENDING_INPUTS);
        let ended = 'session: loop {
            let dropped = loop {
                let bytes = tokio::select! {
                    biased;
                    _ = self.stop.changed() => break None,
                    r = session.recv_bytes() => r,
                };
                let bytes = match bytes {
                    Ok(b) => b,
                    Err(e) => break Some(e),
                };
                let recv_us = now_us();
                {
                    let mut st = self.shared.stats.borrow_mut();
                    st.messages_total += 1;
                    st.bytes_total += bytes.len() as u64;
                }
                // Two monotonic clock reads per message: before the decode (the receive instant, for
                // the input round trip) and after it (the decode time, and the input's send instant).
                let received_at = Instant::now();
                let decoded = decode_server_msg(&bytes);
                let decoded_at = Instant::now();
                let decode_ns = decoded_at.duration_since(received_at).as_nanos() as u64;
                let snap = match decoded {
                    Ok(ServerMsg::Snapshot(s)) => s,
                    Ok(ServerMsg::Error { .. }) => {
                        self.shared.stats.borrow_mut().server_errors += 1;
                        continue;
                    }
                    Ok(_) => continue,
                    Err(_) => {
                        self.shared.stats.borrow_mut().decode_errors += 1;
                        continue;
                    }
                };
                let rtt = me.and_then(|me| applied_input_rtt(&snap, me, &mut pending, received_at));
                self.record_snapshot(&snap, bytes.len(), recv_us, decode_ns, rtt);
                if let Some(brain) = &mut brain {
                    input_buf.clear();
                    match brain.input(snap.tick, &snap.view.0, &mut input_buf) {
                        Ok(true) => {}
                        Ok(false) => continue,
                        Err(_) => {
                            self.shared.stats.borrow_mut().decode_errors += 1;
                            continue;
                        }
                    }
                    seq = seq.wrapping_add(1);
                    if pending.len() == MAX_PENDING_INPUTS {
                        pending.pop_front();
                    }
                    pending.push_back((seq, decoded_at));
                    let input = Payload(input_buf.clone());
                    if let Err(e) = session.send(&ClientMsg::Input { seq, input }).await {
                        break Some(e);
                    }
                }
            };
            match (dropped, &reconnect_url) {
                (Some(e), Some(url)) if self.reconnect && should_reconnect(&e) => {
                    match reconnect(url, &mut self.stop).await {
                        Some(s) => {
                            session = s;
                            pending.clear();
                            self.shared.stats.borrow_mut().reconnects += 1;
                        }
                        None => break 'session Some(e),
                    }
                }
                (dropped, _) => break 'session dropped,
            }
        };
        match ended {
            None => {
                if let Ok((messages, bytes)) = session.close_counted().await {
                    let mut st = self.shared.stats.borrow_mut();
                    st.messages_total += messages;
                    st.bytes_total += bytes;
                }
            }
            Some(e) => {
                let mut st = self.shared.stats.borrow_mut();
                st.connected -= 1;
                st.disconnects += 1;
                let code = e.close_code().unwrap_or(1006);
                *st.close_codes.entry(code).or_default() += 1;
                let reason = match &e {
                    BotError::Closed { code, reason } => format!("{code}: {reason}"),
                    other => error_kind(other),
                };
                let key = if st.close_reasons.len() < MAX_CLOSE_REASONS
                    || st.close_reasons.contains_key(&reason)
                {
                    reason
                } else {
                    "other".into()
                };
                *st.close_reasons.entry(key).or_default() += 1;
            }
        }
    }

    /// The game's bot for seat `me`, found by the game name in the welcome.
    fn brain(&self, session: &Session, me: u8) -> Result<Box<dyn DynBot>, BotError> {
        let welcome = &session.welcome;
        let game = self.games.get(&welcome.game).ok_or_else(|| {
            BotError::Protocol(format!("no bot policy for game {:?}", welcome.game))
        })?;
        let seed = (self.match_index as u64) << 8 | u64::from(me);
        Ok(game.bot(&welcome.facts.0, me, seed)?)
    }

    fn record_snapshot(
        &self,
        snap: &Snapshot,
        len: usize,
        recv_us: u64,
        decode_ns: u64,
        rtt: Option<Duration>,
    ) {
        let mut st = self.shared.stats.borrow_mut();
        st.snapshots_total += 1;
        let latency_us = recv_us.saturating_sub(snap.server_time_us).max(1);
        st.latency_all.saturating_record(latency_us);
        st.latency_interval.saturating_record(latency_us);
        if !st.in_window(snap.server_time_us) {
            return;
        }
        st.snapshots_window += 1;
        st.bytes_window += len as u64;
        st.wire_bytes_window += len as u64 + ws_header_len(len);
        st.latency_window.saturating_record(latency_us);
        st.decode_ns.saturating_record(decode_ns.max(1));
        if let Some(rtt) = rtt {
            st.rtt.saturating_record((rtt.as_micros() as u64).max(1));
        }
        let point = (snap.tick, snap.server_time_us);
        let span = &mut st.ticks[self.match_index];
        match span {
            None => {
                *span = Some(TickSpan {
                    first: point,
                    last: point,
                })
            }
            Some(s) => {
                if point.1 < s.first.1 {
                    s.first = point;
                }
                if point.1 > s.last.1 {
                    s.last = point;
                }
            }
        }
    }
}

/// Pops the inputs this snapshot shows applied (seq ≤ `last_input_seq`, wrapping) and returns the
/// round trip of the newest one, up to `received_at`.
fn applied_input_rtt(
    snap: &Snapshot,
    me: u8,
    pending: &mut VecDeque<(u16, Instant)>,
    received_at: Instant,
) -> Option<Duration> {
    let applied = snap.acks.iter().find(|a| a.player == me)?.seq;
    let mut newest = None;
    while let Some(&(seq, sent)) = pending.front() {
        // Wrapping order: seq is at or before `applied` when the distance fits in half the space.
        if (applied.wrapping_sub(seq) as i16) < 0 {
            break;
        }
        pending.pop_front();
        newest = Some(sent);
    }
    newest.map(|sent| received_at.saturating_duration_since(sent))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arena_game::protocol::Ack;

    fn snap_with(me: u8, last_input_seq: u16) -> Snapshot {
        Snapshot {
            acks: vec![Ack {
                player: me,
                seq: last_input_seq,
            }],
            ..Default::default()
        }
    }

    /// Only inputs at or before the applied seq are popped, across the u16 wrap.
    #[test]
    fn input_rtt_pops_applied_inputs_across_wrap() {
        let t = Instant::now();
        let mut pending: VecDeque<(u16, Instant)> = [(65534, t), (65535, t), (0, t), (1, t)]
            .into_iter()
            .collect();
        assert!(applied_input_rtt(&snap_with(3, 65535), 3, &mut pending, t).is_some());
        assert_eq!(pending.iter().map(|p| p.0).collect::<Vec<_>>(), vec![0, 1]);
        // An older applied seq pops nothing.
        assert!(applied_input_rtt(&snap_with(3, 65535), 3, &mut pending, t).is_none());
        assert!(applied_input_rtt(&snap_with(3, 0), 3, &mut pending, t).is_some());
        assert_eq!(pending.len(), 1);
        // A snapshot without this player pops nothing.
        assert!(applied_input_rtt(&snap_with(4, 9), 3, &mut pending, t).is_none());
        assert_eq!(pending.len(), 1);
    }

    /// Frame header sizes follow RFC 6455's three length forms.
    #[test]
    fn ws_header_sizes() {
        assert_eq!(ws_header_len(125), 2);
        assert_eq!(ws_header_len(140), 4);
        assert_eq!(ws_header_len(70_000), 10);
    }

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

    /// The pass rule needs both zero failed sessions and enough delivered.
    #[test]
    fn pass_rule() {
        let mut r = SwarmReport {
            url: String::new(),
            matches: 1,
            game: "deathmatch".into(),
            players_per_match: 1,
            spectators_per_match: 0,
            tick_hz: 20,
            window_s: 1.0,
            window_start_us: 0,
            window_end_us: 1_000_000,
            sessions_planned: 1,
            sessions_established: 1,
            sessions_failed: 0,
            failures: BTreeMap::new(),
            snapshots_received: 20,
            snapshots_expected: 20,
            delivered_pct: 100.0,
            tick_hz_measured: 20.0,
            latency_ms: Percentiles::default(),
            latency_p99_by_second_ms: Vec::new(),
            input_rtt_ms: Percentiles::default(),
            connect_ms: Percentiles::default(),
            decode_us: Percentiles::default(),
            bytes_per_session_per_s: 0.0,
            wire_bytes_per_session_per_s: 0.0,
            disconnects: 0,
            reconnects: 0,
            close_codes: BTreeMap::new(),
            close_reasons: BTreeMap::new(),
            messages_received_total: 0,
            bytes_received_total: 0,
            server_errors: 0,
            decode_errors: 0,
            bot_cpu_pct: 0.0,
            run_s: 1.0,
        };
        assert!(r.passes(99.9));
        r.delivered_pct = 99.0;
        assert!(!r.passes(99.9));
        r.delivered_pct = 100.0;
        r.sessions_failed = 1;
        assert!(!r.passes(0.0));
    }
}
