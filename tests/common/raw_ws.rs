//! A deliberately minimal WebSocket client over a plain TcpStream, for sending frames a correct
//! client never would: text, fragments, oversized or unmasked frames, bad close reasons.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Opcodes (RFC 6455 §5.2).
pub mod op {
    pub const CONTINUATION: u8 = 0x0;
    pub const TEXT: u8 = 0x1;
    pub const BINARY: u8 = 0x2;
    pub const CLOSE: u8 = 0x8;
    pub const PING: u8 = 0x9;
    pub const PONG: u8 = 0xA;
}

/// A raw WebSocket connection after a successful handshake.
pub struct RawWs {
    stream: TcpStream,
    buf: Vec<u8>,
}

/// A frame read from the server.
#[derive(Debug)]
pub struct Frame {
    pub fin: bool,
    pub opcode: u8,
    pub payload: Vec<u8>,
}

/// Sends an HTTP upgrade for `path` with `protocol` and returns the status line and headers.
pub async fn handshake(
    addr: std::net::SocketAddr,
    path: &str,
    protocol: Option<&str>,
) -> (TcpStream, String) {
    handshake_on(
        TcpStream::connect(addr).await.expect("connect"),
        addr,
        path,
        protocol,
    )
    .await
}

/// [`handshake`] with more headers (e.g. `Origin`).
pub async fn handshake_with(
    addr: std::net::SocketAddr,
    path: &str,
    protocol: Option<&str>,
    headers: &[(&str, &str)],
) -> (TcpStream, String) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    handshake_on_with(stream, addr, path, protocol, headers).await
}

/// [`handshake`] on an already connected stream.
pub async fn handshake_on(
    stream: TcpStream,
    addr: std::net::SocketAddr,
    path: &str,
    protocol: Option<&str>,
) -> (TcpStream, String) {
    handshake_on_with(stream, addr, path, protocol, &[]).await
}

async fn handshake_on_with(
    mut stream: TcpStream,
    addr: std::net::SocketAddr,
    path: &str,
    protocol: Option<&str>,
    headers: &[(&str, &str)],
) -> (TcpStream, String) {
    let mut extra: String = protocol
        .map(|p| format!("Sec-WebSocket-Protocol: {p}\r\n"))
        .unwrap_or_default();
    for (name, value) in headers {
        extra.push_str(&format!("{name}: {value}\r\n"));
    }
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{extra}\r\n"
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).await.expect("response head");
        head.push(byte[0]);
    }
    (stream, String::from_utf8_lossy(&head).into_owned())
}

impl RawWs {
    /// Upgrades `/ws?token=...` with subprotocol arena.v3; panics unless the server switches.
    pub async fn connect(addr: std::net::SocketAddr, ws_url: &str) -> Self {
        let path = &ws_url[ws_url.find("/ws").expect("ws path")..];
        let (stream, head) = handshake(addr, path, Some("arena.v3")).await;
        assert!(head.starts_with("HTTP/1.1 101"), "upgrade refused: {head}");
        Self {
            stream,
            buf: Vec::new(),
        }
    }

    /// Like [`RawWs::connect`] with a small kernel receive buffer, to play a stalled reader.
    pub async fn connect_with_recv_buffer(
        addr: std::net::SocketAddr,
        ws_url: &str,
        recv_buffer: u32,
    ) -> Self {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(recv_buffer).unwrap();
        let stream = socket.connect(addr).await.expect("connect");
        let path = &ws_url[ws_url.find("/ws").expect("ws path")..];
        let (stream, head) = handshake_on(stream, addr, path, Some("arena.v3")).await;
        assert!(head.starts_with("HTTP/1.1 101"), "upgrade refused: {head}");
        Self {
            stream,
            buf: Vec::new(),
        }
    }

    /// Writes one frame; `mask` false sends an (illegal) unmasked client frame.
    pub async fn send_frame(&mut self, fin: bool, opcode: u8, payload: &[u8], mask: bool) {
        let mut out = vec![(if fin { 0x80 } else { 0 }) | opcode];
        let mask_bit = if mask { 0x80 } else { 0 };
        match payload.len() {
            n if n < 126 => out.push(mask_bit | n as u8),
            n if n <= 0xFFFF => {
                out.push(mask_bit | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(mask_bit | 127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        if mask {
            let key = [0x12, 0x34, 0x56, 0x78];
            out.extend_from_slice(&key);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        } else {
            out.extend_from_slice(payload);
        }
        // The server may already have closed; a failed write shows up as the close we read next.
        let _ = self.stream.write_all(&out).await;
    }

    /// Sends a masked, final binary frame.
    pub async fn send_binary(&mut self, payload: &[u8]) {
        self.send_frame(true, op::BINARY, payload, true).await;
    }

    /// Reads the next frame, or `None` when the connection ends or `timeout` passes.
    pub async fn read_frame(&mut self, timeout: Duration) -> Option<Frame> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(frame) = self.parse() {
                return Some(frame);
            }
            let mut chunk = [0u8; 4096];
            let n = tokio::time::timeout_at(deadline, self.stream.read(&mut chunk))
                .await
                .ok()?
                .ok()?;
            if n == 0 {
                return None;
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    fn parse(&mut self) -> Option<Frame> {
        let b = &self.buf;
        if b.len() < 2 {
            return None;
        }
        let (mut len, mut off) = ((b[1] & 0x7f) as usize, 2);
        if len == 126 {
            if b.len() < 4 {
                return None;
            }
            len = u16::from_be_bytes([b[2], b[3]]) as usize;
            off = 4;
        } else if len == 127 {
            if b.len() < 10 {
                return None;
            }
            len = u64::from_be_bytes(b[2..10].try_into().unwrap()) as usize;
            off = 10;
        }
        if b.len() < off + len {
            return None;
        }
        let frame = Frame {
            fin: b[0] & 0x80 != 0,
            opcode: b[0] & 0x0f,
            payload: b[off..off + len].to_vec(),
        };
        self.buf.drain(..off + len);
        Some(frame)
    }

    /// Skips data frames until a close frame; returns its code and reason.
    pub async fn expect_close(&mut self) -> (u16, String) {
        while let Some(frame) = self.read_frame(Duration::from_secs(10)).await {
            if frame.opcode == op::CLOSE {
                assert!(frame.payload.len() >= 2, "close frame without a code");
                let code = u16::from_be_bytes([frame.payload[0], frame.payload[1]]);
                let reason = String::from_utf8_lossy(&frame.payload[2..]).into_owned();
                return (code, reason);
            }
        }
        panic!("connection ended without a close frame");
    }
}
