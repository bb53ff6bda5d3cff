//! The match actor: one per match, on one of the lobby's match arbiters.
//!
//! It owns the game ([`DynGame`]: any registered game behind bytes), decodes and queues the
//! inputs sessions forward, ticks on a drift-free schedule at the match's `tick_hz`, and each
//! tick encodes each distinct view once (the game says which view each session gets), and from it
//! one message per group of sessions that share the view and the baseline they hold: a delta
//! against that baseline, or the whole snapshot (a keyframe). Every session of a group gets the
//! same bytes, followed by its own few (its input ack). It keeps the roster, acknowledges input
//! sequence numbers, and reports phase and scoreboard changes to whoever holds its
//! [`MatchUpdate`] recipient (the lobby). The lobby adds and removes sessions; sessions send
//! inputs and chat straight here.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use actix::prelude::*;
use arena_game::protocol::{encode_shared, recipient_tail, view_checksum, Delta, DELTA_WINDOW};
use arena_game::registry::GameType;
use arena_game::{
    codec, delta, CloseCode, DynBot, EndReason, Payload, Phase, PlayerId, Role, RosterEntry,
    ScoreLine, ServerMsg, Snapshot, ViewKey, Viewer, Welcome, PROTOCOL_VERSION,
};
use bytes::Bytes;

use arena_game::api::{ApiEndReason, HistoryEntry, HistoryPlayer};

use crate::conn::{binary_frame, Delivery, SnapshotOut, MAX_QUEUED_BYTES};
use crate::link::{unix_time_us, CloseSession, SessionId, SessionLink};
use crate::metrics::Metrics;
use crate::store::{FinishedMatch, SaveMatch};
use crate::watch::{ReplayControl, Source};

/// How a match starts and ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlAction {
    /// Waiting → Running.
    Start,
    /// Ends the match now.
    End(EndReason),
}

/// Lobby → match: a session joined; send it the welcome, the roster, the last tick's snapshot of
/// its view (if another session shares it), and from then on every snapshot.
#[derive(Message)]
#[rtype(result = "()")]
pub struct AddSession {
    /// The session.
    pub session_id: SessionId,
    /// Player or spectator.
    pub role: Role,
    /// The seat for a player.
    pub player_id: Option<PlayerId>,
    /// Display name.
    pub name: String,
    /// How to reach the session.
    pub link: SessionLink,
}

/// Lobby → match: a session left; forget it. Its player stays (shown disconnected in the roster)
/// until [`ReleasePlayer`], so a reconnect resumes the same player.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RemoveSession {
    /// The session.
    pub session_id: SessionId,
}

/// Lobby → match: the host added bots in these seats; the match runs them with the game's bot
/// policy (an input each tick from what their seat sees), like players without a connection.
#[derive(Message)]
#[rtype(result = "()")]
pub struct AddBots {
    /// Seat and name of each bot.
    pub bots: Vec<(PlayerId, String)>,
    /// The game, for its bot policy.
    pub game: Arc<dyn GameType>,
}

/// Lobby → match: a seat is free (grace period over, kicked, or left for good); remove the
/// player from the game.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ReleasePlayer(pub PlayerId);

/// One input waiting in an [`InputInbox`]: its session, sequence number, and where its bytes
/// are in the batch.
struct PendingInput {
    session_id: SessionId,
    seq: u16,
    start: usize,
    end: usize,
}

/// A batch of waiting inputs: their headers and all their bytes in one buffer.
#[derive(Default)]
struct InputBatch {
    inputs: Vec<PendingInput>,
    bytes: Vec<u8>,
}

/// Session → match: players' inputs waiting for the next tick. A session pushes under a lock; the
/// match takes the whole batch when it ticks. An input only matters at the tick, so it costs no
/// actor message, no wake-up of the match and no allocation of its own. Bounded: past `cap`
/// inputs (far above what the sessions' rate limits let through) more are dropped and counted.
pub struct InputInbox {
    batch: Mutex<InputBatch>,
    cap: usize,
}

