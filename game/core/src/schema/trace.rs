//! The tracer: a serde `Deserializer` that makes up values and records what each type asks
//! for (which primitive, which struct with which fields, which enum with which variants), until
//! every variant of every enum it met has been seen.
//!
//! Why not serde-reflection (the maintained tracer): it explores the element of a sequence only
//! the first time it meets the sequence, so an enum inside a `Vec` (a list of entities whose kind
//! is an enum: common in game views) never shows more than one variant. Here every pass
//! explores one element of every sequence (down to [`MAX_DEPTH`], where recursive types stop)
//! and every enum met in a pass takes its next unexplored variant, so the passes end when nothing
//! is left to explore.

use std::collections::BTreeMap;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use super::{Prim, Ty, TypeDef, Variant};
use crate::protocol::wire::fixed_u16;

/// Nesting below which sequences, maps and options hold a value; deeper they are empty, so a
/// recursive type ends.
const MAX_DEPTH: usize = 24;

/// Passes before giving up on variants never reached.
const MAX_PASSES: usize = 10_000;

/// Passes in a row that see no new variant before the rest are taken as unreachable.
const MAX_IDLE_PASSES: usize = 1_000;

/// A type seen so far: `Ty` with room for "not known yet" (an option or a sequence only ever met
/// below the depth limit).
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Unknown,
    Prim(Prim),
    FixedU16,
    Option(Box<Seen>),
    Seq(Box<Seen>),
    Map(Box<Seen>, Box<Seen>),
    Tuple(Vec<Seen>),
    Ref(String),
}

impl Seen {
    /// `self` with what `other` knows added; an error when they disagree.
    fn merge(&mut self, other: Seen) -> Result<(), String> {
        match (&mut *self, other) {
            (_, Seen::Unknown) => Ok(()),
            (Seen::Unknown, other) => {
                *self = other;
                Ok(())
            }
            (Seen::Option(a), Seen::Option(b)) | (Seen::Seq(a), Seen::Seq(b)) => a.merge(*b),
            (Seen::Map(ak, av), Seen::Map(bk, bv)) => {
                ak.merge(*bk)?;
                av.merge(*bv)
            }
            (Seen::Tuple(a), Seen::Tuple(b)) if a.len() == b.len() => {
                for (x, y) in a.iter_mut().zip(b) {
                    x.merge(y)?;
                }
                Ok(())
            }
            (a, b) if *a == b => Ok(()),
            (a, b) => Err(format!("one type read two ways: {a:?} and {b:?}")),
        }
    }

    fn finish(&self, at: &str) -> Result<Ty, String> {
        Ok(match self {
            Seen::Unknown => {
                return Err(format!(
                    "{at}: its type was never reached (nested deeper than {MAX_DEPTH})"
                ))
            }
            Seen::Prim(p) => Ty::Prim(*p),
            Seen::FixedU16 => Ty::FixedU16,
            Seen::Option(t) => Ty::Option(Box::new(t.finish(at)?)),
            Seen::Seq(t) => Ty::Seq(Box::new(t.finish(at)?)),
            Seen::Map(k, v) => Ty::Map(Box::new(k.finish(at)?), Box::new(v.finish(at)?)),
            Seen::Tuple(items) => {
                let items: Vec<Ty> = items
                    .iter()
                    .map(|t| t.finish(at))
                    .collect::<Result<_, _>>()?;
                // `[T; N]` reads as a tuple of N; say it as an array (the same bytes).
                match items.first() {
                    Some(first) if items.len() > 1 && items.iter().all(|t| t == first) => {
                        Ty::Array(Box::new(first.clone()), items.len())
                    }
                    _ => Ty::Tuple(items),
                }
            }
            Seen::Ref(name) => Ty::Ref(name.clone()),
        })
    }
}

/// `known` with `new` merged in, item by item; an empty `known` has seen nothing yet.
fn merge_list<'a>(
    known: impl ExactSizeIterator<Item = &'a mut Seen>,
    new: Vec<Seen>,
) -> Result<(), String> {
    if known.len() != new.len() {
        return Err("read with different numbers of items".into());
    }
    for (a, b) in known.zip(new) {
        a.merge(b)?;
    }
    Ok(())
}

