//! The session actor: one per WebSocket connection (actix-web-actors), the only place that
//! touches WebSocket frames.
//!
//! It registers with the lobby in `started()` and deregisters in `stopping()`, so a dropped
//! connection leaves no trace. It pings on a heartbeat and closes an idle peer; reassembles
//! fragmented messages up to the size limit; decodes client messages with the one codec and
//! forwards inputs and chat to its match; writes the match's frames as binary messages. A bad
//! frame closes this session alone, with a fitting close code and a reason.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use actix::prelude::*;
use actix_http::ws::Item;
use actix_web_actors::ws::{self, CloseCode, CloseReason, ProtocolError};
use arena_game::{codec, ClientMsg, DecodeError, PlayerId, Role, ServerMsg, MAX_CHAT_BYTES};
use bytes::{Bytes, BytesMut};

use crate::config::Config;
use crate::lobby::{Deregister, Lobby, Register};
use crate::match_actor::{unix_time_us, ApplyInput, ChatLine, MatchActor, SessionId};
use crate::metrics::Metrics;

/// Match → session: an encoded server message to write as one binary frame.
#[derive(Message, Clone)]
#[rtype(result = "()")]
pub struct Outbound(pub Bytes);

/// Match → session: a snapshot is waiting in the session's [`SnapshotSlot`].
#[derive(Message, Clone, Copy)]
#[rtype(result = "()")]
pub struct SnapshotReady;

/// The newest snapshots waiting for one session, shared by its match (writer) and the session
/// (reader). At most `capacity` wait: when a session cannot keep up, the oldest is dropped, so a
/// stalled reader costs a few frames of memory, never a growing queue, and at most one
/// [`SnapshotReady`] is in its mailbox.
pub struct SnapshotSlot {
    queue: std::sync::Mutex<std::collections::VecDeque<Bytes>>,
    capacity: usize,
    /// A duplicate of the connection's socket, to shut it down when the session's actor cannot
    /// run (a full write buffer stops actix from polling it). Owning a duplicate means the
    /// descriptor number cannot be reused by another connection while we hold it.
    socket: Option<std::os::fd::OwnedFd>,
    wake_pending: AtomicBool,
    /// When the session started falling behind (first stale snapshot dropped), Unix µs; 0 = not.
    behind_since_us: std::sync::atomic::AtomicU64,
}

/// What [`SnapshotSlot::put`] did.
pub struct PutOutcome {
    /// The session must be sent a [`SnapshotReady`].
    pub wake: bool,
    /// A snapshot the session never took was replaced (dropped).
    pub dropped_stale: bool,
    /// How long the session has been behind, µs (0 when it is keeping up).
    pub behind_for_us: u64,
}

