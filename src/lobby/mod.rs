//! The lobby actor: the registry every session registers with, and the owner of every match.
//!
//! HTTP handlers ask it to create, list, show, start and end matches and to hand out join
//! tokens; the WebSocket handler redeems a token with it before the upgrade. Sessions register
//! (`started()`) and deregister (`stopping()`) here, and it forwards them to their match actor.
//! Match actors report phase and scoreboard changes back ([`MatchUpdate`]).
//!
//! This file is a thin shell: the decisions (seats, tokens, expiry, capacity) are made by
//! [`state::LobbyState`], plain data driven by an explicit `now`; the shell maps match ids to
//! match actors and session ids to their close recipients, and turns decisions into messages.
//! Every message is handled one at a time, so capacity holds under concurrent joins.

pub mod state;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use arena_game::api::{
    AddBotsResponse, AddedBot, ApiPhase, ApiRole, CreateMatchRequest, CreatedMatch, HistoryEntry,
    JoinResponse, MatchDetail, MatchSummary, PhaseResponse, WatchReplayResponse,
};
use arena_game::{CloseCode, EndReason, GameRegistry, PlayerId};

use crate::config::Config;
use crate::error::ApiError;
use crate::link::{CloseSession, SessionId, SessionLink};
use arena_game::replay::{Playback, Recording, ReplayHeader, REPLAY_FORMAT};

use crate::match_actor::{
    step_seconds, AddBots, AddSession, Control, ControlAction, InputInbox, MatchActor, MatchSpec,
    MatchUpdate, ReleasePlayer, RemoveSession, Shutdown,
};
use crate::metrics::Metrics;
use crate::store::SaveMatch;
use crate::tokens;
use crate::watch::{Source, Watch};
use state::{Limits, LobbyState, NewMatch, SeatGrant};

/// How often the lobby expires tokens and matches.
const SWEEP_INTERVAL: Duration = Duration::from_millis(500);

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
    /// Who asks (when the per-client limits are on): caps its unredeemed tokens.
    pub client: Option<std::net::IpAddr>,
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

/// What a session gets when its token is redeemed: its seat and its match.
#[derive(Clone)]
pub struct SessionGrant {
    /// The seat, role and match.
    pub seat: SeatGrant,
    /// The match actor, for chat.
    pub match_addr: Addr<MatchActor>,
    /// The match's input inbox.
    pub inputs: Arc<InputInbox>,
}

/// WebSocket handler → lobby: spend a join token (once), or use a player's reconnect token,
/// before the upgrade.
#[derive(Message)]
#[rtype(result = "Result<SessionGrant, ApiError>")]
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

/// HTTP → lobby: the host adds bots to its waiting match.
#[derive(Message)]
#[rtype(result = "Result<AddBotsResponse, ApiError>")]
pub struct AddBotsToMatch {
    /// Match id.
    pub match_id: String,
    /// Bearer token from the request, if any.
    pub host_token: Option<String>,
    /// How many.
    pub count: u8,
}

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

/// Session → lobby (in `stopping()`): I am gone; free or hold my seat.
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

/// A finished match's replay, ready to watch (built away from the lobby: it costs one full
/// simulation).
pub struct ReadyReplay {
    /// The match's settings as recorded (JSON text).
    pub settings: String,
    /// The playback, at tick 0.
    pub playback: Playback,
}

/// HTTP → lobby: host a replay match that plays `playback`, the replay of `entry`.
#[derive(Message)]
#[rtype(result = "Result<WatchReplayResponse, ApiError>")]
pub struct WatchReplay {
    /// The finished match.
    pub entry: HistoryEntry,
    /// Its replay, ready.
    pub playback: Box<ReadyReplay>,
}

/// HTTP → lobby: the actor of replay match `match_id`, to read or (with its host token) control.
#[derive(Message)]
#[rtype(result = "Result<Addr<MatchActor>, ApiError>")]
pub struct ReplayTarget {
    /// Match id.
    pub match_id: String,
    /// Bearer token from the request, if any.
    pub host_token: Option<String>,
    /// A control (needs the host token), or only a read.
    pub control: bool,
}

