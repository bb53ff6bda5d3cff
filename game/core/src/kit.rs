//! Helpers a game may use for what most games need; the server never calls them.
//!
//! - [`MatchClock`]: the phase, why the match ended, and a time limit counted in simulated time.
//! - [`quantize`] / [`dequantize`]: world coordinates to fixed-size wire integers and back.
//! - [`BotMatch`]: a match played offline by the game's own bots (benches, fixtures, tests).

use crate::codec::{self, EncodeError};
use crate::game::{BotPolicy, Game, ViewKey, Viewer};
use crate::protocol::{EndReason, Phase, PlayerId};

/// A match's lifecycle and its time limit, counted in the time steps the server hands the game
/// (never the clock): Waiting → Running → Ended.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchClock {
    phase: Phase,
    end_reason: Option<EndReason>,
    running_s: f64,
    time_limit_s: u16,
}

impl MatchClock {
    /// A waiting match that ends `time_limit_s` seconds after it starts (0 = never by time).
    pub fn new(time_limit_s: u16) -> Self {
        Self {
            phase: Phase::Waiting,
            end_reason: None,
            running_s: 0.0,
            time_limit_s,
        }
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Whether the match is running.
    pub fn running(&self) -> bool {
        self.phase == Phase::Running
    }

    /// Whether the match has ended.
    pub fn ended(&self) -> bool {
        self.phase == Phase::Ended
    }

    /// Why the match ended, once it has.
    pub fn end_reason(&self) -> Option<EndReason> {
        self.end_reason
    }

    /// Waiting → Running, with the time limit counted from now. False (and no change) in any
    /// other phase.
    pub fn start(&mut self) -> bool {
        if self.phase != Phase::Waiting {
            return false;
        }
        self.phase = Phase::Running;
        self.running_s = 0.0;
        true
    }

    /// Ends the match for `reason`. False (and no change) once ended.
    pub fn end(&mut self, reason: EndReason) -> bool {
        if self.phase == Phase::Ended {
            return false;
        }
        self.phase = Phase::Ended;
        self.end_reason = Some(reason);
        true
    }

    /// Counts `dt_s` of running time; ends the match with [`EndReason::TimeLimit`] when the
    /// limit is reached (a microsecond of tolerance, so 20 steps of 0.05 s make 1 s). True when
    /// this call ended it.
    pub fn advance(&mut self, dt_s: f32) -> bool {
        if self.phase != Phase::Running {
            return false;
        }
        self.running_s += dt_s as f64;
        let limit = self.time_limit_s as f64;
        self.time_limit_s > 0 && self.running_s + 1e-6 >= limit && self.end(EndReason::TimeLimit)
    }

    /// Time left while running, in tenths of a second rounded up; 0 with no limit or when not
    /// running.
    pub fn time_left_ds(&self) -> u32 {
        let limit = self.time_limit_s as f64;
        if self.phase == Phase::Running && limit > 0.0 {
            ((limit - self.running_s).max(0.0) * 10.0).ceil() as u32
        } else {
            0
        }
    }
}

/// A world coordinate as a wire integer: `round(world × scale)`, clamped to `0..=65535`.
pub fn quantize(world: f32, scale: f32) -> u16 {
    (world * scale).round().clamp(0.0, u16::MAX as f32) as u16
}

/// A wire integer back to world units.
pub fn dequantize(wire: u16, scale: f32) -> f32 {
    wire as f32 / scale
}

/// A match of `G` played offline by the game's own bot policy: every seat a bot that sees its
/// player's view. Seeded and clock-free, so the same arguments give the same match: what the
/// benches, the wire fixtures and tests use for realistic states.
pub struct BotMatch<G: Game> {
    game: G,
    bots: Vec<G::Bot>,
    inputs: Vec<(PlayerId, G::Input)>,
    view: G::View,
    tick: u32,
}

impl<G: Game> BotMatch<G> {
    /// A started match of `players` bots ("bot-0", …); the game and the bots get `seed`.
    pub fn new(settings: G::Settings, players: u8, seed: u64) -> Self {
        let mut game = G::new(settings, players, seed);
        for id in 0..players {
            game.add_player(id, &format!("bot-{id}"));
        }
        game.start();
        let facts = game.facts();
        let bots = (0..players)
            .map(|id| G::Bot::new(&facts, id, seed))
            .collect();
        Self {
            game,
            bots,
            inputs: Vec::new(),
            view: G::View::default(),
            tick: 0,
        }
    }

    /// Every bot's input for the current state (a bot may send none).
    pub fn gather_inputs(&mut self) -> &[(PlayerId, G::Input)] {
        self.inputs.clear();
        for (id, bot) in (0..).zip(&mut self.bots) {
            self.game
                .view_into(self.game.view_key(Viewer::Player(id)), &mut self.view);
            if let Some(input) = bot.input(self.tick, &self.view) {
                self.inputs.push((id, input));
            }
        }
        &self.inputs
    }

    /// One step of `dt_s` seconds with the bots' inputs for the current state.
    pub fn step(&mut self, dt_s: f32) {
        self.gather_inputs();
        self.game.step(&self.inputs, dt_s);
        self.tick += 1;
    }

    /// The game.
    pub fn game(&self) -> &G {
        &self.game
    }

    /// The game, leaving the bots.
    pub fn into_game(self) -> G {
        self.game
    }

    /// Encodes what `key` sees now into `out`, as the match does.
    pub fn encode_view(&mut self, key: ViewKey, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.game.view_into(key, &mut self.view);
        codec::encode_into(&self.view, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The clock starts once, runs out on time (not a step early or late), and ends once.
    #[test]
    fn clock_lifecycle_and_time_limit() {
        let mut c = MatchClock::new(1);
        assert!(!c.advance(5.0), "no time counts while waiting");
        assert!(c.start() && !c.start());
        for _ in 0..19 {
            assert!(!c.advance(0.05));
        }
        assert_eq!(c.time_left_ds(), 1);
        assert!(c.advance(0.05));
        assert_eq!(
            (c.phase(), c.end_reason()),
            (Phase::Ended, Some(EndReason::TimeLimit))
        );
        assert!(!c.end(EndReason::Host), "the first reason stays");
        let mut unlimited = MatchClock::new(0);
        unlimited.start();
        assert!(!unlimited.advance(1e6));
        assert_eq!(unlimited.time_left_ds(), 0);
    }

    /// Coordinates round to the nearest step and clamp to the wire's range.
    #[test]
    fn quantize_rounds_and_clamps() {
        assert_eq!(quantize(12.34, 16.0), 197);
        assert_eq!(dequantize(197, 16.0), 12.3125);
        assert_eq!(quantize(-5.0, 16.0), 0);
        assert_eq!(quantize(1e9, 16.0), u16::MAX);
    }
}
