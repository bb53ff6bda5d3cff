//! Replays from a deterministic input log: what Doom demos and StarCraft replays are.
//!
//! A game is deterministic (same seed, settings and calls give the same views byte for byte), so
//! a match is fully described by its header (game, rules version, settings, seats, seed, time
//! step) and the calls that changed it, in order: joins, leaves, connection changes, start, end,
//! every applied input and every step. [`Recording`] wraps any [`DynGame`] and logs those calls
//! as the match makes them; [`Replayer`] makes the same calls on a fresh game from the registry,
//! one tick at a time, so every view comes out as it did. No clock, no I/O.
//!
//! A replay encodes with the one codec ([`crate::codec`]): `Replay::encode` / `Replay::decode`.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::codec::{self, DecodeError, EncodeError};
use crate::erased::DynGame;
use crate::protocol::{wire::bounded_vec, EndReason, Payload, Phase, PlayerId};
use crate::registry::GameRegistry;
use crate::{ScoreLine, ViewKey, Viewer};

/// The replay format this build writes and reads.
pub const REPLAY_FORMAT: u16 = 1;

/// Most bytes of events one recording keeps (about 2 hours of a busy 10-player match); past it
/// the recording stops and says so ([`Replay::complete`] is false).
pub const MAX_REPLAY_BYTES: usize = 16 * 1024 * 1024;

/// What a replay needs besides its events to rebuild the match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayHeader {
    /// [`REPLAY_FORMAT`] when written.
    pub format: u16,
    /// The game's registry name.
    pub game: String,
    /// The game's [`crate::Game::rules_version`] when recorded.
    pub rules_version: u32,
    /// The match's settings, every default filled in, as JSON text.
    pub settings: String,
    /// Seats.
    pub max_players: u8,
    /// Ticks per second.
    pub tick_hz: u8,
    /// The seed the game was created with.
    pub seed: u64,
    /// The time step of every tick, the bits of the `f32` the match passed to `step`.
    pub step_bits: u32,
}

/// One call that changed the game, in the order the match made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ReplayEvent {
    /// `n` ticks in a row (each one `step` of the header's time step).
    Steps(u32),
    /// A player was seated.
    Join {
        /// Seat.
        id: PlayerId,
        /// Display name.
        name: String,
    },
    /// A player's seat was freed.
    Leave(PlayerId),
    /// A seated player's connection went down (`false`) or came back.
    Connected(PlayerId, bool),
    /// An input the game accepted, as its bytes, for the next step.
    Input(PlayerId, Payload),
    /// A player's queued inputs were dropped.
    DiscardInputs(PlayerId),
    /// Waiting → Running.
    Start,
    /// The match was ended.
    End(EndReason),
}

/// A recorded match: its header and every event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replay {
    /// How to rebuild the game.
    pub header: ReplayHeader,
    /// Every call, in order.
    #[serde(deserialize_with = "bounded_vec::deserialize")]
    pub events: Vec<ReplayEvent>,
    /// False when the recording stopped at [`MAX_REPLAY_BYTES`] (the replay ends early).
    pub complete: bool,
}

/// Why a replay cannot be played.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// The bytes are not a replay this build reads.
    #[error("not a replay this server can read: {0}")]
    Format(String),
    /// The game is not hosted here.
    #[error("the replay is of game {0:?}, which this server does not host")]
    UnknownGame(String),
    /// Recorded by other rules: it would not replay the same.
    #[error(
        "the replay was recorded by rules version {recorded} of {game}; this server runs version \
         {here}, which would not replay it the same"
    )]
    RulesVersion {
        /// The game.
        game: String,
        /// In the replay.
        recorded: u32,
        /// On this server.
        here: u32,
    },
    /// Its settings no longer make a game.
    #[error("the replay's settings are refused: {0}")]
    Settings(String),
}

