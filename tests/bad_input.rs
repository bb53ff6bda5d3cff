//! Bad input over real sockets, for both built-in games: every malformed frame closes only its
//! own session with a fitting close code and a reason, while another session in the same match
//! keeps getting every tick.

mod common;

use std::time::Duration;

use arena_deathmatch::wire::buttons;
use arena_game::api::ApiRole;
use arena_game::{codec, ClientMsg, Payload, ServerMsg};
use common::raw_ws::{op, RawWs};
use common::*;

/// A match of `game` with one healthy session watching; returns (server, match id, healthy
/// session).
async fn setup(game: &str) -> (TestServer, String, arena_bots::Session) {
    let server = TestServer::start();
    let m = create(&server, game_req(game, 8, 50)).await;
    let healthy = connect(&server, &m.id, "healthy", ApiRole::Spectator).await;
    (server, m.id, healthy)
}

/// Opens a raw player connection to `match_id` and reads past the welcome.
async fn raw_player(server: &TestServer, match_id: &str) -> RawWs {
    let joined = server
        .lobby()
        .join(match_id, "raw", ApiRole::Player)
        .await
        .unwrap();
    let mut raw = RawWs::connect(server.addr, &joined.ws_url).await;
    let first = raw.read_frame(EVENT_TIMEOUT).await.expect("welcome");
    assert_eq!(first.opcode, op::BINARY);
    assert!(matches!(
        codec::decode::<ServerMsg>(&first.payload),
        Ok(ServerMsg::Welcome(_))
    ));
    raw
}

/// The healthy session keeps receiving consecutive ticks (no gap) after the bad one is gone.
async fn assert_unaffected(healthy: &mut arena_bots::Session) {
    let first = snapshot_where(healthy, |_| true).await;
    let mut prev = first.tick;
    for _ in 0..10 {
        let s = snapshot_where(healthy, |_| true).await;
        assert_eq!(s.tick, prev + 1, "healthy session missed a tick");
        prev = s.tick;
    }
}

/// Runs one bad-frame case in both games: `send` misbehaves, the server must close with `code`.
macro_rules! bad_frame_case {
    ($name:ident, $code:expr, |$raw:ident| $send:expr) => {
        mod $name {
            use super::*;

            async fn case(game: &'static str) {
                let (server, match_id, mut healthy) = setup(game).await;
                let mut $raw = raw_player(&server, &match_id).await;
                $send;
                let (code, reason) = $raw.expect_close().await;
                assert_eq!(code, $code, "reason: {reason}");
                assert!(!reason.is_empty(), "a close reason is given");
                assert_unaffected(&mut healthy).await;
                let health = reqwest::get(format!("{}/healthz", server.url()))
                    .await
                    .unwrap();
                assert_eq!(health.status(), 200);
            }

            both_games!(in_game, case);
        }
    };
}

bad_frame_case!(text_frame_closes_with_1003, 1003, |raw| raw
    .send_frame(true, op::TEXT, b"hello", true)
    .await);

bad_frame_case!(invalid_utf8_text_frame_closes_with_1007, 1007, |raw| raw
    .send_frame(true, op::TEXT, &[0xff, 0xfe, 0x41], true)
    .await);

bad_frame_case!(undecodable_binary_closes_with_1007, 1007, |raw| raw
    .send_binary(&[0x7f, 1, 2, 3])
    .await);

bad_frame_case!(trailing_bytes_close_with_1007, 1007, |raw| {
    let mut bytes = codec::encode(&ClientMsg::Ping { client_time_us: 1 }).unwrap();
    bytes.push(0);
    raw.send_binary(&bytes).await
});

// A valid envelope whose game input does not decode (the deathmatch's is 2 bytes, ctf's 5):
// refused by the match, which alone reads the game's bytes.
bad_frame_case!(undecodable_game_input_closes_with_1007, 1007, |raw| {
    let msg = ClientMsg::Input {
        seq: 1,
        input: Payload(vec![buttons::UP]),
    };
    raw.send_binary(&codec::encode(&msg).unwrap()).await
});

bad_frame_case!(
    game_input_with_trailing_bytes_closes_with_1007,
    1007,
    |raw| {
        let msg = ClientMsg::Input {
            seq: 1,
            input: Payload(vec![buttons::UP, 0, 0]),
        };
        raw.send_binary(&codec::encode(&msg).unwrap()).await
    }
);

bad_frame_case!(oversized_frame_closes_with_1009, 1009, |raw| raw
    .send_binary(&vec![0u8; 8192])
    .await);

bad_frame_case!(continuation_without_start_closes_with_1002, 1002, |raw| raw
    .send_frame(true, op::CONTINUATION, &[1], true)
    .await);

