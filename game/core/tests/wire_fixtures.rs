//! Wire fixture vectors for the browser SDK, written by the Rust codec: the envelope every game
//! shares (with the close codes) and the snapshot deltas, with edge values (varint marker
//! boundaries, u64::MAX, empty and non-ASCII strings, every enum variant), plus byte strings that
//! must be refused. The payloads inside are opaque bytes: each game's own vectors are written by
//! its own tests (`arena_game::game_tests!`, into its browser folder).
//!
//! - `clients/web/test/fixtures/wire.json`: the envelope, checked by the SDK's tests.
//! - `clients/web/test/fixtures/delta.json`: deltas and a snapshot stream, with what a client
//!   makes of each message.
//!
//! This test fails when a committed file no longer matches what the Rust side produces, so a
//! change to the wire types cannot slip past the browser client. To accept a deliberate change,
//! run `UPDATE_WIRE_FIXTURES=1 cargo test -p arena-game --test wire_fixtures`, then run the JS
//! tests (`npm test` in clients/web) and commit both.

use std::path::PathBuf;

use arena_game::codec;
use arena_game::codec::MAX_MESSAGE_BYTES;
use arena_game::delta::{self, DeltaError};
use arena_game::protocol::{
    error_code, ClientMsg, CloseCode, Delta, EndReason, Payload, Phase, Role, RosterEntry,
    ScoreLine, ServerMsg, Snapshot, Welcome, DELTA_WINDOW, PROTOCOL_V3, PROTOCOL_VERSION,
};
use arena_game::rebuild::{RebuildError, Rebuilt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

/// Largest integer a JavaScript Number (an f64) holds exactly; larger ones are written as strings.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

fn web_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../clients/web")
        .join(rel)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Fields serialized through `fixed_u16` (two raw bytes on the wire, `[lo, hi]` in serde's view).
const FIXED_U16_FIELDS: &[&str] = &["seq"];

/// Envelope fields that carry a game's bytes ([`Payload`]): shown as hex strings.
const PAYLOAD_FIELDS: &[&str] = &["facts", "view", "input"];

/// serde_json's view of a message (externally tagged enums), with `fixed_u16` fields as plain
/// numbers, payloads as hex, and integers a JS Number cannot hold exactly as decimal strings.
fn expected_fields<T: Serialize>(msg: &T) -> Value {
    fn js_safe(v: Value) -> Value {
        match v {
            Value::Number(n) if n.as_u64().is_some_and(|u| u > MAX_SAFE_INTEGER) => {
                Value::String(n.to_string())
            }
            Value::Array(items) => Value::Array(items.into_iter().map(js_safe).collect()),
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| {
                        let v = if FIXED_U16_FIELDS.contains(&k.as_str()) && v.is_array() {
                            let b: Vec<u64> = v
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|b| b.as_u64().unwrap())
                                .collect();
                            json!(b[0] | b[1] << 8)
                        } else if PAYLOAD_FIELDS.contains(&k.as_str()) && v.is_array() {
                            let b: Vec<u8> = v
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|b| b.as_u64().unwrap() as u8)
                                .collect();
                            json!(hex(&b))
                        } else {
                            js_safe(v)
                        };
                        (k, v)
                    })
                    .collect(),
            ),
            other => other,
        }
    }
    js_safe(serde_json::to_value(msg).expect("wire types serialize to JSON"))
}

fn vector<T: Serialize>(name: &str, msg: &T) -> Value {
    let bytes = codec::encode(msg).expect("fixture messages encode");
    json!({ "name": name, "hex": hex(&bytes), "msg": expected_fields(msg) })
}

fn invalid(list: Vec<(&str, Vec<u8>)>) -> Vec<Value> {
    list.into_iter()
        .map(|(name, bytes)| json!({ "name": name, "hex": hex(&bytes) }))
        .collect()
}

/// Checks a fixture file against `fresh` (or writes it with `UPDATE_WIRE_FIXTURES`).
fn check_committed(rel: &str, fresh: &str) {
    let path = web_path(rel);
    if std::env::var_os("UPDATE_WIRE_FIXTURES").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, fresh).expect("write the fixture");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is out of date with the Rust wire types; rerun with UPDATE_WIRE_FIXTURES=1, make \
         clients/web's `npm test` pass against it, and commit both",
        path.display()
    );
}

