//! Capture the flag rules: two teams (seat parity), a flag at each base, each team's half of the
//! field on its base's side. Touch the enemy flag to carry it; bring it to your own base while
//! your flag is home to score; an enemy in your half, or a carrier anywhere, can be tagged (it
//! is out for a while and comes back at its base; a carrier may hide nowhere, so two carriers
//! cannot stall a match); a carrier who is tagged drops the flag where it stands; touching your own dropped flag returns it; a dropped flag also
//! goes home by itself after a while. First to the capture limit, or the most captures at the
//! time limit, wins.
//!
//! Fog of war: each team's view holds its own players and only the enemies within sight radius
//! of one of its players in play; a flag carried by an enemy it cannot see shows as
//! [`FlagState::CarriedUnseen`]. Spectators see everything.
//!
//! Pure: no clock, no I/O; the rules need no randomness (the seed is accepted and unused).

use arena_game::kit::MatchClock;
use arena_game::{
    EndReason, Game, GameInfo, Phase, PlayerId, ScoreLine, SettingSpec, ViewKey, Viewer, WebFolder,
};

use crate::bot::CtfBot;
use crate::wire::{
    actions, dequantize_pos, quantize_pos, status, team_of, Facts, FlagState, Input, PlayerView,
    Point, Settings, View, SEES_EVERYTHING,
};

/// Room between players spawning side by side at a base, world units.
const SPAWN_SPACING: f32 = 40.0;

/// Points per capture, return and tag in a player's score.
const CAPTURE_POINTS: i32 = 5;
const RETURN_POINTS: i32 = 2;
const TAG_POINTS: i32 = 1;

#[derive(Debug, Clone)]
struct Player {
    id: PlayerId,
    team: u8,
    name: String,
    x: f32,
    y: f32,
    target: (f32, f32),
    actions: u8,
    stamina: f32,
    in_play: bool,
    out_for_s: f32,
    tag_cooldown_s: f32,
    sprinting: bool,
    tagged_someone: bool,
    was_tagged: bool,
    captures: i32,
    returns: i32,
    tags: i32,
    tagged: i32,
}

impl Player {
    fn score_line(&self) -> ScoreLine {
        ScoreLine {
            id: self.id,
            name: self.name.clone(),
            team: Some(self.team),
            score: self.captures * CAPTURE_POINTS
                + self.returns * RETURN_POINTS
                + self.tags * TAG_POINTS,
            stats: vec![self.captures, self.returns, self.tags, self.tagged],
        }
    }
}

/// Where a flag really is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Flag {
    AtBase,
    Carried(PlayerId),
    Dropped { x: f32, y: f32, returns_in_s: f32 },
}

/// One match of capture the flag.
#[derive(Clone)]
pub struct Ctf {
    facts: Facts,
    /// Seats per team: spawn points are spread around the base for this many.
    team_size: u8,
    players: Vec<Player>,
    flags: [Flag; 2],
    captures: [u16; 2],
    clock: MatchClock,
    /// Players who left after the match started: they stay on the scoreboard.
    departed: Vec<ScoreLine>,
}

fn dist2(a: (f32, f32), b: (f32, f32)) -> f32 {
    (a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)
}

fn world(p: Point) -> (f32, f32) {
    (dequantize_pos(p.x), dequantize_pos(p.y))
}

impl Ctf {
    /// A new match on the field `facts` describes, with `max_players` seats (two teams).
    pub fn with_facts(facts: Facts, max_players: u8) -> Self {
        Self {
            facts,
            team_size: max_players.div_ceil(2).max(1),
            players: Vec::new(),
            flags: [Flag::AtBase; 2],
            captures: [0; 2],
            clock: MatchClock::new(facts.time_limit_s),
            departed: Vec::new(),
        }
    }

    fn base(&self, team: u8) -> (f32, f32) {
        world(self.facts.bases[team as usize])
    }

