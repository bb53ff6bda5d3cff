//! One WebSocket connection's bytes after the upgrade: a shared writer the match writes
//! snapshots through directly, and the reader its session actor polls. A leaf: it knows frames
//! and sockets, not sessions, matches or games.
//!
//! # Why the match writes to the socket itself
//! A snapshot is one ready-made frame, the same bytes for every session with the same view. The
//! cheapest way to deliver it is what the match does here: one non-blocking `write` per session
//! per tick, from the tick itself, with no message, no wake-up and no copy. Only when a socket
//! cannot take the frame at once (its send buffer is full) does the frame wait in this
//! connection's bounded queue, which the session actor flushes when the socket becomes writable.
//! Every other frame (welcome, roster, chat, pong, close) goes through the same lock and queue,
//! so the order of frames on the wire is the order they were handed over.
//!
//! # Bounds
//! At most `max_snapshots` snapshots wait (the oldest not yet started is dropped for a newer
//! one), and at most [`MAX_QUEUED_BYTES`] bytes in all: a reader that stalls costs a few frames
//! of memory, never a growing queue.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll};

use actix_http::ws::{CloseReason, Codec, Frame, OpCode, Parser, ProtocolError};
use bytes::{Buf, Bytes, BytesMut};
use futures_util::task::AtomicWaker;
use tokio::io::{AsyncRead, ReadBuf};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// Most bytes that may wait for one connection (reliable frames included). Past it the
/// connection is overflowing: its owner closes it as slow.
pub const MAX_QUEUED_BYTES: usize = 256 * 1024;

/// Bytes read from a socket in one `read` (on the stack; a session keeps only an unfinished
/// frame between reads).
const READ_CHUNK: usize = 8 * 1024;

/// Most frames handed to one `writev` when flushing a queue.
const WRITEV_MAX: usize = 16;

/// A server→client binary frame (unmasked) holding `payload`.
pub fn binary_frame(payload: &[u8]) -> Bytes {
    let mut dst = BytesMut::with_capacity(payload.len() + 10);
    Parser::write_message(&mut dst, payload, OpCode::Binary, true, false);
    dst.freeze()
}

/// A server→client control frame (ping or pong) with `payload` (at most 125 bytes).
pub fn control_frame(op: OpCode, payload: &[u8]) -> Bytes {
    let mut dst = BytesMut::with_capacity(payload.len().min(125) + 2);
    Parser::write_message(
        &mut dst,
        &payload[..payload.len().min(125)],
        op,
        true,
        false,
    );
    dst.freeze()
}

/// A server→client close frame; `reason` must already fit (123 bytes).
pub fn close_frame(reason: Option<CloseReason>) -> Bytes {
    let mut dst = BytesMut::with_capacity(128);
    Parser::write_close(&mut dst, reason, false);
    dst.freeze()
}

/// What became of a frame handed to [`WsConn`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Written to the socket whole, at once.
    Written,
    /// Waiting in the connection's queue.
    Queued {
        /// An older snapshot that never started was dropped for this one.
        dropped_stale: bool,
        /// How long the connection has been dropping snapshots, µs (0: it is not).
        behind_for_us: u64,
    },
    /// The queue is over [`MAX_QUEUED_BYTES`]; the frame was not taken.
    Overflow,
    /// The connection is closing or gone; the frame was not taken.
    Gone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Open,
    /// A close frame is queued: nothing more is taken; once flushed, the write side shuts.
    Closing,
    /// Flushed and shut, or failed: nothing more is written.
    Done,
}

struct Queued {
    frame: Bytes,
    /// A whole snapshot not yet started: may be dropped for a newer one.
    droppable: bool,
    /// A snapshot not yet started: which one (becomes the baseline once started).
    snapshot: Option<Mark>,
}

/// Which snapshot a frame is, for the baseline bookkeeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mark {
    id: u64,
    key: bool,
}