impl InputInbox {
    /// An inbox holding at most `cap` inputs between two ticks.
    pub fn new(cap: usize) -> Self {
        Self {
            batch: Mutex::new(InputBatch::default()),
            cap: cap.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, InputBatch> {
        self.batch.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a player's input (the game's bytes) for the next tick; false when full.
    pub fn push(&self, session_id: SessionId, seq: u16, input: &[u8]) -> bool {
        let mut batch = self.lock();
        if batch.inputs.len() >= self.cap {
            return false;
        }
        let start = batch.bytes.len();
        batch.bytes.extend_from_slice(input);
        let end = batch.bytes.len();
        batch.inputs.push(PendingInput {
            session_id,
            seq,
            start,
            end,
        });
        true
    }

    /// Swaps the waiting batch with `spare` (emptied), keeping both buffers' memory.
    fn take(&self, spare: &mut InputBatch) {
        spare.inputs.clear();
        spare.bytes.clear();
        std::mem::swap(&mut *self.lock(), spare);
    }
}

/// Session → match: a chat line to broadcast.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ChatLine {
    /// Sender's seat, `None` for spectators.
    pub from: Option<PlayerId>,
    /// Sender's name.
    pub name: String,
    /// Validated, trimmed text.
    pub text: String,
}

/// Lobby → match: start or end; answers the phase afterwards.
#[derive(Message)]
#[rtype(result = "Phase")]
pub struct Control(pub ControlAction);

/// Lobby → match: the match is being removed; close every session with this code and stop.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Shutdown {
    /// Close code for the sessions.
    pub code: CloseCode,
    /// Close reason for the sessions.
    pub reason: String,
}

/// Match → lobby: phase or scoreboard changed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct MatchUpdate {
    /// The match.
    pub match_id: String,
    /// Its phase now.
    pub phase: Phase,
    /// Why it ended, once ended.
    pub end_reason: Option<EndReason>,
    /// Best first.
    pub scoreboard: Vec<ScoreLine>,
}

/// What a match is, besides its game.
#[derive(Debug, Clone)]
pub struct MatchSpec {
    /// Match id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Seats.
    pub max_players: u8,
    /// Ticks per second.
    pub tick_hz: u8,
    /// Fraction of the period, in [0, 1), by which this match's ticks are offset from others'.
    pub phase_offset: f64,
    /// A session behind for this long is closed with 4000, ms.
    pub slow_client_timeout_ms: u64,
    /// Every this many ticks (≥ 1) every session gets a keyframe.
    pub keyframe_interval: u32,
    /// Every this many ticks deltas carry their view's checksum (0: never).
    pub checksum_interval: u32,
    /// The game's scoreboard column names (kept with the result).
    pub score_columns: Vec<String>,
}

/// How a snapshot is named on a connection ([`SnapshotOut::id`]): its tick and its view.
fn snapshot_id(tick: u32, view: ViewKey) -> u64 {
    (u64::from(view.0) << 32) | u64::from(tick)
}

/// The tick and view of a [`snapshot_id`].
fn snapshot_of(id: u64) -> (u32, ViewKey) {
    (id as u32, ViewKey((id >> 32) as u32))
}

/// One tick's views, whole, as the game encoded them: kept for [`DELTA_WINDOW`] ticks as the
/// baselines of later deltas.
struct Kept {
    tick: u32,
    time_us: u64,
    views: Vec<(ViewKey, Bytes)>,
}

/// The shared bytes of one message this tick: a view's keyframe (`baseline: None`) or its delta
/// against a baseline (a [`snapshot_id`]).
struct Group {
    view: ViewKey,
    baseline: Option<u64>,
    body: Bytes,
}

/// What every message of one tick shares.
struct TickHead {
    tick: u32,
    time_us: u64,
    phase: Phase,
    check: bool,
}

/// The views kept by tick, newest last.
struct Baselines(VecDeque<Kept>);

impl Baselines {
    fn view(&self, tick: u32, view: ViewKey) -> Option<&Kept> {
        self.0
            .iter()
            .rev()
            .find(|k| k.tick == tick)
            .filter(|k| k.views.iter().any(|(v, _)| *v == view))
    }

    fn bytes(kept: &Kept, view: ViewKey) -> Option<&Bytes> {
        kept.views.iter().find(|(v, _)| *v == view).map(|(_, b)| b)
    }

    /// Whether a session holding `id` can get a delta at `tick`: recent enough for every
    /// client to still hold it, and still kept here.
    fn usable(&self, id: u64, tick: u32) -> bool {
        let (base, view) = snapshot_of(id);
        let back = tick.wrapping_sub(base);
        (1..DELTA_WINDOW).contains(&back) && self.view(base, view).is_some()
    }