impl SnapshotSlot {
    /// A slot holding at most `capacity` (≥ 1) snapshots.
    pub fn new(capacity: usize, socket: Option<std::os::fd::OwnedFd>) -> Self {
        Self {
            queue: std::sync::Mutex::new(std::collections::VecDeque::with_capacity(2)),
            capacity: capacity.max(1),
            socket,
            wake_pending: AtomicBool::new(false),
            behind_since_us: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Stores `frame` as the newest snapshot, dropping the oldest when full.
    pub fn put(&self, frame: Bytes, now_us: u64) -> PutOutcome {
        let replaced = {
            let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            queue.push_back(frame);
            if queue.len() > self.capacity {
                queue.pop_front();
                true
            } else {
                false
            }
        };
        let mut behind_for_us = 0;
        if replaced {
            let since = match self.behind_since_us.compare_exchange(
                0,
                now_us,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => now_us,
                Err(since) => since,
            };
            behind_for_us = now_us.saturating_sub(since);
        }
        PutOutcome {
            wake: !self.wake_pending.swap(true, Ordering::AcqRel),
            dropped_stale: replaced,
            behind_for_us,
        }
    }

    /// Shuts the connection down (both directions), so a stalled session ends even though its
    /// actor never runs again; the session then stops and deregisters as for any dropped socket.
    pub fn shutdown_socket(&self) {
        if let Some(fd) = &self.socket {
            log::debug!("shutting down a stalled socket");
            if let Err(e) = socket2::SockRef::from(fd).shutdown(std::net::Shutdown::Both) {
                log::debug!("shutdown of a stalled socket failed: {e}");
            }
        }
    }

    /// Hands every waiting snapshot, oldest first, to `write` (the queue keeps its buffer).
    pub fn drain(&self, mut write: impl FnMut(Bytes)) {
        self.wake_pending.store(false, Ordering::Release);
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if queue.is_empty() {
            return;
        }
        self.behind_since_us.store(0, Ordering::Relaxed);
        while let Some(frame) = queue.pop_front() {
            write(frame);
        }
    }
}

/// The raw descriptor of an accepted connection, recorded by the server's `on_connect` hook so
/// the WebSocket handler can duplicate it for [`SnapshotSlot::shutdown_socket`].
#[derive(Clone, Copy)]
pub struct ConnFd(pub std::os::fd::RawFd);

impl ConnFd {
    /// Duplicates the descriptor. Call only while handling a request on this connection.
    pub fn duplicate(self) -> Option<std::os::fd::OwnedFd> {
        // SAFETY: the descriptor belongs to the connection whose request is being handled, so it
        // is open for the duration of this call; we only duplicate it.
        let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(self.0) };
        fd.try_clone_to_owned().ok()
    }
}

/// How a match reaches one session: where it pushes frames, snapshots and a close.
#[derive(Clone)]
pub struct SessionLink {
    /// Reliable frames (welcome, roster, chat, final scoreboard), in order.
    pub outbound: Recipient<Outbound>,
    /// Where a close is sent.
    pub closer: Recipient<CloseSession>,
    /// The session's bounded snapshot queue.
    pub slot: Arc<SnapshotSlot>,
    /// Where "a snapshot is waiting" is sent.
    pub ready: Recipient<SnapshotReady>,
}

/// Lobby or match → session: close the connection with this code and reason.
#[derive(Message, Clone)]
#[rtype(result = "()")]
pub struct CloseSession {
    /// RFC 6455 (or application 4xxx) close code.
    pub code: CloseCode,
    /// Human-readable reason (at most 123 bytes are sent).
    pub reason: String,
}

impl CloseSession {
    /// A close with `code` and `reason`.
    pub fn new(code: CloseCode, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
        }
    }
}

/// What the lobby granted when the join token was redeemed.
#[derive(Clone)]
pub struct SeatGrant {
    /// The match.
    pub match_id: String,
    /// The match actor, for inputs and chat.
    pub match_addr: Addr<MatchActor>,
    /// Player or spectator.
    pub role: Role,
    /// The seat for a player.
    pub player_id: Option<PlayerId>,
    /// Display name.
    pub name: String,
    /// The match's tick rate, Hz (the input rate limit scales with it).
    pub tick_hz: u8,
}

/// Seconds of the allowed rate a session may send in one burst before messages are dropped.
/// Measured when messages are processed, so a backlog the server builds up while busy arrives
/// as a burst; this much slack keeps such a burst from a well-behaved client from counting as a
/// flood.
const INPUT_BURST_S: f64 = 3.0;

/// A session's client-message budget: a token bucket (refilled at the allowed rate, holding
/// [`INPUT_BURST_S`] of it) decides what is dropped; one-second windows with drops in a row
/// decide when a flood is sustained.
struct RateLimit {
    tokens: f64,
    refilled_at: Instant,
    window_start: Instant,
    dropped_in_window: bool,
    /// Consecutive windows in which messages were dropped.
    flooded_windows: u32,
}

impl RateLimit {
    fn new() -> Self {
        let now = Instant::now();
        Self {
            tokens: f64::INFINITY,
            refilled_at: now,
            window_start: now,
            dropped_in_window: false,
            flooded_windows: 0,
        }
    }

