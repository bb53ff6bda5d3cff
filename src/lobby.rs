//! The lobby actor: the registry every session registers with, and the owner of every match.
//!
//! HTTP handlers ask it to create, list, show, start and end matches and to hand out join
//! tokens; the WebSocket handler redeems a token with it before the upgrade. Sessions register
//! (`started()`) and deregister (`stopping()`) here, and it forwards them to their match actor.
//! Match actors report phase and scoreboard changes back. Seats are only ever counted here, one
//! message at a time, so capacity holds under concurrent joins.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use actix_web_actors::ws::CloseCode;
use arena_game::api::{
    self, ApiPhase, ApiRole, CreateMatchRequest, CreatedMatch, JoinResponse, MatchDetail,
    MatchSummary, PhaseResponse,
};
use arena_game::{
    EndReason, GameFactory, MatchSettings, Phase, PlayerId, Role, ScoreEntry, MAX_NAME_BYTES,
};

use crate::config::Config;
use crate::error::ApiError;
use crate::match_actor::{
    AddSession, Control, ControlAction, MatchActor, ReleasePlayer, RemoveSession, SessionId,
    Shutdown,
};
use crate::metrics::Metrics;
use crate::session::{CloseSession, SeatGrant, SessionLink};
use crate::tokens;

/// How often the lobby expires tokens and matches.
const SWEEP_INTERVAL: Duration = Duration::from_millis(500);

/// Longest time limit a match may have, seconds (one hour).
const MAX_TIME_LIMIT_S: u16 = 3600;

/// HTTP → lobby: create a match.
#[derive(Message)]
#[rtype(result = "Result<CreatedMatch, ApiError>")]
pub struct CreateMatch(pub CreateMatchRequest);

/// HTTP worker → lobby (once, as the worker starts): run matches on my thread too. Used when
/// `match_threads` is 0, so a match and the sessions on the same worker share one thread and a
/// snapshot reaches them without a cross-thread wakeup.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RegisterWorker(pub ArbiterHandle);

/// HTTP → lobby: list every match.
#[derive(Message)]
#[rtype(result = "Vec<MatchSummary>")]
pub struct ListMatches;

/// HTTP → lobby: one match with its scoreboard.
#[derive(Message)]
#[rtype(result = "Result<MatchDetail, ApiError>")]
pub struct GetMatch(pub String);

/// HTTP → lobby: reserve a seat (or a spectator place) and issue a join token.
#[derive(Message)]
#[rtype(result = "Result<JoinResponse, ApiError>")]
pub struct Join {
    /// Match id.
    pub match_id: String,
    /// Display name.
    pub name: String,
    /// Role asked for.
    pub role: ApiRole,
    /// `ws://host` prefix for the URL in the answer.
    pub ws_base: String,
}

/// HTTP → lobby: the host starts or ends a match.
#[derive(Message)]
#[rtype(result = "Result<PhaseResponse, ApiError>")]
pub struct HostControl {
    /// Match id.
    pub match_id: String,
    /// Bearer token from the request, if any.
    pub host_token: Option<String>,
    /// Start or end.
    pub action: ControlAction,
}

/// WebSocket handler → lobby: spend a join token (once), or use a player's reconnect token,
/// before the upgrade.
#[derive(Message)]
#[rtype(result = "Result<SeatGrant, ApiError>")]
pub struct Redeem {
    /// The token from the query string.
    pub token: String,
    /// `true` for `?reconnect=`, `false` for `?token=`.
    pub reconnect: bool,
}

/// HTTP → lobby: the host removes a player from the match.
#[derive(Message)]
#[rtype(result = "Result<(), ApiError>")]
pub struct Kick {
    /// Match id.
    pub match_id: String,
    /// Bearer token from the request, if any.
    pub host_token: Option<String>,
    /// The seat to free.
    pub player_id: PlayerId,
}

/// Application close code for a session whose player reconnected on a newer connection.
pub const REPLACED_CLOSE_CODE: u16 = 4001;

/// Application close code for a session whose player the host kicked.
pub const KICKED_CLOSE_CODE: u16 = 4002;

