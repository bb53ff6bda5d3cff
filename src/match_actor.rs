//! The match actor: one per match, on one of the lobby's match arbiters.
//!
//! It owns the game state ([`GameRules`]), queues the inputs sessions forward, ticks on a
//! drift-free schedule at the match's `tick_hz`, encodes one snapshot per tick and pushes the same
//! bytes to every session in the match. It tells the lobby when its phase or scoreboard changes.
//! Sessions reach it through the lobby (join/leave) and directly (inputs, chat).

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix::prelude::*;
use actix_web_actors::ws::CloseCode;
use arena_game::{
    codec, EndReason, GameRules, MatchSettings, Phase, PlayerId, PlayerInput, Role, RosterEntry,
    ServerMsg, Snapshot, Welcome, PROTOCOL_VERSION,
};
use bytes::Bytes;

use crate::lobby::{Lobby, MatchUpdate};
use crate::metrics::Metrics;
use crate::session::{CloseSession, Outbound, SessionLink, SnapshotReady};

/// Application close code for a session closed because it could not keep up.
pub const SLOW_CLIENT_CLOSE_CODE: u16 = 4000;

/// How long a session closed as slow may take to send its close frame before its socket is
/// shut down from outside, µs (1 s).
const SLOW_CLOSE_GRACE_US: u64 = 1_000_000;

/// Identifies one WebSocket session for the lifetime of the process.
pub type SessionId = u64;

/// How a match starts and ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlAction {
    /// Waiting → Running.
    Start,
    /// Ends the match now.
    End(EndReason),
}

/// Lobby → match: a session joined; send it the welcome and then every snapshot.
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

/// Lobby → match: a session left; forget it. Its player stays (shown disconnected) until
/// [`ReleasePlayer`], so a reconnect resumes the same player.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RemoveSession {
    /// The session.
    pub session_id: SessionId,
}

/// Lobby → match: a seat is free (grace period over, kicked, or left for good); remove the
/// player from the game.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ReleasePlayer(pub PlayerId);

/// Session → match: a player's input, applied at the next tick.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ApplyInput {
    /// The seat the sending session owns (sessions can only name their own).
    pub player_id: PlayerId,
    /// The input.
    pub input: PlayerInput,
}

/// Session → match: a chat line to broadcast.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ChatLine {
    /// Sender's seat, `None` for spectators.
    pub from: Option<PlayerId>,
    /// Sender's name.
    pub name: String,
    /// Validated text.
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

struct SessionEntry {
    role: Role,
    player_id: Option<PlayerId>,
    link: SessionLink,
    /// When it was closed for being slow (it gets nothing more), Unix µs; 0 = not slow.
    slow_since_us: u64,
}

/// A `tokio::time::Interval` as a stream of tick instants (drift-free; late ticks skipped).
struct TickStream(tokio::time::Interval);

impl futures_util::Stream for TickStream {
    type Item = tokio::time::Instant;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_tick(cx).map(Some)
    }
}

/// One running match.
pub struct MatchActor {
    id: String,
    settings: MatchSettings,
    game: Box<dyn GameRules>,
    lobby: Addr<Lobby>,
    metrics: Arc<Metrics>,
    sessions: HashMap<SessionId, SessionEntry>,
    names: HashMap<PlayerId, String>,
    pending: Vec<(PlayerId, PlayerInput)>,
    applying: Vec<(PlayerId, PlayerInput)>,
    snapshot: Snapshot,
    buf: Vec<u8>,
    tick: u32,
    period: Duration,
    /// Fraction of the period by which this match's ticks are offset from others'.
    phase_offset: f64,
    first_deadline: Option<tokio::time::Instant>,
    last_due: u64,
    roster_frame: Bytes,
    /// The latest snapshot, sent first to a session that joins or reconnects.
    last_snapshot: Option<Bytes>,
    slow_client_timeout_ms: u64,
    ended_frame: Option<Bytes>,
    last_phase: Phase,
    last_scores: Vec<(u16, u16)>,
}

impl MatchActor {
    /// A match in the waiting phase; `phase_offset` in [0, 1) spreads tick instants over matches.
    pub fn new(
        id: String,
        settings: MatchSettings,
        game: Box<dyn GameRules>,
        lobby: Addr<Lobby>,
        metrics: Arc<Metrics>,
        phase_offset: f64,
        slow_client_timeout_ms: u64,
    ) -> Self {
        let period = Duration::from_secs_f64(1.0 / settings.tick_hz.max(1) as f64);
        let mut actor = Self {
            id,
            settings,
            game,
            lobby,
            metrics,
            sessions: HashMap::new(),
            names: HashMap::new(),
            pending: Vec::new(),
            applying: Vec::new(),
            snapshot: Snapshot::default(),
            buf: Vec::with_capacity(1024),
            tick: 0,
            period,
            phase_offset,
            first_deadline: None,
            last_due: 0,
            roster_frame: Bytes::new(),
            last_snapshot: None,
            slow_client_timeout_ms,
            ended_frame: None,
            last_phase: Phase::Waiting,
            last_scores: Vec::new(),
        };
        actor.rebuild_roster();
        actor
    }

