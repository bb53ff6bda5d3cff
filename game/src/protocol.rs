//! Wire types: every message a client and the server exchange, client→server and server→client.
//!
//! The server, the bots and (through docs/protocol.md and the fixture vectors) the browser client
//! all use these types. Bytes only ever go through [`crate::codec`]. The byte layout is documented
//! in `docs/protocol.md`; changing a field here changes the protocol version.

use serde::{Deserialize, Serialize};

/// The WebSocket subprotocol a client must name (`Sec-WebSocket-Protocol`) to speak this protocol.
pub const PROTOCOL_V1: &str = "arena.v1";

/// Every protocol version this build serves, newest first.
pub const SUPPORTED_PROTOCOLS: &[&str] = &[PROTOCOL_V1];

/// Numeric protocol version carried in [`Welcome::protocol`].
pub const PROTOCOL_VERSION: u16 = 1;

/// A player's seat in a match: 0..max_players. Stable for the whole match.
pub type PlayerId = u8;

/// World position quantization: a wire coordinate is `round(world * POS_SCALE)` as a u16,
/// so the arena may be at most 65535 / 16 ≈ 4095 world units wide.
pub const POS_SCALE: f32 = 16.0;

/// Longest chat text a client may send, in bytes of UTF-8.
pub const MAX_CHAT_BYTES: usize = 200;

/// Longest player or match name, in bytes of UTF-8.
pub const MAX_NAME_BYTES: usize = 32;

/// Bits of [`PlayerInput::buttons`].
pub mod buttons {
    /// Move up (towards y = 0).
    pub const UP: u8 = 1;
    /// Move down (towards y = arena height).
    pub const DOWN: u8 = 2;
    /// Move left (towards x = 0).
    pub const LEFT: u8 = 4;
    /// Move right (towards x = arena width).
    pub const RIGHT: u8 = 8;
    /// Attack along the aim direction (held: attack whenever the cooldown allows).
    pub const ATTACK: u8 = 16;
    /// Every defined bit; others must be zero.
    pub const ALL: u8 = UP | DOWN | LEFT | RIGHT | ATTACK;
}

/// Bits of [`PlayerState::flags`].
pub mod flags {
    /// The player is alive (false while waiting to respawn).
    pub const ALIVE: u8 = 1;
    /// The player fired an attack during this tick.
    pub const ATTACKED: u8 = 2;
    /// The player was hit during this tick.
    pub const HIT: u8 = 4;
    /// The player's session is connected.
    pub const CONNECTED: u8 = 8;
}

/// One input from a player: the buttons held and the aim, numbered so the client can reconcile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PlayerInput {
    /// Client-chosen sequence number, +1 per input, wrapping at 65535.
    #[serde(with = "fixed_u16")]
    pub seq: u16,
    /// Bit set of [`buttons`].
    pub buttons: u8,
    /// Aim angle in 1/256 turns: 0 = +x (right), 64 = +y (down), 128 = -x, 192 = -y.
    pub aim: u8,
}

/// Client → server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClientMsg {
    /// Held buttons and aim (players only).
    Input(PlayerInput),
    /// Latency probe; answered with [`ServerMsg::Pong`] carrying the same time.
    Ping {
        /// The client's own clock, echoed back untouched.
        client_time_us: u64,
    },
    /// A chat line to everyone in the match (players and spectators), at most [`MAX_CHAT_BYTES`].
    Chat(String),
}

/// What a session is in its match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub enum Role {
    /// Plays: sends inputs, has a seat.
    Player,
    /// Watches: receives the same snapshots, sends no inputs.
    Spectator,
}

/// Lifecycle of a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash, Default)]
pub enum Phase {
    /// Waiting for players or for the host to start; players may move but not attack.
    #[default]
    Waiting,
    /// Playing until the time or score limit.
    Running,
    /// Over: the final scoreboard is fixed.
    Ended,
}

/// Why a match ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub enum EndReason {
    /// The time limit ran out.
    TimeLimit,
    /// A player reached the score limit.
    ScoreLimit,
    /// The host ended it.
    Host,
    /// The server is shutting down.
    Shutdown,
}

/// The settings a match was created with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchSettings {
    /// Display name.
    pub name: String,
    /// Player seats, 1..=64.
    pub max_players: u8,
    /// Snapshots (and simulation steps) per second, 1..=128.
    pub tick_hz: u8,
    /// Seconds of play before the match ends; 0 = no limit.
    pub time_limit_s: u16,
    /// Kills that win the match; 0 = no limit.
    pub score_limit: u16,
}

/// Fixed facts about the arena a client needs to draw and predict.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ArenaInfo {
    /// Arena width in world units.
    pub width: f32,
    /// Arena height in world units.
    pub height: f32,
    /// Player circle radius in world units.
    pub player_radius: f32,
    /// Movement speed in world units per second.
    pub max_speed: f32,
    /// Attack reach in world units.
    pub attack_range: f32,
    /// Seconds between two attacks of one player.
    pub attack_cooldown_s: f32,
    /// Health lost per hit.
    pub attack_damage: u8,
    /// Health at spawn.
    pub max_health: u8,
    /// Seconds from death to respawn.
    pub respawn_delay_s: f32,
}

