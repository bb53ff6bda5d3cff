//! Property-based fuzzing of the envelope's decoders a peer can reach, on stable Rust
//! (`ClientMsg`, which the server reads from every WebSocket binary frame; `ServerMsg`, which the
//! bots and the browser read), `decode_limited` (the server's client-frame limit), the snapshot
//! deltas and their rebuilding, and the JSON bodies of the lobby API (`serde_json`, as actix's
//! `web::Json` does). Each game's own payloads (its input, view and facts) are fuzzed by the
//! game's own tests with the same contract (`arena_game::game_tests!`, `arena_game::testing`).
//!
//! What it proves, for arbitrary bytes, mutated valid encodings and crafted length bombs:
//! decoding never panics, refuses oversized input and trailing bytes with the documented error, and
//! every accepted input decodes to a message that re-encodes canonically and decodes again to
//! itself; every valid message of every variant round-trips exactly, and every strict prefix of its
//! encoding is refused. Memory is checked separately in `decode_alloc_bound.rs`.
//!
//! The default case count (proptest's 256 per property) keeps `cargo test` fast; `.ci/fuzz.sh`
//! runs the same properties with `PROPTEST_CASES` raised. See docs/fuzzing.md.

use arena_game::api::{CreateMatchRequest, JoinRequest};
use arena_game::codec::{
    decode, decode_limited, encode, DecodeError, DECODE_LIMIT_BYTES, MAX_MESSAGE_BYTES,
};
use arena_game::protocol::{
    ClientMsg, Delta, EndReason, Payload, Phase, Role, RosterEntry, ScoreLine, ServerMsg, Snapshot,
    Welcome,
};
use proptest::prelude::*;
use proptest::sample::Index;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;

// ---------------------------------------------------------------------------------------------
// Strategies: every envelope variant and every game payload, biased towards varint boundaries.
// ---------------------------------------------------------------------------------------------

/// Integers that sit on bincode varint boundaries (250/251 single byte vs u16 marker, then u16,
/// u32 and u64 widths), mixed with uniform values.
fn edge_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => any::<u64>(),
        1 => prop::sample::select(vec![
            0,
            1,
            250,
            251,
            252,
            255,
            256,
            u16::MAX as u64 - 1,
            u16::MAX as u64,
            u16::MAX as u64 + 1,
            u32::MAX as u64,
            u32::MAX as u64 + 1,
            u64::MAX - 1,
            u64::MAX,
        ]),
        2 => 0u64..300,
    ]
}

fn edge_u32() -> impl Strategy<Value = u32> {
    edge_u64().prop_map(|v| v as u32)
}

fn edge_u16() -> impl Strategy<Value = u16> {
    edge_u64().prop_map(|v| v as u16)
}

/// i32s around the zigzag varint boundaries (±125/126, ±32767/32768) and the extremes.
fn edge_i32() -> impl Strategy<Value = i32> {
    prop_oneof![
        any::<i32>(),
        -130i32..130,
        prop::sample::select(vec![i32::MIN, i32::MAX, -32_768, 32_767, -32_769, 32_768]),
    ]
}

/// Strings of any Unicode, from empty to just over the 250-byte single-byte length boundary.
fn wire_string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z0-9_ -]{0,32}",
        4 => prop::collection::vec(any::<char>(), 0..40).prop_map(String::from_iter),
        1 => prop::collection::vec(any::<char>(), 60..=260).prop_map(String::from_iter),
        1 => (249usize..=252).prop_map(|n| "x".repeat(n)),
    ]
}

/// A game's bytes inside the envelope, across the one-byte length boundary.
fn payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..40),
        1 => prop::collection::vec(any::<u8>(), 245..=260),
    ]
    .prop_map(Payload)
}