/// Shutdown → lobby: how many match actors still run (each keeps its result on the way out).
#[derive(Message)]
#[rtype(result = "usize")]
pub struct LiveMatches;

/// The lobby: every match and every pending join.
pub struct Lobby {
    state: LobbyState,
    config: Arc<Config>,
    metrics: Arc<Metrics>,
    games: Arc<GameRegistry>,
    matches: HashMap<String, Addr<MatchActor>>,
    /// Each match's input inbox, handed to its sessions.
    inboxes: HashMap<String, Arc<InputInbox>>,
    /// Where finished matches go (none: no history).
    store: Option<Recipient<SaveMatch>>,
    /// How to close each connected player session (a reconnect replaces it, a kick ends it).
    closers: HashMap<SessionId, Recipient<CloseSession>>,
    /// Arbiters this lobby started for matches (`match_threads` > 0); stopped with it.
    own_arbiters: Vec<Arbiter>,
    /// Where new matches go, round robin: the own arbiters, or the HTTP workers' (which
    /// register themselves) so a match and its sessions can share a thread.
    match_arbiters: Vec<ArbiterHandle>,
    next_arbiter: usize,
}

impl Lobby {
    /// A lobby hosting the games of `games` that runs matches on `config.match_threads`
    /// arbiters of its own, or with 0 on the HTTP worker threads (see [`RegisterWorker`]).
    pub fn new(
        config: Arc<Config>,
        metrics: Arc<Metrics>,
        games: Arc<GameRegistry>,
        store: Option<Recipient<SaveMatch>>,
    ) -> Self {
        let own_arbiters: Vec<Arbiter> =
            (0..config.match_threads).map(|_| Arbiter::new()).collect();
        let match_arbiters = own_arbiters.iter().map(Arbiter::handle).collect();
        Self {
            state: LobbyState::new(Limits::from_config(&config)),
            config,
            metrics,
            games,
            matches: HashMap::new(),
            inboxes: HashMap::new(),
            store,
            closers: HashMap::new(),
            own_arbiters,
            match_arbiters,
            next_arbiter: 0,
        }
    }

    /// Makes this the lobby of cluster node `node` (its match ids and tokens name it).
    pub fn of_node(mut self, node: &str) -> Self {
        self.state.set_node(node);
        self
    }

    fn update_phase_gauges(&self) {
        self.metrics.set_matches(self.state.phase_counts());
    }

    fn close(&self, session: SessionId, code: CloseCode, reason: &str) {
        if let Some(closer) = self.closers.get(&session) {
            closer.do_send(CloseSession::new(code, reason));
        }
    }

    fn sweep(&mut self) {
        let swept = self.state.sweep(Instant::now());
        for (id, player) in swept.released {
            if let Some(addr) = self.matches.get(&id) {
                addr.do_send(ReleasePlayer(player));
            }
        }
        for (id, why) in swept.removed {
            log::info!("removing match {id}: {why}");
            self.inboxes.remove(&id);
            if let Some(addr) = self.matches.remove(&id) {
                addr.do_send(Shutdown {
                    code: CloseCode::Normal,
                    reason: why.to_owned(),
                });
            }
        }
        self.update_phase_gauges();
    }
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
        let spec = NewMatch::check(&msg.0, &self.games, self.config.tick_hz)?;
        let seed = tokens::new_seed();
        let game = spec
            .game
            .create(&spec.settings, spec.max_players, seed)
            .map_err(ApiError::BadRequest)?;
        // Every call that changes the game is logged: the replay.
        let header = ReplayHeader {
            format: REPLAY_FORMAT,
            game: spec.game.info().name.clone(),
            rules_version: spec.game.rules_version(),
            settings: serde_json::to_string(&spec.settings).unwrap_or_default(),
            max_players: spec.max_players,
            tick_hz: spec.tick_hz,
            seed,
            step_bits: step_seconds(spec.tick_hz).to_bits(),
        };
        let game = Recording::new(game, header).with_limit(self.config.max_replay_bytes);
        let created = self
            .state
            .create(Instant::now(), self.state.new_match_id(), spec.clone())?;
        let store = self.store.clone();
        self.start_match(ctx, &created, &spec, Source::Live(game), store);
        Ok(CreatedMatch {
            id: created.id,
            host_token: created.host_token,
            summary: created.summary,
        })
    }
}

