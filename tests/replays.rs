//! Watching a finished match's replay through the normal protocol, over real HTTP and WebSocket:
//! `POST /api/history/{id}/watch` hosts a replay match that spectators join like any match; its
//! frames are the very views the live match's spectators got (checked byte for byte after seeks,
//! and frame by frame at 4× and 0.5×); its roster marks the bots; it ends with the recorded
//! scoreboard; pause, speed and seek answer with where it stands; every refusal is a JSON 4xx; a
//! replay of a game the server no longer hosts refuses to play; nobody watching closes it. A
//! match everybody left while it ran is kept, ended as abandoned.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use arena::Config;
use arena_bots::Session;
use arena_game::api::{ApiRole, HistoryEntry, MatchSummary, ReplayState, WatchReplayResponse};
use arena_game::{ClientMsg, GameRegistry, Phase, ServerMsg, Snapshot};
use common::*;
use serde_json::json;

/// A JSON request; returns the status and the body.
async fn call(
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut req = reqwest::Client::new().request(method, url);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

async fn watch(server: &TestServer, history_id: &str) -> WatchReplayResponse {
    let url = format!("{}/api/history/{history_id}/watch", server.url());
    let (status, body) = call(reqwest::Method::POST, url, None, None).await;
    assert_eq!(status, 201, "{body}");
    serde_json::from_value(body).unwrap()
}

async fn control(
    server: &TestServer,
    w: &WatchReplayResponse,
    body: serde_json::Value,
) -> ReplayState {
    let url = format!("{}/api/matches/{}/replay", server.url(), w.match_id);
    let (status, body) = call(reqwest::Method::POST, url, Some(&w.host_token), Some(body)).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

/// The next snapshot (deltas rebuilt), skipping anything else.
async fn next_snapshot(s: &mut Session) -> Snapshot {
    snapshot_where(s, |_| true).await
}

/// Sends a request that must be refused with `status` and JSON error `code`.
async fn refused(
    server: &TestServer,
    method: &reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
    status: u16,
    code: &str,
) {
    let url = format!("{}{path}", server.url());
    let (got, json) = call(method.clone(), url, token, body.clone()).await;
    assert_eq!(
        (got, json["error"].as_str()),
        (status, Some(code)),
        "{method} {path} {body:?}: {json}"
    );
    assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()));
}

