//! The message order docs/protocol.md promises ("Message order"), checked strictly by a client
//! that reads every message of every session through a whole match: joins while waiting and while
//! running, a drop and a resume, the end, and a spectator joining after the end. If the server
//! and the docs drift apart, this fails.

mod common;

use std::time::Duration;

use arena_bots::Session;
use arena_game::api::ApiRole;
use arena_game::{Phase, RosterEntry, ServerMsg};
use common::*;

/// Reads one session's stream and holds it to the documented order.
struct Strict {
    name: &'static str,
    session: Session,
    /// Messages read so far after the welcome.
    seen: usize,
    last_tick: Option<u32>,
    phase: Phase,
    ended: bool,
    roster: Vec<RosterEntry>,
}

impl Strict {
    /// Checks the start of a connection: the welcome (read by `connect`), then the roster, then
    /// (when `snapshot_first`) a snapshot.
    async fn start(name: &'static str, session: Session, snapshot_first: bool) -> Self {
        let mut s = Strict {
            name,
            session,
            seen: 0,
            last_tick: None,
            phase: Phase::Waiting,
            ended: false,
            roster: Vec::new(),
        };
        let first = s.next().await;
        assert!(
            matches!(first, ServerMsg::Roster(_)),
            "{name}: the roster comes right after the welcome, got {}",
            first.kind()
        );
        if snapshot_first {
            let second = s.next().await;
            assert!(
                matches!(second, ServerMsg::Snapshot(_)),
                "{name}: a snapshot comes right after the roster, got {}",
                second.kind()
            );
        }
        s
    }

    /// The next message, checked against everything before it.
    async fn next(&mut self) -> ServerMsg {
        let msg = tokio::time::timeout(EVENT_TIMEOUT, self.session.recv())
            .await
            .unwrap_or_else(|_| panic!("{}: nothing arrived", self.name))
            .unwrap_or_else(|e| panic!("{}: {e}", self.name));
        let name = self.name;
        self.seen += 1;
        match &msg {
            ServerMsg::Welcome(_) => panic!("{name}: a second welcome"),
            ServerMsg::Roster(r) => self.roster = r.clone(),
            ServerMsg::Snapshot(s) => {
                if let Some(last) = self.last_tick {
                    assert_eq!(s.tick, last + 1, "{name}: ticks go up by one, no repeats");
                }
                self.last_tick = Some(s.tick);
                assert!(
                    s.phase as u8 >= self.phase as u8,
                    "{name}: phase went back from {:?} to {:?}",
                    self.phase,
                    s.phase
                );
                self.phase = s.phase;
                if self.ended {
                    assert_eq!(s.phase, Phase::Ended, "{name}: snapshots after the end");
                }
            }
            ServerMsg::MatchEnded { .. } => {
                assert!(!self.ended, "{name}: a second MatchEnded");
                self.ended = true;
            }
            ServerMsg::Delta(_) => panic!("{name}: Session::recv rebuilds deltas"),
            ServerMsg::Error { .. } | ServerMsg::Pong { .. } | ServerMsg::Chat { .. } => {}
        }
        msg
    }

    /// Reads until `f` holds for a message (every message checked on the way).
    async fn until(&mut self, mut f: impl FnMut(&ServerMsg, &Self) -> bool) -> ServerMsg {
        loop {
            let msg = self.next().await;
            if f(&msg, self) {
                return msg;
            }
        }
    }

    fn connected(&self, id: u8) -> Option<bool> {
        self.roster.iter().find(|e| e.id == id).map(|e| e.connected)
    }
}

/// A whole deathmatch read strictly from four sessions' side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_session_sees_the_documented_order() {
    let server = TestServer::start();
    let m = create(&server, match_req(2, 20, 2, 0)).await;

    // The first session shares its view with nobody: no snapshot before the next tick.
    let watcher = connect(&server, &m.id, "watcher", ApiRole::Spectator).await;
    let mut watcher = Strict::start("watcher", watcher, false).await;
    watcher
        .until(|m, _| matches!(m, ServerMsg::Snapshot(_)))
        .await;

    // A player joining while waiting: welcome, roster, the last tick's snapshot (the watcher
    // shares the deathmatch's one view). The watcher gets the new roster.
    let joined = server
        .lobby()
        .join(&m.id, "ada", ApiRole::Player)
        .await
        .unwrap();
    let ada = Session::connect(&joined.ws_url).await.unwrap();
    let ada_id = joined.player_id.unwrap();
    let mut ada = Strict::start("ada", ada, true).await;
    assert_eq!(ada.connected(ada_id), Some(true));
    watcher
        .until(|m, s| matches!(m, ServerMsg::Roster(_)) && s.connected(ada_id) == Some(true))
        .await;

    // The second player fills the match, which starts: a running match shows it.
    let bob = connect(&server, &m.id, "bob", ApiRole::Player).await;
    let mut bob = Strict::start("bob", bob, true).await;
    for s in [&mut watcher, &mut ada, &mut bob] {
        s.until(|_, s| s.phase == Phase::Running).await;
    }

    // Ada drops: everyone else gets a roster showing her disconnected, then she resumes with
    // welcome, roster (already connected) and a snapshot, and they get a roster again.
    drop(ada);
    for s in [&mut watcher, &mut bob] {
        s.until(|m, s| matches!(m, ServerMsg::Roster(_)) && s.connected(ada_id) == Some(false))
            .await;
    }
    let back = Session::connect(joined.reconnect_url.as_ref().unwrap())
        .await
        .unwrap();
    let ada = Strict::start("ada again", back, true).await;
    assert_eq!(ada.connected(ada_id), Some(true));
    for s in [&mut watcher, &mut bob] {
        s.until(|m, s| matches!(m, ServerMsg::Roster(_)) && s.connected(ada_id) == Some(true))
            .await;
    }

    // Ada drops again and the time limit ends the match meanwhile: MatchEnded once, then only
    // Ended snapshots.
    drop(ada);
    for s in [&mut watcher, &mut bob] {
        s.until(|m, s| matches!(m, ServerMsg::Roster(_)) && s.connected(ada_id) == Some(false))
            .await;
    }
    for s in [&mut watcher, &mut bob] {
        s.until(|m, _| matches!(m, ServerMsg::MatchEnded { .. }))
            .await;
        s.until(|m, _| matches!(m, ServerMsg::Snapshot(_))).await;
        assert_eq!(s.phase, Phase::Ended);
    }

    // Ada resumes her held seat after the end: welcome, roster, snapshot, then MatchEnded at once.
    let back = Session::connect(joined.reconnect_url.as_ref().unwrap())
        .await
        .unwrap();
    let mut ada = Strict::start("ada after the end", back, true).await;
    assert_eq!(ada.phase, Phase::Ended);
    let fourth = ada.next().await;
    assert!(
        matches!(fourth, ServerMsg::MatchEnded { .. }),
        "MatchEnded right after the first snapshot, got {}",
        fourth.kind()
    );
    // New joins are refused once the match has ended (410), so nobody else can arrive.
    let refused = server.lobby().join(&m.id, "late", ApiRole::Spectator).await;
    assert!(refused.is_err());
    // And nothing breaks the rules for a while after.
    let until = tokio::time::Instant::now() + Duration::from_millis(500);
    while tokio::time::Instant::now() < until {
        for s in [&mut watcher, &mut ada, &mut bob] {
            s.next().await;
        }
    }
}
