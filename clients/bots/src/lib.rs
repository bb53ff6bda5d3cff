//! Arena's bot client library: the HTTP lobby client, one WebSocket session, and the swarm that
//! drives many of them as a load generator. The integration tests of the server use it to play
//! real matches over real sockets; the `arena-bots` binary only parses flags and calls it.
//!
//! # Layout
//! - [`error`]: [`BotError`], every way a lobby call or a session can fail.
//! - [`lobby`]: [`LobbyClient`], the JSON lobby API (create, list, get, join, start, end).
//! - [`session`]: [`Session`], one WebSocket connection speaking `arena.v3` through the one codec.
//! - [`swarm`]: [`swarm::run_swarm`], the load generator: many bots, one report.
//! - [`cli`]: the `arena-bots` command line, for any game registry ([`cli::main`]).
//!
//! Nothing here prints but [`cli`], the command line.

pub mod cli;
pub mod error;
pub mod lobby;
pub mod session;
pub mod swarm;

pub use error::BotError;
pub use lobby::LobbyClient;
pub use session::Session;