/// Session → lobby (in `started()`): I am connected; put me in my match.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Register {
    /// The session.
    pub session_id: SessionId,
    /// What its token granted.
    pub grant: SeatGrant,
    /// How its match reaches it.
    pub link: SessionLink,
}

/// Session → lobby (in `stopping()`): I am gone; free my seat.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Deregister {
    /// The session.
    pub session_id: SessionId,
    /// Its match.
    pub match_id: String,
    /// The client closed with 1000 (normal closure): it left on purpose, so its seat is freed
    /// at once instead of held for a reconnect.
    pub left: bool,
}

/// Server → lobby: the server is going down. Refuse new matches and joins (503), end every
/// match with its final scoreboard, close every session with 1001.
#[derive(Message)]
#[rtype(result = "()")]
pub struct BeginShutdown;

/// Match → lobby: phase or scoreboard changed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct MatchUpdate {
    /// The match.
    pub match_id: String,
    /// Its phase now.
    pub phase: Phase,
    /// Why it ended, once ended.
    pub end_reason: Option<EndReason>,
    /// Best first.
    pub scoreboard: Vec<ScoreEntry>,
}

/// One player seat: who holds it and how to get back into it.
struct Seat {
    name: String,
    /// Opens this seat again (`/ws?reconnect=`) while it is held or taken.
    reconnect_token: String,
    state: SeatState,
}

/// Lifecycle of one seat.
enum SeatState {
    /// A join token was issued and not yet redeemed.
    Reserved { token: String, expires: Instant },
    /// A token was redeemed; the WebSocket is being set up.
    Connecting { expires: Instant },
    /// A session holds the seat.
    Taken {
        session_id: SessionId,
        closer: Recipient<CloseSession>,
    },
    /// The player dropped; the seat (and the player's state) waits for a reconnect.
    Held { until: Instant },
}

/// A spectator token not yet redeemed.
struct PendingSpectator {
    token: String,
    name: String,
    expires: Instant,
}

struct MatchEntry {
    settings: MatchSettings,
    host_token: String,
    addr: Addr<MatchActor>,
    seats: Vec<Option<Seat>>,
    spectator_tokens: Vec<PendingSpectator>,
    spectators: Vec<SessionId>,
    phase: Phase,
    end_reason: Option<EndReason>,
    scoreboard: Vec<ScoreEntry>,
    ended_at: Option<Instant>,
    empty_since: Option<Instant>,
    created_order: u64,
}

impl MatchEntry {
    fn players(&self) -> u32 {
        self.seats.iter().filter(|s| s.is_some()).count() as u32
    }

    fn connected_players(&self) -> usize {
        self.seats
            .iter()
            .flatten()
            .filter(|s| matches!(s.state, SeatState::Taken { .. }))
            .count()
    }

    fn is_empty(&self) -> bool {
        self.players() == 0 && self.spectators.is_empty() && self.spectator_tokens.is_empty()
    }

    fn summary(&self, id: &str) -> MatchSummary {
        MatchSummary {
            id: id.to_owned(),
            name: self.settings.name.clone(),
            phase: self.phase.into(),
            players: self.players(),
            spectators: self.spectators.len() as u32,
            max_players: self.settings.max_players,
            tick_hz: self.settings.tick_hz,
            time_limit_s: self.settings.time_limit_s,
            score_limit: self.settings.score_limit,
        }
    }
}

/// The lobby: every match and every pending join.
pub struct Lobby {
    config: Arc<Config>,
    metrics: Arc<Metrics>,
    factory: Arc<GameFactory>,
    matches: HashMap<String, MatchEntry>,
    /// Join token → match id, for every unredeemed token.
    tokens: HashMap<String, String>,
    /// Reconnect token → (match id, seat), for every occupied seat.
    reconnects: HashMap<String, (String, PlayerId)>,
    /// Arbiters this lobby started for matches (`match_threads` > 0); stopped with it.
    own_arbiters: Vec<Arbiter>,
    /// Where new matches go, round robin: the own arbiters, or the HTTP workers' (which
    /// register themselves) so a match and its sessions can share a thread.
    match_arbiters: Vec<ArbiterHandle>,
    next_arbiter: usize,
    created: u64,
    shutting_down: bool,
}

