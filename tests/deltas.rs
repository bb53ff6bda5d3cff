//! Snapshot deltas over real sockets: a session's first snapshot is whole, then each is a delta
//! against the last one its socket took; with a checksum on every delta the client proves each
//! rebuilt view exact; keyframes come on schedule and on request; a reader that falls behind
//! gets deltas against what it really got (or a keyframe), never against what was dropped; and a
//! mostly static state costs a small fraction of its whole snapshots.

mod common;

use std::time::Duration;

use arena::Config;
use arena_bots::Session;
use arena_game::api::{ApiRole, CreateMatchRequest};
use arena_game::protocol::wire::bounded_vec;
use arena_game::rebuild::{Rebuilder, Rebuilt};
use arena_game::{
    codec, BotPolicy, ClientMsg, EndReason, Game, GameInfo, GameRegistry, Phase, PlayerId,
    ScoreLine, ServerMsg, ViewKey, Viewer,
};
use common::raw_ws::{op, RawWs};
use common::*;
use serde::{Deserialize, Serialize};

async fn input(p: &mut Session, seq: u16, game: &str) {
    let input = move_right(game);
    p.send(&ClientMsg::Input { seq, input }).await.unwrap();
}

/// What a client saw on the wire, rebuilt.
#[derive(Default, Debug)]
struct Seen {
    keyframes: Vec<u32>,
    deltas: Vec<(u32, u32)>,
    acks: Vec<Option<u16>>,
}

/// Reads `n` snapshots as they come on the wire and rebuilds each; every delta must rebuild,
/// and every checksum it carries must hold.
async fn read_snapshots(s: &mut Session, n: usize, rebuilder: &mut Rebuilder) -> Seen {
    let mut seen = Seen::default();
    while seen.keyframes.len() + seen.deltas.len() < n {
        let msg = tokio::time::timeout(EVENT_TIMEOUT, s.recv_wire())
            .await
            .expect("snapshots keep coming")
            .expect("the session stays open");
        match &msg {
            ServerMsg::Snapshot(k) => {
                seen.keyframes.push(k.tick);
                seen.acks.push(k.ack);
            }
            ServerMsg::Delta(d) => {
                seen.deltas.push((d.tick, d.back));
                seen.acks.push(d.ack);
            }
            _ => {}
        }
        match rebuilder.accept(msg) {
            Ok(Rebuilt::Snapshot(_) | Rebuilt::Other(_)) => {}
            other => panic!("a delta did not rebuild exactly: {other:?}"),
        }
    }
    seen
}

/// Players moving and fighting, and a spectator: after the welcome and roster each gets one
/// keyframe, then only deltas against the previous tick, and every rebuilt view matches the
/// server's checksum. A player's own ack rides on its deltas; a spectator's carry none.
async fn deltas_rebuild_exactly(game: &'static str) {
    let server = TestServer::with_config(Config {
        checksum_interval: 1,
        keyframe_interval: 1_000,
        ..Default::default()
    });
    let m = create(&server, game_req(game, 4, 50)).await;
    let mut players = Vec::new();
    for i in 0..3 {
        players.push(connect(&server, &m.id, &format!("p{i}"), ApiRole::Player).await);
    }
    server.lobby().start(&m.id, &m.host_token).await.unwrap();
    let mut watcher = connect(&server, &m.id, "w", ApiRole::Spectator).await;
    for (seq, p) in players.iter_mut().enumerate() {
        input(p, seq as u16 + 1, game).await;
    }
    let mut rebuilder = Rebuilder::new();
    let seen = read_snapshots(&mut watcher, 100, &mut rebuilder).await;
    assert_eq!(seen.keyframes.len(), 1, "one keyframe, on join: {seen:?}");
    assert!(seen.deltas.iter().all(|&(_, back)| back == 1), "{seen:?}");
    assert!(seen.acks.iter().all(Option::is_none));
    // A player that sent inputs: its own deltas carry its newest applied seq (its socket still
    // holds the snapshots of the last two seconds; read through them).
    let p = &mut players[0];
    for seq in 10..30u16 {
        input(p, seq, game).await;
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    let mut rebuilder = Rebuilder::new();
    let mut acks = Vec::new();
    while !acks.contains(&Some(29)) {
        assert!(acks.len() < 500, "{acks:?}");
        let seen = read_snapshots(p, 1, &mut rebuilder).await;
        acks.extend(seen.acks);
    }
    // Whole snapshots were only the joins'.
    let full = server
        .metric("arena_snapshot_encodes_per_tick_sum{kind=\"full\"}")
        .await;
    assert!(full <= 5.0, "{full} whole snapshots encoded");
}
both_games!(rebuild_exactly, deltas_rebuild_exactly);

/// With `--keyframe-interval 5` every fifth tick is whole for everyone, the rest are deltas.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyframes_come_every_n_ticks() {
    let server = TestServer::with_config(Config {
        keyframe_interval: 5,
        ..Default::default()
    });
    let m = create(&server, game_req("deathmatch", 4, 50)).await;
    let mut s = connect(&server, &m.id, "w", ApiRole::Spectator).await;
    let seen = read_snapshots(&mut s, 40, &mut Rebuilder::new()).await;
    let scheduled: Vec<u32> = seen.keyframes[1..].to_vec();
    assert!(scheduled.len() >= 7, "{seen:?}");
    assert!(scheduled.iter().all(|t| t % 5 == 0), "{seen:?}");
    assert!(seen.deltas.iter().all(|(t, _)| t % 5 != 0), "{seen:?}");
}

