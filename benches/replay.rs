//! What watching a replay costs (issue 11): both built-in games played five minutes by their bots
//! through the erased interfaces the server uses (an input from every bot every tick), recorded
//! by `arena_game::replay::Recording`. For each it prints:
//!
//! - the replay's size, in bytes per minute;
//! - re-simulating it from the start: µs per tick, and what a seek to its end would cost without
//!   checkpoints;
//! - building a `Playback` (one full simulation, keeping a checkpoint every interval), what the
//!   server does on the blocking pool when a replay is opened;
//! - seeks with checkpoints: the mean and the worst over seeks to every 37th tick in a shuffled
//!   order (the worst is a target just before a checkpoint);
//! - resident memory one playback holds (its checkpoints), from /proc/self/statm over 8 copies.
//!
//! Prints figures; asserts only that a seek lands where it was asked.
//!
//! `cargo bench --bench replay`

use std::hint::black_box;
use std::time::{Duration, Instant};

use arena_game::replay::{Playback, Recording, Replay, ReplayHeader, Replayer, REPLAY_FORMAT};
use arena_game::{DynBot, DynGame, GameRegistry, Viewer};

const HZ: u8 = 20;
const MINUTES: u32 = 5;

/// A `MINUTES`-minute match of `name` played by `seats` bots from the first tick.
fn record(registry: &GameRegistry, name: &str, seats: u8) -> Replay {
    let game_type = registry.get(name).unwrap();
    // No limits: the match runs the whole five minutes.
    let limits = match name {
        "deathmatch" => serde_json::json!({"time_limit_s": 0, "score_limit": 0}),
        _ => serde_json::json!({"time_limit_s": 0, "captures_to_win": 20}),
    };
    let settings = game_type.settings(limits.as_object(), seats).unwrap();
    let seed = 0xBE_5EED;
    let dt = 1.0 / f32::from(HZ);
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
        .map(|id| game_type.bot(&facts, id, seed ^ u64::from(id)).unwrap())
        .collect();
    for id in 0..seats {
        game.add_player(id, &format!("bot-{id}"));
    }
    game.start();
    let (mut view, mut input) = (Vec::new(), Vec::new());
    for tick in 0..MINUTES * 60 * u32::from(HZ) {
        for id in 0..seats {
            view.clear();
            let key = game.view_key(Viewer::Player(id));
            game.encode_view(key, &mut view).unwrap();
            input.clear();
            if bots[id as usize].input(tick, &view, &mut input).unwrap() {
                game.queue_input(id, &input).unwrap();
            }
        }
        game.step(dt);
    }
    game.into_replay()
}

/// Resident memory of this process, bytes.
fn resident() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn bench(registry: &GameRegistry, name: &str, seats: u8) {
    let replay = record(registry, name, seats);
    let bytes = replay.encode().unwrap().len();
    let ticks = replay.ticks();
    println!("{name}, {seats} bots, {MINUTES} min ({ticks} ticks at {HZ} Hz):");
    println!(
        "  replay: {bytes} bytes, {:.1} KB per minute",
        bytes as f64 / 1000.0 / f64::from(MINUTES)
    );

    // From the start, straight through (best of 3).
    let mut straight = Duration::MAX;
    for _ in 0..3 {
        let mut r = Replayer::new(registry, &replay).unwrap();
        let t = Instant::now();
        while r.next_tick() {}
        straight = straight.min(t.elapsed());
        black_box(r.tick());
    }
    println!(
        "  re-simulating from the start: {:.2} µs per tick; a seek to the end without \
         checkpoints: {:.1} ms",
        us(straight) / ticks as f64,
        straight.as_secs_f64() * 1e3
    );

    let t = Instant::now();
    let mut playback = Playback::new(registry, &replay).unwrap();
    let built = t.elapsed();
    let every = playback.checkpoint_interval();
    println!(
        "  opening it (Playback::new): {:.1} ms, a checkpoint every {every} ticks ({} of them)",
        built.as_secs_f64() * 1e3,
        ticks.div_ceil(every)
    );

    // Seeks to every 37th tick, shuffled (a fixed multiplicative order), forward and back.
    let targets: Vec<u64> = (0..ticks).step_by(37).collect();
    let n = targets.len();
    let (mut total, mut worst) = (Duration::ZERO, Duration::ZERO);
    for i in 0..n {
        let target = targets[(i * 7919) % n];
        let t = Instant::now();
        playback.seek(target);
        let took = t.elapsed();
        assert_eq!(playback.tick(), target);
        total += took;
        worst = worst.max(took);
    }
    println!(
        "  seeks with checkpoints ({n}): mean {:.0} µs, worst {:.0} µs",
        us(total) / n as f64,
        us(worst)
    );

    let before = resident();
    let copies: Vec<Playback> = (0..8)
        .map(|_| Playback::new(registry, &replay).unwrap())
        .collect();
    let per = resident().saturating_sub(before) / 8;
    black_box(&copies);
    println!(
        "  memory per open replay: about {:.1} MB (resident, over 8 copies)",
        per as f64 / 1e6
    );
}

fn main() {
    let registry = arena_catalog::builtin();
    bench(&registry, "deathmatch", 10);
    bench(&registry, "ctf", 16);
}
