//! The envelope: every message a client and the server exchange, the same for every game.
//!
//! Arena's own parts (welcome header, roster, chat, errors, pings, phase, input sequence numbers
//! and their acknowledgements, the final scoreboard, close codes) are typed here. What belongs to
//! a game (its input, its view of the state, its fixed facts) travels inside as an opaque
//! [`Payload`], encoded by the game with the same codec, so the server, the bots' session and the
//! browser SDK read the envelope without knowing the game. The byte layout is in
//! `docs/protocol.md`; changing a type here changes [`PROTOCOL_VERSION`].

use serde::{Deserialize, Serialize};

/// The WebSocket subprotocol a client must name (`Sec-WebSocket-Protocol`) to speak this protocol.
/// Version 3 sends snapshots as deltas ([`Delta`]) against a baseline the client holds.
pub const PROTOCOL_V3: &str = "arena.v3";

/// Every protocol version this build serves, newest first.
pub const SUPPORTED_PROTOCOLS: &[&str] = &[PROTOCOL_V3];

/// Numeric protocol version carried in [`Welcome::protocol`].
pub const PROTOCOL_VERSION: u16 = 3;

/// How many ticks back a [`Delta`]'s baseline may be: a client keeps the views of the snapshots
/// it received within the last `DELTA_WINDOW` ticks (by tick), and the server never refers to an
/// older one (it sends a keyframe instead).
pub const DELTA_WINDOW: u32 = 32;

/// A player's seat in a match: `0..max_players`. Stable for the whole match.
pub type PlayerId = u8;

/// Longest chat text a client may send, in bytes of UTF-8 after trimming.
pub const MAX_CHAT_BYTES: usize = 200;

/// Longest player or match name, in bytes of UTF-8.
pub const MAX_NAME_BYTES: usize = 32;

/// Most seats any match may have, whatever the game allows.
pub const MAX_SEATS: u8 = 250;

/// Codes of [`ServerMsg::Error`]: stable, machine-readable (the message text is not stable).
pub mod error_code {
    /// A spectator sent an input.
    pub const SPECTATOR_INPUT: &str = "spectator_input";
    /// A chat line was empty or too long after trimming.
    pub const BAD_CHAT: &str = "bad_chat";
}

/// Bytes the game encodes and decodes itself (its input, its view, its facts). On the wire: a
/// varint length, then the bytes.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Payload(pub Vec<u8>);

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Payload({} bytes)", self.0.len())
    }
}

impl Serialize for Payload {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Bytes;
        impl<'de> serde::de::Visitor<'de> for Bytes {
            type Value = Payload;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Payload, E> {
                Ok(Payload(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Payload, E> {
                Ok(Payload(v))
            }
        }
        d.deserialize_byte_buf(Bytes)
    }
}

/// Client → server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClientMsg {
    /// A player's input for its game (players only), numbered so the client can reconcile.
    Input {
        /// Client-chosen sequence number, +1 per input, wrapping at 65535; acknowledged in
        /// [`Snapshot::ack`] (or [`Delta::ack`]) once applied.
        #[serde(with = "wire::fixed_u16")]
        seq: u16,
        /// The game's input, encoded by the game.
        input: Payload,
    },
    /// Latency probe; answered with [`ServerMsg::Pong`] carrying the same time.
    Ping {
        /// The client's own clock, echoed back untouched.
        client_time_us: u64,
    },
    /// A chat line to everyone in the match (players and spectators), at most [`MAX_CHAT_BYTES`].
    Chat(String),
    /// The client's view disagrees with a [`Delta::check`] (or it lost its baselines): send the
    /// next snapshot whole. The client skips deltas it has no baseline for until it comes.
    Resync,
}

/// What a session is in its match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub enum Role {
    /// Plays: sends inputs, has a seat.
    Player,
    /// Watches: receives snapshots, sends no inputs.
    Spectator,
}

/// Lifecycle of a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash, Default)]
pub enum Phase {
    /// Waiting for players or for the host to start.
    #[default]
    Waiting,
    /// Playing until the game ends it (or the host does).
    Running,
    /// Over: the final scoreboard is fixed.
    Ended,
}

/// Why a match ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub enum EndReason {
    /// The time limit ran out.
    TimeLimit,
    /// A player or team reached the score limit.
    ScoreLimit,
    /// The host ended it.
    Host,
    /// The server is shutting down.
    Shutdown,
    /// Everybody left a running match, which the server then closed (bots do not count).
    Abandoned,
}

