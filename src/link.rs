//! What travels from the lobby and the match to a session: its link (where frames, snapshots and
//! a close go), the messages on it, and the bounded snapshot slot. A leaf: it imports no other
//! actor module, so the imports of src/ run one way (link ← match ← lobby ← session ← http).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use actix::prelude::*;
use arena_game::CloseCode;
use bytes::Bytes;

/// Identifies one WebSocket session for the lifetime of the process.
pub type SessionId = u64;

/// Wall-clock time, Unix epoch, microseconds.
pub fn unix_time_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// Match → session: an encoded server message to write as one binary frame.
#[derive(Message, Clone)]
#[rtype(result = "()")]
pub struct Outbound(pub Bytes);

/// Match → session: a snapshot is waiting in the session's [`SnapshotSlot`].
#[derive(Message, Clone, Copy)]
#[rtype(result = "()")]
pub struct SnapshotReady;

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

/// The newest snapshots waiting for one session, shared by its match (writer) and the session
/// (reader). At most `capacity` wait: when a session cannot keep up, the oldest is dropped, so a
/// stalled reader costs a few frames of memory, never a growing queue, and at most one
/// [`SnapshotReady`] is in its mailbox.
pub struct SnapshotSlot {
    queue: Mutex<VecDeque<Bytes>>,
    capacity: usize,
    /// A duplicate of the connection's socket, to shut it down when the session's actor cannot
    /// run (a full write buffer stops actix from polling it). Owning a duplicate means the
    /// descriptor number cannot be reused by another connection while we hold it.
    socket: Option<std::os::fd::OwnedFd>,
    wake_pending: AtomicBool,
    /// When the session started falling behind (first stale snapshot dropped), Unix µs; 0 = not.
    behind_since_us: AtomicU64,
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
            queue: Mutex::new(VecDeque::with_capacity(2)),
            capacity: capacity.max(1),
            socket,
            wake_pending: AtomicBool::new(false),
            behind_since_us: AtomicU64::new(0),
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