/// Reads the `names.len().max(n)` elements of a tuple, tuple struct, struct or variant with
/// `visitor`; what each element is.
fn read_items<'de, V: Visitor<'de>>(
    tracer: &mut Tracer,
    depth: usize,
    n: usize,
    names: &'static [&'static str],
    visitor: V,
) -> Result<(V::Value, Vec<Seen>), TraceError> {
    let mut seen: Vec<Seen> = (0..n.max(names.len())).map(|_| Seen::Unknown).collect();
    let value = visitor.visit_seq(Items {
        tracer,
        depth,
        outs: seen.iter_mut().collect::<Vec<_>>().into_iter(),
        names,
        at: 0,
    })?;
    Ok((value, seen))
}

/// What a named type looks like so far.
#[derive(Debug)]
enum Def {
    Struct(Vec<(&'static str, Seen)>),
    Newtype(Seen),
    Tuple(Vec<Seen>),
    Unit,
    Enum {
        names: &'static [&'static str],
        /// Per variant: what it holds, once seen.
        seen: Vec<Option<VariantSeen>>,
        /// Once every variant is seen, the variants are taken in turn (so enums inside them are
        /// met again).
        turn: usize,
    },
}

#[derive(Debug)]
enum VariantSeen {
    Unit,
    Newtype(Seen),
    Tuple(Vec<Seen>),
    Struct(Vec<(&'static str, Seen)>),
}

/// The record of every pass.
#[derive(Default)]
pub(super) struct Tracer {
    defs: BTreeMap<String, Def>,
    /// Whether an enum met an unexplored variant in this pass (so another pass is worth it).
    progressed: bool,
}

impl Tracer {
    /// What a pass saw of the named type `name` (a struct, tuple struct, newtype or unit
    /// struct), merged into what earlier passes saw.
    fn merge_def(&mut self, name: &str, seen: Def) -> Result<(), String> {
        let Some(known) = self.defs.get_mut(name) else {
            self.defs.insert(name.to_owned(), seen);
            return Ok(());
        };
        match (known, seen) {
            (Def::Struct(a), Def::Struct(b)) => merge_list(
                a.iter_mut().map(|(_, s)| s),
                b.into_iter().map(|(_, s)| s).collect(),
            ),
            (Def::Tuple(a), Def::Tuple(b)) => merge_list(a.iter_mut(), b),
            (Def::Newtype(a), Def::Newtype(b)) => a.merge(b),
            (Def::Unit, Def::Unit) => Ok(()),
            _ => Err("read as different kinds of type".into()),
        }
        .map_err(|e| format!("{name}: {e}"))
    }

    /// The variant an enum takes now: the next one not seen yet (at the depth limit, the first
    /// one seen to hold nothing, so recursion ends), else the first.
    fn pick_variant(&mut self, name: &str, names: &'static [&'static str], deep: bool) -> usize {
        let def = self
            .defs
            .entry(name.to_owned())
            .or_insert_with(|| Def::Enum {
                names,
                seen: (0..names.len()).map(|_| None).collect(),
                turn: 0,
            });
        let Def::Enum { seen, turn, .. } = def else {
            return 0;
        };
        if deep {
            return seen
                .iter()
                .position(|v| matches!(v, Some(VariantSeen::Unit)))
                .unwrap_or(0);
        }
        match seen.iter().position(Option::is_none) {
            Some(i) => {
                self.progressed = true;
                i
            }
            None => {
                *turn += 1;
                *turn % seen.len()
            }
        }
    }

    fn record_variant(&mut self, name: &str, index: usize, v: VariantSeen) -> Result<(), String> {
        let Some(Def::Enum { seen, names, .. }) = self.defs.get_mut(name) else {
            return Err(format!("{name} is read as different kinds of type"));
        };
        let slot = &mut seen[index];
        match (slot.as_mut(), v) {
            (None, v) => *slot = Some(v),
            (Some(VariantSeen::Newtype(a)), VariantSeen::Newtype(b)) => a.merge(b)?,
            (Some(VariantSeen::Tuple(a)), VariantSeen::Tuple(b)) => merge_list(a.iter_mut(), b)?,
            (Some(VariantSeen::Struct(a)), VariantSeen::Struct(b)) => merge_list(
                a.iter_mut().map(|(_, s)| s),
                b.into_iter().map(|(_, s)| s).collect(),
            )?,
            (Some(VariantSeen::Unit), VariantSeen::Unit) => {}
            _ => {
                return Err(format!(
                    "{name}::{} is read as different kinds of variant",
                    names[index]
                ))
            }
        }
        Ok(())
    }

    /// One pass over `T`: what it reads as.
    fn pass<T: DeserializeOwned>(&mut self) -> Result<Seen, String> {
        let mut out = Seen::Unknown;
        T::deserialize(Tracing {
            tracer: self,
            depth: 0,
            out: &mut out,
        })
        .map_err(|e| e.0)?;
        Ok(out)
    }
}

/// Traces the four roots (facts, view, input, settings) until every enum met is explored.
pub(super) fn trace4<A, B, C, D>() -> Result<([Ty; 4], BTreeMap<String, TypeDef>), String>
where
    A: DeserializeOwned,
    B: DeserializeOwned,
    C: DeserializeOwned,
    D: DeserializeOwned,
{
    let mut tracer = Tracer::default();
    let mut roots = [Seen::Unknown, Seen::Unknown, Seen::Unknown, Seen::Unknown];
    let what = ["Facts", "View", "Input", "Settings"];
    let mut idle = 0;
    for _ in 0..MAX_PASSES {
        tracer.progressed = false;
        let seen = [
            tracer.pass::<A>(),
            tracer.pass::<B>(),
            tracer.pass::<C>(),
            tracer.pass::<D>(),
        ];
        for ((root, seen), what) in roots.iter_mut().zip(seen).zip(what) {
            let seen = seen.map_err(|e| format!("cannot describe its {what} type: {e}"))?;
            root.merge(seen)
                .map_err(|e| format!("cannot describe its {what} type: {e}"))?;
        }
        let complete = tracer.defs.values().all(|d| match d {
            Def::Enum { seen, .. } => seen.iter().all(Option::is_some),
            _ => true,
        });
        idle = if tracer.progressed { 0 } else { idle + 1 };
        if complete || idle > MAX_IDLE_PASSES {
            break;
        }
    }
    let mut types = BTreeMap::new();
    for (name, def) in &tracer.defs {
        if name == fixed_u16::NAME {
            continue;
        }
        let fields = |fs: &[(&'static str, Seen)]| -> Result<Vec<(String, Ty)>, String> {
            fs.iter()
                .map(|(f, t)| Ok(((*f).to_owned(), t.finish(&format!("{name}.{f}"))?)))
                .collect()
        };
        let def = match def {
            Def::Struct(fs) => TypeDef::Struct(fields(fs)?),
            Def::Newtype(t) => TypeDef::Newtype(t.finish(name)?),
            Def::Tuple(items) => TypeDef::Tuple(
                items
                    .iter()
                    .map(|t| t.finish(name))
                    .collect::<Result<_, _>>()?,
            ),
            Def::Unit => TypeDef::Unit,
            Def::Enum { names, seen, .. } => {
                let mut variants = Vec::with_capacity(names.len());
                for (vname, v) in names.iter().zip(seen) {
                    let at = format!("{name}::{vname}");
                    let v = match v {
                        None => return Err(format!("{at} was never reached")),
                        Some(VariantSeen::Unit) => Variant::Unit,
                        Some(VariantSeen::Newtype(t)) => Variant::Newtype(t.finish(&at)?),
                        Some(VariantSeen::Tuple(items)) => Variant::Tuple(
                            items
                                .iter()
                                .map(|t| t.finish(&at))
                                .collect::<Result<_, _>>()?,
                        ),
                        Some(VariantSeen::Struct(fs)) => Variant::Struct(fields(fs)?),
                    };
                    variants.push(((*vname).to_owned(), v));
                }
                TypeDef::Enum(variants)
            }
        };
        types.insert(name.clone(), def);
    }
    let mut out = Vec::with_capacity(4);
    for (root, what) in roots.iter().zip(what) {
        out.push(root.finish(what)?);
    }
    let out: [Ty; 4] = out.try_into().expect("four roots");
    Ok((out, types))
}

/// `msg` after a path: glued on when it continues the path (`.field…`, `[i]…`), else after
/// `: `.
fn with_sep(msg: &str) -> String {
    if msg.starts_with('.') || msg.starts_with('[') || msg.starts_with("::") {
        msg.to_owned()
    } else {
        format!(": {msg}")
    }
}

/// Why a trace failed.
#[derive(Debug)]
struct TraceError(String);

impl std::fmt::Display for TraceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TraceError {}

impl de::Error for TraceError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        TraceError(msg.to_string())
    }
}

/// The deserializer of one value: it records what the value asks for into `out`.
struct Tracing<'a> {
    tracer: &'a mut Tracer,
    depth: usize,
    out: &'a mut Seen,
}

