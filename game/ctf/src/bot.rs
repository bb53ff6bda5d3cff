//! The capture-the-flag bot. It sees only its team's view (fog included) and decides, in order:
//! carrying the enemy flag, run home (if our flag is away: return it when it lies on the ground,
//! wait at home while teammates chase its carrier, or chase it alone); else chase the enemy
//! carrying our flag; return our dropped flag; then
//! its role: even slots of a team attack (go for the enemy flag, or escort our carrier), odd
//! slots defend (chase enemies near our base, else guard it). It tags any enemy within reach and
//! sprints when it matters and stamina allows. Pure and deterministic.

use arena_game::{BotPolicy, PlayerId};

use crate::rules::Ctf;
use crate::wire::{
    actions, dequantize_pos, quantize_pos, status, team_of, Facts, FlagState, Input, PlayerView,
    View,
};

/// A defender chases enemies this close to its base, world units.
const DEFEND_RADIUS: f32 = 450.0;

/// A defender waits this far in front of its base, world units.
const GUARD_OFFSET: f32 = 160.0;

/// Stamina kept back for a sprint that matters (carrying, chasing a carrier).
const SPRINT_RESERVE: u8 = 25;

/// Where the attack lanes run, as a fraction of the field's height from the top (and bottom).
const LANE: f32 = 0.18;

/// A chaser sprints at a carrier closer than this, world units.
const LUNGE_RADIUS: f32 = 120.0;

/// In the enemy half, enemies closer than this push the bot's path aside, world units.
const AVOID_RADIUS: f32 = 220.0;

/// One bot in seat `me`.
pub struct CtfBot {
    facts: Facts,
    me: PlayerId,
    team: u8,
    attacker: bool,
}

fn pos(p: &PlayerView) -> (f32, f32) {
    (dequantize_pos(p.x), dequantize_pos(p.y))
}

fn dist(a: (f32, f32), b: (f32, f32)) -> f32 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

impl CtfBot {
    fn base(&self, team: u8) -> (f32, f32) {
        let b = self.facts.bases[team as usize];
        (dequantize_pos(b.x), dequantize_pos(b.y))
    }

    fn flag_spot(&self, view: &View, team: u8) -> Option<(f32, f32)> {
        match view.flags[team as usize] {
            FlagState::AtBase => Some(self.base(team)),
            FlagState::Dropped(p) => Some((dequantize_pos(p.x), dequantize_pos(p.y))),
            FlagState::Carried(id) => view.players.iter().find(|p| p.id == id).map(pos),
            FlagState::CarriedUnseen => None,
        }
    }

    /// Where to go and whether it is worth a sprint.
    fn goal(&self, view: &View, me: &PlayerView) -> ((f32, f32), bool) {
        let here = pos(me);
        let (own, enemy) = (self.team, 1 - self.team);
        let home = self.base(own);
        let carrying = me.status & status::CARRYING != 0;
        let own_flag = view.flags[own as usize];
        let carrier_of_own = |id: u8| view.players.iter().find(|p| p.id == id);
        if carrying {
            let helpers = view
                .players
                .iter()
                .any(|p| p.team == own && p.id != self.me && p.status & status::IN_PLAY != 0);
            return match own_flag {
                // Home to score.
                FlagState::AtBase => (home, true),
                // Return our flag on the way: it cannot score while away.
                FlagState::Dropped(p) => ((dequantize_pos(p.x), dequantize_pos(p.y)), true),
                // Teammates go for our flag; wait at home, ready to score.
                _ if helpers => (home, false),
                // Alone: get it back ourselves (a carrier can be tagged anywhere).
                FlagState::Carried(c) => match carrier_of_own(c) {
                    Some(c) => (pos(c), dist(pos(c), here) < LUNGE_RADIUS),
                    None => (home, true),
                },
                // Its carrier heads for its base as we head for ours: we will meet and see it.
                FlagState::CarriedUnseen => (home, true),
            };
        }
        match own_flag {
            FlagState::Carried(carrier) => {
                if let Some(c) = carrier_of_own(carrier) {
                    // Chasers run: a carrier who kept its stamina gets away, one who spent it
                    // does not.
                    return (pos(c), false);
                }
            }
            FlagState::Dropped(p) => {
                return ((dequantize_pos(p.x), dequantize_pos(p.y)), true);
            }
            // The carrier is heading for its base: cut it off there.
            FlagState::CarriedUnseen if !self.attacker => {
                return (self.base(enemy), true);
            }
            _ => {}
        }
        if self.attacker {
            return match view.flags[enemy as usize] {
                FlagState::Carried(_) => {
                    // A teammate has it: run ahead of the carrier towards home to shield it.
                    let spot = self.flag_spot(view, enemy).unwrap_or(here);
                    let home = self.base(own);
                    ((spot.0 * 0.6 + home.0 * 0.4, spot.1), false)
                }
                _ => {
                    let flag = self.flag_spot(view, enemy).unwrap_or(self.base(enemy));
                    (self.by_lane(here, flag), false)
                }
            };
        }
        let base = self.base(own);
        let intruder = view
            .players
            .iter()
            .filter(|p| p.team != own && p.status & status::IN_PLAY != 0)
            .map(|p| (pos(p), dist(pos(p), base)))
            .filter(|&(_, d)| d <= DEFEND_RADIUS)
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((at, _)) = intruder {
            return (at, false);
        }
        let inward = if base.0 < self.facts.width / 2.0 {
            1.0
        } else {
            -1.0
        };
        let lane = ((self.me / 2) as f32 - 2.0) * 60.0;
        ((base.0 + inward * GUARD_OFFSET, base.1 + lane), false)
    }
}