/// Every [`ClientMsg`] variant.
fn client_msg() -> impl Strategy<Value = ClientMsg> {
    prop_oneof![
        (any::<u16>(), payload()).prop_map(|(seq, input)| ClientMsg::Input { seq, input }),
        edge_u64().prop_map(|client_time_us| ClientMsg::Ping { client_time_us }),
        wire_string().prop_map(ClientMsg::Chat),
        Just(ClientMsg::Resync),
    ]
}

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![Just(Role::Player), Just(Role::Spectator)]
}

fn phase() -> impl Strategy<Value = Phase> {
    prop_oneof![
        Just(Phase::Waiting),
        Just(Phase::Running),
        Just(Phase::Ended)
    ]
}

fn end_reason() -> impl Strategy<Value = EndReason> {
    prop_oneof![
        Just(EndReason::TimeLimit),
        Just(EndReason::ScoreLimit),
        Just(EndReason::Host),
        Just(EndReason::Shutdown),
    ]
}

fn welcome() -> impl Strategy<Value = Welcome> {
    (
        (edge_u16(), wire_string(), wire_string(), role()),
        (
            any::<Option<u8>>(),
            wire_string(),
            any::<u8>(),
            any::<u8>(),
            payload(),
        ),
    )
        .prop_map(
            |(
                (protocol, match_id, game, role),
                (player_id, match_name, max_players, tick_hz, facts),
            )| {
                Welcome {
                    protocol,
                    match_id,
                    game,
                    role,
                    player_id,
                    match_name,
                    max_players,
                    tick_hz,
                    facts,
                }
            },
        )
}

fn snapshot() -> impl Strategy<Value = Snapshot> {
    (
        edge_u32(),
        edge_u64(),
        phase(),
        payload(),
        any::<Option<u16>>(),
    )
        .prop_map(|(tick, server_time_us, phase, view, ack)| Snapshot {
            tick,
            server_time_us,
            phase,
            view,
            ack,
        })
}

fn delta_msg() -> impl Strategy<Value = Delta> {
    (
        (edge_u32(), prop_oneof![0u32..40, edge_u32()], edge_u32()),
        phase(),
        any::<Option<u32>>(),
        payload(),
        any::<Option<u16>>(),
    )
        .prop_map(|((tick, back, since_us), phase, check, view, ack)| Delta {
            tick,
            back,
            since_us,
            phase,
            check,
            view,
            ack,
        })
}

fn roster_entry() -> impl Strategy<Value = RosterEntry> {
    (any::<u8>(), wire_string(), any::<bool>(), any::<bool>()).prop_map(
        |(id, name, connected, bot)| RosterEntry {
            id,
            name,
            connected,
            bot,
        },
    )
}

fn score_line() -> impl Strategy<Value = ScoreLine> {
    (
        any::<u8>(),
        wire_string(),
        any::<Option<u8>>(),
        edge_i32(),
        prop::collection::vec(edge_i32(), 0..8),
    )
        .prop_map(|(id, name, team, score, stats)| ScoreLine {
            id,
            name,
            team,
            score,
            stats,
        })
}

/// Every [`ServerMsg`] variant.
fn server_msg() -> impl Strategy<Value = ServerMsg> {
    prop_oneof![
        welcome().prop_map(ServerMsg::Welcome),
        prop::collection::vec(roster_entry(), 0..=64).prop_map(ServerMsg::Roster),
        snapshot().prop_map(ServerMsg::Snapshot),
        (wire_string(), wire_string())
            .prop_map(|(code, message)| ServerMsg::Error { code, message }),
        (edge_u64(), edge_u64()).prop_map(|(client_time_us, server_time_us)| ServerMsg::Pong {
            client_time_us,
            server_time_us,
        }),
        (any::<Option<u8>>(), wire_string(), wire_string())
            .prop_map(|(from, name, text)| ServerMsg::Chat { from, name, text }),
        (end_reason(), prop::collection::vec(score_line(), 0..=64))
            .prop_map(|(reason, scoreboard)| ServerMsg::MatchEnded { reason, scoreboard }),
        delta_msg().prop_map(ServerMsg::Delta),
    ]
}