impl Lobby {
    /// A lobby that runs matches on `config.match_threads` arbiters of its own, or with 0 on
    /// the HTTP worker threads (see [`RegisterWorker`]).
    pub fn new(config: Arc<Config>, metrics: Arc<Metrics>, factory: Arc<GameFactory>) -> Self {
        let own_arbiters: Vec<Arbiter> =
            (0..config.match_threads).map(|_| Arbiter::new()).collect();
        let match_arbiters = own_arbiters.iter().map(Arbiter::handle).collect();
        Self {
            config,
            metrics,
            factory,
            matches: HashMap::new(),
            tokens: HashMap::new(),
            reconnects: HashMap::new(),
            own_arbiters,
            match_arbiters,
            next_arbiter: 0,
            created: 0,
            shutting_down: false,
        }
    }

    fn refuse_if_shutting_down(&self) -> Result<(), ApiError> {
        if self.shutting_down {
            return Err(ApiError::Unavailable("the server is shutting down".into()));
        }
        Ok(())
    }

    fn entry(&self, id: &str) -> Result<&MatchEntry, ApiError> {
        self.matches
            .get(id)
            .ok_or_else(|| ApiError::NotFound(format!("no match with id {id:?}")))
    }

    fn update_phase_gauges(&self) {
        let mut counts = [0u64; 3];
        for m in self.matches.values() {
            counts[m.phase as usize] += 1;
        }
        self.metrics.set_matches(counts);
    }

    fn remove_match(&mut self, id: &str, code: CloseCode, reason: &str) {
        if let Some(m) = self.matches.remove(id) {
            m.addr.do_send(Shutdown {
                code,
                reason: reason.to_owned(),
            });
            self.tokens.retain(|_, mid| mid != id);
            self.reconnects.retain(|_, (mid, _)| mid != id);
        }
        self.update_phase_gauges();
    }

    fn sweep(&mut self) {
        let now = Instant::now();
        let retention = Duration::from_secs(self.config.ended_retention_s);
        let empty_ttl = Duration::from_secs(self.config.empty_match_ttl_s);
        let mut expired_tokens = Vec::new();
        let mut remove = Vec::new();
        for (id, m) in &mut self.matches {
            for (idx, slot) in m.seats.iter_mut().enumerate() {
                let Some(seat) = slot else { continue };
                let expired = match &seat.state {
                    SeatState::Reserved { token, expires } if *expires <= now => {
                        expired_tokens.push(token.clone());
                        true
                    }
                    SeatState::Connecting { expires } => *expires <= now,
                    SeatState::Held { until } => *until <= now,
                    _ => false,
                };
                if expired {
                    expired_tokens.push(seat.reconnect_token.clone());
                    *slot = None;
                    m.addr.do_send(ReleasePlayer(idx as PlayerId));
                }
            }
            m.spectator_tokens.retain(|p| {
                let keep = p.expires > now;
                if !keep {
                    expired_tokens.push(p.token.clone());
                }
                keep
            });
            if m.is_empty() {
                let since = *m.empty_since.get_or_insert(now);
                if now.duration_since(since) >= empty_ttl {
                    remove.push((id.clone(), "match expired: nobody joined"));
                }
            } else {
                m.empty_since = None;
            }
            if let Some(ended) = m.ended_at {
                if now.duration_since(ended) >= retention {
                    remove.push((id.clone(), "match closed"));
                }
            }
        }
        for t in expired_tokens {
            self.tokens.remove(&t);
            self.reconnects.remove(&t);
        }
        for (id, why) in remove {
            log::info!("removing match {id}: {why}");
            self.remove_match(&id, CloseCode::Normal, why);
        }
    }

    fn maybe_start_when_full(&self, id: &str) {
        if let Some(m) = self.matches.get(id) {
            if m.phase == Phase::Waiting && m.connected_players() == m.settings.max_players as usize
            {
                m.addr.do_send(Control(ControlAction::Start));
            }
        }
    }
}

/// Checks a bearer token against the match's host token: missing 401, wrong 403.
fn check_host(m: &MatchEntry, given: Option<&str>) -> Result<(), ApiError> {
    let Some(given) = given else {
        return Err(ApiError::Unauthorized(
            "send the host token as 'Authorization: Bearer <host_token>'".into(),
        ));
    };
    if !tokens::secrets_equal(given, &m.host_token) {
        return Err(ApiError::Forbidden(
            "not the host token of this match".into(),
        ));
    }
    Ok(())
}

