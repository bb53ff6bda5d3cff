//! The seam between the server and a game: the server drives any [`GameRules`] and never looks
//! inside. Arena's own deathmatch ([`crate::arena::ArenaGame`]) is one implementation; a user can
//! plug in their own (docs/architecture.md shows how).

use crate::protocol::{
    ArenaInfo, EndReason, MatchSettings, Phase, PlayerId, PlayerInput, ScoreEntry, Snapshot,
};

/// A deterministic game: the same seed, settings and calls give the same snapshots.
///
/// Implementations must not read the clock, do I/O or use global randomness: the server passes
/// time in as `dt_s` and the seed in at construction.
pub trait GameRules: Send + 'static {
    /// Fixed facts the clients need (sent in the welcome).
    fn arena(&self) -> ArenaInfo;
    /// Seats a new player. The id is unique in the match (the server picks it).
    fn add_player(&mut self, id: PlayerId, name: &str);
    /// Removes a player and its state.
    fn remove_player(&mut self, id: PlayerId);
    /// Marks a seated player's connection as up or down (shown to other clients).
    fn set_connected(&mut self, id: PlayerId, connected: bool);
    /// Waiting → Running. No effect in another phase.
    fn start(&mut self);
    /// Ends the match now (no effect once ended).
    fn end(&mut self, reason: EndReason);
    /// Applies `inputs` (in arrival order) and advances the simulation by `dt_s` seconds.
    fn step(&mut self, inputs: &[(PlayerId, PlayerInput)], dt_s: f32);
    /// The current phase.
    fn phase(&self) -> Phase;
    /// Why the match ended, once it has.
    fn end_reason(&self) -> Option<EndReason>;
    /// Fills `out` with the current state (its `tick` and `server_time_us` are the server's).
    fn snapshot_into(&self, out: &mut Snapshot);
    /// Scoreboard, best first.
    fn scoreboard(&self) -> Vec<ScoreEntry>;
}

/// Builds a fresh game for a new match. The server holds one of these; swap it to change the game.
pub type GameFactory = dyn Fn(&MatchSettings, u64) -> Box<dyn GameRules> + Send + Sync;
