//! The event loop: one thread, one epoll instance, every session a non-blocking socket.
//!
//! Per wake, each ready socket is read into one shared 256 KiB buffer (the previous read's
//! unfinished frame copied in front of it) until it has nothing more, and every complete frame
//! in it is handled in place: a snapshot costs a few comparisons, one histogram record and, in
//! play mode, one 7–12 byte `send`. Each read carries the kernel's arrival stamp of its newest
//! packet, which stamps all the frames it returned. Wakes are at least `coalesce_us` apart.

use std::collections::HashMap;
use std::io::Write;
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use arena_bots::swarm::{now_us, process_cpu_us, Percentiles, TickSpan};
use arena_game::protocol::ServerMsg;

use super::proto::{self, arena_tag, colyseus, ArenaGame};
use super::report::{LoadReport, Stats};
use super::setup::Plan;
use super::sys::{self, Epoll, Read};
use super::ws::{self, MaskRng, Upgrade};

/// How long to wait, after the last session was started, for every upgrade to finish.
const CONNECT_DEADLINE: Duration = Duration::from_secs(20);

/// The shared read buffer.
const READ_BUF: usize = 256 * 1024;

/// Events taken per `epoll_wait`.
const EVENTS: usize = 4096;

/// What the sessions talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Arena (`arena.v3`), playing `game` in play mode.
    Arena(ArenaGame),
    /// benches/peers/ws-server.js.
    WsPeer,
    /// benches/peers/colyseus-server.js.
    Colyseus,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Arena(_) => "arena",
            Target::WsPeer => "ws-peer",
            Target::Colyseus => "colyseus",
        }
    }
}

/// Everything the loop needs besides the plan.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub target: Target,
    pub play: bool,
    pub url: String,
    pub port: u16,
    pub tick_hz: u8,
    pub players: u8,
    pub spectators: u32,
    pub duration_s: f64,
    pub settle_s: f64,
    pub ramp_per_s: f64,
    pub grace_ms: u64,
    /// Stamp arrivals with the kernel's receive time (`SO_TIMESTAMPNS`) instead of reading the
    /// clock after each read.
    pub kernel_rx_time: bool,
    /// Wake at most once per this many µs (0: whenever epoll has something).
    pub coalesce_us: u64,
    pub quiet: bool,
    /// Give up (and report an error) past this instant.
    pub deadline: Instant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Connecting,
    Upgrading,
    Open,
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Ramp,
    Settle,
    Measure,
    Drain,
}

/// Why a connection ended.
enum End {
    /// Closed by the target (close frame code, or 1006 without one).
    Closed(u16),
    /// Failed before it was established, or broke the protocol.
    Fail(String),
}

struct Conn {
    fd: RawFd,
    phase: Phase,
    established: bool,
    player: bool,
    room: u32,
    seat: Option<u8>,
    /// Arena: the stamps of the last ticks' snapshots (deltas carry time since their baseline).
    stamps: proto::Stamps,
    seq: u16,
    pending: Option<(u16, u64)>,
    started_us: u64,
    rng: MaskRng,
    carry: Vec<u8>,
    request: Vec<u8>,
}

const NO_ROOM: u32 = u32::MAX;

struct Engine {
    cfg: RunConfig,
    ep: Epoll,
    conns: Vec<Conn>,
    stats: Stats,
    stage: Stage,
    settled: u64,
    /// ws peer: first player id of a room's snapshot → room index.
    peer_rooms: HashMap<u32, u32>,
}

