//! The games a server hosts, by name: what `GET /api/games` lists, what `POST /api/matches`
//! builds from a name and settings, and where the bots find each game's policy.

use std::marker::PhantomData;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::codec::DecodeError;
use crate::erased::{DynBot, DynGame, ErasedBot, ErasedGame};
use crate::game::{Game, GameInfo};
use crate::protocol::{PlayerId, MAX_SEATS};
use crate::settings;

/// One registered game, behind an object-safe interface.
pub trait GameType: Send + Sync {
    /// Name, seats, settings, columns.
    fn info(&self) -> &GameInfo;
    /// [`Game::rules_version`].
    fn rules_version(&self) -> u32;
    /// Checks settings from the lobby's JSON for a match of `max_players` seats; returns them
    /// with every default filled in.
    fn settings(
        &self,
        given: Option<&Map<String, Value>>,
        max_players: u8,
    ) -> Result<Map<String, Value>, String>;
    /// A new game from settings [`GameType::settings`] accepted.
    fn create(
        &self,
        settings: &Map<String, Value>,
        max_players: u8,
        seed: u64,
    ) -> Result<Box<dyn DynGame>, String>;
    /// A bot for seat `me`, from the welcome's encoded facts.
    fn bot(&self, facts: &[u8], me: PlayerId, seed: u64) -> Result<Box<dyn DynBot>, DecodeError>;
}

struct Registered<G> {
    info: GameInfo,
    game: PhantomData<fn() -> G>,
}

impl<G: Game> GameType for Registered<G> {
    fn info(&self) -> &GameInfo {
        &self.info
    }

    fn rules_version(&self) -> u32 {
        G::rules_version()
    }

    fn settings(
        &self,
        given: Option<&Map<String, Value>>,
        max_players: u8,
    ) -> Result<Map<String, Value>, String> {
        let resolved = settings::resolve(&self.info.name, &self.info.settings, given)?;
        let typed: G::Settings = settings::into_settings(&resolved)?;
        G::check_settings(&typed, max_players)?;
        Ok(resolved)
    }

    fn create(
        &self,
        settings: &Map<String, Value>,
        max_players: u8,
        seed: u64,
    ) -> Result<Box<dyn DynGame>, String> {
        let typed: G::Settings = settings::into_settings(settings)?;
        Ok(Box::new(ErasedGame::new(G::new(typed, max_players, seed))))
    }

    fn bot(&self, facts: &[u8], me: PlayerId, seed: u64) -> Result<Box<dyn DynBot>, DecodeError> {
        Ok(Box::new(ErasedBot::<G>::new(facts, me, seed)?))
    }
}

/// A match request checked against its game: what the lobby needs to build it.
pub struct Prepared {
    /// The game.
    pub game: Arc<dyn GameType>,
    /// Seats.
    pub max_players: u8,
    /// Every setting, defaults filled in.
    pub settings: Map<String, Value>,
}

/// The games a server hosts. The first registered is the default.
#[derive(Clone, Default)]
pub struct GameRegistry {
    games: Vec<Arc<dyn GameType>>,
}

impl std::fmt::Debug for GameRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.games.iter().map(|g| &g.info().name))
            .finish()
    }
}

impl GameRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `G`. Panics when its info is inconsistent or its name is taken: both are
    /// programming errors, caught the first time the server starts.
    pub fn register<G: Game>(&mut self) -> &mut Self {
        let info = G::info();
        if let Err(e) = check_info(&info) {
            panic!("game {:?} cannot be registered: {e}", info.name);
        }
        assert!(
            self.get(&info.name).is_none(),
            "game {:?} is registered twice",
            info.name
        );
        self.games.push(Arc::new(Registered::<G> {
            info,
            game: PhantomData,
        }));
        self
    }

    /// `self` with `G` added (see [`GameRegistry::register`]).
    pub fn with<G: Game>(mut self) -> Self {
        self.register::<G>();
        self
    }

    /// The game registered as `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn GameType>> {
        self.games.iter().find(|g| g.info().name == name)
    }

    /// The default game: the first registered.
    pub fn default_game(&self) -> Option<&Arc<dyn GameType>> {
        self.games.first()
    }

    /// Every game, in registration order.
    pub fn infos(&self) -> Vec<GameInfo> {
        self.games.iter().map(|g| g.info().clone()).collect()
    }

    /// Checks a match request's game, seats and settings.
    pub fn prepare(
        &self,
        game: Option<&str>,
        max_players: Option<u8>,
        settings: Option<&Map<String, Value>>,
    ) -> Result<Prepared, String> {
        let entry = match game {
            Some(name) => self.get(name).ok_or_else(|| {
                let names: Vec<String> = self.games.iter().map(|g| g.info().name.clone()).collect();
                format!(
                    "unknown game {name:?} (this server hosts: {})",
                    names.join(", ")
                )
            })?,
            None => self
                .default_game()
                .ok_or_else(|| "this server hosts no games".to_owned())?,
        };
        let info = entry.info();
        let max_players = max_players.unwrap_or(info.default_players);
        if !(info.min_players..=info.max_players).contains(&max_players) {
            return Err(format!(
                "max_players must be {}..={} for {}",
                info.min_players, info.max_players, info.name
            ));
        }
        let settings = entry.settings(settings, max_players)?;
        Ok(Prepared {
            game: entry.clone(),
            max_players,
            settings,
        })
    }
}

fn check_info(info: &GameInfo) -> Result<(), String> {
    let name_ok = !info.name.is_empty()
        && info.name.len() <= 32
        && info
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !name_ok {
        return Err("the name must be 1..=32 of a-z, 0-9, '_', '-'".into());
    }
    if info.min_players == 0
        || info.min_players > info.max_players
        || info.max_players > MAX_SEATS
        || !(info.min_players..=info.max_players).contains(&info.default_players)
    {
        return Err(format!(
            "seats must satisfy 1 <= min <= default <= max <= {MAX_SEATS}"
        ));
    }
    for s in &info.settings {
        if !(s.min..=s.max).contains(&s.default) {
            return Err(format!("setting {:?}: default outside its bounds", s.name));
        }
    }
    Ok(())
}
