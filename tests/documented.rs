//! What docs/protocol.md and docs/api.md tell a client writer, held to the real server (on
//! 127.0.0.1:0, over real HTTP and WebSocket) and the real codec. Each test names the section it
//! checks, so a change that makes a section wrong fails here. Tests wait for events (messages,
//! ticks, HTTP answers), never for a fixed time.

mod common;

use std::collections::BTreeMap;

use arena::Config;
use arena_bots::Session;
use arena_game::api::{ApiRole, HistoryEntry, Leaderboard, MatchDetail, WatchReplayResponse};
use arena_game::rebuild::{Rebuilder, Rebuilt};
use arena_game::replay::{Replay, ReplayEvent, ReplayHeader};
use arena_game::{
    codec, delta, ClientMsg, EndReason, Game, Payload, Phase, Role, RosterEntry, ServerMsg,
    Snapshot, Welcome, PROTOCOL_VERSION,
};
use common::raw_ws::{handshake, handshake_with};
use common::*;
use serde_json::Value;
use tokio::io::AsyncReadExt;

// ------------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------------

fn repo_file(rel: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn is_hex_byte(t: &str) -> bool {
    t.len() == 2 && t.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The hex bytes at the start of `s` (two-digit tokens up to the first that is not one).
fn leading_hex(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .take_while(|t| is_hex_byte(t))
        .map(|t| u8::from_str_radix(t, 16).unwrap())
        .collect()
}

/// The number in "`{name}` from the fixture…, N bytes" in protocol.md, and the paragraph from
/// there to the code block after it, and that code block's lines.
fn doc_example<'a>(doc: &'a str, name: &str) -> (usize, &'a str, Vec<&'a str>) {
    let start = doc
        .find(&format!("`{name}` from the fixture"))
        .unwrap_or_else(|| panic!("protocol.md shows no {name}"));
    let rest = &doc[start..];
    let head_end = rest.find("bytes").expect("a byte count");
    let count: usize = rest[..head_end]
        .split_whitespace()
        .rev()
        .find_map(|w| w.trim_matches(|c: char| !c.is_ascii_digit()).parse().ok())
        .expect("a byte count");
    let fence = rest.find("```").expect("a code block");
    let paragraph = &rest[..fence];
    let block = &rest[fence + 3..];
    let block = &block[block.find('\n').unwrap() + 1..];
    let block = &block[..block.find("```").unwrap()];
    (count, paragraph, block.lines().collect())
}

/// The bytes of a code block's lines that start with hex at the first column (indented lines
/// and comments are explanations).
fn block_bytes(lines: &[&str]) -> Vec<u8> {
    lines
        .iter()
        .filter(|l| !l.starts_with(' '))
        .flat_map(|l| leading_hex(l))
        .collect()
}

/// Backticked byte strings (`01 02 …`) of a paragraph, in order.
fn backticked_bytes(paragraph: &str) -> Vec<Vec<u8>> {
    paragraph
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| !s.is_empty() && s.split_whitespace().all(is_hex_byte))
        .map(leading_hex)
        .collect()
}

/// A vector of `clients/web/test/fixtures/wire.json` by name: its bytes.
fn wire_fixture(name: &str) -> Vec<u8> {
    let fixtures: Value = serde_json::from_str(&repo_file("clients/web/test/fixtures/wire.json"))
        .expect("wire.json is JSON");
    let v = fixtures["server"]
        .as_array()
        .expect("server vectors")
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no fixture {name}"));
    unhex(v["hex"].as_str().unwrap())
}