impl Tracing<'_> {
    fn set(&mut self, seen: Seen) -> Result<(), TraceError> {
        self.out.merge(seen).map_err(TraceError)
    }

    fn deep(&self) -> bool {
        self.depth >= MAX_DEPTH
    }
}

macro_rules! primitive {
    ($method:ident, $prim:ident, $visit:ident, $value:expr) => {
        fn $method<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TraceError> {
            self.set(Seen::Prim(Prim::$prim))?;
            visitor.$visit($value)
        }
    };
}

impl<'de> de::Deserializer<'de> for Tracing<'_> {
    type Error = TraceError;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, TraceError> {
        Err(TraceError(
            "a type that reads itself from any value (untagged, flattened or self-describing) \
             has no bincode layout to describe"
                .into(),
        ))
    }

    primitive!(deserialize_bool, Bool, visit_bool, false);
    primitive!(deserialize_i8, I8, visit_i8, 0);
    primitive!(deserialize_i16, I16, visit_i16, 0);
    primitive!(deserialize_i32, I32, visit_i32, 0);
    primitive!(deserialize_i64, I64, visit_i64, 0);
    primitive!(deserialize_i128, I128, visit_i128, 0);
    primitive!(deserialize_u8, U8, visit_u8, 0);
    primitive!(deserialize_u16, U16, visit_u16, 0);
    primitive!(deserialize_u32, U32, visit_u32, 0);
    primitive!(deserialize_u64, U64, visit_u64, 0);
    primitive!(deserialize_u128, U128, visit_u128, 0);
    primitive!(deserialize_f32, F32, visit_f32, 0.0);
    primitive!(deserialize_f64, F64, visit_f64, 0.0);
    primitive!(deserialize_char, Char, visit_char, 'a');
    primitive!(deserialize_str, Str, visit_str, "");
    primitive!(deserialize_string, Str, visit_string, String::new());
    primitive!(deserialize_bytes, Bytes, visit_bytes, &[]);
    primitive!(deserialize_byte_buf, Bytes, visit_byte_buf, Vec::new());

    fn deserialize_unit<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TraceError> {
        self.set(Seen::Prim(Prim::Unit))?;
        visitor.visit_unit()
    }

    fn deserialize_option<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TraceError> {
        if self.deep() {
            self.set(Seen::Option(Box::new(Seen::Unknown)))?;
            return visitor.visit_none();
        }
        let mut inner = Seen::Unknown;
        let value = visitor.visit_some(Tracing {
            tracer: self.tracer,
            depth: self.depth + 1,
            out: &mut inner,
        })?;
        self.set(Seen::Option(Box::new(inner)))?;
        Ok(value)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        mut self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.tracer.merge_def(name, Def::Unit).map_err(TraceError)?;
        self.set(Seen::Ref(name.to_owned()))?;
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        mut self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let mut inner = Seen::Unknown;
        let value = visitor.visit_newtype_struct(Tracing {
            tracer: self.tracer,
            depth: self.depth + 1,
            out: &mut inner,
        })?;
        if name == fixed_u16::NAME {
            self.set(Seen::FixedU16)?;
            return Ok(value);
        }
        self.tracer
            .merge_def(name, Def::Newtype(inner))
            .map_err(TraceError)?;
        self.set(Seen::Ref(name.to_owned()))?;
        Ok(value)
    }

    fn deserialize_seq<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TraceError> {
        let mut item = Seen::Unknown;
        let count = usize::from(!self.deep());
        let value = visitor.visit_seq(Items {
            tracer: self.tracer,
            depth: self.depth + 1,
            outs: if count == 1 {
                vec![&mut item]
            } else {
                Vec::new()
            }
            .into_iter(),
            names: &[],
            at: 0,
        })?;
        self.set(Seen::Seq(Box::new(item)))?;
        Ok(value)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        mut self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let (value, items) = read_items(self.tracer, self.depth + 1, len, &[], visitor)?;
        self.set(Seen::Tuple(items))?;
        Ok(value)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        mut self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let (value, items) = read_items(self.tracer, self.depth + 1, len, &[], visitor)?;
        self.tracer
            .merge_def(name, Def::Tuple(items))
            .map_err(TraceError)?;
        self.set(Seen::Ref(name.to_owned()))?;
        Ok(value)
    }

    fn deserialize_map<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TraceError> {
        let (mut key, mut value_ty) = (Seen::Unknown, Seen::Unknown);
        let left = usize::from(!self.deep());
        let value = visitor.visit_map(Entries {
            tracer: self.tracer,
            depth: self.depth + 1,
            key: &mut key,
            value: &mut value_ty,
            left,
        })?;
        self.set(Seen::Map(Box::new(key), Box::new(value_ty)))?;
        Ok(value)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        mut self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let (value, seen) = read_items(self.tracer, self.depth + 1, 0, fields, visitor)
            .map_err(|e| TraceError(format!("{name}{}", e.0)))?;
        self.tracer
            .merge_def(
                name,
                Def::Struct(fields.iter().copied().zip(seen).collect()),
            )
            .map_err(TraceError)?;
        self.set(Seen::Ref(name.to_owned()))?;
        Ok(value)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        mut self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        if variants.is_empty() {
            return Err(TraceError(format!("{name} has no variants")));
        }
        let index = self.tracer.pick_variant(name, variants, self.deep());
        self.set(Seen::Ref(name.to_owned()))?;
        let mut recorded = None;
        let value = visitor
            .visit_enum(OneVariant {
                tracer: self.tracer,
                depth: self.depth + 1,
                index,
                recorded: &mut recorded,
            })
            .map_err(|e| TraceError(format!("{name}::{}{}", variants[index], with_sep(&e.0))))?;
        if let Some(v) = recorded {
            self.tracer
                .record_variant(name, index, v)
                .map_err(TraceError)?;
        }
        Ok(value)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, _: V) -> Result<V::Value, TraceError> {
        Err(TraceError(
            "a type read by name (a map of fields) has no bincode layout to describe".into(),
        ))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.deserialize_any(v)
    }

    fn is_human_readable(&self) -> bool {
        // As bincode: types with two encodings (addresses, times) take the compact one.
        false
    }
}

