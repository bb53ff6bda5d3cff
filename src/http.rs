//! HTTP routes: the JSON lobby API, the WebSocket upgrade, metrics, health and the embedded
//! browser client. Handlers only validate and translate; the lobby actor decides.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use actix::Addr;
use actix_codec::Framed;
use actix_http::{h1, ws, Request};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::rt::net::TcpStream;
use actix_web::{error::JsonPayloadError, web, HttpRequest, HttpResponse, ResponseError};
use arena_game::api::{
    AddBotsRequest, CreateMatchRequest, JoinRequest, KickRequest, ReplayControlRequest,
};
use arena_game::replay::{Playback, Replay};
use arena_game::{EndReason, GameRegistry, SUPPORTED_PROTOCOLS};

use crate::cluster::{Cluster, FORWARDED_HEADER, LISTING_HEADER};
use crate::config::Config;
use crate::conn::{ConnReader, WsConn};
use crate::error::ApiError;
use crate::limits::{client_address, ClientLimits, Kind};
use crate::lobby::{
    AddBotsToMatch, CreateMatch, GetMatch, HostControl, Join, Kick, ListMatches, Lobby,
    ReadyReplay, Redeem, ReplayTarget, SessionGrant, WatchReplay,
};
use crate::match_actor::ControlAction;
use crate::metrics::Metrics;
use crate::session::Session;
use crate::watch::ReplayControl;
use std::net::IpAddr;
use tokio::io::AsyncWriteExt;

/// Shared state of every HTTP worker.
pub struct AppState {
    /// The lobby actor.
    pub lobby: Addr<Lobby>,
    /// Server configuration.
    pub config: Arc<Config>,
    /// Metrics registry.
    pub metrics: Arc<Metrics>,
    /// The games this server hosts.
    pub games: Arc<GameRegistry>,
    /// Finished matches, leaderboards, replays (none without a database).
    pub history: Option<crate::store::History>,
    /// Source of session ids.
    pub next_session: AtomicU64,
    /// This node's cluster membership (none: a single node).
    pub cluster: Option<Cluster>,
    /// Per-client limits (none: `--client-limits off`).
    pub limits: Option<Arc<ClientLimits>>,
}

impl AppState {
    /// The client behind `req` (see [`crate::limits::client_address`]); for a request another
    /// node of the cluster forwarded, the client that node named.
    fn client_of(
        &self,
        peer: Option<std::net::SocketAddr>,
        headers: &header::HeaderMap,
    ) -> Option<IpAddr> {
        let peer = peer?.ip();
        if self.forwarded_by_node(headers) {
            return Some(client_address(peer, headers, &[peer]));
        }
        Some(client_address(peer, headers, &self.config.trusted_proxies))
    }

    /// Whether another node of this cluster forwarded the request (it counted the rates).
    fn forwarded_by_node(&self, headers: &header::HeaderMap) -> bool {
        self.cluster
            .as_ref()
            .is_some_and(|c| c.forwarded_by_a_node(headers))
    }

    /// With `--host-api-key`, refuses a request without that key (`Arena-Api-Key`).
    fn check_api_key(&self, req: &HttpRequest) -> Result<(), ApiError> {
        let Some(key) = &self.config.host_api_key else {
            return Ok(());
        };
        let given = req
            .headers()
            .get(API_KEY_HEADER)
            .and_then(|v| v.to_str().ok());
        match given {
            None => {
                self.metrics.record_refused("api_key");
                Err(ApiError::Unauthorized(format!(
                    "this server creates matches for its operator only: send its API key as \
                     '{API_KEY_HEADER}: <key>'"
                )))
            }
            Some(given) if !crate::tokens::secrets_equal(given, key) => {
                self.metrics.record_refused("api_key");
                Err(ApiError::Forbidden("not this server's API key".into()))
            }
            Some(_) => Ok(()),
        }
    }
}

/// The header that carries `--host-api-key`.
pub const API_KEY_HEADER: &str = "arena-api-key";