    /// Where a player of `team` comes into play: beside its base, towards the field, spread
    /// by seat so teammates do not stack.
    fn spawn_point(&self, id: PlayerId, team: u8) -> (f32, f32) {
        let (bx, by) = self.base(team);
        let inward = if bx < self.facts.width / 2.0 {
            1.0
        } else {
            -1.0
        };
        let slot = (id / 2) as f32;
        let offset = (slot - (self.team_size - 1) as f32 / 2.0) * SPAWN_SPACING;
        (bx + inward * self.facts.base_radius * 0.5, by + offset)
    }

    fn respawn(&mut self, idx: usize) {
        let (id, team) = (self.players[idx].id, self.players[idx].team);
        let (x, y) = self.spawn_point(id, team);
        let p = &mut self.players[idx];
        p.x = x;
        p.y = y;
        p.target = (x, y);
        p.actions = 0;
        p.in_play = true;
        p.out_for_s = 0.0;
        p.stamina = 100.0;
        p.tag_cooldown_s = 0.0;
    }

    /// Drops whatever flag `id` carries where it stands.
    fn drop_flag_of(&mut self, id: PlayerId, at: (f32, f32)) {
        let returns_in_s = self.facts.flag_return_s;
        for flag in &mut self.flags {
            if *flag == Flag::Carried(id) {
                *flag = Flag::Dropped {
                    x: at.0,
                    y: at.1,
                    returns_in_s,
                };
            }
        }
    }

    fn apply_input(&mut self, id: PlayerId, input: &Input) {
        let (w, h) = (self.facts.width, self.facts.height);
        let Some(p) = self.players.iter_mut().find(|p| p.id == id) else {
            return;
        };
        p.target = (
            dequantize_pos(input.target_x).clamp(0.0, w),
            dequantize_pos(input.target_y).clamp(0.0, h),
        );
        p.actions = input.actions & actions::ALL;
    }

    fn move_players(&mut self, dt_s: f32) {
        let f = self.facts;
        for p in self.players.iter_mut() {
            p.sprinting = false;
            if !p.in_play {
                continue;
            }
            let wants_sprint = p.actions & actions::SPRINT != 0 && p.actions & actions::MOVE != 0;
            let (dx, dy) = (p.target.0 - p.x, p.target.1 - p.y);
            let d = (dx * dx + dy * dy).sqrt();
            if p.actions & actions::MOVE != 0 && d > 0.0 {
                let sprint = wants_sprint && p.stamina > 0.0;
                let speed = if sprint { f.sprint_speed } else { f.speed };
                let step = (speed * dt_s).min(d);
                p.x = (p.x + dx / d * step).clamp(f.player_radius, f.width - f.player_radius);
                p.y = (p.y + dy / d * step).clamp(f.player_radius, f.height - f.player_radius);
                p.sprinting = sprint;
            }
            p.stamina = if p.sprinting {
                (p.stamina - f.stamina_drain_per_s * dt_s).max(0.0)
            } else {
                (p.stamina + f.stamina_regen_per_s * dt_s).min(100.0)
            };
        }
    }

    fn bring_back_tagged(&mut self, dt_s: f32) {
        for i in 0..self.players.len() {
            if self.players[i].in_play {
                continue;
            }
            self.players[i].out_for_s -= dt_s;
            if self.players[i].out_for_s <= 0.0 {
                self.respawn(i);
            }
        }
    }

