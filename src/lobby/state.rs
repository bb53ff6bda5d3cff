//! The lobby's logic as plain data: matches, seats, join and reconnect tokens, spectators,
//! expiry and capacity, driven by an explicit `now` (quinn-proto's `Connection` style).
//!
//! No actors, sockets or clocks here: the [`super::Lobby`] actor calls these methods one message
//! at a time and turns what they return into messages (start this match, close that session).
//! So seats and tokens are unit-tested in microseconds, and a cluster backend can later sit
//! behind the same calls.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use arena_game::api::{ApiRole, CreateMatchRequest, MatchDetail, MatchSummary};
use arena_game::{
    CloseCode, EndReason, GameRegistry, GameType, Phase, PlayerId, Role, ScoreLine, MAX_NAME_BYTES,
};
use serde_json::{Map, Value};
use std::sync::Arc;

use crate::config::Config;
use crate::error::ApiError;
use crate::link::SessionId;
use crate::tokens;

/// Highest tick rate a match may ask for, Hz.
pub const MAX_TICK_HZ: u8 = 128;

/// The lobby's time limits and caps, from [`Config`].
#[derive(Debug, Clone)]
pub struct Limits {
    /// An unredeemed join token (and a seat being set up) expires after this.
    pub join_token_ttl: Duration,
    /// A dropped player's seat is held this long.
    pub reconnect_grace: Duration,
    /// An ended match stays listed this long.
    pub ended_retention: Duration,
    /// A match nobody is in is removed after this.
    pub empty_match_ttl: Duration,
    /// Most matches at once.
    pub max_matches: usize,
    /// Most spectators (connected or holding a token) per match.
    pub max_spectators_per_match: usize,
    /// A match nobody ever connected to is removed after this.
    pub unjoined_match_ttl: Duration,
    /// Unredeemed join tokens one client may hold, over every match and in one match (checked
    /// only for joins that name their client: the per-client limits are on).
    pub pending_joins_per_client: usize,
    pub pending_joins_per_client_per_match: usize,
}

impl Limits {
    /// The limits `config` sets.
    pub fn from_config(config: &Config) -> Self {
        Self {
            join_token_ttl: Duration::from_secs(config.join_token_ttl_s),
            reconnect_grace: Duration::from_secs(config.reconnect_grace_s),
            ended_retention: Duration::from_secs(config.ended_retention_s),
            empty_match_ttl: Duration::from_secs(config.empty_match_ttl_s),
            max_matches: config.max_matches,
            max_spectators_per_match: config.max_spectators,
            unjoined_match_ttl: Duration::from_secs(config.unjoined_match_ttl_s),
            pending_joins_per_client: config.client_pending_joins,
            pending_joins_per_client_per_match: config.client_pending_joins_per_match,
        }
    }
}

/// A checked match request: what the lobby stores and the match is built from.
#[derive(Clone)]
pub struct NewMatch {
    /// Display name.
    pub name: String,
    /// The game.
    pub game: Arc<dyn GameType>,
    /// Seats.
    pub max_players: u8,
    /// Ticks per second.
    pub tick_hz: u8,
    /// The game's settings, defaults filled in.
    pub settings: Map<String, Value>,
}

impl NewMatch {
    /// Checks `req` against the registry and the server's bounds.
    pub fn check(
        req: &CreateMatchRequest,
        registry: &GameRegistry,
        default_tick_hz: u8,
    ) -> Result<Self, ApiError> {
        let name = valid_name(&req.name)?;
        let tick_hz = req.tick_hz.unwrap_or(default_tick_hz);
        if !(1..=MAX_TICK_HZ).contains(&tick_hz) {
            return Err(ApiError::BadRequest(format!(
                "tick_hz must be 1..={MAX_TICK_HZ}"
            )));
        }
        let prepared = registry
            .prepare(req.game.as_deref(), req.max_players, req.settings.as_ref())
            .map_err(ApiError::BadRequest)?;
        Ok(Self {
            name,
            game: prepared.game,
            max_players: prepared.max_players,
            tick_hz,
            settings: prepared.settings,
        })
    }
}

/// What a redeemed token grants a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatGrant {
    /// The match.
    pub match_id: String,
    /// Player or spectator.
    pub role: Role,
    /// The seat for a player.
    pub player_id: Option<PlayerId>,
    /// Display name.
    pub name: String,
    /// The match's tick rate, Hz (the input rate limit scales with it).
    pub tick_hz: u8,
}

/// A created match.
#[derive(Debug, Clone)]
pub struct Created {
    /// Match id.
    pub id: String,
    /// The host's bearer token.
    pub host_token: String,
    /// How many matches were created before this one (spreads tick phases).
    pub order: u64,
    /// The match as listed.
    pub summary: MatchSummary,
}

/// A granted join: the token to open the WebSocket with.
#[derive(Debug, Clone)]
pub struct JoinGrant {
    /// One-use join token.
    pub token: String,
    /// The seat, for players.
    pub player_id: Option<PlayerId>,
    /// Reopens the seat after a drop, for players.
    pub reconnect_token: Option<String>,
}

/// A redeemed token.
#[derive(Debug, Clone)]
pub struct Redeemed {
    /// What the session gets.
    pub grant: SeatGrant,
    /// The session that held the seat until now (a reconnect replaces it: close it with 4001).
    pub replaced: Option<SessionId>,
}

/// Why a session that passed the upgrade cannot be seated after all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Close code for the session.
    pub code: CloseCode,
    /// Close reason.
    pub reason: &'static str,
}