impl Handler<WatchReplay> for Lobby {
    type Result = Result<WatchReplayResponse, ApiError>;

    fn handle(&mut self, msg: WatchReplay, ctx: &mut Self::Context) -> Self::Result {
        let WatchReplay { entry, playback } = msg;
        let game = self.games.get(&entry.game).ok_or_else(|| {
            ApiError::Unplayable(format!(
                "the replay is of game {:?}, which this server does not host",
                entry.game
            ))
        })?;
        let settings = serde_json::from_str(&playback.settings).unwrap_or_default();
        let spec = NewMatch {
            name: format!("Replay: {}", entry.name),
            game: game.clone(),
            max_players: entry.max_players,
            tick_hz: entry.tick_hz,
            settings,
        };
        let created = self.state.create_replay(
            Instant::now(),
            self.state.new_match_id(),
            spec.clone(),
            entry.id.clone(),
        )?;
        let bots = entry
            .players
            .iter()
            .filter(|p| p.bot)
            .map(|p| (p.id, p.name.clone()))
            .collect();
        let watch = Watch::new(entry.id.clone(), entry.tick_hz, playback.playback, bots);
        let replay = watch.state();
        self.start_match(ctx, &created, &spec, Source::Replay(Box::new(watch)), None);
        Ok(WatchReplayResponse {
            match_id: created.id,
            host_token: created.host_token,
            replay,
        })
    }
}

impl Handler<ReplayTarget> for Lobby {
    type Result = Result<Addr<MatchActor>, ApiError>;

    fn handle(&mut self, msg: ReplayTarget, _: &mut Self::Context) -> Self::Result {
        self.state
            .replay_target(&msg.match_id, msg.host_token.as_deref(), msg.control)?;
        self.matches
            .get(&msg.match_id)
            .cloned()
            .ok_or_else(|| ApiError::NotFound(format!("no match with id {:?}", msg.match_id)))
    }
}

impl Lobby {
    /// Starts the actor of a match the state just created, on the next match arbiter.
    fn start_match(
        &mut self,
        ctx: &mut Context<Self>,
        created: &state::Created,
        spec: &NewMatch,
        game: Source,
        store: Option<Recipient<SaveMatch>>,
    ) {
        let arbiter = match self.match_arbiters.len() {
            0 => Arbiter::current(),
            n => self.match_arbiters[self.next_arbiter % n].clone(),
        };
        self.next_arbiter += 1;
        let match_spec = MatchSpec {
            id: created.id.clone(),
            name: spec.name.clone(),
            max_players: spec.max_players,
            tick_hz: spec.tick_hz,
            // Golden-ratio offsets spread tick instants evenly over the period, whatever the count.
            phase_offset: (created.order as f64 * 0.618_033_988_749_895).fract(),
            slow_client_timeout_ms: self.config.slow_client_timeout_ms,
            keyframe_interval: self.config.keyframe_interval.max(1),
            checksum_interval: self.config.checksum_interval,
            score_columns: spec.game.info().score_columns.clone(),
        };
        let updates = ctx.address().recipient();
        let metrics = self.metrics.clone();
        // Between two ticks a seat's session may queue about two inputs (its rate limit); the
        // inbox holds sixteen per seat before it drops.
        let inbox = Arc::new(InputInbox::new(16 * usize::from(spec.max_players)));
        let match_inbox = inbox.clone();
        let addr = MatchActor::start_in_arbiter(&arbiter, move |_| {
            MatchActor::new(match_spec, game, match_inbox, updates, metrics, store)
        });
        self.matches.insert(created.id.clone(), addr);
        self.inboxes.insert(created.id.clone(), inbox);
        self.update_phase_gauges();
        log::info!(
            "created match {} {:?} ({})",
            created.id,
            spec.name,
            created.summary.game
        );
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
        MessageResult(self.state.list())
    }
}