/// First message on every connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Welcome {
    /// [`PROTOCOL_VERSION`].
    pub protocol: u16,
    /// The match's id (as in the lobby API).
    pub match_id: String,
    /// The game's registry name, e.g. `deathmatch` or `ctf`: tells the client how to read
    /// [`Welcome::facts`], [`Snapshot::view`] and how to write inputs.
    pub game: String,
    /// Player or spectator.
    pub role: Role,
    /// Your seat when you are a player.
    pub player_id: Option<PlayerId>,
    /// The match's display name.
    pub match_name: String,
    /// Player seats.
    pub max_players: u8,
    /// Ticks (and snapshots) per second.
    pub tick_hz: u8,
    /// The game's fixed facts (geometry, rules constants, its settings), encoded by the game.
    pub facts: Payload,
}

/// A seated player; the roster is sent after the welcome and whenever a player is seated,
/// leaves, or its connection drops or comes back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterEntry {
    /// Seat.
    pub id: PlayerId,
    /// Display name.
    pub name: String,
    /// Whether the player's session is connected (false while its seat is held for a reconnect).
    pub connected: bool,
    /// A bot the server runs (the host added it), not a person.
    pub bot: bool,
}

/// The state of a match after one tick as one group of sessions sees it, whole: a keyframe. Sent
/// on join and resume, when a session has no usable baseline, when it asked ([`ClientMsg::Resync`])
/// and every few seconds; every other tick brings a [`Delta`].
///
/// All fields but the last are encoded once per view and tick and shared by every session with
/// that view; [`Snapshot::ack`] is the recipient's own, appended to the shared bytes on the way
/// out (see [`recipient_tail`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Snapshot {
    /// Tick number, from 0 when the match was created.
    pub tick: u32,
    /// Server wall-clock time when the snapshot was encoded, Unix epoch, microseconds.
    pub server_time_us: u64,
    /// Current phase.
    pub phase: Phase,
    /// The game's view of its state for this group, encoded by the game.
    pub view: Payload,
    /// The newest applied input `seq` of the recipient, for a player who has sent one.
    #[serde(with = "wire::opt_fixed_u16")]
    pub ack: Option<u16>,
}

/// A snapshot as the change from an earlier one the recipient holds (its baseline): the view is
/// an [`crate::delta`] of the baseline's view bytes. Encoded once per view, baseline and tick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Delta {
    /// Tick number of this snapshot.
    pub tick: u32,
    /// How many ticks before `tick` the baseline is (1 when the client keeps up), at most
    /// [`DELTA_WINDOW`]` - 1`.
    pub back: u32,
    /// Microseconds between the baseline's `server_time_us` and this snapshot's.
    pub since_us: u32,
    /// Current phase.
    pub phase: Phase,
    /// Every few ticks: [`view_checksum`] of the view this delta rebuilds. A client whose
    /// rebuilt view disagrees sends [`ClientMsg::Resync`].
    pub check: Option<u32>,
    /// The delta that turns the baseline's view bytes into this tick's.
    pub view: Payload,
    /// As [`Snapshot::ack`]: the recipient's own.
    #[serde(with = "wire::opt_fixed_u16")]
    pub ack: Option<u16>,
}

impl Delta {
    /// The tick of the baseline this delta applies to.
    pub fn baseline_tick(&self) -> u32 {
        self.tick.wrapping_sub(self.back)
    }
}

/// FNV-1a (32 bits) of a view's bytes: the [`Delta::check`] a client compares its rebuilt view
/// with. Not a defence against tampering (the connection is the trust boundary), only a way to
/// notice a bug that made a client's view drift.
pub fn view_checksum(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// The recipient's part of a [`Snapshot`] or [`Delta`] (its `ack`, the message's last field),
/// as bytes to append to the shared part: `00`, or `01` and the seq's two bytes.
pub fn recipient_tail(ack: Option<u16>) -> ([u8; 3], usize) {
    match ack {
        None => ([0, 0, 0], 1),
        Some(seq) => {
            let [lo, hi] = seq.to_le_bytes();
            ([1, lo, hi], 3)
        }
    }
}

/// Encodes the shared part of a snapshot or delta (`msg` with `ack: None`, without that last
/// byte) into `out`: what a match encodes once per group; [`recipient_tail`] completes it.
pub fn encode_shared(msg: &ServerMsg, out: &mut Vec<u8>) -> Result<(), crate::EncodeError> {
    let ack = match msg {
        ServerMsg::Snapshot(s) => s.ack,
        ServerMsg::Delta(d) => d.ack,
        _ => None,
    };
    debug_assert!(ack.is_none(), "the shared part carries no recipient's ack");
    let start = out.len();
    crate::codec::encode_into(msg, out)?;
    if matches!(msg, ServerMsg::Snapshot(_) | ServerMsg::Delta(_)) && out.len() > start {
        // The trailing `ack: None` byte: each recipient's tail takes its place.
        out.pop();
    }
    Ok(())
}

/// One line of a final scoreboard: generic, so the lobby API and any client can show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreLine {
    /// Seat.
    pub id: PlayerId,
    /// Display name.
    pub name: String,
    /// The player's team, in games with teams.
    pub team: Option<u8>,
    /// The number the scoreboard is sorted by (best first).
    pub score: i32,
    /// The game's own columns, in the order of its `score_columns`.
    #[serde(deserialize_with = "wire::bounded_vec::deserialize")]
    pub stats: Vec<i32>,
}