impl Replay {
    /// The replay as bytes (the one codec; the format number first).
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        codec::encode(self)
    }

    /// A replay from bytes written by [`Replay::encode`] (at most
    /// [`codec::MAX_STORED_BYTES`]).
    pub fn decode(bytes: &[u8]) -> Result<Replay, ReplayError> {
        let replay: Replay =
            codec::decode_stored(bytes).map_err(|e| ReplayError::Format(e.to_string()))?;
        if replay.header.format != REPLAY_FORMAT {
            return Err(ReplayError::Format(format!(
                "replay format {} (this server reads {REPLAY_FORMAT})",
                replay.header.format
            )));
        }
        Ok(replay)
    }

    /// Ticks the replay covers.
    pub fn ticks(&self) -> u64 {
        self.events
            .iter()
            .map(|e| match e {
                ReplayEvent::Steps(n) => u64::from(*n),
                _ => 0,
            })
            .sum()
    }
}

/// A game that logs every call that changes it: what a match holds when it records.
pub struct Recording {
    inner: Box<dyn DynGame>,
    replay: Replay,
    bytes: usize,
    limit: usize,
    /// [`Recording::finish`] was called: nothing more is logged.
    finished: bool,
}

impl Recording {
    /// Records `game`, created from `header`'s game, settings, seats and seed.
    pub fn new(game: Box<dyn DynGame>, header: ReplayHeader) -> Self {
        Self {
            inner: game,
            replay: Replay {
                header,
                events: Vec::new(),
                complete: true,
            },
            bytes: 0,
            limit: MAX_REPLAY_BYTES,
            finished: false,
        }
    }

    /// Keeps at most `limit` bytes of events (at most [`MAX_REPLAY_BYTES`]).
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit.min(MAX_REPLAY_BYTES);
        self
    }

    /// Ends the recording and hands over the replay so far; the game plays on unrecorded.
    pub fn finish(&mut self) -> Replay {
        self.finished = true;
        Replay {
            header: self.replay.header.clone(),
            events: std::mem::take(&mut self.replay.events),
            complete: self.replay.complete,
        }
    }

    /// Ends the recording: the replay.
    pub fn into_replay(self) -> Replay {
        self.replay
    }

    fn log(&mut self, event: ReplayEvent, bytes: usize) {
        if !self.replay.complete || self.finished {
            return;
        }
        if self.bytes + bytes > self.limit {
            self.replay.complete = false;
            return;
        }
        self.bytes += bytes;
        self.replay.events.push(event);
    }
}

impl DynGame for Recording {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn encode_facts(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.inner.encode_facts(out)
    }
    fn queue_input(&mut self, player: PlayerId, input: &[u8]) -> Result<(), DecodeError> {
        self.inner.queue_input(player, input)?;
        self.log(
            ReplayEvent::Input(player, Payload(input.to_vec())),
            3 + input.len(),
        );
        Ok(())
    }
    fn discard_inputs(&mut self, player: PlayerId) {
        self.inner.discard_inputs(player);
        self.log(ReplayEvent::DiscardInputs(player), 2);
    }
    fn step(&mut self, dt_s: f32) {
        self.inner.step(dt_s);
        if let Some(ReplayEvent::Steps(n)) = self.replay.events.last_mut() {
            if self.replay.complete && !self.finished && *n < u32::MAX {
                *n += 1;
                return;
            }
        }
        self.log(ReplayEvent::Steps(1), 4);
    }
    fn add_player(&mut self, id: PlayerId, name: &str) {
        self.inner.add_player(id, name);
        let event = ReplayEvent::Join {
            id,
            name: name.to_owned(),
        };
        self.log(event, 3 + name.len());
    }
    fn remove_player(&mut self, id: PlayerId) {
        self.inner.remove_player(id);
        self.log(ReplayEvent::Leave(id), 2);
    }
    fn set_connected(&mut self, id: PlayerId, connected: bool) {
        self.inner.set_connected(id, connected);
        self.log(ReplayEvent::Connected(id, connected), 3);
    }
    fn start(&mut self) {
        self.inner.start();
        self.log(ReplayEvent::Start, 1);
    }
    fn end(&mut self, reason: EndReason) {
        self.inner.end(reason);
        self.log(ReplayEvent::End(reason), 2);
    }
    fn phase(&self) -> Phase {
        self.inner.phase()
    }
    fn end_reason(&self) -> Option<EndReason> {
        self.inner.end_reason()
    }
    fn view_key(&self, viewer: Viewer) -> ViewKey {
        self.inner.view_key(viewer)
    }
    fn encode_view(&mut self, key: ViewKey, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.inner.encode_view(key, out)
    }
    fn scoreboard(&self) -> Vec<ScoreLine> {
        self.inner.scoreboard()
    }
    /// The game's copy, unrecorded (a recording is one match's log; a copy is another game).
    fn fork(&self) -> Box<dyn DynGame> {
        self.inner.fork()
    }
}