// ---------------------------------------------------------------------------------------------
// Byte-level inputs: random bytes, tag-led bytes, and mutations of valid encodings.
// ---------------------------------------------------------------------------------------------

/// One edit of an encoded message.
#[derive(Debug, Clone)]
enum Mutation {
    /// Keep only the first `at` bytes.
    Truncate(Index),
    /// XOR one byte with a non-zero mask.
    Flip(Index, u8),
    /// Overwrite one byte, favouring varint markers (251..=255) and small tags.
    Set(Index, u8),
    /// Insert a byte.
    Insert(Index, u8),
    /// Remove a byte.
    Remove(Index),
    /// Append bytes.
    Append(Vec<u8>),
    /// Replace one byte with a varint u64 marker and a huge length (a planted length bomb).
    PlantBomb(Index, u64),
}

fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![any::<u8>(), 250u8..=255, 0u8..8]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), 1u8..=255).prop_map(|(i, m)| Mutation::Flip(i, m)),
        (any::<Index>(), interesting_byte()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<Index>(), interesting_byte()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<Index>().prop_map(Mutation::Remove),
        prop::collection::vec(any::<u8>(), 1..8).prop_map(Mutation::Append),
        (any::<Index>(), edge_u64()).prop_map(|(i, n)| Mutation::PlantBomb(i, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len();
    match m {
        Mutation::Truncate(i) => bytes.truncate(i.index(len + 1)),
        Mutation::Flip(i, mask) if len > 0 => bytes[i.index(len)] ^= mask,
        Mutation::Set(i, b) if len > 0 => bytes[i.index(len)] = *b,
        Mutation::Insert(i, b) => bytes.insert(i.index(len + 1), *b),
        Mutation::Remove(i) if len > 0 => {
            bytes.remove(i.index(len));
        }
        Mutation::Append(extra) => bytes.extend_from_slice(extra),
        Mutation::PlantBomb(i, n) if len > 0 => {
            let at = i.index(len);
            let mut bomb = vec![253u8];
            bomb.extend_from_slice(&n.to_le_bytes());
            bytes.splice(at..at + 1, bomb);
        }
        _ => {}
    }
}

/// Arbitrary input for a decoder: pure noise, a plausible tag followed by noise, or a valid
/// encoding of `T` run through up to four mutations.
fn decoder_input<T: Serialize + Debug>(
    valid: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Vec<u8>> {
    let mutated = (valid, prop::collection::vec(mutation(), 1..=4)).prop_map(|(msg, muts)| {
        let mut bytes = encode(&msg).expect("valid messages encode");
        for m in &muts {
            apply(&mut bytes, m);
        }
        bytes
    });
    prop_oneof![
        2 => prop::collection::vec(any::<u8>(), 0..256),
        2 => (0u8..9, prop::collection::vec(interesting_byte(), 0..128)).prop_map(|(tag, rest)| {
            let mut bytes = vec![tag];
            bytes.extend(rest);
            bytes
        }),
        4 => mutated,
    ]
}

// ---------------------------------------------------------------------------------------------
// Invariants.
// ---------------------------------------------------------------------------------------------

/// Equal as values, or (for messages carrying NaN, which is not equal to itself) equal on the
/// wire. The wire check is bit-exact, so it also catches a NaN payload or -0.0 lost in transit.
#[allow(clippy::eq_op)] // `a != a` is the NaN test
fn same_message<T: Serialize + PartialEq>(a: &T, b: &T) -> bool {
    encode(a).expect("encode a") == encode(b).expect("encode b") && (a == b || a != a)
}

/// What must hold for any bytes at all, whatever decoded (or did not).
fn check_any_bytes<T>(bytes: &[u8], limit: usize) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let result = decode::<T>(bytes);
    match &result {
        Err(DecodeError::TooLarge { len, limit }) => {
            prop_assert_eq!(*len, bytes.len());
            prop_assert_eq!(*limit, MAX_MESSAGE_BYTES);
            prop_assert!(bytes.len() > MAX_MESSAGE_BYTES);
        }
        Err(DecodeError::TrailingBytes(n)) => {
            // The message before the trailing bytes decodes on its own.
            prop_assert!(*n >= 1 && *n <= bytes.len());
            prop_assert!(decode::<T>(&bytes[..bytes.len() - n]).is_ok());
        }
        Err(DecodeError::LimitExceeded | DecodeError::Malformed(_)) => {}
        Ok(msg) => {
            // An accepted input re-encodes canonically: never longer (bincode accepts
            // over-long varints, see docs/fuzzing.md), and stable from then on.
            let canonical = encode(msg).expect("a decoded message encodes");
            prop_assert!(canonical.len() <= bytes.len());
            let again = decode::<T>(&canonical).expect("canonical re-encoding decodes");
            prop_assert!(same_message(&again, msg), "{:?} != {:?}", again, msg);
        }
    }
    // decode_limited is decode plus a size check, with the limit capped at MAX_MESSAGE_BYTES.
    let effective = limit.min(MAX_MESSAGE_BYTES);
    let limited = decode_limited::<T>(bytes, limit);
    if bytes.len() > effective {
        prop_assert_eq!(
            limited,
            Err(DecodeError::TooLarge {
                len: bytes.len(),
                limit: effective
            })
        );
    } else {
        prop_assert_eq!(limited.is_ok(), result.is_ok());
        if let (Err(a), Err(b)) = (&limited, &result) {
            prop_assert_eq!(a, b);
        }
    }
    Ok(())
}

/// What must hold for a valid message: exact round trip, canonical bytes, every strict prefix
/// refused as malformed, appended bytes refused as trailing, and the size limit is inclusive.
fn check_valid<T>(msg: &T, extra: &[u8]) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let bytes = encode(msg).expect("valid messages encode");
    prop_assert!(bytes.len() <= MAX_MESSAGE_BYTES);
    let back = decode::<T>(&bytes);
    prop_assert!(back.is_ok(), "{:?} did not decode: {:?}", msg, back);
    let back = back.unwrap();
    prop_assert!(same_message(&back, msg), "{:?} != {:?}", back, msg);
    prop_assert_eq!(encode(&back).unwrap(), bytes.clone());

    prop_assert!(decode_limited::<T>(&bytes, bytes.len()).is_ok());
    if !bytes.is_empty() {
        prop_assert_eq!(
            decode_limited::<T>(&bytes, bytes.len() - 1).err(),
            Some(DecodeError::TooLarge {
                len: bytes.len(),
                limit: bytes.len() - 1
            })
        );
    }

    // Every strict prefix: decoding reads left to right, so a prefix that decoded would make the
    // whole message decode with trailing bytes. Long encodings are sampled, not exhausted.
    let step = (bytes.len() / 64).max(1);
    for cut in (0..bytes.len()).step_by(step).chain([bytes.len() - 1]) {
        let prefix = decode::<T>(&bytes[..cut]);
        prop_assert!(
            matches!(prefix, Err(DecodeError::Malformed(_))),
            "prefix of {} bytes of {:?}: {:?}",
            cut,
            msg,
            prefix
        );
    }

    if !extra.is_empty() {
        let mut longer = bytes.clone();
        longer.extend_from_slice(extra);
        if longer.len() <= MAX_MESSAGE_BYTES {
            prop_assert_eq!(
                decode::<T>(&longer).err(),
                Some(DecodeError::TrailingBytes(extra.len()))
            );
        }
    }
    Ok(())
}

/// For one decoder: any bytes keep the contract, every valid value round-trips.
macro_rules! decoder_properties {
    ($name:ident, $ty:ty, $strategy:expr) => {
        mod $name {
            use super::*;

            proptest! {
                /// Any bytes at all: the decoder never panics and keeps its contract.
                #[test]
                fn any_bytes_keep_the_contract(
                    bytes in decoder_input($strategy),
                    limit in prop_oneof![0usize..300, Just(MAX_MESSAGE_BYTES), any::<usize>()],
                ) {
                    check_any_bytes::<$ty>(&bytes, limit)?;
                }

                /// Every valid value round-trips exactly; prefixes and suffixes are refused.
                #[test]
                fn every_value_round_trips(
                    msg in $strategy,
                    extra in prop::collection::vec(any::<u8>(), 0..4),
                ) {
                    check_valid(&msg, &extra)?;
                }
            }
        }
    };
}

decoder_properties!(client_msg_decoder, ClientMsg, client_msg());
decoder_properties!(server_msg_decoder, ServerMsg, server_msg());

proptest! {
    /// Client bytes fed to the server decoder and server bytes to the client decoder (a confused
    /// or hostile peer): no panic, contract kept. (Each game's own payloads are fuzzed by its
    /// own tests: `arena_game::game_tests!`.)
    #[test]
    fn crossed_decoders_keep_the_contract(
        client in decoder_input(client_msg()),
        server in decoder_input(server_msg()),
    ) {
        check_any_bytes::<ServerMsg>(&client, MAX_MESSAGE_BYTES)?;
        check_any_bytes::<ClientMsg>(&server, MAX_MESSAGE_BYTES)?;
    }

    /// A string, payload or vector length claiming more than the decode limit is refused:
    /// strings and payloads with `LimitExceeded` before any allocation, vectors (whose serde path
    /// does not claim the limit up front) with an error once the input runs out. See
    /// decode_alloc_bound.rs for memory.
    #[test]
    fn length_bombs_are_refused(
        site in 0usize..LENGTH_SITES.len(),
        claim in prop_oneof![
            (DECODE_LIMIT_BYTES as u64 + 1)..=u64::MAX,
            (DECODE_LIMIT_BYTES as u64 + 1)..=(u32::MAX as u64),
            prop::sample::select(vec![DECODE_LIMIT_BYTES as u64 + 1, 1 << 32, 1 << 40, u64::MAX]),
        ],
        tail in prop::collection::vec(any::<u8>(), 0..16),
    ) {
        let (kind, name, prefix) = LENGTH_SITES[site];
        let bytes = with_length_claim(prefix, claim, &tail);
        let result = kind.decode(&bytes);
        if kind.claimed {
            prop_assert_eq!(result, Err(DecodeError::LimitExceeded), "{} claiming {}", name, claim);
        } else {
            prop_assert!(result.is_err(), "{} claiming {} decoded", name, claim);
        }
    }

    /// Lengths under the limit but past the end of the input are refused as malformed.
    #[test]
    fn honest_lengths_past_the_end_are_refused(
        site in 0usize..LENGTH_SITES.len(),
        claim in 17u64..=DECODE_LIMIT_BYTES as u64,
        tail in prop::collection::vec(any::<u8>(), 0..16),
    ) {
        let (kind, name, prefix) = LENGTH_SITES[site];
        let bytes = with_length_claim(prefix, claim, &tail);
        prop_assert!(kind.decode(&bytes).is_err(), "{} claiming {} decoded", name, claim);
    }

    /// The lobby API's JSON bodies (actix `web::Json` uses serde_json) never panic on any bytes,
    /// and whatever they accept serializes and parses back to the same fields.
    #[test]
    fn lobby_json_bodies_never_panic(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..128),
            json_like().prop_map(String::into_bytes),
        ],
    ) {
        if let Ok(req) = serde_json::from_slice::<CreateMatchRequest>(&bytes) {
            let again: CreateMatchRequest =
                serde_json::from_str(&serde_json::to_string(&req).unwrap()).unwrap();
            prop_assert_eq!(format!("{again:?}"), format!("{req:?}"));
        }
        if let Ok(req) = serde_json::from_slice::<JoinRequest>(&bytes) {
            let again: JoinRequest =
                serde_json::from_str(&serde_json::to_string(&req).unwrap()).unwrap();
            prop_assert_eq!(format!("{again:?}"), format!("{req:?}"));
        }
    }
}