    /// Tags, all at once, so the outcome depends neither on input arrival order nor on seats.
    fn resolve_tags(&mut self, dt_s: f32) {
        let f = self.facts;
        let reach2 = f.tag_range * f.tag_range;
        let half = f.width / 2.0;
        let flags = self.flags;
        // Every tag is decided on the state before any of them, so two players who tag each
        // other in the same tick are both out, whatever their seats.
        let mut tags: Vec<(usize, usize)> = Vec::new();
        for (i, p) in self.players.iter_mut().enumerate() {
            p.tag_cooldown_s = (p.tag_cooldown_s - dt_s).max(0.0);
            if !p.in_play || p.actions & actions::TAG == 0 || p.tag_cooldown_s > 0.0 {
                continue;
            }
            tags.push((i, usize::MAX));
        }
        for (i, victim) in tags.iter_mut() {
            let p = &self.players[*i];
            let (me, team) = ((p.x, p.y), p.team);
            let own_half = |x: f32| (x < half) == (team == crate::wire::RED);
            let carrying = |id: PlayerId| flags.contains(&Flag::Carried(id));
            let target = self
                .players
                .iter()
                .enumerate()
                .filter(|(_, q)| q.in_play && q.team != team && (own_half(q.x) || carrying(q.id)))
                .map(|(j, q)| (j, dist2(me, (q.x, q.y))))
                .filter(|&(_, d2)| d2 <= reach2)
                .min_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((j, _)) = target {
                *victim = j;
            }
        }
        for (i, j) in tags {
            if j == usize::MAX {
                continue;
            }
            let tagger = &mut self.players[i];
            tagger.tagged_someone = true;
            tagger.tags += 1;
            tagger.tag_cooldown_s = f.tag_cooldown_s;
            let victim = &mut self.players[j];
            if !victim.in_play {
                continue; // already tagged by a teammate this tick
            }
            victim.in_play = false;
            victim.was_tagged = true;
            victim.out_for_s = f.respawn_delay_s;
            victim.tagged += 1;
            victim.actions = 0;
            let (vid, at) = (victim.id, (victim.x, victim.y));
            self.drop_flag_of(vid, at);
        }
    }

    /// Pick-ups, returns and captures, in seat order.
    fn resolve_flags(&mut self) {
        let f = self.facts;
        let touch2 = f.flag_touch_radius * f.flag_touch_radius;
        let base2 = f.base_radius * f.base_radius;
        for i in 0..self.players.len() {
            let p = &self.players[i];
            if !p.in_play {
                continue;
            }
            let (id, team, at) = (p.id, p.team, (p.x, p.y));
            let enemy = 1 - team;
            // The enemy flag: pick it up from its base or from where it lies.
            let enemy_flag_at = match self.flags[enemy as usize] {
                Flag::AtBase => Some(self.base(enemy)),
                Flag::Dropped { x, y, .. } => Some((x, y)),
                Flag::Carried(_) => None,
            };
            if enemy_flag_at.is_some_and(|spot| dist2(at, spot) <= touch2) {
                self.flags[enemy as usize] = Flag::Carried(id);
            }
            // The own flag: touching it where it lies sends it home.
            if let Flag::Dropped { x, y, .. } = self.flags[team as usize] {
                if dist2(at, (x, y)) <= touch2 {
                    self.flags[team as usize] = Flag::AtBase;
                    self.players[i].returns += 1;
                }
            }
            // A capture: the enemy flag carried home while the own flag is at base.
            if self.flags[enemy as usize] == Flag::Carried(id)
                && self.flags[team as usize] == Flag::AtBase
                && dist2(at, self.base(team)) <= base2
            {
                self.flags[enemy as usize] = Flag::AtBase;
                self.captures[team as usize] += 1;
                self.players[i].captures += 1;
                if self.captures[team as usize] >= f.captures_to_win {
                    self.end(EndReason::ScoreLimit);
                    return;
                }
            }
        }
        for flag in &mut self.flags {
            if let Flag::Dropped { returns_in_s, .. } = flag {
                if *returns_in_s <= 0.0 {
                    *flag = Flag::AtBase;
                }
            }
        }
    }

    fn tick_dropped_flags(&mut self, dt_s: f32) {
        for flag in &mut self.flags {
            if let Flag::Dropped { returns_in_s, .. } = flag {
                *returns_in_s -= dt_s;
            }
        }
    }

