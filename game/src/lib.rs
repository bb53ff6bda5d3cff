//! Arena's pure game state and wire types.
//!
//! Nothing here reads the clock, touches sockets, or uses actix/tokio: the server feeds inputs, a
//! time step and a seed, and gets snapshots back. That makes a thousand ticks a plain unit test.
//!
//! # Layout
//! - [`api`]: JSON bodies of the HTTP lobby API.
//! - [`protocol`]: every message on the wire (client→server and server→client) and its constants.
//! - [`codec`]: the one encode/decode pair (serde + bincode 2, one configuration, bounded decode).
//! - [`rules`]: the [`rules::GameRules`] trait the server drives, so a user can plug in a game.
//! - [`arena`]: Arena's built-in deathmatch.
//! - [`bot`]: a pure bot policy (chase, aim, attack) used by the bot swarm and the tests.

pub mod api;
pub mod arena;
pub mod bot;
pub mod codec;
pub mod protocol;
pub mod rules;

pub use arena::{ArenaConfig, ArenaGame};
pub use codec::{decode, decode_limited, encode, encode_into, DecodeError, EncodeError};
pub use protocol::*;
pub use rules::{GameFactory, GameRules};