/// JSON-shaped text close to the lobby bodies: the right keys with odd values, nesting, escapes.
fn json_like() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "name",
        "role",
        "max_players",
        "tick_hz",
        "game",
        "settings",
        "extra",
        "",
    ]);
    let value = prop_oneof![
        Just("{\"time_limit_s\": 30, \"x\": [1]}".to_owned()),
        Just("\"ctf\"".to_owned()),
        Just("\"player\"".to_owned()),
        Just("\"spectator\"".to_owned()),
        Just("null".to_owned()),
        Just("[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
        "\"(\\\\u[0-9a-fA-F]{4}|[^\"\\\\]){0,40}\"",
        ".{0,20}",
    ];
    prop::collection::vec((key, value), 0..6).prop_map(|fields| {
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", body.join(","))
    })
}

/// Which decoder a length site belongs to and whether its length is claimed against the decode
/// limit up front (strings and payloads are; serde sequences are not).
#[derive(Clone, Copy)]
struct SiteKind {
    decoder: Decoder,
    claimed: bool,
}

#[derive(Clone, Copy)]
enum Decoder {
    Client,
    Server,
}

impl SiteKind {
    fn decode(self, bytes: &[u8]) -> Result<(), DecodeError> {
        match self.decoder {
            Decoder::Client => decode::<ClientMsg>(bytes).map(|_| ()),
            Decoder::Server => decode::<ServerMsg>(bytes).map(|_| ()),
        }
    }
}

