//! History, leaderboards and replays on both backends (an SQLite file, and a real PostgreSQL
//! server the test starts), over real HTTP and WebSocket: a played match is kept when it ends
//! (and on a clean shutdown), survives a restart, is listed and paged, its replay re-simulates to
//! its stored result, people (not bots) make the leaderboard, and every refusal is a JSON
//! 4xx/503.

mod common;

use arena::Config;
use arena_game::api::{ApiRole, HistoryPage, Leaderboard};
use arena_game::replay::{Replay, Replayer};
use common::postgres::Postgres;
use common::*;

/// Runs `$body(url)` as two tests: on a fresh SQLite file, and on a PostgreSQL server of its own
/// (skipped where PostgreSQL is not installed, unless `ARENA_TEST_POSTGRES` is set).
macro_rules! both_backends {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$body(&super::TempDb::new(stringify!($name)).url()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(pg) = super::Postgres::start() {
                    super::$body(&pg.url).await
                }
            }
        }
    };
}

/// A server configuration whose history goes to `url`.
fn with_db(url: &str) -> Config {
    Config {
        database: Some(url.to_owned()),
        ..Config::default()
    }
}

async fn get_json<T: serde::de::DeserializeOwned>(server: &TestServer, path: &str) -> (u16, T) {
    let resp = reqwest::get(format!("{}{path}", server.url()))
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

/// A deathmatch of a person and a bot, played a while and ended by the host: kept with its
/// players and replay; the replay plays back to the stored result; the person is on the
/// leaderboard, the bot is not; a restarted server still has it all.
async fn kept_replayed_and_restarted(db: &str) {
    let server = TestServer::with_config(with_db(db));
    let lobby = server.lobby();
    let m = create(&server, game_req("deathmatch", 2, 20)).await;
    let mut alice = connect(&server, &m.id, "alice", ApiRole::Player).await;
    lobby.add_bots(&m.id, &m.host_token, 1).await.unwrap();
    // Full: it runs. Alice moves for a while, then the host ends it.
    let start = snapshot_where(&mut alice, |s| s.phase == arena_game::Phase::Running)
        .await
        .tick;
    let mut seq = 0u16;
    while snapshot_where(&mut alice, |_| true).await.tick < start + 40 {
        seq += 1;
        let input = move_right("deathmatch");
        alice
            .send(&arena_game::ClientMsg::Input { seq, input })
            .await
            .unwrap();
    }
    lobby.end(&m.id, &m.host_token).await.unwrap();

    let entry = listed(&server, &m.id).await;
    assert_eq!(entry.game, "deathmatch");
    assert_eq!(entry.end_reason, "host");
    assert_eq!(entry.players.len(), 2);
    assert!(entry.players.iter().any(|p| p.name == "alice" && !p.bot));
    assert!(entry.players.iter().any(|p| p.bot));
    assert!(entry.replay_complete && entry.replay_ticks >= 40 && entry.replay_bytes > 0);
    assert!(entry.started_at_ms.unwrap() <= entry.ended_at_ms);

    // The replay re-simulates to the very scoreboard that was stored.
    let bytes = reqwest::get(format!("{}/api/history/{}/replay", server.url(), m.id))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.len() as u64, entry.replay_bytes);
    let replay = Replay::decode(&bytes).unwrap();
    let mut replayer = Replayer::new(&arena_catalog::builtin(), &replay).unwrap();
    while replayer.next_tick() {}
    assert_eq!(replayer.tick(), entry.replay_ticks);
    let board: Vec<(String, i32)> = replayer
        .game()
        .scoreboard()
        .into_iter()
        .map(|l| (l.name, l.score))
        .collect();
    let stored: Vec<(String, i32)> = entry
        .players
        .iter()
        .map(|p| (p.name.clone(), p.score))
        .collect();
    assert_eq!(board, stored);

    let (status, board): (u16, Leaderboard) =
        get_json(&server, "/api/leaderboard?game=deathmatch").await;
    assert_eq!(status, 200);
    assert_eq!(board.entries.len(), 1, "people only: {board:?}");
    assert_eq!(
        (board.entries[0].name.as_str(), board.entries[0].played),
        ("alice", 1)
    );

    // A restart on the same file: still there.
    drop(alice);
    drop(server);
    let again = TestServer::with_config(with_db(db));
    let (status, page): (u16, HistoryPage) = get_json(&again, "/api/history").await;
    assert_eq!(status, 200);
    assert_eq!(page.matches.len(), 1);
    assert_eq!(page.matches[0], entry);
}

/// A clean shutdown ends every match and waits until the store has written them.
async fn keeps_every_result_on_shutdown(db: &str) {
    let server = TestServer::with_config(with_db(db));
    let lobby = server.lobby();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let m = create(&server, game_req("ctf", 2, 20)).await;
        lobby.add_bots(&m.id, &m.host_token, 2).await.unwrap();
        ids.push(m.id);
    }
    eventually("the matches to run", || async {
        let list = lobby.list().await.unwrap();
        list.iter()
            .all(|m| m.phase == arena_game::api::ApiPhase::Running)
    })
    .await;
    server.handle().shutdown().await;
    drop(server);
    let again = TestServer::with_config(with_db(db));
    let (_, page): (u16, HistoryPage) = get_json(&again, "/api/history?game=ctf").await;
    let mut kept: Vec<String> = page.matches.iter().map(|m| m.id.clone()).collect();
    kept.sort();
    ids.sort();
    assert_eq!(kept, ids);
    assert!(page.matches.iter().all(|m| m.end_reason == "shutdown"));
}

