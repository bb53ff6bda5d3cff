//! What a match plays: a live game it records, or a finished match's replay being watched.
//!
//! A replay being watched is a match like any other to the lobby and the sessions: spectators join
//! it the normal way and get the normal welcome, roster and snapshots, so every client's
//! spectator view works unchanged. Only the source of the views differs: instead of inputs and
//! steps, [`Watch`] moves a [`Playback`] on by the speed each tick of real time, pauses, and
//! seeks (from the playback's checkpoints). Snapshot ticks stay the stream's own, one per tick of
//! real time and always increasing, so interpolation and deltas work as they do live; the
//! position in the replay is [`ReplayState::tick`], read over HTTP.

use std::collections::BTreeSet;
use std::ops::{Deref, DerefMut};

use actix::Message;
use arena_game::api::{ReplayState, MAX_REPLAY_SPEED, MIN_REPLAY_SPEED};
use arena_game::replay::{Playback, Recording};
use arena_game::{DynGame, PlayerId, RosterEntry};

use crate::error::ApiError;

/// HTTP → replay match (after the lobby checked the host token): change speed, pause or play,
/// seek; all `None` only reads where it stands.
#[derive(Message, Debug, Clone, Default)]
#[rtype(result = "Result<ReplayState, ApiError>")]
pub struct ReplayControl {
    /// New speed.
    pub speed: Option<f64>,
    /// Pause or play.
    pub paused: Option<bool>,
    /// Move to this tick.
    pub seek: Option<u64>,
}

/// The game a match plays.
pub enum Source {
    /// A live match, recorded for its replay.
    Live(Recording),
    /// A replay being watched.
    Replay(Box<Watch>),
}

impl Source {
    /// The replay being watched, if this is one.
    pub fn watch(&mut self) -> Option<&mut Watch> {
        match self {
            Source::Live(_) => None,
            Source::Replay(w) => Some(w),
        }
    }

    /// Whether this is a replay being watched.
    pub fn is_replay(&self) -> bool {
        matches!(self, Source::Replay(_))
    }
}

impl Deref for Source {
    type Target = dyn DynGame;

    fn deref(&self) -> &Self::Target {
        match self {
            Source::Live(game) => game,
            Source::Replay(watch) => watch.playback.replayer().game_ref(),
        }
    }
}

impl DerefMut for Source {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            Source::Live(game) => game,
            Source::Replay(watch) => watch.playback.replayer_mut().game(),
        }
    }
}

/// A replay being watched: its playback, speed and pause, and who of its players were bots.
pub struct Watch {
    of: String,
    tick_hz: u8,
    playback: Playback,
    speed: f64,
    paused: bool,
    /// Fractions of a recorded tick owed at speeds that are not whole numbers.
    carry: f64,
    /// Something changed that a frame must show though no tick was played (a seek, a joiner).
    dirty: bool,
    /// The seats the roster last showed (the playback's count of seat changes).
    seats_shown: Option<u64>,
    bots: BTreeSet<(PlayerId, String)>,
}

impl Watch {
    /// Watching `playback`, the replay of finished match `of` recorded at `tick_hz`; `bots` are
    /// the seats (and names) its bots played. It stands at tick 0, at speed 1, playing.
    pub fn new(
        of: String,
        tick_hz: u8,
        playback: Playback,
        bots: BTreeSet<(PlayerId, String)>,
    ) -> Self {
        Self {
            of,
            tick_hz,
            playback,
            speed: 1.0,
            paused: false,
            carry: 0.0,
            dirty: true,
            seats_shown: None,
            bots,
        }
    }

    /// Where it stands.
    pub fn state(&self) -> ReplayState {
        ReplayState {
            of: self.of.clone(),
            tick: self.playback.tick(),
            ticks: self.playback.ticks(),
            tick_hz: self.tick_hz,
            speed: self.speed,
            paused: self.paused,
            phase: self.playback.replayer().game_ref().phase().into(),
        }
    }

    /// Applies a control: checks every value first (nothing changes on a refusal).
    pub fn control(&mut self, c: &ReplayControl) -> Result<ReplayState, ApiError> {
        if let Some(speed) = c.speed {
            if !(MIN_REPLAY_SPEED..=MAX_REPLAY_SPEED).contains(&speed) {
                return Err(ApiError::BadRequest(format!(
                    "speed must be {MIN_REPLAY_SPEED} to {MAX_REPLAY_SPEED}, not {speed}"
                )));
            }
        }
        if let Some(seek) = c.seek {
            if seek > self.playback.ticks() {
                return Err(ApiError::BadRequest(format!(
                    "seek must be 0 to {} (the replay's ticks), not {seek}",
                    self.playback.ticks()
                )));
            }
        }
        if let Some(speed) = c.speed {
            self.speed = speed;
        }
        if let Some(seek) = c.seek {
            self.playback.seek(seek);
            self.carry = 0.0;
            self.dirty = true;
        }
        match c.paused {
            Some(true) => self.paused = true,
            Some(false) => {
                // Play at the end: from the start again.
                if self.playback.at_end() {
                    self.playback.seek(0);
                    self.dirty = true;
                }
                self.paused = false;
            }
            None => {}
        }
        if self.playback.at_end() {
            self.paused = true;
        }
        Ok(self.state())
    }

