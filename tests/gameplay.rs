//! End-to-end play over real sockets: a host creates a match, two players and a spectator join,
//! inputs move players, attacks hurt and kill, the match ticks at its rate and ends on time.

mod common;

use std::time::Duration;

use arena_bots::session;
use arena_deathmatch::bot::bot_input;
use arena_deathmatch::wire::{buttons, flags};
use arena_deathmatch::{Deathmatch, Input, PlayerView, View};
use arena_game::api::{ApiEndReason, ApiPhase, ApiRole};
use arena_game::{ClientMsg, EndReason, Payload, Phase, Role, ServerMsg, Snapshot};
use common::*;

fn player(v: &View, id: u8) -> PlayerView {
    *v.players
        .iter()
        .find(|p| p.id == id)
        .expect("player in snapshot")
}

/// Two players and a spectator see the same match: movement, damage and a kill all show up in
/// the snapshots every one of them receives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn players_move_fight_and_score_seen_by_everyone() {
    let server = TestServer::start();
    let m = create(&server, match_req(2, 30, 0, 0)).await;
    let mut alice = connect(&server, &m.id, "alice", ApiRole::Player).await;
    let mut bob = connect(&server, &m.id, "bob", ApiRole::Player).await;
    let mut spec = connect(&server, &m.id, "watcher", ApiRole::Spectator).await;
    assert_eq!(alice.welcome.role, Role::Player);
    assert_eq!(spec.welcome.role, Role::Spectator);
    assert_eq!(spec.welcome.player_id, None);
    let (a, b) = (
        alice.welcome.player_id.unwrap(),
        bob.welcome.player_id.unwrap(),
    );
    assert_ne!(a, b);
    let facts = session::facts::<Deathmatch>(&alice.welcome).unwrap();
    assert_eq!(alice.welcome.game, "deathmatch");

    // The match filled up (2 of 2 seats), so it started by itself.
    let (_, start) = dm_snapshot_where(&mut spec, |s, v| {
        s.phase == Phase::Running && v.players.len() == 2
    })
    .await;
    let b_start = player(&start, b);

    // Bob walks right for a while; everyone sees his x grow, and the sessions that see Bob
    // see his input acknowledged.
    let right = Input {
        buttons: buttons::RIGHT,
        aim: 0,
    };
    for seq in 1..=10u16 {
        bob.send_input::<Deathmatch>(seq, &right).await.unwrap();
    }
    // Sessions may still hold snapshots from before Bob joined: look him up, do not insist.
    // Only Bob's own snapshots carry his ack.
    let moved = |_: &Snapshot, v: &View| v.players.iter().any(|p| p.id == b && p.x > b_start.x);
    dm_snapshot_where(&mut spec, moved).await;
    dm_snapshot_where(&mut alice, moved).await;
    dm_snapshot_where(&mut bob, |s, v| s.ack == Some(10) && moved(s, v)).await;
    bob.send_input::<Deathmatch>(11, &Input::default())
        .await
        .unwrap();

    // Alice hunts Bob with the bot policy until she has a kill.
    let mut seq = 0u16;
    let mut saw_damage = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        assert!(tokio::time::Instant::now() < deadline, "no kill in time");
        let ServerMsg::Snapshot(s) = alice
            .recv_until(EVENT_TIMEOUT, |m| matches!(m, ServerMsg::Snapshot(_)))
            .await
            .unwrap()
        else {
            unreachable!()
        };
        let v = dm_view(&s);
        saw_damage |= player(&v, b).health < facts.max_health;
        if player(&v, a).kills == 1 {
            break;
        }
        seq += 1;
        let input = bot_input(&v, &facts, a, s.tick);
        alice.send_input::<Deathmatch>(seq, &input).await.unwrap();
    }
    assert!(saw_damage, "alice saw bob hurt before the kill");
    // Bob and the spectator see the same score and Bob's death.
    for s in [&mut bob, &mut spec] {
        let (_, v) = dm_snapshot_where(s, |_, v| player(v, a).kills == 1).await;
        assert_eq!(player(&v, b).deaths, 1);
    }
    // The lobby's scoreboard catches up within a second.
    eventually("the lobby to show the kill", || async {
        let detail = server.lobby().get(&m.id).await.unwrap();
        detail
            .scoreboard
            .first()
            .is_some_and(|l| l.name == "alice" && l.score == 1)
    })
    .await;
    let detail = server.lobby().get(&m.id).await.unwrap();
    assert_eq!(detail.summary.players, 2);
    assert_eq!(detail.summary.spectators, 1);
    assert_eq!(detail.score_columns, ["kills", "deaths"]);
    assert_eq!(detail.scoreboard[0].stats, [1, 0]);
    assert_eq!(detail.scoreboard[1].stats, [0, 1]);
}

