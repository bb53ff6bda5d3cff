//! Three real Arena nodes (the release-built `arena` binary, each its own process) and a real
//! redis-server, all on loopback: one service. Listings agree on every node; a join on one node
//! plays on the match's owner; host controls work from any node; racing joins for the last seats
//! across nodes keep capacity exact; a token redeemed on the wrong node, or on a restarted node,
//! is refused with a clear 403; SIGTERM takes a node out of every listing at once; kill -9 and
//! SIGSTOP take its matches out within 10 s while the other nodes' sessions miss no tick, and
//! SIGCONT brings them back; with Redis down matches tick on and listings say they are local, and
//! everything registers again once Redis is back.
//!
//! Every process is started here and ended by its PID. Skipped where redis-server is not
//! installed, unless `ARENA_TEST_REDIS` is set (CI sets it).

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use arena_bots::Session;
use arena_game::api::{ApiRole, CreatedMatch, JoinResponse, MatchSummary};
use arena_game::Phase;
use common::postgres::Postgres;
use common::redis::Redis;
use common::{eventually_within, game_req, http_client_from, snapshot_where, EVENT_TIMEOUT};
use serde_json::json;

/// One node: the `arena` binary as a child process.
struct Node {
    child: Option<Child>,
    addr: SocketAddr,
    db: PathBuf,
}

impl Node {
    fn start(redis: &str) -> Node {
        Self::start_on(redis, None)
    }

    /// A node with its history on `database` (default: an SQLite file of its own).
    fn start_on(redis: &str, database: Option<&str>) -> Node {
        Self::start_with(redis, database, false)
    }

    /// A node; `limits`: its per-client limits on (the binary's default) instead of off.
    fn start_with(redis: &str, database: Option<&str>, limits: bool) -> Node {
        Self::start_full(redis, database, limits, &[])
    }

    /// A node with `extra` flags.
    fn start_full(redis: &str, database: Option<&str>, limits: bool, extra: &[&str]) -> Node {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let db = std::env::temp_dir().join(format!("arena-node-{}-{nanos}.db", std::process::id()));
        let mut child = Command::new(env!("CARGO_BIN_EXE_arena"))
            .args(["--bind", "127.0.0.1:0", "--redis-url", redis])
            // Every test client comes from 127.0.0.1 (tests/abuse.rs tests the limits).
            .args(["--client-limits", if limits { "on" } else { "off" }])
            .args(extra)
            .args([
                "--database",
                &database.map_or_else(|| format!("sqlite://{}", db.display()), str::to_owned),
            ])
            .args(["--workers", "1"])
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("arena starts");
        // The bound address from the log; then keep draining it so the node never blocks.
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("listening on http://") {
                    let rest = &line[at + "listening on http://".len()..];
                    let addr = rest.split_whitespace().next().unwrap_or("").to_owned();
                    let _ = tx.send(addr);
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the node reports its address")
            .parse()
            .unwrap();
        Node {
            child: Some(child),
            addr,
            db,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn signal(&self, sig: &str) {
        let pid = self.child.as_ref().expect("running").id();
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &pid.to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig} {pid}");
    }

    /// Sends `sig` and waits for the process to exit.
    fn end_with(&mut self, sig: &str) {
        self.signal(sig);
        let status = self.child.take().unwrap().wait().unwrap();
        if sig == "TERM" {
            assert!(status.success(), "a clean exit on SIGTERM: {status:?}");
        }
    }

    async fn list(&self) -> (String, Vec<MatchSummary>) {
        let resp = reqwest::get(format!("{}/api/matches", self.url()))
            .await
            .unwrap();
        let listing = resp
            .headers()
            .get("arena-listing")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        (listing, resp.json().await.unwrap())
    }

    async fn lists(&self, id: &str) -> bool {
        listed_at(&self.url(), id).await
    }

    async fn create(&self, seats: u8) -> CreatedMatch {
        let resp = reqwest::Client::new()
            .post(format!("{}/api/matches", self.url()))
            .json(&game_req("deathmatch", seats, 20))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        resp.json().await.unwrap()
    }

    async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut req = reqwest::Client::new().post(format!("{}{path}", self.url()));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or_default())
    }