const CLIENT_CLAIMED: SiteKind = SiteKind {
    decoder: Decoder::Client,
    claimed: true,
};
const SERVER_CLAIMED: SiteKind = SiteKind {
    decoder: Decoder::Server,
    claimed: true,
};
const SERVER_VEC: SiteKind = SiteKind {
    decoder: Decoder::Server,
    claimed: false,
};

/// Every length prefix a message has, as the bytes that lead up to it (all other fields zero).
const LENGTH_SITES: &[(SiteKind, &str, &[u8])] = &[
    (CLIENT_CLAIMED, "ClientMsg::Chat", &[2]),
    // Input: tag 0, seq (2 bytes), then the payload.
    (CLIENT_CLAIMED, "ClientMsg::Input.input", &[0, 0, 0]),
    // Welcome: tag 0, protocol 2, match_id, game, role 0, player_id None, match_name,
    // max_players, tick_hz, facts.
    (SERVER_CLAIMED, "Welcome.match_id", &[0, 2]),
    (SERVER_CLAIMED, "Welcome.game", &[0, 2, 0]),
    (SERVER_CLAIMED, "Welcome.match_name", &[0, 2, 0, 0, 0, 0]),
    (
        SERVER_CLAIMED,
        "Welcome.facts",
        &[0, 2, 0, 0, 0, 0, 0, 8, 20],
    ),
    (SERVER_VEC, "Roster", &[1]),
    (SERVER_CLAIMED, "RosterEntry.name", &[1, 1, 0]),
    // Snapshot: tag 2, tick, server_time_us, phase, view, ack.
    (SERVER_CLAIMED, "Snapshot.view", &[2, 0, 0, 0]),
    // Delta: tag 7, tick, back, since_us, phase, check (none), view, ack.
    (SERVER_CLAIMED, "Delta.view", &[7, 0, 0, 0, 0, 0]),
    (SERVER_CLAIMED, "Error.code", &[3]),
    (SERVER_CLAIMED, "Error.message", &[3, 0]),
    (SERVER_CLAIMED, "Chat.name", &[5, 0]),
    (SERVER_CLAIMED, "Chat.text", &[5, 0, 0]),
    (SERVER_VEC, "MatchEnded.scoreboard", &[6, 0]),
    (SERVER_CLAIMED, "ScoreLine.name", &[6, 0, 1, 0]),
    (SERVER_VEC, "ScoreLine.stats", &[6, 0, 1, 0, 0, 0, 0]),
];