/// Validates a display name: 1..=32 bytes after trimming, no control characters.
pub fn valid_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.len() > MAX_NAME_BYTES {
        return Err(ApiError::BadRequest(format!(
            "name must be 1..={MAX_NAME_BYTES} bytes"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::BadRequest(
            "name must not contain control characters".into(),
        ));
    }
    Ok(name.to_owned())
}

fn settings_from(req: &CreateMatchRequest, config: &Config) -> Result<MatchSettings, ApiError> {
    let name = valid_name(&req.name)?;
    let max_players = req.max_players.unwrap_or(api::DEFAULT_MAX_PLAYERS);
    if !(1..=64).contains(&max_players) {
        return Err(ApiError::BadRequest("max_players must be 1..=64".into()));
    }
    let tick_hz = req.tick_hz.unwrap_or(config.default_tick_hz);
    if !(1..=128).contains(&tick_hz) {
        return Err(ApiError::BadRequest("tick_hz must be 1..=128".into()));
    }
    let time_limit_s = req.time_limit_s.unwrap_or(api::DEFAULT_TIME_LIMIT_S);
    if time_limit_s > MAX_TIME_LIMIT_S {
        return Err(ApiError::BadRequest(format!(
            "time_limit_s must be 0..={MAX_TIME_LIMIT_S}"
        )));
    }
    Ok(MatchSettings {
        name,
        max_players,
        tick_hz,
        time_limit_s,
        score_limit: req.score_limit.unwrap_or(api::DEFAULT_SCORE_LIMIT),
    })
}

impl Actor for Lobby {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(65_536);
        ctx.run_interval(SWEEP_INTERVAL, |act, _| act.sweep());
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        for a in &self.own_arbiters {
            a.stop();
        }
    }
}

impl Handler<CreateMatch> for Lobby {
    type Result = Result<CreatedMatch, ApiError>;

    fn handle(&mut self, msg: CreateMatch, ctx: &mut Self::Context) -> Self::Result {
        self.refuse_if_shutting_down()?;
        let settings = settings_from(&msg.0, &self.config)?;
        if self.matches.len() >= self.config.max_matches {
            return Err(ApiError::Unavailable(format!(
                "the server hosts its maximum of {} matches",
                self.config.max_matches
            )));
        }
        let id = tokens::new_match_id();
        let host_token = tokens::new_token();
        // Golden-ratio offsets spread tick instants evenly over the period, whatever the count.
        let phase_offset = (self.created as f64 * 0.618_033_988_749_895).fract();
        self.created += 1;
        let arbiter = match self.match_arbiters.len() {
            0 => Arbiter::current(),
            n => self.match_arbiters[self.next_arbiter % n].clone(),
        };
        self.next_arbiter += 1;
        let game = (self.factory)(&settings, tokens::new_seed());
        let (lobby, metrics) = (ctx.address(), self.metrics.clone());
        let (actor_id, actor_settings) = (id.clone(), settings.clone());
        let slow_timeout_ms = self.config.slow_client_timeout_ms;
        let addr = MatchActor::start_in_arbiter(&arbiter, move |_| {
            MatchActor::new(
                actor_id,
                actor_settings,
                game,
                lobby,
                metrics,
                phase_offset,
                slow_timeout_ms,
            )
        });
        let entry = MatchEntry {
            seats: (0..settings.max_players).map(|_| None).collect(),
            settings,
            host_token: host_token.clone(),
            addr,
            spectator_tokens: Vec::new(),
            spectators: Vec::new(),
            phase: Phase::Waiting,
            end_reason: None,
            scoreboard: Vec::new(),
            ended_at: None,
            empty_since: Some(Instant::now()),
            created_order: self.created,
        };
        let summary = entry.summary(&id);
        self.matches.insert(id.clone(), entry);
        self.update_phase_gauges();
        log::info!("created match {id} {:?}", summary.name);
        Ok(CreatedMatch {
            id,
            host_token,
            summary,
        })
    }
}

impl Handler<RegisterWorker> for Lobby {
    type Result = ();

