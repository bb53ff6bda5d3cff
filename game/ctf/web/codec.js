// Capture the flag's payloads (docs/protocol.md part B, "Game: ctf"; game/ctf/src/wire.rs): the
// facts in the welcome, a team's (or a spectator's) view in each snapshot, the input a player
// sends. test/codec.test.mjs holds this file to the vectors the Rust codec writes.
//
// A flag's state decodes to `{kind: 'AtBase'}`, `{kind: 'Carried', carrier}`,
// `{kind: 'Dropped', x, y}` (wire units) or `{kind: 'CarriedUnseen'}`.

import { decodeExact, Writer, WireError } from 'arena-sdk/wire.js';

/** A wire coordinate is round(world * POS_SCALE). */
export const POS_SCALE = 16;

export const RED = 0;
export const BLUE = 1;
export const TEAM_NAMES = ['Red', 'Blue'];
/** View.sees of a spectator's view. */
export const SEES_EVERYTHING = 255;

/** Bits of Input.actions. */
export const Actions = Object.freeze({ MOVE: 1, TAG: 2, SPRINT: 4, ALL: 7 });
/** Bits of PlayerView.status. */
export const Status = Object.freeze({ IN_PLAY: 1, CARRYING: 2, SPRINTING: 4, TAGGED_SOMEONE: 8, WAS_TAGGED: 16 });

export const FLAG_STATE = ['AtBase', 'Carried', 'Dropped', 'CarriedUnseen'];

/** Smallest encoding of a PlayerView. */
const PLAYER_VIEW_MIN_BYTES = 8;

function readPoint(r) {
  return { x: r.fixedU16(), y: r.fixedU16() };
}

function readFlag(r) {
  const kind = r.variant(FLAG_STATE, 'FlagState');
  if (kind === 'Carried') return { kind, carrier: r.u8() };
  if (kind === 'Dropped') return { kind, ...readPoint(r) };
  return { kind };
}

export function decodeFacts(bytes) {
  return decodeExact(bytes, (r) => ({
    width: r.f32(),
    height: r.f32(),
    player_radius: r.f32(),
    speed: r.f32(),
    sprint_speed: r.f32(),
    stamina_drain_per_s: r.f32(),
    stamina_regen_per_s: r.f32(),
    tag_range: r.f32(),
    tag_cooldown_s: r.f32(),
    respawn_delay_s: r.f32(),
    flag_touch_radius: r.f32(),
    base_radius: r.f32(),
    flag_return_s: r.f32(),
    bases: r.array(2, () => readPoint(r)),
    sight_radius: r.f32(),
    captures_to_win: r.varU16(),
    time_limit_s: r.varU16(),
  }));
}

/** View: `{sees, time_left_ds, captures: [red, blue], flags: [red, blue], players: [{id, team,
 * x, y, status, stamina}]}` (wire units). */
export function decodeView(bytes) {
  return decodeExact(bytes, (r) => ({
    sees: r.u8(),
    time_left_ds: r.varU32(),
    captures: r.array(2, () => r.varU16()),
    flags: r.array(2, () => readFlag(r)),
    players: r.vec(PLAYER_VIEW_MIN_BYTES, () => ({
      id: r.u8(),
      team: r.u8(),
      x: r.fixedU16(),
      y: r.fixedU16(),
      status: r.u8(),
      stamina: r.u8(),
    })),
  }));
}

/** Input `{target_x, target_y, actions}` (target in wire units) → its 5 bytes. */
export function encodeInput(input) {
  const w = new Writer();
  w.fixedU16(input.target_x);
  w.fixedU16(input.target_y);
  w.u8(input.actions);
  return w.finish();
}

/** The 5 bytes of an input → `{target_x, target_y, actions}` (tests and tools). */
export function decodeInput(bytes) {
  return decodeExact(bytes, (r) => ({ target_x: r.fixedU16(), target_y: r.fixedU16(), actions: r.u8() }));
}

/** A flag state in serde's externally tagged JSON (the wire vectors' `msg`). */
export function flagToSerde(flag) {
  switch (flag.kind) {
    case 'AtBase':
    case 'CarriedUnseen':
      return flag.kind;
    case 'Carried':
      return { Carried: flag.carrier };
    case 'Dropped':
      return { Dropped: { x: flag.x, y: flag.y } };
    default:
      throw new WireError(`unknown flag state ${flag.kind}`);
  }
}

/** World units → wire coordinate (as the server quantizes). */
export function quantizePos(world) {
  return Math.min(0xffff, Math.max(0, Math.round(world * POS_SCALE)));
}

/** Wire coordinate → world units. */
export function dequantizePos(wire) {
  return wire / POS_SCALE;
}

/** A seat's team (the seat's parity). */
export function teamOf(id) {
  return id % 2;
}