/// A client that asks (`Resync`) gets its next snapshot whole, off schedule, and deltas after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resync_request_gets_a_keyframe() {
    let server = TestServer::with_config(Config {
        keyframe_interval: 1_000_000,
        ..Default::default()
    });
    let m = create(&server, game_req("ctf", 4, 50)).await;
    let mut s = connect(&server, &m.id, "w", ApiRole::Spectator).await;
    let mut rebuilder = Rebuilder::new();
    let before = read_snapshots(&mut s, 10, &mut rebuilder).await;
    assert_eq!(before.keyframes.len(), 1);
    s.send(&ClientMsg::Resync).await.unwrap();
    let after = read_snapshots(&mut s, 10, &mut rebuilder).await;
    assert_eq!(after.keyframes.len(), 1, "{after:?}");
    let key = after.keyframes[0];
    assert!(
        after.deltas.iter().filter(|(t, _)| *t > key).count() >= 5,
        "deltas again after the keyframe: {after:?}"
    );
}

/// A reader that stalls (small buffers, reads in bursts) while snapshots pile up and get
/// dropped: everything it does get rebuilds and matches the checksums, so each delta was made
/// against a snapshot it really received, some of them several ticks back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_falls_behind_gets_deltas_against_what_it_got() {
    let server = TestServer::with_config(Config {
        checksum_interval: 1,
        keyframe_interval: 1_000_000,
        slow_client_timeout_ms: 60_000,
        client_timeout_ms: 60_000,
        socket_send_buffer_bytes: Some(4096),
        ..Default::default()
    });
    let m = create(&server, game_req("deathmatch", 8, 128)).await;
    let mut players = Vec::new();
    for i in 0..6 {
        players.push(connect(&server, &m.id, &format!("p{i}"), ApiRole::Player).await);
    }
    server.lobby().start(&m.id, &m.host_token).await.unwrap();
    let joined = server
        .lobby()
        .join(&m.id, "stalled", ApiRole::Spectator)
        .await
        .unwrap();
    let mut raw = RawWs::connect_with_recv_buffer(server.addr, &joined.ws_url, 2048).await;
    let mut rebuilder = Rebuilder::new();
    let (mut keyframes, mut far_back, mut rebuilt) = (0, 0, 0);
    for burst in 0..3 {
        // Everyone keeps moving, so every tick changes the view.
        for (i, p) in players.iter_mut().enumerate() {
            input(p, burst * 10 + i as u16, "deathmatch").await;
        }
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        let until = tokio::time::Instant::now() + Duration::from_millis(500);
        while tokio::time::Instant::now() < until {
            let Some(frame) = raw.read_frame(Duration::from_millis(200)).await else {
                break;
            };
            if frame.opcode != op::BINARY {
                continue;
            }
            let msg = codec::decode::<ServerMsg>(&frame.payload).expect("decodes");
            match &msg {
                ServerMsg::Snapshot(_) => keyframes += 1,
                ServerMsg::Delta(d) if d.back > 1 => far_back += 1,
                _ => {}
            }
            match rebuilder.accept(msg) {
                Ok(Rebuilt::Snapshot(_)) => rebuilt += 1,
                Ok(Rebuilt::Other(_)) => {}
                other => panic!("after {rebuilt} snapshots: {other:?}"),
            }
        }
    }
    assert!(
        server.metric("arena_snapshots_dropped_stale_total").await >= 1.0,
        "the stall made the server drop snapshots"
    );
    assert!(rebuilt >= 50, "{rebuilt} rebuilt");
    assert!(
        far_back + keyframes > 1,
        "after drops, deltas name an older baseline or a keyframe comes ({far_back}, {keyframes})"
    );
}

