//! What a load run counts while it runs ([`Stats`]) and what it reports ([`LoadReport`]). The
//! report keeps the names of `arena-bots --json` where the meaning is the same, so
//! benches/load.py reads either.

use std::collections::BTreeMap;

use arena_bots::swarm::{histogram, Percentiles, TickSpan};
use hdrhistogram::Histogram;
use serde::Serialize;

/// One room (an Arena match, a ws-peer room, a Colyseus room).
#[derive(Debug, Clone, Default)]
pub struct Room {
    /// Sessions established in it (never decremented: a session that drops misses snapshots).
    pub sessions: u64,
    /// Ticks seen inside the window.
    pub span: Option<TickSpan>,
}

/// Counters of a run, owned by the event loop (one thread, no atomics).
pub struct Stats {
    pub window: (u64, u64),
    pub established: u64,
    pub failed: u64,
    pub failures: BTreeMap<String, u64>,
    pub disconnects: u64,
    pub close_codes: BTreeMap<u16, u64>,
    pub messages_total: u64,
    pub bytes_total: u64,
    pub snapshots_total: u64,
    pub snapshots_window: u64,
    pub snapshots_untimed: u64,
    pub latency_clamped: u64,
    pub bytes_window: u64,
    pub wire_bytes_window: u64,
    pub latency_window: Histogram<u64>,
    pub latency_interval: Histogram<u64>,
    pub p99_by_second: Vec<f64>,
    pub rtt: Histogram<u64>,
    pub connect: Histogram<u64>,
    pub inputs_sent: u64,
    pub inputs_dropped: u64,
    pub server_errors: u64,
    pub decode_errors: u64,
    pub reads: u64,
    pub wakes: u64,
    pub rooms: Vec<Room>,
}

impl Stats {
    pub fn new(rooms: u32) -> Self {
        Self {
            window: (u64::MAX, u64::MAX),
            established: 0,
            failed: 0,
            failures: BTreeMap::new(),
            disconnects: 0,
            close_codes: BTreeMap::new(),
            messages_total: 0,
            bytes_total: 0,
            snapshots_total: 0,
            snapshots_window: 0,
            snapshots_untimed: 0,
            latency_clamped: 0,
            bytes_window: 0,
            wire_bytes_window: 0,
            latency_window: histogram(),
            latency_interval: histogram(),
            p99_by_second: Vec::new(),
            rtt: histogram(),
            connect: histogram(),
            inputs_sent: 0,
            inputs_dropped: 0,
            server_errors: 0,
            decode_errors: 0,
            reads: 0,
            wakes: 0,
            rooms: vec![Room::default(); rooms as usize],
        }
    }

    pub fn fail(&mut self, kind: &str) {
        self.failed += 1;
        if let Some(n) = self.failures.get_mut(kind) {
            *n += 1;
        } else {
            self.failures.insert(kind.to_owned(), 1);
        }
    }

    /// One snapshot of `len` payload bytes received at `recv_us` in room `room`: tick and send
    /// stamp when the target's message carries them, else it counts by arrival time (and adds
    /// neither latency nor a tick).
    #[inline]
    pub fn snapshot(&mut self, room: u32, point: Option<(u32, u64)>, len: usize, recv_us: u64) {
        self.snapshots_total += 1;
        let stamp = match point {
            Some((_, t)) => {
                if recv_us <= t {
                    self.latency_clamped += 1;
                }
                self.latency_interval
                    .saturating_record(recv_us.saturating_sub(t).max(1));
                t
            }
            None => {
                self.snapshots_untimed += 1;
                recv_us
            }
        };
        if stamp < self.window.0 || stamp >= self.window.1 {
            return;
        }
        self.snapshots_window += 1;
        self.bytes_window += len as u64;
        self.wire_bytes_window += (len + super::ws::server_header_len(len)) as u64;
        let Some((tick, _)) = point else {
            return;
        };
        self.latency_window
            .saturating_record(recv_us.saturating_sub(stamp).max(1));
        if let Some(r) = self.rooms.get_mut(room as usize) {
            TickSpan::widen(&mut r.span, tick, stamp);
        }
    }
}