/// What a sweep found.
#[derive(Debug, Default)]
pub struct Swept {
    /// Seats freed (token, setup or grace period expired): remove these players.
    pub released: Vec<(String, PlayerId)>,
    /// Matches to remove, with the close reason for their sessions.
    pub removed: Vec<(String, &'static str)>,
}

/// Bots the host added: the match runs them.
pub struct BotsAdded {
    /// Seat and name of each.
    pub bots: Vec<(PlayerId, String)>,
    /// The match's game (its bot policy).
    pub game: Arc<dyn GameType>,
    /// The match is now full and waiting: the caller starts it.
    pub start_now: bool,
}

/// One player seat: who holds it and how to get back into it.
#[derive(Debug)]
struct Seat {
    name: String,
    /// Opens this seat again (`/ws?reconnect=`) while it is held or taken.
    reconnect_token: String,
    state: SeatState,
}

/// Lifecycle of one seat.
#[derive(Debug)]
enum SeatState {
    /// A join token was issued and not yet redeemed.
    Reserved { token: String, expires: Instant },
    /// A token was redeemed; the WebSocket is being set up.
    Connecting { expires: Instant },
    /// A session holds the seat.
    Taken { session_id: SessionId },
    /// The player dropped; the seat (and the player's state) waits for a reconnect.
    Held { until: Instant },
    /// A bot the match itself runs (added by the host); never expires, never reconnects.
    Bot,
}

/// A spectator token not yet redeemed.
struct PendingSpectator {
    token: String,
    name: String,
    expires: Instant,
}

struct MatchEntry {
    spec: NewMatch,
    host_token: String,
    seats: Vec<Option<Seat>>,
    spectator_tokens: Vec<PendingSpectator>,
    spectators: Vec<SessionId>,
    phase: Phase,
    end_reason: Option<EndReason>,
    scoreboard: Vec<ScoreLine>,
    ended_at: Option<Instant>,
    empty_since: Option<Instant>,
    created_order: u64,
    /// A replay being watched: the history id of the match it replays. It has no seats, plays
    /// what was recorded, and closes when nobody has watched it for a while.
    replay_of: Option<String>,
    /// A session has connected to it at least once (a match nobody ever joined expires sooner).
    ever_joined: bool,
}

impl MatchEntry {
    fn players(&self) -> u32 {
        self.seats.iter().filter(|s| s.is_some()).count() as u32
    }

    /// Seats in play: connected players and bots.
    fn connected_players(&self) -> usize {
        self.seats
            .iter()
            .flatten()
            .filter(|s| matches!(s.state, SeatState::Taken { .. } | SeatState::Bot))
            .count()
    }

    /// Nobody is in it or on the way: no person's seat, no spectator, no pending join. Bots do
    /// not count: a match only bots play expires like an empty one.
    fn is_empty(&self) -> bool {
        self.seats
            .iter()
            .flatten()
            .all(|s| matches!(s.state, SeatState::Bot))
            && self.spectators.is_empty()
            && self.spectator_tokens.is_empty()
    }

    fn summary(&self, id: &str) -> MatchSummary {
        MatchSummary {
            id: id.to_owned(),
            name: self.spec.name.clone(),
            game: self.spec.game.info().name.clone(),
            phase: self.phase.into(),
            players: self.players(),
            spectators: self.spectators.len() as u32,
            max_players: self.spec.max_players,
            tick_hz: self.spec.tick_hz,
            settings: self.spec.settings.clone(),
            replay_of: self.replay_of.clone(),
        }
    }

    /// Refuses what a replay cannot do: it plays what was recorded.
    fn refuse_if_replay(&self, what: &str) -> Result<(), ApiError> {
        match self.replay_of {
            Some(_) => Err(ApiError::WrongPhase(format!(
                "a replay plays what was recorded: it cannot {what}; control it with POST \
                 /api/matches/{{id}}/replay"
            ))),
            None => Ok(()),
        }
    }

    fn check_host(&self, given: Option<&str>) -> Result<(), ApiError> {
        let Some(given) = given else {
            return Err(ApiError::Unauthorized(
                "send the host token as 'Authorization: Bearer <host_token>'".into(),
            ));
        };
        if !tokens::secrets_equal(given, &self.host_token) {
            return Err(ApiError::Forbidden(
                "not the host token of this match".into(),
            ));
        }
        Ok(())
    }

    fn mark_ended(&mut self, now: Instant) {
        self.phase = Phase::Ended;
        self.ended_at.get_or_insert(now);
    }
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

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("no match with id {id:?}"))
}

/// Every match and every pending join.
pub struct LobbyState {
    limits: Limits,
    matches: HashMap<String, MatchEntry>,
    /// Join token → match id and the client it was issued to (when the per-client limits are
    /// on), for every unredeemed token: the one place unused tokens are counted.
    tokens: HashMap<String, (String, Option<IpAddr>)>,
    /// Reconnect token → (match id, seat), for every occupied seat.
    reconnects: HashMap<String, (String, PlayerId)>,
    created: u64,
    shutting_down: bool,
    /// What every match id and session token this lobby makes starts with: `{node}-` in a
    /// cluster (so any node knows the owner from the id alone), empty otherwise.
    prefix: String,
}

