//! The session actor: one per WebSocket connection, the only place that reads client frames. It
//! reads Arena's envelope and never a game's bytes: an input's payload goes to the match as it
//! came.
//!
//! It owns its connection after the HTTP upgrade ([`crate::conn`]): it polls the read side, and
//! flushes the write side's queue when the socket has room again; the match writes snapshots to
//! the same connection directly. It registers with the lobby in `started()` and deregisters as
//! soon as it closes (or in `stopping()`), so a dropped connection leaves no trace. It pings on a
//! heartbeat and closes an idle peer; reassembles fragmented messages up to the size limit;
//! decodes client messages with the one codec and forwards inputs and chat to its match. A bad
//! frame closes this session alone, with a fitting close code and a reason.
//!
//! A close this side starts queues the close frame, stops taking frames, and lingers until the
//! frame is written and the peer has closed its side (or [`LINGER`] passes), so the close frame
//! is not lost to a reset.

mod rate_limit;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use actix::prelude::*;
use actix_http::ws::{self, CloseReason, Frame, Item, OpCode, ProtocolError};
use arena_game::{
    codec, error_code, ClientMsg, CloseCode, DecodeError, Role, ServerMsg, MAX_CHAT_BYTES,
};
use bytes::BytesMut;

use crate::config::Config;
use crate::conn::{binary_frame, close_frame, control_frame, ConnReader, ReadError, WsConn};
use crate::link::{unix_time_us, CloseSession, SessionId, SessionLink};
use crate::lobby::{Deregister, Lobby, Register, SessionGrant};
use crate::match_actor::ChatLine;
use crate::metrics::Metrics;
use rate_limit::RateLimit;

/// How long a closing session waits for its close frame to go out and the peer to close.
pub const LINGER: Duration = Duration::from_secs(2);

/// A fragmented message being reassembled.
enum Fragments {
    None,
    Binary(BytesMut),
}

/// One WebSocket connection.
pub struct Session {
    id: SessionId,
    grant: SessionGrant,
    lobby: Addr<Lobby>,
    config: Arc<Config>,
    metrics: Arc<Metrics>,
    last_heard: Instant,
    fragments: Fragments,
    closing: bool,
    /// The client closed with 1000: it left on purpose (no seat held for it).
    left: bool,
    rate: RateLimit,
    conn: Arc<WsConn>,
    /// Deregistered and counted as closed (once, at the close or at the stop).
    released: bool,
    /// The write side is done: flushed after a close, or failed.
    flushed: bool,
    /// The read side is done: the peer closed it, or it broke.
    read_done: bool,
}

