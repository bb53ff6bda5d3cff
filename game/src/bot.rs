//! A simple bot policy shared by the bot swarm and the tests: chase the nearest living enemy,
//! aim at it, attack when in range, and strafe a little so bots do not stack up.
//!
//! Pure: it reads a snapshot and returns an input; the caller owns sequence numbers and timing.

use crate::protocol::{
    buttons, dequantize_pos, flags, radians_to_aim, ArenaInfo, PlayerId, PlayerInput, Snapshot,
};

/// The input a bot seated at `me` sends after seeing `snap`. `seq` is the bot's next sequence
/// number; `tick` (or any counter) varies the strafe direction over time.
pub fn bot_input(snap: &Snapshot, arena: &ArenaInfo, me: PlayerId, seq: u16) -> PlayerInput {
    let mut input = PlayerInput {
        seq,
        buttons: 0,
        aim: 0,
    };
    let Some(self_state) = snap.players.iter().find(|p| p.id == me) else {
        return input;
    };
    if self_state.flags & flags::ALIVE == 0 {
        return input;
    }
    let (sx, sy) = (dequantize_pos(self_state.x), dequantize_pos(self_state.y));
    let nearest = snap
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
    let keep = arena.attack_range * 0.6;
    let (mx, my) = if dist > keep {
        (dx, dy)
    } else {
        // Close enough: circle the target, direction flipping every 2 s worth of 20 Hz ticks.
        let side = if (snap.tick / 40 + me as u32).is_multiple_of(2) {
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
    if dist <= arena.attack_range {
        input.buttons |= buttons::ATTACK;
    }
    input
}