/// Opens every planned session at the ramp rate, measures the window, closes them, and reports.
pub fn run(cfg: RunConfig, plan: Plan) -> Result<LoadReport, String> {
    let run_start = Instant::now();
    let host = format!("127.0.0.1:{}", cfg.port);
    let subprotocol = match cfg.target {
        Target::Arena(_) => Some(arena_game::protocol::PROTOCOL_V3),
        _ => None,
    };
    let mut stats = Stats::new(plan.rooms);
    for (kind, n) in &plan.failures {
        stats.failed += n;
        *stats.failures.entry(kind.clone()).or_default() += n;
    }
    let conns = plan
        .sessions
        .iter()
        .enumerate()
        .map(|(i, s)| Conn {
            fd: -1,
            phase: Phase::Idle,
            established: false,
            player: s.player,
            room: s.room.unwrap_or(NO_ROOM),
            seat: None,
            stamps: proto::Stamps::default(),
            seq: 0,
            pending: None,
            started_us: 0,
            rng: MaskRng::new(i as u32 + 1),
            carry: Vec::new(),
            request: ws::upgrade_request(&host, &s.path, subprotocol),
        })
        .collect::<Vec<_>>();
    let planned = conns.len() as u64 + stats.failed;
    let mut e = Engine {
        cfg,
        ep: Epoll::new().map_err(|e| format!("epoll: {e}"))?,
        conns,
        stats,
        stage: Stage::Ramp,
        settled: 0,
        peer_rooms: HashMap::new(),
    };
    let result = e.main_loop(run_start, planned);
    e.close_all();
    result
}