/// A seated player as the replay has it at its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seated {
    /// Display name.
    pub name: String,
    /// Whether its connection was up.
    pub connected: bool,
}

/// One event of a [`Log`]: what a [`ReplayEvent`] says, with its bytes (a name, an input) kept
/// in the log's one buffer instead of a heap allocation each. 12 bytes an event instead of 32
/// plus an allocation: an open replay of five busy minutes holds about 1 MB instead of 4.
#[derive(Debug, Clone, Copy)]
enum Compact {
    Steps(u32),
    Join { id: PlayerId, at: u32, len: u16 },
    Leave(PlayerId),
    Connected(PlayerId, bool),
    Input { id: PlayerId, at: u32, len: u16 },
    DiscardInputs(PlayerId),
    Start,
    End(EndReason),
}

/// A replay's events as a [`Replayer`] holds them, shared by every copy of it.
#[derive(Debug)]
struct Log {
    events: Vec<Compact>,
    bytes: Vec<u8>,
}

impl Log {
    fn new(events: &[ReplayEvent]) -> Log {
        let mut log = Log {
            events: Vec::with_capacity(events.len()),
            bytes: Vec::new(),
        };
        for event in events {
            let compact = match event {
                ReplayEvent::Steps(n) => Compact::Steps(*n),
                ReplayEvent::Join { id, name } => {
                    let (at, len) = log.keep(name.as_bytes());
                    Compact::Join { id: *id, at, len }
                }
                ReplayEvent::Leave(id) => Compact::Leave(*id),
                ReplayEvent::Connected(id, up) => Compact::Connected(*id, *up),
                ReplayEvent::Input(id, bytes) => {
                    let (at, len) = log.keep(&bytes.0);
                    Compact::Input { id: *id, at, len }
                }
                ReplayEvent::DiscardInputs(id) => Compact::DiscardInputs(*id),
                ReplayEvent::Start => Compact::Start,
                ReplayEvent::End(reason) => Compact::End(*reason),
            };
            log.events.push(compact);
        }
        log.events.shrink_to_fit();
        log.bytes.shrink_to_fit();
        log
    }

    /// Appends `bytes` (a name or an input: small, and a replay is at most 64 MiB) and says
    /// where they are.
    fn keep(&mut self, bytes: &[u8]) -> (u32, u16) {
        let at = self.bytes.len() as u32;
        let len = bytes.len().min(usize::from(u16::MAX));
        self.bytes.extend_from_slice(&bytes[..len]);
        (at, len as u16)
    }

