//! A game's wire types described as data, derived from its Rust types: what
//! `GET /api/games/{name}/schema` serves and what the browser SDK (`sdk/schema.js`) decodes and
//! encodes any game's facts, views and inputs from, so a game needs no hand-written codec.
//!
//! The description is traced from the types' serde `Deserialize` implementations ([`trace`]:
//! a deserializer that records what each type asks for), then written in Arena's own small JSON
//! form, documented in docs/protocol.md part E:
//!
//! - a type is a string for a primitive (`"u8"` … `"u128"`, `"i8"` … `"i128"`, `"f32"`, `"f64"`,
//!   `"bool"`, `"char"`, `"str"`, `"bytes"`, `"unit"`), `"fixed_u16"` for Arena's two-byte
//!   wrapper ([`crate::protocol::wire::fixed_u16`]), or an object with one key: `{"option": T}`,
//!   `{"seq": T}`, `{"map": [K, V]}`, `{"tuple": [T, …]}`, `{"array": [T, N]}` (exactly N, no
//!   length prefix) or `{"ref": "Name"}` (a named type of `types`);
//! - a named type is `{"struct": [["field", T], …]}`, `{"newtype": T}`, `{"tuple": [T, …]}`,
//!   `{"unit": null}` or `{"enum": [["Variant", V], …]}`, variants in index order, where V is
//!   `null` (a unit variant), `{"newtype": T}`, `{"tuple": [T, …]}` or `{"struct": [[…]]}`.
//!
//! Pure data and pure functions: nothing here reads the clock or does I/O.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::game::Game;

mod trace;

/// A primitive of the bincode encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prim {
    /// `()`: no bytes.
    Unit,
    /// One byte, 0 or 1.
    Bool,
    /// One raw byte.
    U8,
    /// Varint.
    U16,
    /// Varint.
    U32,
    /// Varint.
    U64,
    /// Varint.
    U128,
    /// One raw byte (two's complement).
    I8,
    /// Zigzag varint.
    I16,
    /// Zigzag varint.
    I32,
    /// Zigzag varint.
    I64,
    /// Zigzag varint.
    I128,
    /// Four little-endian bytes.
    F32,
    /// Eight little-endian bytes.
    F64,
    /// UTF-8 bytes of one character.
    Char,
    /// Varint length, then UTF-8.
    Str,
    /// Varint length, then the bytes.
    Bytes,
}

impl Prim {
    /// The schema's name of the primitive.
    pub const fn name(self) -> &'static str {
        match self {
            Prim::Unit => "unit",
            Prim::Bool => "bool",
            Prim::U8 => "u8",
            Prim::U16 => "u16",
            Prim::U32 => "u32",
            Prim::U64 => "u64",
            Prim::U128 => "u128",
            Prim::I8 => "i8",
            Prim::I16 => "i16",
            Prim::I32 => "i32",
            Prim::I64 => "i64",
            Prim::I128 => "i128",
            Prim::F32 => "f32",
            Prim::F64 => "f64",
            Prim::Char => "char",
            Prim::Str => "str",
            Prim::Bytes => "bytes",
        }
    }

    /// The range of an integer primitive (none for the others).
    pub fn int_range(self) -> Option<(i128, i128)> {
        Some(match self {
            Prim::U8 => (0, u8::MAX.into()),
            Prim::U16 => (0, u16::MAX.into()),
            Prim::U32 => (0, u32::MAX.into()),
            Prim::U64 => (0, u64::MAX.into()),
            Prim::I8 => (i8::MIN.into(), i8::MAX.into()),
            Prim::I16 => (i16::MIN.into(), i16::MAX.into()),
            Prim::I32 => (i32::MIN.into(), i32::MAX.into()),
            Prim::I64 => (i64::MIN.into(), i64::MAX.into()),
            _ => return None,
        })
    }
}

/// One type of a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// A primitive.
    Prim(Prim),
    /// Arena's `fixed_u16`: two little-endian bytes, a number.
    FixedU16,
    /// `00`, or `01` and the value.
    Option(Box<Ty>),
    /// Varint count, then the items.
    Seq(Box<Ty>),
    /// Varint count, then key and value pairs.
    Map(Box<Ty>, Box<Ty>),
    /// The items one after the other.
    Tuple(Vec<Ty>),
    /// Exactly this many items, no count.
    Array(Box<Ty>, usize),
    /// A named type of [`GameSchema::types`].
    Ref(String),
}