impl Handler<GetMatch> for Lobby {
    type Result = Result<MatchDetail, ApiError>;

    fn handle(&mut self, msg: GetMatch, _: &mut Self::Context) -> Self::Result {
        self.state.detail(&msg.0)
    }
}

impl Handler<Join> for Lobby {
    type Result = Result<JoinResponse, ApiError>;

    fn handle(&mut self, msg: Join, _: &mut Self::Context) -> Self::Result {
        let granted = self.state.join(
            Instant::now(),
            &msg.match_id,
            &msg.name,
            msg.role,
            msg.client,
        )?;
        Ok(JoinResponse {
            ws_url: format!("{}/ws?token={}", msg.ws_base, granted.token),
            token: granted.token,
            match_id: msg.match_id,
            role: msg.role,
            player_id: granted.player_id,
            reconnect_url: granted
                .reconnect_token
                .as_ref()
                .map(|t| format!("{}/ws?reconnect={t}", msg.ws_base)),
            reconnect_token: granted.reconnect_token,
        })
    }
}

impl Handler<HostControl> for Lobby {
    type Result = Result<PhaseResponse, ApiError>;

    fn handle(&mut self, msg: HostControl, _: &mut Self::Context) -> Self::Result {
        let end = matches!(msg.action, ControlAction::End(_));
        let phase = self.state.host_control(
            Instant::now(),
            &msg.match_id,
            msg.host_token.as_deref(),
            end,
        )?;
        // The match actor applies it and reports back with MatchUpdate; the answer is immediate.
        if let Some(addr) = self.matches.get(&msg.match_id) {
            addr.do_send(Control(msg.action));
        }
        self.update_phase_gauges();
        Ok(PhaseResponse {
            id: msg.match_id,
            phase: ApiPhase::from(phase),
        })
    }
}

impl Handler<AddBotsToMatch> for Lobby {
    type Result = Result<AddBotsResponse, ApiError>;

    fn handle(&mut self, msg: AddBotsToMatch, _: &mut Self::Context) -> Self::Result {
        let added = self
            .state
            .add_bots(&msg.match_id, msg.host_token.as_deref(), msg.count)?;
        let answer = AddBotsResponse {
            added: added
                .bots
                .iter()
                .map(|(id, name)| AddedBot {
                    id: *id,
                    name: name.clone(),
                })
                .collect(),
            phase: if added.start_now {
                ApiPhase::Running
            } else {
                ApiPhase::Waiting
            },
        };
        if let Some(addr) = self.matches.get(&msg.match_id) {
            // Same mailbox: the bots are seated before the start.
            addr.do_send(AddBots {
                bots: added.bots,
                game: added.game,
            });
            if added.start_now {
                addr.do_send(Control(ControlAction::Start));
            }
        }
        log::info!(
            "match {}: host added {} bots",
            msg.match_id,
            answer.added.len()
        );
        Ok(answer)
    }
}

impl Handler<Redeem> for Lobby {
    type Result = Result<SessionGrant, ApiError>;

    fn handle(&mut self, msg: Redeem, _: &mut Self::Context) -> Self::Result {
        let redeemed = self
            .state
            .redeem(Instant::now(), &msg.token, msg.reconnect)?;
        let seat = redeemed.grant;
        if let Some(old) = redeemed.replaced {
            self.close(
                old,
                CloseCode::Replaced,
                "replaced by a newer connection of this player",
            );
        }
        if msg.reconnect {
            log::info!(
                "match {}: player {:?} reconnecting",
                seat.match_id,
                seat.player_id
            );
        }
        let match_addr = self
            .matches
            .get(&seat.match_id)
            .cloned()
            .ok_or_else(|| ApiError::Forbidden("unknown, used or expired token".into()))?;
        let inputs = self
            .inboxes
            .get(&seat.match_id)
            .cloned()
            .ok_or_else(|| ApiError::Forbidden("unknown, used or expired token".into()))?;
        Ok(SessionGrant {
            seat,
            match_addr,
            inputs,
        })
    }
}