    /// Encodes the shared part of the message for `view` at this tick against `baseline`
    /// (whole when `None`), into a fresh `Bytes`.
    fn encode(
        &self,
        head: &TickHead,
        view: ViewKey,
        baseline: Option<u64>,
        scratch: &mut (Vec<u8>, Vec<u8>),
    ) -> Option<Bytes> {
        let newest = self.0.back().filter(|k| k.tick == head.tick)?;
        let target = Self::bytes(newest, view)?;
        let (payload, out) = scratch;
        payload.clear();
        out.clear();
        let msg = match baseline {
            None => {
                payload.extend_from_slice(target);
                ServerMsg::Snapshot(Snapshot {
                    tick: head.tick,
                    server_time_us: head.time_us,
                    phase: head.phase,
                    view: Payload(std::mem::take(payload)),
                    ack: None,
                })
            }
            Some(id) => {
                let (base_tick, base_view) = snapshot_of(id);
                let kept = self.view(base_tick, base_view)?;
                delta::encode(Self::bytes(kept, base_view)?, target, payload);
                ServerMsg::Delta(Delta {
                    tick: head.tick,
                    back: head.tick.wrapping_sub(base_tick),
                    since_us: u32::try_from(head.time_us.saturating_sub(kept.time_us))
                        .unwrap_or(u32::MAX),
                    phase: head.phase,
                    check: head.check.then(|| view_checksum(target)),
                    view: Payload(std::mem::take(payload)),
                    ack: None,
                })
            }
        };
        let encoded = encode_shared(&msg, out);
        if let ServerMsg::Snapshot(Snapshot { view, .. }) | ServerMsg::Delta(Delta { view, .. }) =
            msg
        {
            *payload = view.0;
        }
        match encoded {
            Ok(()) => Some(Bytes::copy_from_slice(out)),
            Err(e) => {
                log::error!("cannot encode a snapshot: {e}");
                None
            }
        }
    }
}

struct SessionEntry {
    /// The seat, for a player (a spectator has none).
    player_id: Option<PlayerId>,
    link: SessionLink,
    /// The view this session got at the last tick.
    view: ViewKey,
    /// It was closed for being slow: it gets nothing more.
    slow: bool,
}

impl SessionEntry {
    /// Hands over a frame that must arrive (roster, chat, scoreboard); a connection whose queue
    /// is over its bound is closed as slow.
    fn send(&mut self, metrics: &Metrics, frame: &Bytes) {
        if self.slow {
            return;
        }
        metrics.record_sent(1, frame.len() as u64);
        if self.link.conn.send(frame.clone()) == Delivery::Overflow {
            self.close_slow(
                metrics,
                format!("slow: over {} KiB waiting", MAX_QUEUED_BYTES / 1024),
            );
        }
    }

    /// Offers this tick's snapshot: written to the socket now when it has room, else queued
    /// (the oldest waiting snapshot dropped past the limit). Closes the session with 4000 when
    /// it stayed behind past the slow-client timeout. Returns whether the session took part.
    fn offer(
        &mut self,
        metrics: &Metrics,
        snap: SnapshotOut<'_>,
        now_us: u64,
        slow_after_us: u64,
    ) -> bool {
        if self.slow {
            return false;
        }
        match self.link.conn.send_snapshot(snap, now_us) {
            Delivery::Written => true,
            Delivery::Queued {
                dropped_stale,
                behind_for_us,
            } => {
                if dropped_stale {
                    metrics.record_stale_dropped();
                }
                if behind_for_us > slow_after_us {
                    self.close_slow(
                        metrics,
                        format!(
                            "slow: could not take snapshots for {} ms",
                            behind_for_us / 1000
                        ),
                    );
                }
                true
            }
            Delivery::Overflow => {
                self.close_slow(
                    metrics,
                    format!("slow: over {} KiB waiting", MAX_QUEUED_BYTES / 1024),
                );
                false
            }
            Delivery::Gone => false,
        }
    }

    fn close_slow(&mut self, metrics: &Metrics, reason: String) {
        self.slow = true;
        metrics.record_slow_close();
        self.link
            .closer
            .do_send(CloseSession::new(CloseCode::Slow, reason));
    }
}

/// A `tokio::time::Interval` as a stream of tick instants (drift-free; late ticks skipped).
struct TickStream(tokio::time::Interval);

impl futures_util::Stream for TickStream {
    type Item = tokio::time::Instant;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_tick(cx).map(Some)
    }
}

/// The length of one tick at `tick_hz`.
fn tick_period(tick_hz: u8) -> Duration {
    Duration::from_secs_f64(1.0 / f64::from(tick_hz.max(1)))
}

/// The time step of one tick at `tick_hz`, as the match passes it to the game (and a replay
/// records it).
pub fn step_seconds(tick_hz: u8) -> f32 {
    tick_period(tick_hz).as_secs_f32()
}

/// Unix ms now.
fn unix_ms() -> i64 {
    (unix_time_us() / 1000) as i64
}