/// The browser client's files, embedded by build.rs: (path, bytes, content type).
static WEB_ASSETS: &[(&str, &[u8], &str)] = include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// Registers every route on an actix-web app.
pub fn configure(cfg: &mut web::ServiceConfig, max_body_bytes: usize) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(max_body_bytes)
            .error_handler(json_error),
    )
    .app_data(web::PayloadConfig::default().limit(max_body_bytes))
    .route("/healthz", web::get().to(healthz))
    .route("/metrics", web::get().to(metrics))
    .route("/ws", web::get().to(ws_without_upgrade))
    .service(
        web::scope("/api")
            // A match of another cluster node: its owner answers (forwarded as it came).
            .wrap_fn(|req, srv| match remote_match(&req) {
                Some((cluster, id, limit)) => futures_util::future::Either::Left(Box::pin(
                    forward_to_owner(cluster, id, req, limit),
                )),
                None => futures_util::future::Either::Right(srv.call(req)),
            })
            // Per-client limits come first: a refused request costs nothing else.
            .wrap_fn(|req, srv| match over_limit(&req) {
                Some(refused) => futures_util::future::Either::Left(futures_util::future::ready(
                    Ok(req.into_response(refused.error_response())),
                )),
                None => futures_util::future::Either::Right(srv.call(req)),
            })
            // A foreign page's POST is refused before anything counts it.
            .wrap_fn(|req, srv| match foreign_post(&req) {
                Some(refused) => futures_util::future::Either::Left(futures_util::future::ready(
                    Ok(req.into_response(refused.error_response())),
                )),
                None => futures_util::future::Either::Right(srv.call(req)),
            })
            .route("/games", web::get().to(list_games))
            .route("/games/{name}/schema", web::get().to(game_schema))
            .route("/matches", web::post().to(create_match))
            .route("/matches", web::get().to(list_matches))
            .route("/matches/{id}", web::get().to(get_match))
            .route("/matches/{id}/join", web::post().to(join))
            .route("/matches/{id}/start", web::post().to(start))
            .route("/matches/{id}/end", web::post().to(end))
            .route("/matches/{id}/kick", web::post().to(kick))
            .route("/matches/{id}/bots", web::post().to(add_bots))
            .route("/history", web::get().to(history))
            .route("/history/{id}", web::get().to(history_entry))
            .route("/history/{id}/replay", web::get().to(history_replay))
            .route("/history/{id}/watch", web::post().to(watch_replay))
            .route("/matches/{id}/replay", web::get().to(replay_state))
            .route("/matches/{id}/replay", web::post().to(replay_control))
            .route("/leaderboard", web::get().to(leaderboard))
            .default_service(web::to(api_not_found)),
    )
    .route("/games/{name}/{path:.*}", web::get().to(game_file))
    .default_service(web::to(static_file));
}

/// CORS for pages on the origins of `--allowed-origin` (a game's own page on its site, a dev
/// server on another port): every HTTP route answers them (the lobby API, the SDK, the games'
/// browser folders), preflight included. Any other origin gets no CORS header, so a browser
/// keeps its page from reading the answers; its preflight is refused with 403
/// `origin_not_allowed`. Requests without `Origin` (not a browser) and same-origin pages are not
/// affected. docs/security.md.
pub fn cors(allowed: &[String]) -> actix_cors::Cors {
    let allowed = allowed.to_vec();
    actix_cors::Cors::default()
        .allowed_origin_fn(move |origin, _| {
            origin.to_str().is_ok_and(|o| origin_listed(o, &allowed))
        })
        .allowed_methods(["GET", "POST"])
        .allowed_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::HeaderName::from_static(API_KEY_HEADER),
        ])
        .expose_headers([
            header::RETRY_AFTER,
            header::HeaderName::from_static("arena-listing"),
        ])
        .max_age(600)
        .block_on_origin_mismatch(false)
}

/// A refused CORS preflight as the API's JSON error (actix-cors answers it in plain text): 403
/// `origin_not_allowed` for an origin that is not listed, 400 `bad_request` naming what the API
/// takes for a listed origin asking for another method or header.
pub fn json_preflight_refusal<B: actix_web::body::MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<actix_web::middleware::ErrorHandlerResponse<B>> {
    let req = res.request();
    let preflight = req.method() == actix_web::http::Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if !preflight {
        return Ok(actix_web::middleware::ErrorHandlerResponse::Response(
            res.map_into_left_body(),
        ));
    }
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .unwrap_or("(none)")
        .to_owned();
    let listed = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| origin_listed(&origin, &s.config.allowed_origins));
    let (req, _) = res.into_parts();
    let refused = if listed {
        ApiError::BadRequest(
            "this API takes GET and POST, with the headers Content-Type, Authorization and \
             Arena-Api-Key"
                .into(),
        )
    } else {
        unlisted_origin(&origin)
    }
    .error_response();
    Ok(actix_web::middleware::ErrorHandlerResponse::Response(
        ServiceResponse::new(req, refused).map_into_right_body(),
    ))
}

