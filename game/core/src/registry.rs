//! The games a server hosts, by name: what `GET /api/games` lists, what `POST /api/matches`
//! builds from a name and settings, and where the bots find each game's policy.

use std::marker::PhantomData;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::api::GameListing;
use crate::codec::DecodeError;
use crate::erased::{DynBot, DynGame, ErasedBot, ErasedGame};
use crate::game::{BotPolicy, Game, GameInfo, SettingSpec};
use crate::protocol::{PlayerId, MAX_SEATS};
use crate::schema::{GameSchema, Prim, Ty, TypeDef};
use crate::settings;
use crate::web::WebFolder;

/// Why a bot could not be made for a seat.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BotSetupError {
    /// The game has no bot (`type Bot = NoBot`).
    #[error("the game {0:?} has no bot policy (its Game impl says `type Bot = NoBot`)")]
    NoPolicy(String),
    /// The welcome's facts did not decode as the game's facts.
    #[error("the welcome's facts do not decode as this game's facts: {0}")]
    Facts(#[from] DecodeError),
}

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
    fn bot(&self, facts: &[u8], me: PlayerId, seed: u64) -> Result<Box<dyn DynBot>, BotSetupError>;
    /// Whether the game has a bot policy (its `type Bot` is not `NoBot`).
    fn has_bots(&self) -> bool;
    /// The game's wire types as data (`GET /api/games/{name}/schema`).
    fn schema(&self) -> &GameSchema;
    /// The game's browser folder, if it ships one.
    fn web(&self) -> Option<WebFolder>;
    /// Decodes `bytes` (at most `limit` of them, as `codec::decode_limited`) as the game's
    /// `kind` of payload and encodes the value again: the canonical bytes (what fuzzers, the
    /// test kit and tools check the game's decoders with).
    fn reencode(
        &self,
        kind: PayloadKind,
        bytes: &[u8],
        limit: usize,
    ) -> Result<Vec<u8>, DecodeError>;
}

/// The game's own payloads inside the envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadKind {
    /// `Welcome.facts`.
    Facts,
    /// `Snapshot.view`.
    View,
    /// `ClientMsg::Input.input`.
    Input,
}

impl PayloadKind {
    /// Every kind.
    pub const ALL: [PayloadKind; 3] = [PayloadKind::Facts, PayloadKind::View, PayloadKind::Input];

    /// `facts`, `view` or `input`.
    pub const fn name(self) -> &'static str {
        match self {
            PayloadKind::Facts => "facts",
            PayloadKind::View => "view",
            PayloadKind::Input => "input",
        }
    }
}

struct Registered<G> {
    info: GameInfo,
    schema: GameSchema,
    web: Option<WebFolder>,
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

    fn bot(&self, facts: &[u8], me: PlayerId, seed: u64) -> Result<Box<dyn DynBot>, BotSetupError> {
        if !self.has_bots() {
            return Err(BotSetupError::NoPolicy(self.info.name.clone()));
        }
        Ok(Box::new(ErasedBot::<G>::new(facts, me, seed)?))
    }

    fn has_bots(&self) -> bool {
        <G::Bot as BotPolicy<G>>::PLAYS
    }

    fn schema(&self) -> &GameSchema {
        &self.schema
    }

    fn web(&self) -> Option<WebFolder> {
        self.web
    }

