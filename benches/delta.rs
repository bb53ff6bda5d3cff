//! Issue 10's choice of a generic snapshot delta, measured on real snapshot sequences: both
//! built-in games played by their bots, and a mostly static state. For every view and tick it
//! takes the game's encoded view (what the match sends today), and against the previous tick's
//! bytes of the same view it measures:
//!
//! - `full`: the view as sent today;
//! - `mask_xor`: `arena_game::delta` (a zero-run coded bit mask of the changed bytes, then those
//!   bytes XOR the baseline's: what `arena.v3` sends);
//! - `zstd_prefix`: zstd (level 1, as a realtime server would run it) with the baseline as its
//!   dictionary (the "zstd with the baseline as its prefix" of the issue);
//! - `zstd_plain`: zstd of the view alone, no baseline (what compression without deltas gives).
//!
//! It prints mean bytes per snapshot, what that is per session per second at 20 Hz (payload
//! only: the envelope and the WebSocket header come on top), and the time to encode and to apply
//! each. Prints figures; asserts only that every delta undoes itself.
//!
//! `cargo bench --bench delta`

use std::hint::black_box;
use std::time::Instant;

use arena_game::{delta, kit::BotMatch, Game, ViewKey, Viewer};
use zstd::zstd_safe::{CCtx, DCtx};

const HZ: f64 = 20.0;
const ZSTD_LEVEL: i32 = 1;

/// Every view's encoded bytes at every tick of a bot match of `G`: `ticks` ticks after `warm`,
/// encoded as the match encodes them.
fn play<G: Game>(settings: G::Settings, players: u8, warm: u32, ticks: u32) -> Vec<Vec<Vec<u8>>> {
    let mut bots = BotMatch::<G>::new(settings, players, 11);
    let mut frames = Vec::new();
    for tick in 0..warm + ticks {
        bots.step(0.05);
        if tick >= warm {
            let game = bots.game();
            let mut keys: Vec<ViewKey> = vec![game.view_key(Viewer::Spectator)];
            for id in 0..players {
                let k = game.view_key(Viewer::Player(id));
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
            let views = keys
                .into_iter()
                .map(|key| {
                    let mut bytes = Vec::new();
                    bots.encode_view(key, &mut bytes).expect("encodes");
                    bytes
                })
                .collect();
            frames.push(views);
        }
    }
    frames
}

/// A state of `entities` entities (u32 id, f32 x, f32 y), `moving` of which move each tick.
fn mostly_static(entities: u32, moving: u32, ticks: u32) -> Vec<Vec<Vec<u8>>> {
    let mut pos: Vec<(f32, f32)> = (0..entities).map(|i| (i as f32 * 7.0, i as f32)).collect();
    let mut frames = Vec::new();
    for t in 0..ticks {
        for i in 0..moving {
            let e = &mut pos[(i * 10) as usize % entities as usize];
            e.0 += 1.5 + (t % 3) as f32;
            e.1 -= 0.75;
        }
        let mut bytes = Vec::with_capacity(entities as usize * 12 + 2);
        bytes.extend_from_slice(&(entities as u16).to_le_bytes());
        for (i, (x, y)) in pos.iter().enumerate() {
            bytes.extend_from_slice(&(i as u32).to_le_bytes());
            bytes.extend_from_slice(&x.to_le_bytes());
            bytes.extend_from_slice(&y.to_le_bytes());
        }
        frames.push(vec![bytes]);
    }
    frames
}

#[derive(Default)]
struct Tally {
    snapshots: u64,
    bytes: u64,
    encode_ns: u128,
    apply_ns: u128,
}

impl Tally {
    fn row(&self, name: &str, full: &Tally) {
        let mean = self.bytes as f64 / self.snapshots as f64;
        println!(
            "| {name} | {mean:.1} | {:.0} | {:.0}% | {:.2} | {:.2} |",
            mean * HZ,
            100.0 * self.bytes as f64 / full.bytes as f64,
            self.encode_ns as f64 / self.snapshots as f64 / 1000.0,
            self.apply_ns as f64 / self.snapshots as f64 / 1000.0,
        );
    }
}

fn measure(title: &str, frames: &[Vec<Vec<u8>>]) {
    let mut full = Tally::default();
    let mut xor = Tally::default();
    let mut zp = Tally::default();
    let mut zplain = Tally::default();
    let mut cctx = CCtx::create();
    let mut dctx = DCtx::create();
    let mut out = Vec::with_capacity(4096);
    let mut back = Vec::with_capacity(4096);
    for pair in frames.windows(2) {
        for (base, target) in pair[0].iter().zip(&pair[1]) {
            full.snapshots += 1;
            full.bytes += target.len() as u64;

            out.clear();
            let t = Instant::now();
            delta::encode(base, target, &mut out);
            xor.encode_ns += t.elapsed().as_nanos();
            let t = Instant::now();
            delta::apply(base, &out, 1 << 20, &mut back).expect("applies");
            xor.apply_ns += t.elapsed().as_nanos();
            assert_eq!(&back, target);
            xor.snapshots += 1;
            xor.bytes += out.len() as u64;

            out.clear();
            let t = Instant::now();
            cctx.compress_using_dict(&mut out, target, base, ZSTD_LEVEL)
                .expect("compresses");
            zp.encode_ns += t.elapsed().as_nanos();
            back.clear();
            let t = Instant::now();
            dctx.decompress_using_dict(&mut back, &out, base)
                .expect("decompresses");
            zp.apply_ns += t.elapsed().as_nanos();
            assert_eq!(&back, target);
            zp.snapshots += 1;
            zp.bytes += out.len() as u64;

            out.clear();
            let t = Instant::now();
            cctx.compress(&mut out, target, ZSTD_LEVEL)
                .expect("compresses");
            zplain.encode_ns += t.elapsed().as_nanos();
            zplain.snapshots += 1;
            zplain.bytes += out.len() as u64;
            black_box(&out);
        }
    }
    println!("\n{title}: {} snapshots\n", full.snapshots);
    println!(
        "| encoding | bytes/snapshot | B/session/s at 20 Hz | of full | encode µs | apply µs |"
    );
    println!("|---|---|---|---|---|---|");
    full.row("full", &full);
    xor.row("mask_xor", &full);
    zp.row("zstd_prefix", &full);
    zplain.row("zstd_plain", &full);
}

fn main() {
    // One minute of game time after ten seconds of warm-up, everyone moving and fighting.
    let dm = play::<arena_deathmatch::Deathmatch>(Default::default(), 10, 200, 1200);
    measure(
        "deathmatch, 10 players (one view for all), bots playing",
        &dm,
    );
    let ctf = play::<arena_ctf::Ctf>(Default::default(), 16, 200, 1200);
    measure(
        "ctf 8 v 8 with fog (3 views: red, blue, spectators), bots playing",
        &ctf,
    );
    let still = mostly_static(100, 10, 1200);
    measure("mostly static: 100 entities of 12 bytes, 10 moving", &still);
}
