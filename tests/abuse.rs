//! Abuse from outside, over real HTTP and WebSocket with the per-client limits on (the default):
//! one client's flood of creations and joins (from 127.0.0.1) leaves another client (from
//! 127.0.0.2) able to create a match and join it at once; every refusal is a 429 with
//! `Retry-After` and a JSON error, counted by reason; `X-Forwarded-For` counts only from a
//! trusted proxy; the operator's API key guards creations and bots; a match nobody ever joined
//! expires sooner than one that was played.

mod common;

use std::time::Duration;

use arena::Config;
use arena_bots::Session;
use arena_game::api::{CreatedMatch, JoinResponse};
use common::*;
use serde_json::json;

fn limited(config: Config) -> TestServer {
    TestServer::with_limits(config, arena_catalog::builtin())
}

/// POSTs `body` to `path`; returns the status, the Retry-After header and the JSON body.
async fn post(
    client: &reqwest::Client,
    server: &TestServer,
    path: &str,
    headers: &[(&str, &str)],
    body: serde_json::Value,
) -> (u16, Option<u64>, serde_json::Value) {
    let mut req = client.post(format!("{}{path}", server.url())).json(&body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let retry = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    (status, retry, resp.json().await.unwrap_or_default())
}

fn create_body(name: &str) -> serde_json::Value {
    serde_json::to_value(game_req("deathmatch", 4, 20))
        .map(|mut v| {
            v["name"] = json!(name);
            v
        })
        .unwrap()
}

/// A 429 as documented: `rate_limited`, a message, and a Retry-After of at least a second.
fn assert_limited(status: u16, retry: Option<u64>, body: &serde_json::Value) {
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"], "rate_limited", "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(retry.is_some_and(|s| s >= 1), "Retry-After: {retry:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_clients_flood_does_not_lock_out_another() {
    // Generous request and join rates, so the flood meets the creation limit and the caps on
    // unused joins (the request rate has its own test below).
    let server = limited(Config {
        client_requests_per_s: 1000,
        client_joins_per_min: 6000,
        ..Config::default()
    });
    let flood = http_client_from("127.0.0.1");
    let other = http_client_from("127.0.0.2");

    // 3,000 creations would fill the match slots; the flood gets its allowance, then 429s.
    let mut created: Vec<CreatedMatch> = Vec::new();
    let mut refused = 0;
    for i in 0..60 {
        let (status, retry, body) = post(
            &flood,
            &server,
            "/api/matches",
            &[],
            create_body(&format!("f{i}")),
        )
        .await;
        match status {
            201 => created.push(serde_json::from_value(body).unwrap()),
            _ => {
                assert_limited(status, retry, &body);
                refused += 1;
            }
        }
    }
    assert!(
        created.len() <= 10,
        "{} creations got through",
        created.len()
    );
    assert!(refused >= 50);

    // Joins it never redeems: a couple per match, a few in all, then 429s.
    let mut tokens = 0;
    for m in &created {
        for role in ["player", "spectator", "spectator"] {
            let path = format!("/api/matches/{}/join", m.id);
            let (status, retry, body) = post(
                &flood,
                &server,
                &path,
                &[],
                json!({"name": "squat", "role": role}),
            )
            .await;
            match status {
                200 => tokens += 1,
                _ => assert_limited(status, retry, &body),
            }
        }
    }
    assert!(tokens <= 8, "{tokens} unused join tokens held");

    // Meanwhile another client creates a match and joins it at once.
    let (status, _, body) = post(&other, &server, "/api/matches", &[], create_body("mine")).await;
    assert_eq!(status, 201, "{body}");
    let mine: CreatedMatch = serde_json::from_value(body).unwrap();
    let path = format!("/api/matches/{}/join", mine.id);
    let (status, _, body) = post(
        &other,
        &server,
        &path,
        &[],
        json!({"name": "ada", "role": "player"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let joined: JoinResponse = serde_json::from_value(body).unwrap();
    let mut ada = Session::connect(&joined.ws_url).await.unwrap();
    assert_eq!(ada.welcome.match_id, mine.id);
    snapshot_where(&mut ada, |_| true).await;
    // And into the flood's matches too: the squatter holds at most its share of the seats.
    let path = format!("/api/matches/{}/join", created[0].id);
    let (status, _, body) = post(
        &other,
        &server,
        &path,
        &[],
        json!({"name": "bo", "role": "player"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let text = server.metrics_text().await;
    for reason in ["creations", "pending_joins"] {
        let line = format!("arena_http_refused_total{{reason=\"{reason}\"}}");
        assert!(
            server.metric(&line).await >= 1.0,
            "{line} counted:\n{}",
            text.lines()
                .filter(|l| l.contains("refused"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// A burst of plain reads is over the request rate soon; another address is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_rate_is_per_client() {
    let server = limited(Config::default());
    let (flood, other) = (http_client_from("127.0.0.1"), http_client_from("127.0.0.2"));
    let mut statuses = Vec::new();
    for _ in 0..100 {
        let resp = flood
            .get(format!("{}/api/matches", server.url()))
            .send()
            .await
            .unwrap();
        statuses.push(resp.status().as_u16());
        if resp.status() == 429 {
            let retry = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()?.parse().ok());
            let body: serde_json::Value = resp.json().await.unwrap();
            assert_limited(429, retry, &body);
        }
    }
    let ok = statuses.iter().filter(|&&s| s == 200).count();
    assert!(
        (40..100).contains(&ok),
        "{ok} of 100 within the rate (burst 40)"
    );
    let resp = other
        .get(format!("{}/api/matches", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        server
            .metric("arena_http_refused_total{reason=\"requests\"}")
            .await
            >= 1.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_counts_only_from_a_trusted_proxy() {
    let server = limited(Config {
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        client_creations_per_min: 2,
        ..Config::default()
    });
    let proxy = http_client_from("127.0.0.1");
    let stranger = http_client_from("127.0.0.2");
    let via = |addr: &'static str| [("x-forwarded-for", addr)];
    // Behind the proxy, each forwarded address has its own allowance.
    for _ in 0..2 {
        let (status, _, body) = post(
            &proxy,
            &server,
            "/api/matches",
            &via("203.0.113.5"),
            create_body("p"),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, retry, body) = post(
        &proxy,
        &server,
        "/api/matches",
        &via("203.0.113.5"),
        create_body("p"),
    )
    .await;
    assert_limited(status, retry, &body);
    assert!(
        body["message"].as_str().unwrap().contains("203.0.113.5"),
        "{body}"
    );
    let (status, _, body) = post(
        &proxy,
        &server,
        "/api/matches",
        &via("203.0.113.6"),
        create_body("q"),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    // A stranger's X-Forwarded-For is ignored: it is counted as itself.
    for i in 0..3 {
        let fake = ["198.51.100.1", "198.51.100.2", "198.51.100.3"][i];
        let (status, retry, body) = post(
            &stranger,
            &server,
            "/api/matches",
            &via(fake),
            create_body("s"),
        )
        .await;
        if i < 2 {
            assert_eq!(status, 201, "{body}");
        } else {
            assert_limited(status, retry, &body);
            assert!(
                body["message"].as_str().unwrap().contains("127.0.0.2"),
                "{body}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_key_guards_creations_and_bots() {
    let server = limited(Config {
        host_api_key: Some("studio-secret".into()),
        ..Config::default()
    });
    let http = http_client_from("127.0.0.1");
    let (status, _, body) = post(&http, &server, "/api/matches", &[], create_body("x")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unauthorized")),
        "{body}"
    );
    let wrong = [("arena-api-key", "guess")];
    let (status, _, body) = post(&http, &server, "/api/matches", &wrong, create_body("x")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    let key = [("arena-api-key", "studio-secret")];
    let (status, _, body) = post(&http, &server, "/api/matches", &key, create_body("x")).await;
    assert_eq!(status, 201, "{body}");
    let m: CreatedMatch = serde_json::from_value(body).unwrap();
    // Bots: the host token and the key.
    let bots = format!("/api/matches/{}/bots", m.id);
    let host = format!("Bearer {}", m.host_token);
    let (status, _, body) = post(
        &http,
        &server,
        &bots,
        &[("authorization", &host)],
        json!({"count": 1}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unauthorized")),
        "{body}"
    );
    let both = [("authorization", host.as_str()), key[0]];
    let (status, _, body) = post(&http, &server, &bots, &both, json!({"count": 1})).await;
    assert_eq!(status, 200, "{body}");
    // Players only join: no key needed.
    let join = format!("/api/matches/{}/join", m.id);
    let (status, _, body) = post(
        &http,
        &server,
        &join,
        &[],
        json!({"name": "ada", "role": "player"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        server
            .metric("arena_http_refused_total{reason=\"api_key\"}")
            .await
            >= 3.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_match_nobody_joined_goes_sooner() {
    let server = limited(Config {
        unjoined_match_ttl_s: 1,
        empty_match_ttl_s: 300,
        ..Config::default()
    });
    let http = http_client_from("127.0.0.1");
    let (status, _, body) = post(&http, &server, "/api/matches", &[], create_body("nobody")).await;
    assert_eq!(status, 201);
    let nobody: CreatedMatch = serde_json::from_value(body).unwrap();
    let (_, _, body) = post(&http, &server, "/api/matches", &[], create_body("played")).await;
    let played: CreatedMatch = serde_json::from_value(body).unwrap();
    let joined = server
        .lobby()
        .join(&played.id, "ada", arena_game::api::ApiRole::Player)
        .await
        .unwrap();
    let ada = Session::connect(&joined.ws_url).await.unwrap();
    ada.close().await.unwrap();
    let lobby = server.lobby();
    eventually("the unjoined match expires", || async {
        let ids: Vec<String> = lobby
            .list()
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect();
        !ids.contains(&nobody.id)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let ids: Vec<String> = lobby
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert!(
        ids.contains(&played.id),
        "a played match waits the long TTL"
    );
}
