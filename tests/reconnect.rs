//! Reconnect and kick over real sockets: a dropped player keeps the seat (its state in the game,
//! in both built-in games) for the grace period and resumes with the reconnect token; after it, the seat is
//! freed and the token refused; the host can kick a player.

mod common;

use arena::Config;
use arena_bots::{BotError, Session};
use arena_deathmatch::{PlayerView, View};
use arena_game::api::{ApiRole, KickRequest};
use arena_game::{ClientMsg, ServerMsg};
use common::*;

fn state_of(v: &View, id: u8) -> Option<PlayerView> {
    v.players.iter().find(|p| p.id == id).copied()
}

fn connected(roster: &[arena_game::RosterEntry], id: u8) -> Option<bool> {
    roster.iter().find(|e| e.id == id).map(|e| e.connected)
}

/// A player who drops and reconnects within the grace period is the same player: same seat,
/// same position, connected again; after the welcome come the roster (already showing it
/// connected) and, when a session shares its view, the last tick's snapshot with its last input
/// acknowledged. Meanwhile the others saw the player as disconnected in the roster, not gone.
async fn reconnect_within_grace_resumes_the_same_player(game: &'static str) {
    let server = TestServer::start();
    let m = create(&server, game_req(game, 4, 20)).await;
    let mut watcher = connect(&server, &m.id, "watcher", ApiRole::Spectator).await;
    // A teammate keeps the mover's view alive while it is away (ctf: seats 0 and 2 are red).
    let joined = server
        .lobby()
        .join(&m.id, "mover", ApiRole::Player)
        .await
        .unwrap();
    let _blue = connect(&server, &m.id, "blue", ApiRole::Player).await;
    let _mate = connect(&server, &m.id, "mate", ApiRole::Player).await;
    let me = joined.player_id.unwrap();
    let reconnect_url = joined
        .reconnect_url
        .clone()
        .expect("players get a reconnect URL");
    let mut p = Session::connect(&joined.ws_url).await.unwrap();
    for seq in 1..=5 {
        p.send(&ClientMsg::Input {
            seq,
            input: move_right(game),
        })
        .await
        .unwrap();
    }
    p.send(&ClientMsg::Input {
        seq: 6,
        input: stand_still(game),
    })
    .await
    .unwrap();
    let position = |s: &arena_game::Snapshot| {
        seen_players(game, s)
            .into_iter()
            .find(|(id, _, _)| *id == me)
            .map(|(_, x, y)| (x, y))
    };
    // Wait on the player's own stream for its last input, then for the watcher to see it there.
    let mine = snapshot_where(&mut p, |s| s.ack == Some(6)).await;
    let before = position(&mine).unwrap();
    snapshot_where(&mut watcher, |s| position(s) == Some(before)).await;
    drop(p);

    roster_where(&mut watcher, |r| connected(r, me) == Some(false)).await;
    let held = snapshot_where(&mut watcher, |_| true).await;
    assert_eq!(position(&held), Some(before), "held, not removed");
    assert_eq!(server.lobby().get(&m.id).await.unwrap().summary.players, 3);

    let mut back = Session::connect(&reconnect_url).await.unwrap();
    assert_eq!(back.welcome.player_id, Some(me));
    let roster = back.recv().await.unwrap();
    assert!(
        matches!(roster, ServerMsg::Roster(ref r) if connected(r, me) == Some(true)),
        "the roster right after the welcome shows the player back: {roster:?}"
    );
    let ServerMsg::Snapshot(first) = back.recv().await.unwrap() else {
        panic!("the last snapshot of its view comes right after the welcome and roster");
    };
    assert_eq!(position(&first), Some(before));
    assert_eq!(
        first.ack,
        Some(6),
        "the resumed player's last input is acknowledged"
    );
    roster_where(&mut watcher, |r| connected(r, me) == Some(true)).await;
}
both_games!(
    reconnect_within_grace,
    reconnect_within_grace_resumes_the_same_player
);