    fn handle(&mut self, msg: RegisterWorker, _: &mut Self::Context) {
        if self.config.match_threads == 0 {
            self.match_arbiters.push(msg.0);
        }
    }
}

impl Handler<ListMatches> for Lobby {
    type Result = MessageResult<ListMatches>;

    fn handle(&mut self, _: ListMatches, _: &mut Self::Context) -> Self::Result {
        let mut entries: Vec<(&String, &MatchEntry)> = self.matches.iter().collect();
        entries.sort_by_key(|(_, m)| m.created_order);
        MessageResult(entries.into_iter().map(|(id, m)| m.summary(id)).collect())
    }
}

impl Handler<GetMatch> for Lobby {
    type Result = Result<MatchDetail, ApiError>;

    fn handle(&mut self, msg: GetMatch, _: &mut Self::Context) -> Self::Result {
        let m = self.entry(&msg.0)?;
        Ok(MatchDetail {
            summary: m.summary(&msg.0),
            end_reason: m.end_reason.map(Into::into),
            scoreboard: m.scoreboard.iter().map(Into::into).collect(),
        })
    }
}

impl Handler<Join> for Lobby {
    type Result = Result<JoinResponse, ApiError>;

    fn handle(&mut self, msg: Join, _: &mut Self::Context) -> Self::Result {
        self.refuse_if_shutting_down()?;
        let name = valid_name(&msg.name)?;
        let ttl = Duration::from_secs(self.config.join_token_ttl_s);
        let max_spectators = self.config.max_spectators_per_match;
        let m = self
            .matches
            .get_mut(&msg.match_id)
            .ok_or_else(|| ApiError::NotFound(format!("no match with id {:?}", msg.match_id)))?;
        if m.phase == Phase::Ended {
            return Err(ApiError::Gone("the match has ended".into()));
        }
        let token = tokens::new_token();
        let expires = Instant::now() + ttl;
        let mut reconnect_token = None;
        let player_id = match msg.role {
            ApiRole::Player => {
                let Some(free) = m.seats.iter().position(Option::is_none) else {
                    return Err(ApiError::Full(format!(
                        "all {} player seats are taken",
                        m.settings.max_players
                    )));
                };
                let reconnect = tokens::new_token();
                m.seats[free] = Some(Seat {
                    name,
                    reconnect_token: reconnect.clone(),
                    state: SeatState::Reserved {
                        token: token.clone(),
                        expires,
                    },
                });
                self.reconnects
                    .insert(reconnect.clone(), (msg.match_id.clone(), free as PlayerId));
                reconnect_token = Some(reconnect);
                Some(free as PlayerId)
            }
            ApiRole::Spectator => {
                if m.spectators.len() + m.spectator_tokens.len() >= max_spectators {
                    return Err(ApiError::Full(format!(
                        "the match has its maximum of {max_spectators} spectators"
                    )));
                }
                m.spectator_tokens.push(PendingSpectator {
                    token: token.clone(),
                    name,
                    expires,
                });
                None
            }
        };
        m.empty_since = None;
        self.tokens.insert(token.clone(), msg.match_id.clone());
        Ok(JoinResponse {
            ws_url: format!("{}/ws?token={token}", msg.ws_base),
            token,
            match_id: msg.match_id,
            role: msg.role,
            player_id,
            reconnect_url: reconnect_token
                .as_ref()
                .map(|t| format!("{}/ws?reconnect={t}", msg.ws_base)),
            reconnect_token,
        })
    }
}

impl Handler<HostControl> for Lobby {
    type Result = Result<PhaseResponse, ApiError>;

