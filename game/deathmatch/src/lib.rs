//! Arena's built-in deathmatch, written against the open game seam ([`arena_game::Game`]): the
//! server knows it only by its registry name, `deathmatch`.
//!
//! # Layout
//! - [`wire`]: its input, view, facts and settings (what the browser's `games/deathmatch/`
//!   folder reads and writes).
//! - [`rules`]: [`Deathmatch`], the pure simulation.
//! - [`bot`]: [`DeathmatchBot`], chase the nearest enemy, aim, attack, strafe.

pub mod bot;
pub mod rules;
pub mod wire;

pub use bot::DeathmatchBot;
pub use rules::Deathmatch;
pub use wire::{Facts, Input, PlayerView, Settings, View};
