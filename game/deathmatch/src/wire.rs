//! The deathmatch's own wire types, carried inside the envelope's payloads. Byte layout:
//! docs/protocol.md, "Game: deathmatch".

use arena_game::protocol::wire::{bounded_vec, fixed_u16};
use arena_game::PlayerId;
use serde::{Deserialize, Serialize};

/// World position quantization: a wire coordinate is `round(world * POS_SCALE)` as a u16, so the
/// arena may be at most 65535 / 16 ≈ 4095 world units wide.
pub const POS_SCALE: f32 = 16.0;

/// Bits of [`Input::buttons`].
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
    /// Every defined bit; others are ignored.
    pub const ALL: u8 = UP | DOWN | LEFT | RIGHT | ATTACK;
}

/// Bits of [`PlayerView::flags`].
pub mod flags {
    /// The player is alive (false while waiting to respawn).
    pub const ALIVE: u8 = 1;
    /// The player fired an attack during this tick.
    pub const ATTACKED: u8 = 2;
    /// The player was hit during this tick.
    pub const HIT: u8 = 4;
}

/// The buttons a player holds and its aim; kept until the next input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Input {
    /// Bit set of [`buttons`].
    pub buttons: u8,
    /// Aim angle in 1/256 turns: 0 = +x (right), 64 = +y (down), 128 = -x, 192 = -y.
    pub aim: u8,
}

/// A match's settings (`POST /api/matches` `settings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Seconds of play before the match ends; 0 = no limit.
    pub time_limit_s: u16,
    /// Kills that win the match; 0 = no limit.
    pub score_limit: u16,
}

impl Default for Settings {
    /// 300 s, 20 kills.
    fn default() -> Self {
        Self {
            time_limit_s: 300,
            score_limit: 20,
        }
    }
}

/// Fixed facts a client needs to draw and predict (the welcome's payload).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Facts {
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
    /// Seconds of play, 0 = no limit.
    pub time_limit_s: u16,
    /// Kills that win, 0 = no limit.
    pub score_limit: u16,
}

impl Facts {
    /// The standard arena with these settings: 1600×1000 units, radius 20, speed 260/s, range
    /// 420, cooldown 0.4 s, damage 25, health 100, respawn after 2 s.
    pub fn standard(settings: Settings) -> Self {
        Self {
            width: 1600.0,
            height: 1000.0,
            player_radius: 20.0,
            max_speed: 260.0,
            attack_range: 420.0,
            attack_cooldown_s: 0.4,
            attack_damage: 25,
            max_health: 100,
            respawn_delay_s: 2.0,
            time_limit_s: settings.time_limit_s,
            score_limit: settings.score_limit,
        }
    }
}

/// One player as everyone sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PlayerView {
    /// Seat.
    pub id: PlayerId,
    /// X in world units × [`POS_SCALE`].
    #[serde(with = "fixed_u16")]
    pub x: u16,
    /// Y in world units × [`POS_SCALE`].
    #[serde(with = "fixed_u16")]
    pub y: u16,
    /// Aim in 1/256 turns (see [`Input::aim`]).
    pub aim: u8,
    /// Health, 0..=max_health.
    pub health: u8,
    /// Bit set of [`flags`].
    pub flags: u8,
    /// Kills (the score).
    pub kills: u16,
    /// Deaths.
    pub deaths: u16,
}

/// The deathmatch after a tick: everyone sees everything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct View {
    /// Time left in the running phase, tenths of a second (0 with no limit or when not running).
    pub time_left_ds: u32,
    /// Every seated player, by seat.
    #[serde(deserialize_with = "bounded_vec::deserialize")]
    pub players: Vec<PlayerView>,
}

/// Quantizes a world coordinate for the wire.
pub fn quantize_pos(world: f32) -> u16 {
    arena_game::kit::quantize(world, POS_SCALE)
}

/// Turns a wire coordinate back into world units.
pub fn dequantize_pos(wire: u16) -> f32 {
    arena_game::kit::dequantize(wire, POS_SCALE)
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