/// A variant of an enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Variant {
    /// No content.
    Unit,
    /// One value.
    Newtype(Ty),
    /// Values one after the other.
    Tuple(Vec<Ty>),
    /// Named fields, in order.
    Struct(Vec<(String, Ty)>),
}

/// A named type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeDef {
    /// Named fields, in order.
    Struct(Vec<(String, Ty)>),
    /// One value (bincode writes only the value).
    Newtype(Ty),
    /// Values one after the other.
    Tuple(Vec<Ty>),
    /// No bytes.
    Unit,
    /// A varint variant index, then the variant's content; variants in index order.
    Enum(Vec<(String, Variant)>),
}

/// The description of one game's wire types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GameSchema {
    /// The game's registry name.
    pub game: String,
    /// [`Game::rules_version`].
    pub rules_version: u32,
    /// `Welcome.facts`.
    pub facts: Ty,
    /// `Snapshot.view` (and the view a `Delta` rebuilds).
    pub view: Ty,
    /// `ClientMsg::Input.input`.
    pub input: Ty,
    /// The settings of `POST /api/matches` (JSON there; described for forms and tools).
    pub settings: Ty,
    /// The named types the four refer to.
    pub types: BTreeMap<String, TypeDef>,
}

impl GameSchema {
    /// Traces `G`'s wire types. Fails (naming the type) where a type cannot be described: an
    /// untagged or flattened type (bincode has no layout for those), or a `Deserialize` that
    /// refuses the made-up zero values.
    pub fn of<G: Game>() -> Result<GameSchema, String> {
        let ([facts, view, input, settings], types) =
            trace::trace4::<G::Facts, G::View, G::Input, G::Settings>()?;
        Ok(GameSchema {
            game: G::info().name,
            rules_version: G::rules_version(),
            facts,
            view,
            input,
            settings,
            types,
        })
    }

    /// The type of the game's `kind` of payload.
    pub fn payload(&self, kind: crate::registry::PayloadKind) -> &Ty {
        match kind {
            crate::registry::PayloadKind::Facts => &self.facts,
            crate::registry::PayloadKind::View => &self.view,
            crate::registry::PayloadKind::Input => &self.input,
        }
    }

    /// The named type `name`.
    pub fn named(&self, name: &str) -> Option<&TypeDef> {
        self.types.get(name)
    }

    /// The JSON document of docs/protocol.md part E.
    pub fn to_json(&self) -> Value {
        json!({
            "game": self.game,
            "rules_version": self.rules_version,
            "facts": self.facts.to_json(),
            "view": self.view.to_json(),
            "input": self.input.to_json(),
            "settings": self.settings.to_json(),
            "types": self.types.iter().map(|(k, v)| (k.clone(), v.to_json())).collect::<serde_json::Map<_, _>>(),
        })
    }

    /// The fields of a struct type (following a `ref`), or `None` when `ty` is not a struct.
    pub fn struct_fields<'a>(&'a self, ty: &'a Ty) -> Option<&'a [(String, Ty)]> {
        match ty {
            Ty::Ref(name) => match self.types.get(name)? {
                TypeDef::Struct(fields) => Some(fields),
                _ => None,
            },
            _ => None,
        }
    }

    /// The fewest bytes a value of `ty` can encode to (what a decoder may require per claimed
    /// item before it trusts a count). Recursive types count their shortest finite form.
    pub fn min_size(&self, ty: &Ty) -> usize {
        self.min_size_in(ty, &mut BTreeSet::new())
    }

