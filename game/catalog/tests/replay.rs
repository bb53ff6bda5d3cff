//! Replays that must not play: a match of the built-in registry played by the game's bots through
//! the erased interfaces the server uses, recorded by `arena_game::replay::Recording`, then
//! altered: other rules, an unknown game, another format, bad settings each refuse to play with a
//! clear error.

use arena_deathmatch::Deathmatch;
use arena_game::replay::{Replay, ReplayError, Replayer, REPLAY_FORMAT};
use arena_game::testing::{play_recorded, Options};

/// 40 ticks of a deathmatch of two bots, recorded as the match would record it.
fn recorded() -> Replay {
    let options = Options::<Deathmatch> {
        seats: Some(2),
        ..Options::default()
    };
    play_recorded(&options, 40).0
}

/// A replay that cannot play says why: other rules, an unknown game, another format, settings
/// the game refuses, bytes that are no replay. (That a replay of each game re-simulates byte for
/// byte, and seeks exactly, is each game's own test: `arena_game::game_tests!`.)
#[test]
fn replays_that_cannot_play_say_why() {
    let registry = arena_catalog::builtin();
    let replay = recorded();

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
