//! [`Session`]: one WebSocket connection to a match, speaking `arena.v3` through the one codec.
//!
//! It reads Arena's envelope for any game; the game's own bytes (facts, views, inputs) are read
//! and written with the typed helpers at the end ([`view`], [`facts`], [`Session::send_input`]).
//! The server speaks first: a [`Welcome`], then the roster, then one snapshot per tick: whole (a
//! keyframe) or as a delta, which [`Session::recv`] rebuilds, so callers see whole snapshots. Pings from
//! the server are answered by tungstenite itself on the next read or write, so a session that keeps
//! calling [`Session::recv`] keeps the connection alive.

use std::time::Duration;

use arena_game::protocol::{ClientMsg, Payload, ServerMsg, Snapshot, Welcome, PROTOCOL_V3};
use arena_game::rebuild::{Rebuilder, Rebuilt};
use arena_game::{codec, DecodeError, Game};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::BotError;

/// Longest wait for the TCP connect, the upgrade and the welcome together, in seconds. A server
/// that accepts but never welcomes must not hang a test or a swarm forever.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest wait for the server's answer to our close frame, in seconds, before dropping the socket.
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// One WebSocket session: a player or a spectator in one match.
pub struct Session {
    /// The server's first message: match, role, seat, settings, arena geometry.
    pub welcome: Welcome,
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    bytes_received: u64,
    rebuilder: Rebuilder,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("welcome", &self.welcome)
            .field("bytes_received", &self.bytes_received)
            .finish_non_exhaustive()
    }
}

/// The upgrade request for `ws_url`, naming the `arena.v3` subprotocol.
pub fn ws_request(ws_url: &str) -> Result<Request, BotError> {
    let mut req = ws_url.into_client_request()?;
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static(PROTOCOL_V3),
    );
    Ok(req)
}

impl Session {
    /// Opens `ws_url` (from a join answer) and waits for the welcome, within [`CONNECT_TIMEOUT`].
    ///
    /// A refused upgrade (400 missing subprotocol, 401/403 bad token) is a [`BotError::Http`].
    pub async fn connect(ws_url: &str) -> Result<Session, BotError> {
        tokio::time::timeout(CONNECT_TIMEOUT, Self::connect_inner(ws_url))
            .await
            .map_err(|_| BotError::Timeout)?
    }

    async fn connect_inner(ws_url: &str) -> Result<Session, BotError> {
        let req = ws_request(ws_url)?;
        // Nagle off: an input is 7 bytes and must leave now, not with the next one.
        let (ws, _resp) =
            tokio_tungstenite::connect_async_with_config(req, Some(ws_config()), true).await?;
        let mut session = Session {
            welcome: placeholder_welcome(),
            ws,
            bytes_received: 0,
            rebuilder: Rebuilder::new(),
        };
        match session.recv().await? {
            ServerMsg::Welcome(w) => {
                session.welcome = w;
                Ok(session)
            }
            other => Err(BotError::Protocol(format!(
                "first message is not a welcome: {}",
                other.kind()
            ))),
        }
    }

