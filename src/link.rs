//! What travels from the lobby and the match to a session: its link (the connection frames are
//! written to, and where a close goes) and the close message. A leaf: it imports no actor
//! module, so the imports of src/ run one way (conn ← link ← match ← lobby ← session ← http).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use actix::prelude::*;
use arena_game::CloseCode;

use crate::conn::WsConn;

/// Identifies one WebSocket session for the lifetime of the process.
pub type SessionId = u64;

/// Wall-clock time, Unix epoch, microseconds.
pub fn unix_time_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// Lobby or match → session: close the connection with this code and reason.
#[derive(Message, Clone)]
#[rtype(result = "()")]
pub struct CloseSession {
    /// The close code.
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

/// How a match reaches one session: the connection it writes frames to directly, and where a
/// close is sent.
#[derive(Clone)]
pub struct SessionLink {
    /// The session's connection: the match writes snapshots and its other frames straight to it
    /// (see [`crate::conn`]).
    pub conn: Arc<WsConn>,
    /// Where a close is sent.
    pub closer: Recipient<CloseSession>,
}