/// Status and JSON body of a plain (not upgrading) `GET {path}` with `headers`.
async fn plain_get(server: &TestServer, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut req = reqwest::Client::new().get(format!("{}{path}", server.url()));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Status and JSON body of a WebSocket upgrade of `path` that the server refuses.
async fn refused_upgrade(
    server: &TestServer,
    path: &str,
    protocol: Option<&str>,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let (mut stream, head) = handshake_with(server.addr, path, protocol, headers).await;
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status: {head}"));
    assert_ne!(status, 101, "{path} {protocol:?} was upgraded");
    let mut body = Vec::new();
    stream.read_to_end(&mut body).await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn get_detail(server: &TestServer, id: &str) -> (u16, Value) {
    let resp = reqwest::get(format!("{}/api/matches/{id}", server.url()))
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn leaderboard(server: &TestServer, game: &str) -> Vec<(String, u64, u64, i64)> {
    let resp = reqwest::get(format!("{}/api/leaderboard?game={game}", server.url()))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let board: Leaderboard = resp.json().await.unwrap();
    board
        .entries
        .into_iter()
        .map(|e| (e.name, e.played, e.wins, e.score))
        .collect()
}

/// The next message, within [`EVENT_TIMEOUT`] (deltas rebuilt).
async fn next(s: &mut Session) -> ServerMsg {
    tokio::time::timeout(EVENT_TIMEOUT, s.recv())
        .await
        .expect("a message in time")
        .expect("the session is open")
}

/// Joins `names` to match `id` in order as players, checking each gets the next seat, and opens
/// their sessions.
async fn seat_in_order(server: &TestServer, id: &str, names: &[&str]) -> Vec<Session> {
    let mut sessions = Vec::new();
    for (seat, name) in names.iter().enumerate() {
        let joined = server
            .lobby()
            .join(id, name, ApiRole::Player)
            .await
            .unwrap();
        assert_eq!(joined.player_id, Some(seat as u8), "{name}'s seat");
        sessions.push(Session::connect(&joined.ws_url).await.unwrap());
    }
    sessions
}

// ------------------------------------------------------------------------------------------------
// Byte counts and examples (no server)
// ------------------------------------------------------------------------------------------------

/// protocol.md 4.1: `welcome_player` is as many bytes as the doc says (76), encoded as the wire
/// fixtures encode it, and the fixture file holds those very bytes.
#[test]
fn welcome_player_is_as_long_as_documented() {
    let doc = repo_file("docs/protocol.md");
    let (stated, _, _) = doc_example(&doc, "welcome_player");
    let facts = arena_deathmatch::Deathmatch::new(Default::default(), 8, 0).facts();
    let welcome = ServerMsg::Welcome(Welcome {
        protocol: PROTOCOL_VERSION,
        match_id: "m3f9a2c01".into(),
        game: "deathmatch".into(),
        role: Role::Player,
        player_id: Some(0),
        match_name: "Friday night".into(),
        max_players: 8,
        tick_hz: 20,
        facts: Payload(codec::encode(&facts).unwrap()),
    });
    let bytes = codec::encode(&welcome).unwrap();
    assert_eq!(bytes.len(), 76);
    assert_eq!(stated, bytes.len(), "protocol.md 4.1 states the length");
    assert_eq!(bytes, wire_fixture("welcome_player"));
    // The facts the doc annotates: 34 bytes with the standard arena.
    assert_eq!(codec::encode(&facts).unwrap().len(), 34);
}

/// protocol.md C.1: the `delta_keeping_up` example, read from the markdown, is the fixture's
/// bytes, as long as stated, and a real delta: it applies to the baseline view the doc gives
/// and makes the target it gives, which is also what the encoder writes for that pair. A client
/// rebuilding it gets the documented snapshot.
#[test]
fn the_documented_delta_example_applies() {
    let doc = repo_file("docs/protocol.md");
    let (stated, paragraph, lines) = doc_example(&doc, "delta_keeping_up");
    let bytes = block_bytes(&lines);
    assert_eq!(bytes.len(), stated, "C.1 states the length");
    assert_eq!(bytes, wire_fixture("delta_keeping_up"));
    let views = backticked_bytes(paragraph);
    let [baseline, target] = &views[..] else {
        panic!("C.1 names the baseline's and the target's views: {views:?}");
    };
    let ServerMsg::Delta(d) = codec::decode::<ServerMsg>(&bytes).unwrap() else {
        panic!("not a Delta");
    };
    assert_eq!(
        (d.tick, d.back, d.since_us, d.phase, d.check, d.ack),
        (1201, 1, 50_000, Phase::Running, None, Some(301))
    );
    let mut out = Vec::new();
    delta::apply(baseline, &d.view.0, codec::MAX_MESSAGE_BYTES, &mut out).unwrap();
    assert_eq!(&out, target);
    let mut encoded = Vec::new();
    delta::encode(baseline, target, &mut encoded);
    assert_eq!(encoded, d.view.0, "the encoder writes this delta");

    // Through a client's rebuilder: the keyframe of tick 1200, then the delta.
    let mut client = Rebuilder::new();
    let key = ServerMsg::Snapshot(Snapshot {
        tick: 1200,
        server_time_us: 1_000_000,
        phase: Phase::Running,
        view: Payload(baseline.clone()),
        ack: Some(300),
    });
    client.accept(key).unwrap();
    let Rebuilt::Snapshot(ServerMsg::Snapshot(s)) = client.accept(ServerMsg::Delta(d)).unwrap()
    else {
        panic!("the delta did not rebuild");
    };
    assert_eq!(
        (s.tick, s.server_time_us, &s.view.0, s.ack),
        (1201, 1_050_000, target, Some(301))
    );
}

/// protocol.md part D (its example events) and the ctf input example: the bytes shown are what
/// the codec writes.
#[test]
fn the_documented_replay_events_and_ctf_input_encode_as_shown() {
    let doc = repo_file("docs/protocol.md");
    let part_d = &doc[doc.find("# Part D").expect("protocol.md has a part D")..];
    let shown = |label: &str| -> Vec<u8> {
        let line = part_d
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("part D shows no {label}"));
        leading_hex(&line[label.len()..])
    };
    let events = [
        ("Steps(3)", ReplayEvent::Steps(3)),
        (
            "Join { id: 0, name: \"ada\" }",
            ReplayEvent::Join {
                id: 0,
                name: "ada".into(),
            },
        ),
        (
            "Input(0, [08 00])",
            ReplayEvent::Input(0, Payload(vec![8, 0])),
        ),
        ("Connected(1, false)", ReplayEvent::Connected(1, false)),
        ("Start", ReplayEvent::Start),
        ("End(Host)", ReplayEvent::End(EndReason::Host)),
    ];
    for (label, event) in events {
        assert_eq!(codec::encode(&event).unwrap(), shown(label), "{label}");
    }
    // [08 00] is the deathmatch's RIGHT with aim 0.
    let right = arena_deathmatch::Input {
        buttons: arena_deathmatch::wire::buttons::RIGHT,
        aim: 0,
    };
    assert_eq!(codec::encode(&right).unwrap(), [8, 0]);
    // step_bits at 20 Hz: 0.05 as f32 bits, a varint of marker fc and 4 bytes.
    let bits = arena::match_actor::step_seconds(20).to_bits();
    assert_eq!(bits, 0x3d4c_cccd);
    assert!(part_d.contains("`fc cd cc 4c 3d`"));
    assert_eq!(
        codec::encode(&bits).unwrap(),
        [0xfc, 0xcd, 0xcc, 0x4c, 0x3d]
    );

    // Game ctf, Input: run and sprint to (1000, 500) in wire units (world × 16).
    let input = arena_ctf::Input {
        target_x: arena_ctf::wire::quantize_pos(1000.0),
        target_y: arena_ctf::wire::quantize_pos(500.0),
        actions: arena_ctf::wire::actions::MOVE | arena_ctf::wire::actions::SPRINT,
    };
    assert_eq!((input.target_x, input.target_y), (16_000, 8_000));
    assert_eq!(
        codec::encode(&input).unwrap(),
        [0x80, 0x3e, 0x40, 0x1f, 0x05]
    );
    assert!(doc.contains("input: run and sprint to (1000, 500)\n  80 3e"));
}

// ------------------------------------------------------------------------------------------------
// /ws refusals (api.md "GET /ws", the error table; protocol.md 1, step 2)
// ------------------------------------------------------------------------------------------------

/// api.md "GET /ws": the subprotocol is checked first. Without `arena.v3` (none, or `arena.v2`)
/// a `GET /ws` gets 400 `unsupported_protocol` whether or not it is an upgrade, has a token, or
/// comes from a foreign origin; with it, a plain GET gets 400 `bad_request` and an upgrade
/// without a token 401. None of these spends the join token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ws_refusals_come_in_the_documented_order() {
    let server = TestServer::start();
    let m = create(&server, game_req("deathmatch", 2, 20)).await;
    let joined = server
        .lobby()
        .join(&m.id, "ada", ApiRole::Player)
        .await
        .unwrap();
    let with_token = format!("/ws?token={}", joined.token);
    let unsupported = |(status, body): (u16, Value)| {
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("unsupported_protocol")),
            "{body}"
        );
        assert_eq!(body["supported"], serde_json::json!(["arena.v3"]));
    };

    // Not an upgrade, no subprotocol, no token: the subprotocol answers.
    unsupported(plain_get(&server, "/ws", &[]).await);
    unsupported(plain_get(&server, &with_token, &[]).await);
    unsupported(
        plain_get(
            &server,
            &with_token,
            &[("Sec-WebSocket-Protocol", "arena.v2")],
        )
        .await,
    );
    // Not an upgrade, with the subprotocol: "not a WebSocket upgrade".
    let (status, body) = plain_get(
        &server,
        &with_token,
        &[("Sec-WebSocket-Protocol", "arena.v3")],
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")));

    // Upgrades: no subprotocol (or arena.v2) beats a missing token and a foreign origin.
    unsupported(refused_upgrade(&server, "/ws", None, &[]).await);
    unsupported(refused_upgrade(&server, &with_token, Some("arena.v2"), &[]).await);
    unsupported(
        refused_upgrade(
            &server,
            &with_token,
            None,
            &[("Origin", "http://evil.example")],
        )
        .await,
    );
    // With the subprotocol: the origin, then the token.
    let (status, body) = refused_upgrade(
        &server,
        &with_token,
        Some("arena.v3"),
        &[("Origin", "http://evil.example")],
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
    let (status, body) = refused_upgrade(&server, "/ws", Some("arena.v3"), &[]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unauthorized"))
    );

    // Every refusal above left the token unspent.
    let (_, head) = handshake(server.addr, &with_token, Some("arena.v3")).await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
}

// ------------------------------------------------------------------------------------------------
// Empty and abandoned matches (api.md "GET /api/matches": Empty matches, Abandoned)
// ------------------------------------------------------------------------------------------------

/// api.md "Abandoned": a running match everybody left is removed after `--empty-match-ttl-s`
/// and is then gone from `GET /api/matches/{id}` at once (404), never listed as ended, though
/// `--ended-retention-s` is an hour; it is in the history as `abandoned`, under its match id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abandoned_match_is_gone_at_once() {
    let db = TempDb::new("documented-abandoned");
    let server = TestServer::with_config(Config {
        empty_match_ttl_s: 1,
        ended_retention_s: 3600,
        ..db.config()
    });
    let m = create(&server, game_req("deathmatch", 2, 20)).await;
    let mut ada = connect(&server, &m.id, "ada", ApiRole::Player).await;
    server.lobby().start(&m.id, &m.host_token).await.unwrap();
    snapshot_where(&mut ada, |s| s.phase == Phase::Running).await;
    ada.close().await.unwrap();

    let url = format!("{}/api/matches/{}", server.url(), m.id);
    eventually("the emptied match is removed", || {
        let url = url.clone();
        async move {
            let resp = reqwest::get(url).await.unwrap();
            if resp.status() == 404 {
                return true;
            }
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body["phase"], "running", "never listed as ended: {body}");
            assert!(body["end_reason"].is_null(), "{body}");
            false
        }
    })
    .await;
    let listing = server.lobby().list().await.unwrap();
    assert!(listing.iter().all(|s| s.id != m.id), "not listed either");

    let entry = listed(&server, &m.id).await;
    assert_eq!(entry.id, m.id, "the history id is the match id");
    assert_eq!(entry.end_reason, "abandoned");
}

