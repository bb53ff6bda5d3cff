// King of the hill in the page: one client per connection (per welcome). It keeps the snapshots
// for interpolation, sends the buttons whenever they change, draws the field and gives the page
// its HUD and test state. The page owns the connection, the roster and the overlays.
//
// What it gets (the schema's decoding of src/lib.rs `wire`, in serde's shape):
//   facts: {width, height, hill_radius, player_radius, speed, shove_range, shove_distance,
//           shove_cooldown_s, settings: {score_limit_s, time_limit_s, hill_moves_s}}
//   view:  {time_left_ds, hill: {x, y}, king: seat | null,
//           players: [{id, at: {x, y}, held_ds, flags}]}   positions are world × 16

import { SnapshotBuffer } from 'arena-sdk/interp.js';
import { Buttons, Keys } from './input.js';
import { colorFor, drawScene, seconds } from './render.js';

/** Wire coordinates are world units × POS_SCALE (src/lib.rs `wire::POS_SCALE`). */
export const POS_SCALE = 16;
/** Bits of `PlayerView.flags` (src/lib.rs `wire::flags`). */
export const Flags = Object.freeze({ ON_HILL: 1, SHOVED: 2, CONNECTED: 4 });

/** A wire point in world units. */
export const world = (p) => ({ x: p.x / POS_SCALE, y: p.y / POS_SCALE });

/** What to draw between views `a` and `b` (the SDK's SnapshotBuffer asks): players moved
 * `alpha` of the way, in world units; everything else is `a`'s. */
export function blendViews(a, b, alpha) {
  const next = new Map((b?.players ?? []).map((p) => [p.id, p]));
  return {
    time_left_ds: a.time_left_ds,
    hill: world(a.hill),
    king: a.king,
    players: a.players.map((p) => {
      const from = world(p.at);
      const to = next.has(p.id) ? world(next.get(p.id).at) : from;
      return { ...p, x: from.x + (to.x - from.x) * alpha, y: from.y + (to.y - from.y) * alpha };
    }),
  };
}

export class KothClient {
  /** `ctx`: `GameClientContext` in arena-sdk's index.d.ts. */
  constructor(ctx) {
    this.ctx = ctx;
    this.facts = ctx.facts;
    this.myId = ctx.myId;
    this.roster = ctx.roster;
    this.buffer = new SnapshotBuffer(ctx.tickHz);
    this.playing = ctx.role === 'player' && ctx.myId !== null;
    this.keys = this.playing && ctx.window ? new Keys(ctx.window, () => this.send()) : null;
    this.latest = null; // the newest snapshot, view decoded
    this.sent = 0; // the buttons the server holds for us (0 until we send any)
    this.shoveSeq = null; // the input carrying a shove, until a tick has applied it
    this.rendered = [];
    this.drawn = null;
  }

  get help() {
    return this.playing
      ? 'WASD / arrows move · Space shoves · stand alone on the hill to score'
      : 'Spectating: everyone is in view';
  }

  /** The buttons to send: the keys held, plus a shove until a tick has applied it (a tap
   * shorter than a tick still shoves: the server keeps only a tick's last input). */
  wanted() {
    const buttons = this.keys ? this.keys.buttons() : 0;
    return this.shoveSeq === null ? buttons : buttons | Buttons.SHOVE;
  }

  /** Sends the buttons if they changed (after a key, and with every snapshot until sent). */
  send() {
    if (!this.latest || this.latest.phase === 'Ended') return;
    const buttons = this.wanted();
    if (buttons === this.sent) return;
    const entry = this.ctx.submit({ buttons }, this.latest.tick);
    if (!entry) return; // not connected: the next snapshot tries again
    this.sent = buttons;
    if (buttons & Buttons.SHOVE) this.shoveSeq = entry.seq;
  }

  onSnapshot(snap, at) {
    this.buffer.push(snap, at);
    this.latest = snap;
    // The page has acknowledged the sequencer: an applied shove leaves `pending`.
    if (this.shoveSeq !== null && !this.ctx.sequencer.pending.some((e) => e.seq === this.shoveSeq)) this.shoveSeq = null;
    if (this.playing) this.send();
  }

