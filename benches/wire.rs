//! Criterion benches of the per-tick work that does not touch a socket, for both built-in games
//! through the same object-safe wrapper the match actor uses: one step, one view encoded and
//! wrapped in the envelope (done once per view per tick and shared by every session with that
//! view), and a client decoding the envelope and the view (every client, every tick).
//!
//! `cargo bench --bench wire` (about a minute). The socket side is measured by the load
//! benchmark, `benches/load.py`.

use std::hint::black_box;
use std::time::Duration;

use arena_game::{
    codec, kit::BotMatch, DynGame, ErasedGame, Game, Payload, Phase, ServerMsg, Snapshot, ViewKey,
    Viewer,
};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

/// A running match of `G` with `players` bots after `warm_ticks` steps at 20 Hz, and the bots'
/// inputs for its current state.
fn running<G: Game>(
    settings: G::Settings,
    players: u8,
    warm_ticks: u32,
) -> (ErasedGame<G>, Vec<(u8, G::Input)>) {
    let mut bots = BotMatch::<G>::new(settings, players, 7);
    for _ in 0..warm_ticks {
        bots.step(0.05);
    }
    let inputs = bots.gather_inputs().to_vec();
    (ErasedGame::new(bots.into_game()), inputs)
}

/// The view keys a match of this game encodes per tick: each player's and the spectators'.
fn keys(game: &dyn DynGame, players: u8) -> Vec<ViewKey> {
    let mut keys = vec![game.view_key(Viewer::Spectator)];
    for id in 0..players {
        let k = game.view_key(Viewer::Player(id));
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys
}

/// Encodes `key`'s snapshot the way the match does: the view, then the envelope around it.
fn encode_snapshot(game: &mut dyn DynGame, key: ViewKey, view: &mut Vec<u8>, out: &mut Vec<u8>) {
    view.clear();
    game.encode_view(key, view).expect("encodes");
    let msg = ServerMsg::Snapshot(Snapshot {
        tick: 123_456,
        server_time_us: 1_764_000_000_000_000,
        phase: Phase::Running,
        ack: None,
        view: Payload(std::mem::take(view)),
    });
    out.clear();
    codec::encode_into(&msg, out).expect("encodes");
    if let ServerMsg::Snapshot(s) = msg {
        *view = s.view.0;
    }
}

fn bench_game<G: Game>(c: &mut Criterion, settings: G::Settings, sizes: &[u8]) {
    let name = G::info().name;
    let mut group = c.benchmark_group(name.as_str());
    for &players in sizes {
        let (mut game, inputs) = running::<G>(settings.clone(), players, 100);
        let keys = keys(&game, players);
        let (mut view, mut out) = (Vec::with_capacity(1024), Vec::with_capacity(1024));
        // What a match does per tick besides the fan-out: queue the inputs, step, encode every
        // view once.
        let encoded: Vec<Vec<u8>> = inputs
            .iter()
            .map(|(_, i)| codec::encode(i).expect("encodes"))
            .collect();
        group.bench_function(BenchmarkId::new("tick_all_views", players), |b| {
            b.iter(|| {
                for ((id, _), bytes) in inputs.iter().zip(&encoded) {
                    game.queue_input(*id, bytes).expect("decodes");
                }
                game.step(0.05);
                for &key in &keys {
                    encode_snapshot(&mut game, key, &mut view, &mut out);
                    black_box(out.len());
                }
            })
        });
        encode_snapshot(&mut game, keys[0], &mut view, &mut out);
        let frame = out.clone();
        group.bench_function(BenchmarkId::new("client_decode", players), |b| {
            b.iter(|| {
                let Ok(ServerMsg::Snapshot(s)) = codec::decode::<ServerMsg>(black_box(&frame))
                else {
                    unreachable!()
                };
                codec::decode::<G::View>(&s.view.0).expect("decodes")
            })
        });
        println!(
            "{name}, {players} players: {} views per tick, {} bytes per spectator snapshot",
            keys.len(),
            frame.len()
        );
    }
    group.finish();
}

fn games(c: &mut Criterion) {
    bench_game::<arena_deathmatch::Deathmatch>(
        c,
        arena_deathmatch::Settings {
            time_limit_s: 0,
            score_limit: 0,
        },
        &[10, 64],
    );
    bench_game::<arena_ctf::Ctf>(
        c,
        arena_ctf::Settings {
            time_limit_s: 0,
            captures_to_win: 20,
            ..Default::default()
        },
        &[2, 16],
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = games
}
criterion_main!(benches);