/// api.md "Empty matches": a connected spectator keeps a running match whose players all left
/// alive past `--empty-match-ttl-s` (here 1 s, waited out as 3 s of ticks); once it leaves too,
/// the match is removed and kept as abandoned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spectator_keeps_an_emptied_match_alive() {
    let db = TempDb::new("documented-spectator");
    let server = TestServer::with_config(Config {
        empty_match_ttl_s: 1,
        ..db.config()
    });
    let tick_hz = 20u32;
    let m = create(&server, game_req("deathmatch", 2, tick_hz as u8)).await;
    let ada = connect(&server, &m.id, "ada", ApiRole::Player).await;
    let mut sam = connect(&server, &m.id, "sam", ApiRole::Spectator).await;
    server.lobby().start(&m.id, &m.host_token).await.unwrap();
    snapshot_where(&mut sam, |s| s.phase == Phase::Running).await;
    ada.close().await.unwrap();
    // Ada's seat is freed: the roster no longer has her. From the next tick, count 3 s.
    roster_where(&mut sam, |r| r.is_empty()).await;
    let from = snapshot_where(&mut sam, |_| true).await.tick;
    loop {
        match next(&mut sam).await {
            ServerMsg::Snapshot(s) if s.tick >= from + 3 * tick_hz => break,
            ServerMsg::MatchEnded { reason, .. } => panic!("ended ({reason:?}) while watched"),
            _ => {}
        }
    }
    let (status, body) = get_detail(&server, &m.id).await;
    assert_eq!(status, 200, "still there while watched: {body}");
    assert_eq!(
        (&body["phase"], &body["players"], &body["spectators"]),
        (&Value::from("running"), &Value::from(0), &Value::from(1))
    );

    sam.close().await.unwrap();
    let url = format!("{}/api/matches/{}", server.url(), m.id);
    eventually("the match nobody watches is removed", || {
        let url = url.clone();
        async move { reqwest::get(url).await.unwrap().status() == 404 }
    })
    .await;
    assert_eq!(listed(&server, &m.id).await.end_reason, "abandoned");
}

