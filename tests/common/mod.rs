//! Test helpers, the one set for every end-to-end suite (the server's and the bot swarm's): a
//! real Arena server on 127.0.0.1:0 in its own actix system, a raw WebSocket client that can send
//! malformed frames, a fault proxy, and small waiting helpers (tests wait for events, not for
//! sleeps). The deathmatch helpers read its views with its own types: tests may name games, the
//! server may not.

#![allow(dead_code)]

pub mod fault_proxy;
pub mod postgres;
pub mod raw_ws;
pub mod redis;

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use arena::Config;
use arena_bots::{session, LobbyClient, Session};
use arena_deathmatch::{Deathmatch, View};
use arena_game::api::{ApiRole, CreateMatchRequest, CreatedMatch};
use arena_game::{codec, GameRegistry, Payload, RosterEntry, ServerMsg, Snapshot};

/// How long any single awaited event may take before a test fails.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(10);

/// A real server on a free loopback port; stopped when dropped.
pub struct TestServer {
    /// The bound address.
    pub addr: SocketAddr,
    handle: arena::ArenaHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// Starts the server with the default configuration.
    pub fn start() -> Self {
        Self::with_config(Config::default())
    }

    /// Starts the server with `config` and the built-in games.
    pub fn with_config(config: Config) -> Self {
        Self::with_games(config, arena_catalog::builtin())
    }

    /// Starts the server with `config`, hosting `games`. The per-client limits are off: every
    /// test client comes from 127.0.0.1 and many create and join far faster than a person
    /// (tests/abuse.rs tests the limits, with [`TestServer::with_limits`]).
    pub fn with_games(config: Config, games: GameRegistry) -> Self {
        Self::with_limits(
            Config {
                client_limits: false,
                ..config
            },
            games,
        )
    }

