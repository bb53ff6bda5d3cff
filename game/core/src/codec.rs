//! The one encode/decode pair for the wire: serde + bincode 2 with one configuration.
//!
//! Every byte Arena sends or receives goes through here, and this is the only module that names
//! bincode, so a move to a bincode-compatible crate touches one file. Decoding is bounded: a
//! message may claim at most [`DECODE_LIMIT_BYTES`] of allocations, must be shorter than
//! [`MAX_MESSAGE_BYTES`], and must be consumed exactly (no trailing bytes).

use bincode::config::{self, Configuration, Limit, LittleEndian, Varint};
use serde::{de::DeserializeOwned, Serialize};

/// Largest encoded message either side accepts, in bytes. The server's limit for client frames is
/// configured separately (and is smaller); this bounds everything the codec will look at.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Most bytes a single decode may claim for strings, byte buffers and containers.
pub const DECODE_LIMIT_BYTES: usize = 64 * 1024;

type WireConfig = Configuration<LittleEndian, Varint, Limit<DECODE_LIMIT_BYTES>>;

/// Largest stored value (a replay) [`decode_stored`] reads, in bytes and in claimed allocations.
pub const MAX_STORED_BYTES: usize = 64 * 1024 * 1024;

/// The wire's encoding with room for stored values (replays): the same bytes, a larger limit.
const STORED: Configuration<LittleEndian, Varint, Limit<MAX_STORED_BYTES>> = config::standard()
    .with_little_endian()
    .with_variable_int_encoding()
    .with_limit::<MAX_STORED_BYTES>();

/// Little-endian, variable-length integers (see docs/protocol.md), bounded allocations.
const WIRE: WireConfig = config::standard()
    .with_little_endian()
    .with_variable_int_encoding()
    .with_limit::<DECODE_LIMIT_BYTES>();

/// Why bytes did not decode into a message.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    /// The message is longer than [`MAX_MESSAGE_BYTES`] (or the caller's own limit).
    #[error("message of {len} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Length of the message.
        len: usize,
        /// The limit it exceeded.
        limit: usize,
    },
    /// The bytes claim more memory than the decoder allows (e.g. a huge length prefix).
    #[error("message claims more than {DECODE_LIMIT_BYTES} bytes of allocations")]
    LimitExceeded,
    /// A message decoded but bytes were left over.
    #[error("{0} trailing bytes after the message")]
    TrailingBytes(usize),
    /// The bytes are not a valid message (unknown tag, truncated, bad UTF-8, ...).
    #[error("malformed message: {0}")]
    Malformed(String),
}

/// Why a message could not be encoded (only a bug or an oversized value causes this).
#[derive(Debug, thiserror::Error)]
#[error("cannot encode message: {0}")]
pub struct EncodeError(String);

/// Encodes a message to a fresh buffer.
pub fn encode<T: Serialize>(msg: &T) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(128);
    encode_into(msg, &mut out)?;
    Ok(out)
}

/// Appends the encoding of `msg` to `out` (reuse the buffer to avoid an allocation per message).
pub fn encode_into<T: Serialize>(msg: &T, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    bincode::serde::encode_into_std_write(msg, out, WIRE)
        .map_err(|e| EncodeError(e.to_string()))?;
    Ok(())
}

/// Decodes exactly one message from `bytes`, refusing oversized input and trailing bytes.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    decode_limited(bytes, MAX_MESSAGE_BYTES)
}

/// Like [`decode`] with a tighter size limit (the server's client-frame limit).
pub fn decode_limited<T: DeserializeOwned>(bytes: &[u8], limit: usize) -> Result<T, DecodeError> {
    let limit = limit.min(MAX_MESSAGE_BYTES);
    if bytes.len() > limit {
        return Err(DecodeError::TooLarge {
            len: bytes.len(),
            limit,
        });
    }
    match bincode::serde::decode_from_slice::<T, _>(bytes, WIRE) {
        Ok((msg, used)) if used == bytes.len() => Ok(msg),
        Ok((_, used)) => Err(DecodeError::TrailingBytes(bytes.len() - used)),
        Err(bincode::error::DecodeError::LimitExceeded) => Err(DecodeError::LimitExceeded),
        Err(e) => Err(DecodeError::Malformed(e.to_string())),
    }
}

