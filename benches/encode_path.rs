//! The tick's encode path, as the match runs it: step a bot match, encode every distinct view,
//! wrap each in the envelope's shared part (a snapshot and a delta against the previous tick);
//! 2,000 ticks of a 10-player deathmatch and of a 16-player ctf match. Not timed: run it under
//! `valgrind --tool=callgrind` to count instructions, which repeat exactly for the same binary,
//! and compare two commits (BENCHMARKS.md, "The framework"). It prints the bytes it encoded,
//! which two commits with the same wire must agree on.
use arena_game::kit::BotMatch;
use arena_game::protocol::{encode_shared, Delta, Payload, Phase, ServerMsg, Snapshot};
use arena_game::{delta, Game, ViewKey, Viewer};

fn run<G: Game>(settings: G::Settings, seats: u8, ticks: u32) -> usize {
    let mut m = BotMatch::<G>::new(settings, seats, 3);
    let mut keys: Vec<ViewKey> = (0..seats)
        .map(|p| m.game().view_key(Viewer::Player(p)))
        .collect();
    keys.push(m.game().view_key(Viewer::Spectator));
    keys.sort();
    keys.dedup();
    let mut prev: Vec<Vec<u8>> = vec![Vec::new(); keys.len()];
    let mut out = Vec::new();
    let mut total = 0;
    for tick in 0..ticks {
        m.step(0.05);
        for (i, k) in keys.iter().enumerate() {
            let mut view = Vec::new();
            m.encode_view(*k, &mut view).unwrap();
            out.clear();
            encode_shared(
                &ServerMsg::Snapshot(Snapshot {
                    tick,
                    server_time_us: 1,
                    phase: Phase::Running,
                    view: Payload(view.clone()),
                    ack: None,
                }),
                &mut out,
            )
            .unwrap();
            total += out.len();
            let mut d = Vec::new();
            delta::encode(&prev[i], &view, &mut d);
            out.clear();
            encode_shared(
                &ServerMsg::Delta(Delta {
                    tick,
                    back: 1,
                    since_us: 50_000,
                    phase: Phase::Running,
                    check: None,
                    view: Payload(d),
                    ack: None,
                }),
                &mut out,
            )
            .unwrap();
            total += out.len();
            prev[i] = view;
        }
    }
    total
}

fn main() {
    let a = run::<arena_deathmatch::Deathmatch>(Default::default(), 10, 2000);
    let b = run::<arena_ctf::Ctf>(Default::default(), 16, 2000);
    println!("{a} {b}");
}
