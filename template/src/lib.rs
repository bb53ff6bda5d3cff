//! King of the hill: walk to the hill; while you are alone on it, your time counts. Shove the
//! others off. The first to hold it for the score limit wins, or whoever held it longest when
//! time runs out. The hill moves every so often.
//!
//! A whole Arena game in one crate:
//! - [`wire`]: the input, the view, the facts and the settings (serde types: the server encodes
//!   them, the browser decodes them from the schema the server derives, no codec to write);
//! - [`Koth`]: the rules, behind `arena_game::Game`: pure, deterministic, no clock;
//! - [`KothBot`]: the bot the server's "Add bots", the bots CLI and the tests play with;
//! - `web/`: the page's module for this game (drawing and keys), embedded in the crate;
//! - `src/main.rs` and `src/bin/koth-bots.rs`: the server and the bots, one line each.

use arena_game::kit::{quantize, MatchClock};
use arena_game::{
    BotPolicy, EndReason, Game, GameInfo, Phase, PlayerId, ScoreLine, SettingSpec, WebFolder,
};

pub mod wire {
    //! What travels: the input a player sends, the view everyone sees, the facts of the
    //! welcome, the settings a host picks.

    use arena_game::protocol::wire::{bounded_vec, fixed_u16};
    use arena_game::PlayerId;
    use serde::{Deserialize, Serialize};

    /// A wire coordinate is `round(world × POS_SCALE)`.
    pub const POS_SCALE: f32 = 16.0;

    /// Bits of [`Input::buttons`].
    pub mod buttons {
        /// Move up (towards y = 0).
        pub const UP: u8 = 1;
        /// Move down.
        pub const DOWN: u8 = 2;
        /// Move left (towards x = 0).
        pub const LEFT: u8 = 4;
        /// Move right.
        pub const RIGHT: u8 = 8;
        /// Shove everyone within reach away (when the cooldown allows).
        pub const SHOVE: u8 = 16;
    }

    /// Bits of [`PlayerView::flags`].
    pub mod flags {
        /// The player is on the hill.
        pub const ON_HILL: u8 = 1;
        /// The player shoved this tick.
        pub const SHOVED: u8 = 2;
        /// The player is connected (its seat is held while it reconnects).
        pub const CONNECTED: u8 = 4;
    }

    /// The buttons a player holds; kept until the next input.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct Input {
        /// Bit set of [`buttons`].
        pub buttons: u8,
    }

    /// A match's settings (`POST /api/matches` `settings`); the bounds are in `Koth::info`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Settings {
        /// Seconds alone on the hill that win.
        pub score_limit_s: u16,
        /// Seconds of play; 0 = no limit.
        pub time_limit_s: u16,
        /// Seconds between two moves of the hill; 0 = it never moves.
        pub hill_moves_s: u16,
    }

    impl Default for Settings {
        /// 30 s on the hill wins, 3 minutes of play, the hill moves every 20 s.
        fn default() -> Self {
            Self {
                score_limit_s: 30,
                time_limit_s: 180,
                hill_moves_s: 20,
            }
        }
    }

    /// Fixed facts for drawing and moving (the welcome's payload).
    #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
    pub struct Facts {
        /// Field width, world units.
        pub width: f32,
        /// Field height, world units.
        pub height: f32,
        /// Hill radius, world units.
        pub hill_radius: f32,
        /// Player radius, world units.
        pub player_radius: f32,
        /// Walking speed, world units per second.
        pub speed: f32,
        /// Shove reach (centre to centre), world units.
        pub shove_range: f32,
        /// How far a shove throws, world units.
        pub shove_distance: f32,
        /// Seconds between two shoves of one player.
        pub shove_cooldown_s: f32,
        /// The settings of this match.
        pub settings: Settings,
    }

    /// A position on the wire: world × [`POS_SCALE`], two bytes each.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct Point {
        /// X × [`POS_SCALE`].
        #[serde(with = "fixed_u16")]
        pub x: u16,
        /// Y × [`POS_SCALE`].
        #[serde(with = "fixed_u16")]
        pub y: u16,
    }

    /// One player as everyone sees it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct PlayerView {
        /// Seat.
        pub id: PlayerId,
        /// Where it stands.
        pub at: Point,
        /// Time alone on the hill, tenths of a second.
        pub held_ds: u32,
        /// Bit set of [`flags`].
        pub flags: u8,
    }

    /// The state after a tick: everyone sees everything.
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct View {
        /// Time left, tenths of a second (0 with no limit or when not running).
        pub time_left_ds: u32,
        /// Where the hill is.
        pub hill: Point,
        /// The player alone on the hill, if any.
        pub king: Option<PlayerId>,
        /// Every seated player, by seat.
        #[serde(deserialize_with = "bounded_vec::deserialize")]
        pub players: Vec<PlayerView>,
    }
}

