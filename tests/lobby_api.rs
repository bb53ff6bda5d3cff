//! The HTTP lobby API over real HTTP: every route, and every error as a 4xx with a JSON body.

mod common;

use arena_bots::BotError;
use arena_game::api::{ApiError, ApiPhase, ApiRole, CreateMatchRequest};
use common::raw_ws::handshake;
use common::*;
use reqwest::StatusCode;

/// Posts `body` as JSON to `path` and returns (status, parsed JSON body).
async fn post_json(server: &TestServer, path: &str, body: &str) -> (StatusCode, serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}{path}", server.url()))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.expect("a JSON body"))
}

/// Asserts an API error status and code from the bot client's error.
fn assert_api_error(err: BotError, status: u16, code: &str) {
    match err {
        BotError::Http { status: s, body } => {
            assert_eq!((s, body.error.as_str()), (status, code), "{}", body.message);
            assert!(!body.message.is_empty());
        }
        other => panic!("expected HTTP {status}, got {other}"),
    }
}

/// Create, list, show, join, start and end work with the documented defaults and shapes.
#[tokio::test]
async fn routes_and_defaults() {
    let server = TestServer::start();
    let lobby = server.lobby();
    let created = lobby
        .create_match(&CreateMatchRequest {
            name: "defaults".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(created.host_token.len(), 32);
    let s = &created.summary;
    assert_eq!(
        (s.game.as_str(), s.max_players, s.tick_hz, s.phase),
        ("deathmatch", 8, 20, ApiPhase::Waiting)
    );
    assert_eq!(
        serde_json::Value::Object(s.settings.clone()),
        serde_json::json!({"time_limit_s": 300, "score_limit": 20})
    );
    let list = lobby.list().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, created.id);
    let joined = lobby.join(&created.id, "p", ApiRole::Player).await.unwrap();
    assert_eq!(joined.player_id, Some(0));
    assert!(joined.ws_url.starts_with("ws://127.0.0.1:"));
    assert!(joined.ws_url.ends_with(&joined.token));
    let spec = lobby
        .join(&created.id, "s", ApiRole::Spectator)
        .await
        .unwrap();
    assert_eq!(spec.player_id, None);
    assert_eq!(lobby.get(&created.id).await.unwrap().summary.players, 1);
    let health = reqwest::get(format!("{}/healthz", server.url()))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let metrics = reqwest::get(format!("{}/metrics", server.url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("arena_matches{phase=\"waiting\"} 1"),
        "{metrics}"
    );
}

/// Unknown match 404, bad bodies 400, oversized 413, wrong content type 415, unknown route 404.
#[tokio::test]
async fn request_errors_are_json() {
    let server = TestServer::start();
    let lobby = server.lobby();
    assert_api_error(lobby.get("nope").await.unwrap_err(), 404, "not_found");
    assert_api_error(
        lobby.join("nope", "x", ApiRole::Player).await.unwrap_err(),
        404,
        "not_found",
    );
    for body in [
        "{",
        "[]",
        r#"{"name": 5}"#,
        r#"{"name": ""}"#,
        r#"{"name": "x", "max_players": 0}"#,
        r#"{"name": "x", "max_players": 65}"#,
        r#"{"name": "x", "tick_hz": 0}"#,
        r#"{"name": "x", "tick_hz": 129}"#,
        r#"{"name": "x", "settings": {"time_limit_s": 3601}}"#,
        r#"{"name": "x", "settings": {"time_limit_s": "long"}}"#,
        r#"{"name": "x", "settings": {"lives": 3}}"#,
        r#"{"name": "x", "settings": [1]}"#,
        r#"{"name": "x", "time_limit_s": 30}"#,
        r#"{"name": "x", "game": "chess"}"#,
        r#"{"name": "x", "game": 7}"#,
        r#"{"name": "x", "surprise": 1}"#,
    ] {
        let (status, json) = post_json(&server, "/api/matches", body).await;
        assert_eq!(status, 400, "{body}: {json}");
        assert_eq!(json["error"], "bad_request");
    }
    let big = format!(r#"{{"name": "{}"}}"#, "x".repeat(20_000));
    let (status, json) = post_json(&server, "/api/matches", &big).await;
    assert_eq!(
        (status.as_u16(), json["error"].as_str()),
        (413, Some("payload_too_large"))
    );
    let resp = reqwest::Client::new()
        .post(format!("{}/api/matches", server.url()))
        .header("content-type", "text/plain")
        .body(r#"{"name":"x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
    let resp = reqwest::get(format!("{}/api/nothing", server.url()))
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let json: ApiError = resp.json().await.unwrap();
    assert_eq!(json.error, "not_found");
    let m = create(&server, match_req(2, 20, 0, 0)).await;
    let (status, _) = post_json(
        &server,
        &format!("/api/matches/{}/join", m.id),
        r#"{"name":"x","role":"king"}"#,
    )
    .await;
    assert_eq!(status, 400);
}

/// A full match answers 409; an ended one 410 (join and control).
#[tokio::test]
async fn full_and_ended_matches() {
    let server = TestServer::start();
    let lobby = server.lobby();
    let m = create(&server, match_req(1, 20, 0, 0)).await;
    lobby.join(&m.id, "a", ApiRole::Player).await.unwrap();
    assert_api_error(
        lobby.join(&m.id, "b", ApiRole::Player).await.unwrap_err(),
        409,
        "match_full",
    );
    lobby
        .join(&m.id, "watcher", ApiRole::Spectator)
        .await
        .unwrap();
    lobby.end(&m.id, &m.host_token).await.unwrap();
    assert_api_error(
        lobby
            .join(&m.id, "c", ApiRole::Spectator)
            .await
            .unwrap_err(),
        410,
        "match_ended",
    );
    assert_api_error(
        lobby.start(&m.id, &m.host_token).await.unwrap_err(),
        410,
        "match_ended",
    );
}

/// Start and end need the host token: missing 401, wrong 403.
#[tokio::test]
async fn host_routes_need_the_host_token() {
    let server = TestServer::start();
    let m = create(&server, match_req(2, 20, 0, 0)).await;
    let url = format!("{}/api/matches/{}/start", server.url(), m.id);
    let resp = reqwest::Client::new().post(&url).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.json::<ApiError>().await.unwrap().error, "unauthorized");
    assert_api_error(
        server
            .lobby()
            .start(&m.id, "0123456789abcdef0123456789abcdef")
            .await
            .unwrap_err(),
        403,
        "forbidden",
    );
    let other = create(&server, match_req(2, 20, 0, 0)).await;
    assert_api_error(
        server
            .lobby()
            .end(&m.id, &other.host_token)
            .await
            .unwrap_err(),
        403,
        "forbidden",
    );
}

/// Capacity is exact under concurrent joins: 50 joins for 8 seats give 8 distinct seats.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_joins_fill_exactly_the_seats() {
    let server = TestServer::start();
    let m = create(&server, match_req(8, 20, 0, 0)).await;
    let joins = (0..50).map(|i| {
        let lobby = server.lobby();
        let id = m.id.clone();
        tokio::spawn(async move { lobby.join(&id, &format!("p{i}"), ApiRole::Player).await })
    });
    let mut seats = Vec::new();
    let mut full = 0;
    for j in joins {
        match j.await.unwrap() {
            Ok(r) => seats.push(r.player_id.unwrap()),
            Err(e) => {
                assert_api_error(e, 409, "match_full");
                full += 1;
            }
        }
    }
    seats.sort();
    assert_eq!(seats, (0..8).collect::<Vec<u8>>());
    assert_eq!(full, 42);
}

/// The WebSocket upgrade is refused before the upgrade, with JSON: no or unknown subprotocol
/// 400 naming the versions served, no token 401, bad or used token 403.
#[tokio::test]
async fn websocket_handshake_refusals() {
    let server = TestServer::start();
    let m = create(&server, match_req(2, 20, 0, 0)).await;
    let joined = server
        .lobby()
        .join(&m.id, "p", ApiRole::Player)
        .await
        .unwrap();
    let path = format!("/ws?token={}", joined.token);
    for proto in [None, Some("arena.v0"), Some("chat, superchat")] {
        let (_, head) = handshake(server.addr, &path, proto).await;
        assert!(head.starts_with("HTTP/1.1 400"), "{proto:?}: {head}");
    }
    let resp = reqwest::Client::new()
        .get(format!("{}{path}", server.url()))
        .header("Sec-WebSocket-Protocol", "arena.v9")
        .send()
        .await
        .unwrap();
    let json: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(json["error"], "unsupported_protocol");
    assert_eq!(json["supported"], serde_json::json!(["arena.v3"]));
    let (_, head) = handshake(server.addr, "/ws", Some("arena.v3")).await;
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
    let (_, head) = handshake(server.addr, "/ws?token=deadbeef", Some("arena.v3")).await;
    assert!(head.starts_with("HTTP/1.1 403"), "{head}");
    // The token was not spent by the refused attempts: it works once, then never again.
    let s = arena_bots::Session::connect(&joined.ws_url).await.unwrap();
    assert_eq!(s.welcome.player_id, Some(0));
    let (_, head) = handshake(server.addr, &path, Some("arena.v3")).await;
    assert!(head.starts_with("HTTP/1.1 403"), "{head}");
}

/// The browser client is served at `/`.
#[tokio::test]
async fn serves_the_browser_client() {
    let server = TestServer::start();
    let resp = reqwest::get(server.url()).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(resp.text().await.unwrap().contains("<html"));
}

/// `GET /api/games` lists both built-in games with their seats, settings and columns; a ctf
/// match is created by name with its settings checked by the game (even seats, bounds), and the
/// listing shows each match's game and settings.
#[tokio::test]
async fn games_are_listed_and_chosen_by_name() {
    let server = TestServer::start();
    let games = server.lobby().games().await.unwrap();
    let names: Vec<&str> = games.iter().map(|g| g.info.name.as_str()).collect();
    assert_eq!(names, ["deathmatch", "ctf"]);
    // Where the page finds each game's browser module and schema, and that both have bots.
    for g in &games {
        let name = &g.info.name;
        assert_eq!(
            g.module.as_deref(),
            Some(&*format!("/games/{name}/index.js"))
        );
        assert_eq!(g.schema, format!("/api/games/{name}/schema"));
        assert!(g.bots);
    }
    let ctf = &games[1].info;
    assert_eq!((ctf.min_players, ctf.max_players, ctf.teams), (2, 16, 2));
    let sight = ctf
        .settings
        .iter()
        .find(|s| s.name == "sight_radius")
        .unwrap();
    assert_eq!((sight.min, sight.max, sight.default), (100, 2000, 320));
    assert_eq!(ctf.score_columns, ["captures", "returns", "tags", "tagged"]);

    for (body, needle) in [
        (r#"{"name": "x", "game": "ctf", "max_players": 7}"#, "even"),
        (
            r#"{"name": "x", "game": "ctf", "max_players": 18}"#,
            "2..=16",
        ),
        (
            r#"{"name": "x", "game": "ctf", "settings": {"sight_radius": 50}}"#,
            "100..=2000",
        ),
        (
            r#"{"name": "x", "game": "ctf", "settings": {"score_limit": 3}}"#,
            "captures_to_win",
        ),
        (r#"{"name": "x", "game": "chess"}"#, "deathmatch, ctf"),
    ] {
        let (status, json) = post_json(&server, "/api/matches", body).await;
        assert_eq!(status, 400, "{body}: {json}");
        let message = json["message"].as_str().unwrap();
        assert!(message.contains(needle), "{body}: {message}");
    }
    let (status, json) = post_json(
        &server,
        "/api/matches",
        r#"{"name": "flags", "game": "ctf", "max_players": 4, "settings": {"captures_to_win": 5}}"#,
    )
    .await;
    assert_eq!(status, 201, "{json}");
    assert_eq!(json["match"]["game"], "ctf");
    assert_eq!(
        json["match"]["settings"],
        serde_json::json!({"captures_to_win": 5, "time_limit_s": 600, "sight_radius": 320})
    );
    let listed = server.lobby().list().await.unwrap();
    assert_eq!(listed[0].game, "ctf");
    let detail = server.lobby().get(&listed[0].id).await.unwrap();
    assert_eq!(
        detail.score_columns,
        ["captures", "returns", "tags", "tagged"]
    );
}
