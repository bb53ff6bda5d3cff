//! Replays that must not play: a match of the built-in registry played by the game's bots through
//! the erased interfaces the server uses, recorded by `arena_game::replay::Recording`, then
//! altered: other rules, an unknown game, another format, bad settings each refuse to play with a
//! clear error.

use arena_game::replay::{Recording, Replay, ReplayError, ReplayHeader, Replayer, REPLAY_FORMAT};
use arena_game::{DynBot, DynGame, EndReason, GameRegistry, ViewKey, Viewer};

const HZ: u8 = 20;

/// Every view of one tick: (key, bytes).
type TickViews = Vec<(ViewKey, Vec<u8>)>;

/// Every distinct view's bytes at this tick: the spectators' and each seat's.
fn views(game: &mut dyn DynGame, seats: u8) -> TickViews {
    let mut keys = vec![game.view_key(Viewer::Spectator)];
    for id in 0..seats {
        let k = game.view_key(Viewer::Player(id));
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys.into_iter()
        .map(|k| {
            let mut bytes = Vec::new();
            game.encode_view(k, &mut bytes).unwrap();
            (k, bytes)
        })
        .collect()
}

/// Plays `ticks` ticks of `game` with `seats` bots, as the match would, recording; returns the
/// replay and the views of every tick.
fn play(registry: &GameRegistry, name: &str, seats: u8, ticks: u32) -> (Replay, Vec<TickViews>) {
    let game_type = registry.get(name).unwrap();
    let settings = game_type.settings(None, seats).unwrap();
    let seed = 0x5EED_0000 + u64::from(seats);
    let dt = std::time::Duration::from_secs_f64(1.0 / f64::from(HZ)).as_secs_f32();
    let header = ReplayHeader {
        format: REPLAY_FORMAT,
        game: name.into(),
        rules_version: game_type.rules_version(),
        settings: serde_json::to_string(&settings).unwrap(),
        max_players: seats,
        tick_hz: HZ,
        seed,
        step_bits: dt.to_bits(),
    };
    let mut game = Recording::new(game_type.create(&settings, seats, seed).unwrap(), header);
    let mut facts = Vec::new();
    game.encode_facts(&mut facts).unwrap();
    let mut bots: Vec<Box<dyn DynBot>> = (0..seats)
        .map(|id| game_type.bot(&facts, id, seed).unwrap())
        .collect();
    let mut seen = Vec::new();
    let mut input = Vec::new();
    for tick in 0..ticks {
        // Players arrive over the first ticks, one drops and comes back, one leaves for good.
        if (tick as usize) < seats as usize {
            game.add_player(tick as u8, &format!("bot-{tick}"));
        }
        if tick == u32::from(seats) {
            game.start();
        }
        if tick == ticks / 3 {
            game.set_connected(1, false);
            game.discard_inputs(1);
        }
        if tick == ticks / 3 + 40 {
            game.set_connected(1, true);
        }
        if tick == ticks / 2 {
            game.remove_player(seats - 1);
        }
        let present = (tick as usize + 1).min(seats as usize) as u8;
        for id in 0..present {
            let gone = (id == 1 && (ticks / 3..ticks / 3 + 40).contains(&tick))
                || (id == seats - 1 && tick >= ticks / 2);
            if gone {
                continue;
            }
            let key = game.view_key(Viewer::Player(id));
            let mut view = Vec::new();
            game.encode_view(key, &mut view).unwrap();
            input.clear();
            if bots[id as usize].input(tick, &view, &mut input).unwrap() {
                game.queue_input(id, &input).unwrap();
            }
        }
        game.step(dt);
        seen.push(views(&mut game, seats));
    }
    game.end(EndReason::Host);
    game.step(dt);
    seen.push(views(&mut game, seats));
    (game.into_replay(), seen)
}

/// A replay that cannot play says why: other rules, an unknown game, another format, settings
/// the game refuses, bytes that are no replay. (That a replay of each game re-simulates byte for
/// byte, and seeks exactly, is each game's own test: `arena_game::game_tests!`.)
#[test]
fn replays_that_cannot_play_say_why() {
    let registry = arena_catalog::builtin();
    let (replay, _) = play(&registry, "deathmatch", 2, 40);

    let mut other_rules = replay.clone();
    other_rules.header.rules_version += 1;
    let err = Replayer::new(&registry, &other_rules).err().unwrap();
    assert!(matches!(err, ReplayError::RulesVersion { .. }), "{err}");
    assert!(
        err.to_string().contains("rules version 2 of deathmatch"),
        "{err}"
    );

    let mut unknown = replay.clone();
    unknown.header.game = "pong".into();
    assert_eq!(
        Replayer::new(&registry, &unknown).err(),
        Some(ReplayError::UnknownGame("pong".into()))
    );

    let mut future = replay.clone();
    future.header.format = REPLAY_FORMAT + 1;
    let err = Replay::decode(&future.encode().unwrap()).unwrap_err();
    assert!(matches!(err, ReplayError::Format(_)), "{err}");

    let mut bad_settings = replay;
    bad_settings.header.settings = "{\"no_such_setting\": 1}".into();
    assert!(matches!(
        Replayer::new(&registry, &bad_settings).err(),
        Some(ReplayError::Settings(_))
    ));
    assert!(matches!(
        Replay::decode(&[1, 2, 3]),
        Err(ReplayError::Format(_))
    ));
}