// ------------------------------------------------------------------------------------------------
// Input sequence numbers (protocol.md 3)
// ------------------------------------------------------------------------------------------------

/// protocol.md 3, `seq`: the server takes any first `seq`, 0 included, and acknowledges the
/// last input it applied exactly as sent, in order of arrival (an older number after a newer
/// one is acknowledged too; 65535 then 0 wraps); `ack` is None before the first; a resumed
/// seat's first snapshot carries the old connection's last ack.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_seq_may_be_zero_and_acks_echo_the_last_input() {
    let server = TestServer::start();
    let m = create(&server, game_req("deathmatch", 1, 20)).await;
    let joined = server
        .lobby()
        .join(&m.id, "ada", ApiRole::Player)
        .await
        .unwrap();
    let mut ada = Session::connect(&joined.ws_url).await.unwrap();
    let first = snapshot_where(&mut ada, |_| true).await;
    assert_eq!(first.ack, None, "no input applied yet");

    for seq in [0u16, 40_000, 39_990, 65_535, 0] {
        let input = stand_still("deathmatch");
        ada.send(&ClientMsg::Input { seq, input }).await.unwrap();
        // Each differs from the ack before it, so this is the answer to this input; an input
        // the server ignored (39 990 after 40 000, say) would time out here.
        snapshot_where(&mut ada, |s| s.ack == Some(seq)).await;
    }

    // A dropped connection holds the seat; the resumed one starts with the last ack.
    drop(ada);
    let mut back = Session::connect(joined.reconnect_url.as_deref().unwrap())
        .await
        .unwrap();
    let first = snapshot_where(&mut back, |_| true).await;
    assert_eq!(first.ack, Some(0), "the held seat kept its ack");
}

