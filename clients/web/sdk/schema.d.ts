// Declarations of schema.js: any game's payloads decoded and encoded from its schema, the
// description of its wire types that `GET /api/games/{name}/schema` serves (docs/protocol.md
// part E; game/core/src/schema/mod.rs).

import type { BytesLike } from './wire.js';

/** Varint marker of a u128: sixteen little-endian bytes follow. */
export declare const U128_MARKER: 254;
/** How deep values of recursive named types may nest (decoding and encoding). */
export declare const MAX_DEPTH: 64;
/** Most items a seq or map of zero-size items (units) may claim. */
export declare const MAX_ZERO_SIZE_ITEMS: 65536;

/** A primitive of the bincode encoding, or Arena's two-byte `fixed_u16`. */
export type SchemaPrimitive =
  | 'u8' | 'u16' | 'u32' | 'u64' | 'u128'
  | 'i8' | 'i16' | 'i32' | 'i64' | 'i128'
  | 'f32' | 'f64' | 'bool' | 'char' | 'str' | 'bytes' | 'unit' | 'fixed_u16';

/** A type: a primitive's name, or an object with one key. */
export type SchemaType =
  | SchemaPrimitive
  | { option: SchemaType }
  | { seq: SchemaType }
  | { map: [SchemaType, SchemaType] }
  | { tuple: SchemaType[] }
  /** Exactly N items, no length prefix. */
  | { array: [SchemaType, number] }
  /** A named type of the document's `types`. */
  | { ref: string };

/** Named fields in wire order: `[name, type]`. */
export type SchemaFields = [string, SchemaType][];

/** An enum variant's content: null for a unit variant. */
export type SchemaVariant = null | { newtype: SchemaType } | { tuple: SchemaType[] } | { struct: SchemaFields };

/** A named type. */
export type SchemaTypeDef =
  | { struct: SchemaFields }
  | { newtype: SchemaType }
  | { tuple: SchemaType[] }
  | { unit: null }
  /** Variants in index order (the wire's tag). */
  | { enum: [string, SchemaVariant][] };

/** The document `GET /api/games/{name}/schema` answers. */
export interface GameSchemaJson {
  game: string;
  rules_version: number;
  /** Welcome.facts. */
  facts: SchemaType;
  /** Snapshot.view. */
  view: SchemaType;
  /** ClientMsg Input.input. */
  input: SchemaType;
  /** The match settings (JSON in the lobby API; described for forms and tools). */
  settings: SchemaType;
  types: Record<string, SchemaTypeDef>;
}

/**
 * A decoded value, in serde_json's shape: a struct a plain object; a unit variant its name;
 * another variant `{Variant: content}`; a newtype its inner value; tuples, arrays and seqs arrays;
 * an option null or the value; unit null; a map a Map; integers up to 32 bits, fixed_u16 and
 * floats numbers; 64 and 128-bit integers a number when it is a safe integer, else a BigInt; bool
 * a boolean; char and str strings; bytes a Uint8Array.
 */
export type SchemaValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | SchemaValue[]
  | Map<SchemaValue, SchemaValue>
  | { [field: string]: SchemaValue };

/**
 * A game's wire types, compiled once into decoders and encoders. The type parameters are the
 * shapes you declare for your game's facts, view, input and settings (the schema cannot check
 * them at compile time: state them as the document describes them).
 *
 * Decoding throws WireError (`path`: where, e.g. `View.players[3].x`) for anything but exactly
 * one valid value; encoding throws RangeError or TypeError naming the path. The constructor
 * throws Error for a document that is not a valid schema.
 */
export declare class Schema<F = SchemaValue, V = SchemaValue, I = SchemaValue, S = SchemaValue> {
  /** `json`: the schema document (an object, or its JSON text). */
  constructor(json: GameSchemaJson | string);
  /** The game's registry name, as the document says. */
  game: string | null;
  rulesVersion: number | null;
  /** The document itself. */
  json: GameSchemaJson;
  /** The named types (a copy). */
  readonly types: Map<string, SchemaTypeDef>;
  /** Decodes exactly one value of `type` from `bytes`. */
  decode(type: SchemaType, bytes: BytesLike): SchemaValue;
  /** Encodes `value` as `type`. */
  encode(type: SchemaType, value: unknown): Uint8Array;
  /** Welcome.facts → the facts. */
  decodeFacts(bytes: BytesLike): F;
  /** Snapshot.view → the view. */
  decodeView(bytes: BytesLike): V;
  decodeInput(bytes: BytesLike): I;
  decodeSettings(bytes: BytesLike): S;
  /** The input → the bytes of ClientMsg Input.input. */
  encodeInput(value: I): Uint8Array;
  /** For tests and tools (the server writes facts and views). */
  encodeFacts(value: F): Uint8Array;
  encodeView(value: V): Uint8Array;
  encodeSettings(value: S): Uint8Array;
  /** The fewest bytes a value of `type` encodes to. */
  minSize(type: SchemaType): number;
}

/** A game module's codec functions, from a schema. */
export interface SchemaCodec<F = SchemaValue, V = SchemaValue, I = SchemaValue, S = SchemaValue> {
  decodeFacts(bytes: BytesLike): F;
  decodeView(bytes: BytesLike): V;
  encodeInput(value: I): Uint8Array;
  decodeInput(bytes: BytesLike): I;
  schema: Schema<F, V, I, S>;
}

/** `{decodeFacts, decodeView, encodeInput, decodeInput, schema}` from a schema document or a Schema. */
export declare function schemaCodec<F = SchemaValue, V = SchemaValue, I = SchemaValue, S = SchemaValue>(
  json: GameSchemaJson | string | Schema<F, V, I, S>,
): SchemaCodec<F, V, I, S>;