    /// One tick of real time with somebody watching: plays `speed` recorded ticks (carrying
    /// fractions), pausing at the end. Returns whether there is something new to show.
    pub fn tick(&mut self) -> bool {
        let mut changed = std::mem::take(&mut self.dirty);
        if !self.paused {
            self.carry += self.speed;
            let whole = self.carry.floor();
            self.carry -= whole;
            if whole >= 1.0 && self.playback.advance(whole as u64) > 0 {
                changed = true;
            }
            if self.playback.at_end() {
                self.paused = true;
                self.carry = 0.0;
            }
        }
        changed
    }

    /// A joiner needs a frame even while paused.
    pub fn show_again(&mut self) {
        self.dirty = true;
    }

    /// The roster at the position, when the seats changed since it was last asked for.
    pub fn roster_if_changed(&mut self) -> Option<Vec<RosterEntry>> {
        let replayer = self.playback.replayer();
        let changes = replayer.seat_changes();
        if self.seats_shown == Some(changes) {
            return None;
        }
        self.seats_shown = Some(changes);
        Some(
            replayer
                .seated()
                .iter()
                .map(|(&id, seat)| RosterEntry {
                    id,
                    name: seat.name.clone(),
                    connected: seat.connected,
                    bot: self.bots.contains(&(id, seat.name.clone())),
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arena_game::replay::{Replay, ReplayHeader, REPLAY_FORMAT};
    use arena_game::EndReason;

    /// A recorded deathmatch of `ticks` steps with two players, one a bot, ended at the end.
    fn watch(ticks: u32) -> Watch {
        let registry = arena_catalog::builtin();
        let game_type = registry.get("deathmatch").unwrap();
        let settings = game_type.settings(None, 2).unwrap();
        let header = ReplayHeader {
            format: REPLAY_FORMAT,
            game: "deathmatch".into(),
            rules_version: game_type.rules_version(),
            settings: serde_json::to_string(&settings).unwrap(),
            max_players: 2,
            tick_hz: 20,
            seed: 7,
            step_bits: 0.05f32.to_bits(),
        };
        let mut game = Recording::new(game_type.create(&settings, 2, 7).unwrap(), header);
        game.add_player(0, "ada");
        game.add_player(1, "Bot 2");
        game.start();
        for _ in 0..ticks {
            game.step(0.05);
        }
        game.end(EndReason::Host);
        let replay: Replay = game.into_replay();
        let playback = Playback::new(&registry, &replay).unwrap();
        Watch::new("m1".into(), 20, playback, [(1, "Bot 2".into())].into())
    }

    #[test]
    fn speeds_play_that_many_recorded_ticks_per_tick() {
        let mut w = watch(200);
        assert!(w.tick(), "the first tick shows where it stands");
        assert_eq!(w.state().tick, 1);
        w.control(&ReplayControl {
            speed: Some(0.5),
            ..Default::default()
        })
        .unwrap();
        let shown: Vec<bool> = (0..4).map(|_| w.tick()).collect();
        assert_eq!(
            shown,
            [false, true, false, true],
            "half speed: every other tick"
        );
        assert_eq!(w.state().tick, 3);
        w.control(&ReplayControl {
            speed: Some(4.0),
            ..Default::default()
        })
        .unwrap();
        w.tick();
        assert_eq!(w.state().tick, 7);
    }

    #[test]
    fn pause_seek_and_the_end() {
        let mut w = watch(100);
        let s = w
            .control(&ReplayControl {
                paused: Some(true),
                seek: Some(50),
                ..Default::default()
            })
            .unwrap();
        assert_eq!((s.tick, s.paused), (50, true));
        assert!(w.tick(), "a seek shows once while paused");
        assert!(!w.tick(), "then nothing while paused");
        assert_eq!(w.state().tick, 50);
        w.control(&ReplayControl {
            paused: Some(false),
            speed: Some(8.0),
            ..Default::default()
        })
        .unwrap();
        for _ in 0..10 {
            w.tick();
        }
        let end = w.state();
        assert_eq!((end.tick, end.paused), (100, true), "paused at the end");
        assert_eq!(end.phase, arena_game::api::ApiPhase::Ended);
        // Play at the end starts over.
        let s = w
            .control(&ReplayControl {
                paused: Some(false),
                ..Default::default()
            })
            .unwrap();
        assert_eq!((s.tick, s.paused), (0, false));
    }

    #[test]
    fn refusals_change_nothing() {
        let mut w = watch(10);
        for bad in [
            ReplayControl {
                speed: Some(9.0),
                seek: Some(3),
                ..Default::default()
            },
            ReplayControl {
                speed: Some(0.25),
                ..Default::default()
            },
            ReplayControl {
                speed: Some(f64::NAN),
                ..Default::default()
            },
            ReplayControl {
                seek: Some(11),
                speed: Some(2.0),
                ..Default::default()
            },
        ] {
            assert!(matches!(w.control(&bad), Err(ApiError::BadRequest(_))));
            let s = w.state();
            assert_eq!((s.tick, s.speed), (0, 1.0));
        }
    }

    #[test]
    fn the_roster_follows_the_position_and_marks_bots() {
        let mut w = watch(10);
        assert_eq!(w.roster_if_changed(), Some(vec![]), "nobody before tick 1");
        assert_eq!(w.roster_if_changed(), None);
        w.tick();
        let roster = w.roster_if_changed().unwrap();
        let names: Vec<(&str, bool)> = roster.iter().map(|e| (e.name.as_str(), e.bot)).collect();
        assert_eq!(names, [("ada", false), ("Bot 2", true)]);
    }
}
