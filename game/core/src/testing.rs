//! The checks every game owes Arena, run from the game's own tests with one call (feature
//! `testing`):
//!
//! ```ignore
//! // tests/game.rs of a game crate
//! arena_game::game_tests!(my_game::MyGame);
//! ```
//!
//! That one line registers these tests in the file (and installs a counting global allocator
//! for the allocation bound, so give it a test file of its own):
//!
//! - `registers`: the game registers: its info is consistent, its wire types can be described
//!   as a schema, and its `SettingSpec`s agree with its `Settings` type (one spec per field,
//!   every bound within the field's integer type, the defaults deserialize and pass
//!   `check_settings`).
//! - `wire_vectors_for_the_browser`: writes `web/test/wire.json` beside the game's browser
//!   module: its schema, its facts, views and inputs as hex with their serde JSON (from a match
//!   its bots play, from the schema's edge values, and any the game adds), byte strings that must
//!   be refused, and every message of a recorded bot match. The browser side checks its codec
//!   (or the SDK's schema decoder) against it with `arena-sdk/testing.js`. The file is compared
//!   with the committed one; `UPDATE_WIRE_FIXTURES=1` rewrites it.
//! - `decoders_keep_their_contract`: the facts, view and input decoders on valid encodings
//!   generated from the schema (exact round trip, every prefix refused, trailing bytes refused),
//!   on random and mutated bytes (no panic; what is accepted re-encodes canonically) and on
//!   forged length prefixes at every length of a message. `PROPTEST_CASES` sets the cases per
//!   decoder (default 256), as for the envelope's properties; `.ci/fuzz.sh` raises it.
//! - `decode_allocations_are_bounded`: one decode never holds more than the codec's decode
//!   limit (plus a little slack), on the same inputs.
//! - `replays_byte_for_byte`: a minute of a match played by the game's bots through the same
//!   erased interfaces the server uses (joins, a drop and a comeback, a leave, start, end),
//!   recorded, re-simulates to the same view bytes for every view at every tick, and a playback
//!   seeks anywhere and lands on the same views.
//! - `bots_play_a_match`: the game's bots play a match on their own views; every view decodes;
//!   they send inputs (unless the game has no bot).
//!
//! The functions behind the tests are public too, for a game that wants other options
//! ([`Options`]) or only some of the checks.

use std::marker::PhantomData;
use std::path::PathBuf;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::codec::{self, DecodeError, DECODE_LIMIT_BYTES, MAX_MESSAGE_BYTES};
use crate::game::{BotPolicy, Game, ViewKey, Viewer};
use crate::kit::BotMatch;
use crate::protocol::EndReason;
use crate::registry::{GameRegistry, PayloadKind};
use crate::replay::{Playback, Recording, Replay, ReplayHeader, Replayer, REPLAY_FORMAT};
use crate::schema::{GameSchema, Prim, Ty, TypeDef, Variant};
use crate::{settings, DynBot, DynGame};

/// Ticks per second of the kit's matches.
pub const TICK_HZ: u8 = 20;

/// What the kit plays and where it writes.
pub struct Options<G: Game> {
    /// The game's browser folder (`test/wire.json` is written there); `None`: no file, the
    /// vectors are only checked against the Rust codec.
    pub web: Option<PathBuf>,
    /// Seats of the kit's matches (default: the game's default seats).
    pub seats: Option<u8>,
    /// Settings of the kit's matches, as the lobby's JSON (default: every default).
    pub settings: Map<String, Value>,
    /// Ticks of the recorded bot match in the vectors (default 100).
    pub recorded_ticks: u32,
    /// Ticks of the replay and bot checks (default 1200: a minute at 20 Hz).
    pub play_ticks: u32,
    /// Adds hand-picked vectors (edge values a reader of the browser code should see).
    pub vectors: fn(&mut Vectors<G>),
}

impl<G: Game> Default for Options<G> {
    fn default() -> Self {
        Self {
            web: None,
            seats: None,
            settings: Map::new(),
            recorded_ticks: 100,
            play_ticks: 60 * u32::from(TICK_HZ),
            vectors: |_| {},
        }
    }
}

impl<G: Game> Options<G> {
    /// The defaults, writing vectors into `web` (usually `concat!(env!("CARGO_MANIFEST_DIR"),
    /// "/web")`).
    pub fn with_web(web: impl Into<PathBuf>) -> Self {
        Self {
            web: Some(web.into()),
            ..Self::default()
        }
    }

    fn seats(&self) -> u8 {
        self.seats.unwrap_or_else(|| G::info().default_players)
    }

    fn typed_settings(&self) -> G::Settings {
        let info = G::info();
        let resolved = settings::resolve(&info.name, &info.settings, Some(&self.settings))
            .unwrap_or_else(|e| panic!("the kit's settings: {e}"));
        settings::into_settings(&resolved).unwrap_or_else(|e| panic!("the kit's settings: {e}"))
    }

    fn resolved_settings(&self) -> Map<String, Value> {
        let info = G::info();
        settings::resolve(&info.name, &info.settings, Some(&self.settings))
            .unwrap_or_else(|e| panic!("the kit's settings: {e}"))
    }
}