/// Every vector re-encodes to its bytes, every invalid one is refused.
fn check_vectors<T: Serialize + DeserializeOwned>(vectors: &[Value], invalid: &[(&str, Vec<u8>)]) {
    for v in vectors {
        let bytes = unhex(v["hex"].as_str().unwrap());
        let msg: T = codec::decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", v["name"]));
        assert_eq!(codec::encode(&msg).unwrap(), bytes, "{}", v["name"]);
    }
    for (name, bytes) in invalid {
        assert!(
            codec::decode::<T>(bytes).is_err(),
            "invalid vector {name} decoded"
        );
    }
}

// ------------------------------------------------------------------------------------------------
// The envelope
// ------------------------------------------------------------------------------------------------

/// The delta `arena_game::delta` writes from `base` to `target`.
fn delta_bytes(base: &[u8], target: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    delta::encode(base, target, &mut out);
    out
}

fn envelope_server() -> Vec<Value> {
    // A game's facts are its own bytes: these are the deathmatch's standard ones, 34 bytes.
    let dm_facts = Payload(unhex(
        "0000c84400007a440000a041000082430000d243cdcccc3e196400000040fb2c0114",
    ));
    let snapshot = |tick, server_time_us, phase, ack: Option<u16>, view: Vec<u8>| {
        ServerMsg::Snapshot(Snapshot {
            tick,
            server_time_us,
            phase,
            view: Payload(view),
            ack,
        })
    };
    let delta = |tick, back, since_us, check, view: Vec<u8>, ack| {
        ServerMsg::Delta(Delta {
            tick,
            back,
            since_us,
            phase: Phase::Running,
            check,
            view: Payload(view),
            ack,
        })
    };
    let line = |id, name: &str, team, score, stats: Vec<i32>| ScoreLine {
        id,
        name: name.into(),
        team,
        score,
        stats,
    };
    vec![
        vector(
            "welcome_player",
            &ServerMsg::Welcome(Welcome {
                protocol: PROTOCOL_VERSION,
                match_id: "m3f9a2c01".into(),
                game: "deathmatch".into(),
                role: Role::Player,
                player_id: Some(0),
                match_name: "Friday night".into(),
                max_players: 8,
                tick_hz: 20,
                facts: dm_facts,
            }),
        ),
        vector(
            "welcome_spectator_edges",
            &ServerMsg::Welcome(Welcome {
                protocol: u16::MAX,
                match_id: String::new(),
                game: "zoë's 🎮 game".into(),
                role: Role::Spectator,
                player_id: None,
                match_name: "x".repeat(32),
                max_players: u8::MAX,
                tick_hz: 128,
                facts: Payload(vec![]),
            }),
        ),
        vector(
            "welcome_seat_255_facts_251_bytes",
            &ServerMsg::Welcome(Welcome {
                protocol: 250,
                match_id: "x".into(),
                game: "ctf".into(),
                role: Role::Player,
                player_id: Some(u8::MAX),
                match_name: "a".into(),
                max_players: 1,
                tick_hz: 1,
                facts: Payload((0..=250).collect()),
            }),
        ),
        vector("roster_empty", &ServerMsg::Roster(vec![])),
        vector(
            "roster_three",
            &ServerMsg::Roster(vec![
                RosterEntry {
                    id: 0,
                    name: "alice".into(),
                    connected: true,
                    bot: false,
                },
                RosterEntry {
                    id: 7,
                    name: "Zoë 🎮".into(),
                    connected: false,
                    bot: false,
                },
                RosterEntry {
                    id: 255,
                    name: "x".repeat(32),
                    connected: true,
                    bot: true,
                },
            ]),
        ),
        vector(
            "roster_name_251_bytes",
            &ServerMsg::Roster(vec![RosterEntry {
                id: 1,
                name: "n".repeat(251),
                connected: true,
                bot: false,
            }]),
        ),
        vector(
            "snapshot_waiting_empty",
            &snapshot(0, 0, Phase::Waiting, None, vec![]),
        ),
        vector(
            "snapshot_running",
            &snapshot(
                250,
                1_764_000_000_123_456,
                Phase::Running,
                Some(300),
                vec![0x0b, 0xb8, 0x00],
            ),
        ),
        vector(
            "snapshot_tick_251",
            &snapshot(251, 250, Phase::Running, Some(251), vec![1; 251]),
        ),
        vector(
            "snapshot_tick_65536",
            &snapshot(65_536, 65_535, Phase::Running, Some(256), vec![7]),
        ),
        vector(
            "snapshot_ended_edges",
            &snapshot(
                u32::MAX,
                u64::MAX,
                Phase::Ended,
                Some(u16::MAX),
                vec![0xff; 3],
            ),
        ),
        vector(
            "snapshot_time_u32",
            &snapshot(4_294_967_295, 4_294_967_296, Phase::Waiting, None, vec![]),
        ),
        vector(
            "delta_keeping_up",
            // A real delta (docs/protocol.md C.1 explains its bytes): the baseline's view
            // `01 02 03 04 05 06` becomes `01 02 07 04 05 06`.
            &delta(
                1_201,
                1,
                50_000,
                None,
                delta_bytes(&[1, 2, 3, 4, 5, 6], &[1, 2, 7, 4, 5, 6]),
                Some(301),
            ),
        ),
        vector(
            "delta_checked_spectator",
            &delta(1_220, 3, 150_012, Some(0x811c_9dc5), vec![0], None),
        ),
        vector(
            "delta_edges",
            &delta(
                u32::MAX,
                31,
                u32::MAX,
                Some(u32::MAX),
                vec![0xff; 251],
                Some(0),
            ),
        ),
        vector(
            "error_spectator_input",
            &ServerMsg::Error {
                code: error_code::SPECTATOR_INPUT.into(),
                message: "spectators cannot send input".into(),
            },
        ),
        vector(
            "error_long_message",
            &ServerMsg::Error {
                code: String::new(),
                message: "é".repeat(150),
            },
        ),
        vector(
            "pong_zero",
            &ServerMsg::Pong {
                client_time_us: 0,
                server_time_us: 0,
            },
        ),
        vector(
            "pong_markers",
            &ServerMsg::Pong {
                client_time_us: 251,
                server_time_us: 65_536,
            },
        ),
        vector(
            "pong_edges",
            &ServerMsg::Pong {
                client_time_us: u64::MAX,
                server_time_us: MAX_SAFE_INTEGER + 1,
            },
        ),
        vector(
            "pong_realistic",
            &ServerMsg::Pong {
                client_time_us: 12_345_678,
                server_time_us: 1_764_000_000_123_456,
            },
        ),
        vector(
            "chat_from_player",
            &ServerMsg::Chat {
                from: Some(3),
                name: "alice".into(),
                text: "gg 👍".into(),
            },
        ),
        vector(
            "chat_from_spectator_empty",
            &ServerMsg::Chat {
                from: None,
                name: String::new(),
                text: String::new(),
            },
        ),
        vector(
            "match_ended_time_limit",
            &ServerMsg::MatchEnded {
                reason: EndReason::TimeLimit,
                scoreboard: vec![
                    line(1, "bob", None, 7, vec![7, 2]),
                    line(0, "alice", None, 2, vec![2, 7]),
                ],
            },
        ),
        vector(
            "match_ended_score_limit_teams",
            &ServerMsg::MatchEnded {
                reason: EndReason::ScoreLimit,
                scoreboard: vec![
                    line(63, "Zoë", Some(1), 300, vec![3, 0, 65_535, -1]),
                    line(2, "x", Some(0), -251, vec![i32::MIN, i32::MAX]),
                ],
            },
        ),
        vector(
            "match_ended_host_empty",
            &ServerMsg::MatchEnded {
                reason: EndReason::Host,
                scoreboard: vec![],
            },
        ),
        vector(
            "match_ended_shutdown",
            &ServerMsg::MatchEnded {
                reason: EndReason::Shutdown,
                scoreboard: vec![line(0, "a", None, 0, vec![])],
            },
        ),
    ]
}