    fn slice(&self, at: u32, len: u16) -> &[u8] {
        let at = at as usize;
        &self.bytes[at..at + usize::from(len)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The point of the compact log: no event grows past 8 bytes.
    #[test]
    fn compact_events_are_small() {
        assert!(std::mem::size_of::<Compact>() <= 8);
        let log = Log::new(&[
            ReplayEvent::Join {
                id: 3,
                name: "ada".into(),
            },
            ReplayEvent::Input(3, Payload(vec![1, 2])),
            ReplayEvent::Steps(2),
        ]);
        assert_eq!(log.bytes, b"ada\x01\x02");
        match log.events[1] {
            Compact::Input { id, at, len } => {
                assert_eq!((id, log.slice(at, len)), (3, &[1u8, 2][..]))
            }
            other => panic!("{other:?}"),
        }
    }
}

/// Plays a replay on a fresh game, one tick at a time.
pub struct Replayer {
    game: Box<dyn DynGame>,
    log: Arc<Log>,
    /// The next event, and how many steps of a `Steps` event at it are already done.
    at: usize,
    done_steps: u32,
    dt: f32,
    tick: u64,
    /// Who is seated, and a count of the changes to it (joins, leaves, connections).
    seated: BTreeMap<PlayerId, Seated>,
    seat_changes: u64,
}

impl Clone for Replayer {
    fn clone(&self) -> Self {
        Self {
            game: self.game.fork(),
            log: self.log.clone(),
            at: self.at,
            done_steps: self.done_steps,
            dt: self.dt,
            tick: self.tick,
            seated: self.seated.clone(),
            seat_changes: self.seat_changes,
        }
    }
}

impl Replayer {
    /// A fresh game for `replay`, from `registry`, before its first event.
    pub fn new(registry: &GameRegistry, replay: &Replay) -> Result<Self, ReplayError> {
        let h = &replay.header;
        let game_type = registry
            .get(&h.game)
            .ok_or_else(|| ReplayError::UnknownGame(h.game.clone()))?;
        if game_type.rules_version() != h.rules_version {
            return Err(ReplayError::RulesVersion {
                game: h.game.clone(),
                recorded: h.rules_version,
                here: game_type.rules_version(),
            });
        }
        let settings: Map<String, Value> =
            serde_json::from_str(&h.settings).map_err(|e| ReplayError::Settings(e.to_string()))?;
        let game = game_type
            .create(&settings, h.max_players, h.seed)
            .map_err(ReplayError::Settings)?;
        Ok(Self {
            game,
            log: Arc::new(Log::new(&replay.events)),
            at: 0,
            done_steps: 0,
            dt: f32::from_bits(h.step_bits),
            tick: 0,
            seated: BTreeMap::new(),
            seat_changes: 0,
        })
    }

    /// The game as of the last tick played (read its views and scoreboard).
    pub fn game(&mut self) -> &mut (dyn DynGame + 'static) {
        &mut *self.game
    }

    /// The game as of the last tick played, to read.
    pub fn game_ref(&self) -> &(dyn DynGame + 'static) {
        &*self.game
    }

    /// Ticks played so far.
    pub fn tick(&self) -> u64 {
        self.tick
    }

    /// Who is seated now, by seat.
    pub fn seated(&self) -> &BTreeMap<PlayerId, Seated> {
        &self.seated
    }

    /// How many times the seats changed so far: compare two values to see whether they did.
    pub fn seat_changes(&self) -> u64 {
        self.seat_changes
    }

    /// Whether every event has been played (nothing follows, not even a call after the last
    /// step).
    pub fn is_done(&self) -> bool {
        self.at >= self.log.events.len()
    }

    /// Makes every call up to and including the next step; false when the replay is over.
    pub fn next_tick(&mut self) -> bool {
        let log = &self.log;
        while let Some(&event) = log.events.get(self.at) {
            if let Compact::Steps(n) = event {
                if self.done_steps < n {
                    self.game.step(self.dt);
                    self.done_steps += 1;
                    self.tick += 1;
                    if self.done_steps == n {
                        self.at += 1;
                        self.done_steps = 0;
                    }
                    return true;
                }
                self.at += 1;
                self.done_steps = 0;
                continue;
            }
            match event {
                Compact::Steps(_) => {}
                Compact::Join { id, at, len } => {
                    let name = String::from_utf8_lossy(log.slice(at, len));
                    self.game.add_player(id, &name);
                    let seated = Seated {
                        name: name.into_owned(),
                        connected: true,
                    };
                    self.seated.insert(id, seated);
                    self.seat_changes += 1;
                }
                Compact::Leave(id) => {
                    self.game.remove_player(id);
                    self.seated.remove(&id);
                    self.seat_changes += 1;
                }
                Compact::Connected(id, up) => {
                    self.game.set_connected(id, up);
                    if let Some(seat) = self.seated.get_mut(&id) {
                        seat.connected = up;
                    }
                    self.seat_changes += 1;
                }
                Compact::Input { id, at, len } => {
                    // It decoded when recorded; the same game decodes it the same way.
                    let _ = self.game.queue_input(id, log.slice(at, len));
                }
                Compact::DiscardInputs(id) => self.game.discard_inputs(id),
                Compact::Start => self.game.start(),
                Compact::End(reason) => self.game.end(reason),
            }
            self.at += 1;
        }
        false
    }

    /// Plays to the end of the calls of tick `tick` (the ones before its step, when `tick` is
    /// the replay's last: then every call left), or to the end of the replay if it is shorter.
    fn play_to(&mut self, tick: u64, last: u64) {
        while self.tick < tick && self.next_tick() {}
        if self.tick >= last {
            while self.next_tick() {}
        }
    }
}

/// Fewest ticks between two checkpoints of a [`Playback`].
pub const MIN_CHECKPOINT_TICKS: u64 = 64;

/// Most checkpoints one [`Playback`] keeps (longer replays space them further apart).
pub const MAX_CHECKPOINTS: u64 = 128;

/// A replay to watch: plays forward, and seeks anywhere at the cost of at most one checkpoint
/// interval of ticks, from copies of the game kept along the way ("keyframes" of the
/// simulation, not of the wire).
///
/// Positions count ticks played, from 0 (no step yet) to [`Playback::ticks`] (every call
/// played, including the ones after the last step, such as the end).
#[derive(Clone)]
pub struct Playback {
    current: Replayer,
    /// `checkpoints[i]` is the replay at tick `i * every`.
    checkpoints: Vec<Replayer>,
    every: u64,
    ticks: u64,
}

impl Playback {
    /// Plays `replay` once from start to end, keeping a checkpoint every
    /// `max(MIN_CHECKPOINT_TICKS, ticks / MAX_CHECKPOINTS)` ticks, and stands at tick 0. Costs
    /// one full simulation: build it away from any tick loop.
    pub fn new(registry: &GameRegistry, replay: &Replay) -> Result<Self, ReplayError> {
        let start = Replayer::new(registry, replay)?;
        let ticks = replay.ticks();
        let every = MIN_CHECKPOINT_TICKS.max(ticks.div_ceil(MAX_CHECKPOINTS));
        let mut checkpoints = vec![start.clone()];
        let mut run = start.clone();
        while run.tick() + every <= ticks {
            let next = run.tick() + every;
            while run.tick() < next && run.next_tick() {}
            checkpoints.push(run.clone());
        }
        let mut playback = Self {
            current: start,
            checkpoints,
            every,
            ticks,
        };
        playback.current.play_to(0, ticks);
        Ok(playback)
    }

    /// The position: ticks played.
    pub fn tick(&self) -> u64 {
        self.current.tick()
    }

    /// The replay's length in ticks.
    pub fn ticks(&self) -> u64 {
        self.ticks
    }

    /// Ticks between two checkpoints: the most a seek re-simulates.
    pub fn checkpoint_interval(&self) -> u64 {
        self.every
    }

    /// Whether the position is the end (every call played).
    pub fn at_end(&self) -> bool {
        self.current.is_done()
    }

    /// Plays up to `n` more ticks; returns how many it played.
    pub fn advance(&mut self, n: u64) -> u64 {
        let from = self.current.tick();
        let to = from.saturating_add(n).min(self.ticks);
        self.current.play_to(to, self.ticks);
        self.current.tick() - from
    }

    /// Moves to tick `tick` (at most [`Playback::ticks`]), forward or back, from the nearest
    /// checkpoint at or before it (or from where it is, when that is nearer).
    pub fn seek(&mut self, tick: u64) {
        let tick = tick.min(self.ticks);
        let here = self.current.tick();
        let nearest = (tick / self.every) as usize;
        let from_checkpoint = nearest.min(self.checkpoints.len() - 1);
        let checkpoint_tick = self.checkpoints[from_checkpoint].tick();
        if tick < here || checkpoint_tick > here {
            self.current = self.checkpoints[from_checkpoint].clone();
        }
        self.current.play_to(tick, self.ticks);
    }

    /// The replay at its position.
    pub fn replayer(&self) -> &Replayer {
        &self.current
    }

    /// The replay at its position, to encode views.
    pub fn replayer_mut(&mut self) -> &mut Replayer {
        &mut self.current
    }
}