/// Whether `origin` is one of `--allowed-origin`'s (a trailing `/` in the flag does not count).
fn origin_listed(origin: &str, allowed: &[String]) -> bool {
    allowed.iter().any(|a| a.trim_end_matches('/') == origin)
}

/// A POST from a browser page on another origin that is not listed: refused before it does
/// anything (403 `origin_not_allowed`). CORS only keeps such a page from reading the answer; a
/// "simple" cross-site POST (no JSON body, no custom header, so no preflight) would still act,
/// so a foreign page cannot open matches or replays in its visitor's name. Requests without
/// `Origin` (not a browser) and the page's own origin pass.
fn foreign_post(req: &ServiceRequest) -> Option<ApiError> {
    if req.method() != actix_web::http::Method::POST {
        return None;
    }
    let origin = req.headers().get(header::ORIGIN)?.to_str().ok()?;
    let state = req.app_data::<web::Data<AppState>>()?;
    if same_origin(origin, req.connection_info().host())
        || origin_listed(origin, &state.config.allowed_origins)
    {
        return None;
    }
    state.metrics.record_refused("origin");
    Some(unlisted_origin(origin))
}

/// The refusal of a page on an origin `--allowed-origin` does not list.
fn unlisted_origin(origin: &str) -> ApiError {
    ApiError::OriginNotAllowed(format!(
        "a page on {origin} may not use this API: the server answers the origins of \
         --allowed-origin only"
    ))
}

/// Whether `origin` is the server's own: its host:port is the request's `Host`.
fn same_origin(origin: &str, host: &str) -> bool {
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .is_some_and(|rest| rest == host)
}

fn json_error(err: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            ApiError::TooLarge(format!("request body exceeds {limit} bytes"))
        }
        JsonPayloadError::ContentType => {
            ApiError::UnsupportedMediaType("send the body as application/json".into())
        }
        other => ApiError::BadRequest(format!("invalid JSON body: {other}")),
    };
    api.into()
}

/// The per-client limit `req` is over, if any.
fn over_limit(req: &ServiceRequest) -> Option<ApiError> {
    let state = req.app_data::<web::Data<AppState>>()?;
    let limits = state.limits.as_ref()?;
    if state.forwarded_by_node(req.headers()) {
        // The node that forwarded it counted the client's rates already.
        return None;
    }
    let client = state.client_of(req.peer_addr(), req.headers())?;
    limits
        .check(client, Kind::of(req.method(), req.path()))
        .err()
}

/// `/api/matches/{id}…` of a match another cluster node owns (never a request already
/// forwarded: its owner answers it, or it is refused here as unknown).
fn remote_match(req: &ServiceRequest) -> Option<(Cluster, String, usize)> {
    let id = req
        .path()
        .strip_prefix("/api/matches/")?
        .split('/')
        .next()?;
    let state = req.app_data::<web::Data<AppState>>()?;
    let cluster = state.cluster.as_ref()?;
    if cluster.is_local(id) || req.headers().contains_key(FORWARDED_HEADER) {
        return None;
    }
    Some((cluster.clone(), id.to_owned(), state.config.max_body_bytes))
}

/// Sends `req` to the node that owns match `id` and answers with its answer.
async fn forward_to_owner(
    cluster: Cluster,
    id: String,
    req: ServiceRequest,
    limit: usize,
) -> Result<ServiceResponse, actix_web::Error> {
    use futures_util::StreamExt;
    let (http_req, mut payload) = req.into_parts();
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > limit {
            let too_large = ApiError::TooLarge(format!("request body exceeds {limit} bytes"));
            return Ok(ServiceResponse::new(http_req, too_large.error_response()));
        }
        body.extend_from_slice(&chunk);
    }
    // What the owner reads: the host token, the body's type, the API key; and the client.
    let mut headers: Vec<(&'static str, String)> = [
        ("authorization", header::AUTHORIZATION.as_str()),
        ("content-type", header::CONTENT_TYPE.as_str()),
        (API_KEY_HEADER, API_KEY_HEADER),
    ]
    .into_iter()
    .filter_map(|(name, key)| {
        let value = http_req.headers().get(key)?.to_str().ok()?;
        Some((name, value.to_owned()))
    })
    .collect();
    let path = http_req
        .uri()
        .path_and_query()
        .map_or(http_req.path(), |p| p.as_str())
        .to_owned();
    let client = http_req
        .app_data::<web::Data<AppState>>()
        .and_then(|state| state.client_of(http_req.peer_addr(), http_req.headers()));
    if let Some(client) = client {
        // The owner counts the client's limits when it trusts this node (--trusted-proxy).
        headers.push(("x-forwarded-for", client.to_string()));
    }
    let answer = cluster
        .forward(&id, http_req.method(), &path, &headers, body.freeze())
        .await
        .unwrap_or_else(|e| e.error_response());
    Ok(ServiceResponse::new(http_req, answer))
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.metrics.render())
}

