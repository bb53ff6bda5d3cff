//! Criterion benches of the per-tick work that does not touch a socket: encoding a snapshot (done
//! once per match per tick and shared by every session), decoding one (every client, every tick),
//! and one simulation step of the built-in deathmatch.
//!
//! `cargo bench --bench wire` (about half a minute). The socket side is measured by the load
//! benchmark, `benches/load.py`.

use std::hint::black_box;
use std::time::Duration;

use arena_game::bot::bot_input;
use arena_game::protocol::{MatchSettings, ServerMsg, Snapshot};
use arena_game::{codec, ArenaConfig, ArenaGame, GameRules, PlayerInput};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

/// A running match of `players` bots after `warm_ticks` steps of play at 20 Hz.
fn running_game(players: u8, warm_ticks: u32) -> ArenaGame {
    let settings = MatchSettings {
        name: "bench".into(),
        max_players: players,
        tick_hz: 20,
        time_limit_s: 0,
        score_limit: 0,
    };
    let mut game = ArenaGame::new(ArenaConfig::default(), settings, 7);
    for id in 0..players {
        game.add_player(id, &format!("bot-{id}"));
    }
    game.start();
    let mut snap = Snapshot::default();
    for seq in 1..=warm_ticks {
        let inputs = bot_inputs(&game, &mut snap, seq as u16);
        game.step(&inputs, 0.05);
    }
    game
}

/// Every player's bot input for the current state.
fn bot_inputs(game: &ArenaGame, snap: &mut Snapshot, seq: u16) -> Vec<(u8, PlayerInput)> {
    game.snapshot_into(snap);
    let arena = game.arena();
    snap.players
        .iter()
        .map(|p| (p.id, bot_input(snap, &arena, p.id, seq)))
        .collect()
}

fn snapshot_msg(players: u8) -> ServerMsg {
    let game = running_game(players, 100);
    let mut snap = Snapshot {
        tick: 123_456,
        server_time_us: 1_764_000_000_000_000,
        ..Default::default()
    };
    game.snapshot_into(&mut snap);
    ServerMsg::Snapshot(snap)
}

fn codec_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("snapshot");
    for players in [10u8, 64] {
        let msg = snapshot_msg(players);
        let bytes = codec::encode(&msg).expect("encodes");
        let mut buf = Vec::with_capacity(1024);
        group.bench_with_input(BenchmarkId::new("encode", players), &msg, |b, msg| {
            b.iter(|| {
                buf.clear();
                codec::encode_into(black_box(msg), &mut buf).expect("encodes");
                black_box(buf.len())
            })
        });
        group.bench_with_input(BenchmarkId::new("decode", players), &bytes, |b, bytes| {
            b.iter(|| codec::decode::<ServerMsg>(black_box(bytes)).expect("decodes"))
        });
    }
    group.finish();
}

fn step_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("game");
    for players in [10u8, 64] {
        let mut game = running_game(players, 100);
        let mut snap = Snapshot::default();
        let inputs = bot_inputs(&game, &mut snap, 1);
        group.bench_function(BenchmarkId::new("step", players), |b| {
            b.iter(|| game.step(black_box(&inputs), 0.05))
        });
        // What a match does per tick besides the fan-out: step, snapshot, encode once.
        let mut game = running_game(players, 100);
        let mut buf = Vec::with_capacity(1024);
        let mut msg = ServerMsg::Snapshot(Snapshot::default());
        group.bench_function(BenchmarkId::new("step_snapshot_encode", players), |b| {
            b.iter(|| {
                game.step(black_box(&inputs), 0.05);
                if let ServerMsg::Snapshot(s) = &mut msg {
                    game.snapshot_into(s);
                }
                buf.clear();
                codec::encode_into(&msg, &mut buf).expect("encodes");
                black_box(buf.len())
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = codec_benches, step_benches
}
criterion_main!(benches);