    /// Starts the server with `config` as it is, per-client limits included, except the default
    /// database (`arena.db` in the working directory), which a test never writes: a test that
    /// keeps history names its own database (`TempDb`).
    pub fn with_limits(mut config: Config, games: GameRegistry) -> Self {
        let _ = env_logger::builder().is_test(true).try_init();
        if config.database.as_deref() == Some(arena::config::DEFAULT_DATABASE) {
            config.database = None;
        }
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let system = actix::System::new();
            system.block_on(async move {
                let arena = arena::run(listener, config, games).expect("server starts");
                tx.send(arena.handle()).unwrap();
                let _ = arena.server.await;
                actix::System::current().stop();
            });
        });
        let handle = rx.recv().expect("server handle");
        Self {
            addr,
            handle,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server's control handle.
    pub fn handle(&self) -> arena::ArenaHandle {
        self.handle.clone()
    }

    /// The server's `/metrics` text.
    pub async fn metrics_text(&self) -> String {
        reqwest::get(format!("{}/metrics", self.url()))
            .await
            .expect("GET /metrics")
            .text()
            .await
            .expect("metrics body")
    }

    /// One sample of `/metrics` by its full name with labels, e.g.
    /// `arena_sessions{role="player"}` (0 when absent).
    pub async fn metric(&self, name: &str) -> f64 {
        self.metrics_text()
            .await
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or(0.0)
    }

    /// A lobby API client for this server.
    pub fn lobby(&self) -> LobbyClient {
        LobbyClient::new(&self.url())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        let _ = std::thread::spawn(move || {
            actix::System::new().block_on(handle.stop_now());
        })
        .join();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A deathmatch request with a name and everything else given.
pub fn match_req(
    max_players: u8,
    tick_hz: u8,
    time_limit_s: u16,
    score_limit: u16,
) -> CreateMatchRequest {
    CreateMatchRequest {
        settings: serde_json::json!({"time_limit_s": time_limit_s, "score_limit": score_limit})
            .as_object()
            .cloned(),
        ..game_req("deathmatch", max_players, tick_hz)
    }
}

/// Creates a match.
pub async fn create(server: &TestServer, req: CreateMatchRequest) -> CreatedMatch {
    server
        .lobby()
        .create_match(&req)
        .await
        .expect("create match")
}

/// Joins `m` and opens the WebSocket; returns the connected session (welcome already read).
pub async fn connect(server: &TestServer, match_id: &str, name: &str, role: ApiRole) -> Session {
    let joined = server
        .lobby()
        .join(match_id, name, role)
        .await
        .expect("join");
    Session::connect(&joined.ws_url).await.expect("connect")
}

/// Reads until a snapshot satisfying `pred` arrives.
pub async fn snapshot_where(s: &mut Session, mut pred: impl FnMut(&Snapshot) -> bool) -> Snapshot {
    match s
        .recv_until(
            EVENT_TIMEOUT,
            |m| matches!(m, ServerMsg::Snapshot(snap) if pred(snap)),
        )
        .await
        .expect("a matching snapshot")
    {
        ServerMsg::Snapshot(snap) => snap,
        _ => unreachable!(),
    }
}

/// Runs an async test body `fn(game: &'static str)` once per built-in game:
/// `both_games!(name, body);` makes the tests `name::deathmatch` and `name::ctf`.
#[macro_export]
macro_rules! both_games {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn deathmatch() {
                super::$body("deathmatch").await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn ctf() {
                super::$body("ctf").await
            }
        }
    };
}

/// A match of `game` that never ends by itself (no time or score limit).
pub fn game_req(game: &str, max_players: u8, tick_hz: u8) -> CreateMatchRequest {
    let settings = match game {
        "deathmatch" => serde_json::json!({"time_limit_s": 0, "score_limit": 0}),
        "ctf" => serde_json::json!({"time_limit_s": 0, "captures_to_win": 20}),
        other => panic!("no test settings for {other}"),
    };
    CreateMatchRequest {
        name: format!("test {game}"),
        game: Some(game.into()),
        max_players: Some(max_players),
        tick_hz: Some(tick_hz),
        settings: settings.as_object().cloned(),
    }
}

/// (seat, x, y) of every player a snapshot of `game` shows, in wire units.
pub fn seen_players(game: &str, s: &Snapshot) -> Vec<(u8, u16, u16)> {
    match game {
        "deathmatch" => dm_view(s)
            .players
            .iter()
            .map(|p| (p.id, p.x, p.y))
            .collect(),
        "ctf" => session::view::<arena_ctf::Ctf>(s)
            .expect("a ctf view")
            .players
            .iter()
            .map(|p| (p.id, p.x, p.y))
            .collect(),
        other => panic!("no view reader for {other}"),
    }
}

/// An encoded input of `game` that moves its player to the right.
pub fn move_right(game: &str) -> Payload {
    Payload(
        match game {
            "deathmatch" => codec::encode(&arena_deathmatch::Input {
                buttons: arena_deathmatch::wire::buttons::RIGHT,
                aim: 0,
            }),
            "ctf" => codec::encode(&arena_ctf::Input {
                target_x: arena_ctf::wire::quantize_pos(1990.0),
                target_y: arena_ctf::wire::quantize_pos(500.0),
                actions: arena_ctf::wire::actions::MOVE,
            }),
            other => panic!("no input for {other}"),
        }
        .expect("encodes"),
    )
}

/// An encoded input of `game` that stops its player.
pub fn stand_still(game: &str) -> Payload {
    Payload(
        match game {
            "deathmatch" => codec::encode(&arena_deathmatch::Input::default()),
            "ctf" => codec::encode(&arena_ctf::Input::default()),
            other => panic!("no input for {other}"),
        }
        .expect("encodes"),
    )
}

/// Reads until a roster satisfying `pred` arrives.
pub async fn roster_where(
    s: &mut Session,
    mut pred: impl FnMut(&[RosterEntry]) -> bool,
) -> Vec<RosterEntry> {
    match s
        .recv_until(
            EVENT_TIMEOUT,
            |m| matches!(m, ServerMsg::Roster(r) if pred(r)),
        )
        .await
        .expect("a matching roster")
    {
        ServerMsg::Roster(r) => r,
        _ => unreachable!(),
    }
}

/// The deathmatch view inside a snapshot.
pub fn dm_view(s: &Snapshot) -> View {
    session::view::<Deathmatch>(s).expect("a deathmatch view")
}

/// Reads until a deathmatch snapshot whose view satisfies `pred` arrives.
pub async fn dm_snapshot_where(
    s: &mut Session,
    mut pred: impl FnMut(&Snapshot, &View) -> bool,
) -> (Snapshot, View) {
    let snap = snapshot_where(s, |snap| pred(snap, &dm_view(snap))).await;
    let view = dm_view(&snap);
    (snap, view)
}

/// Polls `f` every 20 ms until it returns true or [`EVENT_TIMEOUT`] passes.
pub async fn eventually<F, Fut>(what: &str, f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    eventually_within(what, EVENT_TIMEOUT, f).await;
}

/// Polls `f` every 20 ms until it returns true, or fails after `within`; returns how long it
/// took.
pub async fn eventually_within<F, Fut>(what: &str, within: Duration, mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = tokio::time::Instant::now();
    while start.elapsed() < within {
        if f().await {
            return start.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("not within {within:?}: {what}");
}

/// An HTTP client whose connections come from `source`, e.g. `127.0.0.2` (every 127.x address
/// reaches a server on 127.0.0.1): a second client for the per-client limits.
pub fn http_client_from(source: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(source.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// A fresh SQLite database file in the system's temp dir (its `-wal` and `-shm` too), removed
/// when dropped.
pub struct TempDb(std::path::PathBuf);

impl TempDb {
    /// A new, not yet created, file named after `name`.
    pub fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        Self(std::env::temp_dir().join(format!("arena-{name}-{}-{nanos}.db", std::process::id())))
    }

    /// `sqlite://…` of the file.
    pub fn url(&self) -> String {
        format!("sqlite://{}", self.0.display())
    }

    /// The default configuration with its history in this file.
    pub fn config(&self) -> Config {
        Config {
            database: Some(self.url()),
            ..Config::default()
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

/// Waits until the history of `server` lists finished match `id`, and returns it.
pub async fn listed(server: &TestServer, id: &str) -> arena_game::api::HistoryEntry {
    let url = format!("{}/api/history/{id}", server.url());
    let deadline = tokio::time::Instant::now() + EVENT_TIMEOUT;
    loop {
        let resp = reqwest::get(&url).await.unwrap();
        if resp.status() == 200 {
            return resp.json().await.unwrap();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "match {id} never reached the history"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
