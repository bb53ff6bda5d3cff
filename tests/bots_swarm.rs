//! The bot swarm against a real server: a smoke run that must deliver and agree with `/metrics`,
//! the same for CTF, one run spread over two servers and reported per node, bots joining a match
//! someone else created (to play against people in a browser), bots that lose their connection
//! getting their seat back, and refusals reported as HTTP errors.

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
    let (with_bots, _) = dm_snapshot_where(&mut human, |_, v| v.players.len() == 4).await;
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

/// Reads one unlabelled counter (or one labelled line) from the Prometheus text.
fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or_else(|| panic!("metric {name} missing in:\n{text}"))
}

/// 3 matches × (3 players + 1 spectator) for 2 s: every session connects, ≥ 98% of the window's
/// snapshots arrive, players see their inputs applied, and the server's frame and close counters
/// match what the bots received (within the frames queued while the sessions were closing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smoke_run_delivers_and_agrees_with_metrics() {
    let server = TestServer::start();
    let config = SwarmConfig {
        url: server.url(),
        matches: 3,
        players: 3,
        spectators: 1,
        duration_s: 2.0,
        settle_s: 0.3,
        grace_ms: 1000,
        progress_ms: 200,
        ..SwarmConfig::default()
    };
    let report = spawn_swarm(config).await.unwrap().expect("swarm runs");

    assert_eq!(report.sessions_planned, 12);
    assert_eq!(report.sessions_established, 12, "{report:#?}");
    assert_eq!(report.sessions_failed, 0, "{report:#?}");
    assert_eq!(report.disconnects, 0, "{report:#?}");
    // 40 ticks × 12 sessions in the window.
    assert!(report.snapshots_expected >= 480, "{report:#?}");
    assert!(
        report.delivered_pct >= 98.0 && report.delivered_pct <= 100.0,
        "{report:#?}"
    );
    assert!((report.tick_hz_measured - 20.0).abs() < 0.5, "{report:#?}");
    assert!(report.latency_ms.count > 0 && report.latency_ms.p50 > 0.0);
    // 9 players answer every snapshot; the round trip is at least the wait for the next tick.
    assert!(report.input_rtt_ms.count > 0, "{report:#?}");
    assert_eq!(report.connect_ms.count, 12);
    assert!(report.bytes_per_session_per_s > 0.0);
    assert_eq!(report.decode_errors, 0, "{report:#?}");
    assert!(report.passes(98.0));

    let text = server.metrics_text().await;
    let sent = metric(&text, "arena_frames_sent_total");
    let bytes_sent = metric(&text, "arena_bytes_sent_total");
    let closed_normal = metric(&text, "arena_sessions_closed_total{code=\"1000\"}");
    // The server counts a frame when it queues it, so frames queued to a session that is already
    // closing (the snapshots of the ticks before the match drops it, the roster updates as the
    // other bots leave) count but are never read: allow 10 per session. Anything systematic (a
    // frame lost or double-counted per tick) would be hundreds off: 12 sessions × 40+ ticks.
    assert!(
        sent >= report.messages_received_total && sent - report.messages_received_total <= 10 * 12,
        "server sent {sent} frames, bots received {}",
        report.messages_received_total
    );
    assert!(
        bytes_sent >= report.bytes_received_total,
        "{bytes_sent} < {}",
        report.bytes_received_total
    );
    assert_eq!(closed_normal, 12, "every bot closed with 1000");
}

/// The client library maps the server's refusals to `BotError::Http` with the JSON error body:
/// an unknown match id on the lobby API, and a WebSocket upgrade with a token nobody issued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_http_errors_with_the_body() {
    let server = TestServer::start();
    match server.lobby().get("no-such-match").await {
        Err(arena_bots::BotError::Http { status, body }) => {
            assert_eq!(status, 404);
            assert!(
                !body.error.is_empty() && body.error != "unparsed",
                "{body:?}"
            );
        }
        other => panic!("expected a 404, got {other:?}"),
    }
    let ws_url = server.url().replace("http://", "ws://") + "/ws?token=not-a-token";
    match arena_bots::Session::connect(&ws_url).await {
        Err(arena_bots::BotError::Http { status, body }) => {
            assert!(status == 401 || status == 403, "status {status}");
            assert!(
                !body.error.is_empty() && body.error != "unparsed",
                "{body:?}"
            );
        }
        other => panic!("expected 401/403, got {other:?}"),
    }
}

/// `--game ctf`: the swarm creates capture-the-flag matches and its bots play them with the ctf
/// policy (each seeing only its team's view): everyone connects, snapshots arrive, inputs are
/// acknowledged, nothing fails to decode.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smoke_run_plays_capture_the_flag() {
    let server = TestServer::start();
    let config = SwarmConfig {
        url: server.url(),
        game: "ctf".into(),
        matches: 2,
        players: 4,
        spectators: 1,
        duration_s: 2.0,
        settle_s: 0.3,
        ..SwarmConfig::default()
    };
    let report = spawn_swarm(config).await.unwrap().expect("swarm runs");
    assert_eq!(report.game, "ctf");
    assert_eq!(report.sessions_established, 10, "{report:#?}");
    assert_eq!(report.decode_errors, 0, "{report:#?}");
    assert!(report.input_rtt_ms.count > 0, "{report:#?}");
    assert!(report.passes(98.0), "{report:#?}");
    let list = server.lobby().list().await.unwrap();
    assert!(list.iter().all(|m| m.game == "ctf"));
}