impl Session {
    /// A session for a redeemed seat on `conn`; it registers when started.
    pub fn new(
        id: SessionId,
        grant: SessionGrant,
        lobby: Addr<Lobby>,
        config: Arc<Config>,
        metrics: Arc<Metrics>,
        conn: Arc<WsConn>,
    ) -> Self {
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
            conn,
            released: false,
            flushed: false,
            read_done: false,
        }
    }

    /// Starts a session on an upgraded connection: `reader` is its read side, `conn` (shared
    /// with its match) its write side.
    pub fn start_on(self, reader: ConnReader) -> Addr<Self> {
        Session::create(move |ctx| {
            ctx.add_stream(reader);
            self
        })
    }

    /// Deregisters from the lobby and counts the session closed, once.
    fn release(&mut self) {
        if self.released {
            return;
        }
        self.released = true;
        self.metrics.session_closed(self.grant.seat.role);
        self.metrics.live_sessions.fetch_sub(1, Ordering::Relaxed);
        self.lobby.do_send(Deregister {
            session_id: self.id,
            match_id: self.grant.seat.match_id.clone(),
            left: self.left,
        });
    }

    /// Stops once a close is through: written, and the peer's side closed.
    fn stop_when_through(&self, ctx: &mut Context<Self>) {
        if self.closing && self.flushed && self.read_done {
            ctx.stop();
        }
    }

    /// Starts closing: queues `reason` as the last frame, deregisters, and lingers until the
    /// close is through or [`LINGER`] passes.
    fn begin_close(&mut self, ctx: &mut Context<Self>, reason: Option<CloseReason>) {
        self.closing = true;
        self.conn.close(close_frame(reason));
        self.release();
        ctx.run_later(LINGER, |_, ctx| ctx.stop());
        self.stop_when_through(ctx);
    }

    /// Sends a close frame with `code` and `reason` (cut to the 123 bytes a close frame holds)
    /// and stops; the one way every close this server initiates goes out.
    fn close_with(&mut self, ctx: &mut Context<Self>, code: CloseCode, reason: &str) {
        if self.closing {
            return;
        }
        self.metrics.record_closed(code.code());
        let mut text = reason.to_owned();
        truncate_utf8(&mut text, 123);
        self.begin_close(
            ctx,
            Some(CloseReason {
                code: ws::CloseCode::from(code.code()),
                description: Some(text),
            }),
        );
    }

    /// The connection is gone without a close (reset, EOF, a failed write): stop now.
    fn lost(&mut self, ctx: &mut Context<Self>, why: &str) {
        if !self.closing {
            log::debug!("session {} lost its connection: {why}", self.id);
            self.closing = true;
            self.metrics.record_closed(CloseCode::Abnormal.code());
        }
        ctx.stop();
    }

    /// Closes this session (only) because of what it sent, counting why.
    fn fail(&mut self, ctx: &mut Context<Self>, code: CloseCode, reason: &str) {
        if self.closing {
            return;
        }
        let code_num = code.code();
        log::info!(
            "session {} ({}) closed with {code_num}: {reason}",
            self.id,
            self.grant.seat.match_id
        );
        self.metrics.record_rejected(code_num);
        self.close_with(ctx, code, reason);
    }

    /// Encodes and writes a message meant for this session alone (an error, a pong).
    fn send_direct(&self, msg: &ServerMsg) {
        if let Ok(bytes) = codec::encode(msg) {
            let frame = binary_frame(&bytes);
            self.metrics.record_sent(1, frame.len() as u64);
            self.conn.send(frame);
        }
    }

    fn send_error(&self, code: &str, message: &str) {
        let msg = ServerMsg::Error {
            code: code.to_owned(),
            message: message.to_owned(),
        };
        self.send_direct(&msg);
    }

    fn on_message(&mut self, bytes: &[u8], ctx: &mut Context<Self>) {
        let per_second = self.config.input_rate_factor * self.grant.seat.tick_hz as u32;
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
        let limit = self.config.max_message_bytes;
        let msg = match codec::decode_limited::<ClientMsg>(bytes, limit) {
            Ok(msg) => msg,
            Err(e @ (DecodeError::TooLarge { .. } | DecodeError::LimitExceeded)) => {
                return self.fail(ctx, CloseCode::TooBig, &e.to_string());
            }
            Err(e) => return self.fail(ctx, CloseCode::Invalid, &e.to_string()),
        };
        match msg {
            ClientMsg::Input { seq, input } => {
                match (self.grant.seat.role, self.grant.seat.player_id) {
                    (Role::Player, Some(_)) => {
                        if !self.grant.inputs.push(self.id, seq, &input.0) {
                            self.metrics.record_input_dropped();
                        }
                    }
                    _ => self.send_error(
                        error_code::SPECTATOR_INPUT,
                        "spectators cannot send inputs; join as a player to play",
                    ),
                }
            }
            ClientMsg::Ping { client_time_us } => {
                let pong = ServerMsg::Pong {
                    client_time_us,
                    server_time_us: unix_time_us(),
                };
                self.send_direct(&pong);
            }
            // The client's view drifted: the next snapshot goes whole (the match sees no
            // baseline). Costs the server nothing but one keyframe's bytes; rate-limited above.
            ClientMsg::Resync => self.conn.forget_baseline(),
            ClientMsg::Chat(text) => {
                let text = text.trim();
                if text.is_empty() || text.len() > MAX_CHAT_BYTES {
                    return self.send_error(
                        error_code::BAD_CHAT,
                        &format!("chat text must be 1..={MAX_CHAT_BYTES} bytes"),
                    );
                }
                self.grant.match_addr.do_send(ChatLine {
                    from: self.grant.seat.player_id,
                    name: self.grant.seat.name.clone(),
                    text: text.to_owned(),
                });
            }
        }
    }

    fn on_fragment(&mut self, item: Item, ctx: &mut Context<Self>) {
        let limit = self.config.max_message_bytes;
        let (chunk, last) = match item {
            Item::FirstText(_) => {
                return self.fail(
                    ctx,
                    CloseCode::Unsupported,
                    "text messages are not accepted; send binary arena.v3 messages",
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
                CloseCode::TooBig,
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

/// Maps a frame-level error to the close code and reason to send.
fn protocol_close(err: &ProtocolError, limit: usize) -> (CloseCode, String) {
    match err {
        ProtocolError::Overflow => (
            CloseCode::TooBig,
            format!("frame exceeds the limit of {limit} bytes"),
        ),
        // actix-http reports a close frame with an invalid code as BadOpCode.
        ProtocolError::BadOpCode => (
            CloseCode::Protocol,
            "bad opcode or invalid close frame".to_owned(),
        ),
        other => (CloseCode::Protocol, format!("protocol error: {other}")),
    }
}

/// Polls the connection's flush until it is done (flushed after a close, or failed).
struct Flush(Arc<WsConn>);

impl Future for Flush {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        self.0.poll_flush(cx)
    }
}

impl Actor for Session {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(1024);
        let interval = self.config.heartbeat_interval();
        let timeout = self.config.client_timeout();
        ctx.run_interval(interval, move |act, ctx| {
            if act.closing {
                return;
            }
            if act.last_heard.elapsed() > timeout {
                log::info!("session {} timed out", act.id);
                act.close_with(ctx, CloseCode::Away, "idle timeout: no pong");
            } else {
                act.conn.send(control_frame(OpCode::Ping, b""));
            }
        });
        ctx.spawn(
            actix::fut::wrap_future::<_, Self>(Flush(self.conn.clone())).map(|(), act, ctx| {
                act.flushed = true;
                if act.closing {
                    act.stop_when_through(ctx);
                } else {
                    act.lost(ctx, "write failed");
                }
            }),
        );
        self.metrics.session_opened(self.grant.seat.role);
        self.lobby.do_send(Register {
            session_id: self.id,
            grant: self.grant.seat.clone(),
            link: SessionLink {
                conn: self.conn.clone(),
                closer: ctx.address().recipient(),
            },
        });
    }

    fn stopping(&mut self, _: &mut Self::Context) -> Running {
        self.release();
        // Whatever still waits (a stalled peer's close) is given up on.
        self.conn.abort();
        Running::Stop
    }
}

impl Handler<CloseSession> for Session {
    type Result = ();

    fn handle(&mut self, msg: CloseSession, ctx: &mut Self::Context) {
        self.close_with(ctx, msg.code, &msg.reason);
    }
}

impl StreamHandler<Result<Frame, ReadError>> for Session {
    fn handle(&mut self, item: Result<Frame, ReadError>, ctx: &mut Self::Context) {
        if self.closing {
            // Lingering: what the peer still sends is read and dropped until it closes.
            return;
        }
        self.last_heard = Instant::now();
        let frame = match item {
            Ok(frame) => frame,
            Err(ReadError::Io(e)) => return self.lost(ctx, &e.to_string()),
            Err(ReadError::CloseReasonNotUtf8) => {
                return self.fail(ctx, CloseCode::Invalid, "close reason is not valid UTF-8")
            }
            Err(ReadError::Protocol(e)) => {
                let (code, reason) = protocol_close(&e, self.config.max_message_bytes);
                return self.fail(ctx, code, &reason);
            }
        };
        match frame {
            Frame::Binary(bytes) => {
                if let Fragments::Binary(_) = self.fragments {
                    return self.fail(
                        ctx,
                        CloseCode::Protocol,
                        "new message inside a fragmented one",
                    );
                }
                self.on_message(&bytes, ctx);
            }
            Frame::Text(bytes) => {
                if std::str::from_utf8(&bytes).is_err() {
                    self.fail(ctx, CloseCode::Invalid, "text is not valid UTF-8")
                } else {
                    self.fail(
                        ctx,
                        CloseCode::Unsupported,
                        "text messages are not accepted; send binary arena.v3 messages",
                    )
                }
            }
            Frame::Continuation(item) => self.on_fragment(item, ctx),
            Frame::Ping(payload) => {
                self.conn.send(control_frame(OpCode::Pong, &payload));
            }
            Frame::Pong(_) => {}
            Frame::Close(reason) => {
                let code = reason.as_ref().map_or(1005, |r| u16::from(r.code));
                self.left = code == CloseCode::Normal.code();
                self.metrics.record_closed(code);
                // Echo the peer's close (RFC 6455 §5.5.1), then linger until it hangs up.
                self.begin_close(ctx, reason);
            }
        }
    }

    fn finished(&mut self, ctx: &mut Self::Context) {
        self.read_done = true;
        if self.closing {
            self.stop_when_through(ctx);
        } else {
            self.lost(ctx, "end of stream");
        }
    }
}