// ------------------------------------------------------------------------------------------------
// Ties (protocol.md 4.3; api.md GET /api/matches/{id}, History, leaderboard)
// ------------------------------------------------------------------------------------------------

/// Plays match `id` of `sessions` (all seated) until it runs, then ends it as the host; returns
/// its history entry.
async fn play_and_end(
    server: &TestServer,
    m: &arena_game::api::CreatedMatch,
    sessions: &mut [Session],
) -> (MatchDetail, HistoryEntry) {
    snapshot_where(&mut sessions[0], |s| s.phase == Phase::Running).await;
    server.lobby().end(&m.id, &m.host_token).await.unwrap();
    snapshot_where(&mut sessions[0], |s| s.phase == Phase::Ended).await;
    let detail = server.lobby().get(&m.id).await.unwrap();
    (detail, listed(server, &m.id).await)
}

/// protocol.md 4.3 "Ties" and api.md History: equal scores rank by the game's tiebreak (here
/// seat: nobody killed or died, nobody captured), never by name; places are 1, 2, 3, … with no
/// two equal, so place 1 alone wins. The leaderboard breaks equal wins and score by name. In
/// ctf a team does not win together: only seat 0 wins, not its teammate on seat 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ties_rank_as_documented() {
    let db = TempDb::new("documented-ties");
    let server = TestServer::with_config(db.config());
    let ranks = |d: &MatchDetail, e: &HistoryEntry| {
        let board: Vec<(u8, String, i32)> = d
            .scoreboard
            .iter()
            .map(|l| (l.id, l.name.clone(), l.score))
            .collect();
        let places: Vec<(u32, String)> = e
            .players
            .iter()
            .map(|p| (p.place, p.name.clone()))
            .collect();
        (board, places)
    };

    // Deathmatch, zed on seat 0 and amy on seat 1: 0 kills, 0 deaths each.
    let m = create(&server, game_req("deathmatch", 2, 20)).await;
    let mut s = seat_in_order(&server, &m.id, &["zed", "amy"]).await;
    let (detail, entry) = play_and_end(&server, &m, &mut s).await;
    assert_eq!(
        ranks(&detail, &entry),
        (
            vec![(0, "zed".into(), 0), (1, "amy".into(), 0)],
            vec![(1, "zed".into()), (2, "amy".into())]
        )
    );
    assert_eq!(
        leaderboard(&server, "deathmatch").await,
        [("zed".into(), 1, 1, 0), ("amy".into(), 1, 0, 0)]
    );
    // The other way round: one win each, equal score, so the names decide.
    let m = create(&server, game_req("deathmatch", 2, 20)).await;
    let mut s = seat_in_order(&server, &m.id, &["amy", "zed"]).await;
    play_and_end(&server, &m, &mut s).await;
    assert_eq!(
        leaderboard(&server, "deathmatch").await,
        [("amy".into(), 2, 1, 0), ("zed".into(), 2, 1, 0)]
    );

    // ctf 2 v 2: even seats red, odd seats blue; nobody scores.
    let m = create(&server, game_req("ctf", 4, 20)).await;
    let names = ["zz-red", "yy-blue", "aa-red", "bb-blue"];
    let mut s = seat_in_order(&server, &m.id, &names).await;
    let (detail, entry) = play_and_end(&server, &m, &mut s).await;
    let teams: Vec<Option<u8>> = detail.scoreboard.iter().map(|l| l.team).collect();
    assert_eq!(
        teams,
        [Some(0), Some(1), Some(0), Some(1)],
        "by seat, teams mixed"
    );
    let (board, places) = ranks(&detail, &entry);
    assert_eq!(
        board.iter().map(|l| l.1.as_str()).collect::<Vec<_>>(),
        names
    );
    assert_eq!(
        places,
        names
            .iter()
            .enumerate()
            .map(|(i, n)| (i as u32 + 1, n.to_string()))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        leaderboard(&server, "ctf").await,
        [
            ("zz-red".into(), 1, 1, 0),
            ("aa-red".into(), 1, 0, 0),
            ("bb-blue".into(), 1, 0, 0),
            ("yy-blue".into(), 1, 0, 0),
        ],
        "red's seat 2 did not win with seat 0"
    );
}