    fn encode(&mut self, msg: &ServerMsg) -> Option<Bytes> {
        self.buf.clear();
        match codec::encode_into(msg, &mut self.buf) {
            Ok(()) => Some(Bytes::copy_from_slice(&self.buf)),
            Err(e) => {
                log::error!("match {}: cannot encode {e}", self.id);
                None
            }
        }
    }

    /// Sends one frame to one session, counted like every other frame.
    fn send_one(&self, to: &Recipient<Outbound>, frame: Bytes) {
        self.metrics.record_sent(1, frame.len() as u64);
        to.do_send(Outbound(frame));
    }

    fn broadcast(&self, frame: &Bytes) {
        for s in self.sessions.values() {
            s.link.outbound.do_send(Outbound(frame.clone()));
        }
        self.metrics
            .record_sent(self.sessions.len() as u64, frame.len() as u64);
    }

    /// Offers a snapshot to every session through its slot; closes sessions that stayed behind
    /// past the slow-client timeout with 4000.
    fn broadcast_snapshot(&mut self, frame: &Bytes) {
        let now_us = unix_time_us();
        let slow_after_us = self.slow_client_timeout_ms * 1000;
        let mut delivered = 0u64;
        for s in self.sessions.values_mut() {
            if s.slow_since_us != 0 {
                // Still here a while after its close: its actor is not running (the socket's
                // buffers are full), so end the connection from outside.
                if now_us.saturating_sub(s.slow_since_us) > SLOW_CLOSE_GRACE_US {
                    s.link.slot.shutdown_socket();
                }
                continue;
            }
            let put = s.link.slot.put(frame.clone(), now_us);
            if put.wake {
                s.link.ready.do_send(SnapshotReady);
            }
            if put.dropped_stale {
                self.metrics.record_stale_dropped();
            }
            if put.behind_for_us > slow_after_us {
                s.slow_since_us = now_us;
                self.metrics.record_slow_close();
                s.link.closer.do_send(CloseSession {
                    code: CloseCode::Other(SLOW_CLIENT_CLOSE_CODE),
                    reason: format!(
                        "slow: could not take snapshots for {} ms",
                        put.behind_for_us / 1000
                    ),
                });
            }
            delivered += 1;
        }
        self.metrics.record_sent(delivered, frame.len() as u64);
    }

    fn rebuild_roster(&mut self) {
        let mut roster: Vec<RosterEntry> = self
            .names
            .iter()
            .map(|(&id, name)| RosterEntry {
                id,
                name: name.clone(),
            })
            .collect();
        roster.sort_by_key(|r| r.id);
        if let Some(frame) = self.encode(&ServerMsg::Roster(roster)) {
            self.roster_frame = frame;
        }
    }

    fn tell_lobby(&self) {
        self.lobby.do_send(MatchUpdate {
            match_id: self.id.clone(),
            phase: self.game.phase(),
            end_reason: self.game.end_reason(),
            scoreboard: self.game.scoreboard(),
        });
    }

    /// Notices phase and score changes after anything that may have caused them.
    fn after_change(&mut self) {
        let phase = self.game.phase();
        if phase == Phase::Ended && self.ended_frame.is_none() {
            let msg = ServerMsg::MatchEnded {
                reason: self.game.end_reason().unwrap_or(EndReason::Host),
                scoreboard: self.game.scoreboard(),
            };
            if let Some(frame) = self.encode(&msg) {
                self.broadcast(&frame);
                self.ended_frame = Some(frame);
            }
            log::info!("match {} ended: {:?}", self.id, self.game.end_reason());
        }
        // Runs every tick: compare in place, allocate only when something changed.
        let scores = self.snapshot.players.iter().map(|p| (p.kills, p.deaths));
        if phase != self.last_phase || !scores.clone().eq(self.last_scores.iter().copied()) {
            self.last_phase = phase;
            self.last_scores.clear();
            self.last_scores.extend(scores);
            self.tell_lobby();
        }
    }

