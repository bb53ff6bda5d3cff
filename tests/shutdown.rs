//! Graceful shutdown: joins are refused with 503, every match ends with its final scoreboard,
//! every session gets close 1001, and a real process exits on SIGTERM within its deadline.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use arena_bots::{BotError, LobbyClient, Session};
use arena_game::api::ApiRole;
use arena_game::{EndReason, ServerMsg};
use common::*;

/// Reads until the final scoreboard, then expects the 1001 close.
async fn expect_final_scoreboard_then_1001(s: &mut Session) {
    let ended = s
        .recv_until(EVENT_TIMEOUT, |m| matches!(m, ServerMsg::MatchEnded { .. }))
        .await
        .unwrap();
    assert!(
        matches!(
            ended,
            ServerMsg::MatchEnded {
                reason: EndReason::Shutdown,
                ..
            }
        ),
        "{ended:?}"
    );
    let closed = s.recv_until(EVENT_TIMEOUT, |_| false).await.unwrap_err();
    assert!(
        matches!(closed, BotError::Closed { code: 1001, .. }),
        "{closed}"
    );
}

/// Once shutdown begins, sessions get the final scoreboard and 1001, and the lobby answers 503.
async fn shutdown_ends_matches_closes_sessions_and_refuses_joins(game: &'static str) {
    let server = TestServer::start();
    let lobby = server.lobby();
    let m = create(&server, game_req(game, 4, 20)).await;
    let mut p = connect(&server, &m.id, "p", ApiRole::Player).await;
    let mut s = connect(&server, &m.id, "s", ApiRole::Spectator).await;
    lobby.start(&m.id, &m.host_token).await.unwrap();
    server.handle().begin_shutdown().await;
    expect_final_scoreboard_then_1001(&mut p).await;
    expect_final_scoreboard_then_1001(&mut s).await;
    for err in [
        lobby
            .join(&m.id, "late", ApiRole::Player)
            .await
            .unwrap_err(),
        lobby
            .create_match(&game_req(game, 2, 20))
            .await
            .unwrap_err(),
    ] {
        assert!(
            matches!(&err, BotError::Http { status: 503, body } if body.error == "unavailable"),
            "{err}"
        );
    }
}
both_games!(
    shutdown_ends_matches_closes_sessions_and_refuses_joins_in,
    shutdown_ends_matches_closes_sessions_and_refuses_joins
);

/// The real binary, sent SIGTERM with clients connected, says goodbye to them and exits
/// successfully within its deadline.
#[tokio::test]
async fn sigterm_stops_the_real_process_gracefully() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_arena"))
        .args(["--bind", "127.0.0.1:0", "--shutdown-deadline-s", "4"])
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the arena binary");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let url = loop {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "server exited early"
        );
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in stderr.lines() {});
    let lobby = LobbyClient::new(&url);
    let m = lobby.create_match(&match_req(4, 20, 0, 0)).await.unwrap();
    let joined = lobby.join(&m.id, "p", ApiRole::Player).await.unwrap();
    let mut p = Session::connect(&joined.ws_url).await.unwrap();
    lobby.start(&m.id, &m.host_token).await.unwrap();
    snapshot_where(&mut p, |_| true).await;

    let sent = std::time::Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    expect_final_scoreboard_then_1001(&mut p).await;
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        if sent.elapsed() > Duration::from_secs(8) {
            let _ = child.kill();
            panic!("the server did not exit within its deadline");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(exit.success(), "{exit:?}");
    assert!(
        sent.elapsed() < Duration::from_secs(4),
        "{:?}",
        sent.elapsed()
    );
}