// ------------------------------------------------------------------------------------------------
// Replays (protocol.md part D; api.md History, Watching a replay)
// ------------------------------------------------------------------------------------------------

/// A deathmatch ada plays with a bot the host adds (it fills the match, which starts), ended by
/// the host after 10 running ticks. Returns the match id and its history entry.
async fn recorded_match(server: &TestServer) -> (String, HistoryEntry) {
    let m = create(server, game_req("deathmatch", 2, 20)).await;
    let mut ada = connect(server, &m.id, "ada", ApiRole::Player).await;
    server
        .lobby()
        .add_bots(&m.id, &m.host_token, 1)
        .await
        .unwrap();
    let start = snapshot_where(&mut ada, |s| s.phase == Phase::Running)
        .await
        .tick;
    let mut seq = 0;
    while snapshot_where(&mut ada, |_| true).await.tick < start + 10 {
        seq += 1;
        ada.send(&ClientMsg::Input {
            seq,
            input: move_right("deathmatch"),
        })
        .await
        .unwrap();
    }
    server.lobby().end(&m.id, &m.host_token).await.unwrap();
    let entry = listed(server, &m.id).await;
    (m.id, entry)
}

/// Reads bincode's standard encoding the way protocol.md section 2 describes it.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn u8(&mut self) -> u8 {
        let b = self.bytes[self.at];
        self.at += 1;
        b
    }

    fn raw(&mut self, n: usize) -> &[u8] {
        let s = &self.bytes[self.at..self.at + n];
        self.at += n;
        s
    }

    fn varint(&mut self) -> u64 {
        match self.u8() {
            b @ 0..=250 => u64::from(b),
            0xfb => u64::from(u16::from_le_bytes(self.raw(2).try_into().unwrap())),
            0xfc => u64::from(u32::from_le_bytes(self.raw(4).try_into().unwrap())),
            0xfd => u64::from_le_bytes(self.raw(8).try_into().unwrap()),
            m => panic!("marker {m:#x}"),
        }
    }

    fn bool(&mut self) -> bool {
        match self.u8() {
            0 => false,
            1 => true,
            b => panic!("bool {b}"),
        }
    }

    fn bytes(&mut self) -> Vec<u8> {
        let n = self.varint() as usize;
        self.raw(n).to_vec()
    }

    fn string(&mut self) -> String {
        String::from_utf8(self.bytes()).unwrap()
    }
}