use wire::{buttons, flags, Facts, Input, PlayerView, Point, Settings, View, POS_SCALE};

/// SplitMix64: the hill's next place, from the match seed. Written out so that no library's
/// stream can change what a seed means (replays depend on it).
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[derive(Debug, Clone)]
struct Player {
    id: PlayerId,
    name: String,
    x: f32,
    y: f32,
    buttons: u8,
    held_s: f64,
    shove_in_s: f32,
    shoved: bool,
    shoves: u32,
    connected: bool,
}

/// One match of king of the hill.
#[derive(Debug, Clone)]
pub struct Koth {
    facts: Facts,
    clock: MatchClock,
    rng: u64,
    hill: (f32, f32),
    hill_timer_s: f32,
    players: Vec<Player>,
    departed: Vec<ScoreLine>,
    king: Option<PlayerId>,
}

impl Koth {
    fn on_hill(&self, p: &Player) -> bool {
        let (dx, dy) = (p.x - self.hill.0, p.y - self.hill.1);
        dx * dx + dy * dy <= self.facts.hill_radius * self.facts.hill_radius
    }

    fn move_hill(&mut self) {
        let margin = self.facts.hill_radius * 1.5;
        let (w, h) = (
            self.facts.width - 2.0 * margin,
            self.facts.height - 2.0 * margin,
        );
        let rx = (splitmix(&mut self.rng) >> 40) as f32 / (1u64 << 24) as f32;
        let ry = (splitmix(&mut self.rng) >> 40) as f32 / (1u64 << 24) as f32;
        self.hill = (margin + rx * w, margin + ry * h);
    }

    fn spawn(&self, id: PlayerId) -> (f32, f32) {
        // Around the edge, by seat: far from the hill at the start.
        let a = f32::from(id) * std::f32::consts::TAU / 16.0;
        let (cx, cy) = (self.facts.width / 2.0, self.facts.height / 2.0);
        (cx + a.cos() * cx * 0.85, cy + a.sin() * cy * 0.85)
    }

    fn line(&self, p: &Player) -> ScoreLine {
        let held_ds = (p.held_s * 10.0) as i32;
        ScoreLine {
            id: p.id,
            name: p.name.clone(),
            team: None,
            score: held_ds / 10,
            stats: vec![held_ds, p.shoves as i32],
        }
    }
}

impl Game for Koth {
    type Input = Input;
    type View = View;
    type Facts = Facts;
    type Settings = Settings;
    type Bot = KothBot;

    fn info() -> GameInfo {
        let d = Settings::default();
        GameInfo {
            name: "koth".into(),
            title: "King of the hill".into(),
            about: "Stand alone on the hill to score; shove the others off. The hill moves.".into(),
            min_players: 1,
            max_players: 16,
            default_players: 6,
            teams: 0,
            settings: vec![
                SettingSpec::new(
                    "score_limit_s",
                    "seconds alone on the hill that win",
                    5,
                    600,
                    d.score_limit_s.into(),
                ),
                SettingSpec::new(
                    "time_limit_s",
                    "seconds of play, 0 = no limit",
                    0,
                    3600,
                    d.time_limit_s.into(),
                ),
                SettingSpec::new(
                    "hill_moves_s",
                    "seconds between two moves of the hill, 0 = never",
                    0,
                    600,
                    d.hill_moves_s.into(),
                ),
            ],
            score_columns: vec!["held_ds".into(), "shoves".into()],
        }
    }

    fn web() -> Option<WebFolder> {
        Some(arena_game::web_folder!("web"))
    }

    fn new(settings: Settings, _max_players: u8, seed: u64) -> Self {
        let facts = Facts {
            width: 1200.0,
            height: 800.0,
            hill_radius: 90.0,
            player_radius: 18.0,
            speed: 220.0,
            shove_range: 60.0,
            shove_distance: 120.0,
            shove_cooldown_s: 1.5,
            settings,
        };
        Self {
            facts,
            clock: MatchClock::new(settings.time_limit_s),
            rng: seed,
            hill: (facts.width / 2.0, facts.height / 2.0),
            hill_timer_s: 0.0,
            players: Vec::new(),
            departed: Vec::new(),
            king: None,
        }
    }

    fn facts(&self) -> Facts {
        self.facts
    }

    fn add_player(&mut self, id: PlayerId, name: &str) {
        if self.players.iter().any(|p| p.id == id) {
            return;
        }
        let (x, y) = self.spawn(id);
        self.players.push(Player {
            id,
            name: name.to_owned(),
            x,
            y,
            buttons: 0,
            held_s: 0.0,
            shove_in_s: 0.0,
            shoved: false,
            shoves: 0,
            connected: true,
        });
        self.players.sort_by_key(|p| p.id);
    }