    fn min_size_in(&self, ty: &Ty, open: &mut BTreeSet<String>) -> usize {
        match ty {
            Ty::Prim(Prim::Unit) => 0,
            Ty::Prim(Prim::F32) => 4,
            Ty::Prim(Prim::F64) => 8,
            Ty::Prim(_) => 1,
            Ty::FixedU16 => 2,
            Ty::Option(_) | Ty::Seq(_) | Ty::Map(..) => 1,
            Ty::Tuple(items) => items.iter().map(|t| self.min_size_in(t, open)).sum(),
            Ty::Array(item, n) => n * self.min_size_in(item, open),
            Ty::Ref(name) => {
                if !open.insert(name.clone()) {
                    return 0;
                }
                let size = match self.types.get(name) {
                    None | Some(TypeDef::Unit) => 0,
                    Some(TypeDef::Newtype(t)) => self.min_size_in(t, open),
                    Some(TypeDef::Tuple(items)) => {
                        items.iter().map(|t| self.min_size_in(t, open)).sum()
                    }
                    Some(TypeDef::Struct(fields)) => {
                        fields.iter().map(|(_, t)| self.min_size_in(t, open)).sum()
                    }
                    Some(TypeDef::Enum(variants)) => {
                        1 + variants
                            .iter()
                            .map(|(_, v)| match v {
                                Variant::Unit => 0,
                                Variant::Newtype(t) => self.min_size_in(t, open),
                                Variant::Tuple(items) => {
                                    items.iter().map(|t| self.min_size_in(t, open)).sum()
                                }
                                Variant::Struct(fields) => {
                                    fields.iter().map(|(_, t)| self.min_size_in(t, open)).sum()
                                }
                            })
                            .min()
                            .unwrap_or(0)
                    }
                };
                open.remove(name);
                size
            }
        }
    }
}

impl Ty {
    /// The JSON form (module docs).
    pub fn to_json(&self) -> Value {
        match self {
            Ty::Prim(p) => json!(p.name()),
            Ty::FixedU16 => json!("fixed_u16"),
            Ty::Option(t) => json!({ "option": t.to_json() }),
            Ty::Seq(t) => json!({ "seq": t.to_json() }),
            Ty::Map(k, v) => json!({ "map": [k.to_json(), v.to_json()] }),
            Ty::Tuple(items) => {
                json!({ "tuple": items.iter().map(Ty::to_json).collect::<Vec<_>>() })
            }
            Ty::Array(t, n) => json!({ "array": [t.to_json(), n] }),
            Ty::Ref(name) => json!({ "ref": name }),
        }
    }
}

fn fields_json(fields: &[(String, Ty)]) -> Value {
    Value::Array(
        fields
            .iter()
            .map(|(n, t)| json!([n, t.to_json()]))
            .collect(),
    )
}

