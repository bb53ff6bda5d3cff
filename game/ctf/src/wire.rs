//! Capture the flag's own wire types, carried inside the envelope's payloads. Byte layout:
//! docs/protocol.md, "Game: ctf".

use arena_game::protocol::wire::{bounded_vec, fixed_u16};
use arena_game::PlayerId;
use serde::{Deserialize, Serialize};

/// World position quantization: a wire coordinate is `round(world * POS_SCALE)` as a u16.
pub const POS_SCALE: f32 = 16.0;

/// Team 0.
pub const RED: u8 = 0;
/// Team 1.
pub const BLUE: u8 = 1;

/// [`View::sees`] of a spectator's view: everything.
pub const SEES_EVERYTHING: u8 = 255;

/// Bits of [`Input::actions`].
pub mod actions {
    /// Move towards the target point (otherwise stand still).
    pub const MOVE: u8 = 1;
    /// Tag the nearest enemy within reach (held: whenever the cooldown allows).
    pub const TAG: u8 = 2;
    /// Sprint while stamina lasts.
    pub const SPRINT: u8 = 4;
    /// Every defined bit; others are ignored.
    pub const ALL: u8 = MOVE | TAG | SPRINT;
}

/// Bits of [`PlayerView::status`].
pub mod status {
    /// In play (clear while waiting to come back after a tag).
    pub const IN_PLAY: u8 = 1;
    /// Carrying the enemy flag.
    pub const CARRYING: u8 = 2;
    /// Sprinting this tick.
    pub const SPRINTING: u8 = 4;
    /// Tagged someone this tick.
    pub const TAGGED_SOMEONE: u8 = 8;
    /// Was tagged this tick.
    pub const WAS_TAGGED: u8 = 16;
}

/// Where to go and what to do; kept until the next input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Input {
    /// Target x in world units × [`POS_SCALE`].
    #[serde(with = "fixed_u16")]
    pub target_x: u16,
    /// Target y in world units × [`POS_SCALE`].
    #[serde(with = "fixed_u16")]
    pub target_y: u16,
    /// Bit set of [`actions`].
    pub actions: u8,
}

/// A match's settings (`POST /api/matches` `settings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Captures that win the match.
    pub captures_to_win: u16,
    /// Seconds of play before the match ends (the team with more captures wins); 0 = no limit.
    pub time_limit_s: u16,
    /// How far a player sees, world units: enemies farther from every player of a team are
    /// hidden from that team.
    pub sight_radius: u16,
}

impl Default for Settings {
    /// 3 captures, 600 s, sight 320.
    fn default() -> Self {
        Self {
            captures_to_win: 3,
            time_limit_s: 600,
            sight_radius: 320,
        }
    }
}

/// A point in world units × [`POS_SCALE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Point {
    /// X.
    #[serde(with = "fixed_u16")]
    pub x: u16,
    /// Y.
    #[serde(with = "fixed_u16")]
    pub y: u16,
}

/// Fixed facts a client needs to draw and predict (the welcome's payload).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// Field width, world units.
    pub width: f32,
    /// Field height, world units.
    pub height: f32,
    /// Player circle radius, world units.
    pub player_radius: f32,
    /// Running speed, world units per second.
    pub speed: f32,
    /// Sprinting speed, world units per second.
    pub sprint_speed: f32,
    /// Stamina spent per second of sprinting (stamina runs 0..=100).
    pub stamina_drain_per_s: f32,
    /// Stamina regained per second when not sprinting.
    pub stamina_regen_per_s: f32,
    /// Tag reach between player centres, world units.
    pub tag_range: f32,
    /// Seconds between two tags of one player.
    pub tag_cooldown_s: f32,
    /// Seconds a tagged player is out before coming back at its base.
    pub respawn_delay_s: f32,
    /// A player's centre within this of a flag touches it, world units.
    pub flag_touch_radius: f32,
    /// A carrier within this of its own base scores (if its own flag is home), world units.
    pub base_radius: f32,
    /// A dropped flag goes home by itself after this, seconds.
    pub flag_return_s: f32,
    /// The bases (and flags' home), red then blue, in wire units.
    pub bases: [Point; 2],
    /// See [`Settings::sight_radius`].
    pub sight_radius: f32,
    /// See [`Settings::captures_to_win`].
    pub captures_to_win: u16,
    /// See [`Settings::time_limit_s`].
    pub time_limit_s: u16,
}

impl Facts {
    /// The standard field with these settings: 2000×1000, bases 120 units from each end.
    pub fn standard(settings: Settings) -> Self {
        Self {
            width: 2000.0,
            height: 1000.0,
            player_radius: 16.0,
            speed: 220.0,
            sprint_speed: 340.0,
            stamina_drain_per_s: 40.0,
            stamina_regen_per_s: 15.0,
            tag_range: 44.0,
            tag_cooldown_s: 1.0,
            respawn_delay_s: 3.0,
            flag_touch_radius: 30.0,
            base_radius: 80.0,
            flag_return_s: 20.0,
            bases: [
                Point {
                    x: quantize_pos(120.0),
                    y: quantize_pos(500.0),
                },
                Point {
                    x: quantize_pos(1880.0),
                    y: quantize_pos(500.0),
                },
            ],
            sight_radius: settings.sight_radius as f32,
            captures_to_win: settings.captures_to_win,
            time_limit_s: settings.time_limit_s,
        }
    }
}

/// Where a flag is, as one view sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum FlagState {
    /// At its base.
    #[default]
    AtBase,
    /// Carried by this (visible) player.
    Carried(PlayerId),
    /// Lying here; touching it returns it (its team) or picks it up (the enemy).
    Dropped(Point),
    /// Carried by an enemy this view cannot see: where it is stays secret.
    CarriedUnseen,
}

/// One player as a view sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PlayerView {
    /// Seat.
    pub id: PlayerId,
    /// [`RED`] or [`BLUE`] (the seat's parity).
    pub team: u8,
    /// X in world units × [`POS_SCALE`].
    #[serde(with = "fixed_u16")]
    pub x: u16,
    /// Y in world units × [`POS_SCALE`].
    #[serde(with = "fixed_u16")]
    pub y: u16,
    /// Bit set of [`status`].
    pub status: u8,
    /// Stamina 0..=100 (0 for enemies: a team does not see the others').
    pub stamina: u8,
}

/// The match after a tick as one team (or a spectator) sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct View {
    /// Whose view this is: [`RED`], [`BLUE`], or [`SEES_EVERYTHING`].
    pub sees: u8,
    /// Time left while running, tenths of a second (0 with no limit or when not running).
    pub time_left_ds: u32,
    /// Captures, red then blue.
    pub captures: [u16; 2],
    /// The red flag, then the blue flag.
    pub flags: [FlagState; 2],
    /// Every player of the viewing team, and the enemies in its sight (everyone for a
    /// spectator), by seat.
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

/// A seat's team.
pub fn team_of(id: PlayerId) -> u8 {
    id % 2
}