/// Server → client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ServerMsg {
    /// First message: who you are and what the match is.
    Welcome(Welcome),
    /// The seated players; sent after the welcome and whenever it changes.
    Roster(#[serde(deserialize_with = "wire::bounded_vec::deserialize")] Vec<RosterEntry>),
    /// The state after a tick, as your view sees it, whole (a keyframe).
    Snapshot(Snapshot),
    /// A request was refused; the connection stays open.
    Error {
        /// Machine-readable code (see [`error_code`]).
        code: String,
        /// Human-readable explanation.
        message: String,
    },
    /// Answer to [`ClientMsg::Ping`].
    Pong {
        /// The client's time from the ping.
        client_time_us: u64,
        /// Server wall-clock time, Unix epoch, microseconds.
        server_time_us: u64,
    },
    /// A chat line (the trimmed text, echoed to the sender too).
    Chat {
        /// Sender's seat, or `None` for a spectator.
        from: Option<PlayerId>,
        /// Sender's display name.
        name: String,
        /// The text.
        text: String,
    },
    /// The match is over.
    MatchEnded {
        /// Why it ended.
        reason: EndReason,
        /// Final scoreboard, best first.
        #[serde(deserialize_with = "wire::bounded_vec::deserialize")]
        scoreboard: Vec<ScoreLine>,
    },
    /// The state after a tick, as a change from a snapshot you already hold.
    Delta(Delta),
}

impl ServerMsg {
    /// A short name of the message's kind, for errors and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            ServerMsg::Welcome(_) => "welcome",
            ServerMsg::Roster(_) => "roster",
            ServerMsg::Snapshot(_) => "snapshot",
            ServerMsg::Error { .. } => "error",
            ServerMsg::Pong { .. } => "pong",
            ServerMsg::Chat { .. } => "chat",
            ServerMsg::MatchEnded { .. } => "match_ended",
            ServerMsg::Delta(_) => "delta",
        }
    }
}

/// Every WebSocket close code Arena sends or acts on: one enum for the server, the bots and
/// (through the wire vectors) the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseCode {
    /// 1000: the match was removed, or the client left (its seat is freed at once).
    Normal,
    /// 1001: the server is shutting down, or the peer stopped answering pings.
    Away,
    /// 1002: bad WebSocket framing.
    Protocol,
    /// 1003: a text message (the protocol is binary).
    Unsupported,
    /// 1006: the connection ended without a close frame (never sent; reported by clients).
    Abnormal,
    /// 1007: a message (or a close reason) did not decode.
    Invalid,
    /// 1008: a policy was broken (input flood; a seat that expired during the handshake).
    Policy,
    /// 1009: a message was over the size limit.
    TooBig,
    /// 4000: the connection could not take snapshots for the slow-client timeout.
    Slow,
    /// 4001: the same player reconnected on a newer connection.
    Replaced,
    /// 4002: the host kicked the player.
    Kicked,
}

impl CloseCode {
    /// Every code, for tables and the wire vectors.
    pub const ALL: [CloseCode; 11] = [
        CloseCode::Normal,
        CloseCode::Away,
        CloseCode::Protocol,
        CloseCode::Unsupported,
        CloseCode::Abnormal,
        CloseCode::Invalid,
        CloseCode::Policy,
        CloseCode::TooBig,
        CloseCode::Slow,
        CloseCode::Replaced,
        CloseCode::Kicked,
    ];

    /// The number on the wire.
    pub const fn code(self) -> u16 {
        match self {
            CloseCode::Normal => 1000,
            CloseCode::Away => 1001,
            CloseCode::Protocol => 1002,
            CloseCode::Unsupported => 1003,
            CloseCode::Abnormal => 1006,
            CloseCode::Invalid => 1007,
            CloseCode::Policy => 1008,
            CloseCode::TooBig => 1009,
            CloseCode::Slow => 4000,
            CloseCode::Replaced => 4001,
            CloseCode::Kicked => 4002,
        }
    }