impl Engine {
    fn main_loop(&mut self, run_start: Instant, planned: u64) -> Result<LoadReport, String> {
        let n = self.conns.len();
        let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; EVENTS];
        let mut buf = vec![0u8; READ_BUF];
        let per_session = Duration::from_secs_f64(1.0 / self.cfg.ramp_per_s.max(0.001));
        let ramp_start = Instant::now();
        let mut spawned = 0usize;
        let mut last_spawn = ramp_start;
        let hz = self.cfg.tick_hz.max(1) as f64;
        let ticks = (self.cfg.duration_s * hz).round().max(1.0);
        let window_us = (ticks * 1e6 / hz).round() as u64;
        let (mut w0, mut w1) = (u64::MAX, u64::MAX);
        let mut next_second = u64::MAX;
        let (mut cpu0, mut cpu1) = (0u64, 0u64);
        let (mut wall0, mut wall_window) = (Instant::now(), 0f64);
        let mut established_at_w0 = 0u64;
        let mut next_progress = Instant::now() + Duration::from_secs(1);
        let mut last_snapshots = 0u64;
        loop {
            let now = Instant::now();
            if now > self.cfg.deadline {
                return Err(format!(
                    "global timeout: stage {:?}, {} of {n} sessions established",
                    self.stage, self.stats.established
                ));
            }
            while spawned < n && ramp_start + per_session * spawned as u32 <= now {
                self.start(spawned);
                spawned += 1;
                last_spawn = now;
            }
            let wall = now_us();
            match self.stage {
                Stage::Ramp => {
                    let all = spawned == n && self.settled >= n as u64;
                    if spawned == n && (all || now > last_spawn + CONNECT_DEADLINE) {
                        w0 = wall + (self.cfg.settle_s.max(0.0) * 1e6) as u64;
                        w1 = w0 + window_us;
                        self.stats.window = (w0, w1);
                        self.stage = Stage::Settle;
                    }
                }
                Stage::Settle if wall >= w0 => {
                    cpu0 = process_cpu_us();
                    wall0 = now;
                    established_at_w0 = self.stats.established;
                    self.stats.latency_interval.reset();
                    self.stats.reads = 0;
                    self.stats.wakes = 0;
                    next_second = w0 + 1_000_000;
                    self.stage = Stage::Measure;
                }
                Stage::Measure => {
                    while wall >= next_second.min(w1) && next_second <= w1 {
                        self.push_second();
                        next_second += 1_000_000;
                    }
                    if wall >= w1 {
                        if next_second > w1 && next_second - 1_000_000 < w1 {
                            self.push_second(); // the window's last, partial second
                        }
                        cpu1 = process_cpu_us();
                        wall_window = wall0.elapsed().as_secs_f64();
                        self.stage = Stage::Drain;
                    }
                }
                Stage::Drain if wall >= w1 + self.cfg.grace_ms * 1000 => break,
                _ => {}
            }
            if now >= next_progress {
                next_progress = now + Duration::from_secs(1);
                if !self.cfg.quiet {
                    let s = &self.stats;
                    let mut err = std::io::stderr().lock();
                    let _ = write!(
                        err,
                        "\r[{:>6.1}s {:<7}] sessions {}/{} ({} failed, {} dropped)  snapshots/s {:>8}  inputs {}   ",
                        run_start.elapsed().as_secs_f64(),
                        format!("{:?}", self.stage).to_lowercase(),
                        s.established,
                        planned,
                        s.failed,
                        s.disconnects,
                        s.snapshots_total - last_snapshots,
                        s.inputs_sent,
                    );
                    let _ = err.flush();
                }
                last_snapshots = self.stats.snapshots_total;
            }
            // Sleep until the next spawn, stage edge or second, at most 100 ms.
            let mut until = now + Duration::from_millis(100);
            if spawned < n {
                until = until.min(ramp_start + per_session * spawned as u32);
            }
            let next_wall = match self.stage {
                Stage::Settle => w0,
                Stage::Measure => next_second.min(w1),
                Stage::Drain => w1 + self.cfg.grace_ms * 1000,
                Stage::Ramp => u64::MAX,
            };
            if next_wall != u64::MAX {
                until = until.min(now + Duration::from_micros(next_wall.saturating_sub(wall)));
            }
            let timeout_ms = until
                .saturating_duration_since(Instant::now())
                .as_micros()
                .div_ceil(1000) as i32;
            let wake_start = Instant::now();
            let ready = self.ep.wait(&mut events, timeout_ms);
            self.stats.wakes += 1;
            for ev in &events[..ready] {
                let idx = ev.u64 as usize;
                let flags = ev.events;
                self.on_event(idx, flags, &mut buf);
            }
            // Batch: let sockets fill for the rest of the interval, so one wake (one context
            // switch, one epoll_wait) serves many of them. Arrival times come from the kernel,
            // so the wait does not show in the latency.
            if self.cfg.coalesce_us > 0 && ready > 0 {
                let spent = wake_start.elapsed().as_micros() as u64;
                if spent < self.cfg.coalesce_us {
                    sys::sleep_us(self.cfg.coalesce_us - spent);
                }
            }
        }
        if !self.cfg.quiet {
            eprintln!();
        }
        let st = &self.stats;
        let window_s = window_us as f64 / 1e6;
        let (mut expected, mut produced) = (0u64, 0u64);
        let mut rooms_used = 0u32;
        for r in st.rooms.iter().filter(|r| r.sessions > 0) {
            rooms_used += 1;
            let seen = r.span.map_or(0, |s| s.seen());
            expected += r.sessions * seen.max(ticks as u64);
            produced += r.sessions * seen;
        }
        let pct = |a: u64, b: u64| {
            if b > 0 {
                100.0 * a as f64 / b as f64
            } else {
                0.0
            }
        };
        let tick_hz_measured = TickSpan::measured_hz(
            st.rooms
                .iter()
                .filter(|r| r.sessions > 0)
                .filter_map(|r| r.span.as_ref()),
        );
        let delivered = pct(st.snapshots_window, produced);
        // At the configured rate: what was delivered, scaled down by how much slower than
        // configured the target ticked (from its stamps, so a tick that fell just outside the
        // window's edge does not count as lost); from the counts when no room had a span.
        let at_rate = if tick_hz_measured > 0.0 {
            delivered * (tick_hz_measured / hz).min(1.0)
        } else {
            pct(st.snapshots_window, expected)
        };
        let per_session_s = established_at_w0.max(1) as f64 * window_s;
        let cpu_pct = 100.0 * cpu1.saturating_sub(cpu0) as f64 / 1e6 / wall_window.max(1e-6);
        let latency_available = st.snapshots_total > st.snapshots_untimed;
        Ok(LoadReport {
            target: self.cfg.target.name().into(),
            mode: if self.cfg.play { "play" } else { "watch" }.into(),
            url: self.cfg.url.clone(),
            matches: rooms_used,
            players_per_match: self.cfg.players,
            spectators_per_match: self.cfg.spectators,
            tick_hz: self.cfg.tick_hz,
            window_s,
            window_start_us: w0,
            window_end_us: w1,
            sessions_planned: planned,
            sessions_established: established_at_w0,
            sessions_failed: st.failed,
            failures: st.failures.clone(),
            snapshots_received: st.snapshots_window,
            snapshots_expected: produced,
            delivered_pct: delivered,
            delivered_vs_configured_pct: at_rate,
            tick_hz_measured,
            latency_available,
            latency_ms: Percentiles::of(&st.latency_window, 1000.0),
            latency_p99_by_second_ms: st.p99_by_second.clone(),
            input_rtt_ms: Percentiles::of(&st.rtt, 1000.0),
            connect_ms: Percentiles::of(&st.connect, 1000.0),
            bytes_per_session_per_s: st.bytes_window as f64 / per_session_s,
            wire_bytes_per_session_per_s: st.wire_bytes_window as f64 / per_session_s,
            disconnects: st.disconnects,
            close_codes: st.close_codes.clone(),
            close_reasons: st
                .close_codes
                .iter()
                .map(|(c, n)| (c.to_string(), *n))
                .collect(),
            messages_received_total: st.messages_total,
            bytes_received_total: st.bytes_total,
            snapshots_total: st.snapshots_total,
            snapshots_untimed: st.snapshots_untimed,
            latency_clamped: st.latency_clamped,
            inputs_sent: st.inputs_sent,
            inputs_dropped: st.inputs_dropped,
            server_errors: st.server_errors,
            decode_errors: st.decode_errors,
            load_cpu_pct: cpu_pct,
            bot_cpu_pct: cpu_pct,
            rx_time: if self.cfg.kernel_rx_time {
                "kernel"
            } else {
                "user"
            }
            .into(),
            coalesce_us: self.cfg.coalesce_us,
            wakes_per_s: st.wakes as f64 / wall_window.max(1e-6),
            reads_per_s: st.reads as f64 / wall_window.max(1e-6),
            run_s: run_start.elapsed().as_secs_f64(),
        })
    }

    fn push_second(&mut self) {
        let h = &mut self.stats.latency_interval;
        let p99 = if h.is_empty() {
            0.0
        } else {
            h.value_at_quantile(0.99) as f64 / 1000.0
        };
        h.reset();
        self.stats.p99_by_second.push(p99);
    }

    /// Starts session `idx`'s connect.
    fn start(&mut self, idx: usize) {
        let c = &mut self.conns[idx];
        c.started_us = now_us();
        match sys::connect_loopback(self.cfg.port) {
            Ok(fd) => {
                c.fd = fd;
                c.phase = Phase::Connecting;
                if self.cfg.kernel_rx_time && !sys::enable_rx_timestamps(fd) {
                    self.stats.decode_errors += 1;
                }
                let ev = (libc::EPOLLOUT | libc::EPOLLIN) as u32;
                if let Err(e) = self.ep.add(fd, ev, idx as u64) {
                    let kind = format!("epoll_{}", sys::errno_name(e.raw_os_error().unwrap_or(0)));
                    self.end(idx, End::Fail(kind));
                }
            }
            Err(e) => {
                let kind = format!("connect_{}", sys::errno_name(e.raw_os_error().unwrap_or(0)));
                self.end(idx, End::Fail(kind));
            }
        }
    }

    fn on_event(&mut self, idx: usize, flags: u32, buf: &mut [u8]) {
        match self.conns[idx].phase {
            Phase::Connecting => {
                let c = &mut self.conns[idx];
                let err = sys::take_error(c.fd);
                if err != 0 {
                    self.end(idx, End::Fail(format!("connect_{}", sys::errno_name(err))));
                    return;
                }
                if flags & libc::EPOLLOUT as u32 == 0 {
                    return;
                }
                let request = std::mem::take(&mut c.request);
                if sys::send(c.fd, &request) != request.len() {
                    self.end(idx, End::Fail("upgrade_write".into()));
                    return;
                }
                c.phase = Phase::Upgrading;
                if self
                    .ep
                    .modify(c.fd, libc::EPOLLIN as u32, idx as u64)
                    .is_err()
                {
                    self.end(idx, End::Fail("epoll_modify".into()));
                }
            }
            Phase::Upgrading | Phase::Open => self.on_readable(idx, buf),
            Phase::Idle | Phase::Done => {}
        }
    }

    /// Reads everything the socket has, handling every complete frame in place.
    fn on_readable(&mut self, idx: usize, buf: &mut [u8]) {
        loop {
            let fd = self.conns[idx].fd;
            let carried = self.conns[idx].carry.len();
            if carried > 0 {
                buf[..carried].copy_from_slice(&self.conns[idx].carry);
            }
            let space = buf.len() - carried;
            let (got, stamp) = match sys::read(fd, &mut buf[carried..]) {
                (Read::Data(n), stamp) => (n, stamp),
                (Read::Empty, _) => return,
                (Read::Closed, _) => {
                    self.end(idx, End::Closed(1006));
                    return;
                }
            };
            if self.stage == Stage::Measure {
                self.stats.reads += 1;
            }
            let total = carried + got;
            // The kernel's arrival stamp of the newest packet read, else the clock now.
            let recv_us = match stamp {
                Some(t) if self.cfg.kernel_rx_time => t,
                _ => now_us(),
            };
            match self.process(idx, &buf[..total], recv_us) {
                Ok(used) => {
                    let c = &mut self.conns[idx];
                    c.carry.clear();
                    c.carry.extend_from_slice(&buf[used..total]);
                    if c.phase == Phase::Upgrading && c.carry.len() > 8192 {
                        self.end(idx, End::Fail("upgrade_malformed".into()));
                        return;
                    }
                }
                Err(end) => {
                    self.end(idx, end);
                    return;
                }
            }
            if got < space {
                return;
            }
        }
    }

    /// Handles the bytes of one read (after what was carried over); returns how many it used.
    fn process(&mut self, idx: usize, data: &[u8], recv_us: u64) -> Result<usize, End> {
        let mut pos = 0;
        if self.conns[idx].phase == Phase::Upgrading {
            match ws::parse_upgrade(data) {
                Upgrade::Incomplete => return Ok(0),
                Upgrade::Switched(at) => {
                    self.conns[idx].phase = Phase::Open;
                    pos = at;
                    if self.cfg.target == Target::WsPeer {
                        self.establish(idx, recv_us);
                    }
                }
                Upgrade::Refused(code) => return Err(End::Fail(format!("upgrade_http_{code}"))),
                Upgrade::Malformed => return Err(End::Fail("upgrade_malformed".into())),
            }
        }
        loop {
            match ws::parse_frame(&data[pos..]) {
                Ok(None) => return Ok(pos),
                Ok(Some(f)) => {
                    let payload = &data[pos + f.start..pos + f.end];
                    self.on_frame(idx, f, payload, recv_us)?;
                    pos += f.end;
                }
                Err(ws::FrameError::Protocol) => return Err(End::Fail("ws_protocol".into())),
                Err(ws::FrameError::TooBig) => return Err(End::Fail("ws_frame_too_big".into())),
            }
        }
    }

    fn on_frame(
        &mut self,
        idx: usize,
        f: ws::Frame,
        payload: &[u8],
        recv_us: u64,
    ) -> Result<(), End> {
        match f.opcode {
            ws::OP_BINARY if f.fin => {
                self.on_message(idx, payload, recv_us);
                Ok(())
            }
            ws::OP_PING => {
                if !self.write_frame(idx, ws::OP_PONG, payload) {
                    return Err(End::Fail("client_send_buffer_full".into()));
                }
                Ok(())
            }
            ws::OP_PONG => Ok(()),
            ws::OP_CLOSE => {
                let code = payload
                    .get(..2)
                    .map_or(1005, |b| u16::from_be_bytes([b[0], b[1]]));
                Err(End::Closed(code))
            }
            ws::OP_TEXT | ws::OP_CONT | ws::OP_BINARY => {
                // Text, or a fragmented message: none of the targets sends either.
                self.stats.decode_errors += 1;
                Ok(())
            }
            _ => Err(End::Fail("ws_protocol".into())),
        }
    }

    /// One whole binary message from the target.
    #[inline]
    fn on_message(&mut self, idx: usize, msg: &[u8], recv_us: u64) {
        self.stats.messages_total += 1;
        self.stats.bytes_total += msg.len() as u64;
        match self.cfg.target {
            Target::Arena(game) => {
                if let Some(s) = proto::arena_snapshot(msg, &mut self.conns[idx].stamps) {
                    let room = self.conns[idx].room;
                    self.stats
                        .snapshot(room, Some((s.tick, s.server_time_us)), msg.len(), recv_us);
                    let c = &mut self.conns[idx];
                    if let (Some(ack), Some((seq, sent))) = (s.ack, c.pending) {
                        if (ack.wrapping_sub(seq) as i16) >= 0 {
                            c.pending = None;
                            if self.stats.window.0 <= sent && sent < self.stats.window.1 {
                                self.stats
                                    .rtt
                                    .saturating_record(recv_us.saturating_sub(sent).max(1));
                            }
                        }
                    }
                    if self.cfg.play && c.player && c.established {
                        self.send_arena_input(idx, game, s.tick);
                    }
                    return;
                }
                match msg.first() {
                    Some(&arena_tag::WELCOME) if !self.conns[idx].established => {
                        // Once per session: the full decode through the one codec.
                        match arena_game::codec::decode::<ServerMsg>(msg) {
                            Ok(ServerMsg::Welcome(w)) => {
                                self.conns[idx].seat = w.player_id;
                                self.establish(idx, recv_us);
                            }
                            _ => self.stats.decode_errors += 1,
                        }
                    }
                    Some(&arena_tag::ERROR) => self.stats.server_errors += 1,
                    Some(_) => {}
                    None => self.stats.decode_errors += 1,
                }
            }
            Target::WsPeer => {
                let Some((tick, time, first)) = proto::peer_snapshot(msg) else {
                    self.stats.decode_errors += 1;
                    return;
                };
                if self.conns[idx].room == NO_ROOM {
                    if let Some(id) = first {
                        let next = self.stats.rooms.len() as u32;
                        let room = *self.peer_rooms.entry(id).or_insert(next);
                        if room == next {
                            self.stats.rooms.push(Default::default());
                        }
                        self.stats.rooms[room as usize].sessions += 1;
                        self.conns[idx].room = room;
                    }
                }
                let room = self.conns[idx].room;
                self.stats
                    .snapshot(room, Some((tick, time)), msg.len(), recv_us);
                if self.cfg.play {
                    self.send_dir_input(idx, tick);
                }
            }
            Target::Colyseus => match msg.first().map(|b| b & colyseus::CODE_MASK) {
                Some(colyseus::ROOM_STATE_PATCH) => {
                    let room = self.conns[idx].room;
                    let point = proto::colyseus_patch_time(msg);
                    self.stats.snapshot(room, point, msg.len(), recv_us);
                    if self.cfg.play && self.conns[idx].established {
                        self.send_dir_input(idx, point.map_or(0, |p| p.0));
                    }
                }
                Some(colyseus::JOIN_ROOM) if !self.conns[idx].established => {
                    // Confirm the join; the room then sends the full state and the patches.
                    if self.write_frame(idx, ws::OP_BINARY, &[colyseus::JOIN_ROOM]) {
                        self.establish(idx, recv_us);
                    }
                }
                Some(colyseus::ERROR) => self.stats.server_errors += 1,
                Some(_) => {}
                None => self.stats.decode_errors += 1,
            },
        }
    }

    fn establish(&mut self, idx: usize, recv_us: u64) {
        let c = &mut self.conns[idx];
        c.established = true;
        self.settled += 1;
        self.stats.established += 1;
        self.stats
            .connect
            .saturating_record(recv_us.saturating_sub(c.started_us).max(1));
        if let Some(r) = self.stats.rooms.get_mut(c.room as usize) {
            r.sessions += 1;
        }
    }

    fn send_arena_input(&mut self, idx: usize, game: ArenaGame, tick: u32) {
        let c = &mut self.conns[idx];
        let seq = c.seq.wrapping_add(1);
        let mut payload = [0u8; 16];
        let n = proto::arena_input(&mut payload, game, seq, tick, c.seat.unwrap_or(0));
        if self.write_frame(idx, ws::OP_BINARY, &payload[..n]) {
            let c = &mut self.conns[idx];
            c.seq = seq;
            if c.pending.is_none() {
                c.pending = Some((seq, now_us()));
            }
            self.stats.inputs_sent += 1;
        } else {
            self.stats.inputs_dropped += 1;
        }
    }

    /// ws peer and Colyseus: a direction that changes every 40 ticks.
    fn send_dir_input(&mut self, idx: usize, tick: u32) {
        const DIRS: [u8; 4] = [1, 8, 2, 4];
        let dir = DIRS[((tick / 40) as usize + idx) % 4];
        let ok = match self.cfg.target {
            Target::Colyseus => self.write_frame(idx, ws::OP_BINARY, &proto::colyseus_input(dir)),
            _ => self.write_frame(idx, ws::OP_BINARY, &[dir]),
        };
        if ok {
            self.stats.inputs_sent += 1;
        } else {
            self.stats.inputs_dropped += 1;
        }
    }

    /// Writes one masked frame; false when the socket did not take it whole (a partial write
    /// would leave the stream mid-frame, so the caller ends the session).
    #[inline]
    fn write_frame(&mut self, idx: usize, opcode: u8, payload: &[u8]) -> bool {
        let mut frame = [0u8; 160];
        if payload.len() + 14 > frame.len() {
            return false;
        }
        let c = &mut self.conns[idx];
        let n = ws::write_client_frame(&mut frame, opcode, payload, &mut c.rng);
        let sent = sys::send(c.fd, &frame[..n]);
        if sent == n {
            return true;
        }
        if sent > 0 {
            // Half a frame is on the wire: this session cannot continue.
            c.phase = Phase::Done;
            self.stats.disconnects += 1;
            *self.stats.close_codes.entry(1006).or_default() += 1;
            sys::close(c.fd);
            c.fd = -1;
        }
        false
    }

    fn end(&mut self, idx: usize, end: End) {
        let c = &mut self.conns[idx];
        if c.phase == Phase::Done {
            return;
        }
        sys::close(c.fd);
        c.fd = -1;
        c.phase = Phase::Done;
        c.carry = Vec::new();
        let was_established = c.established;
        if was_established {
            self.stats.disconnects += 1;
            let code = match end {
                End::Closed(code) => code,
                End::Fail(_) => 1006,
            };
            *self.stats.close_codes.entry(code).or_default() += 1;
        } else {
            self.settled += 1;
            let kind = match end {
                End::Closed(code) => format!("closed_{code}"),
                End::Fail(kind) => kind,
            };
            self.stats.fail(&kind);
        }
    }

    /// Closes every session: a close frame (1000) to the open ones, then the socket.
    fn close_all(&mut self) {
        for idx in 0..self.conns.len() {
            let c = &self.conns[idx];
            match c.phase {
                Phase::Open => {
                    let _ = self.write_frame(idx, ws::OP_CLOSE, &1000u16.to_be_bytes());
                    let c = &mut self.conns[idx];
                    sys::close(c.fd);
                    c.fd = -1;
                    c.phase = Phase::Done;
                }
                Phase::Connecting | Phase::Upgrading => {
                    let c = &mut self.conns[idx];
                    sys::close(c.fd);
                    c.fd = -1;
                    c.phase = Phase::Done;
                }
                Phase::Idle | Phase::Done => {}
            }
        }
    }
}