fn envelope_client() -> Vec<Value> {
    let input = |seq, bytes: Vec<u8>| ClientMsg::Input {
        seq,
        input: Payload(bytes),
    };
    let ping = |client_time_us| ClientMsg::Ping { client_time_us };
    vec![
        vector("input_zero_empty", &input(0, vec![])),
        vector("input_deathmatch_up_attack", &input(300, vec![17, 200])),
        vector("input_edges", &input(u16::MAX, vec![0xff; 251])),
        vector("ping_0", &ping(0)),
        vector("ping_250", &ping(250)),
        vector("ping_251", &ping(251)),
        vector("ping_65535", &ping(65_535)),
        vector("ping_65536", &ping(65_536)),
        vector("ping_u32_max", &ping(u32::MAX as u64)),
        vector("ping_2_pow_32", &ping(1 << 32)),
        vector("ping_realistic", &ping(1_764_000_000_123_456)),
        vector("ping_max_safe_plus_1", &ping(MAX_SAFE_INTEGER + 1)),
        vector("ping_u64_max", &ping(u64::MAX)),
        vector("chat_empty", &ClientMsg::Chat(String::new())),
        vector("chat_gg", &ClientMsg::Chat("gg".into())),
        vector("chat_unicode", &ClientMsg::Chat("zoë 🎮 ☕".into())),
        vector("chat_max_200_bytes", &ClientMsg::Chat("a".repeat(200))),
        vector("resync", &ClientMsg::Resync),
    ]
}

