//! The counters every bot task of a run adds to (one `RefCell`, no atomics: the bots share one
//! thread), and small measuring helpers.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use hdrhistogram::Histogram;

use crate::BotError;

/// Largest latency the histograms hold, microseconds (60 s); larger values are clamped.
const HIST_MAX_US: u64 = 60_000_000;

/// First and last tick seen inside the window in one match (or room): (tick, send time µs).
#[derive(Debug, Clone, Copy)]
pub struct TickSpan {
    /// The earliest-stamped tick seen.
    pub first: (u32, u64),
    /// The latest-stamped tick seen.
    pub last: (u32, u64),
}

impl TickSpan {
    /// Widens `span` (none yet: starts it) to hold `tick`, stamped `time_us`.
    pub fn widen(span: &mut Option<TickSpan>, tick: u32, time_us: u64) {
        let point = (tick, time_us);
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

    /// Ticks from the first to the last, both included.
    pub fn seen(&self) -> u64 {
        self.last.0.wrapping_sub(self.first.0) as u64 + 1
    }

    /// The mean tick rate over `spans`, Hz: ticks advanced over time passed, summed over every
    /// span that covers some time (0 when none does).
    pub fn measured_hz<'a>(spans: impl IntoIterator<Item = &'a TickSpan>) -> f64 {
        let (mut ticks, mut secs) = (0f64, 0f64);
        for s in spans {
            if s.last.1 > s.first.1 {
                ticks += s.last.0.wrapping_sub(s.first.0) as f64;
                secs += (s.last.1 - s.first.1) as f64 / 1e6;
            }
        }
        if secs > 0.0 {
            ticks / secs
        } else {
            0.0
        }
    }
}

/// The counters every bot task adds to; one per run, shared through an `Rc`.
pub(crate) struct Stats {
    pub(crate) window: (u64, u64),
    pub(crate) snapshots_total: u64,
    /// Wire bytes in the window by role: players, spectators.
    pub(crate) role_wire_bytes_window: [u64; 2],
    /// Snapshots in the window that came whole (keyframes) and as deltas.
    pub(crate) keyframes_window: u64,
    pub(crate) deltas_window: u64,
    pub(crate) latency_all: Histogram<u64>,
    pub(crate) latency_interval: Histogram<u64>,
    pub(crate) p99_by_interval: Vec<f64>,
    pub(crate) rtt: Histogram<u64>,
    pub(crate) connect: Histogram<u64>,
    pub(crate) decode_ns: Histogram<u64>,
    pub(crate) close_reasons: BTreeMap<String, u64>,
    pub(crate) ticks: Vec<Option<TickSpan>>,
    pub(crate) match_sessions: Vec<u64>,
    /// The counters kept per server node of the run, by node index (one entry when the run has
    /// one server); the run's totals are their sum ([`Stats::total`]).
    pub(crate) nodes: Vec<NodeTally>,
}

/// What the bots of one server node add up: the figures of the report's per-node section, and
/// summed over the nodes, of its totals.
pub(crate) struct NodeTally {
    pub(crate) connected: u64,
    pub(crate) failed: u64,
    pub(crate) failures: BTreeMap<String, u64>,
    /// The first full message of each failure kind: the cause, not only a count.
    pub(crate) failure_examples: BTreeMap<String, String>,
    pub(crate) snapshots_window: u64,
    pub(crate) bytes_window: u64,
    pub(crate) wire_bytes_window: u64,
    pub(crate) latency_window: Histogram<u64>,
    pub(crate) disconnects: u64,
    pub(crate) reconnects: u64,
    pub(crate) close_codes: BTreeMap<u16, u64>,
    pub(crate) server_errors: u64,
    pub(crate) decode_errors: u64,
    pub(crate) messages_total: u64,
    pub(crate) bytes_total: u64,
}

impl NodeTally {
    fn new() -> Self {
        Self {
            connected: 0,
            failed: 0,
            failures: BTreeMap::new(),
            failure_examples: BTreeMap::new(),
            snapshots_window: 0,
            bytes_window: 0,
            wire_bytes_window: 0,
            latency_window: histogram(),
            disconnects: 0,
            reconnects: 0,
            close_codes: BTreeMap::new(),
            server_errors: 0,
            decode_errors: 0,
            messages_total: 0,
            bytes_total: 0,
        }
    }

