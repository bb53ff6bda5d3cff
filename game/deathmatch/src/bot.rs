//! The deathmatch bot: chase the nearest living enemy, aim at it, attack when in range, and
//! circle it so bots do not stack up. Pure: it reads a view and returns an input.

use arena_game::{BotPolicy, PlayerId};

use crate::rules::Deathmatch;
use crate::wire::{buttons, dequantize_pos, flags, radians_to_aim, Facts, Input, View};

/// One bot in seat `me`.
pub struct DeathmatchBot {
    facts: Facts,
    me: PlayerId,
}

impl BotPolicy<Deathmatch> for DeathmatchBot {
    fn new(facts: &Facts, me: PlayerId, _seed: u64) -> Self {
        Self { facts: *facts, me }
    }

    fn input(&mut self, tick: u32, view: &View) -> Option<Input> {
        Some(bot_input(view, &self.facts, self.me, tick))
    }
}

/// The input a bot seated at `me` sends after seeing `view` at `tick` (the tick flips the
/// circling direction every 2 s of 20 Hz ticks).
pub fn bot_input(view: &View, facts: &Facts, me: PlayerId, tick: u32) -> Input {
    let mut input = Input::default();
    let Some(self_state) = view.players.iter().find(|p| p.id == me) else {
        return input;
    };
    if self_state.flags & flags::ALIVE == 0 {
        return input;
    }
    let (sx, sy) = (dequantize_pos(self_state.x), dequantize_pos(self_state.y));
    let nearest = view
        .players
        .iter()
        .filter(|p| p.id != me && p.flags & flags::ALIVE != 0)
        .map(|p| {
            let (dx, dy) = (dequantize_pos(p.x) - sx, dequantize_pos(p.y) - sy);
            (dx, dy, dx * dx + dy * dy)
        })
        .min_by(|a, b| a.2.total_cmp(&b.2));
    let Some((dx, dy, d2)) = nearest else {
        return input;
    };
    input.aim = radians_to_aim(dy.atan2(dx));
    let dist = d2.sqrt();
    let keep = facts.attack_range * 0.6;
    let (mx, my) = if dist > keep {
        (dx, dy)
    } else {
        let side = if (tick / 40 + me as u32).is_multiple_of(2) {
            1.0
        } else {
            -1.0
        };
        (-dy * side, dx * side)
    };
    let threshold = 0.38 * mx.abs().max(my.abs());
    if mx > threshold {
        input.buttons |= buttons::RIGHT;
    } else if mx < -threshold {
        input.buttons |= buttons::LEFT;
    }
    if my > threshold {
        input.buttons |= buttons::DOWN;
    } else if my < -threshold {
        input.buttons |= buttons::UP;
    }
    if dist <= facts.attack_range {
        input.buttons |= buttons::ATTACK;
    }
    input
}