/// Registers the kit's tests for a game in the calling test file (module docs). The second
/// form takes an [`Options`] expression:
///
/// ```ignore
/// arena_game::game_tests!(MyGame);
/// arena_game::game_tests!(MyGame, arena_game::testing::Options {
///     vectors: my_edge_vectors,
///     ..arena_game::testing::Options::with_web(concat!(env!("CARGO_MANIFEST_DIR"), "/web"))
/// });
/// ```
///
/// The first form writes the vectors into the crate's `web/` folder when it has one.
#[macro_export]
macro_rules! game_tests {
    ($game:ty) => {
        $crate::game_tests!($game, {
            let web = ::std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/web"));
            if web.is_dir() {
                $crate::testing::Options::<$game>::with_web(web)
            } else {
                $crate::testing::Options::<$game>::default()
            }
        });
    };
    ($game:ty, $options:expr) => {
        #[global_allocator]
        static ARENA_COUNTING_ALLOCATOR: $crate::testing::CountingAllocator =
            $crate::testing::CountingAllocator;

        fn arena_kit_options() -> $crate::testing::Options<$game> {
            $options
        }

        /// The game registers: consistent info, a describable schema, settings specs that agree
        /// with the settings type.
        #[test]
        fn registers() {
            $crate::testing::registers::<$game>();
        }

        /// The vectors the browser code is checked against are what the Rust codec writes today.
        #[test]
        fn wire_vectors_for_the_browser() {
            $crate::testing::wire_vectors(&arena_kit_options());
        }

        /// The facts, view and input decoders keep the codec's contract on any bytes.
        #[test]
        fn decoders_keep_their_contract() {
            $crate::testing::fuzz_decoders::<$game>(&arena_kit_options());
        }

        /// One decode never holds more than the decode limit, whatever the bytes claim.
        #[test]
        fn decode_allocations_are_bounded() {
            $crate::testing::decode_allocations_are_bounded::<$game>(&arena_kit_options());
        }

        /// A recorded match re-simulates to the same bytes, and a playback seeks exactly.
        #[test]
        fn replays_byte_for_byte() {
            $crate::testing::replays_byte_for_byte::<$game>(&arena_kit_options());
        }

        /// The game's bots play a match on their own views.
        #[test]
        fn bots_play_a_match() {
            $crate::testing::bots_play_a_match::<$game>(&arena_kit_options());
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------------

/// Registers `G` (which checks its info, schema and settings; a failure panics with the
/// reason) and returns its schema.
pub fn registers<G: Game>() -> GameSchema {
    let registry = GameRegistry::new().with::<G>();
    let game = registry.default_game().expect("registered");
    let schema = game.schema().clone();
    assert_eq!(schema.game, G::info().name);
    let json = schema.to_json();
    for root in ["facts", "view", "input", "settings"] {
        assert!(json.get(root).is_some(), "the schema names its {root} type");
    }
    schema
}

// ---------------------------------------------------------------------------------------------
// A deterministic RNG and schema-driven generation
// ---------------------------------------------------------------------------------------------

/// xorshift64*: a failure names a reproducible case.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is replaced).
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// `len` random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}

/// Cases per decoder: `PROPTEST_CASES` (the knob `.ci/fuzz.sh` turns), default 256.
fn cases() -> usize {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

fn write_varint(v: u128, out: &mut Vec<u8>) {
    if v < 251 {
        out.push(v as u8);
    } else if v <= u128::from(u16::MAX) {
        out.push(251);
        out.extend_from_slice(&(v as u16).to_le_bytes());
    } else if v <= u128::from(u32::MAX) {
        out.push(252);
        out.extend_from_slice(&(v as u32).to_le_bytes());
    } else if v <= u128::from(u64::MAX) {
        out.push(253);
        out.extend_from_slice(&(v as u64).to_le_bytes());
    } else {
        out.push(254);
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Random valid encodings of a schema's types: integers biased to the varint boundaries,
/// strings of any Unicode, every variant of every enum, short sequences.
pub struct Generator<'a> {
    schema: &'a GameSchema,
    rng: Rng,
    /// Only finite floats (the JSON vectors: JSON has no NaN).
    finite: bool,
}

impl<'a> Generator<'a> {
    /// A generator over `schema`'s types.
    pub fn new(schema: &'a GameSchema, seed: u64, finite: bool) -> Self {
        Self {
            schema,
            rng: Rng::new(seed),
            finite,
        }
    }

    /// One random valid encoding of `ty`.
    pub fn encoding(&mut self, ty: &Ty) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(ty, &mut out, 0);
        out
    }

    fn unsigned(&mut self, bits: u32) -> u128 {
        let max = if bits == 128 {
            u128::MAX
        } else {
            (1u128 << bits) - 1
        };
        let edges = [
            0,
            1,
            250,
            251,
            252,
            255,
            256,
            0xFFFF - 1,
            0xFFFF,
            0x1_0000,
            0xFFFF_FFFF,
            0x1_0000_0000,
            (1 << 53) - 1,
            1 << 53,
            u128::from(u64::MAX),
            u128::from(u64::MAX) + 1,
            max,
        ];
        let v = match self.rng.below(4) {
            0 => edges[self.rng.below(edges.len())],
            1 => self.rng.below(300) as u128,
            _ => u128::from(self.rng.next_u64()) << 64 | u128::from(self.rng.next_u64()),
        };
        if bits == 128 {
            v
        } else {
            v & max
        }
    }

    fn write(&mut self, ty: &Ty, out: &mut Vec<u8>, depth: usize) {
        let deep = depth > 6;
        match ty {
            Ty::Prim(p) => self.prim(*p, out),
            Ty::FixedU16 => {
                let v = self.unsigned(16) as u16;
                out.extend_from_slice(&v.to_le_bytes());
            }
            Ty::Option(t) => {
                if deep || self.rng.below(2) == 0 {
                    out.push(0);
                } else {
                    out.push(1);
                    self.write(t, out, depth + 1);
                }
            }
            Ty::Seq(t) => {
                let n = if deep { 0 } else { self.rng.below(5) };
                write_varint(n as u128, out);
                for _ in 0..n {
                    self.write(t, out, depth + 1);
                }
            }
            Ty::Map(k, v) => {
                // At most one entry: two random keys could be equal, and a decoded map keeps one.
                let n = if deep { 0 } else { self.rng.below(2) };
                write_varint(n as u128, out);
                for _ in 0..n {
                    self.write(k, out, depth + 1);
                    self.write(v, out, depth + 1);
                }
            }
            Ty::Tuple(items) => {
                for t in items {
                    self.write(t, out, depth + 1);
                }
            }
            Ty::Array(t, n) => {
                for _ in 0..*n {
                    self.write(t, out, depth + 1);
                }
            }
            Ty::Ref(name) => {
                let Some(def) = self.schema.named(name).cloned() else {
                    return;
                };
                match def {
                    TypeDef::Unit => {}
                    TypeDef::Newtype(t) => self.write(&t, out, depth + 1),
                    TypeDef::Tuple(items) => {
                        for t in &items {
                            self.write(t, out, depth + 1);
                        }
                    }
                    TypeDef::Struct(fields) => {
                        for (_, t) in &fields {
                            self.write(t, out, depth + 1);
                        }
                    }
                    TypeDef::Enum(variants) => {
                        let index = if deep {
                            // The variant with the shortest encoding ends a recursive type.
                            (0..variants.len())
                                .min_by_key(|&i| self.variant_size(&variants[i].1))
                                .unwrap_or(0)
                        } else {
                            self.rng.below(variants.len())
                        };
                        write_varint(index as u128, out);
                        match &variants[index].1 {
                            Variant::Unit => {}
                            Variant::Newtype(t) => self.write(t, out, depth + 1),
                            Variant::Tuple(items) => {
                                for t in items {
                                    self.write(t, out, depth + 1);
                                }
                            }
                            Variant::Struct(fields) => {
                                for (_, t) in fields {
                                    self.write(t, out, depth + 1);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn variant_size(&self, v: &Variant) -> usize {
        match v {
            Variant::Unit => 0,
            Variant::Newtype(t) => self.schema.min_size(t),
            Variant::Tuple(items) => items.iter().map(|t| self.schema.min_size(t)).sum(),
            Variant::Struct(fields) => fields.iter().map(|(_, t)| self.schema.min_size(t)).sum(),
        }
    }

    fn float_bits(&mut self, double: bool) -> u64 {
        const F32: [f32; 8] = [
            0.0,
            -0.0,
            1.5,
            -2.25,
            f32::MAX,
            f32::MIN_POSITIVE,
            1e-40,
            320.0,
        ];
        const F64: [f64; 6] = [0.0, -0.0, 1.5, f64::MAX, f64::MIN_POSITIVE, 1e300];
        loop {
            let bits = match (self.rng.below(3), double) {
                (0, false) => u64::from(F32[self.rng.below(F32.len())].to_bits()),
                (0, true) => F64[self.rng.below(F64.len())].to_bits(),
                (1, false) => u64::from((self.rng.below(20_000) as f32 / 8.0).to_bits()),
                (1, true) => (self.rng.below(20_000) as f64 / 8.0).to_bits(),
                (_, false) => self.rng.next_u64() & 0xFFFF_FFFF,
                (_, true) => self.rng.next_u64(),
            };
            let finite = if double {
                f64::from_bits(bits).is_finite()
            } else {
                f32::from_bits(bits as u32).is_finite()
            };
            if finite || !self.finite {
                return bits;
            }
        }
    }

    fn text(&mut self) -> String {
        let len = match self.rng.below(8) {
            0 => 249 + self.rng.below(4),
            _ => self.rng.below(8),
        };
        let mut s = String::new();
        while s.len() < len {
            s.push(self.char());
        }
        s
    }

    fn char(&mut self) -> char {
        match self.rng.below(4) {
            0 => ['é', 'ß', '€', '😀', '\u{0}', '\u{7f}', '\u{10ffff}'][self.rng.below(7)],
            1 => char::from_u32(self.rng.below(0x11_0000) as u32).unwrap_or('x'),
            _ => (b'a' + self.rng.below(26) as u8) as char,
        }
    }

    fn prim(&mut self, p: Prim, out: &mut Vec<u8>) {
        match p {
            Prim::Unit => {}
            Prim::Bool => out.push(self.rng.below(2) as u8),
            Prim::U8 | Prim::I8 => out.push(self.unsigned(8) as u8),
            Prim::U16 => write_varint(self.unsigned(16), out),
            Prim::U32 => write_varint(self.unsigned(32), out),
            Prim::U64 => write_varint(self.unsigned(64), out),
            Prim::U128 => write_varint(self.unsigned(128), out),
            Prim::I16 | Prim::I32 | Prim::I64 | Prim::I128 => {
                // A zigzag encoding is any unsigned value of the width.
                let bits = match p {
                    Prim::I16 => 16,
                    Prim::I32 => 32,
                    Prim::I64 => 64,
                    _ => 128,
                };
                write_varint(self.unsigned(bits), out)
            }
            Prim::F32 => out.extend_from_slice(&(self.float_bits(false) as u32).to_le_bytes()),
            Prim::F64 => out.extend_from_slice(&self.float_bits(true).to_le_bytes()),
            Prim::Char => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(self.char().encode_utf8(&mut buf).as_bytes());
            }
            Prim::Str => {
                let s = self.text();
                write_varint(s.len() as u128, out);
                out.extend_from_slice(s.as_bytes());
            }
            Prim::Bytes => {
                let n = self.rng.below(6);
                write_varint(n as u128, out);
                let bytes = self.rng.bytes(n);
                out.extend_from_slice(&bytes);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Walking an encoding with the schema: where its length prefixes are
// ---------------------------------------------------------------------------------------------

struct Walk<'a> {
    schema: &'a GameSchema,
    bytes: &'a [u8],
    pos: usize,
    sites: Vec<usize>,
}

impl Walk<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let s = self.bytes.get(self.pos..self.pos + n)?;
        self.pos += n;
        Some(s)
    }

    fn varint(&mut self) -> Option<u128> {
        let b = *self.take(1)?.first()?;
        Some(match b {
            0..=250 => u128::from(b),
            251 => u128::from(u16::from_le_bytes(self.take(2)?.try_into().ok()?)),
            252 => u128::from(u32::from_le_bytes(self.take(4)?.try_into().ok()?)),
            253 => u128::from(u64::from_le_bytes(self.take(8)?.try_into().ok()?)),
            254 => u128::from_le_bytes(self.take(16)?.try_into().ok()?),
            _ => return None,
        })
    }

    fn length(&mut self) -> Option<usize> {
        self.sites.push(self.pos);
        usize::try_from(self.varint()?).ok()
    }

    fn ty(&mut self, ty: &Ty) -> Option<()> {
        match ty {
            Ty::Prim(p) => match p {
                Prim::Unit => {}
                Prim::Bool | Prim::U8 | Prim::I8 => {
                    self.take(1)?;
                }
                Prim::F32 => {
                    self.take(4)?;
                }
                Prim::F64 => {
                    self.take(8)?;
                }
                Prim::Char => {
                    let first = *self.bytes.get(self.pos)?;
                    let len = match first {
                        0..=0x7f => 1,
                        0xc0..=0xdf => 2,
                        0xe0..=0xef => 3,
                        _ => 4,
                    };
                    self.take(len)?;
                }
                Prim::Str | Prim::Bytes => {
                    let n = self.length()?;
                    self.take(n)?;
                }
                _ => {
                    self.varint()?;
                }
            },
            Ty::FixedU16 => {
                self.take(2)?;
            }
            Ty::Option(t) => {
                if self.take(1)?[0] == 1 {
                    self.ty(t)?;
                }
            }
            Ty::Seq(t) => {
                let n = self.length()?;
                for _ in 0..n {
                    self.ty(t)?;
                }
            }
            Ty::Map(k, v) => {
                let n = self.length()?;
                for _ in 0..n {
                    self.ty(k)?;
                    self.ty(v)?;
                }
            }
            Ty::Tuple(items) => {
                for t in items {
                    self.ty(t)?;
                }
            }
            Ty::Array(t, n) => {
                for _ in 0..*n {
                    self.ty(t)?;
                }
            }
            Ty::Ref(name) => match self.schema.named(name)? {
                TypeDef::Unit => {}
                TypeDef::Newtype(t) => self.ty(&t.clone())?,
                TypeDef::Tuple(items) => {
                    for t in items.clone() {
                        self.ty(&t)?;
                    }
                }
                TypeDef::Struct(fields) => {
                    for (_, t) in fields.clone() {
                        self.ty(&t)?;
                    }
                }
                TypeDef::Enum(variants) => {
                    let variants = variants.clone();
                    let index = usize::try_from(self.varint()?).ok()?;
                    match &variants.get(index)?.1 {
                        Variant::Unit => {}
                        Variant::Newtype(t) => self.ty(t)?,
                        Variant::Tuple(items) => {
                            for t in items {
                                self.ty(t)?;
                            }
                        }
                        Variant::Struct(fields) => {
                            for (_, t) in fields {
                                self.ty(t)?;
                            }
                        }
                    }
                }
            },
        }
        Some(())
    }
}

/// The offsets of every length prefix (sequences, maps, strings, byte strings) in `bytes`, a
/// valid encoding of `ty`.
pub fn length_sites(schema: &GameSchema, ty: &Ty, bytes: &[u8]) -> Vec<usize> {
    let mut walk = Walk {
        schema,
        bytes,
        pos: 0,
        sites: Vec::new(),
    };
    let _ = walk.ty(ty);
    walk.sites
}

/// Lengths a forged prefix claims: just over the decode limit, and far over it.
const CLAIMS: [u64; 5] = [
    DECODE_LIMIT_BYTES as u64 + 1,
    1 << 20,
    1 << 32,
    1 << 40,
    u64::MAX,
];

/// `bytes` with the length prefix at `site` replaced by a claim of `claim` (a u64 varint), and
/// two bytes after it.
fn with_claim(bytes: &[u8], site: usize, claim: u64) -> Vec<u8> {
    let mut out = bytes[..site].to_vec();
    out.push(253);
    out.extend_from_slice(&claim.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

// ---------------------------------------------------------------------------------------------
// The decoders' contract
// ---------------------------------------------------------------------------------------------

/// Decodes `bytes` as the game's `kind` of payload and drops the result (what the allocation
/// bound measures: the decode alone, not a re-encoding).
fn decode_only<G: Game>(kind: PayloadKind, bytes: &[u8]) {
    match kind {
        PayloadKind::Facts => drop(codec::decode::<G::Facts>(bytes)),
        PayloadKind::View => drop(codec::decode::<G::View>(bytes)),
        PayloadKind::Input => drop(codec::decode::<G::Input>(bytes)),
    }
}

/// `G` as the server holds it: what the checks decode through (`GameType::reencode`).
fn registered<G: Game>() -> std::sync::Arc<dyn crate::GameType> {
    GameRegistry::new()
        .with::<G>()
        .default_game()
        .expect("registered")
        .clone()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Random bytes, or a valid encoding with a few bytes overwritten (often with varint markers),
/// cut short or lengthened.
fn noise_or_mutation(rng: &mut Rng, valid: &[Vec<u8>]) -> Vec<u8> {
    if rng.below(3) == 0 || valid.is_empty() {
        let len = rng.below(64);
        return rng.bytes(len);
    }
    let mut bytes = valid[rng.below(valid.len())].clone();
    if bytes.is_empty() {
        let len = rng.below(8);
        return rng.bytes(len);
    }
    for _ in 0..=rng.below(3) {
        let at = rng.below(bytes.len());
        bytes[at] = match rng.below(3) {
            0 => 251 + rng.below(5) as u8,
            _ => rng.next_u64() as u8,
        };
    }
    match rng.below(6) {
        0 => bytes.truncate(rng.below(bytes.len())),
        1 => {
            let n = 1 + rng.below(3);
            bytes.extend(rng.bytes(n));
        }
        _ => {}
    }
    bytes
}

/// Valid encodings of `which` from the schema and from a match the bots play.
fn valid_encodings<G: Game>(
    schema: &GameSchema,
    which: PayloadKind,
    options: &Options<G>,
    n: usize,
) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut gen = Generator::new(schema, 0x5eed ^ which as u64, false);
    for _ in 0..n {
        out.push(gen.encoding(schema.payload(which)));
    }
    let recorded = record_match::<G>(options, 40);
    match which {
        PayloadKind::Facts => out.push(recorded.facts),
        PayloadKind::View => out.extend(recorded.views.into_iter().map(|(_, _, b)| b)),
        PayloadKind::Input => out.extend(recorded.inputs.into_iter().map(|(_, _, b)| b)),
    }
    out
}

/// The contract of the codec for the game's facts, view and input decoders (module docs).
pub fn fuzz_decoders<G: Game>(options: &Options<G>) {
    let schema = registers::<G>();
    let game = registered::<G>();
    let cases = cases();
    for which in PayloadKind::ALL {
        let name = which.name();
        let ty = schema.payload(which).clone();
        let mut gen = Generator::new(&schema, 0xfeed_0000 + which as u64, false);
        let mut rng = Rng::new(0xface ^ which as u64);
        // Valid encodings: exact round trip, prefixes and suffixes refused.
        for case in 0..cases {
            let bytes = gen.encoding(&ty);
            if bytes.len() > MAX_MESSAGE_BYTES {
                continue;
            }
            let again = game
                .reencode(which, &bytes, MAX_MESSAGE_BYTES)
                .unwrap_or_else(|e| {
                    panic!(
                        "{name}: a valid encoding by the schema was refused (case {case}): {e}\n  \
                     bytes {}\n  the type's Deserialize refuses what its schema allows; the \
                     browser's schema decoder would accept it",
                        hex(&bytes)
                    )
                });
            assert_eq!(
                again,
                bytes,
                "{name}: case {case} re-encodes to other bytes ({})",
                hex(&bytes)
            );
            let cuts: Vec<usize> = if bytes.len() <= 40 {
                (0..bytes.len()).collect()
            } else {
                (0..40).map(|_| rng.below(bytes.len())).collect()
            };
            for cut in cuts {
                assert!(
                    game.reencode(which, &bytes[..cut], MAX_MESSAGE_BYTES)
                        .is_err(),
                    "{name}: the first {cut} bytes of case {case} were accepted ({})",
                    hex(&bytes)
                );
            }
            let extra = 1 + rng.below(3);
            let mut longer = bytes.clone();
            longer.extend(rng.bytes(extra));
            if longer.len() <= MAX_MESSAGE_BYTES {
                assert_eq!(
                    game.reencode(which, &longer, MAX_MESSAGE_BYTES).err(),
                    Some(DecodeError::TrailingBytes(extra)),
                    "{name}: case {case} with {extra} trailing bytes"
                );
            }
            if !bytes.is_empty() {
                assert!(
                    matches!(
                        game.reencode(which, &bytes, bytes.len() - 1),
                        Err(DecodeError::TooLarge { .. })
                    ),
                    "{name}: a limit below the length is refused as too large"
                );
            }
        }
        // Any bytes: no panic, and what is accepted re-encodes to a canonical form.
        let valid = valid_encodings::<G>(&schema, which, options, 16);
        for case in 0..cases {
            let bytes = noise_or_mutation(&mut rng, &valid);
            if let Ok(canonical) = game.reencode(which, &bytes, MAX_MESSAGE_BYTES) {
                let again = game
                    .reencode(which, &canonical, MAX_MESSAGE_BYTES)
                    .unwrap_or_else(|e| {
                        panic!("{name}: case {case} re-encoded does not decode: {e}")
                    });
                assert_eq!(again, canonical, "{name}: case {case} is not canonical");
            }
            // A confused peer: the same bytes as the other two payloads.
            for other in PayloadKind::ALL {
                let _ = game.reencode(other, &bytes, MAX_MESSAGE_BYTES);
            }
        }
        // Forged lengths at every length prefix of valid messages.
        for bytes in valid.iter().take(24) {
            for site in length_sites(&schema, &ty, bytes) {
                for claim in CLAIMS {
                    let forged = with_claim(bytes, site, claim);
                    assert!(
                        game.reencode(which, &forged, MAX_MESSAGE_BYTES).is_err(),
                        "{name}: a claim of {claim} at byte {site} was accepted ({})",
                        hex(&forged)
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The allocation bound
// ---------------------------------------------------------------------------------------------

pub use crate::alloc_count::CountingAllocator;

/// Allocator overhead a decode may add on top of the claimed bytes: the error string of a
/// `Malformed` result and small temporaries.
pub const SLACK_BYTES: usize = 4 * 1024;

fn decode_peak<G: Game>(which: PayloadKind, bytes: &[u8]) -> usize {
    crate::alloc_count::peak_during(|| decode_only::<G>(which, bytes))
}

/// Peak heap of one decode of the game's facts, view and input stays within
/// `DECODE_LIMIT_BYTES + SLACK_BYTES` on forged lengths, noise and mutations. Needs
/// [`CountingAllocator`] as the global allocator (as [`game_tests!`] installs it).
pub fn decode_allocations_are_bounded<G: Game>(options: &Options<G>) {
    assert!(
        crate::alloc_count::installed(),
        "install arena_game::testing::CountingAllocator as the #[global_allocator] \
         (arena_game::game_tests! does)"
    );
    let schema = registers::<G>();
    let mut rng = Rng::new(0xa11c);
    for which in PayloadKind::ALL {
        let ty = schema.payload(which).clone();
        let valid = valid_encodings::<G>(&schema, which, options, 32);
        let mut inputs = Vec::new();
        for bytes in &valid {
            for site in length_sites(&schema, &ty, bytes) {
                inputs.extend(CLAIMS.iter().map(|&c| with_claim(bytes, site, c)));
            }
        }
        for _ in 0..cases().max(2_000) {
            inputs.push(noise_or_mutation(&mut rng, &valid));
        }
        let bound = DECODE_LIMIT_BYTES + SLACK_BYTES;
        for bytes in &inputs {
            let peak = decode_peak::<G>(which, bytes);
            assert!(
                peak <= bound,
                "{}: one decode held {peak} bytes (bound {bound}) for {}",
                which.name(),
                hex(&bytes[..bytes.len().min(32)])
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Recorded matches, vectors for the browser
// ---------------------------------------------------------------------------------------------

/// A match the game's bots played, as bytes: the facts, every distinct view after each tick
/// `(tick, key, bytes)`, every input `(tick, seat, bytes)`.
pub struct RecordedMatch {
    /// The facts.
    pub facts: Vec<u8>,
    /// `(tick, view key, view bytes)` after each step, every distinct view (players' and the
    /// spectators').
    pub views: Vec<(u32, u32, Vec<u8>)>,
    /// `(tick, seat, input bytes)`: what each bot sent before the step of that tick.
    pub inputs: Vec<(u32, u8, Vec<u8>)>,
}

/// `ticks` ticks of a match of the game's bots (seeded, so always the same).
pub fn record_match<G: Game>(options: &Options<G>, ticks: u32) -> RecordedMatch {
    let seats = options.seats();
    let mut m = BotMatch::<G>::new(options.typed_settings(), seats, 7);
    let facts = codec::encode(&m.game().facts()).expect("facts encode");
    let dt = 1.0 / f32::from(TICK_HZ);
    let mut views = Vec::new();
    let mut inputs = Vec::new();
    for tick in 0..ticks {
        for (seat, input) in m.gather_inputs() {
            inputs.push((tick, *seat, codec::encode(input).expect("inputs encode")));
        }
        m.step(dt);
        let mut keys: Vec<ViewKey> = (0..seats)
            .map(|p| m.game().view_key(Viewer::Player(p)))
            .chain([m.game().view_key(Viewer::Spectator)])
            .collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            let mut bytes = Vec::new();
            m.encode_view(key, &mut bytes).expect("views encode");
            views.push((tick + 1, key.0, bytes));
        }
    }
    RecordedMatch {
        facts,
        views,
        inputs,
    }
}

/// Largest integer a JavaScript Number holds exactly; larger ones are written as strings.
const MAX_SAFE_INTEGER: u128 = (1 << 53) - 1;

/// serde_json's value of a wire value made what the browser decoders give: `fixed_u16` as a
/// number, integers beyond 2^53 as decimal strings.
fn to_js(schema: &GameSchema, ty: &Ty, v: Value) -> Value {
    match (ty, v) {
        (Ty::FixedU16, Value::Array(b)) if b.len() == 2 => {
            let lo = b[0].as_u64().unwrap_or(0);
            let hi = b[1].as_u64().unwrap_or(0);
            json!(lo | hi << 8)
        }
        (Ty::Prim(_), Value::Number(n)) => {
            let big = n.as_u64().is_some_and(|u| u128::from(u) > MAX_SAFE_INTEGER)
                || n.as_i64()
                    .is_some_and(|i| i128::from(i) < -(MAX_SAFE_INTEGER as i128));
            if big {
                Value::String(n.to_string())
            } else {
                Value::Number(n)
            }
        }
        (Ty::Option(t), v) if !v.is_null() => to_js(schema, t, v),
        (Ty::Seq(t) | Ty::Array(t, _), Value::Array(items)) => {
            Value::Array(items.into_iter().map(|i| to_js(schema, t, i)).collect())
        }
        (Ty::Tuple(ts), Value::Array(items)) => Value::Array(
            ts.iter()
                .zip(items)
                .map(|(t, i)| to_js(schema, t, i))
                .collect(),
        ),
        (Ty::Ref(name), v) => match (schema.named(name), v) {
            (Some(TypeDef::Newtype(t)), v) => to_js(schema, t, v),
            (Some(TypeDef::Tuple(ts)), Value::Array(items)) => Value::Array(
                ts.iter()
                    .zip(items)
                    .map(|(t, i)| to_js(schema, t, i))
                    .collect(),
            ),
            (Some(TypeDef::Struct(fields)), Value::Object(map)) => {
                Value::Object(struct_js(schema, fields, map))
            }
            (Some(TypeDef::Enum(variants)), Value::Object(map)) if map.len() == 1 => {
                let (vname, content) = map.into_iter().next().expect("one entry");
                let content = match variants.iter().find(|(n, _)| *n == vname) {
                    Some((_, Variant::Newtype(t))) => to_js(schema, t, content),
                    Some((_, Variant::Tuple(ts))) => match content {
                        Value::Array(items) => Value::Array(
                            ts.iter()
                                .zip(items)
                                .map(|(t, i)| to_js(schema, t, i))
                                .collect(),
                        ),
                        other => other,
                    },
                    Some((_, Variant::Struct(fields))) => match content {
                        Value::Object(m) => Value::Object(struct_js(schema, fields, m)),
                        other => other,
                    },
                    _ => content,
                };
                json!({ vname: content })
            }
            (_, v) => v,
        },
        (_, v) => v,
    }
}

fn struct_js(
    schema: &GameSchema,
    fields: &[(String, Ty)],
    mut map: Map<String, Value>,
) -> Map<String, Value> {
    for (name, t) in fields {
        if let Some(v) = map.remove(name) {
            map.insert(name.clone(), to_js(schema, t, v));
        }
    }
    map
}

/// Named vectors of a game's payloads for its browser code: what `test/wire.json` holds besides
/// the schema and the recorded match. The kit adds vectors of its own (a match of the bots,
/// the schema's edge values, refused bytes); a game adds its own with [`Options::vectors`].
pub struct Vectors<G: Game> {
    schema: GameSchema,
    facts: Vec<Value>,
    views: Vec<Value>,
    inputs: Vec<Value>,
    invalid_facts: Vec<(String, Vec<u8>)>,
    invalid_views: Vec<(String, Vec<u8>)>,
    invalid_inputs: Vec<(String, Vec<u8>)>,
    game: PhantomData<fn() -> G>,
}

impl<G: Game> Vectors<G> {
    fn new(schema: GameSchema) -> Self {
        Self {
            schema,
            facts: Vec::new(),
            views: Vec::new(),
            inputs: Vec::new(),
            invalid_facts: Vec::new(),
            invalid_views: Vec::new(),
            invalid_inputs: Vec::new(),
            game: PhantomData,
        }
    }

    fn vector<T: Serialize>(schema: &GameSchema, ty: &Ty, name: &str, value: &T) -> Value {
        let bytes = codec::encode(value).expect("vectors encode");
        let msg = serde_json::to_value(value).expect("wire values serialize to JSON");
        json!({ "name": name, "hex": hex(&bytes), "msg": to_js(schema, ty, msg) })
    }

    /// A facts vector named `name`.
    pub fn facts(&mut self, name: &str, facts: &G::Facts) -> &mut Self {
        let v = Self::vector(&self.schema, &self.schema.facts, name, facts);
        self.facts.push(v);
        self
    }

    /// A view vector named `name`.
    pub fn view(&mut self, name: &str, view: &G::View) -> &mut Self {
        let v = Self::vector(&self.schema, &self.schema.view, name, view);
        self.views.push(v);
        self
    }

    /// An input vector named `name`.
    pub fn input(&mut self, name: &str, input: &G::Input) -> &mut Self {
        let v = Self::vector(&self.schema, &self.schema.input, name, input);
        self.inputs.push(v);
        self
    }

    /// Bytes that must not decode as the facts.
    pub fn invalid_facts(&mut self, name: &str, bytes: impl Into<Vec<u8>>) -> &mut Self {
        self.invalid_facts.push((name.into(), bytes.into()));
        self
    }

    /// Bytes that must not decode as a view.
    pub fn invalid_view(&mut self, name: &str, bytes: impl Into<Vec<u8>>) -> &mut Self {
        self.invalid_views.push((name.into(), bytes.into()));
        self
    }

    /// Bytes that must not decode as an input.
    pub fn invalid_input(&mut self, name: &str, bytes: impl Into<Vec<u8>>) -> &mut Self {
        self.invalid_inputs.push((name.into(), bytes.into()));
        self
    }

    /// Decodes generated bytes as `T` (they must decode) and adds them under `name`.
    fn generated<T: Serialize + DeserializeOwned>(
        &mut self,
        which: PayloadKind,
        name: &str,
        bytes: &[u8],
    ) {
        let value: T = codec::decode(bytes).unwrap_or_else(|e| {
            panic!(
                "{}: a valid encoding by the schema was refused: {e} ({})",
                which.name(),
                hex(bytes)
            )
        });
        let ty = self.schema.payload(which).clone();
        let v = Self::vector(&self.schema, &ty, name, &value);
        match which {
            PayloadKind::Facts => self.facts.push(v),
            PayloadKind::View => self.views.push(v),
            PayloadKind::Input => self.inputs.push(v),
        }
    }
}

fn invalid_json(list: &[(String, Vec<u8>)]) -> Value {
    Value::Array(
        list.iter()
            .map(|(name, bytes)| json!({ "name": name, "hex": hex(bytes) }))
            .collect(),
    )
}

/// The refused byte strings every payload gets: empty (when nothing is not a value), cut
/// short, one byte too many, and a length claimed past the limit.
fn standard_invalid(schema: &GameSchema, ty: &Ty, valid: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    if schema.min_size(ty) > 0 {
        out.push(("empty".to_owned(), Vec::new()));
    }
    if !valid.is_empty() {
        out.push(("truncated".to_owned(), valid[..valid.len() - 1].to_vec()));
    }
    let mut trailing = valid.to_vec();
    trailing.push(0);
    out.push(("trailing_byte".to_owned(), trailing));
    if let Some(&site) = length_sites(schema, ty, valid).first() {
        out.push((
            "length_claim_2^40".to_owned(),
            with_claim(valid, site, 1 << 40),
        ));
    }
    out
}

/// The whole `test/wire.json` document for `G` (module docs).
pub fn wire_fixture<G: Game>(options: &Options<G>) -> Value {
    let schema = registers::<G>();
    let mut vectors = Vectors::<G>::new(schema.clone());
    let recorded = record_match::<G>(options, options.recorded_ticks);
    // From the bots' match: the facts, views early and late, every view key once, and inputs.
    vectors.generated::<G::Facts>(PayloadKind::Facts, "facts_of_the_match", &recorded.facts);
    let mut keys_seen = Vec::new();
    for (i, (tick, key, bytes)) in recorded.views.iter().enumerate() {
        let first_of_key = !keys_seen.contains(key);
        if first_of_key || i + 1 == recorded.views.len() {
            keys_seen.push(*key);
            let name = format!("view_tick_{tick}_key_{key}");
            vectors.generated::<G::View>(PayloadKind::View, &name, bytes);
        }
    }
    for (tick, seat, bytes) in recorded.inputs.iter().step_by(23).take(6) {
        let name = format!("input_tick_{tick}_seat_{seat}");
        vectors.generated::<G::Input>(PayloadKind::Input, &name, bytes);
    }
    // The schema's edge values.
    let mut gen = Generator::new(&schema, 0x7e57, true);
    for i in 0..6 {
        let facts = gen.encoding(&schema.facts);
        vectors.generated::<G::Facts>(PayloadKind::Facts, &format!("facts_generated_{i}"), &facts);
        let view = gen.encoding(&schema.view);
        vectors.generated::<G::View>(PayloadKind::View, &format!("view_generated_{i}"), &view);
        let input = gen.encoding(&schema.input);
        vectors.generated::<G::Input>(PayloadKind::Input, &format!("input_generated_{i}"), &input);
    }
    (options.vectors)(&mut vectors);
    let last_view = recorded
        .views
        .last()
        .map(|(_, _, b)| b.clone())
        .unwrap_or_default();
    let first_input = recorded
        .inputs
        .first()
        .map(|(_, _, b)| b.clone())
        .unwrap_or_else(|| gen.encoding(&schema.input));
    // The kit's refused bytes, then the game's (which win a name they share).
    let merge = |mut kit: Vec<(String, Vec<u8>)>, own: Vec<(String, Vec<u8>)>| {
        kit.retain(|(name, _)| !own.iter().any(|(n, _)| n == name));
        kit.extend(own);
        kit
    };
    let invalid_facts = merge(
        standard_invalid(&schema, &schema.facts, &recorded.facts),
        std::mem::take(&mut vectors.invalid_facts),
    );
    let invalid_views = merge(
        standard_invalid(&schema, &schema.view, &last_view),
        std::mem::take(&mut vectors.invalid_views),
    );
    let invalid_inputs = merge(
        standard_invalid(&schema, &schema.input, &first_input),
        std::mem::take(&mut vectors.invalid_inputs),
    );
    let info = G::info();
    json!({
        "about": format!(
            "Written by arena_game::testing (game_tests!) from the wire types of {}; do not edit. \
             UPDATE_WIRE_FIXTURES=1 cargo test rewrites it.",
            info.name
        ),
        "game": info.name,
        "schema": schema.to_json(),
        "facts": vectors.facts,
        "views": vectors.views,
        "inputs": vectors.inputs,
        "invalid_facts": invalid_json(&invalid_facts),
        "invalid_views": invalid_json(&invalid_views),
        "invalid_inputs": invalid_json(&invalid_inputs),
        "match": {
            "seats": options.seats(),
            "ticks": options.recorded_ticks,
            "tick_hz": TICK_HZ,
            "facts": hex(&recorded.facts),
            "views": recorded.views.iter().map(|(tick, key, b)| json!({"tick": tick, "key": key, "hex": hex(b)})).collect::<Vec<_>>(),
            "inputs": recorded.inputs.iter().map(|(tick, seat, b)| json!({"tick": tick, "player": seat, "hex": hex(b)})).collect::<Vec<_>>(),
        },
    })
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Every vector of the document re-encodes to its bytes and every invalid one is refused, by
/// the Rust codec; then the document is compared with `web/test/wire.json` (or written there:
/// with `UPDATE_WIRE_FIXTURES` set, or when there is none yet).
pub fn wire_vectors<G: Game>(options: &Options<G>) {
    let doc = wire_fixture::<G>(options);
    fn refused<T: DeserializeOwned>(doc: &Value, key: &str) {
        for v in doc[key].as_array().expect("a list") {
            let bytes = unhex(v["hex"].as_str().expect("hex"));
            assert!(
                codec::decode::<T>(&bytes).is_err(),
                "{key} {} decodes, but must be refused",
                v["name"]
            );
        }
    }
    fn round_trips<T: Serialize + DeserializeOwned>(doc: &Value, key: &str) {
        for v in doc[key].as_array().expect("a list") {
            let bytes = unhex(v["hex"].as_str().expect("hex"));
            let value: T = codec::decode(&bytes)
                .unwrap_or_else(|e| panic!("{key} {} does not decode: {e}", v["name"]));
            assert_eq!(codec::encode(&value).unwrap(), bytes, "{key} {}", v["name"]);
        }
    }
    round_trips::<G::Facts>(&doc, "facts");
    round_trips::<G::View>(&doc, "views");
    round_trips::<G::Input>(&doc, "inputs");
    refused::<G::Facts>(&doc, "invalid_facts");
    refused::<G::View>(&doc, "invalid_views");
    refused::<G::Input>(&doc, "invalid_inputs");
    let Some(web) = &options.web else {
        return;
    };
    let path = web.join("test").join("wire.json");
    let fresh = serde_json::to_string_pretty(&doc).expect("JSON") + "\n";
    let committed = std::fs::read_to_string(&path).ok();
    if std::env::var_os("UPDATE_WIRE_FIXTURES").is_some() || committed.is_none() {
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("create test/");
        std::fs::write(&path, &fresh).expect("write wire.json");
        eprintln!("wrote {}", path.display());
        return;
    }
    assert!(
        committed.as_deref() == Some(fresh.as_str()),
        "{} is not what the Rust codec writes today: a wire type changed. Run \
         `UPDATE_WIRE_FIXTURES=1 cargo test` for this crate, make the browser tests pass, and \
         commit both.",
        path.display()
    );
}

// ---------------------------------------------------------------------------------------------
// Replays and bots
// ---------------------------------------------------------------------------------------------

/// Every view of one tick: (key, bytes).
pub type TickViews = Vec<(ViewKey, Vec<u8>)>;

fn all_views(game: &mut dyn DynGame, seats: u8) -> TickViews {
    let mut keys = vec![game.view_key(Viewer::Spectator)];
    for id in 0..seats {
        let k = game.view_key(Viewer::Player(id));
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys.into_iter()
        .map(|k| {
            let mut bytes = Vec::new();
            game.encode_view(k, &mut bytes).expect("views encode");
            (k, bytes)
        })
        .collect()
}

/// Plays `ticks` ticks of `G` with its bots as the match actor would (players arrive over the
/// first ticks, seat 1 drops for 40 ticks at a third and comes back, the last seat leaves at
/// half time), recording; returns the replay and every tick's views.
pub fn play_recorded<G: Game>(options: &Options<G>, ticks: u32) -> (Replay, Vec<TickViews>) {
    let registry = GameRegistry::new().with::<G>();
    let game_type = registry.default_game().expect("registered");
    let seats = options.seats();
    let settings = game_type
        .settings(Some(&options.resolved_settings()), seats)
        .unwrap_or_else(|e| panic!("the kit's settings: {e}"));
    let seed = 0x5EED_0000 + u64::from(seats);
    let dt = std::time::Duration::from_secs_f64(1.0 / f64::from(TICK_HZ)).as_secs_f32();
    let header = ReplayHeader {
        format: REPLAY_FORMAT,
        game: game_type.info().name.clone(),
        rules_version: game_type.rules_version(),
        settings: serde_json::to_string(&settings).expect("JSON"),
        max_players: seats,
        tick_hz: TICK_HZ,
        seed,
        step_bits: dt.to_bits(),
    };
    let mut game = Recording::new(
        game_type
            .create(&settings, seats, seed)
            .expect("the game is created"),
        header,
    );
    let mut facts = Vec::new();
    game.encode_facts(&mut facts).expect("facts encode");
    let mut bots: Vec<Option<Box<dyn DynBot>>> = (0..seats)
        .map(|id| game_type.bot(&facts, id, seed).ok())
        .collect();
    let dropped = |tick: u32| seats >= 2 && (ticks / 3..ticks / 3 + 40).contains(&tick);
    let left = |id: u8, tick: u32| seats >= 3 && id == seats - 1 && tick >= ticks / 2;
    let mut seen = Vec::new();
    let mut input = Vec::new();
    for tick in 0..ticks {
        if (tick as usize) < seats as usize {
            game.add_player(tick as u8, &format!("bot-{tick}"));
        }
        if tick == u32::from(seats) {
            game.start();
        }
        if seats >= 2 && tick == ticks / 3 {
            game.set_connected(1, false);
            game.discard_inputs(1);
        }
        if seats >= 2 && tick == ticks / 3 + 40 {
            game.set_connected(1, true);
        }
        if seats >= 3 && tick == ticks / 2 {
            game.remove_player(seats - 1);
        }
        let present = (tick as usize + 1).min(seats as usize) as u8;
        for id in 0..present {
            if (id == 1 && dropped(tick)) || left(id, tick) {
                continue;
            }
            let Some(bot) = bots[id as usize].as_mut() else {
                continue;
            };
            let key = game.view_key(Viewer::Player(id));
            let mut view = Vec::new();
            game.encode_view(key, &mut view).expect("views encode");
            input.clear();
            if bot
                .input(tick, &view, &mut input)
                .expect("the bot reads its view")
            {
                game.queue_input(id, &input)
                    .expect("the game takes its bot's input");
            }
        }
        game.step(dt);
        seen.push(all_views(&mut game, seats));
    }
    game.end(EndReason::Host);
    game.step(dt);
    seen.push(all_views(&mut game, seats));
    (game.into_replay(), seen)
}

/// A match of the bots, recorded, re-simulates to the same views at every tick (through the
/// replay's bytes, as the history stores it), and a playback seeks forward and back to the
/// same views and plays on from there.
pub fn replays_byte_for_byte<G: Game>(options: &Options<G>) {
    let registry = GameRegistry::new().with::<G>();
    let name = G::info().name;
    let ticks = options.play_ticks.max(200);
    let seats = options.seats();
    let (replay, seen) = play_recorded(options, ticks);
    assert!(replay.complete, "{name}: the replay is complete");
    assert_eq!(replay.ticks(), u64::from(ticks) + 1);
    let bytes = replay.encode().expect("replays encode");
    eprintln!(
        "{name}, {seats} bots: {} bytes for {ticks} ticks ({} events)",
        bytes.len(),
        replay.events.len()
    );
    let replay = Replay::decode(&bytes).expect("replays decode");
    let mut replayer = Replayer::new(&registry, &replay).expect("the replay plays");
    for (tick, want) in seen.iter().enumerate() {
        assert!(
            replayer.next_tick(),
            "{name}: the replay ended at tick {tick}"
        );
        let got = all_views(replayer.game(), seats);
        assert_eq!(
            &got, want,
            "{name}: tick {tick} re-simulates to other bytes"
        );
    }
    assert!(!replayer.next_tick(), "nothing after the last tick");

    let last = seen.len() as u64;
    let mut playback = Playback::new(&registry, &replay).expect("the replay plays");
    assert_eq!(playback.ticks(), last);
    for target in [last / 2, 3, last * 4 / 5, last, 64, 63, 0, last - 1, 129, 1] {
        playback.seek(target);
        assert_eq!(playback.tick(), target, "{name}: seek to {target}");
        if target > 0 {
            let got = all_views(playback.replayer_mut().game(), seats);
            assert_eq!(got, seen[target as usize - 1], "{name}: seek to {target}");
        }
        for step in 1..=2u64 {
            let at = target + step;
            let played = playback.advance(1);
            if at > last {
                assert_eq!(played, 0, "nothing past the end");
                continue;
            }
            let got = all_views(playback.replayer_mut().game(), seats);
            assert_eq!(got, seen[at as usize - 1], "{name}: tick {at} after a seek");
        }
    }
}

/// The game's bots play a match on their own views (through [`BotMatch`]): every view
/// decodes, the bots send inputs (unless the game has none), and the game's phase and
/// scoreboard stay sane. Prints how the match went.
pub fn bots_play_a_match<G: Game>(options: &Options<G>) {
    let name = G::info().name;
    let seats = options.seats();
    let mut m = BotMatch::<G>::new(options.typed_settings(), seats, 0xB075);
    let dt = 1.0 / f32::from(TICK_HZ);
    let mut inputs = 0usize;
    let mut ticks = 0;
    let mut bytes = Vec::new();
    for _ in 0..options.play_ticks {
        inputs += m.gather_inputs().len();
        m.step(dt);
        ticks += 1;
        for p in 0..seats {
            bytes.clear();
            let key = m.game().view_key(Viewer::Player(p));
            m.encode_view(key, &mut bytes).expect("views encode");
            codec::decode::<G::View>(&bytes)
                .unwrap_or_else(|e| panic!("{name}: a view does not decode: {e}"));
        }
        if m.game().phase() == crate::Phase::Ended {
            break;
        }
    }
    if <G::Bot as BotPolicy<G>>::PLAYS {
        assert!(inputs > 0, "{name}: the bots never sent an input");
    }
    let board = m.game().scoreboard();
    assert!(
        board.len() <= usize::from(seats) * 2,
        "{name}: a scoreboard of {} lines for {seats} seats",
        board.len()
    );
    eprintln!(
        "{name}: {seats} bots played {ticks} ticks, sent {inputs} inputs, phase {:?} ({:?}); \
         best: {:?}",
        m.game().phase(),
        m.game().end_reason(),
        board.first().map(|l| (&l.name, l.score))
    );
}
