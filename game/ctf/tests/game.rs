//! The checks every game owes Arena (arena_game::testing): registration, the wire vectors of
//! its browser folder (`web/test/wire.json`), decoder fuzzing and allocation bounds, replays byte
//! for byte, a match of its bots. The hand-picked vectors below add edge values to the kit's own.

use arena_ctf::wire::{actions, status, Point, BLUE, RED, SEES_EVERYTHING};
use arena_ctf::{Ctf, Facts, FlagState, Input, PlayerView, Settings, View};
use arena_game::testing::{Options, Vectors};

/// Edge values a reader of the browser codec should see (names the JS tests look up).
fn edge_vectors(v: &mut Vectors<Ctf>) {
    v.facts("facts_standard", &Facts::standard(Settings::default()));
    v.facts(
        "facts_edges",
        &Facts {
            bases: [Point { x: 0, y: u16::MAX }, Point { x: 251, y: 250 }],
            captures_to_win: u16::MAX,
            time_limit_s: 0,
            sight_radius: 0.5,
            ..Facts::standard(Settings::default())
        },
    );
    let p = |id: u8, x, y, st, stamina| PlayerView {
        id,
        team: id % 2,
        x,
        y,
        status: st,
        stamina,
    };
    v.view("view_empty", &View::default());
    v.view(
        "view_red_fog",
        &View {
            sees: RED,
            time_left_ds: 5995,
            captures: [1, 0],
            flags: [FlagState::CarriedUnseen, FlagState::Carried(0)],
            players: vec![
                p(
                    0,
                    1000 * 16,
                    500 * 16,
                    status::IN_PLAY | status::CARRYING,
                    64,
                ),
                p(2, 120 * 16, 500 * 16, 0, 100),
                p(
                    5,
                    1200 * 16,
                    450 * 16,
                    status::IN_PLAY | status::SPRINTING,
                    0,
                ),
            ],
        },
    );
    v.view(
        "view_spectator_dropped",
        &View {
            sees: SEES_EVERYTHING,
            time_left_ds: 0,
            captures: [251, 65_535],
            flags: [
                FlagState::Dropped(Point {
                    x: 16_000,
                    y: 8_000,
                }),
                FlagState::AtBase,
            ],
            players: vec![p(
                1,
                u16::MAX,
                0,
                status::IN_PLAY | status::TAGGED_SOMEONE | status::WAS_TAGGED,
                u8::MAX,
            )],
        },
    );
    v.view(
        "view_blue_edges",
        &View {
            sees: BLUE,
            time_left_ds: u32::MAX,
            captures: [0, 0],
            flags: [
                FlagState::Carried(u8::MAX),
                FlagState::Dropped(Point::default()),
            ],
            players: vec![],
        },
    );
    v.input("input_zero", &Input::default());
    v.input(
        "input_move_sprint",
        &Input {
            target_x: 1880 * 16,
            target_y: 500 * 16,
            actions: actions::MOVE | actions::SPRINT,
        },
    );
    v.input(
        "input_edges",
        &Input {
            target_x: u16::MAX,
            target_y: 0,
            actions: actions::ALL,
        },
    );
    v.invalid_view("flag_state_tag_4", [0, 0, 0, 0, 4, 0, 0]);
    v.invalid_view("carried_without_seat", [0, 0, 0, 0, 1]);
    v.invalid_input("four_bytes", [1, 2, 3, 4]);
}

arena_game::game_tests!(
    Ctf,
    Options {
        vectors: edge_vectors,
        ..Options::with_web(concat!(env!("CARGO_MANIFEST_DIR"), "/web"))
    }
);