    fn handle(&mut self, msg: HostControl, _: &mut Self::Context) -> Self::Result {
        let m = self.entry(&msg.match_id)?;
        let Some(given) = msg.host_token else {
            return Err(ApiError::Unauthorized(
                "send the host token as 'Authorization: Bearer <host_token>'".into(),
            ));
        };
        if !tokens::secrets_equal(&given, &m.host_token) {
            return Err(ApiError::Forbidden(
                "not the host token of this match".into(),
            ));
        }
        let phase = match (msg.action, m.phase) {
            (_, Phase::Ended) => return Err(ApiError::Gone("the match has ended".into())),
            (ControlAction::Start, _) => Phase::Running,
            (ControlAction::End(_), _) => Phase::Ended,
        };
        // The match actor applies it and reports back with MatchUpdate; the answer is immediate.
        m.addr.do_send(Control(msg.action));
        let id = msg.match_id.clone();
        if let Some(m) = self.matches.get_mut(&id) {
            m.phase = phase;
            if phase == Phase::Ended && m.ended_at.is_none() {
                m.ended_at = Some(Instant::now());
            }
        }
        self.update_phase_gauges();
        Ok(PhaseResponse {
            id,
            phase: ApiPhase::from(phase),
        })
    }
}

impl Handler<Redeem> for Lobby {
    type Result = Result<SeatGrant, ApiError>;

    fn handle(&mut self, msg: Redeem, _: &mut Self::Context) -> Self::Result {
        self.refuse_if_shutting_down()?;
        let invalid = || ApiError::Forbidden("unknown, used or expired token".into());
        let connecting = SeatState::Connecting {
            expires: Instant::now() + Duration::from_secs(self.config.join_token_ttl_s),
        };
        if msg.reconnect {
            let (match_id, idx) = self
                .reconnects
                .get(&msg.token)
                .cloned()
                .ok_or_else(invalid)?;
            let m = self.matches.get_mut(&match_id).ok_or_else(invalid)?;
            let seat = m.seats[idx as usize].as_mut().ok_or_else(invalid)?;
            match std::mem::replace(&mut seat.state, connecting) {
                SeatState::Held { .. } => {}
                SeatState::Taken { closer, .. } => {
                    // The player is back on a new connection (the old one may be half-open).
                    closer.do_send(CloseSession::new(
                        CloseCode::Other(REPLACED_CLOSE_CODE),
                        "replaced by a newer connection of this player",
                    ));
                }
                other => {
                    seat.state = other;
                    return Err(ApiError::Full(
                        "the seat is still being set up; retry shortly".into(),
                    ));
                }
            }
            log::info!("match {match_id}: player {idx} reconnecting");
            return Ok(SeatGrant {
                match_id,
                match_addr: m.addr.clone(),
                role: Role::Player,
                player_id: Some(idx),
                name: seat.name.clone(),
                tick_hz: m.settings.tick_hz,
            });
        }
        let match_id = self.tokens.remove(&msg.token).ok_or_else(invalid)?;
        let m = self.matches.get_mut(&match_id).ok_or_else(invalid)?;
        if m.phase == Phase::Ended {
            return Err(ApiError::Gone("the match has ended".into()));
        }
        let seat = m.seats.iter_mut().enumerate().find(|(_, s)| {
            matches!(s, Some(Seat { state: SeatState::Reserved { token, .. }, .. })
                if tokens::secrets_equal(token, &msg.token))
        });
        let (role, player_id, name) = if let Some((idx, Some(seat))) = seat {
            seat.state = connecting;
            (Role::Player, Some(idx as PlayerId), seat.name.clone())
        } else {
            let pos = m
                .spectator_tokens
                .iter()
                .position(|p| tokens::secrets_equal(&p.token, &msg.token))
                .ok_or_else(invalid)?;
            let p = m.spectator_tokens.swap_remove(pos);
            (Role::Spectator, None, p.name)
        };
        Ok(SeatGrant {
            match_id,
            match_addr: m.addr.clone(),
            role,
            player_id,
            name,
            tick_hz: m.settings.tick_hz,
        })
    }
}

impl Handler<Register> for Lobby {
    type Result = ();

    fn handle(&mut self, msg: Register, _: &mut Self::Context) {
        let grant = msg.grant;
        let Some(m) = self.matches.get_mut(&grant.match_id) else {
            msg.link
                .closer
                .do_send(CloseSession::new(CloseCode::Normal, "match closed"));
            return;
        };
        match grant.player_id {
            Some(id) => {
                let seat = m.seats[id as usize]
                    .as_mut()
                    .filter(|s| matches!(s.state, SeatState::Connecting { .. }));
                let Some(seat) = seat else {
                    // The seat expired between the upgrade and now: refuse rather than double-seat.
                    msg.link.closer.do_send(CloseSession::new(
                        CloseCode::Policy,
                        "seat expired before the connection was set up",
                    ));
                    return;
                };
                seat.state = SeatState::Taken {
                    session_id: msg.session_id,
                    closer: msg.link.closer.clone(),
                };
            }
            None => m.spectators.push(msg.session_id),
        }
        m.addr.do_send(AddSession {
            session_id: msg.session_id,
            role: grant.role,
            player_id: grant.player_id,
            name: grant.name,
            link: msg.link,
        });
        self.maybe_start_when_full(&grant.match_id);
    }
}