    /// Counts one message against `per_second`; `Err(windows)` when it must be dropped, with
    /// the number of consecutive one-second windows that have had drops.
    fn admit(&mut self, per_second: u32) -> Result<(), u32> {
        let now = Instant::now();
        let rate = per_second.max(1) as f64;
        let capacity = rate * INPUT_BURST_S;
        let elapsed = now.duration_since(self.refilled_at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(capacity);
        self.refilled_at = now;
        if now.duration_since(self.window_start).as_secs() >= 1 {
            self.flooded_windows = if self.dropped_in_window {
                self.flooded_windows + 1
            } else {
                0
            };
            self.window_start = now;
            self.dropped_in_window = false;
        }
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        self.dropped_in_window = true;
        Err(self.flooded_windows + 1)
    }
}

/// A fragmented message being reassembled.
enum Fragments {
    None,
    Binary(BytesMut),
}

/// One WebSocket connection.
pub struct Session {
    id: SessionId,
    grant: SeatGrant,
    lobby: Addr<Lobby>,
    config: Arc<Config>,
    metrics: Arc<Metrics>,
    last_heard: Instant,
    fragments: Fragments,
    closing: bool,
    /// The client closed with 1000: it left on purpose (no seat held for it).
    left: bool,
    rate: RateLimit,
    /// Raised by [`CloseReasonSniffer`] when a close frame's reason is not UTF-8.
    bad_close_utf8: Arc<AtomicBool>,
    slot: Arc<SnapshotSlot>,
}

impl Session {
    /// A session for a redeemed seat; it registers when started.
    pub fn new(
        id: SessionId,
        grant: SeatGrant,
        lobby: Addr<Lobby>,
        config: Arc<Config>,
        metrics: Arc<Metrics>,
        socket: Option<std::os::fd::OwnedFd>,
    ) -> Self {
        let queued = config.max_queued_snapshots;
        Self {
            id,
            grant,
            lobby,
            config,
            metrics,
            last_heard: Instant::now(),
            fragments: Fragments::None,
            closing: false,
            left: false,
            rate: RateLimit::new(),
            bad_close_utf8: Arc::new(AtomicBool::new(false)),
            slot: Arc::new(SnapshotSlot::new(queued, socket)),
        }
    }

    /// The flag to give the [`CloseReasonSniffer`] wrapping this session's inbound stream.
    pub fn close_utf8_flag(&self) -> Arc<AtomicBool> {
        self.bad_close_utf8.clone()
    }

    /// Sends a close frame with `code` and `reason` (cut to the 123 bytes a close frame holds)
    /// and stops; the one way every close this server initiates goes out.
    fn close_with(&mut self, ctx: &mut ws::WebsocketContext<Self>, code: CloseCode, reason: &str) {
        if self.closing {
            return;
        }
        self.closing = true;
        self.metrics.record_closed(code.into());
        let mut text = reason.to_owned();
        truncate_utf8(&mut text, 123);
        ctx.close(Some(CloseReason {
            code,
            description: Some(text),
        }));
        ctx.stop();
    }

    /// Closes this session (only) because of what it sent, counting why.
    fn fail(&mut self, ctx: &mut ws::WebsocketContext<Self>, code: CloseCode, reason: &str) {
        if self.closing {
            return;
        }
        let code_num: u16 = code.into();
        log::info!(
            "session {} ({}) closed with {code_num}: {reason}",
            self.id,
            self.grant.match_id
        );
        self.metrics.record_rejected(code_num);
        self.close_with(ctx, code, reason);
    }

    /// Encodes and writes a message meant for this session alone (an error, a pong).
    fn send_direct(&self, ctx: &mut ws::WebsocketContext<Self>, msg: &ServerMsg) {
        if let Ok(bytes) = codec::encode(msg) {
            self.metrics.record_sent(1, bytes.len() as u64);
            ctx.binary(bytes);
        }
    }

    fn send_error(&self, ctx: &mut ws::WebsocketContext<Self>, code: &str, message: &str) {
        let msg = ServerMsg::Error {
            code: code.to_owned(),
            message: message.to_owned(),
        };
        self.send_direct(ctx, &msg);
    }