    /// Whether `team` sees the enemy at `at`: within sight of one of its players in play.
    fn team_sees(&self, team: u8, at: (f32, f32)) -> bool {
        let sight2 = self.facts.sight_radius * self.facts.sight_radius;
        self.players
            .iter()
            .filter(|p| p.team == team && p.in_play)
            .any(|p| dist2((p.x, p.y), at) <= sight2)
    }

    fn player_view(&self, p: &Player, own: bool) -> PlayerView {
        let mut s = 0;
        if p.in_play {
            s |= status::IN_PLAY;
        }
        if self.flags.contains(&Flag::Carried(p.id)) {
            s |= status::CARRYING;
        }
        if p.sprinting {
            s |= status::SPRINTING;
        }
        if p.tagged_someone {
            s |= status::TAGGED_SOMEONE;
        }
        if p.was_tagged {
            s |= status::WAS_TAGGED;
        }
        PlayerView {
            id: p.id,
            team: p.team,
            x: quantize_pos(p.x),
            y: quantize_pos(p.y),
            status: s,
            stamina: if own { p.stamina.round() as u8 } else { 0 },
        }
    }

    /// Once ended, nobody moves or tags.
    fn stop_everyone(&mut self) {
        for p in &mut self.players {
            p.actions = 0;
        }
    }

    /// The true positions of every player (tests check the fog against them).
    pub fn positions(&self) -> Vec<(PlayerId, u8, f32, f32, bool)> {
        self.players
            .iter()
            .map(|p| (p.id, p.team, p.x, p.y, p.in_play))
            .collect()
    }
}

impl Game for Ctf {
    type Input = Input;
    type View = View;
    type Facts = Facts;
    type Settings = Settings;
    type Bot = CtfBot;

    /// The browser folder `web/` (the page's module for this game), embedded in the crate.
    fn web() -> Option<WebFolder> {
        Some(arena_game::web_folder!("web"))
    }

    fn info() -> GameInfo {
        let d = Settings::default();
        GameInfo {
            name: "ctf".into(),
            title: "Capture the flag".into(),
            about: "Two teams in fog of war: carry the enemy flag home while yours is at base."
                .into(),
            min_players: 2,
            max_players: 16,
            default_players: 8,
            teams: 2,
            settings: vec![
                SettingSpec::new(
                    "captures_to_win",
                    "captures that win the match",
                    1,
                    20,
                    d.captures_to_win.into(),
                ),
                SettingSpec::new(
                    "time_limit_s",
                    "seconds of play, 0 = no limit (most captures wins)",
                    0,
                    3600,
                    d.time_limit_s.into(),
                ),
                SettingSpec::new(
                    "sight_radius",
                    "how far a player sees, world units (the field is 2000 × 1000)",
                    100,
                    2000,
                    d.sight_radius.into(),
                ),
            ],
            score_columns: vec![
                "captures".into(),
                "returns".into(),
                "tags".into(),
                "tagged".into(),
            ],
        }
    }

    fn check_settings(_: &Settings, max_players: u8) -> Result<(), String> {
        if !max_players.is_multiple_of(2) {
            return Err(format!(
                "ctf needs an even max_players (two equal teams), not {max_players}"
            ));
        }
        Ok(())
    }

    fn new(settings: Settings, max_players: u8, _seed: u64) -> Self {
        Self::with_facts(Facts::standard(settings), max_players)
    }

    fn facts(&self) -> Facts {
        self.facts
    }

    fn add_player(&mut self, id: PlayerId, name: &str) {
        if self.players.iter().any(|p| p.id == id) {
            return;
        }
        let pos = self.players.partition_point(|p| p.id < id);
        self.players.insert(
            pos,
            Player {
                id,
                team: team_of(id),
                name: name.to_owned(),
                x: 0.0,
                y: 0.0,
                target: (0.0, 0.0),
                actions: 0,
                stamina: 100.0,
                in_play: true,
                out_for_s: 0.0,
                tag_cooldown_s: 0.0,
                sprinting: false,
                tagged_someone: false,
                was_tagged: false,
                captures: 0,
                returns: 0,
                tags: 0,
                tagged: 0,
            },
        );
        self.respawn(pos);
    }