/// Paging, filters and refusals.
async fn paged_and_refused(db: &str) {
    let server = TestServer::with_config(with_db(db));
    let lobby = server.lobby();
    for _ in 0..3 {
        let m = create(&server, game_req("deathmatch", 2, 20)).await;
        lobby.add_bots(&m.id, &m.host_token, 2).await.unwrap();
        eventually("running", || async {
            lobby.get(&m.id).await.unwrap().summary.phase == arena_game::api::ApiPhase::Running
        })
        .await;
        lobby.end(&m.id, &m.host_token).await.unwrap();
        listed(&server, &m.id).await;
    }
    let (_, first): (u16, HistoryPage) = get_json(&server, "/api/history?limit=2").await;
    assert_eq!(first.matches.len(), 2);
    let before = first.next_before.expect("a next page");
    let (_, second): (u16, HistoryPage) =
        get_json(&server, &format!("/api/history?limit=2&before={before}")).await;
    assert_eq!(second.matches.len(), 1);
    assert!(second.next_before.is_none());
    let (_, none): (u16, HistoryPage) = get_json(&server, "/api/history?game=ctf").await;
    assert!(none.matches.is_empty());

    for (path, status, code) in [
        ("/api/history?limit=0", 400, "bad_request"),
        ("/api/history?limit=101", 400, "bad_request"),
        ("/api/history?colour=red", 400, "bad_request"),
        ("/api/history?game=pong", 404, "not_found"),
        ("/api/history/nosuchmatch", 404, "not_found"),
        ("/api/history/nosuchmatch/replay", 404, "not_found"),
        ("/api/leaderboard?game=pong", 404, "not_found"),
    ] {
        let (got, body): (u16, serde_json::Value) = get_json(&server, path).await;
        assert_eq!(
            (got, body["error"].as_str()),
            (status, Some(code)),
            "{path}"
        );
    }
    // Without a database: 503 with a reason.
    let plain = TestServer::start();
    let (got, body): (u16, serde_json::Value) = get_json(&plain, "/api/history").await;
    assert_eq!((got, body["error"].as_str()), (503, Some("unavailable")));
}

/// The database goes down mid-run (the test's PostgreSQL server is stopped): a match plays on
/// and ends, its result waits and is retried (the metrics say so, reads answer 503), and it is
/// written once the database is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_wait_while_the_database_is_down() {
    let Some(mut pg) = Postgres::start() else {
        return;
    };
    let server = TestServer::with_config(with_db(&pg.url));
    let lobby = server.lobby();
    // A bots' match, kept while the database is up.
    let before = create(&server, game_req("deathmatch", 2, 20)).await;
    lobby
        .add_bots(&before.id, &before.host_token, 2)
        .await
        .unwrap();
    eventually("the bots' match to run", || async {
        let m = lobby.get(&before.id).await.unwrap();
        m.summary.phase == arena_game::api::ApiPhase::Running
    })
    .await;
    lobby.end(&before.id, &before.host_token).await.unwrap();
    listed(&server, &before.id).await;

    pg.stop();
    let m = create(&server, game_req("deathmatch", 2, 20)).await;
    let mut alice = connect(&server, &m.id, "alice", ApiRole::Player).await;
    lobby.add_bots(&m.id, &m.host_token, 1).await.unwrap();
    let start = snapshot_where(&mut alice, |s| s.phase == arena_game::Phase::Running)
        .await
        .tick;
    snapshot_where(&mut alice, |s| s.tick >= start + 40).await;
    lobby.end(&m.id, &m.host_token).await.unwrap();
    eventually("the result to wait, retried", || async {
        server.metric("arena_store_waiting").await == 1.0
            && server.metric("arena_store_failures_total").await >= 1.0
    })
    .await;
    let (status, body): (u16, serde_json::Value) = get_json(&server, "/api/history").await;
    assert_eq!((status, body["error"].as_str()), (503, Some("unavailable")));
    // The match went on ticking through it.
    let ended = snapshot_where(&mut alice, |s| s.phase == arena_game::Phase::Ended).await;
    snapshot_where(&mut alice, |s| s.tick > ended.tick).await;

    pg.restart();
    // Retries back off to 8 s at most.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let url = format!("{}/api/history/{}", server.url(), m.id);
    while reqwest::get(&url).await.unwrap().status() != 200 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the result was not written after the database came back"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(server.metric("arena_store_waiting").await, 0.0);
    assert_eq!(server.metric("arena_store_written_total").await, 2.0);
    assert_eq!(server.metric("arena_store_dropped_total").await, 0.0);
}

both_backends!(kept_replayed_restarted, kept_replayed_and_restarted);
both_backends!(no_result_lost_on_shutdown, keeps_every_result_on_shutdown);
both_backends!(pages_and_refusals, paged_and_refused);