    fn on_message(&mut self, bytes: &[u8], ctx: &mut ws::WebsocketContext<Self>) {
        let per_second = self.config.input_rate_factor * self.grant.tick_hz as u32;
        if let Err(windows) = self.rate.admit(per_second.max(1)) {
            self.metrics.record_input_dropped();
            if windows > self.config.flood_close_after_s {
                return self.fail(
                    ctx,
                    CloseCode::Policy,
                    &format!("input flood: over {per_second} messages/s for {windows} s"),
                );
            }
            return;
        }
        let limit = self.config.max_client_message_bytes;
        let msg = match codec::decode_limited::<ClientMsg>(bytes, limit) {
            Ok(msg) => msg,
            Err(e @ (DecodeError::TooLarge { .. } | DecodeError::LimitExceeded)) => {
                return self.fail(ctx, CloseCode::Size, &e.to_string());
            }
            Err(e) => return self.fail(ctx, CloseCode::Invalid, &e.to_string()),
        };
        match msg {
            ClientMsg::Input(input) => match (self.grant.role, self.grant.player_id) {
                (Role::Player, Some(player_id)) => {
                    self.grant
                        .match_addr
                        .do_send(ApplyInput { player_id, input });
                }
                _ => self.send_error(
                    ctx,
                    "spectator_input",
                    "spectators cannot send inputs; join as a player to play",
                ),
            },
            ClientMsg::Ping { client_time_us } => {
                let pong = ServerMsg::Pong {
                    client_time_us,
                    server_time_us: unix_time_us(),
                };
                self.send_direct(ctx, &pong);
            }
            ClientMsg::Chat(text) => {
                let text = text.trim();
                if text.is_empty() || text.len() > MAX_CHAT_BYTES {
                    return self.send_error(
                        ctx,
                        "bad_chat",
                        &format!("chat text must be 1..={MAX_CHAT_BYTES} bytes"),
                    );
                }
                self.grant.match_addr.do_send(ChatLine {
                    from: self.grant.player_id,
                    name: self.grant.name.clone(),
                    text: text.to_owned(),
                });
            }
        }
    }

    fn on_fragment(&mut self, item: Item, ctx: &mut ws::WebsocketContext<Self>) {
        let limit = self.config.max_client_message_bytes;
        let (chunk, last) = match item {
            Item::FirstText(_) => {
                return self.fail(
                    ctx,
                    CloseCode::Unsupported,
                    "text messages are not accepted; send binary arena.v1 messages",
                )
            }
            Item::FirstBinary(b) => {
                self.fragments = Fragments::Binary(BytesMut::with_capacity(b.len().min(limit)));
                (b, false)
            }
            Item::Continue(b) => (b, false),
            Item::Last(b) => (b, true),
        };
        let Fragments::Binary(buf) = &mut self.fragments else {
            return self.fail(
                ctx,
                CloseCode::Protocol,
                "continuation without a first fragment",
            );
        };
        if buf.len() + chunk.len() > limit {
            return self.fail(
                ctx,
                CloseCode::Size,
                &format!("fragmented message exceeds the limit of {limit} bytes"),
            );
        }
        buf.extend_from_slice(&chunk);
        if last {
            if let Fragments::Binary(buf) = std::mem::replace(&mut self.fragments, Fragments::None)
            {
                self.on_message(&buf, ctx);
            }
        }
    }
}

/// Cuts `s` to at most `max` bytes on a character boundary.
fn truncate_utf8(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
}

/// actix-web-actors reports a text frame that is not UTF-8 only as an I/O error carrying the
/// conversion's message; every other I/O error means the connection itself is gone.
fn is_invalid_utf8(e: &std::io::Error) -> bool {
    e.to_string().to_ascii_lowercase().contains("utf-8")
}

/// Maps a frame-level error from the codec to the close code and reason to send.
fn protocol_close(err: &ProtocolError, limit: usize, bad_close_utf8: bool) -> (CloseCode, String) {
    match err {
        ProtocolError::BadOpCode if bad_close_utf8 => (
            CloseCode::Invalid,
            "close reason is not valid UTF-8".to_owned(),
        ),
        ProtocolError::Overflow => (
            CloseCode::Size,
            format!("frame exceeds the limit of {limit} bytes"),
        ),
        // actix-http reports a close frame with an invalid code or non-UTF-8 reason as BadOpCode.
        ProtocolError::BadOpCode => (
            CloseCode::Protocol,
            "bad opcode or invalid close frame".to_owned(),
        ),
        ProtocolError::Io(e) if is_invalid_utf8(e) => {
            (CloseCode::Invalid, "text is not valid UTF-8".to_owned())
        }
        other => (CloseCode::Protocol, format!("protocol error: {other}")),
    }
}

impl Actor for Session {
    type Context = ws::WebsocketContext<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(1024);
        let interval = self.config.heartbeat_interval();
        let timeout = self.config.client_timeout();
        ctx.run_interval(interval, move |act, ctx| {
            if act.last_heard.elapsed() > timeout {
                log::info!("session {} timed out", act.id);
                act.close_with(ctx, CloseCode::Away, "idle timeout: no pong");
            } else {
                ctx.ping(b"");
            }
        });
        self.metrics.session_opened(self.grant.role);
        self.lobby.do_send(Register {
            session_id: self.id,
            grant: self.grant.clone(),
            link: SessionLink {
                outbound: ctx.address().recipient(),
                closer: ctx.address().recipient(),
                slot: self.slot.clone(),
                ready: ctx.address().recipient(),
            },
        });
    }