/// One running match.
pub struct MatchActor {
    spec: MatchSpec,
    /// The game: live and recorded, or a replay being watched.
    game: Source,
    facts: Vec<u8>,
    updates: Recipient<MatchUpdate>,
    metrics: Arc<Metrics>,
    sessions: HashMap<SessionId, SessionEntry>,
    roster: BTreeMap<PlayerId, RosterEntry>,
    /// Per seat: the newest input seq queued since the last tick, and the newest applied.
    queued_seq: Vec<Option<u16>>,
    applied_seq: Vec<Option<u16>>,
    /// The number the next tick gets.
    tick: u32,
    period: Duration,
    first_deadline: Option<tokio::time::Instant>,
    last_due: u64,
    roster_frame: Bytes,
    ended_frame: Option<Bytes>,
    last_phase: Phase,
    last_board: Vec<ScoreLine>,
    /// Reused buffers: a message; a view; a delta and a message around it.
    buf: Vec<u8>,
    view_buf: Vec<u8>,
    scratch: (Vec<u8>, Vec<u8>),
    /// The views of the last [`DELTA_WINDOW`] ticks (the newest is also what a joining session
    /// gets first), and this tick's groups.
    baselines: Baselines,
    groups: Vec<Group>,
    keys: Vec<ViewKey>,
    /// Inputs the sessions queued, and the batch taken from it at the last tick.
    inbox: Arc<InputInbox>,
    taken: InputBatch,
    /// Bots the match runs, by seat, and the views they read this tick.
    bots: Vec<(PlayerId, Box<dyn DynBot>)>,
    bot_views: Vec<(ViewKey, Vec<u8>)>,
    /// Where the finished match goes (none: no history), and what it needs to know.
    store: Option<Recipient<SaveMatch>>,
    created_at_ms: i64,
    started_at_ms: Option<i64>,
}

impl MatchActor {
    /// A match in the waiting phase. `updates` receives its phase and scoreboard changes.
    pub fn new(
        spec: MatchSpec,
        game: Source,
        inbox: Arc<InputInbox>,
        updates: Recipient<MatchUpdate>,
        metrics: Arc<Metrics>,
        store: Option<Recipient<SaveMatch>>,
    ) -> Self {
        let period = tick_period(spec.tick_hz);
        let mut facts = Vec::new();
        if let Err(e) = game.encode_facts(&mut facts) {
            log::error!("match {}: cannot encode the game's facts: {e}", spec.id);
        }
        let seats = spec.max_players as usize;
        let mut actor = Self {
            spec,
            game,
            facts,
            updates,
            metrics,
            sessions: HashMap::new(),
            roster: BTreeMap::new(),
            queued_seq: vec![None; seats],
            applied_seq: vec![None; seats],
            tick: 0,
            period,
            first_deadline: None,
            last_due: 0,
            roster_frame: Bytes::new(),
            ended_frame: None,
            last_phase: Phase::Waiting,
            last_board: Vec::new(),
            buf: Vec::with_capacity(1024),
            view_buf: Vec::with_capacity(1024),
            scratch: (Vec::with_capacity(1024), Vec::with_capacity(1024)),
            baselines: Baselines(VecDeque::with_capacity(DELTA_WINDOW as usize)),
            groups: Vec::with_capacity(4),
            keys: Vec::with_capacity(4),
            inbox,
            taken: InputBatch::default(),
            bots: Vec::new(),
            bot_views: Vec::new(),
            store,
            created_at_ms: unix_ms(),
            started_at_ms: None,
        };
        actor.rebuild_roster();
        actor
    }

    fn encode(&mut self, msg: &ServerMsg) -> Option<Bytes> {
        self.buf.clear();
        match codec::encode_into(msg, &mut self.buf) {
            Ok(()) => Some(binary_frame(&self.buf)),
            Err(e) => {
                log::error!("match {}: cannot encode {e}", self.spec.id);
                None
            }
        }
    }

    fn broadcast(&mut self, frame: &Bytes) {
        for s in self.sessions.values_mut() {
            s.send(&self.metrics, frame);
        }
    }

    fn view_of(&self, player_id: Option<PlayerId>) -> ViewKey {
        match player_id {
            Some(id) => self.game.view_key(Viewer::Player(id)),
            None => self.game.view_key(Viewer::Spectator),
        }
    }

    /// Encodes each view in `keys` as the game sees it now and keeps the bytes as this tick's
    /// baselines (dropping the ones older than the window).
    fn keep_views(&mut self, tick: u32, time_us: u64) {
        let history = &mut self.baselines.0;
        while history
            .front()
            .is_some_and(|k| tick.wrapping_sub(k.tick) >= DELTA_WINDOW)
        {
            history.pop_front();
        }
        let mut kept = match history.len() >= DELTA_WINDOW as usize {
            true => history.pop_front(),
            false => None,
        }
        .unwrap_or(Kept {
            tick,
            time_us,
            views: Vec::with_capacity(self.keys.len()),
        });
        kept.tick = tick;
        kept.time_us = time_us;
        kept.views.clear();
        for &key in &self.keys {
            self.view_buf.clear();
            match self.game.encode_view(key, &mut self.view_buf) {
                Ok(()) => kept
                    .views
                    .push((key, Bytes::copy_from_slice(&self.view_buf))),
                Err(e) => log::error!("match {}: cannot encode a view: {e}", self.spec.id),
            }
        }
        history.push_back(kept);
    }

