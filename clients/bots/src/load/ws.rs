//! The client side of RFC 6455, written out by hand for the load client: the upgrade request, the
//! check of the server's answer, parsing server frames in place, and writing masked client
//! frames into a caller's buffer. Nothing here allocates per message.
//!
//! Only what the three targets need: server frames are unmasked and unfragmented (Arena, `ws`
//! and Colyseus send every message as one frame); a fragmented or masked server frame is a
//! protocol error the caller counts. No extensions are offered, so none can be negotiated.

/// `Sec-WebSocket-Key` of every upgrade. RFC 6455 wants a random nonce; it only guards against
/// caches and intermediaries, neither of which exists on loopback, and the servers under test
/// neither check nor remember it. The answer's `Sec-WebSocket-Accept` is not verified for the
/// same reason (it would need SHA-1 and base64 for nothing).
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// Largest server frame the load client accepts, bytes (payload + header). The targets send
/// frames of a few hundred bytes; Arena's codec caps any message at 64 KiB.
pub const MAX_FRAME: usize = 64 * 1024 + 14;

/// Opcodes.
pub const OP_CONT: u8 = 0x0;
pub const OP_TEXT: u8 = 0x1;
pub const OP_BINARY: u8 = 0x2;
pub const OP_CLOSE: u8 = 0x8;
pub const OP_PING: u8 = 0x9;
pub const OP_PONG: u8 = 0xA;

/// The upgrade request for `path_and_query` (e.g. `/ws?token=…`) on `host` (`127.0.0.1:PORT`),
/// naming `subprotocol` when given.
pub fn upgrade_request(host: &str, path_and_query: &str, subprotocol: Option<&str>) -> Vec<u8> {
    let mut r = format!(
        "GET {path_and_query} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n"
    );
    if let Some(p) = subprotocol {
        r.push_str("Sec-WebSocket-Protocol: ");
        r.push_str(p);
        r.push_str("\r\n");
    }
    r.push_str("\r\n");
    r.into_bytes()
}

/// What the bytes received so far say about the upgrade.
#[derive(Debug, PartialEq, Eq)]
pub enum Upgrade {
    /// The answer's head is not complete yet.
    Incomplete,
    /// `101 Switching Protocols`; frames start at this offset.
    Switched(usize),
    /// Any other status (e.g. 401 for a spent token, 409, 503).
    Refused(u16),
    /// Not an HTTP answer, or a head larger than the buffer allows.
    Malformed,
}

/// Reads the server's answer to the upgrade request from `buf`.
pub fn parse_upgrade(buf: &[u8]) -> Upgrade {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return if buf.len() > 8192 {
            Upgrade::Malformed
        } else {
            Upgrade::Incomplete
        };
    };
    // "HTTP/1.1 101 Switching Protocols"
    let status = buf
        .get(9..12)
        .filter(|_| buf.starts_with(b"HTTP/1.1 "))
        .and_then(|s| std::str::from_utf8(s).ok())
        .and_then(|s| s.parse::<u16>().ok());
    match status {
        Some(101) => Upgrade::Switched(end + 4),
        Some(code) => Upgrade::Refused(code),
        None => Upgrade::Malformed,
    }
}

/// One server frame found in a buffer.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Frame {
    /// FIN bit and opcode, as sent.
    pub fin: bool,
    /// Opcode (low 4 bits of the first byte).
    pub opcode: u8,
    /// Payload start, relative to the slice given to [`parse_frame`].
    pub start: usize,
    /// Payload end (exclusive); also the frame's total length.
    pub end: usize,
}

/// Why a frame cannot be read.
#[derive(Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The server masked its frame (RFC 6455 forbids it) or set reserved bits.
    Protocol,
    /// The frame is larger than [`MAX_FRAME`].
    TooBig,
}

/// Parses the frame at the start of `buf`: `Ok(None)` when more bytes are needed.
#[inline]
pub fn parse_frame(buf: &[u8]) -> Result<Option<Frame>, FrameError> {
    if buf.len() < 2 {
        return Ok(None);
    }
    let b0 = buf[0];
    let b1 = buf[1];
    if b0 & 0x70 != 0 || b1 & 0x80 != 0 {
        return Err(FrameError::Protocol);
    }
    let (len, start) = match b1 & 0x7F {
        126 => {
            if buf.len() < 4 {
                return Ok(None);
            }
            (u16::from_be_bytes([buf[2], buf[3]]) as usize, 4)
        }
        127 => {
            if buf.len() < 10 {
                return Ok(None);
            }
            let mut b = [0u8; 8];
            b.copy_from_slice(&buf[2..10]);
            let len = u64::from_be_bytes(b);
            if len > MAX_FRAME as u64 {
                return Err(FrameError::TooBig);
            }
            (len as usize, 10)
        }
        n => (n as usize, 2),
    };
    if start + len > MAX_FRAME {
        return Err(FrameError::TooBig);
    }
    if buf.len() < start + len {
        return Ok(None);
    }
    Ok(Some(Frame {
        fin: b0 & 0x80 != 0,
        opcode: b0 & 0x0F,
        start,
        end: start + len,
    }))
}

/// Header bytes of an unmasked server frame carrying `len` payload bytes.
#[inline]
pub fn server_header_len(len: usize) -> usize {
    match len {
        0..=125 => 2,
        126..=65535 => 4,
        _ => 10,
    }
}