/// The elements of a sequence (none, or one), tuple or struct: each recorded into its slot.
struct Items<'a> {
    tracer: &'a mut Tracer,
    depth: usize,
    outs: std::vec::IntoIter<&'a mut Seen>,
    /// The fields' names (structs), to say where an error is.
    names: &'static [&'static str],
    at: usize,
}

impl<'de> SeqAccess<'de> for Items<'_> {
    type Error = TraceError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, TraceError> {
        let Some(out) = self.outs.next() else {
            return Ok(None);
        };
        let at = self.at;
        self.at += 1;
        seed.deserialize(Tracing {
            tracer: self.tracer,
            depth: self.depth,
            out,
        })
        .map(Some)
        .map_err(|e| match self.names.get(at) {
            Some(field) => TraceError(format!(".{field}{}", with_sep(&e.0))),
            None => TraceError(format!("[{at}]{}", with_sep(&e.0))),
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.outs.len())
    }
}

/// The entries of a map: at most one, recorded into the key and value types.
struct Entries<'a> {
    tracer: &'a mut Tracer,
    depth: usize,
    key: &'a mut Seen,
    value: &'a mut Seen,
    left: usize,
}

impl<'de> MapAccess<'de> for Entries<'_> {
    type Error = TraceError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, TraceError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(Tracing {
            tracer: self.tracer,
            depth: self.depth,
            out: self.key,
        })
        .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, TraceError> {
        seed.deserialize(Tracing {
            tracer: self.tracer,
            depth: self.depth,
            out: self.value,
        })
    }
}