    /// The code with this number, if Arena defines one.
    pub fn from_code(code: u16) -> Option<CloseCode> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The name used in the wire vectors and the JS SDK, e.g. `Slow`.
    pub const fn name(self) -> &'static str {
        match self {
            CloseCode::Normal => "Normal",
            CloseCode::Away => "Away",
            CloseCode::Protocol => "Protocol",
            CloseCode::Unsupported => "Unsupported",
            CloseCode::Abnormal => "Abnormal",
            CloseCode::Invalid => "Invalid",
            CloseCode::Policy => "Policy",
            CloseCode::TooBig => "TooBig",
            CloseCode::Slow => "Slow",
            CloseCode::Replaced => "Replaced",
            CloseCode::Kicked => "Kicked",
        }
    }

    /// Whether a player closed with this code should reopen its seat with the reconnect URL.
    pub const fn should_reconnect(self) -> bool {
        !matches!(
            self,
            CloseCode::Normal | CloseCode::Replaced | CloseCode::Kicked
        )
    }
}

/// Serde helpers for wire types, shared by the envelope and the games' own types.
pub mod wire {
    /// Serializes a u16 as exactly two little-endian bytes, so values that change every tick
    /// (coordinates, sequence numbers) have a fixed size instead of bincode's 1-or-3-byte varint.
    ///
    /// The bytes travel as a newtype struct named [`fixed_u16::NAME`] around `[u8; 2]` (bincode
    /// writes a newtype as its content, so the name costs nothing on the wire): a game's schema
    /// ([`crate::schema`]) then says `fixed_u16` and a generic decoder reads a number.
    pub mod fixed_u16 {
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        /// The serde name of the wrapper, as a schema sees it.
        pub const NAME: &str = "arena_fixed_u16";

        #[derive(Serialize, Deserialize)]
        #[serde(rename = "arena_fixed_u16")]
        pub(crate) struct FixedU16(pub(crate) [u8; 2]);

        /// Two little-endian bytes.
        pub fn serialize<S: Serializer>(v: &u16, s: S) -> Result<S::Ok, S::Error> {
            FixedU16(v.to_le_bytes()).serialize(s)
        }

        /// Two little-endian bytes.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
            FixedU16::deserialize(d).map(|f| u16::from_le_bytes(f.0))
        }
    }

    /// An `Option<u16>` as `00`, or `01` and two little-endian bytes.
    pub mod opt_fixed_u16 {
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        use super::fixed_u16::FixedU16;

        /// `00`, or `01` and two little-endian bytes.
        pub fn serialize<S: Serializer>(v: &Option<u16>, s: S) -> Result<S::Ok, S::Error> {
            v.map(|v| FixedU16(v.to_le_bytes())).serialize(s)
        }

        /// `00`, or `01` and two little-endian bytes.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
            Option::<FixedU16>::deserialize(d).map(|v| v.map(|f| u16::from_le_bytes(f.0)))
        }
    }

    /// Deserializes a `Vec` without trusting its length prefix: capacity grows with the elements
    /// actually decoded, never with the claimed length. (bincode charges strings and byte strings
    /// against the decode limit but not serde sequences, and serde's own `Vec` would reserve up
    /// to 1 MiB from a 12-byte message claiming 2^40 elements.) Use it on every `Vec` a peer
    /// sends, the games' included.
    pub mod bounded_vec {
        use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};
        use std::marker::PhantomData;

        /// Capacity reserved up front, whatever the claimed length.
        const INITIAL_CAPACITY: usize = 16;

        /// A `Vec<T>` that grows as elements arrive.
        pub fn deserialize<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
        where
            D: Deserializer<'de>,
            T: Deserialize<'de>,
        {
            struct Bounded<T>(PhantomData<T>);
            impl<'de, T: Deserialize<'de>> Visitor<'de> for Bounded<T> {
                type Value = Vec<T>;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a sequence")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
                    let hint = seq.size_hint().unwrap_or(0);
                    let mut out = Vec::with_capacity(hint.min(INITIAL_CAPACITY));
                    while let Some(item) = seq.next_element()? {
                        out.push(item);
                    }
                    Ok(out)
                }
            }
            d.deserialize_seq(Bounded(PhantomData))
        }
    }
}

/// Wrapping comparison of input sequence numbers: whether `seq` is at or before `newest`.
pub fn seq_at_or_before(seq: u16, newest: u16) -> bool {
    (newest.wrapping_sub(seq) as i16) >= 0
}
