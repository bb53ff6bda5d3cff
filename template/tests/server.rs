//! King of the hill on a real Arena server, over real HTTP and WebSocket on 127.0.0.1: the lobby
//! lists the game with its browser module and schema, the host's bots fill a match that plays to
//! its end, the history keeps it, its replay re-simulates to the same result, and a bot swarm
//! plays it from the bots library.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use arena_bots::swarm::{run_swarm, SwarmConfig};
use arena_bots::LobbyClient;
use arena_game::api::{CreateMatchRequest, HistoryEntry};
use arena_game::replay::{Replay, Replayer};
use arena_game::GameRegistry;
use serde_json::{json, Value};

fn games() -> GameRegistry {
    GameRegistry::new().with::<koth::Koth>()
}

/// A real server on a free loopback port with a history database of its own.
struct Server {
    url: String,
    handle: arena::ArenaHandle,
    _db: TempDir,
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Server {
    fn start() -> Self {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("koth-test-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = arena::Config {
            database: Some(format!("sqlite://{}/history.db", dir.display())),
            client_limits: false,
            ..arena::Config::default()
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix::System::new().block_on(async move {
                let arena = arena::run(listener, config, games()).expect("the server starts");
                tx.send(arena.handle()).unwrap();
                let _ = arena.server.await;
            });
        });
        Server {
            url,
            handle: rx.recv().unwrap(),
            _db: TempDir(dir),
        }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        reqwest::get(format!("{}{path}", self.url)).await.unwrap()
    }

    async fn json(&self, path: &str) -> Value {
        let res = self.get(path).await;
        assert!(res.status().is_success(), "GET {path}: {}", res.status());
        res.json().await.unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        let _ = std::thread::spawn(move || {
            actix::System::new().block_on(async move { handle.stop_now().await })
        })
        .join();
    }
}

/// Waits (polling, bounded) until `check` gives a value.
async fn until<T>(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The lobby lists king of the hill with its browser module, schema and bots, and serves both.
#[tokio::test]
async fn the_lobby_serves_the_game_its_module_and_its_schema() {
    let server = Server::start();
    let listing = server.json("/api/games").await;
    let koth = &listing[0];
    assert_eq!(koth["name"], "koth");
    assert_eq!(koth["module"], "/games/koth/index.js");
    assert_eq!(koth["bots"], true);
    let module = server.get("/games/koth/index.js").await;
    assert_eq!(module.status(), 200);
    assert!(module.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert!(module.text().await.unwrap().contains("export default"));
    let schema = server.json("/api/games/koth/schema").await;
    assert_eq!(schema["game"], "koth");
    assert_eq!(schema["view"], json!({"ref": "View"}));
    assert_eq!(server.get("/games/koth/../Cargo.toml").await.status(), 404);
}

/// The host's bots fill a match, which plays to the score limit; the history keeps it with its
/// winner; its replay, fetched over HTTP, re-simulates to the same final scoreboard.
#[tokio::test]
async fn bots_play_a_match_that_the_history_and_its_replay_keep() {
    let server = Server::start();
    let lobby = LobbyClient::new(&server.url);
    let created = lobby
        .create_match(&CreateMatchRequest {
            name: "hill".into(),
            game: Some("koth".into()),
            max_players: Some(2),
            settings: Some(
                json!({"score_limit_s": 5, "hill_moves_s": 0})
                    .as_object()
                    .cloned()
                    .unwrap(),
            ),
            ..Default::default()
        })
        .await
        .unwrap();
    lobby
        .add_bots(&created.id, &created.host_token, 2)
        .await
        .unwrap();
    let entry: HistoryEntry = until(
        "the match in the history",
        Duration::from_secs(90),
        async || {
            let res = server.get(&format!("/api/history/{}", created.id)).await;
            if res.status() != 200 {
                return None;
            }
            res.json().await.ok()
        },
    )
    .await;
    assert_eq!(entry.game, "koth");
    assert_eq!(entry.players.len(), 2);
    let best = &entry.players[0];
    assert_eq!(
        best.score, 5,
        "the winner held the hill for the score limit: {entry:?}"
    );

    let bytes = server
        .get(&format!("/api/history/{}/replay", created.id))
        .await
        .bytes()
        .await
        .unwrap();
    let replay = Replay::decode(&bytes).unwrap();
    let mut replayer = Replayer::new(&games(), &replay).unwrap();
    while replayer.next_tick() {}
    let board = replayer.game_ref().scoreboard();
    assert_eq!(board[0].score, best.score);
    assert_eq!(board[0].name, best.name);
}

/// A swarm of the game's bots (the bots library, as `koth-bots` runs it) plays two matches with
/// a spectator each and receives every snapshot.
#[tokio::test]
async fn a_bot_swarm_plays_it() {
    let server = Server::start();
    let config = SwarmConfig {
        url: server.url.clone(),
        game: "koth".into(),
        games: games(),
        matches: 2,
        players: 4,
        spectators: 1,
        duration_s: 3.0,
        settle_s: 0.5,
        ..SwarmConfig::default()
    };
    let report = run_swarm(&config, |_| {}).await.unwrap();
    assert_eq!(report.sessions_failed, 0, "{:?}", report.failure_examples);
    assert!(report.passes(99.0), "{report:?}");
}