/// One variant of an enum, by index; what it holds is recorded.
struct OneVariant<'a> {
    tracer: &'a mut Tracer,
    depth: usize,
    index: usize,
    recorded: &'a mut Option<VariantSeen>,
}

impl<'de, 'a> EnumAccess<'de> for OneVariant<'a> {
    type Error = TraceError;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self), TraceError> {
        let index =
            u32::try_from(self.index).map_err(|_| TraceError("too many variants".into()))?;
        let tag = seed.deserialize(IntoDeserializer::<TraceError>::into_deserializer(index))?;
        Ok((tag, self))
    }
}

impl<'de> VariantAccess<'de> for OneVariant<'_> {
    type Error = TraceError;

    fn unit_variant(self) -> Result<(), TraceError> {
        *self.recorded = Some(VariantSeen::Unit);
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, TraceError> {
        let mut inner = Seen::Unknown;
        let value = seed.deserialize(Tracing {
            tracer: self.tracer,
            depth: self.depth,
            out: &mut inner,
        })?;
        *self.recorded = Some(VariantSeen::Newtype(inner));
        Ok(value)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let (value, items) = read_items(self.tracer, self.depth, len, &[], visitor)?;
        *self.recorded = Some(VariantSeen::Tuple(items));
        Ok(value)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let (value, seen) = read_items(self.tracer, self.depth, 0, fields, visitor)?;
        *self.recorded = Some(VariantSeen::Struct(
            fields.iter().copied().zip(seen).collect(),
        ));
        Ok(value)
    }
}
