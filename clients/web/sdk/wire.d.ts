// Declarations of wire.js: the bincode reader and writer every codec uses (docs/protocol.md
// section 2). Hand-written; test/sdk-package.test.mjs holds the exported names to the module's.

/** Bytes as the SDK accepts them: an ArrayBuffer, a typed array or a DataView. */
export type BytesLike = ArrayBuffer | ArrayBufferView;

/** Largest varint that is one byte. */
export declare const SINGLE_BYTE_MAX: 250;
/** Varint marker: two little-endian bytes follow. */
export declare const U16_MARKER: 251;
/** Varint marker: four little-endian bytes follow. */
export declare const U32_MARKER: 252;
/** Varint marker: eight little-endian bytes follow. */
export declare const U64_MARKER: 253;

/** Largest encoded message the codec looks at, bytes (the server's MAX_MESSAGE_BYTES: 65536). */
export declare const MAX_MESSAGE_BYTES: number;

/**
 * Thrown for bytes that are not a valid message (truncated, unknown tag, bad UTF-8, trailing
 * bytes, ...). The message ends with `at byte N` when `offset` is known.
 */
export declare class WireError extends Error {
  constructor(message: string, offset?: number);
  /** Where in the bytes the problem is, when known. */
  offset: number | undefined;
  /** Where in the value, when a Schema decoded it (e.g. `View.players[3].x`). */
  path?: string;
}

/** `data` as a Uint8Array over the same memory. Throws TypeError for anything else. */
export declare function asBytes(data: BytesLike): Uint8Array;

/** UTF-8 length of a string in bytes. */
export declare function utf8Length(s: string): number;

/**
 * Reads bincode (config::standard()) values from bytes. Every method throws WireError when the
 * bytes cannot hold what it reads; nothing is allocated from a length prefix before checking
 * that the bytes left can hold it.
 */
export declare class Reader {
  constructor(data: BytesLike);
  /** The bytes read from. */
  bytes: Uint8Array;
  view: DataView;
  /** The next byte to read. */
  pos: number;
  /** Bytes not read yet. */
  readonly left: number;
  /** Throws WireError unless `n` more bytes are left. */
  need(n: number): void;
  u8(): number;
  /** Two raw little-endian bytes (the `fixed_u16` fields: coordinates, sequence numbers). */
  fixedU16(): number;
  f32(): number;
  /** One byte, 0 or 1 (anything else throws). */
  bool(): boolean;
  /** A varint as BigInt, accepting markers up to `maxMarker` (u16: 251, u32: 252, u64: 253). */
  varintBig(maxMarker: number): bigint;
  varU16(): number;
  varU32(): number;
  /** u64 fields are BigInt so no value is rounded. */
  varU64(): bigint;
  /** i32: zigzag, then a u32 varint. */
  i32(): number;
  /** A length prefix of items at least `minItemBytes` long each, checked against the bytes left. */
  length(minItemBytes: number): number;
  /** Length-prefixed raw bytes (a game's payload), as a copy. */
  bytesField(): Uint8Array;
  /** Length-prefixed UTF-8 (invalid UTF-8 throws). */
  string(): string;
  /** A length-prefixed sequence: `item()` read that many times. */
  vec<T>(minItemBytes: number, item: () => T): T[];
  /** `[T; n]`: n items, no count. */
  array<T>(n: number, item: () => T): T[];
  /** `00` → null, `01` → `item()`; another tag throws. */
  option<T>(item: () => T): T | null;
  /** An enum's variant index (varint u32), as the variant's name from `names`. */
  variant<N extends string>(names: readonly N[], what: string): N;
  /** Throws WireError if bytes are left over. */
  finish(): void;
}

/** Runs `read(reader)` over `data` and refuses trailing bytes: one whole value or a WireError. */
export declare function decodeExact<T>(data: BytesLike, read: (r: Reader) => T): T;

/** Writes bincode values; out-of-range numbers throw RangeError. */
export declare class Writer {
  constructor();
  /** The bytes written so far. */
  out: number[];
  u8(v: number): void;
  bool(v: unknown): void;
  fixedU16(v: number): void;
  f32(v: number): void;
  /** Shortest varint of an unsigned integer below 2^64. */
  varint(value: number | bigint): void;
  /** A varint that must fit in `bits`. */
  varUint(value: number | bigint, bits: 16 | 32 | 64): void;
  i32(v: number): void;
  string(s: string): void;
  bytesField(bytes: BytesLike): void;
  /** `00` for null or undefined, else `01` then `item(value)`. */
  option<T>(value: T | null | undefined, item: (value: T) => void): void;
  /** The bytes written. */
  finish(): Uint8Array;
}

/** Bytes → lowercase hex (for logs and tests). */
export declare function toHex(bytes: BytesLike): string;

/** Hex → bytes. Throws TypeError for anything that is not an even-length hex string. */
export declare function fromHex(hex: string): Uint8Array;
