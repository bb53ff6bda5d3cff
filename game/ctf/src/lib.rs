//! Capture the flag with fog of war, written against the open game seam ([`arena_game::Game`]).
//! It shares nothing with the deathmatch but the server: its input is a point to move to and a
//! tag, its state has teams, flags and carriers, and each team sees only what its players see.
//!
//! # Layout
//! - [`wire`]: input, per-team view, facts and settings (what the browser's `games/ctf/` folder
//!   reads and writes).
//! - [`rules`]: [`Ctf`], the pure simulation, and the fog: which enemies a team sees.
//! - [`bot`]: [`CtfBot`]: go for the flag, carry it home, chase carriers, return your own flag.

pub mod bot;
pub mod rules;
pub mod wire;

pub use bot::CtfBot;
pub use rules::Ctf;
pub use wire::{Facts, FlagState, Input, PlayerView, Settings, View};