/// One recipient's snapshot: the message bytes shared by its group (encoded once) and the
/// recipient's own tail, framed here as one WebSocket message.
#[derive(Debug, Clone, Copy)]
pub struct SnapshotOut<'a> {
    /// The shared part of the message.
    pub body: &'a Bytes,
    /// The recipient's own last bytes of the message (a few bytes).
    pub tail: &'a [u8],
    /// Which snapshot this is, as the match names it; once its first byte is on the socket it is
    /// the connection's [`WsConn::baseline`].
    pub id: u64,
    /// Whether it is whole (a keyframe) rather than a delta.
    pub key: bool,
}

/// The header of an unmasked binary frame of `len` payload bytes, and its length.
fn binary_head(len: usize) -> ([u8; 10], usize) {
    let mut head = [0u8; 10];
    head[0] = 0x82;
    if len < 126 {
        head[1] = len as u8;
        (head, 2)
    } else if let Ok(len) = u16::try_from(len) {
        head[1] = 126;
        head[2..4].copy_from_slice(&len.to_be_bytes());
        (head, 4)
    } else {
        head[1] = 127;
        head[2..10].copy_from_slice(&(len as u64).to_be_bytes());
        (head, 10)
    }
}

/// A frame on its way to [`WsConn::hand_over`]: ready-made, or a snapshot still in parts.
enum Outgoing<'a> {
    Whole(&'a Bytes),
    Parts {
        head: &'a [u8],
        body: &'a Bytes,
        tail: &'a [u8],
    },
}

impl Outgoing<'_> {
    fn len(&self) -> usize {
        match self {
            Outgoing::Whole(f) => f.len(),
            Outgoing::Parts { head, body, tail } => head.len() + body.len() + tail.len(),
        }
    }

    /// What is left after the first `n` bytes, as one frame for the queue (a copy only for a
    /// snapshot in parts, which waits only when its socket is full).
    fn rest(&self, n: usize) -> Bytes {
        match self {
            Outgoing::Whole(f) => f.slice(n..),
            Outgoing::Parts { head, body, tail } => {
                let mut all = BytesMut::with_capacity(self.len());
                all.extend_from_slice(head);
                all.extend_from_slice(body);
                all.extend_from_slice(tail);
                all.freeze().split_off(n)
            }
        }
    }
}

struct Out {
    queue: VecDeque<Queued>,
    bytes: usize,
    droppable: usize,
    state: State,
    /// When the connection started dropping snapshots, Unix µs; 0 = it is keeping up.
    behind_since_us: u64,
    /// The newest snapshot whose first byte went to the socket: the peer will have it before
    /// anything handed over later (TCP is reliable and ordered). `None` until a keyframe goes.
    baseline: Option<u64>,
}

impl Out {
    fn push(&mut self, frame: Bytes, droppable: bool, snapshot: Option<Mark>) {
        self.bytes += frame.len();
        self.droppable += usize::from(droppable);
        self.queue.push_back(Queued {
            frame,
            droppable,
            snapshot,
        });
    }

    /// A snapshot started: it is the baseline now, unless there is none and it is a delta (after
    /// [`WsConn::forget_baseline`], only a keyframe starts a new chain).
    fn started(&mut self, mark: Mark) {
        if mark.key || self.baseline.is_some() {
            self.baseline = Some(mark.id);
        }
    }

    fn drop_oldest_snapshot(&mut self) {
        if let Some(i) = self.queue.iter().position(|q| q.droppable) {
            if let Some(q) = self.queue.remove(i) {
                self.bytes -= q.frame.len();
                self.droppable -= 1;
            }
        }
    }

    fn drop_snapshots(&mut self) {
        self.queue.retain(|q| !q.droppable);
        self.bytes = self.queue.iter().map(|q| q.frame.len()).sum();
        self.droppable = 0;
    }