    /// Each session's snapshot: one message per distinct (view, baseline) among the sessions,
    /// shared by every session of that group, each followed by the session's own ack.
    fn fan_out(&mut self, tick: u32) {
        let spectator_view = self.game.view_key(Viewer::Spectator);
        let game = &self.game;
        let mut keys = std::mem::take(&mut self.keys);
        keys.clear();
        for s in self.sessions.values_mut() {
            s.view = match s.player_id {
                Some(p) => game.view_key(Viewer::Player(p)),
                None => spectator_view,
            };
            if !keys.contains(&s.view) {
                keys.push(s.view);
            }
        }
        self.keys = keys;
        let now_us = unix_time_us();
        self.keep_views(tick, now_us);
        let head = TickHead {
            tick,
            time_us: now_us,
            phase: self.game.phase(),
            check: self.spec.checksum_interval > 0
                && tick.is_multiple_of(self.spec.checksum_interval),
        };
        let keyframes_now = tick.is_multiple_of(self.spec.keyframe_interval.max(1));
        let slow_after_us = self.spec.slow_client_timeout_ms * 1000;
        let (mut offered, mut bytes, mut full, mut deltas) = (0u64, 0u64, 0u64, 0u64);
        let baselines = &self.baselines;
        let groups = &mut self.groups;
        groups.clear();
        for s in self.sessions.values_mut() {
            if s.slow {
                continue;
            }
            let baseline = match keyframes_now {
                true => None,
                false => s
                    .link
                    .conn
                    .baseline()
                    .filter(|&id| baselines.usable(id, tick)),
            };
            let group = match groups
                .iter()
                .position(|g| g.view == s.view && g.baseline == baseline)
            {
                Some(i) => i,
                None => {
                    let Some(body) = baselines.encode(&head, s.view, baseline, &mut self.scratch)
                    else {
                        continue;
                    };
                    match baseline {
                        None => full += 1,
                        Some(_) => deltas += 1,
                    }
                    groups.push(Group {
                        view: s.view,
                        baseline,
                        body,
                    });
                    groups.len() - 1
                }
            };
            let ack = s.player_id.and_then(|p| self.applied_seq[p as usize]);
            let (tail, tail_len) = recipient_tail(ack);
            let snap = SnapshotOut {
                body: &groups[group].body,
                tail: &tail[..tail_len],
                id: snapshot_id(tick, s.view),
                key: baseline.is_none(),
            };
            if s.offer(&self.metrics, snap, now_us, slow_after_us) {
                offered += 1;
                bytes += (groups[group].body.len() + tail_len) as u64;
            }
        }
        self.metrics.record_encodes(full, deltas);
        self.metrics.record_sent_frames(offered, bytes);
    }

    fn rebuild_roster(&mut self) {
        let roster: Vec<RosterEntry> = self.roster.values().cloned().collect();
        if let Some(frame) = self.encode(&ServerMsg::Roster(roster)) {
            self.roster_frame = frame;
        }
    }

    fn roster_changed(&mut self) {
        self.rebuild_roster();
        let roster = self.roster_frame.clone();
        self.broadcast(&roster);
    }

    fn tell_lobby(&mut self, board: Vec<ScoreLine>) {
        self.last_board = board.clone();
        self.updates.do_send(MatchUpdate {
            match_id: self.spec.id.clone(),
            phase: self.game.phase(),
            end_reason: self.game.end_reason(),
            scoreboard: board,
        });
    }

    /// Notices phase changes at once and scoreboard changes within a second.
    fn after_change(&mut self, force_scores: bool) {
        let phase = self.game.phase();
        if phase != Phase::Ended {
            // Only a replay leaves the end (a seek back): it ends again when it gets there.
            self.ended_frame = None;
        }
        if phase == Phase::Ended && self.ended_frame.is_none() {
            let msg = ServerMsg::MatchEnded {
                reason: self.game.end_reason().unwrap_or(EndReason::Host),
                scoreboard: self.game.scoreboard(),
            };
            if let Some(frame) = self.encode(&msg) {
                self.broadcast(&frame);
                self.ended_frame = Some(frame);
            }
            if !self.game.is_replay() {
                log::info!("match {} ended: {:?}", self.spec.id, self.game.end_reason());
                self.keep_result();
            }
        }
        if phase == Phase::Running && self.started_at_ms.is_none() {
            self.started_at_ms = Some(unix_ms());
        }
        let phase_changed = phase != self.last_phase;
        if phase_changed || force_scores {
            self.last_phase = phase;
            let board = self.game.scoreboard();
            if phase_changed || board != self.last_board {
                self.tell_lobby(board);
            }
        }
    }

