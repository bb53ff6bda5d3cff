//! Capture the flag over real sockets: the fog of war holds on the wire. During a bot match, a
//! player's session decodes everything it receives, and no snapshot ever shows it an enemy
//! outside its team's sight (checked tick by tick against a spectator's full view), nor where a
//! flag carried by an unseen enemy is.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use arena_bots::session;
use arena_bots::swarm::{run_swarm, SwarmConfig};
use arena_ctf::wire::{dequantize_pos, status, RED, SEES_EVERYTHING};
use arena_ctf::{Ctf, CtfBot, FlagState, View};
use arena_game::api::{ApiRole, CreateMatchRequest};
use arena_game::{BotPolicy, ServerMsg};
use common::*;

/// Sight radius of the test match, world units: small, so enemies are often out of sight.
const SIGHT: f32 = 250.0;

/// Quantized positions are within 1/32 unit of the server's; allow a little more either way.
const EDGE: f32 = 0.2;

fn ctf_match(seats: u8) -> CreateMatchRequest {
    CreateMatchRequest {
        name: "fog".into(),
        game: Some("ctf".into()),
        max_players: Some(seats),
        tick_hz: Some(20),
        settings: serde_json::json!({
            "sight_radius": SIGHT as i64,
            "time_limit_s": 0,
            "captures_to_win": 20,
        })
        .as_object()
        .cloned(),
    }
}

fn at(p: &arena_ctf::PlayerView) -> (f32, f32) {
    (dequantize_pos(p.x), dequantize_pos(p.y))
}

fn dist(a: (f32, f32), b: (f32, f32)) -> f32 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

/// What one check of a red player's view against the truth found.
#[derive(Default, Debug)]
struct Seen {
    ticks: usize,
    enemies_shown: usize,
    enemies_hidden: usize,
    flags_hidden: usize,
}

/// Checks red's view `mine` against the spectator's `truth` of the same tick.
fn check_fog(mine: &View, truth: &View, seen: &mut Seen) {
    assert_eq!(mine.sees, RED);
    assert_eq!(truth.sees, SEES_EVERYTHING);
    let in_play = |p: &&arena_ctf::PlayerView| p.status & status::IN_PLAY != 0;
    let eyes: Vec<(f32, f32)> = truth
        .players
        .iter()
        .filter(|p| p.team == RED)
        .filter(in_play)
        .map(at)
        .collect();
    // Every teammate, as it is.
    for t in truth.players.iter().filter(|p| p.team == RED) {
        assert!(
            mine.players.contains(t),
            "teammate {} missing or altered",
            t.id
        );
    }
    for e in truth.players.iter().filter(|p| p.team != RED) {
        let shown = mine.players.iter().find(|p| p.id == e.id);
        let nearest = eyes
            .iter()
            .map(|&eye| dist(eye, at(e)))
            .fold(f32::INFINITY, f32::min);
        match shown {
            Some(s) => {
                assert!(in_play(&e), "enemy {} shown while out of play", e.id);
                assert!(
                    nearest <= SIGHT + EDGE,
                    "enemy {} shown {nearest:.2} units from the nearest red player",
                    e.id
                );
                assert_eq!((s.x, s.y), (e.x, e.y));
                assert_eq!(s.stamina, 0, "an enemy's stamina is hidden");
                seen.enemies_shown += 1;
            }
            None => {
                assert!(
                    !in_play(&e) || nearest >= SIGHT - EDGE,
                    "enemy {} in sight ({nearest:.2} units) but not shown",
                    e.id
                );
                seen.enemies_hidden += 1;
            }
        }
    }
    // No seat appears that the truth does not have.
    assert!(mine
        .players
        .iter()
        .all(|p| truth.players.iter().any(|t| t.id == p.id)));
    // A flag carried by an enemy red cannot see gives nothing away.
    for (mine_flag, true_flag) in mine.flags.iter().zip(&truth.flags) {
        match (mine_flag, true_flag) {
            (FlagState::CarriedUnseen, FlagState::Carried(by)) => {
                assert!(!mine.players.iter().any(|p| p.id == *by));
                seen.flags_hidden += 1;
            }
            (FlagState::Carried(a), FlagState::Carried(b)) => assert_eq!(a, b),
            (m, t) => assert_eq!(m, t),
        }
    }
    assert_eq!(mine.captures, truth.captures);
    seen.ticks += 1;
}

/// A red player (driven by the ctf bot policy through its own socket) plays 4 v 4 against and
/// with bots from the swarm; every message it receives decodes, and every snapshot it gets shows
/// exactly its team and the enemies within its team's sight, compared tick by tick with a
/// spectator's view of the same tick.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_players_session_never_receives_an_enemy_outside_its_sight() {
    let server = TestServer::start();
    let m = create(&server, ctf_match(8)).await;
    let mut spectator = connect(&server, &m.id, "truth", ApiRole::Spectator).await;
    let mut player = connect(&server, &m.id, "red", ApiRole::Player).await;
    let me = player.welcome.player_id.unwrap();
    assert_eq!(me % 2, RED, "the first player sits in seat 0, on red");
    let facts = session::facts::<Ctf>(&player.welcome).unwrap();
    assert_eq!(facts.sight_radius, SIGHT);

    let swarm_url = server.url();
    let match_id = m.id.clone();
    let swarm = tokio::task::spawn_blocking(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(run_swarm(
                &SwarmConfig {
                    url: swarm_url,
                    players: 7,
                    duration_s: 12.0,
                    settle_s: 0.2,
                    join_match: Some(match_id),
                    ..SwarmConfig::default()
                },
                |_| {},
            ))
    });

    let play = tokio::spawn(async move {
        let mut bot = CtfBot::new(&facts, me, 3);
        let mut views: Vec<(u32, View)> = Vec::new();
        let mut kinds: HashMap<&'static str, usize> = HashMap::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut seq = 0u16;
        while tokio::time::Instant::now() < deadline {
            let msg = player.recv().await.expect("every message decodes");
            *kinds.entry(msg.kind()).or_default() += 1;
            if let ServerMsg::Snapshot(snap) = msg {
                let view = session::view::<Ctf>(&snap).expect("the view decodes");
                if let Some(input) = bot.input(snap.tick, &view) {
                    seq = seq.wrapping_add(1);
                    player.send_input::<Ctf>(seq, &input).await.unwrap();
                }
                views.push((snap.tick, view));
            }
        }
        (views, kinds)
    });
    let watch = tokio::spawn(async move {
        let mut truth: HashMap<u32, View> = HashMap::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(11);
        while tokio::time::Instant::now() < deadline {
            if let ServerMsg::Snapshot(snap) = spectator.recv().await.unwrap() {
                truth.insert(snap.tick, session::view::<Ctf>(&snap).unwrap());
            }
        }
        truth
    });
    let (views, kinds) = play.await.unwrap();
    let truth = watch.await.unwrap();
    let report = swarm.await.unwrap().expect("the swarm runs");
    assert_eq!(report.sessions_established, 7, "{report:#?}");

    let mut seen = Seen::default();
    for (tick, view) in &views {
        if let Some(t) = truth.get(tick) {
            check_fog(view, t, &mut seen);
        }
    }
    assert!(seen.ticks >= 150, "{seen:?} {kinds:?}");
    assert!(
        seen.enemies_shown > 0 && seen.enemies_hidden > 0,
        "the match must both show and hide enemies to prove anything: {seen:?}"
    );
    assert!(
        !kinds.contains_key("welcome") && kinds.contains_key("roster"),
        "{kinds:?}"
    );
}