/// A deathmatch of a person and a bot with a live spectator, played about 120 ticks and ended
/// by the host. Returns the server's history entry and every spectator view by tick.
async fn played_match(server: &TestServer) -> (HistoryEntry, HashMap<u32, Vec<u8>>) {
    let lobby = server.lobby();
    let m = create(server, game_req("deathmatch", 2, 20)).await;
    let mut live = connect(server, &m.id, "sam", ApiRole::Spectator).await;
    let mut alice = connect(server, &m.id, "alice", ApiRole::Player).await;
    lobby.add_bots(&m.id, &m.host_token, 1).await.unwrap();
    let mut views = HashMap::new();
    let mut seq = 0u16;
    let mut start = None;
    loop {
        let s = next_snapshot(&mut live).await;
        views.insert(s.tick, s.view.0.clone());
        if s.phase == Phase::Running {
            let start = *start.get_or_insert(s.tick);
            if s.tick >= start + 120 {
                break;
            }
        }
        // Alice moves right now and then (her inputs are part of the replay).
        if let Ok(Ok(ServerMsg::Snapshot(_))) =
            tokio::time::timeout(Duration::from_millis(1), alice.recv()).await
        {
            seq += 1;
            let input = match seq % 3 {
                0 => stand_still("deathmatch"),
                _ => move_right("deathmatch"),
            };
            alice.send(&ClientMsg::Input { seq, input }).await.unwrap();
        }
    }
    lobby.end(&m.id, &m.host_token).await.unwrap();
    let entry = listed(server, &m.id).await;
    (entry, views)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_is_watched_through_the_normal_protocol() {
    let db = TempDb::new("replay-watch");
    let server = TestServer::with_config(db.config());
    let (entry, live) = played_match(&server).await;
    assert!(entry.replay_complete);

    let w = watch(&server, &entry.id).await;
    assert_eq!(w.replay.of, entry.id);
    assert_eq!((w.replay.tick, w.replay.ticks), (0, entry.replay_ticks));
    assert_eq!((w.replay.speed, w.replay.paused), (1.0, false));
    // Listed like any match, marked as a replay.
    let summary: MatchSummary = server.lobby().get(&w.match_id).await.unwrap().summary;
    assert_eq!(summary.replay_of.as_deref(), Some(entry.id.as_str()));
    assert_eq!(summary.game, "deathmatch");

    // Paused before anybody watches: the joiner gets one frame, then one per seek.
    let s = control(&server, &w, serde_json::json!({"paused": true})).await;
    assert_eq!((s.tick, s.paused), (0, true));
    let mut viewer = connect(&server, &w.match_id, "viewer", ApiRole::Spectator).await;
    assert_eq!(viewer.welcome.game, "deathmatch");
    assert_eq!(viewer.welcome.role, arena_game::Role::Spectator);
    let roster = roster_where(&mut viewer, |_| true).await;
    assert!(roster.is_empty(), "nobody is seated at tick 0: {roster:?}");
    next_snapshot(&mut viewer).await;

    // Live snapshot tick t shows the game after t + 1 steps: replay position t + 1.
    let first = *live.keys().min().unwrap();
    let last = *live
        .keys()
        .filter(|&&t| u64::from(t) + 1 < entry.replay_ticks)
        .max()
        .unwrap();
    let targets = [last, first + 10, (first + last) / 2, first + 1, last - 7];
    for (i, t) in targets.into_iter().enumerate() {
        let s = control(&server, &w, serde_json::json!({"seek": t + 1})).await;
        assert_eq!((s.tick, s.paused), (u64::from(t) + 1, true));
        if i == 0 {
            // The seats changed with the seek: the roster comes first.
            let roster = roster_where(&mut viewer, |_| true).await;
            let seats: Vec<(&str, bool)> =
                roster.iter().map(|e| (e.name.as_str(), e.bot)).collect();
            assert_eq!(seats, [("alice", false), ("Bot 2", true)]);
        }
        let frame = next_snapshot(&mut viewer).await;
        assert_eq!(
            &frame.view.0,
            &live[&t],
            "the replay at {} is the live tick {t}",
            t + 1
        );
    }

    // 4×: every frame is four recorded ticks on; 0.5×: one tick every other frame.
    let from = first + 5;
    let s = control(
        &server,
        &w,
        serde_json::json!({"seek": from + 1, "speed": 4.0, "paused": false}),
    )
    .await;
    assert_eq!((s.speed, s.paused), (4.0, false));
    let mut stream_ticks = Vec::new();
    for k in 1..=6u32 {
        let frame = next_snapshot(&mut viewer).await;
        stream_ticks.push(frame.tick);
        assert_eq!(&frame.view.0, &live[&(from + 4 * k)], "frame {k} at 4×");
    }
    assert!(
        stream_ticks.windows(2).all(|p| p[1] > p[0]),
        "stream ticks only grow"
    );
    let s = control(
        &server,
        &w,
        serde_json::json!({"paused": true, "speed": 0.5}),
    )
    .await;
    // Well away from where it paused, so the seek's frame is told from those on their way.
    let at = (s.tick as u32 + 40).min(last - 10);
    assert!(at > s.tick as u32 + 20, "the live match is long enough");
    control(
        &server,
        &w,
        serde_json::json!({"seek": at + 1, "paused": false}),
    )
    .await;
    let mut frame = next_snapshot(&mut viewer).await;
    while frame.view.0 != live[&at] {
        frame = next_snapshot(&mut viewer).await;
    }
    let mut previous = frame.tick;
    for k in 1..=4u32 {
        let frame = next_snapshot(&mut viewer).await;
        assert_eq!(&frame.view.0, &live[&(at + k)], "frame {k} at 0.5×");
        if k > 1 {
            // (The seek's own frame came one tick before the first half-speed step.)
            assert_eq!(
                frame.tick - previous,
                2,
                "half speed: a frame every other tick"
            );
        }
        previous = frame.tick;
    }

    // The end: paused there, with the recorded result.
    let s = control(
        &server,
        &w,
        serde_json::json!({"seek": entry.replay_ticks, "speed": 1.0}),
    )
    .await;
    assert_eq!(
        (s.tick, s.paused, s.phase),
        (entry.replay_ticks, true, arena_game::api::ApiPhase::Ended)
    );
    let ended = viewer
        .recv_until(EVENT_TIMEOUT, |m| matches!(m, ServerMsg::MatchEnded { .. }))
        .await
        .unwrap();
    let ServerMsg::MatchEnded { reason, scoreboard } = ended else {
        unreachable!()
    };
    assert_eq!(reason, arena_game::EndReason::Host);
    let got: Vec<(&str, i32)> = scoreboard
        .iter()
        .map(|l| (l.name.as_str(), l.score))
        .collect();
    let want: Vec<(&str, i32)> = entry
        .players
        .iter()
        .map(|p| (p.name.as_str(), p.score))
        .collect();
    assert_eq!(got, want);
    // Anyone reads where it stands; play at the end starts over.
    let url = format!("{}/api/matches/{}/replay", server.url(), w.match_id);
    let (status, body) = call(reqwest::Method::GET, url, None, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["tick"], entry.replay_ticks);
    let s = control(&server, &w, serde_json::json!({"paused": false})).await;
    assert!(!s.paused && s.tick <= 1, "{s:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_refusals_are_json_errors() {
    let db = TempDb::new("replay-refusals");
    let server = TestServer::with_config(db.config());
    let (entry, _) = played_match(&server).await;
    let w = watch(&server, &entry.id).await;
    let replay = format!("/api/matches/{}/replay", w.match_id);
    let token = Some(w.host_token.as_str());
    let post = reqwest::Method::POST;
    let paused = Some(json!({"paused": true}));
    refused(
        &server,
        &post,
        &replay,
        None,
        paused.clone(),
        401,
        "unauthorized",
    )
    .await;
    refused(
        &server,
        &post,
        &replay,
        Some("0123"),
        paused,
        403,
        "forbidden",
    )
    .await;
    for bad in [
        json!({"speed": 9}),
        json!({"speed": 0.25}),
        json!({"seek": entry.replay_ticks + 1}),
        json!({"rewind": 3}),
    ] {
        refused(
            &server,
            &post,
            &replay,
            token,
            Some(bad),
            400,
            "bad_request",
        )
        .await;
    }
    let join = format!("/api/matches/{}/join", w.match_id);
    let as_player = Some(json!({"name": "p", "role": "player"}));
    refused(&server, &post, &join, None, as_player, 409, "match_full").await;
    for control in ["start", "end"] {
        let path = format!("/api/matches/{}/{control}", w.match_id);
        refused(&server, &post, &path, token, None, 409, "wrong_phase").await;
    }
    let bots = format!("/api/matches/{}/bots", w.match_id);
    let one = Some(json!({"count": 1}));
    refused(&server, &post, &bots, token, one, 409, "wrong_phase").await;
    let nope = "/api/history/nope/watch";
    refused(&server, &post, nope, None, None, 404, "not_found").await;
    let get = reqwest::Method::GET;
    refused(
        &server,
        &get,
        "/api/matches/nope/replay",
        None,
        None,
        404,
        "not_found",
    )
    .await;
    let base = server.url();
    // A live match is not a replay.
    let live = create(&server, game_req("deathmatch", 2, 20)).await;
    let url = format!("{base}/api/matches/{}/replay", live.id);
    let (status, json) = call(reqwest::Method::GET, url, None, None).await;
    assert_eq!((status, json["error"].as_str()), (404, Some("not_found")));
    // Nothing changed by the refusals.
    let s = control(&server, &w, serde_json::json!({})).await;
    assert_eq!((s.tick, s.speed, s.paused), (0, 1.0, false));
}

/// Nobody watching closes a replay; a replay of a game this server no longer hosts refuses to
/// play with a clear error; a match everybody left while it ran is kept, ended as abandoned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_replays_close_and_unplayable_ones_say_why() {
    let db = TempDb::new("replay-idle");
    let config = Config {
        ended_retention_s: 1,
        empty_match_ttl_s: 1,
        ..db.config()
    };
    let server = TestServer::with_config(config.clone());
    let lobby = server.lobby();
    // A ctf match a person plays with bots, then leaves while it runs: the empty match is
    // removed, and kept as abandoned.
    let m = create(&server, game_req("ctf", 2, 20)).await;
    let mut bob = connect(&server, &m.id, "bob", ApiRole::Player).await;
    lobby.add_bots(&m.id, &m.host_token, 1).await.unwrap();
    snapshot_where(&mut bob, |s| s.phase == Phase::Running).await;
    bob.close().await.unwrap();
    let entry = listed(&server, &m.id).await;
    assert_eq!(entry.end_reason, "abandoned");
    assert!(entry.players.iter().any(|p| p.name == "bob" && !p.bot));

    // Watched, then left alone: closed.
    let w = watch(&server, &entry.id).await;
    let viewer = connect(&server, &w.match_id, "viewer", ApiRole::Spectator).await;
    viewer.close().await.unwrap();
    let match_url = format!("{}/api/matches/{}", server.url(), w.match_id);
    eventually("the idle replay closes", || {
        let url = match_url.clone();
        async move { reqwest::get(url).await.unwrap().status() == 404 }
    })
    .await;
    drop(server);

    // The same history on a server without ctf.
    let mut only_dm = GameRegistry::new();
    only_dm.register::<arena_deathmatch::Deathmatch>();
    let server = TestServer::with_games(config, only_dm);
    let url = format!("{}/api/history/{}/watch", server.url(), entry.id);
    let (status, json) = call(reqwest::Method::POST, url, None, None).await;
    assert_eq!(
        (status, json["error"].as_str()),
        (409, Some("replay_unplayable")),
        "{json}"
    );
    assert!(json["message"].as_str().unwrap().contains("ctf"), "{json}");
}