    /// Sends the finished match (result, players, replay) to the history store, once, if it was
    /// played (a match ended before it started has nothing to keep).
    fn keep_result(&mut self) {
        let Some(store) = &self.store else {
            return;
        };
        let Some(started_at_ms) = self.started_at_ms else {
            return;
        };
        let Source::Live(recording) = &mut self.game else {
            return;
        };
        let replay = recording.finish();
        let bytes = match replay.encode() {
            Ok(bytes) => bytes,
            Err(e) => {
                log::error!("match {}: cannot encode its replay: {e}", self.spec.id);
                return;
            }
        };
        let players = self
            .game
            .scoreboard()
            .into_iter()
            .enumerate()
            .map(|(i, line)| HistoryPlayer {
                id: line.id,
                place: i as u32 + 1,
                bot: self.roster.get(&line.id).is_some_and(|e| e.bot),
                name: line.name,
                team: line.team,
                score: line.score,
                stats: line.stats,
            })
            .collect();
        let entry = HistoryEntry {
            id: self.spec.id.clone(),
            game: self.game.name().to_owned(),
            name: self.spec.name.clone(),
            tick_hz: self.spec.tick_hz,
            max_players: self.spec.max_players,
            created_at_ms: self.created_at_ms,
            started_at_ms: Some(started_at_ms),
            ended_at_ms: unix_ms(),
            end_reason: ApiEndReason::from(self.game.end_reason().unwrap_or(EndReason::Host))
                .as_str()
                .into(),
            score_columns: self.spec.score_columns.clone(),
            players,
            replay_bytes: bytes.len() as u64,
            replay_ticks: replay.ticks(),
            replay_complete: replay.complete,
        };
        let finished = FinishedMatch {
            entry,
            settings: replay.header.settings,
            seed: replay.header.seed,
            replay: bytes,
        };
        store.do_send(SaveMatch(Box::new(finished)));
    }

    fn run_tick(&mut self, now: tokio::time::Instant) {
        let started = Instant::now();
        let first = *self.first_deadline.get_or_insert(now);
        let due = (now.saturating_duration_since(first).as_nanos() / self.period.as_nanos()) as u64;
        if due > self.last_due + 1 {
            self.metrics.record_skipped(due - self.last_due - 1);
        }
        self.last_due = due;

        let something_new = match self.game.watch() {
            // A replay plays only while somebody watches, and shows only what moved.
            Some(watch) => !self.sessions.is_empty() && watch.tick(),
            None => {
                self.drive_bots();
                self.apply_inputs();
                self.game.step(self.period.as_secs_f32());
                for (queued, applied) in self.queued_seq.iter_mut().zip(&mut self.applied_seq) {
                    if let Some(seq) = queued.take() {
                        *applied = Some(seq);
                    }
                }
                true
            }
        };
        let tick = self.tick;
        self.tick = self.tick.wrapping_add(1);
        let once_a_second = tick.is_multiple_of(u32::from(self.spec.tick_hz.max(1)));
        self.after_change(once_a_second);
        if let Some(roster) = self.game.watch().and_then(|w| w.roster_if_changed()) {
            self.roster = roster.into_iter().map(|e| (e.id, e)).collect();
            self.roster_changed();
        }
        if self.sessions.is_empty() {
            // Nobody to send to: forget the kept views, so a later joiner is not sent old ones.
            self.baselines.0.clear();
        } else if something_new {
            self.fan_out(tick);
        }
        self.metrics.record_tick(started.elapsed());
    }

    /// Each bot reads what its seat sees now and queues its input for this tick.
    fn drive_bots(&mut self) {
        if self.bots.is_empty() {
            return;
        }
        // Each distinct view once (a queued input changes nothing until the step), then every
        // bot reads its own.
        let mut views = std::mem::take(&mut self.bot_views);
        views.clear();
        for (id, _) in &self.bots {
            let key = self.game.view_key(Viewer::Player(*id));
            if views.iter().any(|(k, _)| *k == key) {
                continue;
            }
            let mut bytes = Vec::new();
            match self.game.encode_view(key, &mut bytes) {
                Ok(()) => views.push((key, bytes)),
                Err(e) => log::error!("match {}: cannot encode a bot's view: {e}", self.spec.id),
            }
        }
        let mut input = std::mem::take(&mut self.buf);
        for (id, bot) in &mut self.bots {
            let key = self.game.view_key(Viewer::Player(*id));
            let Some((_, view)) = views.iter().find(|(k, _)| *k == key) else {
                continue;
            };
            input.clear();
            match bot.input(self.tick, view, &mut input) {
                Ok(true) => {
                    if let Err(e) = self.game.queue_input(*id, &input) {
                        log::error!("match {}: bot {id}'s input refused: {e}", self.spec.id);
                    }
                }
                Ok(false) => {}
                Err(e) => log::error!("match {}: bot {id} cannot read its view: {e}", self.spec.id),
            }
        }
        self.buf = input;
        self.bot_views = views;
    }