async fn api_not_found(req: HttpRequest) -> HttpResponse {
    ApiError::NotFound(format!("no route {} {}", req.method(), req.path())).error_response()
}

async fn list_games(state: web::Data<AppState>) -> HttpResponse {
    let mut listing = state.games.listing();
    // A folder served from disk (`--game-web`) stands in for the embedded one.
    for game in &mut listing {
        let name = &game.info.name;
        if let Some((_, dir)) = state.config.game_web.iter().find(|(n, _)| n == name) {
            game.module = read_below(dir, "index.js").map(|_| format!("/games/{name}/index.js"));
        }
    }
    HttpResponse::Ok().json(listing)
}

/// `GET /api/games/{name}/schema`: the game's wire types as data (docs/protocol.md part E).
async fn game_schema(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let name = name.into_inner();
    let game = state.games.get(&name).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no game {name:?} (this server hosts: {})",
            state.games.names().join(", ")
        ))
    })?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(game.schema().to_json()))
}

/// `GET /games/{name}/{path}`: a file of the game's browser folder: from `--game-web NAME=DIR`
/// when given (read at each request, for development), else the copy embedded in the game's
/// crate.
async fn game_file(state: web::Data<AppState>, parts: web::Path<(String, String)>) -> HttpResponse {
    let (name, path) = parts.into_inner();
    let not_found = || {
        ApiError::NotFound(format!(
            "no file {path:?} in the browser folder of game {name:?}"
        ))
        .error_response()
    };
    let Some(game) = state.games.get(&name) else {
        return ApiError::NotFound(format!("no game {name:?}")).error_response();
    };
    let bytes: Option<Vec<u8>> = match state.config.game_web.iter().find(|(n, _)| *n == name) {
        Some((_, dir)) => read_below(dir, &path),
        None => game
            .web()
            .and_then(|w| w.get(&path))
            .map(|b| b.into_owned()),
    };
    match bytes {
        Some(bytes) => HttpResponse::Ok()
            .content_type(arena_game::web::content_type(&path))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(bytes),
        None => not_found(),
    }
}

/// The file `path` (relative, `/`-separated) of `dir` if `arena_game::web::is_served` allows
/// it (nothing outside `dir`, nothing an embedded folder leaves out), and never through a link
/// that leads out of `dir`.
fn read_below(dir: &std::path::Path, path: &str) -> Option<Vec<u8>> {
    if !arena_game::web::is_served(path) {
        return None;
    }
    let root = dir.canonicalize().ok()?;
    let file = root.join(path).canonicalize().ok()?;
    if !file.starts_with(&root) || !file.is_file() {
        return None;
    }
    std::fs::read(file).ok()
}

async fn create_match(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<CreateMatchRequest>,
) -> Result<HttpResponse, ApiError> {
    state.check_api_key(&req)?;
    let created = state.lobby.send(CreateMatch(body.into_inner())).await??;
    Ok(HttpResponse::Created().json(created))
}

/// `GET /api/matches`: every match of the cluster (this node's alone, and saying so, while
/// Redis is down), or of this node when it is not a cluster member.
async fn list_matches(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let local = state.lobby.send(ListMatches).await?;
    let Some(cluster) = &state.cluster else {
        return Ok(HttpResponse::Ok().json(local));
    };
    Ok(match cluster.list(local.clone()).await {
        Ok(all) => HttpResponse::Ok()
            .insert_header((LISTING_HEADER, "cluster"))
            .json(all),
        Err(_) => HttpResponse::Ok()
            .insert_header((LISTING_HEADER, "local-only"))
            .json(local),
    })
}

async fn get_match(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let detail = state.lobby.send(GetMatch(id.into_inner())).await??;
    Ok(HttpResponse::Ok().json(detail))
}

