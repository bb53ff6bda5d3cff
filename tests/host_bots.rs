//! Bots from the page, over real HTTP and WebSocket: the host adds server-run bots to its
//! waiting match (`POST /api/matches/{id}/bots`); the roster marks them; they play with the
//! game's bot policy; a match they fill starts; every refusal is a JSON 4xx.

mod common;

use arena_bots::BotError;
use arena_game::api::{ApiPhase, ApiRole};
use arena_game::{RosterEntry, ServerMsg};
use common::*;

/// The bots in a roster, by seat.
fn bots(r: &[RosterEntry]) -> Vec<u8> {
    r.iter().filter(|e| e.bot).map(|e| e.id).collect()
}

/// A status and error code from a refused call.
fn refused<T: std::fmt::Debug>(r: Result<T, BotError>) -> (u16, String) {
    match r {
        Err(BotError::Http { status, body }) => (status, body.error),
        other => panic!("expected a JSON error, got {other:?}"),
    }
}

async fn bots_join_play_and_fill(game: &'static str) {
    let server = TestServer::start();
    let m = create(&server, game_req(game, 4, 20)).await;
    let lobby = server.lobby();
    let mut watcher = connect(&server, &m.id, "watcher", ApiRole::Spectator).await;

    let added = lobby.add_bots(&m.id, &m.host_token, 2).await.unwrap();
    assert_eq!(added.added.len(), 2);
    assert_eq!(added.phase, ApiPhase::Waiting);
    let seats: Vec<u8> = added.added.iter().map(|b| b.id).collect();
    let roster = roster_where(&mut watcher, |r| bots(r) == seats).await;
    assert!(roster.iter().filter(|e| e.bot).all(|e| e.connected));
    assert_eq!(
        roster.iter().find(|e| e.bot).unwrap().name,
        added.added[0].name
    );

    // A person takes a seat; the last one goes to a bot, which fills the match: it starts.
    let _human = connect(&server, &m.id, "human", ApiRole::Player).await;
    let last = lobby.add_bots(&m.id, &m.host_token, 1).await.unwrap();
    assert_eq!(last.phase, ApiPhase::Running);
    let roster = roster_where(&mut watcher, |r| bots(r).len() == 3).await;
    assert!(roster.iter().any(|e| !e.bot && e.name == "human"));
    eventually("the match to run", || async {
        lobby.get(&m.id).await.unwrap().summary.phase == ApiPhase::Running
    })
    .await;

    // The bots play: a bot's position changes over the next snapshots.
    let bot = seats[0];
    let start = snapshot_where(&mut watcher, |s| {
        seen_players(game, s).iter().any(|(id, _, _)| *id == bot)
    })
    .await;
    let at = |s: &arena_game::Snapshot| {
        seen_players(game, s)
            .into_iter()
            .find(|(id, _, _)| *id == bot)
            .map(|(_, x, y)| (x, y))
    };
    let first = at(&start);
    snapshot_where(&mut watcher, |s| at(s).is_some() && at(s) != first).await;

    // No more bots once it runs.
    assert_eq!(
        refused(lobby.add_bots(&m.id, &m.host_token, 1).await),
        (409, "wrong_phase".into())
    );
    // The host kicks a bot: it leaves the roster.
    lobby.kick(&m.id, &m.host_token, bot).await.unwrap();
    roster_where(&mut watcher, |r| !r.iter().any(|e| e.id == bot)).await;
}
both_games!(bots_play, bots_join_play_and_fill);

/// Only the host adds bots, only as many as there are free seats, and every refusal says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_bots_is_checked() {
    let server = TestServer::start();
    let m = create(&server, game_req("deathmatch", 3, 20)).await;
    let lobby = server.lobby();
    assert_eq!(
        refused(lobby.add_bots(&m.id, "not-the-host-token", 1).await),
        (403, "forbidden".into())
    );
    assert_eq!(
        refused(lobby.add_bots("nosuchmatch", &m.host_token, 1).await),
        (404, "not_found".into())
    );
    assert_eq!(
        refused(lobby.add_bots(&m.id, &m.host_token, 0).await),
        (400, "bad_request".into())
    );
    assert_eq!(
        refused(lobby.add_bots(&m.id, &m.host_token, 4).await),
        (409, "match_full".into())
    );
    // Without a token at all, and with a body that is not {count}: JSON errors too.
    let http = reqwest::Client::new();
    let url = format!("{}/api/matches/{}/bots", server.url(), m.id);
    let no_token = http
        .post(&url)
        .json(&serde_json::json!({"count": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), 401);
    let body: serde_json::Value = no_token.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized");
    let bad_body = http
        .post(&url)
        .bearer_auth(&m.host_token)
        .json(&serde_json::json!({"count": 1, "extra": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_body.status(), 400);
    // Nothing was added by any of them.
    let added = lobby.add_bots(&m.id, &m.host_token, 3).await.unwrap();
    assert_eq!(added.added.len(), 3);
    assert_eq!(added.phase, ApiPhase::Running);
    let mut s = connect(&server, &m.id, "w", ApiRole::Spectator).await;
    match s.recv().await.unwrap() {
        ServerMsg::Roster(r) => assert_eq!(bots(&r), vec![0, 1, 2]),
        other => panic!("roster first, got {}", other.kind()),
    }
    // An ended match takes none.
    lobby.end(&m.id, &m.host_token).await.unwrap();
    let m2 = create(&server, game_req("deathmatch", 3, 20)).await;
    lobby.end(&m2.id, &m2.host_token).await.unwrap();
    assert_eq!(
        refused(lobby.add_bots(&m2.id, &m2.host_token, 1).await),
        (410, "match_ended".into())
    );
}
