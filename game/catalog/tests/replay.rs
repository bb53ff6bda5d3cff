//! Replays of both built-in games: a match played by the games' own bots through the erased
//! interfaces the server uses (with joins, a drop and a comeback, a leave, start and end), recorded
//! by `arena_game::replay::Recording`, re-simulates to the very same view bytes, tick by tick, for
//! every view; a replay of other rules, of an unknown game or of another format refuses to play.

use arena_game::replay::{
    Playback, Recording, Replay, ReplayError, ReplayHeader, Replayer, MIN_CHECKPOINT_TICKS,
    REPLAY_FORMAT,
};
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

fn replays_byte_for_byte(name: &str, seats: u8) {
    let registry = arena_catalog::builtin();
    let ticks = 60 * u32::from(HZ);
    let (replay, seen) = play(&registry, name, seats, ticks);
    assert!(replay.complete);
    assert_eq!(replay.ticks(), u64::from(ticks) + 1);
    // Through bytes, as it will be stored.
    let bytes = replay.encode().unwrap();
    eprintln!(
        "{name}, {seats} bots: {} bytes for one minute ({} events)",
        bytes.len(),
        replay.events.len()
    );
    let replay = Replay::decode(&bytes).unwrap();
    let mut replayer = Replayer::new(&registry, &replay).unwrap();
    for (tick, want) in seen.iter().enumerate() {
        assert!(replayer.next_tick(), "the replay ended at tick {tick}");
        let got = views(replayer.game(), seats);
        assert_eq!(&got, want, "{name}: tick {tick} differs");
    }
    assert!(!replayer.next_tick(), "nothing after the last tick");
    assert_eq!(replayer.tick(), seen.len() as u64);
}

#[test]
fn a_deathmatch_replays_byte_for_byte() {
    replays_byte_for_byte("deathmatch", 10);
}

#[test]
fn a_ctf_match_replays_byte_for_byte() {
    replays_byte_for_byte("ctf", 16);
}

/// A playback seeks anywhere, forward and back, and lands on the very views straight play gave;
/// it plays on from there the same; its seats follow the joins, drops and leaves.
fn seeks_land_on_the_same_views(name: &str, seats: u8) {
    let registry = arena_catalog::builtin();
    let ticks = 60 * u32::from(HZ);
    let (replay, seen) = play(&registry, name, seats, ticks);
    let last = seen.len() as u64;
    let mut playback = Playback::new(&registry, &replay).unwrap();
    assert_eq!(playback.ticks(), last);
    assert_eq!(playback.tick(), 0);
    assert_eq!(playback.checkpoint_interval(), MIN_CHECKPOINT_TICKS);
    let seats_at = |tick: u64| -> Vec<(u8, bool)> {
        // Who `play` had seated, and connected, after `tick` steps.
        let t = tick.saturating_sub(1) as u32;
        (0..seats)
            .filter(|&id| tick > 0 && u32::from(id) <= t)
            .filter(|&id| !(id == seats - 1 && t >= ticks / 2))
            .map(|id| (id, !(id == 1 && (ticks / 3..ticks / 3 + 40).contains(&t))))
            .collect()
    };
    for target in [
        700,
        3,
        1000,
        last,
        64,
        63,
        0,
        last - 1,
        129,
        128,
        1150,
        1,
        640,
    ] {
        playback.seek(target);
        assert_eq!(playback.tick(), target, "{name}: seek to {target}");
        assert_eq!(playback.at_end(), target == last);
        if target > 0 {
            let got = views(playback.replayer_mut().game(), seats);
            assert_eq!(got, seen[target as usize - 1], "{name}: seek to {target}");
        }
        let held: Vec<(u8, bool)> = playback
            .replayer()
            .seated()
            .iter()
            .map(|(id, s)| (*id, s.connected))
            .collect();
        assert_eq!(held, seats_at(target), "{name}: seats at {target}");
        // And on from there, tick by tick.
        for step in 1..=3u64 {
            let played = playback.advance(1);
            let at = target + step;
            if at > last {
                assert_eq!(played, 0, "nothing past the end");
                continue;
            }
            assert_eq!(played, 1);
            let got = views(playback.replayer_mut().game(), seats);
            assert_eq!(got, seen[at as usize - 1], "{name}: tick {at} after a seek");
        }
    }
    // Speed: many ticks at once.
    playback.seek(10);
    assert_eq!(playback.advance(400), 400);
    let got = views(playback.replayer_mut().game(), seats);
    assert_eq!(got, seen[409]);
    assert_eq!(playback.advance(u64::MAX), last - 410);
    assert!(playback.at_end());
}

#[test]
fn a_deathmatch_playback_seeks_to_the_same_views() {
    seeks_land_on_the_same_views("deathmatch", 10);
}

#[test]
fn a_ctf_playback_seeks_to_the_same_views() {
    seeks_land_on_the_same_views("ctf", 16);
}

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
