//! Match and session lifecycle over real sockets: dropped connections leave no trace, ended
//! matches are removed after their retention time, matches nobody joins expire.

mod common;

use arena::Config;
use arena_bots::BotError;
use arena_game::api::ApiRole;
use arena_game::{Phase, ServerMsg};
use common::*;

/// With no reconnect grace, a dropped player frees the seat: the lobby count falls, the roster
/// shrinks, and a new player can take the seat of a full match.
#[tokio::test]
async fn dropped_connection_frees_its_seat() {
    let server = TestServer::with_config(Config {
        reconnect_grace_s: 0,
        ..Default::default()
    });
    let lobby = server.lobby();
    let m = create(&server, match_req(2, 20, 0, 0)).await;
    let mut stay = connect(&server, &m.id, "stay", ApiRole::Player).await;
    let leave = connect(&server, &m.id, "leave", ApiRole::Player).await;
    dm_snapshot_where(&mut stay, |_, v| v.players.len() == 2).await;
    drop(leave);
    // The roster goes out when the player leaves, before the next snapshot.
    stay.recv_until(
        EVENT_TIMEOUT,
        |m| matches!(m, ServerMsg::Roster(r) if r.len() == 1),
    )
    .await
    .unwrap();
    dm_snapshot_where(&mut stay, |_, v| v.players.len() == 1).await;
    eventually("the seat to be free", || async {
        lobby.get(&m.id).await.unwrap().summary.players == 1
    })
    .await;
    let mut again = connect(&server, &m.id, "again", ApiRole::Player).await;
    dm_snapshot_where(&mut again, |_, v| v.players.len() == 2).await;
}

/// An ended match stays listed for the retention time, then disappears and its sessions are
/// closed normally (1000).
async fn ended_match_is_removed_after_retention(game: &'static str) {
    let server = TestServer::with_config(Config {
        ended_retention_s: 1,
        ..Default::default()
    });
    let lobby = server.lobby();
    let m = create(&server, game_req(game, 2, 20)).await;
    let mut p = connect(&server, &m.id, "p", ApiRole::Player).await;
    lobby.end(&m.id, &m.host_token).await.unwrap();
    snapshot_where(&mut p, |s| s.phase == Phase::Ended).await;
    assert!(lobby.list().await.unwrap().iter().any(|s| s.id == m.id));
    let closed = p.recv_until(EVENT_TIMEOUT, |_| false).await.unwrap_err();
    assert!(
        matches!(closed, BotError::Closed { code: 1000, .. }),
        "{closed}"
    );
    assert!(lobby.list().await.unwrap().is_empty());
    assert!(lobby.get(&m.id).await.is_err());
}
both_games!(
    ended_match_is_removed_after_retention_in,
    ended_match_is_removed_after_retention
);

/// A match nobody joins expires; one with a pending join token does not until it expires too.
#[tokio::test]
async fn unjoined_match_expires() {
    let server = TestServer::with_config(Config {
        unjoined_match_ttl_s: 1,
        join_token_ttl_s: 1,
        ..Default::default()
    });
    let lobby = server.lobby();
    let m = create(&server, match_req(2, 20, 0, 0)).await;
    eventually("the empty match to expire", || async {
        lobby.list().await.unwrap().is_empty()
    })
    .await;
    // A join token that is never used expires, and with it the seat and then the match.
    let m2 = create(&server, match_req(2, 20, 0, 0)).await;
    let joined = lobby.join(&m2.id, "ghost", ApiRole::Player).await.unwrap();
    assert_eq!(lobby.get(&m2.id).await.unwrap().summary.players, 1);
    eventually("the unused seat to be freed", || async {
        lobby
            .get(&m2.id)
            .await
            .map(|d| d.summary.players == 0)
            .unwrap_or(true)
    })
    .await;
    let refused = arena_bots::Session::connect(&joined.ws_url).await;
    assert!(refused.is_err(), "an expired token is refused");
    eventually("the second match to expire", || async {
        lobby.list().await.unwrap().is_empty()
    })
    .await;
    assert!(lobby.get(&m.id).await.is_err());
}
