//! Before the measured part: the HTTP calls that give every session its WebSocket path, on a
//! tokio current-thread runtime (reqwest, and Arena's typed [`LobbyClient`]). This runs once per
//! session before any socket is opened, so its cost is not on the hot path.
//!
//! - Arena: create `matches` matches, join `players` players and `spectators` spectators to
//!   each through the lobby API; the `ws_url` of each join is the session's path.
//! - ws peer: no call; every session opens `/` and the peer seats it in arrival order.
//! - Colyseus: `POST /matchmake/joinOrCreate/arena` per session (the matchmaker fills a room of
//!   10 before creating the next), then `/{processId}/{roomId}?sessionId=…`.

use std::collections::HashMap;
use std::time::Duration;

use arena_bots::swarm::error_kind;
use arena_bots::LobbyClient;
use arena_game::api::{ApiRole, CreateMatchRequest, CreatedMatch};
use futures_util::StreamExt;
use serde_json::{Map, Value};

/// One session to open: its upgrade path and the room it was seated in (`None`: learned from
/// its first snapshot).
#[derive(Debug, Clone)]
pub struct PlannedSession {
    /// `/ws?token=…`, `/`, or `/{processId}/{roomId}?sessionId=…`.
    pub path: String,
    /// Room (match) index, when known before connecting.
    pub room: Option<u32>,
    /// An Arena player (sends inputs in play mode); spectators only watch.
    pub player: bool,
}

/// What the setup produced.
#[derive(Debug, Default)]
pub struct Plan {
    /// Sessions to open, in ramp order.
    pub sessions: Vec<PlannedSession>,
    /// Sessions whose join failed, by error kind.
    pub failures: HashMap<String, u64>,
    /// Rooms known before connecting (Arena matches, Colyseus rooms).
    pub rooms: u32,
    /// Arena matches created (to end them afterwards).
    pub created: Vec<CreatedMatch>,
}

impl Plan {
    fn fail(&mut self, kind: String) {
        *self.failures.entry(kind).or_default() += 1;
    }
}

/// Arena: create the matches, then join everyone with `concurrency` lobby calls in flight.
#[allow(clippy::too_many_arguments)]
pub async fn arena(
    url: &str,
    matches: u32,
    players: u8,
    spectators: u32,
    tick_hz: u8,
    game: &str,
    settings: &Map<String, Value>,
    concurrency: usize,
) -> Result<Plan, String> {
    let lobby = LobbyClient::new(url);
    let mut plan = Plan::default();
    for m in 0..matches {
        let req = CreateMatchRequest {
            name: format!("load-{m}"),
            game: Some(game.to_owned()),
            max_players: Some(players.max(1)),
            tick_hz: Some(tick_hz),
            settings: Some(settings.clone()),
        };
        match lobby.create_match(&req).await {
            Ok(c) => plan.created.push(c),
            Err(e) => {
                end_matches(url, &plan.created).await;
                return Err(format!("creating match {m} failed: {e}"));
            }
        }
    }
    plan.rooms = matches;
    let joins = plan
        .created
        .iter()
        .enumerate()
        .flat_map(|(m, c)| {
            let roles = std::iter::repeat_n(ApiRole::Player, players as usize)
                .chain(std::iter::repeat_n(ApiRole::Spectator, spectators as usize));
            roles
                .enumerate()
                .map(move |(i, role)| (m as u32, c.id.clone(), format!("load-{m}-{i}"), role))
        })
        .collect::<Vec<_>>();
    let results = futures_util::stream::iter(joins)
        .map(|(m, id, name, role)| {
            let lobby = lobby.clone();
            async move { (m, role, lobby.join(&id, &name, role).await) }
        })
        .buffered(concurrency.max(1))
        .collect::<Vec<_>>()
        .await;
    for (m, role, r) in results {
        match r {
            Ok(j) => match loopback_path(&j.ws_url) {
                Some(path) => plan.sessions.push(PlannedSession {
                    path,
                    room: Some(m),
                    player: role == ApiRole::Player,
                }),
                None => plan.fail("not_loopback".into()),
            },
            Err(e) => plan.fail(error_kind(&e)),
        }
    }
    Ok(plan)
}

