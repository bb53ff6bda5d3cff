//! Arena as a framework, from a game developer's side, over real sockets: a game the server was
//! never told about (defined here) is listed with its browser module and its schema, its web
//! folder is served (embedded, or from `--game-web` for development) and nothing outside it;
//! a game without a bot refuses "Add bots" and the bots with its name in the error; a page on an
//! `--allowed-origin` uses the lobby API through CORS (preflight included) and an unlisted one
//! gets nothing; registering a game whose settings specs disagree with its settings type fails
//! with the reason.

mod common;

use arena::Config;
use arena_bots::swarm::{run_swarm, SwarmConfig};
use arena_bots::BotError;
use arena_game::api::{CreateMatchRequest, GamesResponse};
use arena_game::protocol::wire::{bounded_vec, fixed_u16};
use arena_game::{
    EndReason, Game, GameInfo, GameRegistry, NoBot, Phase, PlayerId, ScoreLine, SettingSpec,
    ViewKey,
};
use common::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A game with no bot and a browser folder of its own (tests/framework/web).
#[derive(Clone)]
struct Lanterns {
    lit: Vec<(PlayerId, u16)>,
    phase: Phase,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LanternSettings {
    glow: u16,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct LanternView {
    #[serde(deserialize_with = "bounded_vec::deserialize")]
    lit: Vec<Lantern>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
struct Lantern {
    id: PlayerId,
    #[serde(with = "fixed_u16")]
    x: u16,
    state: Glow,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
enum Glow {
    #[default]
    Dark,
    Lit(u8),
}

impl Game for Lanterns {
    type Input = u16;
    type View = LanternView;
    type Facts = LanternSettings;
    type Settings = LanternSettings;
    type Bot = NoBot;

    fn info() -> GameInfo {
        GameInfo {
            name: "lanterns".into(),
            title: "Lanterns".into(),
            about: "a test game with no bot".into(),
            min_players: 1,
            max_players: 4,
            default_players: 2,
            teams: 0,
            settings: vec![SettingSpec::new("glow", "how bright", 1, 9, 5)],
            score_columns: vec![],
        }
    }
    fn web() -> Option<arena_game::WebFolder> {
        Some(arena_game::web_folder!("tests/framework/web"))
    }
    fn new(settings: LanternSettings, _: u8, _: u64) -> Self {
        let _ = settings;
        Lanterns {
            lit: Vec::new(),
            phase: Phase::Waiting,
        }
    }
    fn facts(&self) -> LanternSettings {
        LanternSettings { glow: 5 }
    }
    fn add_player(&mut self, id: PlayerId, _: &str) {
        self.lit.push((id, 0));
    }
    fn remove_player(&mut self, id: PlayerId) {
        self.lit.retain(|(p, _)| *p != id);
    }
    fn start(&mut self) {
        self.phase = Phase::Running;
    }
    fn end(&mut self, _: EndReason) {
        self.phase = Phase::Ended;
    }
    fn step(&mut self, inputs: &[(PlayerId, u16)], _: f32) {
        for (id, x) in inputs {
            if let Some(l) = self.lit.iter_mut().find(|(p, _)| p == id) {
                l.1 = *x;
            }
        }
    }
    fn phase(&self) -> Phase {
        self.phase
    }
    fn end_reason(&self) -> Option<EndReason> {
        None
    }
    fn view_into(&self, _: ViewKey, out: &mut LanternView) {
        out.lit.clear();
        out.lit.extend(self.lit.iter().map(|&(id, x)| Lantern {
            id,
            x,
            state: if x > 0 { Glow::Lit(1) } else { Glow::Dark },
        }));
    }
    fn scoreboard(&self) -> Vec<ScoreLine> {
        Vec::new()
    }
}

/// The `Game` items of a game that wraps `Lanterns` (`self.0`) and plays as it does: for the
/// test games that differ from it in their info, facts or settings only.
macro_rules! lanterns_inside {
    () => {
        fn add_player(&mut self, id: PlayerId, name: &str) {
            self.0.add_player(id, name)
        }
        fn remove_player(&mut self, id: PlayerId) {
            self.0.remove_player(id)
        }
        fn start(&mut self) {
            self.0.start()
        }
        fn end(&mut self, r: EndReason) {
            self.0.end(r)
        }
        fn step(&mut self, i: &[(PlayerId, u16)], dt: f32) {
            self.0.step(i, dt)
        }
        fn phase(&self) -> Phase {
            self.0.phase()
        }
        fn end_reason(&self) -> Option<EndReason> {
            None
        }
        fn view_into(&self, k: ViewKey, out: &mut LanternView) {
            self.0.view_into(k, out)
        }
        fn scoreboard(&self) -> Vec<ScoreLine> {
            Vec::new()
        }
    };
}

fn lanterns_and_builtins() -> GameRegistry {
    arena_catalog::builtin().with::<Lanterns>()
}

async fn get(url: &str) -> reqwest::Response {
    reqwest::get(url).await.expect("GET")
}

/// `GET /api/games` lists a game from outside Arena with its module and schema; both are
/// served; the schema describes its types (fixed_u16 by name, the enum's variants in order); a
/// path that leaves the folder, or a file it does not have, is a JSON 404.
#[tokio::test]
async fn a_game_s_module_and_schema_are_served() {
    let server = TestServer::with_games(Config::default(), lanterns_and_builtins());
    let games: GamesResponse = get(&format!("{}/api/games", server.url()))
        .await
        .json()
        .await
        .unwrap();
    let lanterns = games.iter().find(|g| g.info.name == "lanterns").unwrap();
    assert!(!lanterns.bots);
    assert_eq!(lanterns.module.as_deref(), Some("/games/lanterns/index.js"));
    let module = get(&format!("{}/games/lanterns/index.js", server.url())).await;
    assert_eq!(module.status(), 200);
    assert_eq!(
        module.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert!(module.text().await.unwrap().contains("lanterns"));
    let schema: Value = get(&format!("{}{}", server.url(), lanterns.schema))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(schema["view"], json!({"ref": "LanternView"}));
    assert_eq!(
        schema["types"]["Lantern"],
        json!({"struct": [["id", "u8"], ["x", "fixed_u16"], ["state", {"ref": "Glow"}]]})
    );
    assert_eq!(
        schema["types"]["Glow"],
        json!({"enum": [["Dark", null], ["Lit", {"newtype": "u8"}]]})
    );
    assert_eq!(schema["input"], json!("u16"));
    for path in [
        "/games/lanterns/missing.js",
        "/games/lanterns/../index.html",
        "/games/lanterns/%2e%2e/%2e%2e/Cargo.toml",
        "/games/nosuchgame/index.js",
        "/api/games/nosuchgame/schema",
    ] {
        let res = get(&format!("{}{path}", server.url())).await;
        assert_eq!(res.status(), 404, "{path}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "not_found", "{path}");
    }
}

/// `--game-web NAME=DIR` serves the game's folder from disk at each request (edit, reload),
/// never a file outside DIR.
#[tokio::test]
async fn game_web_serves_a_folder_from_disk() {
    let dir = std::env::temp_dir().join(format!("arena-game-web-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("index.js"), "export default { name: 'v1' };").unwrap();
    std::fs::write(dir.join("sub/part.js"), "export const x = 1;").unwrap();
    std::fs::create_dir_all(dir.join("test")).unwrap();
    std::fs::write(dir.join("test/wire.json"), "{}").unwrap();
    std::fs::write(dir.join("package.json"), "{}").unwrap();
    let config = Config {
        game_web: vec![("lanterns".into(), dir.clone())],
        ..Config::default()
    };
    let server = TestServer::with_games(config, lanterns_and_builtins());
    let url = format!("{}/games/lanterns/index.js", server.url());
    assert!(get(&url).await.text().await.unwrap().contains("v1"));
    std::fs::write(dir.join("index.js"), "export default { name: 'v2' };").unwrap();
    assert!(get(&url).await.text().await.unwrap().contains("v2"));
    assert_eq!(
        get(&format!("{}/games/lanterns/sub/part.js", server.url()))
            .await
            .status(),
        200
    );
    let outside = format!("{}/games/lanterns/..%2f..%2fetc%2fpasswd", server.url());
    assert_eq!(get(&outside).await.status(), 404);
    // What an embedded folder leaves out is not served from disk either.
    for left_out in ["test/wire.json", "package.json"] {
        let url = format!("{}/games/lanterns/{left_out}", server.url());
        assert_eq!(get(&url).await.status(), 404, "{left_out}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A game without a bot: "Add bots" answers 409 `game_has_no_bots` naming it, and a bot swarm
/// stops before creating anything, saying what to do; a swarm whose registry lacks the game says
/// that instead, and one asking for a game the server does not host says so.
#[tokio::test]
async fn a_game_without_bots_says_so() {
    let server = TestServer::with_games(Config::default(), lanterns_and_builtins());
    let lobby = server.lobby();
    let created = lobby
        .create_match(&CreateMatchRequest {
            name: "dark".into(),
            game: Some("lanterns".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    match lobby.add_bots(&created.id, &created.host_token, 1).await {
        Err(BotError::Http { status, body }) => {
            assert_eq!((status, body.error.as_str()), (409, "game_has_no_bots"));
            assert!(body.message.contains("lanterns"), "{}", body.message);
        }
        other => panic!("expected 409, got {other:?}"),
    }
    let swarm = |games: GameRegistry, game: &str| SwarmConfig {
        url: server.url(),
        game: game.into(),
        games,
        duration_s: 1.0,
        ..SwarmConfig::default()
    };
    let listed_before = lobby.list().await.unwrap().len();
    let err = run_swarm(&swarm(lanterns_and_builtins(), "lanterns"), |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BotError::NoBot(m) if m.contains("\"lanterns\" has no bot policy")),
        "{err}"
    );
    let err = run_swarm(&swarm(arena_catalog::builtin(), "lanterns"), |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BotError::NoBot(m) if m.contains("know no game \"lanterns\"") && m.contains("arena_bots::cli::main")),
        "{err}"
    );
    let err = run_swarm(&swarm(arena_catalog::builtin(), "chess"), |_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("hosts no game \"chess\""), "{err}");
    assert_eq!(
        lobby.list().await.unwrap().len(),
        listed_before,
        "nothing was created"
    );
}

/// A preflight and a request from an `--allowed-origin` page get the CORS answer (its origin,
/// the methods and headers the API takes, Retry-After exposed); the same from an unlisted origin
/// gets no CORS header (so the browser keeps the answer from the page) and its preflight a JSON
/// 403; the page's own origin and non-browser clients are not affected. The SDK and the games'
/// folders answer the listed origin too.
#[tokio::test]
async fn cors_answers_listed_origins_only() {
    let listed = "http://127.0.0.1:5173";
    let config = Config {
        allowed_origins: vec![format!("{listed}/")],
        ..Config::default()
    };
    let server = TestServer::with_games(config, lanterns_and_builtins());
    let http = reqwest::Client::new();
    let preflight = |origin: &str, method: &str, headers: &str| {
        http.request(
            reqwest::Method::OPTIONS,
            format!("{}/api/matches", server.url()),
        )
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", headers)
        .send()
    };
    let ok = preflight(listed, "POST", "content-type,authorization")
        .await
        .unwrap();
    assert!(ok.status().is_success(), "{}", ok.status());
    let h = ok.headers();
    assert_eq!(h["access-control-allow-origin"], listed);
    let methods = h["access-control-allow-methods"].to_str().unwrap();
    assert!(
        methods.contains("POST") && methods.contains("GET"),
        "{methods}"
    );
    let allowed = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    for name in ["content-type", "authorization", "arena-api-key"] {
        assert!(allowed.contains(name), "{allowed}");
    }

    let odd = preflight(listed, "DELETE", "content-type").await.unwrap();
    assert_eq!(
        odd.status(),
        400,
        "a listed origin asking for another method"
    );
    let body: Value = odd.json().await.unwrap();
    assert_eq!(body["error"], "bad_request");
    assert!(body["message"].as_str().unwrap().contains("GET and POST"));

    let refused = preflight("http://evil.example", "POST", "content-type")
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert!(!refused
        .headers()
        .contains_key("access-control-allow-origin"));
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "origin_not_allowed");

    let create = |origin: Option<&str>| {
        let mut rb = http
            .post(format!("{}/api/matches", server.url()))
            .json(&json!({"name": "cors", "game": "lanterns"}));
        if let Some(o) = origin {
            rb = rb.header("origin", o);
        }
        rb.send()
    };
    let from_listed = create(Some(listed)).await.unwrap();
    assert_eq!(from_listed.status(), 201);
    assert_eq!(from_listed.headers()["access-control-allow-origin"], listed);
    assert!(from_listed.headers()["vary"]
        .to_str()
        .unwrap()
        .to_lowercase()
        .contains("origin"));
    // A POST from an unlisted page is refused before it acts (CORS alone would only keep the
    // page from reading the answer), with no CORS header.
    let from_unlisted = create(Some("http://evil.example")).await.unwrap();
    assert_eq!(from_unlisted.status(), 403);
    assert!(!from_unlisted
        .headers()
        .contains_key("access-control-allow-origin"));
    let simple = http
        .post(format!("{}/api/history/someid/watch", server.url()))
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        simple.status(),
        403,
        "a simple cross-site POST does not act"
    );
    assert_eq!(
        simple.json::<Value>().await.unwrap()["error"],
        "origin_not_allowed"
    );
    let same_origin = create(Some(&server.url())).await.unwrap();
    assert_eq!(
        same_origin.status(),
        201,
        "the page's own origin is not refused"
    );
    assert_eq!(create(None).await.unwrap().status(), 201);

    for path in ["/sdk/index.js", "/games/lanterns/index.js", "/api/games"] {
        let res = http
            .get(format!("{}{path}", server.url()))
            .header("origin", listed)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(
            res.headers()["access-control-allow-origin"],
            listed,
            "{path}"
        );
    }
    // An error answer carries it too, so the page can read why.
    let missing = http
        .get(format!("{}/api/matches/nope", server.url()))
        .header("origin", listed)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()["access-control-allow-origin"], listed);
}

/// A game without settings may say `type Settings = ()`: it registers and its matches are
/// created with no settings.
#[tokio::test]
async fn a_game_without_settings_registers() {
    #[derive(Clone)]
    struct Plain(Lanterns);
    impl Game for Plain {
        type Input = u16;
        type View = LanternView;
        type Facts = ();
        type Settings = ();
        type Bot = NoBot;
        fn info() -> GameInfo {
            GameInfo {
                name: "plain".into(),
                settings: vec![],
                ..Lanterns::info()
            }
        }
        fn new(_: (), p: u8, seed: u64) -> Self {
            Plain(Lanterns::new(LanternSettings { glow: 1 }, p, seed))
        }
        fn facts(&self) {}
        lanterns_inside!();
    }
    let server = TestServer::with_games(Config::default(), GameRegistry::new().with::<Plain>());
    let created = server
        .lobby()
        .create_match(&CreateMatchRequest {
            name: "plain".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!created.id.is_empty());
}

/// A game whose settings specs and settings type disagree cannot be registered, and the panic
/// says which setting and why.
#[test]
fn settings_specs_are_checked_against_the_settings_type() {
    #[derive(Clone)]
    struct Misnamed(Lanterns);
    impl Game for Misnamed {
        type Input = u16;
        type View = LanternView;
        type Facts = LanternSettings;
        type Settings = LanternSettings;
        type Bot = NoBot;
        fn info() -> GameInfo {
            GameInfo {
                name: "misnamed".into(),
                settings: vec![SettingSpec::new("glow", "how bright", 1, 70_000, 5)],
                ..Lanterns::info()
            }
        }
        fn new(s: LanternSettings, p: u8, seed: u64) -> Self {
            Misnamed(Lanterns::new(s, p, seed))
        }
        fn facts(&self) -> LanternSettings {
            self.0.facts()
        }
        lanterns_inside!();
    }
    let err = std::panic::catch_unwind(|| GameRegistry::new().with::<Misnamed>()).unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains("\"glow\" allows 1..=70000, more than its field's type \"u16\" holds"),
        "{msg}"
    );
}