impl Handler<Register> for Lobby {
    type Result = ();

    fn handle(&mut self, msg: Register, _: &mut Self::Context) {
        let grant = msg.grant;
        let refuse = |code: CloseCode, reason: &str| {
            msg.link.closer.do_send(CloseSession::new(code, reason));
        };
        let Some(addr) = self.matches.get(&grant.match_id).cloned() else {
            return refuse(CloseCode::Normal, "match closed");
        };
        let start_now = match self.state.register(msg.session_id, &grant) {
            Ok(start_now) => start_now,
            Err(refusal) => return refuse(refusal.code, refusal.reason),
        };
        if grant.player_id.is_some() {
            self.closers.insert(msg.session_id, msg.link.closer.clone());
        }
        addr.do_send(AddSession {
            session_id: msg.session_id,
            role: grant.role,
            player_id: grant.player_id,
            name: grant.name,
            link: msg.link,
        });
        if start_now {
            addr.do_send(Control(ControlAction::Start));
        }
    }
}

impl Handler<Deregister> for Lobby {
    type Result = ();

    fn handle(&mut self, msg: Deregister, _: &mut Self::Context) {
        self.closers.remove(&msg.session_id);
        let released =
            self.state
                .deregister(Instant::now(), msg.session_id, &msg.match_id, msg.left);
        let Some(addr) = self.matches.get(&msg.match_id) else {
            return;
        };
        addr.do_send(RemoveSession {
            session_id: msg.session_id,
        });
        if let Some(id) = released {
            addr.do_send(ReleasePlayer(id));
        }
    }
}

impl Handler<Kick> for Lobby {
    type Result = Result<(), ApiError>;

    fn handle(&mut self, msg: Kick, _: &mut Self::Context) -> Self::Result {
        let session = self
            .state
            .kick(&msg.match_id, msg.host_token.as_deref(), msg.player_id)?;
        if let Some(session) = session {
            self.close(session, CloseCode::Kicked, "kicked by the host");
        }
        if let Some(addr) = self.matches.get(&msg.match_id) {
            addr.do_send(ReleasePlayer(msg.player_id));
        }
        log::info!(
            "match {}: host kicked player {}",
            msg.match_id,
            msg.player_id
        );
        Ok(())
    }
}

impl Handler<LiveMatches> for Lobby {
    type Result = usize;

    fn handle(&mut self, _: LiveMatches, _: &mut Self::Context) -> usize {
        self.matches.values().filter(|a| a.connected()).count()
    }
}

impl Handler<BeginShutdown> for Lobby {
    type Result = ();

    fn handle(&mut self, _: BeginShutdown, _: &mut Self::Context) {
        if !self.state.begin_shutdown() {
            return;
        }
        log::info!("shutting down: ending {} matches", self.matches.len());
        for addr in self.matches.values() {
            // Same mailbox, so the final scoreboard goes out before the close.
            addr.do_send(Control(ControlAction::End(EndReason::Shutdown)));
            addr.do_send(Shutdown {
                code: CloseCode::Away,
                reason: "server shutting down".into(),
            });
        }
    }
}

impl Handler<MatchUpdate> for Lobby {
    type Result = ();

    fn handle(&mut self, msg: MatchUpdate, _: &mut Self::Context) {
        self.state.update(
            Instant::now(),
            &msg.match_id,
            msg.phase,
            msg.end_reason,
            msg.scoreboard,
        );
        self.update_phase_gauges();
    }
}
