//! Server metrics, served as Prometheus text at `GET /metrics` (prometheus-client).
//!
//! Counters are atomics shared by every actor through an `Arc<Metrics>`; nothing here blocks a
//! tick. Match actors record ticks, encodes and sends, sessions record opens and closes, the
//! lobby records matches by phase. Nothing here knows a game.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::time::Duration;

use arena_game::Role;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RoleLabel {
    role: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PhaseLabel {
    phase: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabel {
    code: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

fn encodes_histogram() -> Histogram {
    Histogram::new([0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0])
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

/// Every metric the server exports.
pub struct Metrics {
    registry: Registry,
    sessions: Family<RoleLabel, Gauge>,
    matches: Family<PhaseLabel, Gauge>,
    ticks: Counter,
    ticks_skipped: Counter,
    tick_seconds: Histogram,
    encodes_per_tick: Family<KindLabel, Histogram, fn() -> Histogram>,
    frames_sent: Counter,
    bytes_sent: Counter,
    frames_rejected: Family<ReasonLabel, Counter>,
    http_refused: Family<ReasonLabel, Counter>,
    sessions_closed: Family<CodeLabel, Counter>,
    inputs_dropped: Counter,
    stale_dropped: Counter,
    slow_closed: Counter,
    store_waiting: Gauge,
    cluster_redis_up: Gauge,
    store_written: Counter,
    store_failures: Counter,
    store_dropped: Counter,
    /// WebSocket sessions alive now (upgrade accepted, actor not yet stopped).
    pub live_sessions: std::sync::atomic::AtomicUsize,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn role_label(role: Role) -> RoleLabel {
    RoleLabel {
        role: match role {
            Role::Player => "player",
            Role::Spectator => "spectator",
        },
    }
}

/// The reason label for a session we closed because of what it sent, by close code.
fn reject_reason(code: u16) -> &'static str {
    match code {
        1002 => "protocol_error",
        1003 => "text_frame",
        1007 => "undecodable",
        1008 => "policy",
        1009 => "too_large",
        _ => "other",
    }
}

impl Metrics {
    /// Registers every metric under the `arena_` prefix.
    pub fn new() -> Self {
        let mut m = Self {
            registry: Registry::with_prefix("arena"),
            sessions: Family::default(),
            matches: Family::default(),
            ticks: Counter::default(),
            ticks_skipped: Counter::default(),
            tick_seconds: Histogram::new(exponential_buckets(0.000_01, 2.0, 16)),
            encodes_per_tick: Family::new_with_constructor(encodes_histogram),
            frames_sent: Counter::default(),
            bytes_sent: Counter::default(),
            frames_rejected: Family::default(),
            http_refused: Family::default(),
            sessions_closed: Family::default(),
            inputs_dropped: Counter::default(),
            stale_dropped: Counter::default(),
            slow_closed: Counter::default(),
            store_waiting: Gauge::default(),
            cluster_redis_up: Gauge::default(),
            store_written: Counter::default(),
            store_failures: Counter::default(),
            store_dropped: Counter::default(),
            live_sessions: std::sync::atomic::AtomicUsize::new(0),
        };
        let r = &mut m.registry;
        r.register(
            "sessions",
            "Connected WebSocket sessions by role",
            m.sessions.clone(),
        );
        r.register("matches", "Matches by phase", m.matches.clone());
        r.register("ticks", "Match ticks run", m.ticks.clone());
        r.register(
            "ticks_skipped",
            "Ticks skipped because a match ran late",
            m.ticks_skipped.clone(),
        );
        r.register(
            "tick_duration_seconds",
            "Time to step, encode and fan out one tick",
            m.tick_seconds.clone(),
        );
        r.register(
            "snapshot_encodes_per_tick",
            "Snapshot messages a match encoded in one tick, by kind (full: keyframes, delta): one per \
             distinct view and baseline, never one per session",
            m.encodes_per_tick.clone(),
        );
        r.register(
            "http_refused",
            "Lobby API requests refused by a per-client limit or the API key, by reason \
             (requests, creations, joins: rates; pending_joins: unredeemed joins; api_key)",
            m.http_refused.clone(),
        );
        r.register(
            "cluster_redis_up",
            "1 while this cluster member reaches the cluster's Redis, 0 while it does not (always 0 \
             on a node without --redis-url)",
            m.cluster_redis_up.clone(),
        );
        r.register(
            "store_waiting",
            "Finished matches waiting to be written to the history database",
            m.store_waiting.clone(),
        );
        r.register(
            "store_written",
            "Finished matches written to the history database",
            m.store_written.clone(),
        );
        r.register(
            "store_failures",
            "Failed attempts to write to the history database (each is retried)",
            m.store_failures.clone(),
        );
        r.register(
            "store_dropped",
            "Finished matches not kept: the queue for the history database was full",
            m.store_dropped.clone(),
        );
        r.register(
            "frames_sent",
            "Server messages queued to sessions (snapshots and others)",
            m.frames_sent.clone(),
        );
        r.register(
            "bytes_sent",
            "Payload bytes of server messages queued to sessions",
            m.bytes_sent.clone(),
        );
        r.register(
            "frames_rejected",
            "Client frames refused, by reason",
            m.frames_rejected.clone(),
        );
        r.register(
            "sessions_closed",
            "Sessions closed, by close code",
            m.sessions_closed.clone(),
        );
        r.register(
            "inputs_dropped",
            "Client messages dropped by the per-session rate limit",
            m.inputs_dropped.clone(),
        );
        r.register(
            "snapshots_dropped_stale",
            "Snapshots replaced by a newer one before a slow session could take them",
            m.stale_dropped.clone(),
        );
        r.register(
            "sessions_slow",
            "Sessions closed with 4000 for staying behind past the slow-client timeout",
            m.slow_closed.clone(),
        );
        for role in [Role::Player, Role::Spectator] {
            drop(m.sessions.get_or_create(&role_label(role)));
        }
        m.set_matches([0; 3]);
        m
    }

    /// A session of `role` connected.
    pub fn session_opened(&self, role: Role) {
        self.sessions.get_or_create(&role_label(role)).inc();
    }

    /// A session of `role` is gone.
    pub fn session_closed(&self, role: Role) {
        self.sessions.get_or_create(&role_label(role)).dec();
    }

    /// Matches now waiting, running and ended.
    pub fn set_matches(&self, counts: [u64; 3]) {
        for (phase, n) in ["waiting", "running", "ended"].into_iter().zip(counts) {
            self.matches
                .get_or_create(&PhaseLabel { phase })
                .set(n as i64);
        }
    }

    /// One tick ran and took `took`.
    pub fn record_tick(&self, took: Duration) {
        self.ticks.inc();
        self.tick_seconds.observe(took.as_secs_f64());
    }

    /// `n` ticks were skipped because the match ran late.
    pub fn record_skipped(&self, n: u64) {
        self.ticks_skipped.inc_by(n);
    }

    /// One frame of `bytes` bytes was queued to `sessions` sessions.
    pub fn record_sent(&self, sessions: u64, bytes: u64) {
        self.record_sent_frames(sessions, sessions * bytes);
    }

    /// `frames` frames of `bytes` bytes in all were queued to sessions.
    pub fn record_sent_frames(&self, frames: u64, bytes: u64) {
        self.frames_sent.inc_by(frames);
        self.bytes_sent.inc_by(bytes);
    }

    /// A match's tick encoded `full` whole snapshots and `delta` deltas (one per distinct view
    /// and baseline among its sessions).
    pub fn record_encodes(&self, full: u64, delta: u64) {
        for (kind, n) in [("full", full), ("delta", delta)] {
            self.encodes_per_tick
                .get_or_create(&KindLabel { kind })
                .observe(n as f64);
        }
    }

    /// Whether this cluster member reaches Redis.
    pub fn set_cluster_redis_up(&self, up: bool) {
        self.cluster_redis_up.set(i64::from(up));
    }

    /// `n` finished matches wait for the history database.
    pub fn set_store_waiting(&self, n: usize) {
        self.store_waiting.set(n as i64);
    }

    /// A finished match was written to the history database.
    pub fn record_store_written(&self) {
        self.store_written.inc();
    }

    /// A write to the history database failed (it is retried).
    pub fn record_store_failure(&self) {
        self.store_failures.inc();
    }

    /// A finished match was not kept (the queue was full).
    pub fn record_store_dropped(&self) {
        self.store_dropped.inc();
    }

    /// A lobby API request was refused for `reason` (a per-client limit, the API key).
    pub fn record_refused(&self, reason: &'static str) {
        self.http_refused
            .get_or_create(&ReasonLabel { reason })
            .inc();
    }

    /// We closed a session with `code` because of a frame it sent.
    pub fn record_rejected(&self, code: u16) {
        self.frames_rejected
            .get_or_create(&ReasonLabel {
                reason: reject_reason(code),
            })
            .inc();
    }

    /// A client message was over its session's rate limit and dropped.
    pub fn record_input_dropped(&self) {
        self.inputs_dropped.inc();
    }

    /// A snapshot waiting for a session was replaced before it was taken.
    pub fn record_stale_dropped(&self) {
        self.stale_dropped.inc();
    }

    /// A session was closed for being slow.
    pub fn record_slow_close(&self) {
        self.slow_closed.inc();
    }

    /// A session was closed with `code` (by either side).
    pub fn record_closed(&self, code: u16) {
        self.sessions_closed
            .get_or_create(&CodeLabel { code })
            .inc();
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            log::error!("cannot encode metrics");
        }
        out
    }
}