/// A spectator's input is refused with an error message and changes nothing; the connection
/// stays open and keeps receiving snapshots.
#[tokio::test]
async fn spectator_input_is_refused_with_an_error() {
    let server = TestServer::start();
    let m = create(&server, match_req(2, 20, 0, 0)).await;
    let mut spec = connect(&server, &m.id, "watcher", ApiRole::Spectator).await;
    spec.send(&ClientMsg::Input {
        seq: 1,
        input: Payload(vec![buttons::RIGHT, 0]),
    })
    .await
    .unwrap();
    let err = spec
        .recv_until(EVENT_TIMEOUT, |m| matches!(m, ServerMsg::Error { .. }))
        .await
        .unwrap();
    let ServerMsg::Error { code, .. } = err else {
        unreachable!()
    };
    assert_eq!(code, "spectator_input");
    snapshot_where(&mut spec, |_| true).await;
}

/// The match ticks at its configured rate: tick numbers advance by tick_hz per second of the
/// server's own clock (generous tolerance: this checks behaviour, not speed).
#[tokio::test]
async fn match_ticks_at_its_rate() {
    let server = TestServer::start();
    let m = create(&server, match_req(4, 50, 0, 0)).await;
    let mut s = connect(&server, &m.id, "p", ApiRole::Player).await;
    let first = snapshot_where(&mut s, |_| true).await;
    let mut last = first.clone();
    let mut received = 1u32;
    while last.server_time_us - first.server_time_us < 1_000_000 {
        last = snapshot_where(&mut s, |_| true).await;
        received += 1;
    }
    let secs = (last.server_time_us - first.server_time_us) as f64 / 1e6;
    let rate = (last.tick - first.tick) as f64 / secs;
    assert!((40.0..=60.0).contains(&rate), "tick rate {rate:.1} Hz");
    assert_eq!(
        received,
        last.tick - first.tick + 1,
        "one snapshot per tick, none lost"
    );
}

/// A match ends at its time limit; every session gets the final scoreboard, snapshots say
/// Ended, and the lobby lists it as ended with its reason.
#[tokio::test]
async fn match_ends_at_time_limit_with_final_scoreboard() {
    let server = TestServer::start();
    let m = create(&server, match_req(4, 50, 1, 0)).await;
    let mut p = connect(&server, &m.id, "solo", ApiRole::Player).await;
    let mut spec = connect(&server, &m.id, "watcher", ApiRole::Spectator).await;
    server.lobby().start(&m.id, &m.host_token).await.unwrap();
    for s in [&mut p, &mut spec] {
        let ended = s
            .recv_until(Duration::from_secs(10), |m| {
                matches!(m, ServerMsg::MatchEnded { .. })
            })
            .await
            .unwrap();
        let ServerMsg::MatchEnded { reason, scoreboard } = ended else {
            unreachable!()
        };
        assert_eq!(reason, EndReason::TimeLimit);
        assert_eq!(scoreboard.len(), 1);
        assert_eq!(scoreboard[0].name, "solo");
        snapshot_where(s, |s| s.phase == Phase::Ended).await;
    }
    let detail = server.lobby().get(&m.id).await.unwrap();
    assert_eq!(detail.summary.phase, ApiPhase::Ended);
    assert_eq!(detail.end_reason, Some(ApiEndReason::TimeLimit));
    assert_eq!(detail.scoreboard.len(), 1);
}