  onPhase(phase) {
    if (this.keys) this.keys.enabled = phase !== 'Ended';
  }

  /** The newest view for window.arena.gameView: wire fields plus world coordinates (wx, wy). */
  viewState() {
    const v = this.latest?.view;
    if (!v) return null;
    return {
      time_left_ds: v.time_left_ds,
      king: v.king,
      hill: { ...v.hill, wx: v.hill.x / POS_SCALE, wy: v.hill.y / POS_SCALE },
      players: v.players.map((p) => ({ id: p.id, at: { ...p.at }, held_ds: p.held_ds, flags: p.flags, wx: p.at.x / POS_SCALE, wy: p.at.y / POS_SCALE })),
    };
  }

  /** Our player for window.arena.me: where the server has it, its time on the hill, what we sent. */
  meState() {
    const me = this.latest?.view.players.find((p) => p.id === this.myId);
    if (!me) return null;
    return {
      id: me.id,
      server: world(me.at),
      held_ds: me.held_ds,
      onHill: (me.flags & Flags.ON_HILL) !== 0,
      king: this.latest.view.king === me.id,
      buttons: this.sent,
    };
  }

  /** Draws a frame; returns the camera, or null before the first snapshot. */
  draw(ctx2d, viewW, viewH, now, { follow = null } = {}) {
    const sample = this.buffer.sample(now, blendViews);
    if (!sample) return null;
    const v = sample.view;
    const players = v.players.map((p) => ({
      id: p.id,
      name: this.roster.name(p.id),
      x: p.x,
      y: p.y,
      held_ds: p.held_ds,
      onHill: (p.flags & Flags.ON_HILL) !== 0,
      shoved: (p.flags & Flags.SHOVED) !== 0,
      connected: (p.flags & Flags.CONNECTED) !== 0,
      isMe: p.id === this.myId,
    }));
    const followed = players.find((p) => p.id === follow);
    const camera = drawScene(ctx2d, viewW, viewH, {
      facts: this.facts, hill: v.hill, king: v.king, players, follow: followed ? { x: followed.x, y: followed.y } : null,
    });
    this.rendered = players.map((p) => ({ id: p.id, x: p.x, y: p.y, isMe: p.isMe, king: p.id === v.king, held_ds: p.held_ds }));
    this.drawn = { hill: { ...v.hill, r: this.facts.hill_radius, king: v.king } };
    return camera;
  }

  /** The timer, who holds the hill, and a row per player: most time on the hill first. */
  hud() {
    const snap = this.latest;
    if (!snap) return null;
    const v = snap.view;
    const onHill = v.players.filter((p) => p.flags & Flags.ON_HILL).length;
    let headline = 'The hill is free';
    if (v.king !== null) headline = `${this.roster.name(v.king)} holds the hill`;
    else if (onHill > 1) headline = 'The hill is contested';
    const rows = [...v.players]
      .sort((a, b) => b.held_ds - a.held_ds || a.id - b.id)
      .map((p) => ({
        id: p.id,
        color: colorFor(p.id),
        cells: [seconds(p.held_ds), p.id === v.king ? '♛ king' : p.flags & Flags.ON_HILL ? 'on the hill' : ''],
        dim: !(p.flags & Flags.CONNECTED),
      }));
    return {
      timeLeftDs: snap.phase === 'Running' ? v.time_left_ds : 0,
      headline: `${headline} · ${this.facts.settings.score_limit_s} s wins`,
      columns: ['Held', 'Hill'],
      rows,
      seated: v.players.length,
    };
  }

  netLine() {
    if (!this.playing) return 'spectating';
    const sq = this.ctx.sequencer;
    return `${sq.pending.length} unacknowledged · lag ${sq.lagTicks} ticks`;
  }

  get delayMs() {
    return this.buffer.delayMs;
  }

  destroy() {
    this.keys?.destroy();
  }
}