    fn run_tick(&mut self, now: tokio::time::Instant) {
        let started = Instant::now();
        let first = *self.first_deadline.get_or_insert(now);
        let due = (now.saturating_duration_since(first).as_nanos() / self.period.as_nanos()) as u64;
        if due > self.last_due + 1 {
            self.metrics.record_skipped(due - self.last_due - 1);
        }
        self.last_due = due;

        std::mem::swap(&mut self.pending, &mut self.applying);
        self.game.step(&self.applying, self.period.as_secs_f32());
        self.applying.clear();

        self.snapshot.tick = self.tick;
        self.tick = self.tick.wrapping_add(1);
        self.game.snapshot_into(&mut self.snapshot);
        self.after_change();
        if !self.sessions.is_empty() {
            self.snapshot.server_time_us = unix_time_us();
            let msg = ServerMsg::Snapshot(std::mem::take(&mut self.snapshot));
            let frame = self.encode(&msg);
            if let ServerMsg::Snapshot(s) = msg {
                self.snapshot = s;
            }
            if let Some(frame) = frame {
                self.broadcast_snapshot(&frame);
                self.last_snapshot = Some(frame);
            }
        }
        self.metrics.record_tick(started.elapsed());
    }

    fn welcome(&mut self, role: Role, player_id: Option<PlayerId>) -> Option<Bytes> {
        let msg = ServerMsg::Welcome(Welcome {
            protocol: PROTOCOL_VERSION,
            match_id: self.id.clone(),
            role,
            player_id,
            settings: self.settings.clone(),
            arena: self.game.arena(),
        });
        self.encode(&msg)
    }
}

/// Wall-clock time, Unix epoch, microseconds.
pub fn unix_time_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

impl Actor for MatchActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(4096);
        let offset = self.period.mul_f64(self.phase_offset);
        let mut interval =
            tokio::time::interval_at(tokio::time::Instant::now() + offset, self.period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        ctx.add_stream(TickStream(interval));
        log::info!(
            "match {} started: {} Hz, {} seats",
            self.id,
            self.settings.tick_hz,
            self.settings.max_players
        );
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        log::info!("match {} removed", self.id);
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
            if self.names.contains_key(&id) {
                // A reconnect: the player kept its state while the seat was held.
                self.game.set_connected(id, true);
            } else {
                self.game.add_player(id, &msg.name);
                self.names.insert(id, msg.name.clone());
                self.rebuild_roster();
                roster_changed = true;
            }
        }
        if let Some(welcome) = self.welcome(msg.role, msg.player_id) {
            self.send_one(&msg.link.outbound, welcome);
        }
        if !roster_changed {
            self.send_one(&msg.link.outbound, self.roster_frame.clone());
        }
        // A full snapshot right away, so a (re)joining client draws the match at once.
        if let Some(snapshot) = &self.last_snapshot {
            self.send_one(&msg.link.outbound, snapshot.clone());
        }
        if let Some(ended) = &self.ended_frame {
            self.send_one(&msg.link.outbound, ended.clone());
        }
        self.sessions.insert(
            msg.session_id,
            SessionEntry {
                role: msg.role,
                player_id: msg.player_id,
                link: msg.link,
                slow_since_us: 0,
            },
        );
        if roster_changed {
            // Everyone (the newcomer included) learns the new roster.
            self.broadcast(&self.roster_frame.clone());
        }
    }
}

impl Handler<RemoveSession> for MatchActor {
    type Result = ();

    fn handle(&mut self, msg: RemoveSession, _: &mut Self::Context) {
        let Some(entry) = self.sessions.remove(&msg.session_id) else {
            return;
        };
        if let (Role::Player, Some(id)) = (entry.role, entry.player_id) {
            // A reconnect may already have brought the player back on another session.
            if !self.sessions.values().any(|s| s.player_id == Some(id)) {
                self.game.set_connected(id, false);
                self.pending.retain(|(p, _)| *p != id);
            }
        }
    }
}

impl Handler<ReleasePlayer> for MatchActor {
    type Result = ();

    fn handle(&mut self, msg: ReleasePlayer, _: &mut Self::Context) {
        let id = msg.0;
        self.sessions.retain(|_, s| s.player_id != Some(id));
        if self.names.remove(&id).is_some() {
            self.game.remove_player(id);
            self.pending.retain(|(p, _)| *p != id);
            self.rebuild_roster();
            self.broadcast(&self.roster_frame.clone());
        }
    }
}

impl Handler<ApplyInput> for MatchActor {
    type Result = ();

    fn handle(&mut self, msg: ApplyInput, _: &mut Self::Context) {
        if self.names.contains_key(&msg.player_id) {
            self.pending.push((msg.player_id, msg.input));
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
        match msg.0 {
            ControlAction::Start => self.game.start(),
            ControlAction::End(reason) => self.game.end(reason),
        }
        self.game.snapshot_into(&mut self.snapshot);
        self.after_change();
        MessageResult(self.game.phase())
    }
}

impl Handler<Shutdown> for MatchActor {
    type Result = ();

    fn handle(&mut self, msg: Shutdown, ctx: &mut Self::Context) {
        for s in self.sessions.values() {
            s.link.closer.do_send(CloseSession {
                code: msg.code,
                reason: msg.reason.clone(),
            });
        }
        self.sessions.clear();
        ctx.stop();
    }
}