bad_frame_case!(invalid_utf8_close_reason_closes_with_1007, 1007, |raw| raw
    .send_frame(true, op::CLOSE, &[0x03, 0xe8, 0xff, 0xfe, 0xfd], true)
    .await);

bad_frame_case!(unmasked_client_frame_closes_with_1002, 1002, |raw| raw
    .send_frame(true, op::BINARY, &[1, 0], false)
    .await);

bad_frame_case!(invalid_close_code_closes_with_1002, 1002, |raw| raw
    .send_frame(true, op::CLOSE, &[0x00, 0x05, b'x'], true)
    .await);

bad_frame_case!(reserved_opcode_closes_with_1002, 1002, |raw| raw
    .send_frame(true, 0x3, &[], true)
    .await);

/// A 12-byte message that claims a 2^40-byte string is refused with 1009 by the bounded decoder;
/// the process stays up and other sessions never notice.
async fn length_bomb_closes_one_session_and_server_keeps_serving(game: &'static str) {
    let (server, match_id, mut healthy) = setup(game).await;
    let mut raw = raw_player(&server, &match_id).await;
    let mut bomb = vec![2u8, 253];
    bomb.extend_from_slice(&(1u64 << 40).to_le_bytes());
    bomb.extend_from_slice(b"xy");
    assert_eq!(bomb.len(), 12);
    raw.send_binary(&bomb).await;
    let (code, reason) = raw.expect_close().await;
    assert_eq!(code, 1009, "{reason}");
    assert_unaffected(&mut healthy).await;
    // New sessions still get in and play.
    let mut again = connect(&server, &match_id, "after", ApiRole::Player).await;
    snapshot_where(&mut again, |_| true).await;
}
both_games!(
    length_bomb,
    length_bomb_closes_one_session_and_server_keeps_serving
);

/// A binary message split over fragments is reassembled and applied like a whole one.
async fn fragmented_input_is_reassembled(game: &'static str) {
    let (server, match_id, _) = setup(game).await;
    let mut raw = raw_player(&server, &match_id).await;
    let input = codec::encode(&ClientMsg::Input {
        seq: 777,
        input: move_right(game),
    })
    .unwrap();
    raw.send_frame(false, op::BINARY, &input[..2], true).await;
    raw.send_frame(false, op::CONTINUATION, &input[2..3], true)
        .await;
    // A ping between fragments is legal (control frames may interleave).
    raw.send_frame(true, op::PING, b"p", true).await;
    raw.send_frame(true, op::CONTINUATION, &input[3..], true)
        .await;
    // The ack comes back at the end of the sender's own snapshots (whole or delta alike).
    let acked = |payload: &[u8]| match codec::decode::<ServerMsg>(payload) {
        Ok(ServerMsg::Snapshot(s)) => s.ack == Some(777),
        Ok(ServerMsg::Delta(d)) => d.ack == Some(777),
        _ => false,
    };
    loop {
        let frame = raw
            .read_frame(EVENT_TIMEOUT)
            .await
            .expect("the sender's snapshots keep coming");
        if frame.opcode == op::BINARY && acked(&frame.payload) {
            break;
        }
    }
}
both_games!(fragments, fragmented_input_is_reassembled);

/// A fragmented message that grows past the limit is refused with 1009 before it is complete.
async fn fragments_past_the_limit_close_with_1009(game: &'static str) {
    let (server, match_id, mut healthy) = setup(game).await;
    let mut raw = raw_player(&server, &match_id).await;
    raw.send_frame(false, op::BINARY, &[0u8; 3000], true).await;
    raw.send_frame(false, op::CONTINUATION, &[0u8; 3000], true)
        .await;
    let (code, _) = raw.expect_close().await;
    assert_eq!(code, 1009);
    assert_unaffected(&mut healthy).await;
}
both_games!(
    fragments_past_the_limit,
    fragments_past_the_limit_close_with_1009
);

/// A client that answers no pings is closed after the heartbeat timeout.
async fn silent_client_is_closed_after_the_timeout(game: &'static str) {
    let server = TestServer::with_config(arena::Config {
        heartbeat_ms: 100,
        client_timeout_ms: 400,
        reconnect_grace_s: 0,
        ..Default::default()
    });
    let m = create(&server, game_req(game, 2, 10)).await;
    let mut raw = raw_player(&server, &m.id).await;
    let started = tokio::time::Instant::now();
    let (code, reason) = raw.expect_close().await;
    assert_eq!(code, 1001, "{reason}");
    assert!(started.elapsed() < Duration::from_secs(5));
    eventually("the seat to be freed", || async {
        server.lobby().get(&m.id).await.unwrap().summary.players == 0
    })
    .await;
}
both_games!(silent_client, silent_client_is_closed_after_the_timeout);
