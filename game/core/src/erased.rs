//! Object-safe wrappers around a [`Game`] and its bot, so the server holds any game as a
//! `Box<dyn DynGame>` and moves only bytes in and out.
//!
//! Why a wrapper and not a match actor generic over the game: the lobby, the sessions and the
//! registry then deal in one concrete match type and games are chosen by name at run time; the
//! price is a few virtual calls per tick (never per session), which the load benchmark does not
//! see. The wrapper decodes inputs as they arrive, so a bad input is refused at once, and keeps
//! the view buffer from tick to tick.

use crate::codec::{self, DecodeError, EncodeError};
use crate::game::{BotPolicy, Game, ViewKey, Viewer};
use crate::protocol::{EndReason, Phase, PlayerId, ScoreLine};

/// A game behind bytes: what the match actor drives.
pub trait DynGame: Send {
    /// The game's registry name.
    fn name(&self) -> &str;
    /// The facts for the welcome, encoded.
    fn encode_facts(&self, out: &mut Vec<u8>) -> Result<(), EncodeError>;
    /// Decodes one input of `player` and queues it for the next step.
    fn queue_input(&mut self, player: PlayerId, input: &[u8]) -> Result<(), DecodeError>;
    /// Forgets the queued inputs of `player` (its connection dropped or its seat was freed).
    fn discard_inputs(&mut self, player: PlayerId);
    /// Applies the queued inputs and advances by `dt_s` seconds.
    fn step(&mut self, dt_s: f32);
    /// See [`Game::add_player`].
    fn add_player(&mut self, id: PlayerId, name: &str);
    /// See [`Game::remove_player`].
    fn remove_player(&mut self, id: PlayerId);
    /// See [`Game::set_connected`].
    fn set_connected(&mut self, id: PlayerId, connected: bool);
    /// See [`Game::start`].
    fn start(&mut self);
    /// See [`Game::end`].
    fn end(&mut self, reason: EndReason);
    /// See [`Game::phase`].
    fn phase(&self) -> Phase;
    /// See [`Game::end_reason`].
    fn end_reason(&self) -> Option<EndReason>;
    /// See [`Game::view_key`].
    fn view_key(&self, viewer: Viewer) -> ViewKey;
    /// Appends the view `key` sees, encoded, to `out`.
    fn encode_view(&mut self, key: ViewKey, out: &mut Vec<u8>) -> Result<(), EncodeError>;
    /// See [`Game::scoreboard`].
    fn scoreboard(&self) -> Vec<ScoreLine>;
    /// A copy that plays on exactly as this game would (queued inputs included).
    fn fork(&self) -> Box<dyn DynGame>;
}

/// A [`Game`] as a [`DynGame`].
pub struct ErasedGame<G: Game> {
    name: String,
    game: G,
    inputs: Vec<(PlayerId, G::Input)>,
    view: G::View,
}

impl<G: Game> ErasedGame<G> {
    /// Wraps `game`.
    pub fn new(game: G) -> Self {
        Self {
            name: G::info().name,
            game,
            inputs: Vec::new(),
            view: G::View::default(),
        }
    }

    /// The game inside (tests and replays read it).
    pub fn game(&self) -> &G {
        &self.game
    }
}

impl<G: Game> DynGame for ErasedGame<G> {
    fn name(&self) -> &str {
        &self.name
    }

    fn encode_facts(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        codec::encode_into(&self.game.facts(), out)
    }

    fn queue_input(&mut self, player: PlayerId, input: &[u8]) -> Result<(), DecodeError> {
        let input = codec::decode::<G::Input>(input)?;
        self.inputs.push((player, input));
        Ok(())
    }

    fn discard_inputs(&mut self, player: PlayerId) {
        self.inputs.retain(|(p, _)| *p != player);
    }

    fn step(&mut self, dt_s: f32) {
        self.game.step(&self.inputs, dt_s);
        self.inputs.clear();
    }

    fn add_player(&mut self, id: PlayerId, name: &str) {
        self.game.add_player(id, name);
    }

    fn remove_player(&mut self, id: PlayerId) {
        self.discard_inputs(id);
        self.game.remove_player(id);
    }

    fn set_connected(&mut self, id: PlayerId, connected: bool) {
        if !connected {
            self.discard_inputs(id);
        }
        self.game.set_connected(id, connected);
    }

    fn start(&mut self) {
        self.game.start();
    }

    fn end(&mut self, reason: EndReason) {
        self.game.end(reason);
    }

    fn phase(&self) -> Phase {
        self.game.phase()
    }

    fn end_reason(&self) -> Option<EndReason> {
        self.game.end_reason()
    }

    fn view_key(&self, viewer: Viewer) -> ViewKey {
        self.game.view_key(viewer)
    }

    fn encode_view(&mut self, key: ViewKey, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.game.view_into(key, &mut self.view);
        codec::encode_into(&self.view, out)
    }

    fn scoreboard(&self) -> Vec<ScoreLine> {
        self.game.scoreboard()
    }

    fn fork(&self) -> Box<dyn DynGame> {
        Box::new(Self {
            name: self.name.clone(),
            game: self.game.clone(),
            inputs: self.inputs.clone(),
            view: self.view.clone(),
        })
    }
}

/// A game's bot behind bytes: what the bot swarm drives for any registered game.
pub trait DynBot: Send {
    /// Reads an encoded view; appends the encoded input to send (if any) to `out` and says
    /// whether it did.
    fn input(&mut self, tick: u32, view: &[u8], out: &mut Vec<u8>) -> Result<bool, DecodeError>;
}

/// A [`BotPolicy`] as a [`DynBot`].
pub struct ErasedBot<G: Game> {
    bot: G::Bot,
}

impl<G: Game> ErasedBot<G> {
    /// A bot for seat `me`, from the welcome's encoded facts.
    pub fn new(facts: &[u8], me: PlayerId, seed: u64) -> Result<Self, DecodeError> {
        let facts = codec::decode::<G::Facts>(facts)?;
        Ok(Self {
            bot: G::Bot::new(&facts, me, seed),
        })
    }
}

impl<G: Game> DynBot for ErasedBot<G> {
    fn input(&mut self, tick: u32, view: &[u8], out: &mut Vec<u8>) -> Result<bool, DecodeError> {
        let view = codec::decode::<G::View>(view)?;
        match self.bot.input(tick, &view) {
            Some(input) => {
                codec::encode_into(&input, out)
                    .map_err(|e| DecodeError::Malformed(e.to_string()))?;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}