    /// Hands the game every input queued since the last tick, in arrival order.
    fn apply_inputs(&mut self) {
        self.inbox.take(&mut self.taken);
        let batch = &self.taken;
        for input in &batch.inputs {
            // A session gone, or a spectator's, has no seat to play (the session refuses those).
            let Some(session) = self.sessions.get(&input.session_id) else {
                continue;
            };
            let Some(player) = session.player_id.filter(|p| self.roster.contains_key(p)) else {
                continue;
            };
            match self
                .game
                .queue_input(player, &batch.bytes[input.start..input.end])
            {
                Ok(()) => self.queued_seq[player as usize] = Some(input.seq),
                Err(e) => {
                    self.metrics.record_rejected(CloseCode::Invalid.code());
                    log::info!(
                        "match {}: player {player} sent an input that does not decode: {e}",
                        self.spec.id
                    );
                    session.link.closer.do_send(CloseSession::new(
                        CloseCode::Invalid,
                        format!("input for {} does not decode: {e}", self.game.name()),
                    ));
                }
            }
        }
    }

    fn welcome(&mut self, role: Role, player_id: Option<PlayerId>) -> Option<Bytes> {
        let msg = ServerMsg::Welcome(Welcome {
            protocol: PROTOCOL_VERSION,
            match_id: self.spec.id.clone(),
            game: self.game.name().to_owned(),
            role,
            player_id,
            match_name: self.spec.name.clone(),
            max_players: self.spec.max_players,
            tick_hz: self.spec.tick_hz,
            facts: Payload(self.facts.clone()),
        });
        self.encode(&msg)
    }

    fn set_connected(&mut self, id: PlayerId, connected: bool) -> bool {
        let Some(entry) = self.roster.get_mut(&id) else {
            return false;
        };
        if entry.connected == connected {
            return false;
        }
        entry.connected = connected;
        self.game.set_connected(id, connected);
        if !connected {
            self.queued_seq[id as usize] = None;
        }
        true
    }
}

impl Actor for MatchActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(4096);
        let offset = self.period.mul_f64(self.spec.phase_offset);
        let mut interval =
            tokio::time::interval_at(tokio::time::Instant::now() + offset, self.period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        ctx.add_stream(TickStream(interval));
        log::info!(
            "match {} started: {}, {} Hz, {} seats",
            self.spec.id,
            self.game.name(),
            self.spec.tick_hz,
            self.spec.max_players
        );
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        log::info!("match {} removed", self.spec.id);
    }
}

impl StreamHandler<tokio::time::Instant> for MatchActor {
    fn handle(&mut self, now: tokio::time::Instant, _: &mut Self::Context) {
        self.run_tick(now);
    }
}

impl Handler<AddSession> for MatchActor {
    type Result = ();

    fn handle(&mut self, msg: AddSession, _: &mut Self::Context) {
        let mut roster_changed = false;
        if let Some(id) = msg.player_id {
            if self.roster.contains_key(&id) {
                // A reconnect: the player kept its state while the seat was held.
                roster_changed = self.set_connected(id, true);
            } else if (id as usize) < self.queued_seq.len() {
                self.game.add_player(id, &msg.name);
                self.roster.insert(
                    id,
                    RosterEntry {
                        id,
                        name: msg.name.clone(),
                        connected: true,
                        bot: false,
                    },
                );
                roster_changed = true;
            }
        }
        if roster_changed {
            self.rebuild_roster();
        }
        if roster_changed {
            // Everyone else learns the new roster.
            let roster = self.roster_frame.clone();
            self.broadcast(&roster);
        }
        // Welcome, roster, the last snapshot of its view, the final scoreboard if over: in order.
        let view = self.view_of(msg.player_id);
        let welcome = self.welcome(msg.role, msg.player_id);
        let mut entry = SessionEntry {
            player_id: msg.player_id,
            link: msg.link,
            view,
            slow: false,
        };
        if let Some(welcome) = welcome {
            entry.send(&self.metrics, &welcome);
        }
        entry.send(&self.metrics, &self.roster_frame);
        // The last tick's snapshot of its view, whole, when another session shares that view: the
        // very view bytes everyone got for that tick (a fresh encode would give one tick two
        // contents), and its first baseline.
        let last = self.baselines.0.back().map(|k| (k.tick, k.time_us));
        if let Some((tick, time_us)) = last.filter(|(t, _)| t.wrapping_add(1) == self.tick) {
            let head = TickHead {
                tick,
                time_us,
                phase: self.game.phase(),
                check: false,
            };
            if let Some(body) = self.baselines.encode(&head, view, None, &mut self.scratch) {
                self.metrics.record_encodes(1, 0);
                let ack = msg.player_id.and_then(|p| self.applied_seq[p as usize]);
                let (tail, tail_len) = recipient_tail(ack);
                let snap = SnapshotOut {
                    body: &body,
                    tail: &tail[..tail_len],
                    id: snapshot_id(tick, view),
                    key: true,
                };
                entry.offer(&self.metrics, snap, unix_time_us(), u64::MAX);
            }
        }
        if let Some(ended) = &self.ended_frame {
            entry.send(&self.metrics, ended);
        }
        if let Some(watch) = self.game.watch() {
            // A paused replay sends nothing by itself: the joiner's first frame comes next tick.
            watch.show_again();
        }
        self.sessions.insert(msg.session_id, entry);
    }
}