    fn stopping(&mut self, _: &mut Self::Context) -> Running {
        self.metrics.session_closed(self.grant.role);
        self.metrics.live_sessions.fetch_sub(1, Ordering::Relaxed);
        self.lobby.do_send(Deregister {
            session_id: self.id,
            match_id: self.grant.match_id.clone(),
            left: self.left,
        });
        Running::Stop
    }
}

impl Handler<Outbound> for Session {
    type Result = ();

    fn handle(&mut self, msg: Outbound, ctx: &mut Self::Context) {
        if !self.closing {
            ctx.binary(msg.0);
        }
    }
}

impl Handler<SnapshotReady> for Session {
    type Result = ();

    fn handle(&mut self, _: SnapshotReady, ctx: &mut Self::Context) {
        if self.closing {
            return;
        }
        self.slot.drain(|frame| ctx.binary(frame));
    }
}

impl Handler<CloseSession> for Session {
    type Result = ();

    fn handle(&mut self, msg: CloseSession, ctx: &mut Self::Context) {
        self.close_with(ctx, msg.code, &msg.reason);
    }
}

impl StreamHandler<Result<ws::Message, ProtocolError>> for Session {
    fn handle(&mut self, item: Result<ws::Message, ProtocolError>, ctx: &mut Self::Context) {
        if self.closing {
            return;
        }
        self.last_heard = Instant::now();
        let msg = match item {
            Ok(msg) => msg,
            Err(ProtocolError::Io(e)) if !is_invalid_utf8(&e) => {
                // The peer vanished (EOF or reset without a close frame): nothing to answer.
                log::debug!("session {} lost its connection: {e}", self.id);
                self.closing = true;
                self.metrics.record_closed(1006);
                return ctx.stop();
            }
            Err(e) => {
                let (code, reason) = protocol_close(
                    &e,
                    self.config.max_client_message_bytes,
                    self.bad_close_utf8.load(Ordering::Relaxed),
                );
                return self.fail(ctx, code, &reason);
            }
        };
        match msg {
            ws::Message::Binary(bytes) => {
                if let Fragments::Binary(_) = self.fragments {
                    return self.fail(
                        ctx,
                        CloseCode::Protocol,
                        "new message inside a fragmented one",
                    );
                }
                self.on_message(&bytes, ctx);
            }
            ws::Message::Text(_) => self.fail(
                ctx,
                CloseCode::Unsupported,
                "text messages are not accepted; send binary arena.v1 messages",
            ),
            ws::Message::Continuation(item) => self.on_fragment(item, ctx),
            ws::Message::Ping(payload) => ctx.pong(&payload),
            ws::Message::Pong(_) => {}
            ws::Message::Close(reason) => {
                self.closing = true;
                let code = reason.as_ref().map_or(1005, |r| u16::from(r.code));
                self.left = code == 1000;
                self.metrics.record_closed(code);
                ctx.close(reason);
                ctx.stop();
            }
            ws::Message::Nop => {}
        }
    }

