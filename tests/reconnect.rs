//! Reconnect and kick over real sockets: a dropped player keeps the seat (position, health,
//! score) for the grace period and resumes with the reconnect token; after it, the seat is
//! freed and the token refused; the host can kick a player.

mod common;

use arena::Config;
use arena_bots::{BotError, Session};
use arena_deathmatch::wire::buttons;
use arena_deathmatch::{Deathmatch, Input, PlayerView, View};
use arena_game::api::{ApiRole, KickRequest};
use arena_game::ServerMsg;
use common::*;

fn state_of(v: &View, id: u8) -> Option<PlayerView> {
    v.players.iter().find(|p| p.id == id).copied()
}

fn connected(roster: &[arena_game::RosterEntry], id: u8) -> Option<bool> {
    roster.iter().find(|e| e.id == id).map(|e| e.connected)
}

/// A player who drops and reconnects within the grace period is the same player: same seat,
/// same position, connected again; after the welcome come the roster (already showing it
/// connected) and a full snapshot with its last input acknowledged. Meanwhile the others saw
/// the player as disconnected in the roster, not gone.
#[tokio::test]
async fn reconnect_within_grace_resumes_the_same_player() {
    let server = TestServer::start();
    let m = create(&server, match_req(4, 20, 0, 0)).await;
    let mut watcher = connect(&server, &m.id, "watcher", ApiRole::Spectator).await;
    let joined = server
        .lobby()
        .join(&m.id, "mover", ApiRole::Player)
        .await
        .unwrap();
    let me = joined.player_id.unwrap();
    let reconnect_url = joined
        .reconnect_url
        .clone()
        .expect("players get a reconnect URL");
    let mut p = Session::connect(&joined.ws_url).await.unwrap();
    let right = Input {
        buttons: buttons::RIGHT,
        aim: 0,
    };
    for seq in 1..=5 {
        p.send_input::<Deathmatch>(seq, &right).await.unwrap();
    }
    p.send_input::<Deathmatch>(6, &Input::default())
        .await
        .unwrap();
    // Wait on the player's own stream for its last input, then for the watcher to see it there.
    let (_, mine) = dm_snapshot_where(&mut p, |s, _| {
        s.acks.iter().any(|a| a.player == me && a.seq == 6)
    })
    .await;
    let before = state_of(&mine, me).unwrap();
    dm_snapshot_where(&mut watcher, |_, v| {
        state_of(v, me).is_some_and(|s| (s.x, s.y) == (before.x, before.y))
    })
    .await;
    drop(p);

    roster_where(&mut watcher, |r| connected(r, me) == Some(false)).await;
    let (_, held) = dm_snapshot_where(&mut watcher, |_, _| true).await;
    assert_eq!(
        state_of(&held, me).map(|s| s.x),
        Some(before.x),
        "held, not removed"
    );
    assert_eq!(server.lobby().get(&m.id).await.unwrap().summary.players, 1);

    let mut back = Session::connect(&reconnect_url).await.unwrap();
    assert_eq!(back.welcome.player_id, Some(me));
    let roster = back.recv().await.unwrap();
    assert!(
        matches!(roster, ServerMsg::Roster(ref r) if connected(r, me) == Some(true)),
        "the roster right after the welcome shows the player back: {roster:?}"
    );
    let ServerMsg::Snapshot(first) = back.recv().await.unwrap() else {
        panic!("a full snapshot comes right after the welcome and roster");
    };
    let resumed = state_of(&dm_view(&first), me).unwrap();
    assert_eq!((resumed.x, resumed.y), (before.x, before.y));
    assert!(
        first.acks.iter().any(|a| a.player == me && a.seq == 6),
        "the resumed player's last input is acknowledged: {:?}",
        first.acks
    );
    roster_where(&mut watcher, |r| connected(r, me) == Some(true)).await;
}

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