impl CtfBot {
    /// On the way to `goal` in the enemy half, crosses the middle along this bot's lane (the top
    /// or the bottom of the field, by team and seat), so the two teams' attackers do not meet
    /// head on at the middle and trade tags.
    fn by_lane(&self, here: (f32, f32), goal: (f32, f32)) -> (f32, f32) {
        if self.in_enemy_half(here) || !self.in_enemy_half(goal) {
            return goal;
        }
        let top = (self.team + self.me / 4).is_multiple_of(2);
        let lane_y = self.facts.height * if top { LANE } else { 1.0 - LANE };
        let middle = self.facts.width / 2.0;
        let toward = if self.team == crate::wire::RED {
            1.0
        } else {
            -1.0
        };
        let entry = (middle + toward * 60.0, lane_y);
        if (here.1 - lane_y).abs() < 40.0 {
            // On the lane: run along it into the enemy half.
            return entry;
        }
        // Reach the lane a little before the middle.
        (middle - toward * 150.0, lane_y)
    }

    fn in_enemy_half(&self, at: (f32, f32)) -> bool {
        (at.0 < self.facts.width / 2.0) != (self.team == crate::wire::RED)
    }

    /// In the enemy half, bends the way to `goal` away from enemies who could tag us there.
    fn steer(&self, view: &View, here: (f32, f32), goal: (f32, f32)) -> (f32, f32) {
        if !self.in_enemy_half(here) {
            return goal;
        }
        let (dx, dy) = (goal.0 - here.0, goal.1 - here.1);
        let d = (dx * dx + dy * dy).sqrt().max(1.0);
        let (mut vx, mut vy) = (dx / d, dy / d);
        for p in view
            .players
            .iter()
            .filter(|p| p.team != self.team && p.status & status::IN_PLAY != 0)
        {
            let e = pos(p);
            let de = dist(e, here).max(1.0);
            if de < AVOID_RADIUS && de < d {
                let push = (AVOID_RADIUS - de) / AVOID_RADIUS * 1.5;
                vx += (here.0 - e.0) / de * push;
                vy += (here.1 - e.1) / de * push;
            }
        }
        let n = (vx * vx + vy * vy).sqrt().max(1e-3);
        let step = d.min(200.0);
        let (w, h) = (self.facts.width, self.facts.height);
        (
            (here.0 + vx / n * step).clamp(0.0, w),
            (here.1 + vy / n * step).clamp(0.0, h),
        )
    }
}

impl BotPolicy<Ctf> for CtfBot {
    fn new(facts: &Facts, me: PlayerId, _seed: u64) -> Self {
        Self {
            facts: *facts,
            me,
            team: team_of(me),
            // One in three defends (slots 1, 4, 7), the others attack.
            attacker: (me / 2) % 3 != 1,
        }
    }

    fn input(&mut self, _tick: u32, view: &View) -> Option<Input> {
        let me = view.players.iter().find(|p| p.id == self.me)?;
        if me.status & status::IN_PLAY == 0 {
            return Some(Input::default());
        }
        let here = pos(me);
        let (goal, urgent) = self.goal(view, me);
        let target = self.steer(view, here, goal);
        let mut acts = actions::MOVE;
        let enemy_near = view.players.iter().any(|p| {
            p.team != self.team
                && p.status & status::IN_PLAY != 0
                && dist(pos(p), here) <= self.facts.tag_range
        });
        if enemy_near {
            acts |= actions::TAG;
        }
        // In the enemy half, sprint away from nearby enemies; anyone sprints when it matters.
        let threatened = self.in_enemy_half(here)
            && view.players.iter().any(|p| {
                p.team != self.team
                    && p.status & status::IN_PLAY != 0
                    && dist(pos(p), here) < AVOID_RADIUS
            });
        if (urgent && me.stamina > 0) || (threatened && me.stamina > SPRINT_RESERVE) {
            acts |= actions::SPRINT;
        }
        Some(Input {
            target_x: quantize_pos(target.0),
            target_y: quantize_pos(target.1),
            actions: acts,
        })
    }
}