    fn reencode(
        &self,
        kind: PayloadKind,
        bytes: &[u8],
        limit: usize,
    ) -> Result<Vec<u8>, DecodeError> {
        fn go<T: serde::Serialize + serde::de::DeserializeOwned>(
            bytes: &[u8],
            limit: usize,
        ) -> Result<Vec<u8>, DecodeError> {
            let value: T = crate::codec::decode_limited(bytes, limit)?;
            crate::codec::encode(&value).map_err(|e| DecodeError::Malformed(e.to_string()))
        }
        match kind {
            PayloadKind::Facts => go::<G::Facts>(bytes, limit),
            PayloadKind::View => go::<G::View>(bytes, limit),
            PayloadKind::Input => go::<G::Input>(bytes, limit),
        }
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

    /// Adds `G`. Panics when its info is inconsistent, its wire types cannot be described,
    /// its settings specs disagree with its settings type, or its name is taken: all
    /// programming errors, caught the first time the server (or any test) starts.
    pub fn register<G: Game>(&mut self) -> &mut Self {
        let info = G::info();
        if let Err(e) = check_game::<G>(&info) {
            panic!("game {:?} cannot be registered: {e}", info.name);
        }
        let schema = match GameSchema::of::<G>() {
            Ok(schema) => schema,
            Err(e) => panic!("game {:?} cannot be registered: {e}", info.name),
        };
        if let Err(e) = check_settings_type(&info.settings, &schema) {
            panic!(
                "game {:?} cannot be registered: its settings specs (GameInfo::settings) and its \
                 Settings type disagree: {e}",
                info.name
            );
        }
        assert!(
            self.get(&info.name).is_none(),
            "game {:?} is registered twice",
            info.name
        );
        self.games.push(Arc::new(Registered::<G> {
            info,
            schema,
            web: G::web(),
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

    /// Every game as `GET /api/games` lists it: its info, whether it has bots, where its
    /// browser module and its schema are.
    pub fn listing(&self) -> Vec<GameListing> {
        self.games
            .iter()
            .map(|g| {
                let name = &g.info().name;
                GameListing {
                    info: g.info().clone(),
                    bots: g.has_bots(),
                    module: g
                        .web()
                        .filter(|w| w.get("index.js").is_some())
                        .map(|_| format!("/games/{name}/index.js")),
                    schema: format!("/api/games/{name}/schema"),
                }
            })
            .collect()
    }

    /// Every registered game's name, in registration order.
    pub fn names(&self) -> Vec<String> {
        self.games.iter().map(|g| g.info().name.clone()).collect()
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
                format!(
                    "unknown game {name:?} (this server hosts: {})",
                    self.names().join(", ")
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

/// [`check_info`], then the settings of a match created with every default: they deserialize
/// into `G::Settings` and pass `G::check_settings` at the default seats.
fn check_game<G: Game>(info: &GameInfo) -> Result<(), String> {
    check_info(info)?;
    let defaults = settings::resolve(&info.name, &info.settings, None)?;
    let typed: G::Settings =
        settings::into_settings(&defaults).map_err(|e| format!("its default settings: {e}"))?;
    G::check_settings(&typed, info.default_players)
        .map_err(|e| format!("its default settings at the default seats: {e}"))
}

/// Every spec names a field of the settings type and every field has a spec; each field is an
/// integer whose type holds the spec's bounds.
fn check_settings_type(specs: &[SettingSpec], schema: &GameSchema) -> Result<(), String> {
    let fields: Vec<(String, Ty)> = match &schema.settings {
        Ty::Prim(Prim::Unit) => Vec::new(),
        Ty::Ref(name) => match schema.named(name) {
            Some(TypeDef::Struct(fields)) => fields.clone(),
            Some(TypeDef::Unit) => Vec::new(),
            _ => return Err(format!("{name} is not a struct with one field per setting")),
        },
        other => {
            return Err(format!(
                "the settings type is {}, not a struct with one field per setting",
                other.to_json()
            ))
        }
    };
    for spec in specs {
        let Some((_, ty)) = fields.iter().find(|(name, _)| *name == spec.name) else {
            return Err(format!(
                "the setting {:?} is not a field of the settings type",
                spec.name
            ));
        };
        let range = match ty {
            Ty::Prim(p) => p.int_range(),
            Ty::FixedU16 => Prim::U16.int_range(),
            _ => None,
        };
        let Some((lo, hi)) = range else {
            return Err(format!(
                "the field {:?} is {}, but a setting is an integer",
                spec.name,
                ty.to_json()
            ));
        };
        if i128::from(spec.min) < lo || i128::from(spec.max) > hi {
            return Err(format!(
                "the setting {:?} allows {}..={}, more than its field's type {} holds",
                spec.name,
                spec.min,
                spec.max,
                ty.to_json()
            ));
        }
    }
    if let Some((name, _)) = fields
        .iter()
        .find(|(name, _)| !specs.iter().any(|s| s.name == *name))
    {
        return Err(format!(
            "the settings type's field {name:?} has no SettingSpec (a host could never set it)"
        ));
    }
    Ok(())
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