async fn join(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<JoinRequest>,
) -> Result<HttpResponse, ApiError> {
    // A cluster member's sessions connect to its public address, wherever the join came from.
    let ws_base = match &state.cluster {
        Some(cluster) => cluster.ws_base(),
        None => format!("ws://{}", req.connection_info().host()),
    };
    let body = body.into_inner();
    let client = match state.limits {
        Some(_) => state.client_of(req.peer_addr(), req.headers()),
        None => None,
    };
    let joined = state
        .lobby
        .send(Join {
            match_id: id.into_inner(),
            name: body.name,
            role: body.role,
            ws_base,
            client,
        })
        .await?
        .inspect_err(|e| {
            if matches!(e, ApiError::RateLimited { .. }) {
                state.metrics.record_refused("pending_joins");
            }
        })?;
    Ok(HttpResponse::Ok().json(joined))
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then(|| token.to_owned())
}

async fn control(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: String,
    action: ControlAction,
) -> Result<HttpResponse, ApiError> {
    let answer = state
        .lobby
        .send(HostControl {
            match_id: id,
            host_token: bearer(&req),
            action,
        })
        .await??;
    Ok(HttpResponse::Ok().json(answer))
}

async fn start(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    control(req, state, id.into_inner(), ControlAction::Start).await
}

async fn end(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    control(
        req,
        state,
        id.into_inner(),
        ControlAction::End(EndReason::Host),
    )
    .await
}

/// `POST /api/matches/{id}/kick {"player_id": n}` (host only).
async fn kick(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<KickRequest>,
) -> Result<HttpResponse, ApiError> {
    state
        .lobby
        .send(Kick {
            match_id: id.into_inner(),
            host_token: bearer(&req),
            player_id: body.player_id,
        })
        .await??;
    Ok(HttpResponse::Ok().json(serde_json::json!({"kicked": body.player_id})))
}

/// `POST /api/matches/{id}/bots {"count": n}` (host only, waiting matches only).
async fn add_bots(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<AddBotsRequest>,
) -> Result<HttpResponse, ApiError> {
    state.check_api_key(&req)?;
    let answer = state
        .lobby
        .send(AddBotsToMatch {
            match_id: id.into_inner(),
            host_token: bearer(&req),
            count: body.count,
        })
        .await??;
    Ok(HttpResponse::Ok().json(answer))
}

/// The history, or 503 when this server keeps none.
fn history_of(state: &AppState) -> Result<&crate::store::History, ApiError> {
    state.history.as_ref().ok_or_else(|| {
        ApiError::Unavailable("this server keeps no history (started without --database)".into())
    })
}

fn database_down(e: sqlx::Error) -> ApiError {
    log::warn!("history database: {e}");
    ApiError::Unavailable(format!("the history database is unavailable: {e}"))
}

/// `?game=&limit=&before=` of `GET /api/history`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryQuery {
    game: Option<String>,
    limit: Option<u32>,
    before: Option<i64>,
}

/// Most matches one history page holds.
const MAX_HISTORY_PAGE: u32 = 100;

/// `GET /api/history?game=&limit=&before=`: finished matches, newest first, paged by end time.
async fn history(
    state: web::Data<AppState>,
    query: Result<web::Query<HistoryQuery>, actix_web::Error>,
) -> Result<HttpResponse, ApiError> {
    let q = query.map_err(|e| ApiError::BadRequest(format!("bad query: {e}")))?;
    let limit = q.limit.unwrap_or(20);
    if !(1..=MAX_HISTORY_PAGE).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be 1..={MAX_HISTORY_PAGE}"
        )));
    }
    if let Some(game) = &q.game {
        if state.games.get(game).is_none() {
            return Err(ApiError::NotFound(format!(
                "no game {game:?} on this server"
            )));
        }
    }
    let matches = history_of(&state)?
        .list(q.game.as_deref(), q.before, limit)
        .await
        .map_err(database_down)?;
    let next_before = (matches.len() == limit as usize)
        .then(|| matches.last().map(|m| m.ended_at_ms))
        .flatten();
    Ok(HttpResponse::Ok().json(arena_game::api::HistoryPage {
        matches,
        next_before,
    }))
}

/// `GET /api/history/{id}`: one finished match with its players and replay size.
async fn history_entry(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    match history_of(&state)?.get(&id).await.map_err(database_down)? {
        Some(entry) => Ok(HttpResponse::Ok().json(entry)),
        None => Err(ApiError::NotFound(format!("no finished match {id:?}"))),
    }
}

