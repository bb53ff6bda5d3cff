//! Who may connect and how much they may send: origin checks, the connection cap and the
//! per-session input rate limit, over real sockets.

mod common;

use arena::Config;
use arena_game::api::ApiRole;
use arena_game::{codec, ClientMsg};
use common::raw_ws::{handshake, RawWs};
use common::*;

/// Sends an upgrade for a fresh join token with `origin` and returns the status line.
async fn upgrade_with_origin(server: &TestServer, match_id: &str, origin: &str) -> String {
    let joined = server
        .lobby()
        .join(match_id, "o", ApiRole::Spectator)
        .await
        .unwrap();
    let path = format!("/ws?token={}", joined.token);
    let headers = [("Origin", origin)];
    let (_, head) =
        common::raw_ws::handshake_with(server.addr, &path, Some("arena.v3"), &headers).await;
    head.lines().next().unwrap_or("").to_owned()
}

/// A foreign Origin is refused before the upgrade (cross-site WebSocket hijacking); the
/// server's own origin, localhost and allow-listed origins are accepted.
#[tokio::test]
async fn foreign_origin_is_refused_before_upgrade() {
    let server = TestServer::with_config(Config {
        allowed_origins: vec!["https://game.example.com".into()],
        ..Default::default()
    });
    let m = create(&server, match_req(2, 20, 0, 0)).await;
    let own = format!("http://{}", server.addr);
    for (origin, status) in [
        ("https://evil.example.net", "403"),
        ("http://localhost.evil.net", "403"),
        ("null", "403"),
        (own.as_str(), "101"),
        ("http://localhost:5173", "101"),
        ("http://127.0.0.1:3000", "101"),
        ("https://game.example.com", "101"),
    ] {
        let head = upgrade_with_origin(&server, &m.id, origin).await;
        assert_eq!(&head[9..12], status, "origin {origin}");
    }
}

/// Past the connection cap, an upgrade gets 503 with JSON; a slot frees when a session leaves.
#[tokio::test]
async fn connection_cap_answers_503() {
    let server = TestServer::with_config(Config {
        max_connections: 2,
        ..Default::default()
    });
    let m = create(&server, match_req(4, 20, 0, 0)).await;
    let a = connect(&server, &m.id, "a", ApiRole::Player).await;
    let _b = connect(&server, &m.id, "b", ApiRole::Player).await;
    let joined = server
        .lobby()
        .join(&m.id, "c", ApiRole::Player)
        .await
        .unwrap();
    let path = format!("/ws?token={}", joined.token);
    let (_, head) = handshake(server.addr, &path, Some("arena.v3")).await;
    assert!(head.starts_with("HTTP/1.1 503"), "{head}");
    a.close().await.unwrap();
    eventually("a slot to free", || async {
        let (_, head) = handshake(server.addr, &path, Some("arena.v3")).await;
        head.starts_with("HTTP/1.1 101")
    })
    .await;
}

/// A session sending far more than 2× tick_hz messages per second has the excess dropped and,
/// when it keeps flooding, is closed with 1008; a player in the same match keeps every tick.
async fn input_flood_is_dropped_then_closed_with_1008(game: &'static str) {
    let server = TestServer::with_config(Config {
        flood_close_after_s: 1,
        ..Default::default()
    });
    let m = create(&server, game_req(game, 4, 20)).await;
    let mut healthy = connect(&server, &m.id, "healthy", ApiRole::Player).await;
    let joined = server
        .lobby()
        .join(&m.id, "flood", ApiRole::Player)
        .await
        .unwrap();
    let mut raw = RawWs::connect(server.addr, &joined.ws_url).await;
    let still = stand_still(game);
    let flooder = tokio::spawn(async move {
        let start = tokio::time::Instant::now();
        let mut seq = 0u16;
        // 200 inputs/s against a limit of 40/s, for at most 6 s.
        while start.elapsed() < std::time::Duration::from_secs(6) {
            seq = seq.wrapping_add(1);
            let bytes = codec::encode(&ClientMsg::Input {
                seq,
                input: still.clone(),
            })
            .unwrap();
            raw.send_binary(&bytes).await;
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            if let Some(f) = raw.read_frame(std::time::Duration::from_millis(0)).await {
                if f.opcode == common::raw_ws::op::CLOSE {
                    return Some(u16::from_be_bytes([f.payload[0], f.payload[1]]));
                }
            }
        }
        None
    });
    let first = snapshot_where(&mut healthy, |_| true).await;
    let mut prev = first.tick;
    let code = loop {
        let s = snapshot_where(&mut healthy, |_| true).await;
        assert_eq!(s.tick, prev + 1, "the healthy player missed a tick");
        prev = s.tick;
        if flooder.is_finished() {
            break flooder.await.unwrap();
        }
    };
    assert_eq!(code, Some(1008));
    assert!(server.metric("arena_inputs_dropped_total").await > 0.0);
}
both_games!(
    input_flood_is_dropped_then_closed_with_1008_in,
    input_flood_is_dropped_then_closed_with_1008
);