fn envelope_invalid_server() -> Vec<(&'static str, Vec<u8>)> {
    let valid_snapshot = codec::encode(&ServerMsg::Snapshot(Snapshot {
        tick: 3,
        server_time_us: 4,
        phase: Phase::Running,
        view: Payload(vec![1, 2, 3]),
        ack: Some(9),
    }))
    .unwrap();
    let mut length_bomb = vec![1u8, 253];
    length_bomb.extend_from_slice(&(1u64 << 40).to_le_bytes());
    length_bomb.extend_from_slice(&[0, 0]);
    let mut trailing = codec::encode(&ServerMsg::Pong {
        client_time_us: 1,
        server_time_us: 2,
    })
    .unwrap();
    trailing.push(0);
    vec![
        ("empty", vec![]),
        ("unknown_tag_8", vec![8]),
        ("snapshot_ack_option_tag_2", vec![2, 0, 0, 0, 0, 2]),
        ("snapshot_ack_truncated", vec![2, 0, 0, 0, 0, 1, 9]),
        ("delta_check_option_tag_2", vec![7, 1, 1, 0, 0, 2]),
        ("delta_truncated_ack", vec![7, 1, 1, 0, 0, 0, 0]),
        ("reserved_varint_marker_254", vec![254, 0]),
        (
            "truncated_snapshot",
            valid_snapshot[..valid_snapshot.len() - 1].to_vec(),
        ),
        (
            "snapshot_view_longer_than_message",
            vec![2, 0, 0, 0, 5, 1, 2],
        ),
        ("trailing_byte_after_pong", trailing),
        ("roster_length_bomb", length_bomb),
        ("roster_connected_bool_2", vec![1, 1, 0, 1, b'a', 2]),
        ("roster_bot_bool_2", vec![1, 1, 0, 1, b'a', 1, 2]),
        ("chat_option_tag_2", vec![5, 2, 0, 0]),
        ("error_code_bad_utf8", vec![3, 2, 0xff, 0xfe, 0]),
        ("welcome_protocol_u32_marker", vec![0, 252, 1, 0, 0, 0]),
        ("welcome_role_tag_2", vec![0, 2, 0, 0, 2, 0]),
        ("snapshot_phase_tag_3", vec![2, 0, 0, 3, 0, 0]),
        ("match_ended_reason_tag_5", vec![6, 5, 0]),
    ]
}

fn envelope_invalid_client() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("empty", vec![]),
        ("unknown_tag_4", vec![4]),
        ("resync_trailing_byte", vec![3, 0]),
        ("truncated_input_seq", vec![0, 1]),
        ("input_payload_truncated", vec![0, 1, 0, 3, 1, 2]),
        ("chat_bad_utf8", vec![2, 2, 0xff, 0xfe]),
        ("ping_trailing_byte", vec![1, 5, 0]),
    ]
}