    fn finished(&mut self, ctx: &mut Self::Context) {
        ctx.stop();
    }
}

/// Watches the inbound byte stream for close frames whose reason is not UTF-8.
///
/// actix-http reports such a frame as `BadOpCode`, the same error as a reserved opcode, but the
/// fitting close code differs (1007, not 1002). This reads only frame headers and the (at most
/// 125-byte) payload of close frames, and raises a flag the session checks on `BadOpCode`.
pub struct CloseReasonSniffer<S> {
    inner: S,
    bad_close_utf8: Arc<AtomicBool>,
    header: Vec<u8>,
    /// Payload bytes still to skip in the current frame.
    remaining: u64,
    /// Unmasked payload of the current close frame, with its mask key.
    close: Option<([u8; 4], Vec<u8>)>,
    gave_up: bool,
}

impl<S> CloseReasonSniffer<S> {
    /// Wraps `inner`; `flag` is raised when a close frame carries an invalid UTF-8 reason.
    pub fn new(inner: S, flag: Arc<AtomicBool>) -> Self {
        Self {
            inner,
            bad_close_utf8: flag,
            header: Vec::with_capacity(14),
            remaining: 0,
            close: None,
            gave_up: false,
        }
    }

    fn finish_frame(&mut self) {
        if let Some((_, data)) = self.close.take() {
            if data.len() > 2 && std::str::from_utf8(&data[2..]).is_err() {
                self.bad_close_utf8.store(true, Ordering::Relaxed);
            }
        }
    }

    fn feed(&mut self, mut chunk: &[u8]) {
        while !chunk.is_empty() && !self.gave_up {
            if self.remaining > 0 {
                let n = (self.remaining as usize).min(chunk.len());
                if let Some((mask, data)) = &mut self.close {
                    for &b in &chunk[..n] {
                        let i = data.len();
                        data.push(b ^ mask[i % 4]);
                    }
                }
                self.remaining -= n as u64;
                chunk = &chunk[n..];
                if self.remaining == 0 {
                    self.finish_frame();
                }
                continue;
            }
            self.header.push(chunk[0]);
            chunk = &chunk[1..];
            if self.header.len() < 2 {
                continue;
            }
            let len7 = self.header[1] & 0x7f;
            let masked = self.header[1] & 0x80 != 0;
            let ext = match len7 {
                126 => 2,
                127 => 8,
                _ => 0,
            };
            let need = 2 + ext + if masked { 4 } else { 0 };
            if self.header.len() < need {
                continue;
            }
            let len = match ext {
                0 => len7 as u64,
                2 => u16::from_be_bytes([self.header[2], self.header[3]]) as u64,
                _ => u64::from_be_bytes(self.header[2..10].try_into().unwrap_or([0xff; 8])),
            };
            if len > 1 << 62 {
                self.gave_up = true;
                return;
            }
            let opcode = self.header[0] & 0x0f;
            if opcode == 0x8 && len <= 125 {
                let mut mask = [0u8; 4];
                if masked {
                    mask.copy_from_slice(&self.header[need - 4..need]);
                }
                self.close = Some((mask, Vec::with_capacity(len as usize)));
            }
            self.header.clear();
            self.remaining = len;
            if len == 0 {
                self.finish_frame();
            }
        }
    }
}

impl<S, E> futures_util::Stream for CloseReasonSniffer<S>
where
    S: futures_util::Stream<Item = Result<Bytes, E>> + Unpin,
{
    type Item = Result<Bytes, E>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_next(cx);
        if let std::task::Poll::Ready(Some(Ok(chunk))) = &polled {
            self.feed(chunk);
        }
        polled
    }
}

#[cfg(test)]
mod rate_limit_tests {
    use super::*;

    /// A burst of up to INPUT_BURST_S seconds' worth passes (a backlog from a busy server);
    /// beyond it messages are dropped.
    #[test]
    fn bursts_pass_floods_are_dropped() {
        let mut r = RateLimit::new();
        for _ in 0..120 {
            assert!(r.admit(40).is_ok());
        }
        assert!(r.admit(40).is_err());
    }
}