    fn remove_player(&mut self, id: PlayerId) {
        if let Some(i) = self.players.iter().position(|p| p.id == id) {
            let p = self.players.remove(i);
            if self.clock.phase() != Phase::Waiting {
                self.departed.push(self.line(&p));
            }
        }
    }

    fn set_connected(&mut self, id: PlayerId, connected: bool) {
        if let Some(p) = self.players.iter_mut().find(|p| p.id == id) {
            p.connected = connected;
            if !connected {
                p.buttons = 0;
            }
        }
    }

    fn start(&mut self) {
        self.clock.start();
    }

    fn end(&mut self, reason: EndReason) {
        self.clock.end(reason);
    }

    fn step(&mut self, inputs: &[(PlayerId, Input)], dt_s: f32) {
        for (id, input) in inputs {
            if let Some(p) = self.players.iter_mut().find(|p| p.id == *id) {
                p.buttons = input.buttons;
            }
        }
        if self.clock.ended() {
            return;
        }
        let f = self.facts;
        // Walk.
        for p in &mut self.players {
            p.shoved = false;
            p.shove_in_s = (p.shove_in_s - dt_s).max(0.0);
            let b = p.buttons;
            let dx = f32::from(u8::from(b & buttons::RIGHT != 0))
                - f32::from(u8::from(b & buttons::LEFT != 0));
            let dy = f32::from(u8::from(b & buttons::DOWN != 0))
                - f32::from(u8::from(b & buttons::UP != 0));
            let len = (dx * dx + dy * dy).sqrt();
            if len > 0.0 {
                p.x += dx / len * f.speed * dt_s;
                p.y += dy / len * f.speed * dt_s;
            }
        }
        // Shoves, in seat order: each pushes everyone within reach straight away from it.
        if self.clock.running() {
            for i in 0..self.players.len() {
                let p = &self.players[i];
                if p.buttons & buttons::SHOVE == 0 || p.shove_in_s > 0.0 {
                    continue;
                }
                let (sx, sy) = (p.x, p.y);
                for (j, q) in self.players.iter_mut().enumerate() {
                    let (dx, dy) = (q.x - sx, q.y - sy);
                    let d = (dx * dx + dy * dy).sqrt();
                    if j != i && d <= f.shove_range {
                        let (ux, uy) = if d > 0.01 {
                            (dx / d, dy / d)
                        } else {
                            (1.0, 0.0)
                        };
                        q.x += ux * f.shove_distance;
                        q.y += uy * f.shove_distance;
                    }
                }
                let p = &mut self.players[i];
                p.shove_in_s = f.shove_cooldown_s;
                p.shoved = true;
                p.shoves += 1;
            }
        }
        for p in &mut self.players {
            p.x = p.x.clamp(f.player_radius, f.width - f.player_radius);
            p.y = p.y.clamp(f.player_radius, f.height - f.player_radius);
        }
        // The hill: a lone player on it scores.
        let on: Vec<usize> = (0..self.players.len())
            .filter(|&i| self.on_hill(&self.players[i]))
            .collect();
        self.king = match on.as_slice() {
            [one] => Some(self.players[*one].id),
            _ => None,
        };
        if !self.clock.running() {
            return;
        }
        if let [one] = on.as_slice() {
            let p = &mut self.players[*one];
            p.held_s += f64::from(dt_s);
            if p.held_s + 1e-6 >= f64::from(f.settings.score_limit_s) {
                self.clock.end(EndReason::ScoreLimit);
                return;
            }
        }
        if f.settings.hill_moves_s > 0 {
            self.hill_timer_s += dt_s;
            if self.hill_timer_s + 1e-6 >= f32::from(f.settings.hill_moves_s) {
                self.hill_timer_s = 0.0;
                self.move_hill();
            }
        }
        self.clock.advance(dt_s);
    }

    fn phase(&self) -> Phase {
        self.clock.phase()
    }

    fn end_reason(&self) -> Option<EndReason> {
        self.clock.end_reason()
    }

    fn view_into(&self, _key: arena_game::ViewKey, out: &mut View) {
        let point = |x: f32, y: f32| Point {
            x: quantize(x, POS_SCALE),
            y: quantize(y, POS_SCALE),
        };
        out.time_left_ds = self.clock.time_left_ds();
        out.hill = point(self.hill.0, self.hill.1);
        out.king = self.king;
        out.players.clear();
        out.players.extend(self.players.iter().map(|p| {
            let mut fl = 0;
            if self.on_hill(p) {
                fl |= flags::ON_HILL;
            }
            if p.shoved {
                fl |= flags::SHOVED;
            }
            if p.connected {
                fl |= flags::CONNECTED;
            }
            PlayerView {
                id: p.id,
                at: point(p.x, p.y),
                held_ds: (p.held_s * 10.0) as u32,
                flags: fl,
            }
        }));
    }

