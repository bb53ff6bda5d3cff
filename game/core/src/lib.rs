//! Arena's game seam and its wire: what every game and every client shares.
//!
//! Nothing here reads the clock, touches sockets, or uses actix/tokio.
//!
//! # Layout
//! - [`game`]: the [`Game`] trait a game implements (input, view, facts, settings, bot), views
//!   ([`Viewer`], [`ViewKey`]) and what a game tells the lobby ([`GameInfo`]).
//! - [`protocol`]: the envelope every game shares: welcome, roster, snapshot, chat, errors,
//!   pings, the final scoreboard, close codes; game data rides inside as [`Payload`]s.
//! - [`codec`]: the one encode/decode pair (serde + bincode 2, one configuration, bounded decode).
//! - [`delta`]: a generic delta of one encoded snapshot against another (XOR, zero runs).
//! - [`rebuild`]: a client's side of deltas: [`rebuild::Rebuilder`] turns them back into snapshots.
//! - [`replay`]: replays from a deterministic input log: [`replay::Recording`], [`replay::Replayer`].
//! - [`erased`]: [`DynGame`] and [`DynBot`], any game behind bytes, as the server and bots hold it.
//! - [`registry`]: [`GameRegistry`], the games a server hosts by name.
//! - [`settings`]: a match's settings from JSON, checked against the game's specs.
//! - [`kit`]: helpers a game may use (a match clock with a time limit, coordinate quantizing,
//!   a match played offline by the game's bots).
//! - [`schema`]: a game's wire types described as data (`GET /api/games/{name}/schema`).
//! - [`web`]: a game's browser folder, embedded in its crate ([`web_folder!`]).
//! - `testing` (feature `testing`): the checks every game's own tests run with one call
//!   ([`game_tests!`]): wire vectors for its browser code, decoder fuzzing and allocation
//!   bounds, replay determinism, a bot-vs-bot match.
//! - [`api`]: JSON bodies of the HTTP lobby API.
//! - [`alloc_count`]: a counting allocator for tests of how much a decode may hold.

pub mod alloc_count;
pub mod api;
pub mod codec;
pub mod delta;
pub mod erased;
pub mod game;
pub mod kit;
pub mod protocol;
pub mod rebuild;
pub mod registry;
pub mod replay;
pub mod schema;
pub mod settings;
#[cfg(feature = "testing")]
pub mod testing;
pub mod web;

/// The embedder [`web_folder!`] expands to (so a game crate needs no dependency of its own).
#[doc(hidden)]
pub use rust_embed;

pub use codec::{decode, decode_limited, encode, encode_into, DecodeError, EncodeError};
pub use erased::{DynBot, DynGame, ErasedBot, ErasedGame};
pub use game::{BotPolicy, Game, GameInfo, NoBot, SettingSpec, ViewKey, Viewer};
pub use protocol::*;
pub use registry::{BotSetupError, GameRegistry, GameType, PayloadKind, Prepared};
pub use schema::GameSchema;
pub use web::WebFolder;