/// `GET /api/history/{id}/replay`: the replay's bytes (`arena_game::replay::Replay`).
async fn history_replay(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    match history_of(&state)?
        .replay(&id)
        .await
        .map_err(database_down)?
    {
        Some(bytes) => Ok(HttpResponse::Ok()
            .content_type("application/octet-stream")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{id}.arena-replay\""),
            ))
            .body(bytes)),
        None => Err(ApiError::NotFound(format!("no finished match {id:?}"))),
    }
}

/// `POST /api/history/{id}/watch`: a replay match playing finished match `id`, to join as a
/// spectator. The replay is played through once first, away from every tick (on the blocking
/// pool), to check it and keep the checkpoints its seeks start from.
async fn watch_replay(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.check_api_key(&req)?;
    let history = history_of(&state)?;
    let missing = || ApiError::NotFound(format!("no finished match {id:?}"));
    let entry = history
        .get(&id)
        .await
        .map_err(database_down)?
        .ok_or_else(missing)?;
    let bytes = history
        .replay(&id)
        .await
        .map_err(database_down)?
        .ok_or_else(missing)?;
    let games = state.games.clone();
    let ready = web::block(move || {
        let replay = Replay::decode(&bytes)?;
        let playback = Playback::new(&games, &replay)?;
        Ok::<_, arena_game::replay::ReplayError>(ReadyReplay {
            settings: replay.header.settings,
            playback,
        })
    })
    .await
    .map_err(|e| ApiError::Internal(format!("the replay could not be prepared: {e}")))?
    .map_err(|e| ApiError::Unplayable(e.to_string()))?;
    let watching = state
        .lobby
        .send(WatchReplay {
            entry,
            playback: Box::new(ready),
        })
        .await??;
    Ok(HttpResponse::Created().json(watching))
}

/// `GET /api/matches/{id}/replay`: where a replay being watched stands.
async fn replay_state(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let target = ReplayTarget {
        match_id: id.into_inner(),
        host_token: None,
        control: false,
    };
    let addr = state.lobby.send(target).await??;
    let answer = addr.send(ReplayControl::default()).await??;
    Ok(HttpResponse::Ok().json(answer))
}

/// `POST /api/matches/{id}/replay {"speed", "paused", "seek"}` (its host only).
async fn replay_control(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<ReplayControlRequest>,
) -> Result<HttpResponse, ApiError> {
    let target = ReplayTarget {
        match_id: id.into_inner(),
        host_token: bearer(&req),
        control: true,
    };
    let addr = state.lobby.send(target).await??;
    let body = body.into_inner();
    let control = ReplayControl {
        speed: body.speed,
        paused: body.paused,
        seek: body.seek,
    };
    let answer = addr.send(control).await??;
    Ok(HttpResponse::Ok().json(answer))
}

/// `?game=` of `GET /api/leaderboard`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LeaderboardQuery {
    game: Option<String>,
}

/// `GET /api/leaderboard?game=`: per-name totals of one game (the default game without one).
async fn leaderboard(
    state: web::Data<AppState>,
    query: Result<web::Query<LeaderboardQuery>, actix_web::Error>,
) -> Result<HttpResponse, ApiError> {
    let q = query.map_err(|e| ApiError::BadRequest(format!("bad query: {e}")))?;
    let game = match q.into_inner().game {
        Some(game) => state
            .games
            .get(&game)
            .ok_or_else(|| ApiError::NotFound(format!("no game {game:?} on this server")))?,
        None => state
            .games
            .default_game()
            .ok_or_else(|| ApiError::NotFound("this server hosts no games".into()))?,
    };
    let name = game.info().name.clone();
    let entries = history_of(&state)?
        .leaderboard(&name, 50)
        .await
        .map_err(database_down)?;
    Ok(HttpResponse::Ok().json(arena_game::api::Leaderboard {
        game: name,
        entries,
    }))
}

/// `GET /ws` without an upgrade (actix-http hands every upgrade request to [`upgrade`]).
async fn ws_without_upgrade(req: HttpRequest) -> HttpResponse {
    if let Err(refused) = chosen_protocol(req.headers()) {
        return refused.response();
    }
    ApiError::BadRequest("not a WebSocket upgrade: send Upgrade: websocket".into()).error_response()
}