    fn remove_player(&mut self, id: PlayerId) {
        let Some(pos) = self.players.iter().position(|p| p.id == id) else {
            return;
        };
        let p = self.players.remove(pos);
        self.drop_flag_of(id, (p.x, p.y));
        if self.clock.phase() != Phase::Waiting {
            self.departed.push(p.score_line());
        }
    }

    fn set_connected(&mut self, id: PlayerId, connected: bool) {
        // A dropped player stands still instead of running on towards its last target.
        if let Some(p) = self.players.iter_mut().find(|p| p.id == id) {
            if !connected {
                p.actions = 0;
            }
        }
    }

    fn start(&mut self) {
        if !self.clock.start() {
            return;
        }
        self.departed.clear();
        self.flags = [Flag::AtBase; 2];
        self.captures = [0; 2];
        for i in 0..self.players.len() {
            let p = &mut self.players[i];
            (p.captures, p.returns, p.tags, p.tagged) = (0, 0, 0, 0);
            self.respawn(i);
        }
    }

    fn end(&mut self, reason: EndReason) {
        if self.clock.end(reason) {
            self.stop_everyone();
        }
    }

    fn step(&mut self, inputs: &[(PlayerId, Input)], dt_s: f32) {
        for p in &mut self.players {
            p.tagged_someone = false;
            p.was_tagged = false;
        }
        if self.clock.ended() {
            return;
        }
        for (id, input) in inputs {
            self.apply_input(*id, input);
        }
        self.move_players(dt_s);
        if !self.clock.running() {
            return;
        }
        self.bring_back_tagged(dt_s);
        self.resolve_tags(dt_s);
        self.tick_dropped_flags(dt_s);
        self.resolve_flags();
        if self.clock.advance(dt_s) {
            self.stop_everyone();
        }
    }

    fn phase(&self) -> Phase {
        self.clock.phase()
    }

    fn end_reason(&self) -> Option<EndReason> {
        self.clock.end_reason()
    }

    fn view_key(&self, viewer: Viewer) -> ViewKey {
        match viewer {
            Viewer::Player(id) => ViewKey(team_of(id).into()),
            Viewer::Spectator => ViewKey::EVERYTHING,
        }
    }

    fn view_into(&self, key: ViewKey, out: &mut View) {
        let team = u8::try_from(key.0).ok().filter(|t| *t < 2);
        out.sees = team.unwrap_or(SEES_EVERYTHING);
        out.time_left_ds = self.clock.time_left_ds();
        out.captures = self.captures;
        out.players.clear();
        for p in &self.players {
            let visible = match team {
                None => true,
                Some(t) => p.team == t || (p.in_play && self.team_sees(t, (p.x, p.y))),
            };
            if visible {
                out.players
                    .push(self.player_view(p, team.is_none_or(|t| t == p.team)));
            }
        }
        for (i, flag) in self.flags.iter().enumerate() {
            out.flags[i] = match *flag {
                Flag::AtBase => FlagState::AtBase,
                Flag::Dropped { x, y, .. } => FlagState::Dropped(Point {
                    x: quantize_pos(x),
                    y: quantize_pos(y),
                }),
                Flag::Carried(id) if out.players.iter().any(|p| p.id == id) => {
                    FlagState::Carried(id)
                }
                Flag::Carried(_) => FlagState::CarriedUnseen,
            };
        }
    }

