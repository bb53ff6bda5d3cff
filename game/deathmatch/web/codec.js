// The deathmatch's payloads (docs/protocol.md part B, "Game: deathmatch"; game/deathmatch/src/
// wire.rs): the facts in the welcome, the view in each snapshot, the input a player sends.
// test/codec.test.mjs holds this file to the vectors the Rust codec writes.

import { decodeExact, Writer } from 'arena-sdk/wire.js';

/** A wire coordinate is round(world * POS_SCALE). */
export const POS_SCALE = 16;

/** Bits of Input.buttons. */
export const Buttons = Object.freeze({ UP: 1, DOWN: 2, LEFT: 4, RIGHT: 8, ATTACK: 16, ALL: 31 });
/** Bits of PlayerView.flags. */
export const Flags = Object.freeze({ ALIVE: 1, ATTACKED: 2, HIT: 4 });

/** Smallest encoding of a PlayerView. */
const PLAYER_VIEW_MIN_BYTES = 10;

/** Facts: arena geometry and rules constants, and the match's settings. */
export function decodeFacts(bytes) {
  return decodeExact(bytes, (r) => ({
    width: r.f32(),
    height: r.f32(),
    player_radius: r.f32(),
    max_speed: r.f32(),
    attack_range: r.f32(),
    attack_cooldown_s: r.f32(),
    attack_damage: r.u8(),
    max_health: r.u8(),
    respawn_delay_s: r.f32(),
    time_limit_s: r.varU16(),
    score_limit: r.varU16(),
  }));
}

/** View: `{time_left_ds, players: [{id, x, y, aim, health, flags, kills, deaths}]}` (wire units). */
export function decodeView(bytes) {
  return decodeExact(bytes, (r) => ({
    time_left_ds: r.varU32(),
    players: r.vec(PLAYER_VIEW_MIN_BYTES, () => ({
      id: r.u8(),
      x: r.fixedU16(),
      y: r.fixedU16(),
      aim: r.u8(),
      health: r.u8(),
      flags: r.u8(),
      kills: r.varU16(),
      deaths: r.varU16(),
    })),
  }));
}

/** Input `{buttons, aim}` → its 2 bytes. */
export function encodeInput(input) {
  const w = new Writer();
  w.u8(input.buttons);
  w.u8(input.aim);
  return w.finish();
}

/** The 2 bytes of an input → `{buttons, aim}` (tests and tools). */
export function decodeInput(bytes) {
  return decodeExact(bytes, (r) => ({ buttons: r.u8(), aim: r.u8() }));
}

/** World units → wire coordinate (as the server quantizes). */
export function quantizePos(world) {
  return Math.min(0xffff, Math.max(0, Math.round(world * POS_SCALE)));
}

/** Wire coordinate → world units. */
export function dequantizePos(wire) {
  return wire / POS_SCALE;
}

/** Aim byte (1/256 turns, 0 = +x, 64 = +y i.e. down) → radians. */
export function aimToRadians(aim) {
  return (aim * Math.PI * 2) / 256;
}

/** Radians → nearest aim byte. */
export function radiansToAim(rad) {
  const turns = rad / (Math.PI * 2);
  return (((Math.round(turns * 256) % 256) + 256) % 256);
}