/// First message on every connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Welcome {
    /// [`PROTOCOL_VERSION`].
    pub protocol: u16,
    /// The match's id (as in the lobby API).
    pub match_id: String,
    /// Player or spectator.
    pub role: Role,
    /// Your seat when you are a player.
    pub player_id: Option<PlayerId>,
    /// How the match was configured.
    pub settings: MatchSettings,
    /// Arena geometry and rules constants.
    pub arena: ArenaInfo,
}

/// A player's name and seat; sent whenever the roster changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterEntry {
    /// Seat.
    pub id: PlayerId,
    /// Display name.
    pub name: String,
}

/// One player's state in a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PlayerState {
    /// Seat.
    pub id: PlayerId,
    /// X in world units × [`POS_SCALE`].
    #[serde(with = "fixed_u16")]
    pub x: u16,
    /// Y in world units × [`POS_SCALE`].
    #[serde(with = "fixed_u16")]
    pub y: u16,
    /// Aim in 1/256 turns (see [`PlayerInput::aim`]).
    pub aim: u8,
    /// Health, 0..=max_health.
    pub health: u8,
    /// Bit set of [`flags`].
    pub flags: u8,
    /// Kills (the score).
    pub kills: u16,
    /// Deaths.
    pub deaths: u16,
    /// Sequence number of the last input of this player the server applied.
    #[serde(with = "fixed_u16")]
    pub last_input_seq: u16,
}

/// The state of a match after one tick; encoded once and sent to every session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Snapshot {
    /// Tick number, from 0 when the match was created.
    pub tick: u32,
    /// Server wall-clock time when the snapshot was encoded, Unix epoch, microseconds.
    pub server_time_us: u64,
    /// Current phase.
    pub phase: Phase,
    /// Time left in the running phase, tenths of a second (0 with no limit or when not running).
    pub time_left_ds: u32,
    /// Every seated player, by seat.
    #[serde(deserialize_with = "bounded_vec::deserialize")]
    pub players: Vec<PlayerState>,
}

/// One line of a scoreboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreEntry {
    /// Seat.
    pub id: PlayerId,
    /// Display name.
    pub name: String,
    /// Kills.
    pub kills: u16,
    /// Deaths.
    pub deaths: u16,
}

/// Server → client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ServerMsg {
    /// First message: who you are and what the match is.
    Welcome(Welcome),
    /// The seated players' names; sent after the welcome and whenever it changes.
    Roster(#[serde(deserialize_with = "bounded_vec::deserialize")] Vec<RosterEntry>),
    /// The state after a tick.
    Snapshot(Snapshot),
    /// A request was refused; the connection stays open.
    Error {
        /// Machine-readable code, e.g. `spectator_input`.
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
    /// A chat line.
    Chat {
        /// Sender's seat, or `None` for a spectator.
        from: Option<PlayerId>,
        /// Sender's display name.
        name: String,
        /// The text.
        text: String,
    },
    /// The match is over; sorted best first.
    MatchEnded {
        /// Why it ended.
        reason: EndReason,
        /// Final scoreboard, best first.
        #[serde(deserialize_with = "bounded_vec::deserialize")]
        scoreboard: Vec<ScoreEntry>,
    },
}

/// Serializes a u16 as exactly two little-endian bytes (a tuple of two u8), so values that change
/// every tick (coordinates, sequence numbers) have a fixed size instead of bincode's 1-or-3-byte
/// varint.
mod fixed_u16 {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &u16, s: S) -> Result<S::Ok, S::Error> {
        v.to_le_bytes().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
        <[u8; 2]>::deserialize(d).map(u16::from_le_bytes)
    }
}

/// Deserializes a `Vec` without trusting its length prefix: capacity grows with the elements
/// actually decoded, never with the claimed length. (bincode charges strings against the decode
/// limit but not serde sequences, and serde's own `Vec` would reserve up to 1 MiB from a
/// 12-byte message claiming 2^40 elements.)
mod bounded_vec {
    use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};
    use std::marker::PhantomData;

    /// Capacity reserved up front, whatever the claimed length.
    const INITIAL_CAPACITY: usize = 16;

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

/// Quantizes a world coordinate for the wire.
pub fn quantize_pos(world: f32) -> u16 {
    (world * POS_SCALE).round().clamp(0.0, u16::MAX as f32) as u16
}

/// Turns a wire coordinate back into world units.
pub fn dequantize_pos(wire: u16) -> f32 {
    wire as f32 / POS_SCALE
}

/// Aim byte → angle in radians.
pub fn aim_to_radians(aim: u8) -> f32 {
    aim as f32 * (std::f32::consts::TAU / 256.0)
}

/// Angle in radians → aim byte (nearest 1/256 turn).
pub fn radians_to_aim(rad: f32) -> u8 {
    let turns = rad / std::f32::consts::TAU;
    ((turns * 256.0).round() as i64).rem_euclid(256) as u8
}
