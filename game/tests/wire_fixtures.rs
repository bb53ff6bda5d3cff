//! Wire fixture vectors for the browser client: every message type, encoded through
//! `arena_game::codec`, with edge values (varint marker boundaries, u64::MAX, empty and non-ASCII
//! strings, every enum variant), plus byte strings that must be refused.
//!
//! The vectors live in `clients/web/test/fixtures/wire.json`; `clients/web/test/protocol.test.mjs`
//! decodes every server vector and encodes every client vector with the hand-written JS codec.
//! This test fails when the committed file no longer matches what the Rust side produces, so a
//! change to the wire types cannot slip past the browser client. To accept a deliberate change,
//! run `UPDATE_WIRE_FIXTURES=1 cargo test -p arena-game --test wire_fixtures`, then run the JS
//! tests (`npm test` in clients/web) and commit both.

use std::path::PathBuf;

use arena_game::protocol::{
    buttons, flags, ArenaInfo, ClientMsg, EndReason, MatchSettings, Phase, PlayerInput,
    PlayerState, Role, RosterEntry, ScoreEntry, ServerMsg, Snapshot, Welcome,
};
use arena_game::{codec, ArenaConfig, ArenaGame, GameRules};
use serde::Serialize;
use serde_json::{json, Value};

/// Largest integer a JavaScript Number (an f64) holds exactly; larger ones are written as strings.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../clients/web/test/fixtures/wire.json")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Fields serialized through `fixed_u16` (two raw bytes on the wire, `[lo, hi]` in serde's view).
const FIXED_U16_FIELDS: &[&str] = &["seq", "x", "y", "last_input_seq"];

/// serde_json's view of a message (externally tagged enums), with `fixed_u16` fields as plain
/// numbers and integers a JS Number cannot hold exactly turned into decimal strings.
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
                        let v = if FIXED_U16_FIELDS.contains(&k.as_str()) {
                            fixed_u16_value(&v)
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
    fn fixed_u16_value(v: &Value) -> Value {
        let bytes: Vec<u64> = v
            .as_array()
            .expect("fixed_u16 fields serialize as [lo, hi]")
            .iter()
            .map(|b| b.as_u64().expect("bytes are integers"))
            .collect();
        json!(bytes[0] | bytes[1] << 8)
    }
    js_safe(serde_json::to_value(msg).expect("wire types serialize to JSON"))
}

fn vector<T: Serialize>(name: &str, msg: &T) -> Value {
    let bytes = codec::encode(msg).expect("fixture messages encode");
    json!({ "name": name, "hex": hex(&bytes), "msg": expected_fields(msg) })
}

fn default_arena() -> ArenaInfo {
    let settings = MatchSettings {
        name: "fixture".into(),
        max_players: 8,
        tick_hz: 20,
        time_limit_s: 300,
        score_limit: 20,
    };
    ArenaGame::new(ArenaConfig::default(), settings, 0).arena()
}

#[allow(clippy::too_many_arguments)] // one argument per wire field, in wire order
fn player(
    id: u8,
    x: u16,
    y: u16,
    health: u8,
    flag_bits: u8,
    kills: u16,
    deaths: u16,
    seq: u16,
) -> PlayerState {
    PlayerState {
        id,
        x,
        y,
        aim: id.wrapping_mul(37),
        health,
        flags: flag_bits,
        kills,
        deaths,
        last_input_seq: seq,
    }
}

fn snapshot(
    tick: u32,
    server_time_us: u64,
    phase: Phase,
    time_left_ds: u32,
    players: Vec<PlayerState>,
) -> ServerMsg {
    ServerMsg::Snapshot(Snapshot {
        tick,
        server_time_us,
        phase,
        time_left_ds,
        players,
    })
}

