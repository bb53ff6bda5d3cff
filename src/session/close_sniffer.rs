//! Tells a close frame with a non-UTF-8 reason (1007) apart from a bad opcode (1002), which
//! actix-http reports as the same error.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;

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