/// `prefix`, then `claim` as a bincode varint length, then `tail`.
fn with_length_claim(prefix: &[u8], claim: u64, tail: &[u8]) -> Vec<u8> {
    let mut bytes = prefix.to_vec();
    match claim {
        0..=250 => bytes.push(claim as u8),
        251..=0xffff => {
            bytes.push(251);
            bytes.extend_from_slice(&(claim as u16).to_le_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            bytes.push(252);
            bytes.extend_from_slice(&(claim as u32).to_le_bytes());
        }
        _ => {
            bytes.push(253);
            bytes.extend_from_slice(&claim.to_le_bytes());
        }
    }
    bytes.extend_from_slice(tail);
    bytes
}

/// The length sites are where they say: with an honest zero length and the rest of the message
/// filled in, each decodes, so the bomb tests above hit the field they name.
#[test]
fn length_sites_point_at_length_prefixes() {
    // What follows a zero-length field so that the whole message is complete.
    let completions: &[&[u8]] = &[
        &[],
        &[],
        &[0, 0, 0, 0, 0, 0, 0],
        &[0, 0, 0, 0, 0, 0],
        &[0, 0, 0],
        &[],
        &[],
        &[0, 0],
        &[0],
        &[0],
        &[0],
        &[],
        &[0],
        &[],
        &[],
        &[0, 0, 0],
        &[],
    ];
    assert_eq!(completions.len(), LENGTH_SITES.len());
    for ((kind, name, prefix), rest) in LENGTH_SITES.iter().zip(completions) {
        let bytes = with_length_claim(prefix, 0, rest);
        assert!(
            kind.decode(&bytes).is_ok(),
            "{name}: {bytes:?} should decode with an empty field"
        );
    }
}

/// bincode accepts over-long varints (a length of 0 written with the u16 marker): the message
/// decodes to the same value as its canonical form, which is shorter. Harmless while nothing
/// compares raw bytes; pinned here so a codec change that starts refusing them is noticed.
#[test]
fn over_long_varints_decode_to_the_canonical_message() {
    let canonical = encode(&ClientMsg::Chat(String::new())).unwrap();
    assert_eq!(canonical, vec![2, 0]);
    assert_eq!(
        decode::<ClientMsg>(&[2, 251, 0, 0]).unwrap(),
        ClientMsg::Chat(String::new())
    );
}

/// A target close to its baseline, as consecutive snapshots are: the baseline with a few bytes
/// changed, some appended or cut.
fn near_pair() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    (
        prop::collection::vec(any::<u8>(), 0..300),
        prop::collection::vec((any::<Index>(), any::<u8>()), 0..12),
        -8i32..8,
    )
        .prop_map(|(base, changes, grow)| {
            let mut target = base.clone();
            for (at, byte) in changes {
                if !target.is_empty() {
                    let i = at.index(target.len());
                    target[i] = byte;
                }
            }
            if grow >= 0 {
                target.extend(std::iter::repeat_n(0xA5, grow as usize));
            } else {
                target.truncate(target.len().saturating_sub((-grow) as usize));
            }
            (base, target)
        })
}