    fn scoreboard(&self) -> Vec<ScoreLine> {
        let mut board: Vec<ScoreLine> = self
            .players
            .iter()
            .map(Player::score_line)
            .chain(self.departed.iter().cloned())
            .collect();
        board.sort_by(|a, b| b.score.cmp(&a.score).then(a.id.cmp(&b.id)));
        board
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{BLUE, RED};
    use arena_game::{codec, BotPolicy};

    fn game(players: u8) -> Ctf {
        let mut g = Ctf::new(Settings::default(), players, 0);
        for id in 0..players {
            g.add_player(id, &format!("p{id}"));
        }
        g
    }

    fn place(g: &mut Ctf, id: PlayerId, x: f32, y: f32) {
        let p = g.players.iter_mut().find(|p| p.id == id).unwrap();
        p.x = x;
        p.y = y;
        p.target = (x, y);
    }

    fn go(to: (f32, f32), actions: u8) -> Input {
        Input {
            target_x: quantize_pos(to.0),
            target_y: quantize_pos(to.1),
            actions,
        }
    }

    fn view(g: &Ctf, key: ViewKey) -> View {
        let mut v = View::default();
        g.view_into(key, &mut v);
        v
    }

    /// Moving towards a point runs at speed, stops on the point; sprinting is faster and costs
    /// stamina, which comes back when not sprinting.
    #[test]
    fn move_to_a_point_and_sprint() {
        let mut g = game(2);
        g.start();
        place(&mut g, 0, 500.0, 500.0);
        g.step(&[(0, go((1500.0, 500.0), actions::MOVE))], 1.0);
        assert_eq!(g.players[0].x, 720.0);
        g.step(
            &[(0, go((1500.0, 500.0), actions::MOVE | actions::SPRINT))],
            1.0,
        );
        assert_eq!(g.players[0].x, 1060.0);
        assert_eq!(g.players[0].stamina, 60.0);
        g.step(&[(0, go((1100.0, 500.0), actions::MOVE))], 1.0);
        assert_eq!(g.players[0].x, 1100.0, "stops on the target");
        assert_eq!(g.players[0].stamina, 75.0);
    }

    /// Touch the enemy flag, carry it home while your own is at base: a capture; the flag goes
    /// back; the capture limit ends the match.
    #[test]
    fn carry_the_flag_home_to_score() {
        let mut g = Ctf::new(
            Settings {
                captures_to_win: 2,
                ..Settings::default()
            },
            2,
            0,
        );
        g.add_player(0, "red");
        g.add_player(1, "blue");
        g.start();
        let (blue_base, red_base) = (g.base(BLUE), g.base(RED));
        for n in 1..=2u16 {
            place(&mut g, 0, blue_base.0 - 10.0, blue_base.1);
            place(&mut g, 1, 1000.0, 100.0);
            g.step(&[], 0.05);
            assert_eq!(g.flags[BLUE as usize], Flag::Carried(0));
            let v = view(&g, ViewKey(RED.into()));
            assert_eq!(v.flags[BLUE as usize], FlagState::Carried(0));
            place(&mut g, 0, red_base.0 + 30.0, red_base.1);
            g.step(&[], 0.05);
            assert_eq!(g.captures, [n, 0]);
            assert_eq!(g.flags[BLUE as usize], Flag::AtBase);
        }
        assert_eq!(g.phase(), Phase::Ended);
        assert_eq!(g.end_reason(), Some(EndReason::ScoreLimit));
        let board = g.scoreboard();
        assert_eq!((board[0].name.as_str(), board[0].stats[0]), ("red", 2));
    }

    /// No capture while your own flag is away; a tagged carrier drops the flag where it stands;
    /// touching your own dropped flag returns it; a dropped flag goes home by itself.
    #[test]
    fn tags_drop_and_touches_return() {
        let mut g = game(2);
        g.start();
        let (blue_base, red_base) = (g.base(BLUE), g.base(RED));
        // Red cannot tag a blue player (not carrying) in the blue half.
        place(&mut g, 0, 1100.0, 860.0);
        place(&mut g, 1, 1100.0, 900.0);
        g.step(&[(0, go((1100.0, 860.0), actions::TAG))], 0.05);
        assert!(g.players[1].in_play);
        // Red carries the blue flag, blue carries the red flag.
        place(&mut g, 0, blue_base.0, blue_base.1);
        place(&mut g, 1, red_base.0, red_base.1);
        g.step(&[], 0.05);
        assert_eq!(g.flags, [Flag::Carried(1), Flag::Carried(0)]);
        // Red reaches home, but its flag is away: no capture.
        place(&mut g, 0, red_base.0 + 10.0, red_base.1);
        place(&mut g, 1, 1000.0, 900.0);
        g.step(&[], 0.05);
        assert_eq!(g.captures, [0, 0]);
        // Red tags the blue carrier, even in the blue half: the red flag drops where blue stands.
        place(&mut g, 0, 1100.0, 860.0);
        place(&mut g, 1, 1100.0, 900.0);
        g.step(&[(0, go((1100.0, 860.0), actions::TAG))], 0.05);
        assert!(!g.players[1].in_play);
        assert!(
            matches!(g.flags[RED as usize], Flag::Dropped { x, y, .. } if (x, y) == (1100.0, 900.0))
        );
        assert_eq!((g.players[0].tags, g.players[1].tagged), (1, 1));
        // The tagger keeps carrying; touching its own dropped flag returns it.
        g.step(&[(0, go((1100.0, 900.0), actions::MOVE))], 0.2);
        assert_eq!(g.flags[RED as usize], Flag::AtBase);
        assert_eq!(g.players[0].returns, 1);
        assert_eq!(g.flags[BLUE as usize], Flag::Carried(0));
        // Blue comes back at its base after the delay.
        for _ in 0..60 {
            g.step(&[], 0.05);
        }
        assert!(g.players[1].in_play);
        assert!(dist2((g.players[1].x, g.players[1].y), blue_base) < 200.0 * 200.0);
        // A dropped flag goes home by itself.
        let at = (g.players[0].x, g.players[0].y);
        g.drop_flag_of(0, at);
        place(&mut g, 0, 100.0, 100.0);
        for _ in 0..(20 * 20 + 1) {
            g.step(&[], 0.05);
        }
        assert_eq!(g.flags[BLUE as usize], Flag::AtBase);
    }

    /// Each team sees its own players and only the enemies within sight of one of its players
    /// in play; a flag carried by an unseen enemy shows no position; spectators see all.
    #[test]
    fn fog_hides_enemies_out_of_sight() {
        let mut g = game(4);
        g.start();
        let sight = g.facts.sight_radius;
        place(&mut g, 0, 500.0, 500.0); // red
        place(&mut g, 2, 100.0, 100.0); // red
        place(&mut g, 1, 500.0 + sight - 1.0, 500.0); // blue, seen by player 0
        place(&mut g, 3, 1800.0, 900.0); // blue, unseen
        let red = view(&g, ViewKey(RED.into()));
        let ids: Vec<u8> = red.players.iter().map(|p| p.id).collect();
        assert_eq!(ids, [0, 1, 2]);
        assert_eq!(red.sees, RED);
        assert_eq!(red.players[1].stamina, 0, "enemy stamina is hidden");
        assert_eq!(red.players[0].stamina, 100);
        let blue = view(&g, ViewKey(BLUE.into()));
        let ids: Vec<u8> = blue.players.iter().map(|p| p.id).collect();
        assert_eq!(ids, [0, 1, 3], "player 2 is out of blue's sight");
        let all = view(&g, ViewKey::EVERYTHING);
        assert_eq!(all.players.len(), 4);
        // Blue 3 carries the red flag out of red's sight.
        g.flags[RED as usize] = Flag::Carried(3);
        assert_eq!(
            view(&g, ViewKey(RED.into())).flags[0],
            FlagState::CarriedUnseen
        );
        assert_eq!(
            view(&g, ViewKey(BLUE.into())).flags[0],
            FlagState::Carried(3)
        );
        assert_eq!(
            view(&g, ViewKey::EVERYTHING).flags[0],
            FlagState::Carried(3)
        );
        // A tagged (out) player gives no sight.
        g.players[0].in_play = false;
        let red = view(&g, ViewKey(RED.into()));
        assert!(!red.players.iter().any(|p| p.id == 1));
    }

    /// Two teams and spectators are three views; a player's view key is its team's.
    #[test]
    fn view_keys_are_teams() {
        let g = game(4);
        assert_eq!(g.view_key(Viewer::Player(0)), g.view_key(Viewer::Player(2)));
        assert_ne!(g.view_key(Viewer::Player(0)), g.view_key(Viewer::Player(1)));
        assert_eq!(g.view_key(Viewer::Spectator), ViewKey::EVERYTHING);
    }

    /// Odd seat counts are refused; the declared defaults are the type's.
    #[test]
    fn settings_are_checked() {
        assert!(Ctf::check_settings(&Settings::default(), 7).is_err());
        assert!(Ctf::check_settings(&Settings::default(), 8).is_ok());
        let resolved = arena_game::settings::resolve("ctf", &Ctf::info().settings, None).unwrap();
        let typed: Settings = arena_game::settings::into_settings(&resolved).unwrap();
        assert_eq!(typed, Settings::default());
    }

    /// Plays `players` bots for `ticks` ticks, each seeing only its team's view, recording the
    /// spectator view's bytes every tick; returns them with the final game.
    fn bot_match(players: u8, ticks: usize) -> (Vec<Vec<u8>>, Ctf) {
        let mut g = Ctf::new(
            Settings {
                captures_to_win: 20,
                time_limit_s: 0,
                ..Settings::default()
            },
            players,
            0,
        );
        for id in 0..players {
            g.add_player(id, &format!("bot{id}"));
        }
        g.start();
        let facts = g.facts();
        let mut bots: Vec<CtfBot> = (0..players).map(|id| CtfBot::new(&facts, id, 1)).collect();
        let mut recorded = Vec::new();
        for tick in 0..ticks {
            let views = [view(&g, ViewKey(0)), view(&g, ViewKey(1))];
            let inputs: Vec<(PlayerId, Input)> = (0..players)
                .filter_map(|id| {
                    let v = &views[team_of(id) as usize];
                    Some((id, bots[id as usize].input(tick as u32, v)?))
                })
                .collect();
            g.step(&inputs, 0.05);
            recorded.push(codec::encode(&view(&g, ViewKey::EVERYTHING)).unwrap());
        }
        (recorded, g)
    }

    /// One bot a side does not deadlock with both flags carried home (a carrier can be tagged
    /// anywhere), and neither seat has the edge (tags are simultaneous): both teams score.
    #[test]
    fn one_on_one_bots_score() {
        let (_, g) = bot_match(2, 20 * 240);
        assert!(g.captures.iter().all(|c| *c >= 1), "{:?}", g.scoreboard());
    }

    /// Bots that see only their team's view still play: they carry flags home and score, tag
    /// carriers and return their own flag; and the same match replays to the same bytes.
    #[test]
    fn bots_capture_tag_and_return() {
        let (a, g) = bot_match(8, 20 * 240);
        let total: u16 = g.captures.iter().sum();
        let board = g.scoreboard();
        let sum = |col: usize| board.iter().map(|l| l.stats[col]).sum::<i32>();
        assert!(total >= 2, "bots should score: {:?}", g.captures);
        assert!(sum(2) > 0, "bots should tag");
        assert!(sum(1) > 0, "bots should return their flag");
        let (b, _) = bot_match(8, 20 * 240);
        assert!(a == b, "the same bots replay to the same views");
    }
}