    fn scoreboard(&self) -> Vec<ScoreLine> {
        let mut lines: Vec<ScoreLine> = self
            .players
            .iter()
            .map(|p| self.line(p))
            .chain(self.departed.iter().cloned())
            .collect();
        // Longest on the hill first; then fewer shoves; then the lower seat.
        lines.sort_by(|a, b| {
            b.stats[0]
                .cmp(&a.stats[0])
                .then(a.stats[1].cmp(&b.stats[1]))
                .then(a.id.cmp(&b.id))
        });
        lines
    }
}

/// The bot: walk to the hill; shove whoever stands on it too.
pub struct KothBot {
    facts: Facts,
    me: PlayerId,
}

impl BotPolicy<Koth> for KothBot {
    fn new(facts: &Facts, me: PlayerId, _seed: u64) -> Self {
        Self { facts: *facts, me }
    }

    fn input(&mut self, tick: u32, view: &View) -> Option<Input> {
        let me = view.players.iter().find(|p| p.id == self.me)?;
        let at = |p: &Point| (f32::from(p.x) / POS_SCALE, f32::from(p.y) / POS_SCALE);
        let (x, y) = at(&me.at);
        let (hx, hy) = at(&view.hill);
        let (dx, dy) = (hx - x, hy - y);
        let mut b = 0;
        // Aim a little off the centre, by seat, so bots do not stack exactly.
        let slack = self.facts.hill_radius * 0.3;
        let wobble = if (tick / 30 + u32::from(self.me)).is_multiple_of(2) {
            1.0
        } else {
            -1.0
        };
        let (tx, ty) = (dx + wobble * slack * 0.5, dy - wobble * slack * 0.5);
        if tx > slack * 0.3 {
            b |= buttons::RIGHT;
        } else if tx < -slack * 0.3 {
            b |= buttons::LEFT;
        }
        if ty > slack * 0.3 {
            b |= buttons::DOWN;
        } else if ty < -slack * 0.3 {
            b |= buttons::UP;
        }
        let near = view.players.iter().any(|p| {
            let (px, py) = at(&p.at);
            p.id != self.me && (px - x).powi(2) + (py - y).powi(2) <= self.facts.shove_range.powi(2)
        });
        if near && me.flags & flags::ON_HILL != 0 {
            b |= buttons::SHOVE;
        }
        Some(Input { buttons: b })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arena_game::kit::BotMatch;

    /// Bots walk to the hill and someone scores; a lone player on it wins at the score limit.
    #[test]
    fn bots_take_the_hill_and_a_lone_king_wins() {
        let mut m = BotMatch::<Koth>::new(Settings::default(), 4, 1);
        for _ in 0..20 * 60 {
            m.step(0.05);
        }
        let best = &m.game().scoreboard()[0];
        assert!(best.stats[0] > 0, "someone held the hill: {best:?}");

        let solo = Settings {
            score_limit_s: 5,
            time_limit_s: 0,
            hill_moves_s: 0,
        };
        let mut m = BotMatch::<Koth>::new(solo, 1, 1);
        for _ in 0..20 * 30 {
            m.step(0.05);
        }
        assert_eq!(m.game().end_reason(), Some(EndReason::ScoreLimit));
        assert_eq!(m.game().scoreboard()[0].score, 5);
    }

    /// How long two bots take to end a 5-second match (printed; the server test waits for it).
    #[test]
    fn two_bots_finish_a_short_match() {
        let s = Settings {
            score_limit_s: 5,
            time_limit_s: 180,
            hill_moves_s: 0,
        };
        let mut m = BotMatch::<Koth>::new(s, 2, 7);
        let mut ticks = 0;
        while m.game().phase() != Phase::Ended && ticks < 20 * 180 {
            m.step(0.05);
            ticks += 1;
        }
        eprintln!("ended after {ticks} ticks: {:?}", m.game().scoreboard());
        assert_eq!(m.game().end_reason(), Some(EndReason::ScoreLimit));
    }

    /// Two on the hill: nobody scores.
    #[test]
    fn two_on_the_hill_score_nothing() {
        let mut g = Koth::new(Settings::default(), 2, 0);
        g.add_player(0, "a");
        g.add_player(1, "b");
        g.start();
        for p in &mut g.players {
            p.x = g.hill.0;
            p.y = g.hill.1;
        }
        g.step(&[], 0.05);
        assert_eq!(g.king, None);
        assert!(g.players.iter().all(|p| p.held_s == 0.0));
    }
}
