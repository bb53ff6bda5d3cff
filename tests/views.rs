//! The open seam from a game developer's side, over real sockets: the server hosts a game it has
//! never heard of (defined right here, registered by name), decodes its inputs only in the match,
//! shows its scoreboard and settings generically, and encodes one snapshot per distinct view per
//! tick, never one per session: 200 sessions in 2 views cost 2 encodes per tick.

mod common;

use arena::Config;
use arena_bots::{session, Session};
use arena_game::api::{ApiRole, CreateMatchRequest};
use arena_game::protocol::wire::bounded_vec;
use arena_game::{
    BotPolicy, EndReason, Game, GameInfo, GameRegistry, Phase, PlayerId, ScoreLine, ServerMsg,
    SettingSpec, ViewKey, Viewer,
};
use common::*;
use serde::{Deserialize, Serialize};

/// A tiny game: every player holds a colour; each player sees the colours of the players of its
/// own parity, and spectators see the even seats' view.
#[derive(Clone)]
struct Beacons {
    colours: Vec<(PlayerId, u8)>,
    phase: Phase,
    brightness: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BeaconSettings {
    brightness: u8,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct BeaconView {
    parity: u8,
    #[serde(deserialize_with = "bounded_vec::deserialize")]
    colours: Vec<(PlayerId, u8)>,
}

struct IdleBot;

impl BotPolicy<Beacons> for IdleBot {
    fn new(_: &u8, _: PlayerId, _: u64) -> Self {
        IdleBot
    }
    fn input(&mut self, tick: u32, _: &BeaconView) -> Option<u8> {
        Some(tick as u8)
    }
}

impl Game for Beacons {
    type Input = u8;
    type View = BeaconView;
    type Facts = u8;
    type Settings = BeaconSettings;
    type Bot = IdleBot;

    fn info() -> GameInfo {
        GameInfo {
            name: "beacons".into(),
            title: "Beacons".into(),
            about: "a test game the server was never told about".into(),
            min_players: 1,
            max_players: 4,
            default_players: 2,
            teams: 0,
            settings: vec![SettingSpec::new("brightness", "how bright", 1, 9, 5)],
            score_columns: vec!["colour".into()],
        }
    }
    fn new(settings: BeaconSettings, _: u8, _: u64) -> Self {
        Beacons {
            colours: Vec::new(),
            phase: Phase::Waiting,
            brightness: settings.brightness,
        }
    }
    fn facts(&self) -> u8 {
        self.brightness
    }
    fn add_player(&mut self, id: PlayerId, _: &str) {
        self.colours.push((id, 0));
    }
    fn remove_player(&mut self, id: PlayerId) {
        self.colours.retain(|(p, _)| *p != id);
    }
    fn start(&mut self) {
        self.phase = Phase::Running;
    }
    fn end(&mut self, _: EndReason) {
        self.phase = Phase::Ended;
    }
    fn step(&mut self, inputs: &[(PlayerId, u8)], _: f32) {
        for (id, colour) in inputs {
            if let Some(c) = self.colours.iter_mut().find(|(p, _)| p == id) {
                c.1 = *colour;
            }
        }
    }
    fn phase(&self) -> Phase {
        self.phase
    }
    fn end_reason(&self) -> Option<EndReason> {
        None
    }
    fn view_key(&self, viewer: Viewer) -> ViewKey {
        match viewer {
            Viewer::Player(id) => ViewKey(u32::from(id % 2)),
            Viewer::Spectator => ViewKey(0),
        }
    }
    fn view_into(&self, key: ViewKey, out: &mut BeaconView) {
        out.parity = key.0 as u8;
        out.colours.clear();
        out.colours.extend(
            self.colours
                .iter()
                .filter(|(id, _)| u32::from(id % 2) == key.0),
        );
    }
    fn scoreboard(&self) -> Vec<ScoreLine> {
        self.colours
            .iter()
            .map(|&(id, colour)| ScoreLine {
                id,
                name: format!("p{id}"),
                team: None,
                score: colour.into(),
                stats: vec![colour.into()],
            })
            .collect()
    }
}

/// Reads until the session sees exactly this beacons view.
async fn seen(s: &mut Session, parity: u8, colours: Vec<(u8, u8)>) -> arena_game::Snapshot {
    let want = BeaconView { parity, colours };
    snapshot_where(s, |snap| session::view::<Beacons>(snap).unwrap() == want).await
}

fn beacons_server() -> TestServer {
    TestServer::with_games(
        Config::default(),
        GameRegistry::new()
            .with::<Beacons>()
            .with::<arena_deathmatch::Deathmatch>(),
    )
}

fn beacons_match() -> CreateMatchRequest {
    CreateMatchRequest {
        name: "lights".into(),
        game: Some("beacons".into()),
        max_players: Some(2),
        settings: serde_json::json!({"brightness": 7}).as_object().cloned(),
        ..Default::default()
    }
}

/// Encodes so far, from one read of `arena_snapshot_encodes_per_tick`: (whole snapshots,
/// deltas, ticks counted).
async fn encodes(server: &TestServer) -> (f64, f64, f64) {
    let text = server.metrics_text().await;
    let get = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or(0.0)
    };
    (
        get("arena_snapshot_encodes_per_tick_sum{kind=\"full\"}"),
        get("arena_snapshot_encodes_per_tick_sum{kind=\"delta\"}"),
        get("arena_snapshot_encodes_per_tick_count{kind=\"delta\"}"),
    )
}

/// Checks the encodes between two reads: `per_tick` messages per tick (one tick's worth of
/// slack either way, as the reads are not atomic with the tick), nearly all of them deltas (a
/// scheduled keyframe tick may fall inside).
fn assert_encodes(before: (f64, f64, f64), after: (f64, f64, f64), per_tick: f64, min_ticks: f64) {
    let (full, deltas, ticks) = (after.0 - before.0, after.1 - before.1, after.2 - before.2);
    assert!(ticks >= min_ticks, "{ticks} ticks counted");
    assert!(
        (full + deltas - per_tick * ticks).abs() <= per_tick,
        "{full} whole + {deltas} deltas in {ticks} ticks, for {per_tick} views"
    );
    assert!(
        full <= 2.0 * per_tick,
        "{full} whole snapshots in {ticks} ticks: everyone keeps up, so deltas"
    );
}

/// A game registered only here plays end to end: listed by `GET /api/games` with its settings,
/// created by name with its settings checked, welcomed with its facts, driven by its inputs
/// (decoded only in the match), each player seeing its own view, scored generically.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_game_the_server_never_heard_of_plays() {
    let server = beacons_server();
    let games = server.lobby().games().await.unwrap();
    assert_eq!(
        games[0].info.name, "beacons",
        "the first registered is the default"
    );
    assert_eq!(games[0].info.settings[0].name, "brightness");
    let bad = CreateMatchRequest {
        settings: serde_json::json!({"brightness": 10}).as_object().cloned(),
        ..beacons_match()
    };
    let err = server.lobby().create_match(&bad).await.unwrap_err();
    assert!(err.to_string().contains("1..=9"), "{err}");
    let m = create(&server, beacons_match()).await;
    assert_eq!(m.summary.game, "beacons");
    assert_eq!(m.summary.settings["brightness"], 7);