/// Why a WebSocket's subprotocol was refused: the message of its 400.
struct ProtocolRefused(String);

impl ProtocolRefused {
    fn response(&self) -> HttpResponse {
        HttpResponse::BadRequest().json(serde_json::json!({
            "error": "unsupported_protocol",
            "message": self.0,
            "supported": SUPPORTED_PROTOCOLS,
        }))
    }
}

/// The subprotocol to answer with: the first the client offers that this server speaks.
fn chosen_protocol(headers: &header::HeaderMap) -> Result<&'static str, ProtocolRefused> {
    let offered = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let chosen = offered
        .split(',')
        .find_map(|p| SUPPORTED_PROTOCOLS.iter().find(|s| **s == p.trim()));
    chosen.copied().ok_or_else(|| {
        ProtocolRefused(if offered.is_empty() {
            "name the protocol version as a WebSocket subprotocol (Sec-WebSocket-Protocol)"
                .to_owned()
        } else {
            format!("unsupported protocol version {offered:?}")
        })
    })
}

/// A WebSocket upgrade that passed every check: its seat, subprotocol and accept key.
struct Admitted {
    grant: SessionGrant,
    protocol: &'static str,
    accept: String,
}

/// Everything checkable is checked before the upgrade, so a refused client gets a JSON answer.
/// On success one connection slot is taken (given back when the session stops).
async fn admit(req: &Request, state: &AppState) -> Result<Admitted, HttpResponse> {
    let headers = req.head().headers();
    if req.path() != "/ws" {
        return Err(
            ApiError::NotFound(format!("no WebSocket at {}: connect to /ws", req.path()))
                .error_response(),
        );
    }
    let protocol = chosen_protocol(headers).map_err(|refused| refused.response())?;
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| req.uri().authority().map(|a| a.as_str()))
            .unwrap_or("");
        // In a cluster, a page served by any node may open the WebSocket of a match here.
        let from_a_node = state
            .cluster
            .as_ref()
            .is_some_and(|c| c.is_node_origin(origin));
        if !from_a_node && !origin_allowed(origin, host, &state.config.allowed_origins) {
            return Err(ApiError::Forbidden(format!(
                "origin {origin:?} may not open a WebSocket here"
            ))
            .error_response());
        }
    }
    if let Err(e) = ws::verify_handshake(req.head()) {
        return Err(ApiError::BadRequest(format!("not a WebSocket upgrade: {e}")).error_response());
    }
    let accept = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .map(|key| ws::hash_key(key.as_bytes()))
        .and_then(|hash| std::str::from_utf8(&hash).ok().map(str::to_owned))
        .unwrap_or_default();
    let query = web::Query::<std::collections::HashMap<String, String>>::from_query(
        req.uri().query().unwrap_or(""),
    )
    .map(web::Query::into_inner)
    .unwrap_or_default();
    let redeem = match (query.get("token"), query.get("reconnect")) {
        (Some(t), None) => Redeem {
            token: t.clone(),
            reconnect: false,
        },
        (None, Some(t)) => Redeem {
            token: t.clone(),
            reconnect: true,
        },
        _ => {
            return Err(ApiError::Unauthorized(
                "give exactly one of ?token=<join token> or ?reconnect=<reconnect token>".into(),
            )
            .error_response())
        }
    };
    if let Some(cluster) = &state.cluster {
        if !cluster.is_local(&redeem.token) {
            let issuer = crate::cluster::owner_of(&redeem.token).unwrap_or_default();
            return Err(ApiError::Forbidden(format!(
                "this token was issued by cluster node {issuer}, not this node ({}): connect to \
                 the ws_url the join answered with (a restarted node refuses its old tokens)",
                cluster.node()
            ))
            .error_response());
        }
    }
    let live = &state.metrics.live_sessions;
    if live.fetch_add(1, Ordering::Relaxed) >= state.config.max_connections {
        live.fetch_sub(1, Ordering::Relaxed);
        return Err(ApiError::Unavailable(format!(
            "the server holds its maximum of {} connections",
            state.config.max_connections
        ))
        .error_response());
    }
    let grant = match state.lobby.send(redeem).await {
        Ok(Ok(grant)) => grant,
        Ok(Err(e)) => {
            live.fetch_sub(1, Ordering::Relaxed);
            return Err(e.error_response());
        }
        Err(e) => {
            live.fetch_sub(1, Ordering::Relaxed);
            return Err(ApiError::from(e).error_response());
        }
    };
    Ok(Admitted {
        grant,
        protocol,
        accept,
    })
}