impl Handler<Deregister> for Lobby {
    type Result = ();

    fn handle(&mut self, msg: Deregister, _: &mut Self::Context) {
        let grace = Duration::from_secs(self.config.reconnect_grace_s);
        let Some(m) = self.matches.get_mut(&msg.match_id) else {
            return;
        };
        let mut released = None;
        for (idx, slot) in m.seats.iter_mut().enumerate() {
            let Some(seat) = slot else { continue };
            if !matches!(seat.state, SeatState::Taken { session_id, .. } if session_id == msg.session_id)
            {
                continue;
            }
            if msg.left || grace.is_zero() || m.phase == Phase::Ended {
                self.reconnects.remove(&seat.reconnect_token);
                *slot = None;
                released = Some(idx as PlayerId);
            } else {
                seat.state = SeatState::Held {
                    until: Instant::now() + grace,
                };
            }
        }
        m.spectators.retain(|s| *s != msg.session_id);
        m.addr.do_send(RemoveSession {
            session_id: msg.session_id,
        });
        if let Some(id) = released {
            m.addr.do_send(ReleasePlayer(id));
        }
    }
}

impl Handler<Kick> for Lobby {
    type Result = Result<(), ApiError>;

    fn handle(&mut self, msg: Kick, _: &mut Self::Context) -> Self::Result {
        let m = self.entry(&msg.match_id)?;
        check_host(m, msg.host_token.as_deref())?;
        let m = self
            .matches
            .get_mut(&msg.match_id)
            .ok_or_else(|| ApiError::NotFound("no such match".into()))?;
        let slot = m
            .seats
            .get_mut(msg.player_id as usize)
            .filter(|s| s.is_some())
            .ok_or_else(|| {
                ApiError::NotFound(format!("no player {} in this match", msg.player_id))
            })?;
        if let Some(seat) = slot.take() {
            self.reconnects.remove(&seat.reconnect_token);
            if let SeatState::Reserved { token, .. } = &seat.state {
                self.tokens.remove(token);
            }
            if let SeatState::Taken { closer, .. } = seat.state {
                closer.do_send(CloseSession::new(
                    CloseCode::Other(KICKED_CLOSE_CODE),
                    "kicked by the host",
                ));
            }
        }
        m.addr.do_send(ReleasePlayer(msg.player_id));
        log::info!(
            "match {}: host kicked player {}",
            msg.match_id,
            msg.player_id
        );
        Ok(())
    }
}

impl Handler<BeginShutdown> for Lobby {
    type Result = ();

    fn handle(&mut self, _: BeginShutdown, _: &mut Self::Context) {
        if self.shutting_down {
            return;
        }
        self.shutting_down = true;
        log::info!("shutting down: ending {} matches", self.matches.len());
        for m in self.matches.values() {
            // Same mailbox, so the final scoreboard goes out before the close.
            m.addr
                .do_send(Control(ControlAction::End(EndReason::Shutdown)));
            m.addr.do_send(Shutdown {
                code: CloseCode::Away,
                reason: "server shutting down".into(),
            });
        }
        self.tokens.clear();
    }
}

impl Handler<MatchUpdate> for Lobby {
    type Result = ();

    fn handle(&mut self, msg: MatchUpdate, _: &mut Self::Context) {
        let Some(m) = self.matches.get_mut(&msg.match_id) else {
            return;
        };
        m.phase = msg.phase;
        m.end_reason = msg.end_reason;
        m.scoreboard = msg.scoreboard;
        if msg.phase == Phase::Ended && m.ended_at.is_none() {
            m.ended_at = Some(Instant::now());
        }
        self.update_phase_gauges();
    }
}