/// protocol.md part D, read by hand: the replay file of `GET /api/history/{id}/replay`.
fn read_replay_by_the_doc(bytes: &[u8]) -> Replay {
    let mut r = Reader { bytes, at: 0 };
    let header = ReplayHeader {
        format: r.varint() as u16,
        game: r.string(),
        rules_version: r.varint() as u32,
        settings: r.string(),
        max_players: r.u8(),
        tick_hz: r.u8(),
        seed: r.varint(),
        step_bits: r.varint() as u32,
    };
    let count = r.varint();
    let events = (0..count)
        .map(|_| match r.varint() {
            0 => ReplayEvent::Steps(r.varint() as u32),
            1 => ReplayEvent::Join {
                id: r.u8(),
                name: r.string(),
            },
            2 => ReplayEvent::Leave(r.u8()),
            3 => ReplayEvent::Connected(r.u8(), r.bool()),
            4 => ReplayEvent::Input(r.u8(), Payload(r.bytes())),
            5 => ReplayEvent::DiscardInputs(r.u8()),
            6 => ReplayEvent::Start,
            7 => ReplayEvent::End(match r.varint() {
                0 => EndReason::TimeLimit,
                1 => EndReason::ScoreLimit,
                2 => EndReason::Host,
                3 => EndReason::Shutdown,
                4 => EndReason::Abandoned,
                t => panic!("end reason {t}"),
            }),
            t => panic!("event tag {t}"),
        })
        .collect();
    let complete = r.bool();
    assert_eq!(r.at, bytes.len(), "nothing after the replay");
    Replay {
        header,
        events,
        complete,
    }
}

/// Who is seated at replay position `p` (protocol.md part D: the calls before step `p`).
fn seated_at(events: &[ReplayEvent], p: u64) -> BTreeMap<u8, (String, bool)> {
    let mut seated = BTreeMap::new();
    let mut steps = 0u64;
    for event in events {
        match event {
            ReplayEvent::Steps(n) => steps += u64::from(*n),
            _ if steps >= p => break,
            ReplayEvent::Join { id, name } => {
                seated.insert(*id, (name.clone(), true));
            }
            ReplayEvent::Leave(id) => {
                seated.remove(id);
            }
            ReplayEvent::Connected(id, up) => {
                if let Some(s) = seated.get_mut(id) {
                    s.1 = *up;
                }
            }
            _ => {}
        }
    }
    seated
}

