//! The session actor: one per WebSocket connection (actix-web-actors), the only place that
//! touches WebSocket frames. It reads Arena's envelope and never a game's bytes: an input's
//! payload goes to the match as it came.
//!
//! It registers with the lobby in `started()` and deregisters in `stopping()`, so a dropped
//! connection leaves no trace. It pings on a heartbeat and closes an idle peer; reassembles
//! fragmented messages up to the size limit; decodes client messages with the one codec and
//! forwards inputs and chat to its match; writes the match's frames as binary messages. A bad
//! frame closes this session alone, with a fitting close code and a reason.

mod close_sniffer;
mod rate_limit;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use actix::prelude::*;
use actix_http::ws::Item;
use actix_web_actors::ws::{self, CloseReason, ProtocolError};
use arena_game::{
    codec, error_code, ClientMsg, CloseCode, DecodeError, Role, ServerMsg, MAX_CHAT_BYTES,
};
use bytes::BytesMut;

use crate::config::Config;
use crate::link::{
    unix_time_us, CloseSession, Outbound, SessionId, SessionLink, SnapshotReady, SnapshotSlot,
};
use crate::lobby::{Deregister, Lobby, Register, SessionGrant};
use crate::match_actor::{ApplyInput, ChatLine};
use crate::metrics::Metrics;
pub use close_sniffer::CloseReasonSniffer;
use rate_limit::RateLimit;

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
    /// Raised by [`CloseReasonSniffer`] when a close frame's reason is not UTF-8.
    bad_close_utf8: Arc<AtomicBool>,
    slot: Arc<SnapshotSlot>,
}

impl Session {
    /// A session for a redeemed seat; it registers when started.
    pub fn new(
        id: SessionId,
        grant: SessionGrant,
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
        self.metrics.record_closed(code.code());
        let mut text = reason.to_owned();
        truncate_utf8(&mut text, 123);
        ctx.close(Some(CloseReason {
            code: ws::CloseCode::from(code.code()),
            description: Some(text),
        }));
        ctx.stop();
    }

    /// Closes this session (only) because of what it sent, counting why.
    fn fail(&mut self, ctx: &mut ws::WebsocketContext<Self>, code: CloseCode, reason: &str) {
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
        let limit = self.config.max_client_message_bytes;
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
                        self.grant.match_addr.do_send(ApplyInput {
                            session_id: self.id,
                            seq,
                            input: input.0,
                        });
                    }
                    _ => self.send_error(
                        ctx,
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
                self.send_direct(ctx, &pong);
            }
            ClientMsg::Chat(text) => {
                let text = text.trim();
                if text.is_empty() || text.len() > MAX_CHAT_BYTES {
                    return self.send_error(
                        ctx,
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

    fn on_fragment(&mut self, item: Item, ctx: &mut ws::WebsocketContext<Self>) {
        let limit = self.config.max_client_message_bytes;
        let (chunk, last) = match item {
            Item::FirstText(_) => {
                return self.fail(
                    ctx,
                    CloseCode::Unsupported,
                    "text messages are not accepted; send binary arena.v2 messages",
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
            CloseCode::TooBig,
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
        self.metrics.session_opened(self.grant.seat.role);
        self.lobby.do_send(Register {
            session_id: self.id,
            grant: self.grant.seat.clone(),
            link: SessionLink {
                outbound: ctx.address().recipient(),
                closer: ctx.address().recipient(),
                slot: self.slot.clone(),
                ready: ctx.address().recipient(),
            },
        });
    }

    fn stopping(&mut self, _: &mut Self::Context) -> Running {
        self.metrics.session_closed(self.grant.seat.role);
        self.metrics.live_sessions.fetch_sub(1, Ordering::Relaxed);
        self.lobby.do_send(Deregister {
            session_id: self.id,
            match_id: self.grant.seat.match_id.clone(),
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
                self.metrics.record_closed(CloseCode::Abnormal.code());
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
                "text messages are not accepted; send binary arena.v2 messages",
            ),
            ws::Message::Continuation(item) => self.on_fragment(item, ctx),
            ws::Message::Ping(payload) => ctx.pong(&payload),
            ws::Message::Pong(_) => {}
            ws::Message::Close(reason) => {
                self.closing = true;
                let code = reason.as_ref().map_or(1005, |r| u16::from(r.code));
                self.left = code == CloseCode::Normal.code();
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
