//! The bot swarm as a game developer uses it: bots joining a match someone else created (to play
//! against people in a browser), and bots that lose their connection getting their seat back.

mod common;

use std::time::Duration;

use arena_bots::swarm::{run_swarm, SwarmConfig};
use arena_game::api::{ApiPhase, ApiRole};
use arena_game::Phase;
use common::fault_proxy::{Fault, FaultProxy};
use common::*;

/// Runs the swarm on its own thread with a current-thread runtime, as the CLI does.
fn spawn_swarm(
    config: SwarmConfig,
) -> tokio::task::JoinHandle<Result<arena_bots::swarm::SwarmReport, arena_bots::BotError>> {
    tokio::task::spawn_blocking(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(run_swarm(&config, |_| {}))
    })
}

/// `--match ID`: the swarm joins an existing match (it neither starts nor ends it), and a human
/// already in it sees the bots arrive and move.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swarm_joins_an_existing_match() {
    let server = TestServer::start();
    let m = create(&server, match_req(4, 20, 0, 0)).await;
    let mut human = connect(&server, &m.id, "human", ApiRole::Player).await;
    server.lobby().start(&m.id, &m.host_token).await.unwrap();
    let config = SwarmConfig {
        url: server.url(),
        matches: 1,
        players: 3,
        duration_s: 2.0,
        settle_s: 0.2,
        join_match: Some(m.id.clone()),
        ..SwarmConfig::default()
    };
    let swarm = spawn_swarm(config);
    let with_bots = snapshot_where(&mut human, |s| s.players.len() == 4).await;
    let report = swarm.await.unwrap().unwrap();
    assert_eq!(report.sessions_established, 3);
    assert!(report.delivered_pct >= 95.0, "{report:#?}");
    assert!(with_bots.phase == Phase::Running);
    // The swarm left (1000) but did not end the match it does not own.
    let detail = server.lobby().get(&m.id).await.unwrap();
    assert_eq!(detail.summary.phase, ApiPhase::Running);
    assert_eq!(detail.summary.players, 1);
}

/// Bots whose connections are reset mid-run reconnect with their reconnect URLs and keep
/// playing; the report counts them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swarm_bots_reconnect_after_a_reset() {
    let server = TestServer::start();
    let proxy = FaultProxy::start(server.addr).await;
    let config = SwarmConfig {
        // Lobby calls go through the proxy, so the server hands out ws:// URLs to the proxy too.
        url: format!("http://{}", proxy.addr),
        matches: 1,
        players: 3,
        duration_s: 6.0,
        settle_s: 0.5,
        ..SwarmConfig::default()
    };
    let swarm = spawn_swarm(config);
    eventually("the bots to be playing", || async {
        server.metric("arena_sessions{role=\"player\"}").await == 3.0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    proxy.set(Fault::Reset);
    eventually("the reset to reach the server", || async {
        server.metric("arena_sessions{role=\"player\"}").await == 0.0
    })
    .await;
    proxy.set(Fault::None);
    let report = swarm.await.unwrap().unwrap();
    assert_eq!(report.reconnects, 3, "{report:#?}");
    assert_eq!(report.disconnects, 0, "{report:#?}");
}