    async fn join(&self, id: &str, name: &str, role: ApiRole) -> JoinResponse {
        let body = json!({"name": name, "role": role});
        let (status, json) = self
            .post(&format!("/api/matches/{id}/join"), None, Some(body))
            .await;
        assert_eq!(status, 200, "{json}");
        serde_json::from_value(json).unwrap()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGCONT first: a frozen node cannot die of SIGKILL's cleanup otherwise.
            let _ = Command::new("kill")
                .args(["-CONT", &child.id().to_string()])
                .status();
            let _ = child.kill();
            let _ = child.wait();
        }
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.db.display()));
        }
    }
}

/// Whether the node at `url` lists match `id` (for tasks that do not hold the [`Node`]).
async fn listed_at(url: &str, id: &str) -> bool {
    let all: Vec<MatchSummary> = reqwest::get(format!("{url}/api/matches"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    all.iter().any(|m| m.id == id)
}

/// A deathmatch on `node` with a connected player and a bot, running; returns the player.
async fn running_match(node: &Node) -> (CreatedMatch, Session) {
    let m = node.create(2).await;
    let joined = node.join(&m.id, "ada", ApiRole::Player).await;
    let mut player = Session::connect(&joined.ws_url).await.unwrap();
    let (status, json) = node
        .post(
            &format!("/api/matches/{}/bots", m.id),
            Some(&m.host_token),
            Some(json!({"count": 1})),
        )
        .await;
    assert_eq!(status, 200, "{json}");
    snapshot_where(&mut player, |s| s.phase == Phase::Running).await;
    (m, player)
}

/// Reads `player`'s snapshots until `done` resolves; asserts every tick came, in order.
async fn every_tick_until(player: &mut Session, done: tokio::task::JoinHandle<()>) -> u32 {
    let mut last = snapshot_where(player, |_| true).await.tick;
    let mut seen = 0;
    while !done.is_finished() {
        let s = snapshot_where(player, |_| true).await;
        assert_eq!(s.tick, last + 1, "a tick was missed");
        last = s.tick;
        seen += 1;
    }
    done.await.unwrap();
    seen
}

/// A WebSocket upgrade of `ws_url`'s path at `addr`; returns the status line and the body.
async fn upgrade_at(addr: SocketAddr, ws_url: &str) -> (String, String) {
    use tokio::io::AsyncReadExt;
    let path = &ws_url[ws_url.find("/ws").unwrap()..];
    let (mut stream, head) = common::raw_ws::handshake(addr, path, Some("arena.v3")).await;
    let mut body = vec![0u8; 2048];
    let n = tokio::time::timeout(EVENT_TIMEOUT, stream.read(&mut body))
        .await
        .unwrap()
        .unwrap();
    (
        head.lines().next().unwrap_or("").to_owned(),
        String::from_utf8_lossy(&body[..n]).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_are_one_service() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let a = Node::start(&redis.url);
    let b = Node::start(&redis.url);
    let mut c = Node::start(&redis.url);

    // Listings agree.
    let m = a.create(4).await;
    for node in [&a, &b, &c] {
        eventually_within(
            "every node lists the match",
            Duration::from_secs(5),
            || async {
                let (listing, all) = node.list().await;
                listing == "cluster" && all.iter().any(|x| x.id == m.id)
            },
        )
        .await;
    }

    // A join on C plays on A, the owner; the host starts it from B.
    let joined = c.join(&m.id, "ada", ApiRole::Player).await;
    assert!(
        joined.ws_url.starts_with(&format!("ws://{}/", a.addr)),
        "{}",
        joined.ws_url
    );
    let mut ada = Session::connect(&joined.ws_url).await.unwrap();
    assert_eq!(ada.welcome.match_id, m.id);
    let (status, json) = b
        .post(
            &format!("/api/matches/{}/start", m.id),
            Some(&m.host_token),
            None,
        )
        .await;
    assert_eq!(
        (status, json["phase"].as_str()),
        (200, Some("running")),
        "{json}"
    );
    snapshot_where(&mut ada, |s| s.phase == Phase::Running).await;
    let (status, json) = b
        .post(&format!("/api/matches/{}/start", m.id), Some("0123"), None)
        .await;
    assert_eq!((status, json["error"].as_str()), (403, Some("forbidden")));
    let detail: serde_json::Value = reqwest::get(format!("{}/api/matches/{}", c.url(), m.id))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["players"], 1);

    // The page's bots, through another node.
    let with_bots = a.create(4).await;
    let (status, json) = c
        .post(
            &format!("/api/matches/{}/bots", with_bots.id),
            Some(&with_bots.host_token),
            Some(json!({"count": 2})),
        )
        .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["added"].as_array().map(Vec::len), Some(2), "{json}");

    // Racing joins for the last seats, through all three nodes: exactly the free seats.
    let race = b.create(4).await;
    let mut joins = Vec::new();
    for i in 0..12 {
        let node = [&a, &b, &c][i % 3].url();
        let id = race.id.clone();
        joins.push(tokio::spawn(async move {
            let resp = reqwest::Client::new()
                .post(format!("{node}/api/matches/{id}/join"))
                .json(&json!({"name": format!("p{i}"), "role": "player"}))
                .send()
                .await
                .unwrap();
            resp.status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for j in joins {
        statuses.push(j.await.unwrap());
    }
    statuses.sort();
    assert_eq!(statuses, [[200; 4].as_slice(), &[409; 8]].concat());

    // A token is redeemed only on its own node.
    let spectate = a.join(&race.id, "sam", ApiRole::Spectator).await;
    let (status, body) = upgrade_at(c.addr, &spectate.ws_url).await;
    assert!(status.contains(" 403 "), "{status}");
    assert!(body.contains("issued by cluster node"), "{body}");
    let mut sam = Session::connect(&spectate.ws_url).await.unwrap();
    assert_eq!(sam.welcome.match_id, race.id);
    snapshot_where(&mut sam, |_| true).await;

    // SIGTERM: out of every listing at once; its tokens die with it.
    let mc = c.create(2).await;
    let pending = c.join(&mc.id, "bob", ApiRole::Player).await;
    eventually_within("A lists C's match", Duration::from_secs(5), || {
        a.lists(&mc.id)
    })
    .await;
    c.end_with("TERM");
    assert!(!a.lists(&mc.id).await, "C's match left at once");
    assert!(!b.lists(&mc.id).await, "C's match left at once");
    let (status, json) = a
        .post(
            &format!("/api/matches/{}/join", mc.id),
            None,
            Some(json!({"name": "x", "role": "player"})),
        )
        .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (404, Some("not_found")),
        "{json}"
    );
    let c2 = Node::start(&redis.url);
    let (status, body) = upgrade_at(c2.addr, &pending.ws_url).await;
    assert!(
        status.contains(" 403 "),
        "a restarted node refuses old tokens: {status}"
    );
    assert!(body.contains("restarted node"), "{body}");
    // Ada played on through all of it.
    let s = snapshot_where(&mut ada, |_| true).await;
    assert_eq!(s.phase, Phase::Running);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_and_frozen_nodes_leave_and_the_others_play_on() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let a = Node::start(&redis.url);
    let b = Node::start(&redis.url);
    let mut c = Node::start(&redis.url);
    let (_ma, mut ada) = running_match(&a).await;
    let mb = b.create(2).await;
    let mc = c.create(2).await;
    eventually_within(
        "A lists B's and C's matches",
        Duration::from_secs(5),
        || async { a.lists(&mb.id).await && a.lists(&mc.id).await },
    )
    .await;

    // kill -9: nothing removes its keys; they expire.
    c.end_with("KILL");
    let a_url = a.url();
    let b_url = b.url();
    let gone = mc.id.clone();
    let watch = tokio::spawn(async move {
        let took = eventually_within(
            "the killed node's match leaves",
            Duration::from_secs(10),
            || {
                let (a, b, id) = (a_url.clone(), b_url.clone(), gone.clone());
                async move { !listed_at(&a, &id).await && !listed_at(&b, &id).await }
            },
        )
        .await;
        eprintln!("kill -9: its match left the listings after {took:?}");
    });
    let ticks = every_tick_until(&mut ada, watch).await;
    assert!(ticks > 0);
    assert!(
        a.lists(&mb.id).await,
        "a live node's match is never removed"
    );

    // SIGSTOP: frozen, it stops refreshing and leaves; SIGCONT: it is back.
    b.signal("STOP");
    let a_url = a.url();
    let frozen = mb.id.clone();
    let watch = tokio::spawn(async move {
        eventually_within(
            "the frozen node's match leaves",
            Duration::from_secs(10),
            || {
                let (url, id) = (a_url.clone(), frozen.clone());
                async move { !listed_at(&url, &id).await }
            },
        )
        .await;
    });
    every_tick_until(&mut ada, watch).await;
    b.signal("CONT");
    eventually_within(
        "the thawed node's match is back",
        Duration::from_secs(10),
        || a.lists(&mb.id),
    )
    .await;
    let (status, _) = a
        .post(
            &format!("/api/matches/{}/join", mb.id),
            None,
            Some(json!({"name": "z", "role": "spectator"})),
        )
        .await;
    assert_eq!(status, 200, "joins through A reach the thawed node");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_and_back() {
    let Some(mut redis) = Redis::start() else {
        return;
    };
    let a = Node::start(&redis.url);
    let b = Node::start(&redis.url);
    let (ma, mut ada) = running_match(&a).await;
    eventually_within("B lists A's match", Duration::from_secs(5), || {
        b.lists(&ma.id)
    })
    .await;

    redis.stop();
    let a_url = a.url();
    let id = ma.id.clone();
    let watch = tokio::spawn(async move {
        eventually_within(
            "A's listing falls back to itself",
            Duration::from_secs(10),
            || {
                let (url, id) = (a_url.clone(), id.clone());
                async move {
                    let resp = reqwest::get(format!("{url}/api/matches")).await.unwrap();
                    let local = resp
                        .headers()
                        .get("arena-listing")
                        .is_some_and(|v| v == "local-only");
                    let all: Vec<MatchSummary> = resp.json().await.unwrap();
                    local && all.iter().any(|m| m.id == id)
                }
            },
        )
        .await;
        // Two seconds more of play without Redis.
        tokio::time::sleep(Duration::from_secs(2)).await;
    });
    let ticks = every_tick_until(&mut ada, watch).await;
    assert!(
        ticks >= 20,
        "the match ticked on without Redis ({ticks} ticks)"
    );
    let metrics = reqwest::get(format!("{}/metrics", a.url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("arena_cluster_redis_up 0"),
        "the metric says so"
    );

    // An empty Redis again: every node registers everything at its next beat.
    redis.restart();
    eventually_within(
        "B lists A's match again",
        Duration::from_secs(10),
        || async {
            let (listing, all) = b.list().await;
            listing == "cluster" && all.iter().any(|m| m.id == ma.id)
        },
    )
    .await;
    let (status, _) = b
        .post(
            &format!("/api/matches/{}/join", ma.id),
            None,
            Some(json!({"name": "z", "role": "spectator"})),
        )
        .await;
    assert_eq!(status, 200);
}

/// Nodes that share one PostgreSQL share the history: a match played on one node and ended from
/// another is listed by every node, and its replay plays from any of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_is_shared_through_postgres() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let Some(pg) = Postgres::start() else {
        return;
    };
    let a = Node::start_on(&redis.url, Some(&pg.url));
    let b = Node::start_on(&redis.url, Some(&pg.url));
    let (m, mut ada) = running_match(&a).await;
    let start = snapshot_where(&mut ada, |_| true).await.tick;
    snapshot_where(&mut ada, |s| s.tick >= start + 20).await;
    let (status, json) = b
        .post(
            &format!("/api/matches/{}/end", m.id),
            Some(&m.host_token),
            None,
        )
        .await;
    assert_eq!(
        (status, json["phase"].as_str()),
        (200, Some("ended")),
        "{json}"
    );
    eventually_within(
        "B's history has the match A played",
        Duration::from_secs(10),
        || async {
            reqwest::get(format!("{}/api/history/{}", b.url(), m.id))
                .await
                .unwrap()
                .status()
                == 200
        },
    )
    .await;
    let board: serde_json::Value = reqwest::get(format!("{}/api/leaderboard", b.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(board["entries"][0]["name"], "ada", "{board}");
    // Watched on B: a replay match of B's own.
    let (status, json) = b
        .post(&format!("/api/history/{}/watch", m.id), None, None)
        .await;
    assert_eq!(status, 201, "{json}");
    let replay = json["match_id"].as_str().unwrap().to_owned();
    eventually_within("A lists B's replay match", Duration::from_secs(5), || {
        a.lists(&replay)
    })
    .await;
}

/// With the per-client limits on, the owner counts a join forwarded by another node against the
/// client behind it (named by the forwarding node, which proves it is a node of the cluster),
/// not against the forwarding node: one client's squatting through B leaves another client
/// joining through B untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_count_the_client_behind_a_forwarding_node() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let a = Node::start_with(&redis.url, None, true);
    let b = Node::start_with(&redis.url, None, true);
    let m = a.create(8).await;
    eventually_within("B lists A's match", Duration::from_secs(5), || {
        b.lists(&m.id)
    })
    .await;
    let from = http_client_from;
    let join = |client: reqwest::Client, name: &'static str| {
        let url = format!("{}/api/matches/{}/join", b.url(), m.id);
        async move {
            let resp = client
                .post(url)
                .json(&json!({"name": name, "role": "player"}))
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<serde_json::Value>().await.unwrap())
        }
    };
    // Two unused tokens per client in one match, then 429 naming that client.
    for _ in 0..2 {
        assert_eq!(join(from("127.0.0.2"), "squat").await.0, 200);
    }
    let (status, body) = join(from("127.0.0.2"), "squat").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (429, Some("rate_limited")),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("127.0.0.2"),
        "{body}"
    );
    // Another client through the same node is not affected.
    for _ in 0..2 {
        let (status, body) = join(from("127.0.0.3"), "ada").await;
        assert_eq!(status, 200, "{body}");
    }
}

/// An upgrade of `ws_url`'s path at `addr` sent with `Origin: origin`; returns the status line.
async fn upgrade_from(addr: SocketAddr, ws_url: &str, origin: &str) -> String {
    let path = &ws_url[ws_url.find("/ws").unwrap()..];
    let headers = [("Origin", origin)];
    let (_, head) = common::raw_ws::handshake_with(addr, path, Some("arena.v3"), &headers).await;
    head.lines().next().unwrap_or("").to_owned()
}

/// A page served by one node opens the WebSocket of a match on another: every node allows the
/// origins of the cluster's public URLs (a foreign origin is still refused).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_of_any_node_open_websockets_on_the_others() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let a = Node::start(&redis.url);
    // B's public address is a name the browser knows it by (it is not dialled in this test).
    let _b = Node::start_full(
        &redis.url,
        None,
        false,
        &["--public-url", "http://node-b.test:8080"],
    );
    let m = a.create(4).await;
    let foreign = a.join(&m.id, "eve", ApiRole::Spectator).await;
    let status = upgrade_from(a.addr, &foreign.ws_url, "http://elsewhere.test").await;
    assert!(status.contains(" 403 "), "a foreign origin: {status}");
    eventually_within("A allows B's origin", Duration::from_secs(5), || {
        let addr = a.addr;
        let url = foreign.ws_url.clone();
        async move {
            upgrade_from(addr, &url, "http://node-b.test:8080")
                .await
                .contains(" 101 ")
        }
    })
    .await;
}