/// Everything a run measured. Latencies in milliseconds unless the name says otherwise.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    /// `arena`, `ws-peer` or `colyseus`.
    pub target: String,
    /// `watch` (receive only) or `play` (one input per received snapshot).
    pub mode: String,
    /// The target's base URL.
    pub url: String,
    /// Rooms (Arena matches, peer rooms) the sessions ended up in.
    pub matches: u32,
    /// Players per room.
    pub players_per_match: u8,
    /// Spectators per room (Arena only).
    pub spectators_per_match: u32,
    /// The target's configured tick rate, Hz.
    pub tick_hz: u8,
    /// Length of the window, seconds (a whole number of tick periods).
    pub window_s: f64,
    /// Window start, Unix µs (to cut a server's CPU samples to it).
    pub window_start_us: u64,
    /// Window end, Unix µs.
    pub window_end_us: u64,
    /// Sessions the run tried to open.
    pub sessions_planned: u64,
    /// Sessions established by the window's start (Arena: welcomed; ws peer: upgraded;
    /// Colyseus: JOIN_ROOM received).
    pub sessions_established: u64,
    /// Sessions whose join, connect or upgrade failed.
    pub sessions_failed: u64,
    /// Why, by kind.
    pub failures: BTreeMap<String, u64>,
    /// Snapshots stamped inside the window that arrived.
    pub snapshots_received: u64,
    /// Per room, its sessions × the ticks it produced in the window (from the tick numbers of
    /// what arrived): what a target that loses nothing delivers, whatever its tick rate.
    pub snapshots_expected: u64,
    /// `100 × received / expected`: what was lost on the way (dropped for slow clients, sessions
    /// that died). A target that ticks slower than configured is not penalized here; see
    /// `tick_hz_measured` and `delivered_vs_configured_pct`.
    pub delivered_pct: f64,
    /// `delivered_pct × min(1, tick_hz_measured / tick_hz)`: what arrived of what a target
    /// ticking at the configured rate would have sent, so ticking slowly counts as loss (what
    /// `arena-bots` reports as `delivered_pct`, without its ±1 tick at the window's edges).
    pub delivered_vs_configured_pct: f64,
    /// Mean tick rate the target achieved in the window, from its tick numbers and stamps, Hz.
    pub tick_hz_measured: f64,
    /// Whether snapshots carry a send time (latency below is meaningful).
    pub latency_available: bool,
    /// Send stamp → receive time on the same clock, ms.
    pub latency_ms: Percentiles,
    /// p99 latency of each second of the window, ms.
    pub latency_p99_by_second_ms: Vec<f64>,
    /// Arena, play mode: input sent → its seq acknowledged in a snapshot, ms.
    pub input_rtt_ms: Percentiles,
    /// Connect start → established (join calls not included), ms.
    pub connect_ms: Percentiles,
    /// Snapshot payload bytes per session per second in the window.
    pub bytes_per_session_per_s: f64,
    /// The same with WebSocket frame headers.
    pub wire_bytes_per_session_per_s: f64,
    /// Sessions that ended before the run closed them.
    pub disconnects: u64,
    /// Their close codes (1006: no close frame).
    pub close_codes: BTreeMap<u16, u64>,
    /// Kept for `arena-bots` compatibility: the close codes as text.
    pub close_reasons: BTreeMap<String, u64>,
    /// Every message received over the whole run.
    pub messages_received_total: u64,
    /// Their payload bytes.
    pub bytes_received_total: u64,
    /// Snapshots received over the whole run.
    pub snapshots_total: u64,
    /// Snapshots without a readable send time (counted by arrival time instead).
    pub snapshots_untimed: u64,
    /// Snapshots stamped at or after their arrival (recorded as 1 µs): the target's clock is
    /// ahead of this machine's wall clock (Node's is the wall clock at start plus a monotonic
    /// clock, so a wall-clock step after it started shows here).
    pub latency_clamped: u64,
    /// Inputs written.
    pub inputs_sent: u64,
    /// Inputs that did not fit the socket's send buffer whole (not retried).
    pub inputs_dropped: u64,
    /// Error messages from the target.
    pub server_errors: u64,
    /// Frames or messages the client could not read.
    pub decode_errors: u64,
    /// The load client's CPU (user + system) over the window, % of one core.
    pub load_cpu_pct: f64,
    /// The same, under the name `arena-bots` uses.
    pub bot_cpu_pct: f64,
    /// How arrivals were stamped: `kernel` (SO_TIMESTAMPNS: when the newest packet of a read
    /// reached the socket, so the client's own wake-up delay is not in the latency) or `user`
    /// (the clock after the read).
    pub rx_time: String,
    /// Minimum interval between two wakes of the loop, µs (0: none).
    pub coalesce_us: u64,
    /// epoll wakes in the window, per second: with reads_per_s, how much each wake batches.
    pub wakes_per_s: f64,
    /// read() calls per second in the window.
    pub reads_per_s: f64,
    /// Wall time of the whole run, seconds.
    pub run_s: f64,
}
