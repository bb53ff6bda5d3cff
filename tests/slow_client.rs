//! Slow and stalled readers: a client that stops reading never grows the server's queues, never
//! delays the healthy sessions' ticks, and is closed with 4000 "slow" after the timeout; if even
//! the close cannot get out, the server shuts its socket down.

mod common;

use std::time::Duration;

use arena::Config;
use arena_game::api::ApiRole;
use common::raw_ws::{op, RawWs};
use common::*;

/// One stalled reader (small receive buffer, never reads) among healthy players: they keep
/// getting every tick, the server drops its stale snapshots instead of queueing them, closes it
/// with 4000 after the slow timeout and, since the close cannot get through, shuts the socket
/// down so the session is gone (its seat held for a reconnect) while the client still stalls.
async fn stalled_reader_is_dropped_to_newest_then_closed_slow(game: &'static str) {
    let server = TestServer::with_config(Config {
        slow_client_timeout_ms: 300,
        socket_send_buffer_bytes: Some(4096),
        // The stall must fill the socket buffers before the heartbeat gives up on the client.
        client_timeout_ms: 60_000,
        ..Default::default()
    });
    // A ctf team's view is a few dozen bytes: tick faster so the buffers fill as quickly.
    let tick_hz = if game == "ctf" { 128 } else { 50 };
    let m = create(&server, game_req(game, 8, tick_hz)).await;
    let mut healthy = Vec::new();
    for i in 0..4 {
        healthy.push(connect(&server, &m.id, &format!("h{i}"), ApiRole::Player).await);
    }
    let joined = server
        .lobby()
        .join(&m.id, "stalled", ApiRole::Player)
        .await
        .unwrap();
    let mut stalled = RawWs::connect_with_recv_buffer(server.addr, &joined.ws_url, 2048).await;

    // Healthy sessions count consecutive ticks until the server reports the slow close.
    let watchers: Vec<_> = healthy
        .into_iter()
        .map(|mut s| {
            tokio::spawn(async move {
                let mut prev = snapshot_where(&mut s, |_| true).await.tick;
                let mut seen = 0u32;
                let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
                while tokio::time::Instant::now() < deadline && seen < 750 {
                    let snap = snapshot_where(&mut s, |_| true).await;
                    assert_eq!(snap.tick, prev + 1, "a healthy session missed a tick");
                    prev = snap.tick;
                    seen += 1;
                }
                (seen, s)
            })
        })
        .collect();

    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while server.metric("arena_sessions_slow_total").await < 1.0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "stalled reader never closed: {}",
            server.metrics_text().await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(server.metric("arena_snapshots_dropped_stale_total").await >= 1.0);
    let mut keep = Vec::new();
    for w in watchers {
        let (seen, session) = w.await.unwrap();
        assert!(seen >= 100, "healthy sessions kept receiving");
        keep.push(session);
    }

    // Its actor cannot run (the socket is full), so the server shuts the socket down from
    // outside: the session is gone while the client still reads nothing.
    eventually("the stalled session to be gone", || async {
        server.metric("arena_sessions{role=\"player\"}").await == 4.0
    })
    .await;
    assert_eq!(
        server.lobby().get(&m.id).await.unwrap().summary.players,
        5,
        "seat held"
    );

    // Reading again, the stalled client finds what the kernel had buffered, then the end of
    // the connection: a 4000 close frame if it made it out, else the shut-down socket.
    let mut frames = 0;
    let mut code = None;
    while let Some(frame) = stalled.read_frame(Duration::from_secs(10)).await {
        frames += 1;
        if frame.opcode == op::CLOSE {
            code = Some(u16::from_be_bytes([frame.payload[0], frame.payload[1]]));
            break;
        }
    }
    assert!(
        frames > 0,
        "it had been sent snapshots until its buffers filled"
    );
    assert!(matches!(code, None | Some(4000)), "{code:?}");
}
both_games!(
    stalled_reader_is_dropped_to_newest_then_closed_slow_in,
    stalled_reader_is_dropped_to_newest_then_closed_slow
);
