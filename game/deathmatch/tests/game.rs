//! The checks every game owes Arena (arena_game::testing): registration, the wire vectors of
//! its browser folder (`web/test/wire.json`), decoder fuzzing and allocation bounds, replays byte
//! for byte, a match of its bots. The hand-picked vectors below add edge values to the kit's own.

use arena_deathmatch::wire::{buttons, flags};
use arena_deathmatch::{Deathmatch, Facts, Input, PlayerView, Settings, View};
use arena_game::testing::{Options, Vectors};

/// Edge values a reader of the browser codec should see (names the JS tests look up).
fn edge_vectors(v: &mut Vectors<Deathmatch>) {
    v.facts("facts_standard", &Facts::standard(Settings::default()));
    v.facts(
        "facts_edges",
        &Facts {
            width: f32::MAX,
            height: f32::MIN_POSITIVE,
            player_radius: -0.0,
            max_speed: 1e-7,
            attack_range: 0.1,
            attack_cooldown_s: 0.4,
            attack_damage: u8::MAX,
            max_health: 0,
            respawn_delay_s: -2.5,
            time_limit_s: u16::MAX,
            score_limit: 251,
        },
    );
    let alive = flags::ALIVE;
    let p = |id: u8, x, y, health, f, kills, deaths| PlayerView {
        id,
        x,
        y,
        aim: id.wrapping_mul(37),
        health,
        flags: f,
        kills,
        deaths,
    };
    v.view("view_empty", &View::default());
    v.view(
        "view_running",
        &View {
            time_left_ds: 2950,
            players: vec![
                p(0, 800 * 16, 500 * 16, 100, alive, 3, 1),
                p(1, 16 * 20, 16 * 980, 75, alive | flags::ATTACKED, 0, 2),
                p(3, 0, 0, 0, flags::HIT, 250, 251),
            ],
        },
    );
    v.view(
        "view_edges",
        &View {
            time_left_ds: u32::MAX,
            players: vec![
                p(0, u16::MAX, 0, u8::MAX, 0xff, u16::MAX, 0),
                p(u8::MAX, 0, u16::MAX, 0, 0, 0, u16::MAX),
            ],
        },
    );
    v.input("input_zero", &Input::default());
    v.input(
        "input_up_attack",
        &Input {
            buttons: buttons::UP | buttons::ATTACK,
            aim: 200,
        },
    );
    v.input(
        "input_edges",
        &Input {
            buttons: buttons::ALL,
            aim: u8::MAX,
        },
    );
    v.invalid_view("truncated_player", [0, 1, 0, 0, 0]);
    v.invalid_view("time_left_u64_marker", [253, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    v.invalid_input("one_byte", [1]);
}

arena_game::game_tests!(
    Deathmatch,
    Options {
        vectors: edge_vectors,
        ..Options::with_web(concat!(env!("CARGO_MANIFEST_DIR"), "/web"))
    }
);