/// The ws peer: `sessions` sessions, all opening `/`.
pub fn ws_peer(sessions: u64) -> Plan {
    Plan {
        sessions: (0..sessions)
            .map(|_| PlannedSession {
                path: "/".into(),
                room: None,
                player: true,
            })
            .collect(),
        ..Plan::default()
    }
}

/// Colyseus: one matchmaker call per session; rooms are numbered in the order they appear.
pub async fn colyseus(url: &str, sessions: u64, concurrency: usize) -> Result<Plan, String> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Seat {
        session_id: String,
        room_id: String,
        process_id: String,
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(concurrency)
        .build()
        .map_err(|e| e.to_string())?;
    let endpoint = format!("{}/matchmake/joinOrCreate/arena", url.trim_end_matches('/'));
    let results = futures_util::stream::iter(0..sessions)
        .map(|_| {
            let http = http.clone();
            let endpoint = endpoint.clone();
            async move {
                let resp = http
                    .post(&endpoint)
                    .header("content-type", "application/json")
                    .body("{}")
                    .send()
                    .await
                    .map_err(|e| {
                        if e.is_connect() {
                            "http_connect".to_string()
                        } else {
                            "http_request".to_string()
                        }
                    })?;
                let status = resp.status();
                if !status.is_success() {
                    return Err(format!("http_{}", status.as_u16()));
                }
                resp.json::<Seat>()
                    .await
                    .map_err(|_| "bad_seat_reservation".to_string())
            }
        })
        .buffered(concurrency.max(1))
        .collect::<Vec<_>>()
        .await;
    let mut plan = Plan::default();
    let mut rooms: HashMap<String, u32> = HashMap::new();
    for r in results {
        match r {
            Ok(seat) => {
                let next = rooms.len() as u32;
                let room = *rooms.entry(seat.room_id.clone()).or_insert(next);
                plan.sessions.push(PlannedSession {
                    path: format!(
                        "/{}/{}?sessionId={}",
                        seat.process_id, seat.room_id, seat.session_id
                    ),
                    room: Some(room),
                    player: true,
                });
            }
            Err(kind) => plan.fail(kind),
        }
    }
    if plan.sessions.is_empty() && !plan.failures.is_empty() {
        return Err(format!("no seat reserved: {:?}", plan.failures));
    }
    plan.rooms = rooms.len() as u32;
    Ok(plan)
}

/// Ends the Arena matches this run created (as their host), a few calls at a time.
pub async fn end_matches(url: &str, created: &[CreatedMatch]) {
    let lobby = LobbyClient::new(url);
    futures_util::stream::iter(created)
        .for_each_concurrent(16, |c| {
            let lobby = lobby.clone();
            async move {
                let _ = lobby.end(&c.id, &c.host_token).await;
            }
        })
        .await;
}

/// The path and query of a `ws://127.0.0.1:PORT/…` or `ws://localhost:PORT/…` URL; `None` for
/// any other host (the load client only ever talks to loopback).
pub fn loopback_path(ws_url: &str) -> Option<String> {
    let rest = ws_url.strip_prefix("ws://")?;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
    if name != "127.0.0.1" && name != "localhost" {
        return None;
    }
    Some(if path.is_empty() {
        "/".into()
    } else {
        path.into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only loopback URLs give a path; the query is kept.
    #[test]
    fn loopback_only() {
        assert_eq!(
            loopback_path("ws://127.0.0.1:8080/ws?token=abc").as_deref(),
            Some("/ws?token=abc")
        );
        assert_eq!(loopback_path("ws://localhost:1").as_deref(), Some("/"));
        assert_eq!(loopback_path("ws://10.0.0.1:8080/ws?token=abc"), None);
        assert_eq!(loopback_path("wss://127.0.0.1/ws"), None);
    }
}