/// The host can start a match alone and end it; a match that fills up starts by itself.
#[tokio::test]
async fn host_starts_and_ends_and_full_match_autostarts() {
    let server = TestServer::start();
    let lobby = server.lobby();
    let m = create(&server, match_req(4, 20, 0, 0)).await;
    let mut p = connect(&server, &m.id, "solo", ApiRole::Player).await;
    snapshot_where(&mut p, |s| s.phase == Phase::Waiting).await;
    assert_eq!(
        lobby.start(&m.id, &m.host_token).await.unwrap().phase,
        ApiPhase::Running
    );
    snapshot_where(&mut p, |s| s.phase == Phase::Running).await;
    assert_eq!(
        lobby.end(&m.id, &m.host_token).await.unwrap().phase,
        ApiPhase::Ended
    );
    let ended = p
        .recv_until(EVENT_TIMEOUT, |m| matches!(m, ServerMsg::MatchEnded { .. }))
        .await
        .unwrap();
    assert!(matches!(
        ended,
        ServerMsg::MatchEnded {
            reason: EndReason::Host,
            ..
        }
    ));

    let full = create(&server, match_req(2, 20, 0, 0)).await;
    let mut x = connect(&server, &full.id, "x", ApiRole::Player).await;
    snapshot_where(&mut x, |s| s.phase == Phase::Waiting).await;
    let _y = connect(&server, &full.id, "y", ApiRole::Player).await;
    snapshot_where(&mut x, |s| s.phase == Phase::Running).await;
}

/// Snapshots flow while waiting and show who joined; the roster names every player and marks
/// them connected; the players are alive.
#[tokio::test]
async fn waiting_match_shows_who_joined() {
    let server = TestServer::start();
    let m = create(&server, match_req(4, 20, 0, 0)).await;
    let mut spec = connect(&server, &m.id, "watcher", ApiRole::Spectator).await;
    let _p1 = connect(&server, &m.id, "one", ApiRole::Player).await;
    let _p2 = connect(&server, &m.id, "two", ApiRole::Player).await;
    let roster = spec
        .recv_until(
            EVENT_TIMEOUT,
            |m| matches!(m, ServerMsg::Roster(r) if r.len() == 2),
        )
        .await
        .unwrap();
    let ServerMsg::Roster(r) = roster else {
        unreachable!()
    };
    assert_eq!(
        r.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
        ["one", "two"]
    );
    assert!(r.iter().all(|e| e.connected));
    let (s, v) = dm_snapshot_where(&mut spec, |_, v| v.players.len() == 2).await;
    assert_eq!(s.phase, Phase::Waiting);
    for p in &v.players {
        assert_eq!(p.flags & flags::ALIVE, flags::ALIVE);
    }
}

/// Chat lines reach everyone in the match with the sender's name.
#[tokio::test]
async fn chat_reaches_everyone() {
    let server = TestServer::start();
    let m = create(&server, match_req(4, 20, 0, 0)).await;
    let mut p = connect(&server, &m.id, "talker", ApiRole::Player).await;
    let mut spec = connect(&server, &m.id, "watcher", ApiRole::Spectator).await;
    p.send(&ClientMsg::Chat("gg".into())).await.unwrap();
    for s in [&mut p, &mut spec] {
        let chat = s
            .recv_until(EVENT_TIMEOUT, |m| matches!(m, ServerMsg::Chat { .. }))
            .await
            .unwrap();
        assert_eq!(
            chat,
            ServerMsg::Chat {
                from: Some(0),
                name: "talker".into(),
                text: "gg".into()
            }
        );
    }
}