    /// Adds `other`'s counts to these.
    fn add(&mut self, other: &NodeTally) {
        self.connected += other.connected;
        self.failed += other.failed;
        for (kind, n) in &other.failures {
            *self.failures.entry(kind.clone()).or_default() += n;
        }
        for (kind, example) in &other.failure_examples {
            self.failure_examples
                .entry(kind.clone())
                .or_insert_with(|| example.clone());
        }
        self.snapshots_window += other.snapshots_window;
        self.bytes_window += other.bytes_window;
        self.wire_bytes_window += other.wire_bytes_window;
        // Same bounds on both sides: adding cannot fail.
        let _ = self.latency_window.add(&other.latency_window);
        self.disconnects += other.disconnects;
        self.reconnects += other.reconnects;
        for (code, n) in &other.close_codes {
            *self.close_codes.entry(*code).or_default() += n;
        }
        self.server_errors += other.server_errors;
        self.decode_errors += other.decode_errors;
        self.messages_total += other.messages_total;
        self.bytes_total += other.bytes_total;
    }
}

/// A latency histogram, 1 µs to 60 s, 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, HIST_MAX_US, 3).expect("valid histogram bounds")
}

impl Stats {
    /// Counters for a run of `matches` matches over `nodes` server nodes.
    pub(crate) fn new(matches: usize, nodes: usize) -> Self {
        Self {
            window: (u64::MAX, u64::MAX),
            snapshots_total: 0,
            role_wire_bytes_window: [0; 2],
            keyframes_window: 0,
            deltas_window: 0,
            latency_all: histogram(),
            latency_interval: histogram(),
            p99_by_interval: Vec::new(),
            rtt: histogram(),
            connect: histogram(),
            decode_ns: histogram(),
            close_reasons: BTreeMap::new(),
            ticks: vec![None; matches],
            match_sessions: vec![0; matches],
            nodes: (0..nodes.max(1)).map(|_| NodeTally::new()).collect(),
        }
    }

    pub(crate) fn in_window(&self, server_time_us: u64) -> bool {
        server_time_us >= self.window.0 && server_time_us < self.window.1
    }

    /// A bot of `node` failed to join or connect (or had no policy for its game).
    pub(crate) fn fail(&mut self, node: usize, err: &BotError) {
        let n = &mut self.nodes[node];
        n.failed += 1;
        let kind = error_kind(err);
        n.failure_examples
            .entry(kind.clone())
            .or_insert_with(|| err.to_string());
        *n.failures.entry(kind).or_default() += 1;
    }

    /// A bot of `node` received a message of `len` payload bytes (any kind, any time).
    pub(crate) fn message(&mut self, node: usize, len: u64) {
        let n = &mut self.nodes[node];
        n.messages_total += 1;
        n.bytes_total += len;
    }

    /// The run's totals: every node's counts added up.
    pub(crate) fn total(&self) -> NodeTally {
        let mut total = NodeTally::new();
        for n in &self.nodes {
            total.add(n);
        }
        total
    }

    /// `f` summed over the nodes (a cheap total of a few counters).
    pub(crate) fn sum(&self, f: impl Fn(&NodeTally) -> u64) -> u64 {
        self.nodes.iter().map(f).sum()
    }

    pub(crate) fn errors(&self) -> u64 {
        self.sum(|n| n.failed + n.disconnects + n.server_errors + n.decode_errors)
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
        BotError::Config(_) => "config".into(),
        BotError::NoBot(_) => "no_bot_policy".into(),
        BotError::Node { source, .. } => error_kind(source),
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
pub(crate) fn ws_header_len(len: usize) -> u64 {
    match len {
        0..=125 => 2,
        126..=65535 => 4,
        _ => 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frame header sizes follow RFC 6455's three length forms.
    #[test]
    fn ws_header_sizes() {
        assert_eq!(ws_header_len(125), 2);
        assert_eq!(ws_header_len(140), 4);
        assert_eq!(ws_header_len(70_000), 10);
    }
}