    /// The next binary message's raw bytes. Use [`Session::recv`] unless you time the decode.
    pub async fn recv_bytes(&mut self) -> Result<bytes::Bytes, BotError> {
        loop {
            match self.ws.next().await {
                Some(Ok(Message::Binary(b))) => {
                    self.bytes_received += b.len() as u64;
                    return Ok(b);
                }
                Some(Ok(Message::Close(frame))) => {
                    return Err(match frame {
                        Some(f) => BotError::Closed {
                            code: f.code.into(),
                            reason: f.reason.to_string(),
                        },
                        None => BotError::Closed {
                            code: 1005,
                            reason: "close frame without a code".into(),
                        },
                    })
                }
                Some(Ok(Message::Text(t))) => {
                    return Err(BotError::Protocol(format!(
                        "text frame of {} bytes (the protocol is binary)",
                        t.len()
                    )))
                }
                // Pings are answered by tungstenite on the next read or write.
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Err(e)) => return Err(e.into()),
                None => {
                    return Err(BotError::Closed {
                        code: 1006,
                        reason: "connection closed without a close frame".into(),
                    })
                }
            }
        }
    }

    /// The next server message, decoded, with deltas rebuilt into whole snapshots (a delta
    /// always arrives as a [`ServerMsg::Snapshot`]). `Err(BotError::Closed)` once the server
    /// closes; a delta that cannot be rebuilt closes the session with 1007.
    pub async fn recv(&mut self) -> Result<ServerMsg, BotError> {
        loop {
            let msg = self.recv_wire().await?;
            if let Some(msg) = self.rebuild(msg).await? {
                return Ok(msg);
            }
        }
    }

    /// The next server message as it came on the wire (a delta stays a [`ServerMsg::Delta`]);
    /// nothing is rebuilt, so mixing this with [`Session::recv`] loses baselines.
    pub async fn recv_wire(&mut self) -> Result<ServerMsg, BotError> {
        let bytes = self.recv_bytes().await?;
        Ok(decode_server_msg(&bytes)?)
    }

    /// Rebuilds a message from [`Session::recv_bytes`]: a delta becomes the whole snapshot;
    /// `None` when there is nothing to show (a checksum disagreed and a keyframe was asked for,
    /// or a delta was skipped while waiting for it). A delta that cannot be rebuilt (no such
    /// baseline, malformed) closes the session with 1007 and is an error.
    pub async fn rebuild(&mut self, msg: ServerMsg) -> Result<Option<ServerMsg>, BotError> {
        match self.rebuilder.accept(msg) {
            Ok(Rebuilt::Snapshot(msg) | Rebuilt::Other(msg)) => Ok(Some(msg)),
            Ok(Rebuilt::Skipped) => Ok(None),
            Ok(Rebuilt::NeedsResync) => {
                self.send(&ClientMsg::Resync).await?;
                Ok(None)
            }
            Err(e) => {
                let reason = e.to_string();
                let frame = CloseFrame {
                    code: CloseCode::Invalid,
                    reason: reason.chars().take(120).collect::<String>().into(),
                };
                let _ = self.ws.close(Some(frame)).await;
                Err(BotError::Protocol(reason))
            }
        }
    }

    /// Skips messages until `f` matches one and returns it; [`BotError::Timeout`] after `timeout`.
    pub async fn recv_until(
        &mut self,
        timeout: Duration,
        mut f: impl FnMut(&ServerMsg) -> bool,
    ) -> Result<ServerMsg, BotError> {
        let wait = async {
            loop {
                let msg = self.recv().await?;
                if f(&msg) {
                    return Ok(msg);
                }
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| BotError::Timeout)?
    }

    /// Encodes and sends one message (flushed at once).
    pub async fn send(&mut self, msg: &ClientMsg) -> Result<(), BotError> {
        let bytes = codec::encode(msg)?;
        self.ws.send(Message::Binary(bytes.into())).await?;
        Ok(())
    }

    /// Sends one input of game `G` with sequence number `seq`.
    pub async fn send_input<G: Game>(
        &mut self,
        seq: u16,
        input: &G::Input,
    ) -> Result<(), BotError> {
        let input = Payload(codec::encode(input)?);
        self.send(&ClientMsg::Input { seq, input }).await
    }

    /// Sends already-encoded bytes as one binary message (tests of malformed frames use this).
    pub async fn send_raw(&mut self, bytes: Vec<u8>) -> Result<(), BotError> {
        self.ws.send(Message::Binary(bytes.into())).await?;
        Ok(())
    }

    /// Payload bytes of every binary message received so far, the welcome included.
    pub fn bytes_received(&self) -> u64 {
        self.bytes_received
    }

    /// Closes normally (1000) and waits up to [`CLOSE_TIMEOUT`] for the server's close answer.
    pub async fn close(self) -> Result<(), BotError> {
        self.close_counted().await.map(|_| ())
    }

    /// Like [`Session::close`], returning the binary messages (count, payload bytes) that were
    /// still arriving between our close frame and the server's answer, so a caller can account
    /// for every frame the server sent.
    pub async fn close_counted(mut self) -> Result<(u64, u64), BotError> {
        let frame = CloseFrame {
            code: CloseCode::Normal,
            reason: "".into(),
        };
        self.ws.close(Some(frame)).await?;
        let (mut messages, mut bytes) = (0u64, 0u64);
        let drain = async {
            while let Some(Ok(msg)) = self.ws.next().await {
                if let Message::Binary(b) = msg {
                    messages += 1;
                    bytes += b.len() as u64;
                }
            }
        };
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, drain).await;
        Ok((messages, bytes))
    }
}

/// Small buffers: a swarm holds thousands of sessions whose messages are a few hundred bytes, and
/// tungstenite's 128 KiB defaults would cost memory for nothing. Writes go out at once.
fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .write_buffer_size(0)
        .max_message_size(Some(codec::MAX_MESSAGE_BYTES))
        .max_frame_size(Some(codec::MAX_MESSAGE_BYTES))
}

/// Decodes one server message through the one codec.
pub fn decode_server_msg(bytes: &[u8]) -> Result<ServerMsg, DecodeError> {
    codec::decode::<ServerMsg>(bytes)
}

/// The view of game `G` inside a snapshot.
pub fn view<G: Game>(snapshot: &Snapshot) -> Result<G::View, DecodeError> {
    codec::decode::<G::View>(&snapshot.view.0)
}

/// The facts of game `G` inside a welcome.
pub fn facts<G: Game>(welcome: &Welcome) -> Result<G::Facts, DecodeError> {
    codec::decode::<G::Facts>(&welcome.facts.0)
}

/// Stands in for the welcome until it arrives (never visible outside `connect`).
fn placeholder_welcome() -> Welcome {
    Welcome {
        protocol: 0,
        match_id: String::new(),
        game: String::new(),
        role: arena_game::Role::Spectator,
        player_id: None,
        match_name: String::new(),
        max_players: 0,
        tick_hz: 0,
        facts: Payload::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The upgrade request names exactly the `arena.v3` subprotocol and keeps the token query.
    #[test]
    fn request_names_the_subprotocol() {
        let req = ws_request("ws://127.0.0.1:9/ws?token=abc").unwrap();
        assert_eq!(req.headers()["Sec-WebSocket-Protocol"], "arena.v3");
        assert_eq!(req.uri().query(), Some("token=abc"));
    }

    /// A URL that is not a WebSocket URL fails before any I/O.
    #[test]
    fn bad_url_is_an_error() {
        assert!(ws_request("not a url").is_err());
    }

    /// A refused TCP connection surfaces as an error, not a hang or a panic.
    #[tokio::test]
    async fn refused_connection_is_an_error() {
        // Bind then drop to get a port that nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = Session::connect(&format!("ws://127.0.0.1:{port}/ws?token=x"))
            .await
            .unwrap_err();
        assert!(matches!(err, BotError::Ws(_)), "got {err:?}");
    }
}