/// Decodes a stored value (a replay) of at most [`MAX_STORED_BYTES`]: the wire's encoding, with
/// the message limits raised to it. Refuses trailing bytes like [`decode`].
pub fn decode_stored<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    if bytes.len() > MAX_STORED_BYTES {
        return Err(DecodeError::TooLarge {
            len: bytes.len(),
            limit: MAX_STORED_BYTES,
        });
    }
    match bincode::serde::decode_from_slice::<T, _>(bytes, STORED) {
        Ok((value, used)) if used == bytes.len() => Ok(value),
        Ok((_, used)) => Err(DecodeError::TrailingBytes(bytes.len() - used)),
        Err(bincode::error::DecodeError::LimitExceeded) => Err(DecodeError::LimitExceeded),
        Err(e) => Err(DecodeError::Malformed(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::*;

    fn sample_snapshot() -> Snapshot {
        Snapshot {
            tick: 123_456,
            server_time_us: 1_764_000_000_000_000,
            phase: Phase::Running,
            view: Payload(vec![7; 100]),
            ack: Some(65_000),
        }
    }

    /// Every server message survives an encode/decode round trip unchanged.
    #[test]
    fn server_messages_round_trip() {
        let msgs = vec![
            ServerMsg::Snapshot(sample_snapshot()),
            ServerMsg::Roster(vec![RosterEntry {
                id: 3,
                name: "zoë".into(),
                connected: false,
                bot: false,
            }]),
            ServerMsg::Error {
                code: error_code::SPECTATOR_INPUT.into(),
                message: "no".into(),
            },
            ServerMsg::Pong {
                client_time_us: u64::MAX,
                server_time_us: 0,
            },
            ServerMsg::MatchEnded {
                reason: EndReason::ScoreLimit,
                scoreboard: vec![ScoreLine {
                    id: 0,
                    name: "a".into(),
                    team: Some(1),
                    score: -3,
                    stats: vec![300, -1],
                }],
            },
            ServerMsg::Delta(Delta {
                tick: 70_000,
                back: 1,
                since_us: 50_012,
                phase: Phase::Running,
                check: Some(u32::MAX),
                view: Payload(vec![4, 4, 0]),
                ack: None,
            }),
        ];
        for m in msgs {
            let bytes = encode(&m).unwrap();
            assert_eq!(decode::<ServerMsg>(&bytes).unwrap(), m);
        }
    }

    /// Client messages round-trip; an input is its sequence number and the game's bytes.
    #[test]
    fn client_messages_round_trip() {
        let input = ClientMsg::Input {
            seq: 300,
            input: Payload(vec![17, 200]),
        };
        let bytes = encode(&input).unwrap();
        assert_eq!(bytes, vec![0, 0x2c, 0x01, 2, 17, 200]);
        assert_eq!(decode::<ClientMsg>(&bytes).unwrap(), input);
        let chat = ClientMsg::Chat("gg".into());
        assert_eq!(decode::<ClientMsg>(&encode(&chat).unwrap()).unwrap(), chat);
        assert_eq!(encode(&ClientMsg::Resync).unwrap(), vec![3]);
    }

    /// The envelope around a view costs a fixed, small header.
    #[test]
    fn snapshot_envelope_is_compact() {
        let bytes = encode(&ServerMsg::Snapshot(sample_snapshot())).unwrap();
        // 1 tag + 5 tick + 9 time + 1 phase + 1 length + 100 view + 3 ack
        assert_eq!(bytes.len(), 17 + 100 + 3);
    }

    /// A delta's envelope, for a client that keeps up: tag, tick, back, time since the
    /// baseline, phase, no check, the delta's length; then the recipient's ack.
    #[test]
    fn delta_envelope_is_compact() {
        let delta = Delta {
            tick: 1200,
            back: 1,
            since_us: 50_000,
            phase: Phase::Running,
            check: None,
            view: Payload(vec![0; 40]),
            ack: Some(9),
        };
        let bytes = encode(&ServerMsg::Delta(delta.clone())).unwrap();
        // 1 tag + 3 tick + 1 back + 3 since + 1 phase + 1 check + 1 length + 40 + 3 ack
        assert_eq!(bytes.len(), 11 + 40 + 3);
        // The shared part is everything but the ack; the tail completes it.
        let mut shared = Vec::new();
        let msg = ServerMsg::Delta(Delta { ack: None, ..delta });
        encode_shared(&msg, &mut shared).unwrap();
        let (tail, n) = recipient_tail(Some(9));
        shared.extend_from_slice(&tail[..n]);
        assert_eq!(shared, bytes);
    }

    /// A 12-byte message claiming a 2^40-byte string is refused without allocating it.
    #[test]
    fn length_bomb_is_refused() {
        // tag 2 (Chat), then varint u64 marker 253 + 8 bytes of length 2^40, then 2 bytes.
        let mut bomb = vec![2u8, 253];
        bomb.extend_from_slice(&(1u64 << 40).to_le_bytes());
        bomb.extend_from_slice(b"xy");
        assert_eq!(decode::<ClientMsg>(&bomb), Err(DecodeError::LimitExceeded));
        // The same claim for an input payload.
        let mut bomb = vec![0u8, 0, 0, 253];
        bomb.extend_from_slice(&(1u64 << 40).to_le_bytes());
        assert_eq!(decode::<ClientMsg>(&bomb), Err(DecodeError::LimitExceeded));
        // And inside a server message (a vector of roster entries).
        let mut bomb2 = vec![1u8, 253];
        bomb2.extend_from_slice(&(1u64 << 40).to_le_bytes());
        bomb2.extend_from_slice(&[0, 0]);
        assert!(decode::<ServerMsg>(&bomb2).is_err());
    }

    /// Trailing bytes, truncation, unknown tags and oversize input are all refused.
    #[test]
    fn malformed_input_is_refused() {
        let mut bytes = encode(&ClientMsg::Ping { client_time_us: 5 }).unwrap();
        bytes.push(0);
        assert_eq!(
            decode::<ClientMsg>(&bytes),
            Err(DecodeError::TrailingBytes(1))
        );
        assert!(matches!(
            decode::<ClientMsg>(&[0, 1]),
            Err(DecodeError::Malformed(_))
        ));
        assert!(matches!(
            decode::<ClientMsg>(&[9]),
            Err(DecodeError::Malformed(_))
        ));
        assert!(matches!(
            decode::<ClientMsg>(&[]),
            Err(DecodeError::Malformed(_))
        ));
        assert!(matches!(
            decode_limited::<ClientMsg>(&[0; 100], 64),
            Err(DecodeError::TooLarge {
                len: 100,
                limit: 64
            })
        ));
        // Invalid UTF-8 in a chat string.
        assert!(matches!(
            decode::<ClientMsg>(&[2, 2, 0xff, 0xfe]),
            Err(DecodeError::Malformed(_))
        ));
    }

    /// Close codes map to their numbers and back, and only the three final ones stop a
    /// reconnect.
    #[test]
    fn close_codes_are_one_table() {
        for c in CloseCode::ALL {
            assert_eq!(CloseCode::from_code(c.code()), Some(c));
        }
        assert_eq!(CloseCode::from_code(1234), None);
        let final_codes: Vec<u16> = CloseCode::ALL
            .into_iter()
            .filter(|c| !c.should_reconnect())
            .map(CloseCode::code)
            .collect();
        assert_eq!(final_codes, [1000, 4001, 4002]);
    }
}