/// A player who closes normally (1000) has left: the seat is freed at once, no grace period.
#[tokio::test]
async fn normal_close_leaves_for_good() {
    let server = TestServer::start();
    let m = create(&server, match_req(4, 20, 0, 0)).await;
    let mut watcher = connect(&server, &m.id, "watcher", ApiRole::Spectator).await;
    let joined = server
        .lobby()
        .join(&m.id, "leaver", ApiRole::Player)
        .await
        .unwrap();
    let p = Session::connect(&joined.ws_url).await.unwrap();
    dm_snapshot_where(&mut watcher, |_, v| v.players.len() == 1).await;
    p.close().await.unwrap();
    roster_where(&mut watcher, |r| r.is_empty()).await;
    dm_snapshot_where(&mut watcher, |_, v| v.players.is_empty()).await;
    assert_eq!(server.lobby().get(&m.id).await.unwrap().summary.players, 0);
    assert!(Session::connect(&joined.reconnect_url.unwrap())
        .await
        .is_err());
}

/// After the grace period the seat is freed, the player leaves the snapshots, and the
/// reconnect token is refused before the upgrade.
#[tokio::test]
async fn after_grace_the_seat_is_freed_and_the_token_refused() {
    let server = TestServer::with_config(Config {
        reconnect_grace_s: 1,
        ..Default::default()
    });
    let m = create(&server, match_req(4, 20, 0, 0)).await;
    let mut watcher = connect(&server, &m.id, "watcher", ApiRole::Spectator).await;
    let joined = server
        .lobby()
        .join(&m.id, "gone", ApiRole::Player)
        .await
        .unwrap();
    let p = Session::connect(&joined.ws_url).await.unwrap();
    dm_snapshot_where(&mut watcher, |_, v| v.players.len() == 1).await;
    drop(p);
    dm_snapshot_where(&mut watcher, |_, v| v.players.is_empty()).await;
    assert_eq!(server.lobby().get(&m.id).await.unwrap().summary.players, 0);
    let refused = Session::connect(&joined.reconnect_url.unwrap()).await;
    assert!(refused.is_err(), "an expired reconnect token is refused");
}

/// Reconnecting while the old connection is still open (say, half-open) replaces it: the old
/// one is closed with 4001, the new one plays.
#[tokio::test]
async fn reconnect_replaces_a_live_connection() {
    let server = TestServer::start();
    let m = create(&server, match_req(4, 20, 0, 0)).await;
    let joined = server
        .lobby()
        .join(&m.id, "twice", ApiRole::Player)
        .await
        .unwrap();
    let mut old = Session::connect(&joined.ws_url).await.unwrap();
    let mut new = Session::connect(joined.reconnect_url.as_ref().unwrap())
        .await
        .unwrap();
    let closed = old.recv_until(EVENT_TIMEOUT, |_| false).await.unwrap_err();
    assert!(
        matches!(closed, BotError::Closed { code: 4001, .. }),
        "{closed}"
    );
    let me = joined.player_id.unwrap();
    dm_snapshot_where(&mut new, |_, v| state_of(v, me).is_some()).await;
    // The join token itself stays single-use.
    assert!(Session::connect(&joined.ws_url).await.is_err());
}

/// The host kicks a player: the session is closed with 4002, the seat is free at once, the
/// reconnect token is refused; without the host token the kick is refused.
#[tokio::test]
async fn host_kicks_a_player() {
    let server = TestServer::start();
    let m = create(&server, match_req(1, 20, 0, 0)).await;
    let joined = server
        .lobby()
        .join(&m.id, "cheater", ApiRole::Player)
        .await
        .unwrap();
    let mut p = Session::connect(&joined.ws_url).await.unwrap();
    let url = format!("{}/api/matches/{}/kick", server.url(), m.id);
    let body = KickRequest { player_id: 0 };
    let http = reqwest::Client::new();
    let resp = http.post(&url).json(&body).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let resp = http
        .post(&url)
        .bearer_auth(&m.host_token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let closed = p.recv_until(EVENT_TIMEOUT, |_| false).await.unwrap_err();
    assert!(
        matches!(closed, BotError::Closed { code: 4002, .. }),
        "{closed}"
    );
    assert!(Session::connect(&joined.reconnect_url.unwrap())
        .await
        .is_err());
    // The one seat is free again.
    let again = connect(&server, &m.id, "fair", ApiRole::Player).await;
    assert_eq!(again.welcome.player_id, Some(0));
}
