//! The seam between Arena and a game: implement [`Game`] for your state and register it; the
//! server drives it and never looks inside.
//!
//! A game is deterministic: it takes inputs, a time step and a seed, and never reads the clock,
//! does I/O or touches actix/tokio. Its associated types are everything game-specific on the
//! wire; each is a serde type encoded with the one codec and carried by the envelope as bytes.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt::Debug;

use crate::protocol::{EndReason, Phase, PlayerId, ScoreLine};
use crate::web::WebFolder;

/// Who is looking at a match: the server asks the game which view each session gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Viewer {
    /// The player in this seat.
    Player(PlayerId),
    /// A spectator.
    Spectator,
}

/// Names one view of a match (a team, a region, everything). Every session whose viewer maps to
/// the same key receives the same snapshot bytes, encoded once per tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ViewKey(pub u32);

impl ViewKey {
    /// The whole state, as spectators usually see it.
    pub const EVERYTHING: ViewKey = ViewKey(u32::MAX);
}

/// One setting a game takes when a match is created: an integer with bounds and a default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingSpec {
    /// The JSON key, e.g. `time_limit_s`.
    pub name: String,
    /// What it does, with its unit.
    pub about: String,
    /// Smallest allowed value.
    pub min: i64,
    /// Largest allowed value.
    pub max: i64,
    /// Value when not given.
    pub default: i64,
}

impl SettingSpec {
    /// A setting named `name`, `min..=max`, `default` when not given.
    pub fn new(name: &str, about: &str, min: i64, max: i64, default: i64) -> Self {
        Self {
            name: name.to_owned(),
            about: about.to_owned(),
            min,
            max,
            default,
        }
    }
}

/// What a game tells the lobby about itself (`GET /api/games`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GameInfo {
    /// Registry name: lowercase letters, digits, `_` and `-` (e.g. `ctf`).
    pub name: String,
    /// Display title.
    pub title: String,
    /// One sentence for the lobby.
    pub about: String,
    /// Fewest seats a match of this game may have.
    pub min_players: u8,
    /// Most seats a match of this game may have.
    pub max_players: u8,
    /// Seats of a match created without `max_players`.
    pub default_players: u8,
    /// Teams the players are split into (0 = everyone for themselves).
    pub teams: u8,
    /// The settings a match takes, with bounds and defaults.
    pub settings: Vec<SettingSpec>,
    /// Names of the game's own scoreboard columns ([`ScoreLine::stats`], in order).
    pub score_columns: Vec<String>,
}

/// A deterministic game Arena can host.
///
/// The same seed, settings and calls give the same views byte for byte. The server calls these
/// from one match actor, one call at a time.
///
/// A game is `Clone`: a clone is a copy that plays on exactly as the original would (so hold
/// plain data, RNG included). Replays keep clones every few seconds, so a seek re-simulates from
/// the nearest one instead of from the start.
pub trait Game: Sized + Send + Clone + 'static {
    /// One player's input for one tick (sent by the client in [`crate::ClientMsg::Input`]).
    type Input: Serialize + DeserializeOwned + Debug + Clone + Send + 'static;
    /// What one group of sessions sees after a tick (carried by [`crate::Snapshot::view`]).
    type View: Serialize + DeserializeOwned + Debug + Clone + Default + Send + 'static;
    /// Fixed facts a client needs to draw and predict (carried by [`crate::Welcome::facts`]).
    type Facts: Serialize + DeserializeOwned + Debug + Clone + Send + 'static;
    /// The settings of one match, deserialized from the lobby's JSON after the bounds of
    /// [`GameInfo::settings`] are checked (so its field names are the settings' names).
    type Settings: Serialize + DeserializeOwned + Debug + Clone + PartialEq + Send + 'static;
    /// The game's bot: what `arena-bots --game NAME`, the host's "Add bots" and the tests play
    /// with. A game without one says `type Bot = NoBot;`.
    type Bot: BotPolicy<Self>;

    /// Name, seats, settings and score columns.
    fn info() -> GameInfo;

    /// The game's browser folder (its page module `index.js` and what it imports), served at
    /// `/games/<name>/`: usually `Some(arena_game::web_folder!("web"))`. `None`: the page
    /// cannot draw this game (bots and other clients still play it).
    fn web() -> Option<WebFolder> {
        None
    }

    /// The version of the rules: raise it whenever the same seed, settings and calls could give
    /// other views (a replay recorded by other rules refuses to play).
    fn rules_version() -> u32 {
        1
    }

    /// Rules between settings the bounds cannot express (e.g. an even number of seats).
    fn check_settings(settings: &Self::Settings, max_players: u8) -> Result<(), String> {
        let _ = (settings, max_players);
        Ok(())
    }

    /// A new match in the waiting phase with `max_players` seats.
    fn new(settings: Self::Settings, max_players: u8, seed: u64) -> Self;

    /// The facts sent in every welcome.
    fn facts(&self) -> Self::Facts;

    /// Seats a new player (the server picks a free id below `max_players`).
    fn add_player(&mut self, id: PlayerId, name: &str);

    /// Removes a player (its seat was freed). A game may keep its score line.
    fn remove_player(&mut self, id: PlayerId);

    /// A seated player's connection went down or came back (the seat is held meanwhile).
    fn set_connected(&mut self, id: PlayerId, connected: bool) {
        let _ = (id, connected);
    }

    /// Waiting → Running (no effect in another phase).
    fn start(&mut self);

    /// Ends the match now (no effect once ended).
    fn end(&mut self, reason: EndReason);

    /// Applies `inputs` (in arrival order; several per player are possible) and advances the
    /// simulation by `dt_s` seconds.
    fn step(&mut self, inputs: &[(PlayerId, Self::Input)], dt_s: f32);

    /// The current phase.
    fn phase(&self) -> Phase;

    /// Why the match ended, once it has.
    fn end_reason(&self) -> Option<EndReason>;

    /// Which view `viewer` gets. Viewers with equal keys share one encoded snapshot per tick,
    /// so return as few distinct keys as the game's secrecy allows.
    fn view_key(&self, viewer: Viewer) -> ViewKey {
        let _ = viewer;
        ViewKey::EVERYTHING
    }

    /// Fills `out` with the state as `key` sees it (`out` is reused from tick to tick).
    fn view_into(&self, key: ViewKey, out: &mut Self::View);

    /// The scoreboard, best first, including players who left during play if the game keeps
    /// them.
    fn scoreboard(&self) -> Vec<ScoreLine>;
}

/// A game's bot: reads what its seat sees, answers with an input. Pure and deterministic like
/// the game (randomness only from `seed`).
pub trait BotPolicy<G: Game>: Send + Sized + 'static {
    /// Whether this is a bot at all: false only for [`NoBot`], so the server and `arena-bots`
    /// can say that a game has no bot instead of seating one that never moves.
    const PLAYS: bool = true;

    /// A bot for seat `me` in a match with these facts.
    fn new(facts: &G::Facts, me: PlayerId, seed: u64) -> Self;

    /// The input to send after seeing `view` at `tick`, or `None` to send nothing.
    fn input(&mut self, tick: u32, view: &G::View) -> Option<G::Input>;
}

/// The bot of a game that has none (`type Bot = NoBot;`): "Add bots" and `arena-bots` refuse
/// such a game with a clear error naming it.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoBot;

impl<G: Game> BotPolicy<G> for NoBot {
    const PLAYS: bool = false;

    fn new(_: &G::Facts, _: PlayerId, _: u64) -> Self {
        NoBot
    }

    fn input(&mut self, _: u32, _: &G::View) -> Option<G::Input> {
        None
    }
}