impl Handler<AddBots> for MatchActor {
    type Result = ();

    fn handle(&mut self, msg: AddBots, _: &mut Self::Context) {
        for (id, name) in msg.bots {
            if (id as usize) >= self.queued_seq.len() || self.roster.contains_key(&id) {
                continue;
            }
            // Each bot its own seed: from the seat, so two bots never play in lockstep.
            let bot = match msg.game.bot(&self.facts, id, u64::from(id) ^ 0xB07) {
                Ok(bot) => bot,
                Err(e) => {
                    log::error!("match {}: cannot make a bot: {e}", self.spec.id);
                    continue;
                }
            };
            self.game.add_player(id, &name);
            self.roster.insert(
                id,
                RosterEntry {
                    id,
                    name,
                    connected: true,
                    bot: true,
                },
            );
            self.bots.push((id, bot));
        }
        self.roster_changed();
    }
}

impl Handler<RemoveSession> for MatchActor {
    type Result = ();

    fn handle(&mut self, msg: RemoveSession, _: &mut Self::Context) {
        let Some(entry) = self.sessions.remove(&msg.session_id) else {
            return;
        };
        if let Some(id) = entry.player_id {
            // A reconnect may already have brought the player back on another session.
            if !self.sessions.values().any(|s| s.player_id == Some(id))
                && self.set_connected(id, false)
            {
                self.roster_changed();
            }
        }
    }
}

impl Handler<ReleasePlayer> for MatchActor {
    type Result = ();

    fn handle(&mut self, msg: ReleasePlayer, _: &mut Self::Context) {
        let id = msg.0;
        self.sessions.retain(|_, s| s.player_id != Some(id));
        self.bots.retain(|(bot, _)| *bot != id);
        if self.roster.remove(&id).is_some() {
            self.game.remove_player(id);
            if let Some(seq) = self.queued_seq.get_mut(id as usize) {
                *seq = None;
            }
            if let Some(seq) = self.applied_seq.get_mut(id as usize) {
                *seq = None;
            }
            self.roster_changed();
        }
    }
}

impl Handler<ChatLine> for MatchActor {
    type Result = ();

    fn handle(&mut self, msg: ChatLine, _: &mut Self::Context) {
        let out = ServerMsg::Chat {
            from: msg.from,
            name: msg.name,
            text: msg.text,
        };
        if let Some(frame) = self.encode(&out) {
            self.broadcast(&frame);
        }
    }
}

impl Handler<Control> for MatchActor {
    type Result = MessageResult<Control>;

    fn handle(&mut self, msg: Control, _: &mut Self::Context) -> Self::Result {
        if self.game.is_replay() {
            // A replay plays what was recorded (the lobby refuses controls; a shutdown ends it
            // by closing it).
            return MessageResult(self.game.phase());
        }
        match msg.0 {
            ControlAction::Start => self.game.start(),
            ControlAction::End(reason) => self.game.end(reason),
        }
        self.after_change(true);
        MessageResult(self.game.phase())
    }
}

impl Handler<Shutdown> for MatchActor {
    type Result = ();

    fn handle(&mut self, msg: Shutdown, ctx: &mut Self::Context) {
        if !self.game.is_replay() && self.game.phase() == Phase::Running {
            // Removed while running (everybody left): it was played, so it is kept, ended as
            // abandoned.
            self.game.end(EndReason::Abandoned);
            self.after_change(true);
        }
        for s in self.sessions.values() {
            s.link
                .closer
                .do_send(CloseSession::new(msg.code, msg.reason.clone()));
        }
        self.sessions.clear();
        ctx.stop();
    }
}

impl Handler<ReplayControl> for MatchActor {
    type Result = Result<arena_game::api::ReplayState, crate::error::ApiError>;

    fn handle(&mut self, msg: ReplayControl, _: &mut Self::Context) -> Self::Result {
        let watch = self.game.watch().ok_or_else(|| {
            crate::error::ApiError::NotFound(format!("match {:?} is not a replay", self.spec.id))
        })?;
        let state = watch.control(&msg)?;
        // A seek may have changed the phase and the seats: tell the lobby and the sessions now.
        self.after_change(true);
        if let Some(roster) = self.game.watch().and_then(|w| w.roster_if_changed()) {
            self.roster = roster.into_iter().map(|e| (e.id, e)).collect();
            self.roster_changed();
        }
        Ok(state)
    }
}