fn envelope_json() -> String {
    let close_codes: serde_json::Map<String, Value> = CloseCode::ALL
        .into_iter()
        .map(|c| (c.name().to_owned(), json!(c.code())))
        .collect();
    let doc = json!({
        "about": "Generated by game/core/tests/wire_fixtures.rs from arena_game::codec; do not \
                  edit. 'msg' is serde_json's view of the Rust value (externally tagged enums); \
                  payloads are hex; integers above 2^53-1 are decimal strings.",
        "subprotocol": PROTOCOL_V3,
        "protocol_version": PROTOCOL_VERSION,
        "close_codes": close_codes,
        "reconnect_after": CloseCode::ALL
            .into_iter()
            .filter(|c| c.should_reconnect())
            .map(|c| c.code())
            .collect::<Vec<_>>(),
        "error_codes": [error_code::SPECTATOR_INPUT, error_code::BAD_CHAT],
        "server": envelope_server(),
        "client": envelope_client(),
        "invalid_server": invalid(envelope_invalid_server()),
        "invalid_client": invalid(envelope_invalid_client()),
    });
    serde_json::to_string_pretty(&doc).expect("fixture serializes") + "\n"
}

// ------------------------------------------------------------------------------------------------
// The snapshot delta (docs/protocol.md part C)
// ------------------------------------------------------------------------------------------------

/// Views of a made-up game, tick after tick: a time that counts down, then eight players whose
/// positions (two fixed-width u16s each) drift a little each tick, whose health sometimes drops
/// and whose score sometimes rises. Changes like a real game's, from a fixed seed.
fn sample_views(seed: u64, ticks: usize) -> Vec<Vec<u8>> {
    let mut rng = seed | 1;
    let mut next = move || {
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let mut players: Vec<[u16; 4]> = (0..8u16)
        .map(|i| [1000 + i * 3000, 8000 - i * 500, 100, 0])
        .collect();
    (0..ticks)
        .map(|tick| {
            let mut view = Vec::new();
            let time_left = 3000u32.saturating_sub(tick as u32 / 2);
            codec::encode_into(&time_left, &mut view).unwrap();
            view.push(players.len() as u8);
            for (id, p) in players.iter_mut().enumerate() {
                p[0] = p[0].wrapping_add((next() % 9) as u16).wrapping_sub(4);
                p[1] = p[1].wrapping_add((next() % 9) as u16).wrapping_sub(4);
                if next() % 7 == 0 {
                    p[2] = p[2].saturating_sub(25);
                }
                if p[2] == 0 {
                    p[2] = 100;
                    p[3] += 1;
                }
                view.push(id as u8);
                view.extend_from_slice(&p[0].to_le_bytes());
                view.extend_from_slice(&p[1].to_le_bytes());
                view.push(p[2] as u8);
                codec::encode_into(&p[3], &mut view).unwrap();
            }
            view
        })
        .collect()
}

/// (name, baseline, target): the documented vectors, then consecutive views of a game (what a
/// client will undo every tick).
fn delta_pairs() -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let mut pairs: Vec<(String, Vec<u8>, Vec<u8>)> = [
        ("identical", &[1u8, 2, 3, 4][..], &[1u8, 2, 3, 4][..]),
        ("empty target", &[1, 2], &[]),
        ("one byte changed", &[1, 2, 3, 4, 5, 6], &[1, 2, 7, 4, 5, 6]),
        (
            "short gap inside a literal",
            &[0, 0, 0, 0, 0],
            &[9, 0, 0, 9, 0],
        ),
        ("target longer than the baseline", &[5], &[5, 1, 2]),
        ("target shorter than the baseline", &[5, 6, 7], &[5]),
        ("empty baseline", &[], &[7, 0, 0, 0, 8]),
    ]
    .into_iter()
    .map(|(n, b, t)| (n.to_owned(), b.to_vec(), t.to_vec()))
    .collect();
    let views = sample_views(3, 41);
    for tick in (9..40).step_by(10) {
        pairs.push((
            format!("a game's view, tick {tick}"),
            views[tick - 1].clone(),
            views[tick].clone(),
        ));
    }
    pairs
}