fn server_vectors() -> Vec<Value> {
    let alive = flags::ALIVE | flags::CONNECTED;
    vec![
        vector(
            "welcome_player",
            &ServerMsg::Welcome(Welcome {
                protocol: 1,
                match_id: "m3f9a2c01".into(),
                role: Role::Player,
                player_id: Some(0),
                settings: MatchSettings {
                    name: "Friday night".into(),
                    max_players: 8,
                    tick_hz: 20,
                    time_limit_s: 300,
                    score_limit: 20,
                },
                arena: default_arena(),
            }),
        ),
        vector(
            "welcome_spectator_edges",
            &ServerMsg::Welcome(Welcome {
                protocol: u16::MAX,
                match_id: String::new(),
                role: Role::Spectator,
                player_id: None,
                settings: MatchSettings {
                    name: "zoë's 🎮 arena".into(),
                    max_players: u8::MAX,
                    tick_hz: 128,
                    time_limit_s: u16::MAX,
                    score_limit: 251,
                },
                arena: ArenaInfo {
                    width: f32::MAX,
                    height: f32::MIN_POSITIVE,
                    player_radius: -0.0,
                    max_speed: 1e-7,
                    attack_range: 0.1,
                    attack_cooldown_s: 0.4,
                    attack_damage: u8::MAX,
                    max_health: 0,
                    respawn_delay_s: -2.5,
                },
            }),
        ),
        vector(
            "welcome_seat_255",
            &ServerMsg::Welcome(Welcome {
                protocol: 250,
                match_id: "x".into(),
                role: Role::Player,
                player_id: Some(u8::MAX),
                settings: MatchSettings {
                    name: "a".into(),
                    max_players: 1,
                    tick_hz: 1,
                    time_limit_s: 0,
                    score_limit: 0,
                },
                arena: default_arena(),
            }),
        ),
        vector("roster_empty", &ServerMsg::Roster(vec![])),
        vector(
            "roster_three",
            &ServerMsg::Roster(vec![
                RosterEntry {
                    id: 0,
                    name: "alice".into(),
                },
                RosterEntry {
                    id: 7,
                    name: "Zoë 🎮".into(),
                },
                RosterEntry {
                    id: 255,
                    name: "x".repeat(32),
                },
            ]),
        ),
        vector(
            "roster_name_251_bytes",
            &ServerMsg::Roster(vec![RosterEntry {
                id: 1,
                name: "n".repeat(251),
            }]),
        ),
        vector(
            "snapshot_waiting_empty",
            &snapshot(0, 0, Phase::Waiting, 0, vec![]),
        ),
        vector(
            "snapshot_running",
            &snapshot(
                250,
                1_764_000_000_123_456,
                Phase::Running,
                2950,
                vec![
                    player(0, 800 * 16, 500 * 16, 100, alive, 3, 1, 300),
                    player(1, 16 * 20, 16 * 980, 75, alive | flags::ATTACKED, 0, 2, 7),
                    player(3, 0, 0, 0, flags::CONNECTED | flags::HIT, 250, 251, 0),
                ],
            ),
        ),
        vector(
            "snapshot_tick_251",
            &snapshot(
                251,
                250,
                Phase::Running,
                251,
                vec![player(2, 251, 250, 1, flags::ALIVE, 1, 0, 251)],
            ),
        ),
        vector(
            "snapshot_tick_65536",
            &snapshot(
                65_536,
                65_535,
                Phase::Running,
                65_535,
                vec![player(9, 12345, 54321, 50, alive, 251, 65_535, 256)],
            ),
        ),
        vector(
            "snapshot_ended_edges",
            &snapshot(
                u32::MAX,
                u64::MAX,
                Phase::Ended,
                65_536,
                vec![
                    player(0, u16::MAX, 0, u8::MAX, 0x0f, u16::MAX, 0, u16::MAX),
                    player(u8::MAX, 0, u16::MAX, 0, 0, 0, u16::MAX, 0),
                ],
            ),
        ),
        vector(
            "snapshot_time_u32",
            &snapshot(
                4_294_967_295,
                4_294_967_296,
                Phase::Waiting,
                4_294_967_295,
                vec![],
            ),
        ),
        vector(
            "error_spectator_input",
            &ServerMsg::Error {
                code: "spectator_input".into(),
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
                    ScoreEntry {
                        id: 1,
                        name: "bob".into(),
                        kills: 7,
                        deaths: 2,
                    },
                    ScoreEntry {
                        id: 0,
                        name: "alice".into(),
                        kills: 2,
                        deaths: 7,
                    },
                ],
            },
        ),
        vector(
            "match_ended_score_limit",
            &ServerMsg::MatchEnded {
                reason: EndReason::ScoreLimit,
                scoreboard: vec![ScoreEntry {
                    id: 63,
                    name: "Zoë".into(),
                    kills: 300,
                    deaths: 65_535,
                }],
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
                scoreboard: vec![ScoreEntry {
                    id: 0,
                    name: "a".into(),
                    kills: 0,
                    deaths: 0,
                }],
            },
        ),
    ]
}