impl LobbyState {
    /// An empty lobby.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            matches: HashMap::new(),
            tokens: HashMap::new(),
            reconnects: HashMap::new(),
            created: 0,
            shutting_down: false,
            prefix: String::new(),
        }
    }

    /// Makes this the lobby of cluster node `node`: its ids and tokens start with `{node}-`.
    pub fn set_node(&mut self, node: &str) {
        self.prefix = format!("{node}-");
    }

    /// A fresh match id of this lobby.
    pub fn new_match_id(&self) -> String {
        format!("{}{}", self.prefix, tokens::new_match_id())
    }

    fn refuse_if_shutting_down(&self) -> Result<(), ApiError> {
        if self.shutting_down {
            return Err(ApiError::Unavailable("the server is shutting down".into()));
        }
        Ok(())
    }

    fn entry(&self, id: &str) -> Result<&MatchEntry, ApiError> {
        self.matches.get(id).ok_or_else(|| not_found(id))
    }

    /// Matches now waiting, running and ended.
    pub fn phase_counts(&self) -> [u64; 3] {
        let mut counts = [0u64; 3];
        for m in self.matches.values() {
            counts[m.phase as usize] += 1;
        }
        counts
    }

    /// The ids of every match.
    pub fn match_ids(&self) -> Vec<String> {
        self.matches.keys().cloned().collect()
    }

    /// Whether a player can still be seated in match `id` right now (it is waiting and full:
    /// the caller starts it).
    fn full_and_waiting(&self, id: &str) -> bool {
        self.matches.get(id).is_some_and(|m| {
            m.phase == Phase::Waiting && m.connected_players() == m.spec.max_players as usize
        })
    }

    /// Creates a match with id `id`.
    pub fn create(
        &mut self,
        now: Instant,
        id: String,
        spec: NewMatch,
    ) -> Result<Created, ApiError> {
        self.create_entry(now, id, spec, None)
    }

    /// Creates a replay match with id `id`, replaying finished match `of` (`spec` as recorded):
    /// no seats, spectators only.
    pub fn create_replay(
        &mut self,
        now: Instant,
        id: String,
        spec: NewMatch,
        of: String,
    ) -> Result<Created, ApiError> {
        self.create_entry(now, id, spec, Some(of))
    }

    fn create_entry(
        &mut self,
        now: Instant,
        id: String,
        spec: NewMatch,
        replay_of: Option<String>,
    ) -> Result<Created, ApiError> {
        self.refuse_if_shutting_down()?;
        if self.matches.len() >= self.limits.max_matches {
            return Err(ApiError::Unavailable(format!(
                "the server hosts its maximum of {} matches",
                self.limits.max_matches
            )));
        }
        if self.matches.contains_key(&id) {
            return Err(ApiError::Internal("match id collision; retry".into()));
        }
        let host_token = tokens::new_token();
        let order = self.created;
        self.created += 1;
        let seats = match replay_of {
            Some(_) => 0,
            None => spec.max_players,
        };
        let entry = MatchEntry {
            seats: (0..seats).map(|_| None).collect(),
            spec,
            host_token: host_token.clone(),
            spectator_tokens: Vec::new(),
            spectators: Vec::new(),
            phase: Phase::Waiting,
            end_reason: None,
            scoreboard: Vec::new(),
            ended_at: None,
            empty_since: Some(now),
            created_order: order,
            replay_of,
            ever_joined: false,
        };
        let summary = entry.summary(&id);
        self.matches.insert(id.clone(), entry);
        Ok(Created {
            id,
            host_token,
            order,
            summary,
        })
    }

    /// Every match, oldest first.
    pub fn list(&self) -> Vec<MatchSummary> {
        let mut entries: Vec<(&String, &MatchEntry)> = self.matches.iter().collect();
        entries.sort_by_key(|(_, m)| m.created_order);
        entries.into_iter().map(|(id, m)| m.summary(id)).collect()
    }

    /// One match with its scoreboard.
    pub fn detail(&self, id: &str) -> Result<MatchDetail, ApiError> {
        let m = self.entry(id)?;
        Ok(MatchDetail {
            summary: m.summary(id),
            end_reason: m.end_reason.map(Into::into),
            score_columns: m.spec.game.info().score_columns.clone(),
            scoreboard: m.scoreboard.iter().map(Into::into).collect(),
        })
    }

    /// Reserves a seat (or a spectator place) and issues a join token.
    ///
    /// With `client` (the per-client limits are on), a client holds at most
    /// [`Limits::pending_joins_per_client`] unredeemed tokens, and
    /// [`Limits::pending_joins_per_client_per_match`] in one match: a squatter cannot take a
    /// match's seats or spectator places with tokens it never uses.
    pub fn join(
        &mut self,
        now: Instant,
        id: &str,
        name: &str,
        role: ApiRole,
        client: Option<IpAddr>,
    ) -> Result<JoinGrant, ApiError> {
        self.refuse_if_shutting_down()?;
        let name = valid_name(name)?;
        let expires = now + self.limits.join_token_ttl;
        let max_spectators = self.limits.max_spectators_per_match;
        if let Some(client) = client {
            self.entry(id)?;
            // A client that uses its tokens frees its places in moments: ask it to retry soon.
            let retry_after_s = 1;
            let mine = || self.tokens.values().filter(|(_, c)| *c == Some(client));
            let held = mine().count();
            if held >= self.limits.pending_joins_per_client {
                return Err(ApiError::RateLimited {
                    message: format!(
                        "{client} holds {held} join tokens it has not used; connect with them \
                         or let them expire"
                    ),
                    retry_after_s,
                });
            }
            let here = mine().filter(|(m, _)| m == id).count();
            if here >= self.limits.pending_joins_per_client_per_match {
                return Err(ApiError::RateLimited {
                    message: format!(
                        "{client} holds {here} unused join tokens for this match; connect with \
                         them or let them expire"
                    ),
                    retry_after_s,
                });
            }
        }
        let m = self.matches.get_mut(id).ok_or_else(|| not_found(id))?;
        if m.replay_of.is_some() {
            // A replay has no seats, and its end is only a position: watch it at any time.
            if role == ApiRole::Player {
                return Err(ApiError::Full(
                    "a replay has no player seats: join it as a spectator".into(),
                ));
            }
        } else if m.phase == Phase::Ended {
            return Err(ApiError::Gone("the match has ended".into()));
        }
        let token = format!("{}{}", self.prefix, tokens::new_token());
        let mut reconnect_token = None;
        let player_id = match role {
            ApiRole::Player => {
                let Some(free) = m.seats.iter().position(Option::is_none) else {
                    return Err(ApiError::Full(format!(
                        "all {} player seats are taken",
                        m.spec.max_players
                    )));
                };
                let reconnect = format!("{}{}", self.prefix, tokens::new_token());
                m.seats[free] = Some(Seat {
                    name,
                    reconnect_token: reconnect.clone(),
                    state: SeatState::Reserved {
                        token: token.clone(),
                        expires,
                    },
                });
                self.reconnects
                    .insert(reconnect.clone(), (id.to_owned(), free as PlayerId));
                reconnect_token = Some(reconnect);
                Some(free as PlayerId)
            }
            ApiRole::Spectator => {
                if m.spectators.len() + m.spectator_tokens.len() >= max_spectators {
                    return Err(ApiError::Full(format!(
                        "the match has its maximum of {max_spectators} spectators"
                    )));
                }
                // With the per-client limits on, many clients together still cannot hold more
                // than a quarter of the places with tokens nobody uses.
                let pending_cap = (max_spectators / 4).max(4);
                if client.is_some() && m.spectator_tokens.len() >= pending_cap {
                    return Err(ApiError::RateLimited {
                        message: format!(
                            "{pending_cap} spectator places of this match wait for their \
                             connections; retry in a moment"
                        ),
                        retry_after_s: 1,
                    });
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
        self.tokens.insert(token.clone(), (id.to_owned(), client));
        Ok(JoinGrant {
            token,
            player_id,
            reconnect_token,
        })
    }

    /// The host starts or ends a match: checks the token and the phase; returns the phase the
    /// match will be in (the caller tells the match actor).
    pub fn host_control(
        &mut self,
        now: Instant,
        id: &str,
        host_token: Option<&str>,
        end: bool,
    ) -> Result<Phase, ApiError> {
        let m = self.matches.get_mut(id).ok_or_else(|| not_found(id))?;
        m.check_host(host_token)?;
        m.refuse_if_replay(if end { "be ended" } else { "be started" })?;
        if m.phase == Phase::Ended {
            return Err(ApiError::Gone("the match has ended".into()));
        }
        if end {
            m.mark_ended(now);
        } else {
            m.phase = Phase::Running;
        }
        Ok(m.phase)
    }

    /// The host adds `count` bots to a waiting match, in its free seats.
    pub fn add_bots(
        &mut self,
        id: &str,
        host_token: Option<&str>,
        count: u8,
    ) -> Result<BotsAdded, ApiError> {
        self.refuse_if_shutting_down()?;
        let m = self.matches.get_mut(id).ok_or_else(|| not_found(id))?;
        m.check_host(host_token)?;
        m.refuse_if_replay("seat bots")?;
        if !m.spec.game.has_bots() {
            return Err(ApiError::NoBots(format!(
                "{} has no bot policy: its Game impl says `type Bot = NoBot`, so no bot can \
                 take a seat",
                m.spec.game.info().name
            )));
        }
        match m.phase {
            Phase::Waiting => {}
            Phase::Running => {
                return Err(ApiError::WrongPhase(
                    "bots join a waiting match only; this one is running".into(),
                ))
            }
            Phase::Ended => return Err(ApiError::Gone("the match has ended".into())),
        }
        let free: Vec<usize> = (0..m.seats.len())
            .filter(|&i| m.seats[i].is_none())
            .collect();
        if count == 0 {
            return Err(ApiError::BadRequest("count must be at least 1".into()));
        }
        if usize::from(count) > free.len() {
            return Err(ApiError::Full(format!(
                "{count} bots asked for, {} free seats",
                free.len()
            )));
        }
        let mut added = Vec::with_capacity(count.into());
        for &seat in free.iter().take(count.into()) {
            let name = format!("Bot {}", seat + 1);
            m.seats[seat] = Some(Seat {
                name: name.clone(),
                // Nothing redeems it: a bot never reconnects.
                reconnect_token: String::new(),
                state: SeatState::Bot,
            });
            added.push((seat as PlayerId, name));
        }
        let game = m.spec.game.clone();
        Ok(BotsAdded {
            bots: added,
            game,
            start_now: self.full_and_waiting(id),
        })
    }

    /// Spends a join token (once) or uses a reconnect token, before the upgrade. A refused
    /// redeem spends nothing.
    pub fn redeem(
        &mut self,
        now: Instant,
        token: &str,
        reconnect: bool,
    ) -> Result<Redeemed, ApiError> {
        self.refuse_if_shutting_down()?;
        let invalid = || ApiError::Forbidden("unknown, used or expired token".into());
        let connecting = SeatState::Connecting {
            expires: now + self.limits.join_token_ttl,
        };
        if reconnect {
            let (match_id, idx) = self.reconnects.get(token).cloned().ok_or_else(invalid)?;
            let m = self.matches.get_mut(&match_id).ok_or_else(invalid)?;
            let seat = m.seats[idx as usize].as_mut().ok_or_else(invalid)?;
            let replaced = match std::mem::replace(&mut seat.state, connecting) {
                SeatState::Held { .. } => None,
                // The player is back on a new connection (the old one may be half-open).
                SeatState::Taken { session_id } => Some(session_id),
                other => {
                    seat.state = other;
                    return Err(ApiError::Full(
                        "the seat is still being set up; retry shortly".into(),
                    ));
                }
            };
            return Ok(Redeemed {
                grant: SeatGrant {
                    match_id,
                    role: Role::Player,
                    player_id: Some(idx),
                    name: seat.name.clone(),
                    tick_hz: m.spec.tick_hz,
                },
                replaced,
            });
        }
        let match_id = self
            .tokens
            .get(token)
            .map(|(m, _)| m.clone())
            .ok_or_else(invalid)?;
        let m = self.matches.get_mut(&match_id).ok_or_else(invalid)?;
        if m.phase == Phase::Ended {
            return Err(ApiError::Gone("the match has ended".into()));
        }
        let seat = m.seats.iter_mut().enumerate().find(|(_, s)| {
            matches!(s, Some(Seat { state: SeatState::Reserved { token: t, .. }, .. })
                if tokens::secrets_equal(t, token))
        });
        let (role, player_id, name) = if let Some((idx, Some(seat))) = seat {
            seat.state = connecting;
            (Role::Player, Some(idx as PlayerId), seat.name.clone())
        } else {
            let pos = m
                .spectator_tokens
                .iter()
                .position(|p| tokens::secrets_equal(&p.token, token))
                .ok_or_else(invalid)?;
            let p = m.spectator_tokens.swap_remove(pos);
            (Role::Spectator, None, p.name)
        };
        self.tokens.remove(token);
        Ok(Redeemed {
            grant: SeatGrant {
                match_id,
                role,
                player_id,
                name,
                tick_hz: m.spec.tick_hz,
            },
            replaced: None,
        })
    }

    /// A session that passed the upgrade is connected: seat it. `Ok(true)` when the match is
    /// now full and waiting, so the caller starts it.
    pub fn register(&mut self, session_id: SessionId, grant: &SeatGrant) -> Result<bool, Refusal> {
        let Some(m) = self.matches.get_mut(&grant.match_id) else {
            return Err(Refusal {
                code: CloseCode::Normal,
                reason: "match closed",
            });
        };
        match grant.player_id {
            Some(id) => {
                let seat = m.seats[id as usize]
                    .as_mut()
                    .filter(|s| matches!(s.state, SeatState::Connecting { .. }));
                let Some(seat) = seat else {
                    // The seat expired between the upgrade and now: refuse rather than double-seat.
                    return Err(Refusal {
                        code: CloseCode::Policy,
                        reason: "seat expired before the connection was set up",
                    });
                };
                seat.state = SeatState::Taken { session_id };
            }
            None => m.spectators.push(session_id),
        }
        m.ever_joined = true;
        Ok(self.full_and_waiting(&grant.match_id))
    }

    /// A session is gone. Returns the seat to free at once (it left with 1000, no grace period,
    /// or the match is over); otherwise its seat is held for a reconnect.
    pub fn deregister(
        &mut self,
        now: Instant,
        session_id: SessionId,
        match_id: &str,
        left: bool,
    ) -> Option<PlayerId> {
        let grace = self.limits.reconnect_grace;
        let m = self.matches.get_mut(match_id)?;
        m.spectators.retain(|s| *s != session_id);
        let (idx, slot) = m.seats.iter_mut().enumerate().find(|(_, slot)| {
            matches!(slot, Some(Seat { state: SeatState::Taken { session_id: s }, .. }) if *s == session_id)
        })?;
        let seat = slot.as_mut()?;
        if left || grace.is_zero() || m.phase == Phase::Ended {
            self.reconnects.remove(&seat.reconnect_token);
            *slot = None;
            Some(idx as PlayerId)
        } else {
            seat.state = SeatState::Held { until: now + grace };
            None
        }
    }

    /// The host frees a seat. Returns the session to close with 4002, if one held it.
    pub fn kick(
        &mut self,
        id: &str,
        host_token: Option<&str>,
        player_id: PlayerId,
    ) -> Result<Option<SessionId>, ApiError> {
        let m = self.matches.get_mut(id).ok_or_else(|| not_found(id))?;
        m.check_host(host_token)?;
        let seat = m
            .seats
            .get_mut(player_id as usize)
            .and_then(Option::take)
            .ok_or_else(|| ApiError::NotFound(format!("no player {player_id} in this match")))?;
        self.reconnects.remove(&seat.reconnect_token);
        Ok(match seat.state {
            SeatState::Reserved { token, .. } => {
                self.tokens.remove(&token);
                None
            }
            SeatState::Taken { session_id } => Some(session_id),
            SeatState::Connecting { .. } | SeatState::Held { .. } | SeatState::Bot => None,
        })
    }

    /// The match reported its phase and scoreboard.
    pub fn update(
        &mut self,
        now: Instant,
        id: &str,
        phase: Phase,
        end_reason: Option<EndReason>,
        scoreboard: Vec<ScoreLine>,
    ) {
        let Some(m) = self.matches.get_mut(id) else {
            return;
        };
        m.phase = phase;
        m.end_reason = end_reason;
        m.scoreboard = scoreboard;
        // A replay's end is a position it may leave again (it closes when nobody watches).
        if phase == Phase::Ended && m.replay_of.is_none() {
            m.mark_ended(now);
        }
    }

    /// Checks that match `id` is a replay being watched and, for a control (`host_token` given
    /// or required), that the token is its host's.
    pub fn replay_target(
        &self,
        id: &str,
        host_token: Option<&str>,
        control: bool,
    ) -> Result<(), ApiError> {
        let m = self.entry(id)?;
        if m.replay_of.is_none() {
            return Err(ApiError::NotFound(format!(
                "match {id:?} is live, not a replay"
            )));
        }
        if control {
            m.check_host(host_token)?;
        }
        Ok(())
    }

    /// Removes a match and every token that leads to it.
    pub fn remove(&mut self, id: &str) -> bool {
        let removed = self.matches.remove(id).is_some();
        if removed {
            self.tokens.retain(|_, (mid, _)| mid != id);
            self.reconnects.retain(|_, (mid, _)| mid != id);
        }
        removed
    }

    /// Expires tokens, seats being set up, held seats, empty matches and ended matches.
    pub fn sweep(&mut self, now: Instant) -> Swept {
        let mut swept = Swept::default();
        let mut expired_tokens = Vec::new();
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
                    swept.released.push((id.clone(), idx as PlayerId));
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
                // Nobody watching a replay for as long as an ended match stays listed closes it.
                let (ttl, why) = match (&m.replay_of, m.ever_joined) {
                    (Some(_), _) => (
                        self.limits.ended_retention,
                        "replay closed: nobody watching",
                    ),
                    (None, true) => (self.limits.empty_match_ttl, "match expired: everybody left"),
                    // Nobody ever came: it goes much sooner (a flood of creations cannot hold
                    // the match slots for long).
                    (None, false) => (
                        self.limits.unjoined_match_ttl,
                        "match expired: nobody joined",
                    ),
                };
                if now.duration_since(since) >= ttl {
                    swept.removed.push((id.clone(), why));
                }
            } else {
                m.empty_since = None;
            }
            if let Some(ended) = m.ended_at {
                if now.duration_since(ended) >= self.limits.ended_retention
                    && !swept.removed.iter().any(|(r, _)| r == id)
                {
                    swept.removed.push((id.clone(), "match closed"));
                }
            }
        }
        for t in expired_tokens {
            self.tokens.remove(&t);
            self.reconnects.remove(&t);
        }
        for (id, _) in &swept.removed {
            self.remove(id);
        }
        swept
    }

    /// The server is going down: refuse creations, joins and redeems from now on, forget every
    /// unredeemed join token. Returns false when it already was.
    pub fn begin_shutdown(&mut self) -> bool {
        if self.shutting_down {
            return false;
        }
        self.shutting_down = true;
        self.tokens.clear();
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arena_game::{BotPolicy, Game, GameInfo, ViewKey};
    use serde::{Deserialize, Serialize};

    /// The smallest game: nothing happens, so the lobby is tested on its own.
    #[derive(Clone)]
    struct Idle;
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct NoSettings {}
    struct IdleBot;
    impl BotPolicy<Idle> for IdleBot {
        fn new(_: &(), _: PlayerId, _: u64) -> Self {
            IdleBot
        }
        fn input(&mut self, _: u32, _: &()) -> Option<()> {
            None
        }
    }
    impl Game for Idle {
        type Input = ();
        type View = ();
        type Facts = ();
        type Settings = NoSettings;
        type Bot = IdleBot;
        fn info() -> GameInfo {
            GameInfo {
                name: "idle".into(),
                title: "Idle".into(),
                about: "nothing happens".into(),
                min_players: 1,
                max_players: 8,
                default_players: 2,
                teams: 0,
                settings: vec![],
                score_columns: vec![],
            }
        }
        fn new(_: NoSettings, _: u8, _: u64) -> Self {
            Idle
        }
        fn facts(&self) {}
        fn add_player(&mut self, _: PlayerId, _: &str) {}
        fn remove_player(&mut self, _: PlayerId) {}
        fn start(&mut self) {}
        fn end(&mut self, _: EndReason) {}
        fn step(&mut self, _: &[(PlayerId, ())], _: f32) {}
        fn phase(&self) -> Phase {
            Phase::Waiting
        }
        fn end_reason(&self) -> Option<EndReason> {
            None
        }
        fn view_into(&self, _: ViewKey, _: &mut ()) {}
        fn scoreboard(&self) -> Vec<ScoreLine> {
            Vec::new()
        }
    }

    const S: Duration = Duration::from_secs(1);

    fn limits() -> Limits {
        Limits {
            join_token_ttl: 30 * S,
            reconnect_grace: 15 * S,
            ended_retention: 60 * S,
            empty_match_ttl: 300 * S,
            max_matches: 3,
            max_spectators_per_match: 2,
            unjoined_match_ttl: 60 * S,
            pending_joins_per_client: 3,
            pending_joins_per_client_per_match: 2,
        }
    }

    fn registry() -> GameRegistry {
        GameRegistry::new().with::<Idle>()
    }

    fn new_match(seats: u8) -> NewMatch {
        let req = CreateMatchRequest {
            name: "m".into(),
            max_players: Some(seats),
            ..Default::default()
        };
        NewMatch::check(&req, &registry(), 20).unwrap()
    }

    fn lobby_with_match(now: Instant, seats: u8) -> (LobbyState, String) {
        let mut lobby = LobbyState::new(limits());
        let c = lobby.create(now, "m1".into(), new_match(seats)).unwrap();
        (lobby, c.id)
    }

    /// Seats a player through join, redeem and register; returns its grant.
    fn seat(lobby: &mut LobbyState, now: Instant, id: &str, session: SessionId) -> JoinGrant {
        let g = lobby.join(now, id, "p", ApiRole::Player, None).unwrap();
        let r = lobby.redeem(now, &g.token, false).unwrap();
        lobby.register(session, &r.grant).unwrap();
        g
    }

    /// Capacity is exact: the n+1-th join of an n-seat match is refused, and the match reports
    /// it should start once every seat is connected.
    #[test]
    fn seats_are_counted_exactly_and_a_full_match_starts() {
        let now = Instant::now();
        let (mut lobby, id) = lobby_with_match(now, 2);
        let a = lobby.join(now, &id, "a", ApiRole::Player, None).unwrap();
        let b = lobby.join(now, &id, "b", ApiRole::Player, None).unwrap();
        assert_eq!((a.player_id, b.player_id), (Some(0), Some(1)));
        let e = lobby
            .join(now, &id, "c", ApiRole::Player, None)
            .unwrap_err();
        assert_eq!(e.code(), "match_full");
        let ra = lobby.redeem(now, &a.token, false).unwrap();
        assert!(!lobby.register(1, &ra.grant).unwrap(), "one of two seats");
        let rb = lobby.redeem(now, &b.token, false).unwrap();
        assert!(lobby.register(2, &rb.grant).unwrap(), "full: start it");
    }

    /// A join token works once; a refused redeem spends nothing.
    #[test]
    fn tokens_are_single_use() {
        let now = Instant::now();
        let (mut lobby, id) = lobby_with_match(now, 2);
        let g = lobby.join(now, &id, "a", ApiRole::Player, None).unwrap();
        assert!(lobby.redeem(now, "nonsense", false).is_err());
        assert!(lobby.redeem(now, &g.token, false).is_ok());
        let e = lobby.redeem(now, &g.token, false).unwrap_err();
        assert_eq!(e.code(), "forbidden");
    }

    /// An unredeemed token expires with its seat; a seat stuck connecting expires too.
    #[test]
    fn reservations_expire() {
        let now = Instant::now();
        let (mut lobby, id) = lobby_with_match(now, 1);
        let g = lobby.join(now, &id, "a", ApiRole::Player, None).unwrap();
        assert!(lobby.sweep(now + 29 * S).released.is_empty());
        let swept = lobby.sweep(now + 30 * S);
        assert_eq!(swept.released, vec![(id.clone(), 0)]);
        assert!(lobby.redeem(now + 30 * S, &g.token, false).is_err());
        // The seat is free again.
        let g = lobby
            .join(now + 31 * S, &id, "b", ApiRole::Player, None)
            .unwrap();
        lobby.redeem(now + 31 * S, &g.token, false).unwrap();
        assert_eq!(
            lobby.sweep(now + 61 * S).released,
            vec![(id, 0)],
            "connecting expired"
        );
    }

    /// A client holds at most 2 unused tokens per match and 3 in all (the test limits); another
    /// client is not affected; a used or expired token counts no more.
    #[test]
    fn unused_joins_are_capped_per_client() {
        let now = Instant::now();
        let (mut lobby, m1) = lobby_with_match(now, 8);
        let m2 = lobby.create(now, "m2".into(), new_match(8)).unwrap().id;
        let (a, b): (IpAddr, IpAddr) = ("127.0.0.1".parse().unwrap(), "127.0.0.2".parse().unwrap());
        let join = |lobby: &mut LobbyState, id: &str, who: IpAddr, role| {
            lobby.join(now, id, "p", role, Some(who))
        };
        let first = join(&mut lobby, &m1, a, ApiRole::Player).unwrap();
        join(&mut lobby, &m1, a, ApiRole::Spectator).unwrap();
        let refused = join(&mut lobby, &m1, a, ApiRole::Player);
        assert!(
            matches!(
                refused,
                Err(ApiError::RateLimited {
                    retry_after_s: 1,
                    ..
                })
            ),
            "{refused:?}"
        );
        join(&mut lobby, &m1, b, ApiRole::Player).unwrap();
        join(&mut lobby, &m2, a, ApiRole::Player).unwrap();
        let refused = join(&mut lobby, &m2, a, ApiRole::Spectator);
        assert!(
            matches!(refused, Err(ApiError::RateLimited { .. })),
            "three in all"
        );
        // Used: it frees a place.
        lobby.redeem(now, &first.token, false).unwrap();
        join(&mut lobby, &m2, a, ApiRole::Spectator).unwrap();
        // An unknown match is still a 404 first.
        assert!(matches!(
            join(&mut lobby, "nope", a, ApiRole::Player),
            Err(ApiError::NotFound(_))
        ));
    }

    /// With the per-client limits on, the unused spectator tokens of one match, from all
    /// clients together, are capped at a quarter of its places (at least 4).
    #[test]
    fn unused_spectator_places_are_capped_per_match() {
        let now = Instant::now();
        let mut lobby = LobbyState::new(Limits {
            max_spectators_per_match: 16,
            ..limits()
        });
        let id = lobby.create(now, "m1".into(), new_match(2)).unwrap().id;
        for i in 0..4u8 {
            let client = IpAddr::from([10, 0, 0, i]);
            lobby
                .join(now, &id, "s", ApiRole::Spectator, Some(client))
                .unwrap();
        }
        let fifth = lobby.join(
            now,
            &id,
            "s",
            ApiRole::Spectator,
            Some(IpAddr::from([10, 0, 0, 9])),
        );
        assert!(
            matches!(fifth, Err(ApiError::RateLimited { .. })),
            "{fifth:?}"
        );
        // Without the limits (a load test), only the places count.
        lobby.join(now, &id, "s", ApiRole::Spectator, None).unwrap();
    }

    /// A match nobody ever connected to goes after the short TTL; one somebody joined waits the
    /// long one once empty.
    #[test]
    fn a_match_nobody_joined_expires_sooner() {
        let now = Instant::now();
        let (mut lobby, never) = lobby_with_match(now, 2);
        let played = lobby.create(now, "m2".into(), new_match(2)).unwrap().id;
        seat(&mut lobby, now, &played, 7);
        lobby.deregister(now, 7, &played, true);
        let swept = lobby.sweep(now + 61 * S);
        let removed: Vec<&str> = swept.removed.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(removed, [never.as_str()]);
        assert_eq!(swept.removed[0].1, "match expired: nobody joined");
        let swept = lobby.sweep(now + 400 * S);
        assert_eq!(
            swept.removed,
            vec![(played, "match expired: everybody left")]
        );
    }

    /// A dropped player's seat is held for the grace period and reopened by its reconnect
    /// token; a reconnect while connected replaces the old session; after the grace period the
    /// token is refused.
    #[test]
    fn reconnect_within_grace_and_not_after() {
        let now = Instant::now();
        let (mut lobby, id) = lobby_with_match(now, 2);
        let g = seat(&mut lobby, now, &id, 7);
        let reconnect = g.reconnect_token.unwrap();
        // Reconnect while the first session is still there: it is replaced.
        let r = lobby.redeem(now, &reconnect, true).unwrap();
        assert_eq!(r.replaced, Some(7));
        lobby.register(8, &r.grant).unwrap();
        // Session 8 drops: the seat is held, not freed.
        assert_eq!(lobby.deregister(now, 8, &id, false), None);
        assert_eq!(lobby.list()[0].players, 1);
        let r = lobby.redeem(now + 14 * S, &reconnect, true).unwrap();
        assert_eq!(r.replaced, None);
        lobby.register(9, &r.grant).unwrap();
        assert_eq!(lobby.deregister(now + 14 * S, 9, &id, false), None);
        assert_eq!(lobby.sweep(now + 29 * S).released, vec![(id.clone(), 0)]);
        assert!(lobby.redeem(now + 29 * S, &reconnect, true).is_err());
    }

    /// A session that leaves with 1000 frees its seat at once and its reconnect token dies.
    #[test]
    fn leaving_frees_the_seat_at_once() {
        let now = Instant::now();
        let (mut lobby, id) = lobby_with_match(now, 1);
        let g = seat(&mut lobby, now, &id, 1);
        assert_eq!(lobby.deregister(now, 1, &id, true), Some(0));
        assert!(lobby
            .redeem(now, &g.reconnect_token.unwrap(), true)
            .is_err());
        assert!(lobby.join(now, &id, "b", ApiRole::Player, None).is_ok());
    }

    /// Host controls need the host token: missing 401, wrong 403; an ended match is 410.
    #[test]
    fn host_token_guards_controls_and_kick() {
        let now = Instant::now();
        let mut lobby = LobbyState::new(limits());
        let c = lobby.create(now, "m1".into(), new_match(2)).unwrap();
        let e = lobby.host_control(now, &c.id, None, false).unwrap_err();
        assert_eq!(e.code(), "unauthorized");
        let e = lobby
            .host_control(now, &c.id, Some("nope"), false)
            .unwrap_err();
        assert_eq!(e.code(), "forbidden");
        seat(&mut lobby, now, &c.id, 5);
        assert_eq!(lobby.kick(&c.id, Some(&c.host_token), 0).unwrap(), Some(5));
        assert_eq!(
            lobby
                .kick(&c.id, Some(&c.host_token), 0)
                .unwrap_err()
                .code(),
            "not_found"
        );
        let phase = lobby
            .host_control(now, &c.id, Some(&c.host_token), true)
            .unwrap();
        assert_eq!(phase, Phase::Ended);
        let e = lobby
            .host_control(now, &c.id, Some(&c.host_token), false)
            .unwrap_err();
        assert_eq!(e.code(), "match_ended");
        assert_eq!(
            lobby
                .join(now, &c.id, "x", ApiRole::Spectator, None)
                .unwrap_err()
                .code(),
            "match_ended"
        );
    }

    /// Spectator places are capped, counting unredeemed tokens.
    #[test]
    fn spectators_are_capped() {
        let now = Instant::now();
        let (mut lobby, id) = lobby_with_match(now, 1);
        lobby
            .join(now, &id, "s1", ApiRole::Spectator, None)
            .unwrap();
        lobby
            .join(now, &id, "s2", ApiRole::Spectator, None)
            .unwrap();
        let e = lobby
            .join(now, &id, "s3", ApiRole::Spectator, None)
            .unwrap_err();
        assert_eq!(e.code(), "match_full");
    }

    /// Empty matches expire after the empty TTL (the short one: nobody ever joined); ended
    /// matches after the retention.
    #[test]
    fn matches_expire() {
        let now = Instant::now();
        let mut lobby = LobbyState::new(limits());
        let c = lobby.create(now, "m1".into(), new_match(2)).unwrap();
        // Nobody ever joined: the short TTL.
        assert!(lobby.sweep(now + 59 * S).removed.is_empty());
        assert_eq!(lobby.sweep(now + 60 * S).removed.len(), 1);
        assert!(lobby.list().is_empty());
        let c2 = lobby.create(now, "m2".into(), new_match(2)).unwrap();
        seat(&mut lobby, now, &c2.id, 1);
        lobby.update(now, &c2.id, Phase::Ended, Some(EndReason::Host), vec![]);
        assert!(lobby.sweep(now + 59 * S).removed.is_empty());
        assert_eq!(
            lobby.sweep(now + 60 * S).removed,
            vec![(c2.id, "match closed")]
        );
        let _ = c;
    }

    /// Bots hold their seats (never swept) and count towards a full match, but not as
    /// somebody: a match only bots play expires like an empty one.
    #[test]
    fn bots_fill_seats_but_not_an_empty_match() {
        let now = Instant::now();
        let mut lobby = LobbyState::new(limits());
        let c = lobby.create(now, "m1".into(), new_match(3)).unwrap();
        let added = lobby.add_bots(&c.id, Some(&c.host_token), 2).unwrap();
        assert_eq!(added.bots, vec![(0, "Bot 1".into()), (1, "Bot 2".into())]);
        assert!(!added.start_now);
        assert_eq!(lobby.list()[0].players, 2);
        let filled = lobby.add_bots(&c.id, Some(&c.host_token), 1).unwrap();
        assert!(filled.start_now, "full and waiting: start");
        assert!(lobby.sweep(now + 59 * S).removed.is_empty());
        assert!(
            lobby.sweep(now + 59 * S).released.is_empty(),
            "bot seats never expire"
        );
        assert_eq!(
            lobby.sweep(now + 60 * S).removed.len(),
            1,
            "nobody ever joined"
        );
    }

    /// The match cap and shutdown refuse creations with 503.
    #[test]
    fn caps_and_shutdown_refuse() {
        let now = Instant::now();
        let mut lobby = LobbyState::new(limits());
        for i in 0..3 {
            lobby.create(now, format!("m{i}"), new_match(1)).unwrap();
        }
        let e = lobby.create(now, "m9".into(), new_match(1)).unwrap_err();
        assert_eq!(e.code(), "unavailable");
        assert!(lobby.begin_shutdown());
        assert!(!lobby.begin_shutdown());
        assert_eq!(
            lobby
                .join(now, "m0", "a", ApiRole::Player, None)
                .unwrap_err()
                .code(),
            "unavailable"
        );
    }

    /// Names and tick rates are checked; unknown games and bad seat counts are 400.
    #[test]
    fn requests_are_checked() {
        let reg = registry();
        let req = |name: &str, game: Option<&str>, seats: Option<u8>, hz: Option<u8>| {
            CreateMatchRequest {
                name: name.into(),
                game: game.map(Into::into),
                max_players: seats,
                tick_hz: hz,
                settings: None,
            }
        };
        assert!(NewMatch::check(&req("ok", None, None, None), &reg, 20).is_ok());
        for bad in [
            req("", None, None, None),
            req(&"x".repeat(33), None, None, None),
            req("a\u{7}b", None, None, None),
            req("ok", Some("chess"), None, None),
            req("ok", None, Some(9), None),
            req("ok", None, Some(0), None),
            req("ok", None, None, Some(0)),
            req("ok", None, None, Some(129)),
        ] {
            let e = NewMatch::check(&bad, &reg, 20).err().expect("refused");
            assert_eq!(e.code(), "bad_request");
        }
    }
}