/// (name, baseline, delta, error): malformed deltas and why each is refused.
fn delta_invalid() -> Vec<(&'static str, Vec<u8>, Vec<u8>, DeltaError)> {
    let base = vec![1u8, 2, 3];
    vec![
        ("empty", base.clone(), vec![], DeltaError::Truncated),
        ("no runs", base.clone(), vec![3], DeltaError::Truncated),
        (
            "run past the end",
            base.clone(),
            vec![3, 0, 4, 1, 2, 3, 4],
            DeltaError::Overrun,
        ),
        (
            "mask byte missing",
            base.clone(),
            vec![3, 0, 1],
            DeltaError::Truncated,
        ),
        (
            "changed byte missing",
            base.clone(),
            vec![3, 0, 1, 0b1],
            DeltaError::Truncated,
        ),
        (
            "bit past the end",
            base.clone(),
            vec![3, 0, 1, 0b1000, 1],
            DeltaError::Overrun,
        ),
        (
            "trailing after the changed bytes",
            base.clone(),
            vec![3, 0, 1, 0b1, 7, 7],
            DeltaError::Trailing(1),
        ),
        (
            "trailing bytes",
            base.clone(),
            vec![3, 1, 0, 7],
            DeltaError::Trailing(1),
        ),
        (
            "empty run",
            base.clone(),
            vec![3, 0, 0],
            DeltaError::Overrun,
        ),
        (
            "six-byte varint",
            base.clone(),
            vec![0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
            DeltaError::BadVarint,
        ),
        (
            "varint above u32",
            base.clone(),
            vec![0xFF, 0xFF, 0xFF, 0xFF, 0x1F],
            DeltaError::BadVarint,
        ),
        (
            "target above the limit",
            base,
            vec![0x81, 0x80, 0x04],
            DeltaError::TooLarge {
                len: 65_537,
                limit: 65_536,
            },
        ),
    ]
}

/// A stream of snapshots as a client receives them, of a game's views ([`sample_views`]): a
/// keyframe, deltas against the previous tick and older ones, a checksum that holds and one
/// that does not (the client asks for a keyframe, drops every baseline and skips until it
/// comes), then a delta against a baseline the client never had, a malformed one and two whose
/// `back` is out of range (each closes with 1007).
fn delta_stream() -> Vec<(ServerMsg, Value)> {
    let views = sample_views(11, 12);
    let time = |tick: u32| 1_764_000_000_000_000 + u64::from(tick) * 50_000 + u64::from(tick % 3);
    let key = |tick: u32| {
        ServerMsg::Snapshot(Snapshot {
            tick,
            server_time_us: time(tick),
            phase: Phase::Running,
            view: Payload(views[tick as usize].clone()),
            ack: Some(tick as u16),
        })
    };
    let delta_msg = |tick: u32, back: u32, check: Option<u32>| {
        let mut d = Vec::new();
        delta::encode(
            &views[(tick - back) as usize],
            &views[tick as usize],
            &mut d,
        );
        ServerMsg::Delta(Delta {
            tick,
            back,
            since_us: (time(tick) - time(tick - back)) as u32,
            phase: Phase::Running,
            check,
            view: Payload(d),
            ack: None,
        })
    };
    let sum = |tick: u32| Some(arena_game::protocol::view_checksum(&views[tick as usize]));
    let mut msgs = vec![
        key(0),
        delta_msg(1, 1, None),
        delta_msg(2, 1, sum(2)),
        delta_msg(4, 3, None),
        delta_msg(5, 1, sum(5).map(|c| c ^ 0x100)),
        delta_msg(6, 1, None),
        // Against tick 4, held before the resync: dropped with the rest, so skipped too.
        delta_msg(6, 2, None),
        key(7),
        delta_msg(8, 1, sum(8)),
        delta_msg(10, 1, None),
    ];
    let mut malformed = delta_msg(11, 3, None);
    if let ServerMsg::Delta(d) = &mut malformed {
        d.view.0.push(0);
    }
    msgs.push(malformed);
    msgs.push(delta_msg(11, 0, None));
    let mut too_far = delta_msg(11, 3, None);
    if let ServerMsg::Delta(d) = &mut too_far {
        d.back = DELTA_WINDOW;
    }
    msgs.push(too_far);
    let mut rebuilder = arena_game::rebuild::Rebuilder::new();
    msgs.into_iter()
        .map(|msg| {
            let expect = match rebuilder.accept(msg.clone()) {
                Ok(Rebuilt::Snapshot(ServerMsg::Snapshot(s))) => json!({
                    "snapshot": {
                        "tick": s.tick,
                        "server_time_us": s.server_time_us.to_string(),
                        "view": hex(&s.view.0),
                        "ack": s.ack,
                    }
                }),
                Ok(Rebuilt::NeedsResync) => json!("resync"),
                Ok(Rebuilt::Skipped) => json!("skipped"),
                Ok(other) => panic!("unexpected {other:?}"),
                Err(e) => json!({ "error": match e {
                    RebuildError::MissingBaseline { .. } => "missing_baseline",
                    RebuildError::BadBack { .. } => "bad_back",
                    RebuildError::Malformed { .. } => "malformed",
                } }),
            };
            (msg, expect)
        })
        .collect()
}

fn delta_json() -> String {
    let vectors: Vec<Value> = delta_pairs()
        .into_iter()
        .map(|(name, base, target)| {
            let mut d = Vec::new();
            delta::encode(&base, &target, &mut d);
            json!({ "name": name, "base": hex(&base), "target": hex(&target), "delta": hex(&d) })
        })
        .collect();
    let invalid: Vec<Value> = delta_invalid()
        .into_iter()
        .map(|(name, base, d, err)| json!({ "name": name, "base": hex(&base), "delta": hex(&d), "error": err.to_string() }))
        .collect();
    let doc = json!({
        "about": "Generated by game/core/tests/wire_fixtures.rs from arena_game::delta; do not \
                  edit. Hex bytes; 'limit' is the largest target a client accepts.",
        "limit": MAX_MESSAGE_BYTES,
        "window": DELTA_WINDOW,
        "vectors": vectors,
        "invalid": invalid,
        "stream_about": "Server messages in order, as one client receives them, and what the \
                         client makes of each (arena_game::rebuild::Rebuilder): a whole snapshot, \
                         'resync' (send Resync), 'skipped', or an error that closes with 1007. \
                         server_time_us is a decimal string.",
        "stream": delta_stream()
            .into_iter()
            .map(|(msg, expect)| json!({ "msg": hex(&codec::encode(&msg).unwrap()), "expect": expect }))
            .collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&doc).expect("fixture serializes") + "\n"
}

/// The stream covers each outcome a client must handle.
#[test]
fn the_delta_stream_covers_every_outcome() {
    let outcomes: Vec<String> = delta_stream()
        .into_iter()
        .map(|(_, e)| match e {
            Value::String(s) => s,
            Value::Object(o) => match o.get("error") {
                Some(kind) => kind.as_str().unwrap().to_owned(),
                None => "snapshot".into(),
            },
            other => panic!("{other}"),
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            "snapshot",
            "snapshot",
            "snapshot",
            "snapshot",
            "resync",
            "skipped",
            "skipped",
            "snapshot",
            "snapshot",
            "missing_baseline",
            "malformed",
            "bad_back",
            "bad_back"
        ]
    );
}

#[test]
fn delta_vectors_hold() {
    for (name, base, target) in delta_pairs() {
        let mut d = Vec::new();
        delta::encode(&base, &target, &mut d);
        let mut back = Vec::new();
        delta::apply(&base, &d, MAX_MESSAGE_BYTES, &mut back).unwrap();
        assert_eq!(back, target, "{name}");
    }
    for (name, base, d, err) in delta_invalid() {
        let mut out = Vec::new();
        assert_eq!(
            delta::apply(&base, &d, MAX_MESSAGE_BYTES, &mut out),
            Err(err),
            "{name}"
        );
    }
}

// ------------------------------------------------------------------------------------------------

/// Every valid vector decodes back to the same bytes, and every invalid one is refused by the
/// Rust codec too, so the JS tests hold the browser to exactly the server's rules.
#[test]
fn vectors_round_trip_and_invalid_ones_are_refused() {
    check_vectors::<ServerMsg>(&envelope_server(), &envelope_invalid_server());
    check_vectors::<ClientMsg>(&envelope_client(), &envelope_invalid_client());
}

/// The committed fixture files are exactly what the Rust codec produces today: a wire change
/// that was not carried to the browser client (and its JS tests) fails here.
#[test]
fn committed_fixtures_match_the_codec() {
    check_committed("test/fixtures/wire.json", &envelope_json());
    check_committed("test/fixtures/delta.json", &delta_json());
}