fn client_vectors() -> Vec<Value> {
    let input = |seq, buttons, aim| ClientMsg::Input(PlayerInput { seq, buttons, aim });
    let ping = |client_time_us| ClientMsg::Ping { client_time_us };
    vec![
        vector("input_zero", &input(0, 0, 0)),
        vector(
            "input_up_attack",
            &input(300, buttons::UP | buttons::ATTACK, 200),
        ),
        vector("input_edges", &input(u16::MAX, buttons::ALL, u8::MAX)),
        vector(
            "input_diagonal",
            &input(251, buttons::DOWN | buttons::LEFT, 64),
        ),
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
    ]
}

/// Byte strings every decoder must refuse, with the reason.
fn invalid_server_vectors() -> Vec<(&'static str, Vec<u8>)> {
    let valid_snapshot = codec::encode(&snapshot(
        3,
        4,
        Phase::Running,
        5,
        vec![player(0, 1, 2, 3, 1, 0, 0, 9)],
    ))
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
        ("unknown_tag_7", vec![7]),
        ("reserved_varint_marker_254", vec![254, 0]),
        (
            "truncated_snapshot",
            valid_snapshot[..valid_snapshot.len() - 1].to_vec(),
        ),
        ("trailing_byte_after_pong", trailing),
        ("roster_length_bomb", length_bomb),
        ("chat_option_tag_2", vec![5, 2, 0, 0]),
        ("error_code_bad_utf8", vec![3, 2, 0xff, 0xfe, 0]),
        ("welcome_protocol_u32_marker", vec![0, 252, 1, 0, 0, 0]),
        ("welcome_role_tag_2", vec![0, 1, 0, 2, 0]),
        ("snapshot_phase_tag_3", vec![2, 0, 0, 3, 0, 0]),
        ("match_ended_reason_tag_4", vec![6, 4, 0]),
    ]
}

fn invalid_client_vectors() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("empty", vec![]),
        ("unknown_tag_3", vec![3]),
        ("truncated_input", vec![0, 1]),
        ("chat_bad_utf8", vec![2, 2, 0xff, 0xfe]),
        ("ping_trailing_byte", vec![1, 5, 0]),
    ]
}

fn fixture_json() -> String {
    let invalid = |list: Vec<(&str, Vec<u8>)>| -> Vec<Value> {
        list.into_iter()
            .map(|(name, bytes)| json!({ "name": name, "hex": hex(&bytes) }))
            .collect()
    };
    let doc = json!({
        "about": "Generated by game/tests/wire_fixtures.rs from arena_game::codec; do not edit. \
                  'msg' is serde_json's view of the Rust value (externally tagged enums); integers \
                  above 2^53-1 are decimal strings.",
        "server": server_vectors(),
        "client": client_vectors(),
        "invalid_server": invalid(invalid_server_vectors()),
        "invalid_client": invalid(invalid_client_vectors()),
    });
    serde_json::to_string_pretty(&doc).expect("fixture serializes") + "\n"
}

/// Every valid vector decodes back to the same message, and every invalid one is refused by the
/// Rust codec too, so the JS tests hold the browser to exactly the server's rules.
#[test]
fn vectors_round_trip_and_invalid_ones_are_refused() {
    for (name, bytes) in invalid_server_vectors() {
        assert!(
            codec::decode::<ServerMsg>(&bytes).is_err(),
            "server vector {name} decoded"
        );
    }
    for (name, bytes) in invalid_client_vectors() {
        assert!(
            codec::decode::<ClientMsg>(&bytes).is_err(),
            "client vector {name} decoded"
        );
    }
    let doc: Value = serde_json::from_str(&fixture_json()).unwrap();
    for v in doc["server"].as_array().unwrap() {
        let bytes = unhex(v["hex"].as_str().unwrap());
        let msg: ServerMsg = codec::decode(&bytes).unwrap();
        assert_eq!(codec::encode(&msg).unwrap(), bytes, "{}", v["name"]);
    }
    for v in doc["client"].as_array().unwrap() {
        let bytes = unhex(v["hex"].as_str().unwrap());
        let msg: ClientMsg = codec::decode(&bytes).unwrap();
        assert_eq!(codec::encode(&msg).unwrap(), bytes, "{}", v["name"]);
    }
}

/// The committed fixture file is exactly what the Rust codec produces today: a wire change that
/// was not carried to the browser client (and its JS tests) fails here.
#[test]
fn committed_fixture_matches_the_codec() {
    let path = fixture_path();
    let fresh = fixture_json();
    if std::env::var_os("UPDATE_WIRE_FIXTURES").is_some() {
        std::fs::write(&path, &fresh).expect("write wire.json");
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

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}