/// Writes `res` as a whole HTTP/1.1 response and closes the connection.
async fn refuse(io: &mut TcpStream, res: HttpResponse) {
    let status = res.status();
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    );
    for (name, value) in res.headers() {
        if let Ok(value) = value.to_str() {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    let body = actix_web::body::to_bytes(res.into_body())
        .await
        .unwrap_or_default();
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    // One write: a client may read the body only if it came with the head.
    let mut response = head.into_bytes();
    response.extend_from_slice(&body);
    let _ = io.write_all(&response).await;
    let _ = io.shutdown().await;
}

/// actix-http's upgrade handler: it gets every request that asks for an upgrade, with the whole
/// connection. A WebSocket on `/ws` that passes [`admit`] gets `101`, and its connection goes to
/// a new [`Session`] (read side) and its [`WsConn`] (write side, shared with the match); anything
/// else gets a JSON error and a closed connection.
pub async fn upgrade(
    req: Request,
    framed: Framed<TcpStream, h1::Codec>,
    state: web::Data<AppState>,
) -> Result<(), actix_web::Error> {
    let parts = framed.into_parts();
    let mut io = parts.io;
    let admitted = match admit(&req, &state).await {
        Ok(admitted) => admitted,
        Err(res) => {
            refuse(&mut io, res).await;
            return Ok(());
        }
    };
    let head = format!(
        "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\
         sec-websocket-accept: {}\r\nsec-websocket-protocol: {}\r\n\r\n",
        admitted.accept, admitted.protocol
    );
    if let Err(e) = io.write_all(head.as_bytes()).await {
        state.metrics.live_sessions.fetch_sub(1, Ordering::Relaxed);
        log::debug!("upgrade response not written: {e}");
        // The seat stays reserved until its token expires, as for a client that never came.
        return Ok(());
    }
    if let Err(e) = io.set_nodelay(true) {
        log::debug!("cannot set TCP_NODELAY: {e}");
    }
    // Delayed ACKs: a player's input then gets its ACK on the next snapshot instead of a packet
    // of its own (the kernel would leave this mode at the first delayed-ACK timeout otherwise;
    // in it, the timeout only stretches the delay).
    if let Err(e) = socket2::SockRef::from(&io).set_tcp_quickack(false) {
        log::debug!("cannot clear TCP_QUICKACK: {e}");
    }
    if let Some(bytes) = state.config.socket_send_buffer_bytes {
        if let Err(e) = socket2::SockRef::from(&io).set_send_buffer_size(bytes) {
            log::warn!("cannot set SO_SNDBUF: {e}");
        }
    }
    let (read, write) = io.into_split();
    let conn = Arc::new(WsConn::new(write, state.config.max_queued_snapshots));
    let reader = ConnReader::new(read, parts.read_buf, state.config.max_message_bytes);
    let id = state.next_session.fetch_add(1, Ordering::Relaxed);
    Session::new(
        id,
        admitted.grant,
        state.lobby.clone(),
        state.config.clone(),
        state.metrics.clone(),
        conn,
    )
    .start_on(reader);
    Ok(())
}

/// Same origin (the Origin's host:port is the request's Host), any localhost origin, or one
/// in the configured allow-list.
fn origin_allowed(origin: &str, host: &str, allowed: &[String]) -> bool {
    if origin_listed(origin, allowed) || same_origin(origin, host) {
        return true;
    }
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let origin_host = match rest.strip_prefix('[') {
        Some(v6) => v6.split(']').next().map(|h| format!("[{h}]")),
        None => rest.split(':').next().map(str::to_owned),
    };
    matches!(
        origin_host.as_deref(),
        Some("localhost" | "127.0.0.1" | "[::1]")
    )
}

async fn static_file(req: HttpRequest) -> HttpResponse {
    let path = match req.path() {
        "/" => "/index.html",
        p => p,
    };
    match WEB_ASSETS.iter().find(|(p, _, _)| *p == path) {
        Some((_, bytes, content_type)) if req.method() == actix_web::http::Method::GET => {
            HttpResponse::Ok()
                .content_type(*content_type)
                .insert_header((header::CACHE_CONTROL, "no-cache"))
                .body(*bytes)
        }
        _ => {
            ApiError::NotFound(format!("no route {} {}", req.method(), req.path())).error_response()
        }
    }
}
