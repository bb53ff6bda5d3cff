//! What a swarm run reports: live [`Progress`] samples and the final [`SwarmReport`].

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::Serialize;

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
    pub fn of(h: &Histogram<u64>, scale: f64) -> Self {
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

/// What the bots of one server node saw: the report's per-node section. Its counts add up to the
/// run's totals; its figures mean what the total fields of the same name in [`SwarmReport`] mean,
/// over the matches that node created and the bots that joined them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NodeReport {
    /// The node's base URL (as given, without a trailing `/`).
    pub url: String,
    /// Matches created on this node (round robin over the nodes), or 1 for a joined match.
    pub matches: u32,
    /// Their ids, in the order they were created.
    pub match_ids: Vec<String>,
    /// Bots planned on this node's matches.
    pub sessions_planned: u64,
    /// Those that got their welcome.
    pub sessions_established: u64,
    /// Those whose join or handshake failed.
    pub sessions_failed: u64,
    /// Why they failed, by error kind.
    pub failures: BTreeMap<String, u64>,
    /// The first full error message of each kind in `failures`.
    #[serde(default)]
    pub failure_examples: BTreeMap<String, String>,
    /// Snapshots stamped inside the window that arrived from this node.
    pub snapshots_received: u64,
    /// Snapshots this node sends in the window when it ticks on time.
    pub snapshots_expected: u64,
    /// `100 × received / expected` (0 when nothing was expected).
    pub delivered_pct: f64,
    /// Mean tick rate of this node's matches in the window, Hz.
    pub tick_hz_measured: f64,
    /// Tick-to-client latency of this node's snapshots in the window, ms.
    pub latency_ms: Percentiles,
    /// Snapshot payload bytes per session per second in the window.
    pub bytes_per_session_per_s: f64,
    /// The same with WebSocket frame headers.
    pub wire_bytes_per_session_per_s: f64,
    /// Every message received from this node over the whole run (compare with its
    /// `arena_frames_sent_total`).
    pub messages_received_total: u64,
    /// Payload bytes of those messages (compare with its `arena_bytes_sent_total`).
    pub bytes_received_total: u64,
    /// Sessions on this node that ended before the swarm closed them.
    pub disconnects: u64,
    /// Dropped player sessions that got their seat back.
    pub reconnects: u64,
    /// Close codes of those disconnects.
    pub close_codes: BTreeMap<u16, u64>,
    /// `Error` messages this node sent.
    pub server_errors: u64,
    /// Messages from this node that did not decode.
    pub decode_errors: u64,
}

impl NodeReport {
    /// Whether this node passes: no failed session, at least one established, and at least
    /// `min_delivered_pct` of its expected snapshots delivered.
    pub fn passes(&self, min_delivered_pct: f64) -> bool {
        self.sessions_failed == 0
            && self.sessions_established > 0
            && self.delivered_pct >= min_delivered_pct
    }
}

/// Everything a run measured. Latencies in milliseconds unless the name says otherwise.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SwarmReport {
    /// Server base URL; with several servers, their URLs joined with `,` (each one is in
    /// [`SwarmReport::nodes`]).
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
    /// The first full error message of each kind in `failures`: the cause, not only a count.
    #[serde(default)]
    pub failure_examples: BTreeMap<String, String>,
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
    /// Wire bytes (with headers) per player session per second in the window (0 without players).
    pub wire_bytes_per_player_per_s: f64,
    /// Wire bytes (with headers) per spectator session per second (0 without spectators).
    pub wire_bytes_per_spectator_per_s: f64,
    /// Snapshots in the window that came whole (keyframes: joins, resyncs, the schedule).
    pub keyframes_received: u64,
    /// Snapshots in the window that came as deltas.
    pub deltas_received: u64,
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
    /// The same figures for each server node, in the order the servers were given (one entry
    /// when the run had one server). The fields above are the totals over every node.
    pub nodes: Vec<NodeReport>,
}

impl SwarmReport {
    /// Whether the run passes: no failed session and at least `min_delivered_pct` delivered,
    /// in total and on every node ([`NodeReport::passes`]).
    pub fn passes(&self, min_delivered_pct: f64) -> bool {
        self.sessions_failed == 0
            && self.sessions_established > 0
            && self.delivered_pct >= min_delivered_pct
            && self.nodes.iter().all(|n| n.passes(min_delivered_pct))
    }

    /// The nodes that fail [`NodeReport::passes`] at `min_delivered_pct`.
    pub fn failing_nodes(&self, min_delivered_pct: f64) -> Vec<&NodeReport> {
        self.nodes
            .iter()
            .filter(|n| !n.passes(min_delivered_pct))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            failure_examples: BTreeMap::new(),
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
            wire_bytes_per_player_per_s: 0.0,
            wire_bytes_per_spectator_per_s: 0.0,
            keyframes_received: 0,
            deltas_received: 0,
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
            nodes: Vec::new(),
        };
        assert!(r.passes(99.9));
        r.delivered_pct = 99.0;
        assert!(!r.passes(99.9));
        r.delivered_pct = 100.0;
        r.sessions_failed = 1;
        assert!(!r.passes(0.0));
        r.sessions_failed = 0;

        // The threshold applies to every node too: the total at 99.5% passes 99, a node at 98%
        // does not, and it is the one named.
        let node = |url: &str, received: u64| NodeReport {
            url: url.into(),
            matches: 1,
            match_ids: vec!["m".into()],
            sessions_planned: 1,
            sessions_established: 1,
            sessions_failed: 0,
            failures: BTreeMap::new(),
            failure_examples: BTreeMap::new(),
            snapshots_received: received,
            snapshots_expected: 100,
            delivered_pct: received as f64,
            tick_hz_measured: 20.0,
            latency_ms: Percentiles::default(),
            bytes_per_session_per_s: 0.0,
            wire_bytes_per_session_per_s: 0.0,
            messages_received_total: 0,
            bytes_received_total: 0,
            disconnects: 0,
            reconnects: 0,
            close_codes: BTreeMap::new(),
            server_errors: 0,
            decode_errors: 0,
        };
        r.nodes = vec![node("http://a", 100), node("http://b", 98)];
        r.delivered_pct = 99.0;
        assert!(r.passes(98.0));
        assert!(!r.passes(99.0));
        let failing: Vec<_> = r.failing_nodes(99.0).iter().map(|n| &n.url).collect();
        assert_eq!(failing, ["http://b"]);
        // A node none of whose sessions got in fails whatever the threshold.
        r.nodes[0].sessions_established = 0;
        assert!(!r.passes(0.0));
    }
}