/// `servers` (`--servers A,B`): one run spread over two real servers (spreading needs no cluster,
/// any set of nodes will do). 4 matches × (2 players + 1 spectator) for 1.5 s: the matches go
/// round robin, so each server hosts 2 of them (its own listing and `/metrics` say so, and agree
/// with what the bots received from it alone), and the report has a section per node, each with
/// its 6 sessions and full delivery (the 98% the other smoke runs allow for a loaded machine);
/// the totals are the sums of the nodes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swarm_spreads_over_two_servers_and_reports_each() {
    let servers = [TestServer::start(), TestServer::start()];
    let config = SwarmConfig {
        servers: servers.iter().map(|s| s.url()).collect(),
        matches: 4,
        players: 2,
        spectators: 1,
        duration_s: 1.5,
        settle_s: 0.3,
        grace_ms: 1000,
        ..SwarmConfig::default()
    };
    let report = spawn_swarm(config).await.unwrap().expect("swarm runs");

    assert_eq!(
        report.url,
        format!("{},{}", servers[0].url(), servers[1].url())
    );
    assert_eq!(report.sessions_established, 12, "{report:#?}");
    assert!(report.passes(98.0), "{report:#?}");
    assert_eq!(report.nodes.len(), 2, "{report:#?}");
    for (i, (node, server)) in report.nodes.iter().zip(&servers).enumerate() {
        assert_eq!(node.url, server.url());
        assert_eq!(node.matches, 2, "{node:#?}");
        assert_eq!(node.sessions_planned, 6, "{node:#?}");
        assert_eq!(node.sessions_established, 6, "{node:#?}");
        assert_eq!(node.sessions_failed, 0, "{node:#?}");
        assert_eq!(node.disconnects, 0, "{node:#?}");
        assert_eq!(node.server_errors + node.decode_errors, 0, "{node:#?}");
        // 30 ticks × 6 sessions in the window.
        assert!(node.snapshots_expected >= 180, "{node:#?}");
        assert!(
            node.delivered_pct >= 98.0 && node.delivered_pct <= 100.0,
            "{node:#?}"
        );
        assert!(node.latency_ms.count > 0 && node.bytes_per_session_per_s > 0.0);

        // The server hosted exactly this node's share: swarm-0 and swarm-2 on the first,
        // swarm-1 and swarm-3 on the second (ended matches stay listed for a minute).
        let listed = server.lobby().list().await.unwrap();
        let ids: Vec<&str> = listed.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, node.match_ids, "server {i} lists {listed:#?}");
        let names: Vec<&str> = listed.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [format!("swarm-{i}"), format!("swarm-{}", i + 2)],
            "server {i}"
        );
        assert!(
            listed.iter().all(|m| m.phase == ApiPhase::Ended),
            "{listed:#?}"
        );

        // Its counters agree with what the bots received from it, and from it alone.
        let text = server.metrics_text().await;
        let sent = metric(&text, "arena_frames_sent_total");
        assert!(
            sent >= node.messages_received_total && sent - node.messages_received_total <= 10 * 6,
            "server {i} sent {sent} frames, its bots received {}",
            node.messages_received_total
        );
        assert_eq!(
            metric(&text, "arena_sessions_closed_total{code=\"1000\"}"),
            6,
            "server {i}: its 6 bots closed with 1000"
        );
    }
    let sum =
        |f: fn(&arena_bots::swarm::NodeReport) -> u64| report.nodes.iter().map(f).sum::<u64>();
    assert_eq!(sum(|n| n.snapshots_received), report.snapshots_received);
    assert_eq!(sum(|n| n.snapshots_expected), report.snapshots_expected);
    assert_eq!(
        sum(|n| n.messages_received_total),
        report.messages_received_total
    );
    assert_eq!(sum(|n| n.bytes_received_total), report.bytes_received_total);
}

/// Against a server with its per-client limits on (the binary's default), a swarm from an
/// address that has used up its creations meets a 429; it waits the `Retry-After` and runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swarm_honours_the_servers_rate_limits() {
    let server = TestServer::with_limits(
        arena::Config {
            client_creations_per_min: 30,
            ..arena::Config::default()
        },
        arena_catalog::builtin(),
    );
    // This address's 30 creations are spent: the next one may come in 2 s.
    let lobby = server.lobby();
    for _ in 0..30 {
        lobby.create_match(&match_req(2, 20, 0, 0)).await.unwrap();
    }
    let config = SwarmConfig {
        url: server.url(),
        matches: 1,
        players: 4,
        duration_s: 1.0,
        settle_s: 0.2,
        ..SwarmConfig::default()
    };
    let report = spawn_swarm(config).await.unwrap().unwrap();
    assert_eq!(report.sessions_established, 4, "{report:#?}");
    assert!(report.delivered_pct >= 98.0, "{report:#?}");
    assert!(
        server
            .metric("arena_http_refused_total{reason=\"creations\"}")
            .await
            >= 1.0,
        "the swarm was refused once"
    );
}