/// protocol.md part D and api.md History: `GET /api/history/{match id}/replay` (a history id is
/// the match id) is the documented layout, read by hand field by field: the same replay the
/// codec decodes, with the match's settings, seats, rate, the 20 Hz time step, ada's joins and
/// inputs, and as many ticks and bytes as the history entry says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_replay_file_is_the_documented_layout() {
    let db = TempDb::new("documented-replay-file");
    let server = TestServer::with_config(db.config());
    let (match_id, entry) = recorded_match(&server).await;
    assert_eq!(entry.id, match_id, "the history id is the match id");

    let resp = reqwest::get(format!("{}/api/history/{match_id}/replay", server.url()))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let header = |name: &str| resp.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "application/octet-stream");
    assert_eq!(
        header("content-disposition"),
        format!("attachment; filename=\"{match_id}.arena-replay\"")
    );
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(bytes.len() as u64, entry.replay_bytes);

    let replay = read_replay_by_the_doc(&bytes);
    assert_eq!(replay, Replay::decode(&bytes).unwrap());
    let h = &replay.header;
    assert_eq!(
        (
            h.format,
            h.game.as_str(),
            h.rules_version,
            h.max_players,
            h.tick_hz
        ),
        (1, "deathmatch", 1, 2, 20)
    );
    assert_eq!(f32::from_bits(h.step_bits), 0.05);
    let settings: Value = serde_json::from_str(&h.settings).unwrap();
    assert_eq!(
        settings,
        serde_json::json!({"time_limit_s": 0, "score_limit": 0})
    );
    assert!(replay.complete);
    assert_eq!(replay.ticks(), entry.replay_ticks);
    let joined: Vec<&str> = replay
        .events
        .iter()
        .filter_map(|e| match e {
            ReplayEvent::Join { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(joined, ["ada", "Bot 2"]);
    assert!(replay
        .events
        .iter()
        .any(|e| matches!(e, ReplayEvent::Input(0, p) if p.0 == [8, 0])));
    assert_eq!(
        replay.events.last(),
        Some(&ReplayEvent::End(EndReason::Host)),
        "the end after the last step"
    );
}

/// api.md "Watching a replay", the roster follows the position: a spectator joining a new
/// replay gets an empty `Roster` after the welcome (tick 0: nobody seated; possibly repeated
/// before the first frame), then each change of the seats in a `Roster` right before the frame
/// of the position that plays it (frame k is position k at speed 1), the players as recorded,
/// the bot marked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_spectator_gets_the_players_as_the_position_passes_their_joins() {
    let db = TempDb::new("documented-replay-roster");
    let server = TestServer::with_config(db.config());
    let (match_id, entry) = recorded_match(&server).await;
    let bytes = reqwest::get(format!("{}/api/history/{match_id}/replay", server.url()))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let events = Replay::decode(&bytes).unwrap().events;
    // The position by which every recorded seat change has been played.
    let last_change = (1..=entry.replay_ticks)
        .filter(|&p| seated_at(&events, p) != seated_at(&events, p - 1))
        .max()
        .expect("the seats changed");

    let url = format!("{}/api/history/{match_id}/watch", server.url());
    let resp = reqwest::Client::new().post(url).send().await.unwrap();
    assert_eq!(resp.status(), 201);
    let w: WatchReplayResponse = resp.json().await.unwrap();
    let mut viewer = connect(&server, &w.match_id, "viewer", ApiRole::Spectator).await;
    let ServerMsg::Roster(first) = next(&mut viewer).await else {
        panic!("the roster comes right after the welcome");
    };
    assert!(first.is_empty(), "nobody is seated at tick 0: {first:?}");

    let expected = |p: u64| -> Vec<RosterEntry> {
        seated_at(&events, p)
            .into_iter()
            .map(|(id, (name, connected))| RosterEntry {
                bot: name == "Bot 2",
                id,
                name,
                connected,
            })
            .collect()
    };
    let mut frames = 0u64;
    let mut rosters = Vec::new();
    while frames < last_change + 2 {
        match next(&mut viewer).await {
            ServerMsg::Snapshot(_) => frames += 1,
            ServerMsg::Roster(r) => {
                // Right before the frame of position frames + 1.
                let p = frames + 1;
                assert_eq!(r, expected(p), "the roster at position {p}");
                let changed = expected(p) != expected(p - 1);
                // A replay opened a moment ago may repeat its empty roster before its first
                // frame (api.md); otherwise a roster comes only when the seats change.
                assert!(changed || p == 1, "an unchanged roster at position {p}");
                if changed {
                    rosters.push(p);
                }
            }
            other => panic!("unexpected {}", other.kind()),
        }
    }
    let changes: Vec<u64> = (1..=frames)
        .filter(|&p| expected(p) != expected(p - 1))
        .collect();
    assert_eq!(rosters, changes, "a roster at every change of the seats");
    let everyone = expected(last_change);
    assert_eq!(
        everyone
            .iter()
            .map(|e| (e.name.as_str(), e.bot))
            .collect::<Vec<_>>(),
        [("ada", false), ("Bot 2", true)]
    );
}

// ------------------------------------------------------------------------------------------------
// Resync (protocol.md C.1, what a client does, 3; C.3)
// ------------------------------------------------------------------------------------------------

/// protocol.md C.1 step 3: after a `Resync` sent without a mismatch the client keeps its views;
/// every delta still arriving before the keyframe rebuilds from them, a whole `Snapshot` comes
/// (keyframes are otherwise off here), and every delta after it is against it or later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resync_without_a_mismatch_keeps_the_views() {
    let server = TestServer::with_config(Config {
        keyframe_interval: 1_000_000,
        ..Config::default()
    });
    let m = create(&server, game_req("deathmatch", 2, 20)).await;
    let mut s = connect(&server, &m.id, "sam", ApiRole::Spectator).await;
    // Rebuilds as the reference client does (Session keeps the views it received).
    async fn take(s: &mut Session) -> ServerMsg {
        let msg = tokio::time::timeout(EVENT_TIMEOUT, s.recv_wire())
            .await
            .expect("a message in time")
            .unwrap();
        let kept = msg.clone();
        let rebuilt = s.rebuild(msg).await.expect("rebuilds from the kept views");
        assert!(rebuilt.is_some(), "nothing skipped or resynced");
        kept
    }

    let mut deltas = 0;
    while deltas < 3 {
        if matches!(take(&mut s).await, ServerMsg::Delta(_)) {
            deltas += 1;
        }
    }
    s.send(&ClientMsg::Resync).await.unwrap();
    let keyframe = loop {
        let msg = take(&mut s).await;
        if let ServerMsg::Snapshot(k) = msg {
            break k.tick;
        }
    };
    let mut after = 0;
    while after < 5 {
        match take(&mut s).await {
            ServerMsg::Delta(d) => {
                assert!(
                    d.baseline_tick() >= keyframe,
                    "against the keyframe or later"
                );
                after += 1;
            }
            ServerMsg::Snapshot(k) => panic!("a second keyframe at {}", k.tick),
            _ => {}
        }
    }
}