    let mut even = connect(&server, &m.id, "even", ApiRole::Player).await;
    let mut odd = connect(&server, &m.id, "odd", ApiRole::Player).await;
    assert_eq!(even.welcome.game, "beacons");
    assert_eq!(session::facts::<Beacons>(&even.welcome).unwrap(), 7);
    even.send_input::<Beacons>(1, &3).await.unwrap();
    odd.send_input::<Beacons>(1, &4).await.unwrap();
    let snap = seen(&mut even, 0, vec![(0, 3)]).await;
    assert_eq!(snap.ack, Some(1), "each player gets its own ack");
    seen(&mut odd, 1, vec![(1, 4)]).await;
    eventually("the generic scoreboard", || async {
        let d = server.lobby().get(&m.id).await.unwrap();
        d.score_columns == ["colour"] && d.scoreboard.iter().any(|l| l.stats == [4])
    })
    .await;
}

/// 200 sessions in 2 views: every tick encodes exactly 2 messages, not 200 (the metric's sums
/// grow by 2 per tick counted), deltas since everyone keeps up, and each group gets its own
/// bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_sessions_in_two_views_cost_two_encodes_per_tick() {
    let server = TestServer::with_games(
        Config {
            max_spectators: 300,
            ..Config::default()
        },
        GameRegistry::new().with::<Beacons>(),
    );
    let m = create(&server, beacons_match()).await;
    let mut even = connect(&server, &m.id, "even", ApiRole::Player).await;
    let mut odd = connect(&server, &m.id, "odd", ApiRole::Player).await;
    let mut spectators = Vec::new();
    for i in 0..198 {
        spectators.push(connect(&server, &m.id, &format!("s{i}"), ApiRole::Spectator).await);
    }
    eventually("200 sessions", || async {
        server.metric("arena_sessions{role=\"spectator\"}").await == 198.0
    })
    .await;
    // Every session has had a tick since it joined; measure over the next 30 ticks.
    let before = encodes(&server).await;
    let last = &mut spectators[197];
    let start = snapshot_where(last, |_| true).await.tick;
    snapshot_where(last, |s| s.tick >= start + 30).await;
    assert_encodes(before, encodes(&server).await, 2.0, 29.0);
    let mine = snapshot_where(&mut even, |_| true).await;
    let theirs = snapshot_where(&mut odd, |s| s.tick == mine.tick + 1).await;
    let mine = snapshot_where(&mut even, |s| s.tick == theirs.tick).await;
    let spectator = snapshot_where(&mut spectators[0], |s| s.tick == mine.tick).await;
    assert_eq!(
        spectator.view, mine.view,
        "the spectators share the even view"
    );
    assert_ne!(theirs.view, mine.view);
}

/// Capture the flag: two teams and spectators are three views, whatever the number of
/// sessions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctf_teams_and_spectators_are_three_views() {
    let server = TestServer::start();
    let m = create(
        &server,
        CreateMatchRequest {
            name: "views".into(),
            game: Some("ctf".into()),
            max_players: Some(4),
            ..Default::default()
        },
    )
    .await;
    let mut sessions = Vec::new();
    for i in 0..4 {
        sessions.push(connect(&server, &m.id, &format!("p{i}"), ApiRole::Player).await);
    }
    for i in 0..6 {
        sessions.push(connect(&server, &m.id, &format!("s{i}"), ApiRole::Spectator).await);
    }
    let before = encodes(&server).await;
    let last = sessions.last_mut().unwrap();
    let start = snapshot_where(last, |_| true).await.tick;
    snapshot_where(last, |s| s.tick >= start + 20).await;
    assert_encodes(before, encodes(&server).await, 3.0, 19.0);
    match sessions[0].recv().await.unwrap() {
        ServerMsg::Snapshot(_) | ServerMsg::Roster(_) => {}
        other => panic!("unexpected {}", other.kind()),
    }
}