proptest! {
    /// The snapshot delta (`arena_game::delta`) undoes itself exactly, for near and for unrelated
    /// pairs, and a near pair's delta is never much larger than the target.
    #[test]
    fn deltas_round_trip(
        (base, target) in prop_oneof![
            near_pair(),
            (prop::collection::vec(any::<u8>(), 0..200), prop::collection::vec(any::<u8>(), 0..200)),
        ],
    ) {
        let mut delta = Vec::new();
        arena_game::delta::encode(&base, &target, &mut delta);
        let mut back = Vec::new();
        arena_game::delta::apply(&base, &delta, MAX_MESSAGE_BYTES, &mut back).unwrap();
        prop_assert_eq!(&back, &target);
        // Worst case: a length, then one run per MIN_ZERO_RUN + 1 bytes at most.
        prop_assert!(delta.len() <= 6 + target.len() + 2 * (target.len() / 4 + 1) * 5);
    }

    /// Any bytes as a delta, against any baseline: never a panic, never a target above the
    /// limit, and what is accepted re-encodes to a delta that gives the same target.
    #[test]
    fn any_delta_bytes_keep_the_contract(
        base in prop::collection::vec(any::<u8>(), 0..64),
        delta in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..64),
            (near_pair(), prop::collection::vec((any::<Index>(), any::<u8>()), 1..4)).prop_map(
                |((b, t), flips)| {
                    let mut d = Vec::new();
                    arena_game::delta::encode(&b, &t, &mut d);
                    for (at, byte) in flips {
                        let i = at.index(d.len());
                        d[i] = byte;
                    }
                    d
                }
            ),
        ],
        limit in 0usize..512,
    ) {
        let mut out = Vec::new();
        if arena_game::delta::apply(&base, &delta, limit, &mut out).is_ok() {
            prop_assert!(out.len() <= limit);
            let mut again = Vec::new();
            arena_game::delta::encode(&base, &out, &mut again);
            let mut back = Vec::new();
            arena_game::delta::apply(&base, &again, limit, &mut back).unwrap();
            prop_assert_eq!(back, out);
        }
    }

    /// A client's rebuilder (`arena_game::rebuild`) fed any stream of keyframes and deltas, valid,
    /// corrupted or unrelated: never a panic, never more than the window held, and a delta that
    /// is rebuilt is exactly its baseline plus the delta.
    #[test]
    fn any_snapshot_stream_keeps_the_rebuilder_sound(
        steps in prop::collection::vec(
            (0u8..4, 1u32..4, prop::collection::vec(any::<u8>(), 0..24), any::<Index>(), any::<u8>()),
            1..40,
        ),
    ) {
        use arena_game::rebuild::{Rebuilder, Rebuilt};
        let mut r = Rebuilder::new();
        let mut tick = 0u32;
        // What the client should hold: (tick, view) it accepted.
        let mut views: Vec<(u32, Vec<u8>)> = Vec::new();
        for (kind, advance, target, at, flip) in steps {
            tick += advance;
            let msg = match kind {
                0 => ServerMsg::Snapshot(Snapshot {
                    tick,
                    view: Payload(target.clone()),
                    ..Snapshot::default()
                }),
                _ => {
                    let (base_tick, base) = views.last().cloned().unwrap_or((tick - 1, Vec::new()));
                    let mut d = Vec::new();
                    arena_game::delta::encode(&base, &target, &mut d);
                    if kind == 3 && !d.is_empty() {
                        let i = at.index(d.len());
                        d[i] ^= flip | 1;
                    }
                    ServerMsg::Delta(Delta {
                        tick,
                        back: if kind == 2 { advance } else { tick - base_tick },
                        check: Some(arena_game::protocol::view_checksum(&target)),
                        view: Payload(d),
                        ..Delta::default()
                    })
                }
            };
            match r.accept(msg) {
                Ok(Rebuilt::Snapshot(ServerMsg::Snapshot(s))) => {
                    prop_assert_eq!(s.tick, tick);
                    prop_assert_eq!(&s.view.0, &target);
                    views.push((tick, target));
                }
                Ok(Rebuilt::NeedsResync | Rebuilt::Skipped) => views.clear(),
                Ok(other) => prop_assert!(false, "{other:?}"),
                Err(_) => {}
            }
        }
    }
}