/// A masking-key source: xorshift32, one per connection. RFC 6455 asks for unpredictable keys
/// to protect intermediaries; on loopback the point is only that every frame is masked, which
/// every server checks.
#[derive(Debug, Clone, Copy)]
pub struct MaskRng(u32);

impl MaskRng {
    /// A generator seeded from `seed` (any value; 0 is replaced).
    pub fn new(seed: u32) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9) | 1)
    }

    #[inline]
    fn next(&mut self) -> [u8; 4] {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x.to_ne_bytes()
    }
}

/// Writes one masked client frame (FIN set) of `opcode` carrying `payload` into `out` and returns
/// its length. `out` must hold `payload.len() + 14` bytes; payloads here are at most a few
/// hundred bytes.
#[inline]
pub fn write_client_frame(out: &mut [u8], opcode: u8, payload: &[u8], rng: &mut MaskRng) -> usize {
    let len = payload.len();
    out[0] = 0x80 | (opcode & 0x0F);
    let mut at = if len < 126 {
        out[1] = 0x80 | len as u8;
        2
    } else {
        debug_assert!(len <= 0xFFFF);
        out[1] = 0x80 | 126;
        out[2..4].copy_from_slice(&(len as u16).to_be_bytes());
        4
    };
    let mask = rng.next();
    out[at..at + 4].copy_from_slice(&mask);
    at += 4;
    for (i, b) in payload.iter().enumerate() {
        out[at + i] = b ^ mask[i & 3];
    }
    at + len
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The request names the path, the host, the version and the subprotocol, and ends the head.
    #[test]
    fn request_shape() {
        let r = upgrade_request("127.0.0.1:9", "/ws?token=abc", Some("arena.v3"));
        let r = String::from_utf8(r).unwrap();
        assert!(r.starts_with("GET /ws?token=abc HTTP/1.1\r\nHost: 127.0.0.1:9\r\n"));
        assert!(r.contains("Sec-WebSocket-Version: 13\r\n"));
        assert!(r.contains("Sec-WebSocket-Protocol: arena.v3\r\n"));
        assert!(r.ends_with("\r\n\r\n"));
        let plain = String::from_utf8(upgrade_request("h", "/", None)).unwrap();
        assert!(!plain.contains("Protocol"));
    }

    /// 101 gives the offset of the first frame; other statuses and garbage are told apart.
    #[test]
    fn upgrade_answers() {
        let ok = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x82\x01x";
        assert_eq!(parse_upgrade(ok), Upgrade::Switched(ok.len() - 3));
        assert_eq!(parse_upgrade(b"HTTP/1.1 101 Swi"), Upgrade::Incomplete);
        assert_eq!(
            parse_upgrade(b"HTTP/1.1 401 Unauthorized\r\n\r\n{}"),
            Upgrade::Refused(401)
        );
        assert_eq!(parse_upgrade(b"SSH-2.0\r\n\r\n"), Upgrade::Malformed);
    }

    /// The three length forms, partial frames, and refused masked or reserved-bit frames.
    #[test]
    fn frames() {
        let f = parse_frame(&[0x82, 3, 1, 2, 3, 0x82]).unwrap().unwrap();
        assert_eq!((f.fin, f.opcode, f.start, f.end), (true, OP_BINARY, 2, 5));
        assert_eq!(parse_frame(&[0x82, 3, 1, 2]), Ok(None));
        assert_eq!(parse_frame(&[0x82]), Ok(None));
        let mut mid = vec![0x82, 126, 0x01, 0x00];
        mid.resize(4 + 256, 7);
        let f = parse_frame(&mid).unwrap().unwrap();
        assert_eq!((f.start, f.end), (4, 260));
        assert_eq!(parse_frame(&mid[..100]), Ok(None));
        let big = [0x82, 127, 0, 0, 0, 0, 0, 0x10, 0, 0];
        assert_eq!(parse_frame(&big), Err(FrameError::TooBig));
        assert_eq!(
            parse_frame(&[0x82, 0x81, 0, 0, 0, 0, 0]),
            Err(FrameError::Protocol)
        );
        assert_eq!(parse_frame(&[0xC2, 0]), Err(FrameError::Protocol));
        let f = parse_frame(&[0x02, 0]).unwrap().unwrap();
        assert!(!f.fin);
        assert_eq!(server_header_len(125), 2);
        assert_eq!(server_header_len(126), 4);
        assert_eq!(server_header_len(70_000), 10);
    }

    /// A client frame is masked and unmasks back to the payload.
    #[test]
    fn client_frame_roundtrip() {
        let mut rng = MaskRng::new(7);
        let mut out = [0u8; 64];
        let payload = [0u8, 0x2c, 0x01, 0x02, 0x11, 0xc8];
        let n = write_client_frame(&mut out, OP_BINARY, &payload, &mut rng);
        assert_eq!(n, 12);
        assert_eq!(out[0], 0x82);
        assert_eq!(out[1], 0x80 | 6);
        let mask = [out[2], out[3], out[4], out[5]];
        let unmasked: Vec<u8> = out[6..n]
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ mask[i & 3])
            .collect();
        assert_eq!(unmasked, payload);
        // The next frame gets another key.
        let n2 = write_client_frame(&mut out, OP_BINARY, &payload, &mut rng);
        assert_eq!(n2, 12);
        assert_ne!([out[2], out[3], out[4], out[5]], mask);
        let long = [9u8; 200];
        let n3 = write_client_frame(&mut out.repeat(4), OP_BINARY, &long, &mut rng);
        assert_eq!(n3, 4 + 4 + 200);
    }
}