/// A mostly static state, as a game the server never heard of: 100 entities (id u32, x and y
/// f32), 10 of which move every tick.
#[derive(Clone)]
struct Drift {
    entities: Vec<(u32, f32, f32)>,
    ticks: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoSettings {}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct DriftView {
    #[serde(deserialize_with = "bounded_vec::deserialize")]
    entities: Vec<(u32, f32, f32)>,
}

struct NoBot;

impl BotPolicy<Drift> for NoBot {
    fn new(_: &u8, _: PlayerId, _: u64) -> Self {
        NoBot
    }
    fn input(&mut self, _: u32, _: &DriftView) -> Option<u8> {
        None
    }
}

impl Game for Drift {
    type Input = u8;
    type View = DriftView;
    type Facts = u8;
    type Settings = NoSettings;
    type Bot = NoBot;

    fn info() -> GameInfo {
        GameInfo {
            name: "drift".into(),
            title: "Drift".into(),
            about: "100 entities, 10 of them moving".into(),
            min_players: 1,
            max_players: 4,
            default_players: 2,
            teams: 0,
            settings: Vec::new(),
            score_columns: Vec::new(),
        }
    }
    fn new(_: NoSettings, _: u8, _: u64) -> Self {
        Drift {
            entities: (0..100).map(|i| (i, i as f32 * 7.0, i as f32)).collect(),
            ticks: 0,
        }
    }
    fn facts(&self) -> u8 {
        0
    }
    fn add_player(&mut self, _: PlayerId, _: &str) {}
    fn remove_player(&mut self, _: PlayerId) {}
    fn start(&mut self) {}
    fn end(&mut self, _: EndReason) {}
    fn step(&mut self, _: &[(PlayerId, u8)], _: f32) {
        self.ticks += 1;
        for e in self.entities.iter_mut().step_by(10) {
            e.1 += 1.5 + (self.ticks % 3) as f32;
            e.2 -= 0.75;
        }
    }
    fn phase(&self) -> Phase {
        Phase::Running
    }
    fn end_reason(&self) -> Option<EndReason> {
        None
    }
    fn view_key(&self, _: Viewer) -> ViewKey {
        ViewKey::EVERYTHING
    }
    fn view_into(&self, _: ViewKey, out: &mut DriftView) {
        out.entities.clone_from(&self.entities);
    }
    fn scoreboard(&self) -> Vec<ScoreLine> {
        Vec::new()
    }
}

/// A mostly static state over a real socket: a delta frame (WebSocket header included) is
/// under 15% of a whole snapshot's frame, and everything rebuilds exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mostly_static_state_costs_a_small_fraction() {
    let server = TestServer::with_games(
        Config {
            checksum_interval: 1,
            keyframe_interval: 25,
            ..Default::default()
        },
        GameRegistry::new().with::<Drift>(),
    );
    let m = create(
        &server,
        CreateMatchRequest {
            name: "drift".into(),
            game: Some("drift".into()),
            ..Default::default()
        },
    )
    .await;
    let mut s = connect(&server, &m.id, "w", ApiRole::Spectator).await;
    let mut rebuilder = Rebuilder::new();
    let (mut full, mut delta) = ((0usize, 0usize), (0usize, 0usize));
    while full.0 < 3 || delta.0 < 60 {
        let msg = tokio::time::timeout(EVENT_TIMEOUT, s.recv_wire())
            .await
            .expect("snapshots keep coming")
            .expect("open");
        let len = codec::encode(&msg).unwrap().len();
        let frame = len + if len < 126 { 2 } else { 4 };
        match &msg {
            ServerMsg::Snapshot(_) => full = (full.0 + 1, full.1 + frame),
            ServerMsg::Delta(_) => delta = (delta.0 + 1, delta.1 + frame),
            _ => continue,
        }
        assert!(matches!(rebuilder.accept(msg), Ok(Rebuilt::Snapshot(_))));
    }
    let (full_mean, delta_mean) = (
        full.1 as f64 / full.0 as f64,
        delta.1 as f64 / delta.0 as f64,
    );
    eprintln!(
        "mostly static: whole {full_mean:.1} B, delta {delta_mean:.1} B a frame ({:.1}%)",
        100.0 * delta_mean / full_mean
    );
    assert!(
        delta_mean <= 0.15 * full_mean,
        "a delta frame is {delta_mean:.1} B against {full_mean:.1} B whole"
    );
}