    /// Removes `n` written bytes from the front; a frame left half-written is no longer droppable.
    fn advance(&mut self, mut n: usize) {
        self.bytes -= n;
        while n > 0 {
            let Some(front) = self.queue.front_mut() else {
                return;
            };
            if let Some(mark) = front.snapshot.take() {
                self.started(mark);
            }
            let Some(front) = self.queue.front_mut() else {
                return;
            };
            if n >= front.frame.len() {
                n -= front.frame.len();
                if front.droppable {
                    self.droppable -= 1;
                }
                self.queue.pop_front();
            } else {
                front.frame.advance(n);
                if front.droppable {
                    front.droppable = false;
                    self.droppable -= 1;
                }
                n = 0;
            }
        }
    }

    fn fail(&mut self) {
        self.state = State::Done;
        self.queue.clear();
        self.bytes = 0;
        self.droppable = 0;
    }
}

/// The write side of one connection, shared by its session and its match.
pub struct WsConn {
    write: OwnedWriteHalf,
    out: Mutex<Out>,
    /// The session's flusher, woken when the queue gets its first frame.
    flusher: AtomicWaker,
    max_snapshots: usize,
}

impl WsConn {
    /// Wraps the write half; at most `max_snapshots` (≥ 1) snapshots wait in the queue.
    pub fn new(write: OwnedWriteHalf, max_snapshots: usize) -> Self {
        Self {
            write,
            out: Mutex::new(Out {
                queue: VecDeque::new(),
                bytes: 0,
                droppable: 0,
                state: State::Open,
                behind_since_us: 0,
                baseline: None,
            }),
            flusher: AtomicWaker::new(),
            max_snapshots: max_snapshots.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Out> {
        self.out.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One non-blocking `send` (MSG_NOSIGNAL) of `frame` straight on the socket, without the
    /// runtime's readiness bookkeeping: the hot path, called from the match's tick. A
    /// `WouldBlock` here leaves the runtime's readiness stale; the flusher's first `try_write`
    /// then clears it.
    fn write_now(&self, frame: &Outgoing<'_>) -> io::Result<usize> {
        let sock = socket2::SockRef::from(self.write.as_ref());
        match frame {
            Outgoing::Whole(f) => sock.send_with_flags(f, libc::MSG_NOSIGNAL),
            Outgoing::Parts { head, body, tail } => sock.send_vectored_with_flags(
                &[IoSlice::new(head), IoSlice::new(body), IoSlice::new(tail)],
                libc::MSG_NOSIGNAL,
            ),
        }
    }

    /// Writes `frame` now if nothing waits and the socket takes it whole; else queues it (or
    /// what is left of it) behind what waits, refusing it past [`MAX_QUEUED_BYTES`] when
    /// `bounded`. The one path every frame takes, so frames keep their order. A snapshot
    /// (`mark`) whose first byte goes out now becomes the baseline.
    fn hand_over(
        &self,
        out: &mut Out,
        frame: Outgoing<'_>,
        mark: Option<Mark>,
        bounded: bool,
    ) -> Delivery {
        let queued = Delivery::Queued {
            dropped_stale: false,
            behind_for_us: 0,
        };
        let droppable = mark.is_some();
        if !out.queue.is_empty() {
            if bounded && out.bytes + frame.len() > MAX_QUEUED_BYTES {
                return Delivery::Overflow;
            }
            out.push(frame.rest(0), droppable, mark);
            return queued;
        }
        match self.write_now(&frame) {
            Ok(n) => {
                if let Some(mark) = mark.filter(|_| n > 0) {
                    out.started(mark);
                }
                if n == frame.len() {
                    return Delivery::Written;
                }
                // A frame cut short must go out whole: no longer droppable.
                match n {
                    0 => out.push(frame.rest(0), droppable, mark),
                    _ => out.push(frame.rest(n), false, None),
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                out.push(frame.rest(0), droppable, mark)
            }
            Err(e) => {
                log::debug!("write failed: {e}");
                out.fail();
                self.flusher.wake();
                return Delivery::Gone;
            }
        }
        self.flusher.wake();
        queued
    }

    /// Hands over one recipient's snapshot: written now when the socket has room, else queued
    /// behind what waits, dropping the oldest waiting snapshot past the limit.
    pub fn send_snapshot(&self, snap: SnapshotOut<'_>, now_us: u64) -> Delivery {
        let (head, head_len) = binary_head(snap.body.len() + snap.tail.len());
        let frame = Outgoing::Parts {
            head: &head[..head_len],
            body: snap.body,
            tail: snap.tail,
        };
        let mark = Mark {
            id: snap.id,
            key: snap.key,
        };
        let mut out = self.lock();
        if out.state != State::Open {
            return Delivery::Gone;
        }
        let delivery = self.hand_over(&mut out, frame, Some(mark), true);
        if matches!(delivery, Delivery::Queued { .. }) && out.droppable > self.max_snapshots {
            out.drop_oldest_snapshot();
            if out.behind_since_us == 0 {
                out.behind_since_us = now_us;
            }
            return Delivery::Queued {
                dropped_stale: true,
                behind_for_us: now_us.saturating_sub(out.behind_since_us),
            };
        }
        delivery
    }

    /// The newest snapshot (by the id it was handed over with) the peer is sure to get before
    /// anything handed over from now on; `None` before the first keyframe has started, and
    /// after [`WsConn::forget_baseline`].
    pub fn baseline(&self) -> Option<u64> {
        self.lock().baseline
    }

    /// The peer lost track (it asked for a keyframe): no baseline until a keyframe has started.
    pub fn forget_baseline(&self) {
        self.lock().baseline = None;
    }

    /// Hands over a frame that must arrive (never dropped while the connection lives).
    pub fn send(&self, frame: Bytes) -> Delivery {
        let mut out = self.lock();
        if out.state != State::Open {
            return Delivery::Gone;
        }
        self.hand_over(&mut out, Outgoing::Whole(&frame), None, true)
    }

    /// Queues `close` as the last frame (waiting snapshots are dropped); once it is written the
    /// write side shuts down. Later frames are refused.
    pub fn close(&self, close: Bytes) {
        let mut out = self.lock();
        if out.state != State::Open {
            return;
        }
        out.drop_snapshots();
        match self.hand_over(&mut out, Outgoing::Whole(&close), None, false) {
            Delivery::Written => {
                out.state = State::Done;
                self.shutdown(std::net::Shutdown::Write);
                self.flusher.wake();
            }
            Delivery::Queued { .. } => out.state = State::Closing,
            Delivery::Overflow | Delivery::Gone => {}
        }
    }

    /// Ends the connection now, both directions, whatever still waits.
    pub fn abort(&self) {
        let mut out = self.lock();
        if out.state != State::Done {
            out.fail();
            self.shutdown(std::net::Shutdown::Both);
        }
    }

    fn shutdown(&self, how: std::net::Shutdown) {
        if let Err(e) = socket2::SockRef::from(self.write.as_ref()).shutdown(how) {
            log::debug!("shutdown failed: {e}");
        }
    }

    /// Writes what waits while the socket takes it. Ready once the connection is done: flushed
    /// after a close (and its write side shut), or failed. Only the session's flusher calls it.
    pub fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.flusher.register(cx.waker());
        let mut out = self.lock();
        loop {
            if out.state == State::Done {
                return Poll::Ready(());
            }
            if out.queue.is_empty() {
                out.behind_since_us = 0;
                if out.state == State::Closing {
                    out.state = State::Done;
                    self.shutdown(std::net::Shutdown::Write);
                    return Poll::Ready(());
                }
                return Poll::Pending;
            }
            match self.write.as_ref().poll_write_ready(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => {
                    log::debug!("socket failed: {e}");
                    out.fail();
                    return Poll::Ready(());
                }
                Poll::Ready(Ok(())) => {}
            }
            let slices: Vec<IoSlice<'_>> = out
                .queue
                .iter()
                .take(WRITEV_MAX)
                .map(|q| IoSlice::new(&q.frame))
                .collect();
            let written = self.write.try_write_vectored(&slices);
            drop(slices);
            match written {
                Ok(n) => out.advance(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    log::debug!("write failed: {e}");
                    out.fail();
                    return Poll::Ready(());
                }
            }
        }
    }
}

/// Why reading a connection stopped.
#[derive(Debug)]
pub enum ReadError {
    /// A frame broke the WebSocket protocol.
    Protocol(ProtocolError),
    /// A close frame's reason is not UTF-8 (RFC 6455 §8.1: 1007, not the 1002 of a bad frame).
    CloseReasonNotUtf8,
    /// The socket failed.
    Io(io::Error),
}

/// The read side of one connection: client frames, decoded as they arrive. It reads once per
/// readiness into a stack buffer and keeps only an unfinished frame between reads, so an idle
/// session holds no read buffer.
pub struct ConnReader {
    read: OwnedReadHalf,
    buf: BytesMut,
    codec: Codec,
    /// A frame broke the protocol: what follows is read and dropped until the peer closes.
    discarding: bool,
    /// The socket failed: the stream has ended.
    ended: bool,
}

impl ConnReader {
    /// Reads `read`, starting with `leftover` (bytes that came after the upgrade request);
    /// messages above `max_size` bytes are refused.
    pub fn new(read: OwnedReadHalf, leftover: BytesMut, max_size: usize) -> Self {
        Self {
            read,
            buf: leftover,
            codec: Codec::new().max_size(max_size),
            discarding: false,
            ended: false,
        }
    }
}

impl futures_util::Stream for ConnReader {
    type Item = Result<Frame, ReadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        loop {
            if !this.buf.is_empty() && !this.discarding {
                if close_reason_not_utf8(&this.buf) {
                    this.discarding = true;
                    return Poll::Ready(Some(Err(ReadError::CloseReasonNotUtf8)));
                }
                match decode_frame(&mut this.codec, &mut this.buf) {
                    Ok(Some(frame)) => return Poll::Ready(Some(Ok(frame))),
                    Ok(None) => {}
                    Err(e) => {
                        this.discarding = true;
                        return Poll::Ready(Some(Err(ReadError::Protocol(e))));
                    }
                }
            }
            if this.discarding {
                this.buf.clear();
            }
            if this.buf.is_empty() && this.buf.capacity() > 0 {
                this.buf = BytesMut::new();
            }
            // Uninitialised: zeroing 8 KiB per read would cost more than the read.
            let mut chunk = [std::mem::MaybeUninit::<u8>::uninit(); READ_CHUNK];
            let mut rb = ReadBuf::uninit(&mut chunk);
            match Pin::new(&mut this.read).poll_read(cx, &mut rb) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => {
                    this.ended = true;
                    return Poll::Ready(Some(Err(ReadError::Io(e))));
                }
                Poll::Ready(Ok(())) if rb.filled().is_empty() => {
                    this.ended = true;
                    return Poll::Ready(None);
                }
                Poll::Ready(Ok(())) => {
                    if !this.discarding {
                        this.buf.extend_from_slice(rb.filled());
                    }
                }
            }
        }
    }
}

fn decode_frame(codec: &mut Codec, buf: &mut BytesMut) -> Result<Option<Frame>, ProtocolError> {
    actix_codec::Decoder::decode(codec, buf)
}

/// Whether `buf` starts with a whole close frame with a valid code whose reason is not UTF-8
/// (actix-http reports that as a bad opcode; the fitting close code is 1007).
fn close_reason_not_utf8(buf: &[u8]) -> bool {
    if buf.len() < 2 || buf[0] & 0x0F != 0x8 {
        return false;
    }
    let len = usize::from(buf[1] & 0x7F);
    let masked = buf[1] & 0x80 != 0;
    let start = 2 + if masked { 4 } else { 0 };
    if len <= 2 || len > 125 || buf.len() < start + len {
        return false;
    }
    let mut payload = buf[start..start + len].to_vec();
    if masked {
        for (i, b) in payload.iter_mut().enumerate() {
            *b ^= buf[2 + i % 4];
        }
    }
    let code = u16::from_be_bytes([payload[0], payload[1]]);
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
        && std::str::from_utf8(&payload[2..]).is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked_close(code: u16, reason: &[u8]) -> Vec<u8> {
        let mask = [1u8, 2, 3, 4];
        let mut payload = code.to_be_bytes().to_vec();
        payload.extend_from_slice(reason);
        let mut frame = vec![0x88, 0x80 | payload.len() as u8];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        frame
    }

    #[test]
    fn close_reason_check_tells_bad_utf8_from_good() {
        assert!(close_reason_not_utf8(&masked_close(1000, &[0xff, 0xfe])));
        assert!(!close_reason_not_utf8(&masked_close(1000, b"bye")));
        // An invalid code is the codec's to refuse (1002).
        assert!(!close_reason_not_utf8(&masked_close(999, &[0xff])));
        // Not whole yet.
        let frame = masked_close(1000, &[0xff, 0xfe]);
        assert!(!close_reason_not_utf8(&frame[..frame.len() - 1]));
        // Not a close frame.
        assert!(!close_reason_not_utf8(&[0x82, 0x80, 0, 0, 0, 0]));
    }

    /// A connected loopback pair: the server's write half in a `WsConn` with small kernel
    /// buffers (so it fills), and the client's std socket, not read until the test says.
    async fn stalled_pair(max_snapshots: usize) -> (WsConn, std::net::TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        socket2::SockRef::from(&client)
            .set_recv_buffer_size(4096)
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        socket2::SockRef::from(&server)
            .set_send_buffer_size(4096)
            .unwrap();
        let (read, write) = server.into_split();
        drop(read);
        (WsConn::new(write, max_snapshots), client)
    }

    /// Reads the client side to the end and splits it into (opcode, payload) frames.
    fn read_frames(mut client: std::net::TcpStream) -> Vec<(u8, Vec<u8>)> {
        use std::io::Read;
        client
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let mut bytes = Vec::new();
        client.read_to_end(&mut bytes).unwrap();
        let mut frames = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let op = bytes[at] & 0x0F;
            let (len, head) = match bytes[at + 1] {
                126 => (
                    usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]])),
                    4,
                ),
                n => (usize::from(n), 2),
            };
            frames.push((op, bytes[at + head..at + head + len].to_vec()));
            at += head + len;
        }
        frames
    }

    fn snapshot<'a>(body: &'a Bytes, tail: &'a [u8], id: u32) -> SnapshotOut<'a> {
        SnapshotOut {
            body,
            tail,
            id: u64::from(id),
            key: id == 0,
        }
    }

    /// The baseline is the newest snapshot that started out: written at once, or flushed
    /// later; never one dropped while waiting, never a delta after the baseline was forgotten.
    #[tokio::test]
    async fn the_baseline_is_the_newest_snapshot_that_started() {
        let (conn, client) = stalled_pair(1).await;
        let body = Bytes::from(vec![0u8; 1000]);
        assert_eq!(conn.baseline(), None);
        // A delta cannot start a chain: only a keyframe can.
        assert_eq!(
            conn.send_snapshot(snapshot(&body, &[], 5), 0),
            Delivery::Written
        );
        assert_eq!(conn.baseline(), None);
        assert_eq!(
            conn.send_snapshot(snapshot(&body, &[], 0), 0),
            Delivery::Written
        );
        assert_eq!(conn.baseline(), Some(0));
        let mut id = 1;
        while conn.send_snapshot(snapshot(&body, &[], id), 0) == Delivery::Written {
            assert_eq!(conn.baseline(), Some(u64::from(id)));
            id += 1;
        }
        // The socket is full: what waits is not a baseline yet, and is dropped for newer ones.
        let written = conn.baseline().unwrap();
        assert!(written + 1 >= u64::from(id), "{written} {id}");
        for more in 1..=3 {
            conn.send_snapshot(snapshot(&body, &[], id + more), 0);
        }
        assert_eq!(conn.baseline(), Some(written));
        let reader = std::thread::spawn(move || read_frames(client));
        conn.close(close_frame(None));
        std::future::poll_fn(|cx| conn.poll_flush(cx)).await;
        drop(reader.join().unwrap());
        // The close dropped the waiting snapshots, except one already started.
        assert!(conn.baseline().unwrap() <= u64::from(id) + 3);
        conn.forget_baseline();
        assert_eq!(conn.baseline(), None);
    }

    #[test]
    fn binary_heads_match_the_codec() {
        for len in [0, 1, 125, 126, 65_535, 65_536] {
            let (head, n) = binary_head(len);
            assert_eq!(&head[..n], &binary_frame(&vec![0; len])[..n], "{len}");
        }
    }

    #[tokio::test]
    async fn a_stalled_reader_keeps_the_newest_snapshots_in_order_then_the_close() {
        let (conn, client) = stalled_pair(2).await;
        let mut sent = 0u32;
        let mut queued = 0;
        let mut dropped = 0u64;
        // Fill the kernel buffers, then keep going: only the newest two wait.
        while queued < 20 {
            let body = Bytes::from([&sent.to_be_bytes()[..], &[0u8; 1000][..]].concat());
            match conn.send_snapshot(snapshot(&body, &[9], sent), u64::from(sent) * 50_000 + 1) {
                Delivery::Written => {}
                Delivery::Queued {
                    dropped_stale,
                    behind_for_us,
                } => {
                    queued += 1;
                    if dropped_stale {
                        dropped += 1;
                        assert!(behind_for_us <= dropped * 50_000, "{behind_for_us}");
                    }
                }
                other => panic!("{other:?}"),
            }
            sent += 1;
        }
        assert!(dropped >= 17, "{dropped}");
        // A reliable frame waits behind them; a close comes last and drops waiting snapshots.
        assert!(matches!(
            conn.send(binary_frame(b"roster")),
            Delivery::Queued { .. }
        ));
        conn.close(close_frame(Some(CloseReason {
            code: 4000.into(),
            description: Some("slow".into()),
        })));
        assert_eq!(
            conn.send_snapshot(snapshot(&Bytes::from_static(b"late"), &[], 999), 0),
            Delivery::Gone
        );
        let reader = std::thread::spawn(move || read_frames(client));
        std::future::poll_fn(|cx| conn.poll_flush(cx)).await;
        let frames = reader.join().unwrap();
        let (last_op, last) = frames.last().unwrap();
        assert_eq!((*last_op, &last[..2]), (0x8, &4000u16.to_be_bytes()[..]));
        assert_eq!(&frames[frames.len() - 2], &(0x2, b"roster".to_vec()));
        // Snapshots arrive whole and in increasing order; the dropped ones are simply missing.
        let numbers: Vec<u32> = frames[..frames.len() - 2]
            .iter()
            .map(|(op, p)| {
                assert_eq!((*op, p.len(), p[1004]), (0x2, 1005, 9));
                u32::from_be_bytes([p[0], p[1], p[2], p[3]])
            })
            .collect();
        assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
        assert!(numbers.len() < sent as usize);
    }

    #[tokio::test]
    async fn the_queue_is_bounded_in_bytes() {
        let (conn, _client) = stalled_pair(4).await;
        let big = binary_frame(&[1u8; 60_000]);
        let mut outcomes = Vec::new();
        for _ in 0..20 {
            outcomes.push(conn.send(big.clone()));
        }
        assert!(outcomes.contains(&Delivery::Overflow), "{outcomes:?}");
    }

    #[test]
    fn frames_carry_their_header() {
        let f = binary_frame(&[7; 130]);
        assert_eq!(&f[..4], &[0x82, 126, 0, 130]);
        assert_eq!(f.len(), 134);
        assert_eq!(&binary_frame(&[1, 2])[..], &[0x82, 2, 1, 2]);
        assert_eq!(
            &control_frame(OpCode::Pong, b"hi")[..],
            &[0x8A, 2, b'h', b'i']
        );
    }
}