impl TypeDef {
    /// The JSON form (module docs).
    pub fn to_json(&self) -> Value {
        match self {
            TypeDef::Struct(fields) => json!({ "struct": fields_json(fields) }),
            TypeDef::Newtype(t) => json!({ "newtype": t.to_json() }),
            TypeDef::Tuple(items) => {
                json!({ "tuple": items.iter().map(Ty::to_json).collect::<Vec<_>>() })
            }
            TypeDef::Unit => json!({ "unit": null }),
            TypeDef::Enum(variants) => json!({
                "enum": variants.iter().map(|(name, v)| {
                    let v = match v {
                        Variant::Unit => Value::Null,
                        Variant::Newtype(t) => json!({ "newtype": t.to_json() }),
                        Variant::Tuple(items) => json!({ "tuple": items.iter().map(Ty::to_json).collect::<Vec<_>>() }),
                        Variant::Struct(fields) => json!({ "struct": fields_json(fields) }),
                    };
                    json!([name, v])
                }).collect::<Vec<_>>()
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::{GameInfo, ViewKey};
    use crate::protocol::wire::{fixed_u16, opt_fixed_u16};
    use crate::protocol::{EndReason, Phase, PlayerId, ScoreLine};
    use serde::{Deserialize, Serialize};
    use std::collections::BTreeMap as Map;

    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
    struct View {
        entities: Vec<Entity>,
        lookup: Map<u8, (i32, bool)>,
        tree: Tree,
        marker: Marker,
        corners: [Corner; 2],
        #[serde(with = "opt_fixed_u16")]
        last: Option<u16>,
    }

    #[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
    struct Entity {
        #[serde(with = "fixed_u16")]
        x: u16,
        kind: Kind,
    }

    #[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
    enum Kind {
        #[default]
        Rock,
        Bird(Wing),
        Ship {
            crew: u8,
            hull: f32,
        },
        Pair(i16, char),
    }

    #[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
    enum Wing {
        #[default]
        Left,
        Right,
    }

    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
    enum Tree {
        #[default]
        Leaf,
        Node(Box<Tree>, Box<Tree>),
    }

    #[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
    struct Marker;

    #[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
    struct Corner(u64, u64);

    #[derive(Clone)]
    struct Probe;

    impl Game for Probe {
        type Input = String;
        type View = View;
        type Facts = ();
        type Settings = ();
        type Bot = crate::NoBot;
        fn info() -> GameInfo {
            GameInfo {
                name: "probe".into(),
                title: "Probe".into(),
                about: String::new(),
                min_players: 1,
                max_players: 2,
                default_players: 1,
                teams: 0,
                settings: vec![],
                score_columns: vec![],
            }
        }
        fn new(_: (), _: u8, _: u64) -> Self {
            Probe
        }
        fn facts(&self) {}
        fn add_player(&mut self, _: PlayerId, _: &str) {}
        fn remove_player(&mut self, _: PlayerId) {}
        fn start(&mut self) {}
        fn end(&mut self, _: EndReason) {}
        fn step(&mut self, _: &[(PlayerId, String)], _: f32) {}
        fn phase(&self) -> Phase {
            Phase::Waiting
        }
        fn end_reason(&self) -> Option<EndReason> {
            None
        }
        fn view_into(&self, _: ViewKey, _: &mut View) {}
        fn scoreboard(&self) -> Vec<ScoreLine> {
            Vec::new()
        }
    }

    /// Every kind of type is described: an enum inside a sequence (every variant, even though it
    /// is only met as a sequence's element), an enum inside a variant, a recursive enum, maps,
    /// tuples, arrays, newtype, unit and tuple structs, `fixed_u16` by name, primitives.
    #[test]
    fn every_kind_of_type_is_described() {
        let schema = GameSchema::of::<Probe>().unwrap();
        let json = schema.to_json();
        assert_eq!(json["view"], json!({"ref": "View"}));
        assert_eq!(json["input"], json!("str"));
        assert_eq!(json["facts"], json!("unit"));
        assert_eq!(
            json["types"]["View"],
            json!({"struct": [
                ["entities", {"seq": {"ref": "Entity"}}],
                ["lookup", {"map": ["u8", {"tuple": ["i32", "bool"]}]}],
                ["tree", {"ref": "Tree"}],
                ["marker", {"ref": "Marker"}],
                ["corners", {"array": [{"ref": "Corner"}, 2]}],
                ["last", {"option": "fixed_u16"}],
            ]})
        );
        assert_eq!(
            json["types"]["Kind"],
            json!({"enum": [
                ["Rock", null],
                ["Bird", {"newtype": {"ref": "Wing"}}],
                ["Ship", {"struct": [["crew", "u8"], ["hull", "f32"]]}],
                ["Pair", {"tuple": ["i16", "char"]}],
            ]})
        );
        assert_eq!(
            json["types"]["Wing"],
            json!({"enum": [["Left", null], ["Right", null]]})
        );
        assert_eq!(
            json["types"]["Tree"],
            json!({"enum": [["Leaf", null], ["Node", {"tuple": [{"ref": "Tree"}, {"ref": "Tree"}]}]]})
        );
        assert_eq!(json["types"]["Marker"], json!({"unit": null}));
        assert_eq!(json["types"]["Corner"], json!({"tuple": ["u64", "u64"]}));
        assert!(json["types"].get(fixed_u16::NAME).is_none());
        // Fewest bytes: an entity is 2 + 1; the view: entities 1, lookup 1, tree 1, marker 0,
        // corners 2 × (1 + 1), last 1.
        assert_eq!(schema.min_size(&Ty::Ref("Entity".into())), 3);
        assert_eq!(schema.min_size(&schema.view), 8);
    }

    /// A type bincode cannot lay out (here an untagged enum, deep in the view) is refused, and
    /// the error says where it is.
    #[test]
    fn an_untagged_type_is_refused_with_its_path() {
        #[derive(Debug, Clone, Default, Serialize, Deserialize)]
        struct Outer {
            inner: Vec<Inner>,
        }
        #[derive(Debug, Clone, Default, Serialize, Deserialize)]
        struct Inner {
            ok: u8,
            loose: Loose,
        }
        #[derive(Debug, Clone, Serialize, Deserialize)]
        #[serde(untagged)]
        enum Loose {
            A(u8),
            B(String),
        }
        impl Default for Loose {
            fn default() -> Self {
                Loose::A(0)
            }
        }
        let err = trace::trace4::<(), Outer, (), ()>().unwrap_err();
        assert!(
            err.starts_with("cannot describe its View type: Outer.inner[0]: Inner.loose: "),
            "{err}"
        );
        assert!(err.contains("untagged"), "{err}");
    }
}
