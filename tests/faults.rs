//! Broken networks, through the fault proxy: a half-open connection is closed by the heartbeat
//! within interval + timeout, a reset frees the session at once, latency only delays, and a
//! bandwidth-starved client falls behind without touching anyone else.

mod common;

use std::time::{Duration, Instant};

use arena::Config;
use arena_bots::Session;
use arena_game::api::ApiRole;
use arena_game::ServerMsg;
use common::fault_proxy::{Fault, FaultProxy};
use common::*;

/// Joins through the proxy: the WebSocket goes to the proxy, which forwards to the server.
async fn join_via(
    server: &TestServer,
    proxy: &FaultProxy,
    match_id: &str,
    role: ApiRole,
) -> Session {
    let joined = server
        .lobby()
        .join(match_id, "via-proxy", role)
        .await
        .unwrap();
    let url = joined
        .ws_url
        .replace(&server.addr.to_string(), &proxy.addr.to_string());
    Session::connect(&url).await.unwrap()
}

async fn player_sessions(server: &TestServer) -> f64 {
    server.metric("arena_sessions{role=\"player\"}").await
}

/// A half-open connection (the network drops everything, no FIN, no RST) is closed by the
/// server's heartbeat within the documented interval + timeout.
async fn half_open_connection_is_closed_by_the_heartbeat(game: &'static str) {
    let (interval_ms, timeout_ms) = (200, 800);
    let server = TestServer::with_config(Config {
        heartbeat_ms: interval_ms,
        client_timeout_ms: timeout_ms,
        ..Default::default()
    });
    let proxy = FaultProxy::start(server.addr).await;
    let m = create(&server, game_req(game, 4, 20)).await;
    let mut s = join_via(&server, &proxy, &m.id, ApiRole::Player).await;
    snapshot_where(&mut s, |_| true).await;
    assert_eq!(player_sessions(&server).await, 1.0);
    proxy.set(Fault::Blackhole);
    let cut = Instant::now();
    eventually("the half-open session to be closed", || async {
        player_sessions(&server).await == 0.0
    })
    .await;
    let took = cut.elapsed();
    let bound = Duration::from_millis(interval_ms + timeout_ms) + Duration::from_millis(500);
    assert!(
        took <= bound,
        "closed after {took:?}, documented bound {bound:?}"
    );
    // The seat is held for a reconnect, not lost.
    assert_eq!(server.lobby().get(&m.id).await.unwrap().summary.players, 1);
}
both_games!(
    half_open_connection_is_closed_by_the_heartbeat_in,
    half_open_connection_is_closed_by_the_heartbeat
);

/// A connection reset ends the session at once (no waiting for the heartbeat).
async fn reset_connection_ends_the_session(game: &'static str) {
    let server = TestServer::start();
    let proxy = FaultProxy::start(server.addr).await;
    let m = create(&server, game_req(game, 4, 20)).await;
    let mut s = join_via(&server, &proxy, &m.id, ApiRole::Player).await;
    snapshot_where(&mut s, |_| true).await;
    proxy.set(Fault::Reset);
    eventually("the reset session to end", || async {
        player_sessions(&server).await == 0.0
    })
    .await;
}
both_games!(
    reset_connection_ends_the_session_in,
    reset_connection_ends_the_session
);

/// 150 ms of added latency delays snapshots but loses none and closes nothing.
async fn latency_delays_but_loses_nothing(game: &'static str) {
    let server = TestServer::start();
    let proxy = FaultProxy::start(server.addr).await;
    let m = create(&server, game_req(game, 4, 20)).await;
    let mut s = join_via(&server, &proxy, &m.id, ApiRole::Spectator).await;
    proxy.set(Fault::Latency(Duration::from_millis(150)));
    let mut prev = snapshot_where(&mut s, |_| true).await.tick;
    let mut late = 0;
    for _ in 0..30 {
        let snap = snapshot_where(&mut s, |_| true).await;
        assert_eq!(snap.tick, prev + 1, "a snapshot was lost");
        prev = snap.tick;
        let age_ms = (arena::link::unix_time_us() - snap.server_time_us) / 1000;
        late += (age_ms >= 100) as u32;
    }
    assert!(late > 0, "the proxy really added latency");
}
both_games!(
    latency_delays_but_loses_nothing_in,
    latency_delays_but_loses_nothing
);

/// A client on a starved link (200 B/s against ~1.5 KB/s of snapshots) falls behind: its stale
/// snapshots are dropped and it is closed as slow, while a healthy player keeps every tick.
async fn starved_link_falls_behind_alone(game: &'static str) {
    let server = TestServer::with_config(Config {
        slow_client_timeout_ms: 500,
        socket_send_buffer_bytes: Some(4096),
        ..Default::default()
    });
    let proxy = FaultProxy::start(server.addr).await;
    let m = create(&server, game_req(game, 4, 50)).await;
    let mut healthy = connect(&server, &m.id, "healthy", ApiRole::Player).await;
    let starved = join_via(&server, &proxy, &m.id, ApiRole::Player).await;
    proxy.set(Fault::Bandwidth(200));
    let starved_id = starved.welcome.player_id.unwrap();
    let mut prev = snapshot_where(&mut healthy, |_| true).await.tick;
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let msg = healthy.recv().await.unwrap();
        let dropped = match msg {
            ServerMsg::Snapshot(snap) => {
                assert_eq!(snap.tick, prev + 1, "the healthy player missed a tick");
                prev = snap.tick;
                false
            }
            ServerMsg::Roster(r) => r.iter().any(|e| e.id == starved_id && !e.connected),
            _ => false,
        };
        if dropped {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the starved client was never closed"
        );
    }
    drop(starved);
}
both_games!(
    starved_link_falls_behind_alone_in,
    starved_link_falls_behind_alone
);
