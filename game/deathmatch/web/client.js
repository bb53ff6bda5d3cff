// The deathmatch in the page: one client per connection (per welcome). It keeps the snapshot
// buffer (other players drawn interpolated), predicts the local player
// (predict.js) and sends one input per snapshot, draws beams and hit flashes, and gives the page
// its scoreboard rows, HUD bits and test state. The page (js/game.js) owns the connection,
// roster, chat and overlays.

import { SnapshotBuffer, lerpAngle } from 'arena-sdk/interp.js';
import { Buttons, Flags, aimToRadians, dequantizePos, radiansToAim } from './codec.js';
import { InputState } from './input.js';
import { Predictor } from './predict.js';
import { drawScene, beamLength, colorFor, BEAM_MS } from './render.js';

/**
 * How to draw between two views for the SDK's SnapshotBuffer: positions and aim blended, except
 * across death or a respawn (a jump farther than `maxSpeed` allows in the interval).
 */
export function blendViews(maxSpeed) {
  return (a, b, alpha, dtS) => {
    const byId = b ? new Map(b.players.map((p) => [p.id, p])) : null;
    const reach = maxSpeed * dtS * 1.5 + 2;
    const players = a.players.map((pa) => {
      const ax = dequantizePos(pa.x);
      const ay = dequantizePos(pa.y);
      const out = { ...pa, x: ax, y: ay, aimRad: aimToRadians(pa.aim) };
      const pb = byId?.get(pa.id);
      if (!pb) return out;
      const bx = dequantizePos(pb.x);
      const by = dequantizePos(pb.y);
      const bothAlive = pa.flags & pb.flags & Flags.ALIVE;
      if (bothAlive && Math.hypot(bx - ax, by - ay) <= reach) {
        out.x = ax + (bx - ax) * alpha;
        out.y = ay + (by - ay) * alpha;
        out.aimRad = lerpAngle(out.aimRad, aimToRadians(pb.aim), alpha);
      }
      return out;
    });
    return { time_left_ds: a.time_left_ds, players };
  };
}

/** Live scoreboard rows, best first, ordered as the server orders its final scoreboard: kills
 * down, deaths up, seat up. */
export function scoreboardRows(players, nameOf) {
  return players
    .map((p) => ({ id: p.id, name: nameOf(p.id), kills: p.kills, deaths: p.deaths, flags: p.flags, health: p.health }))
    .sort((a, b) => b.kills - a.kills || a.deaths - b.deaths || a.id - b.id);
}

export class DeathmatchClient {
  /** `ctx`: see `GameClientContext` in arena-sdk's index.d.ts (facts, role, myId, tickHz, schema, canvas, roster, sequencer, sendInput, state). */
  constructor(ctx) {
    this.ctx = ctx;
    this.arena = ctx.facts;
    this.myId = ctx.myId;
    this.roster = ctx.roster;
    this.state = ctx.state;
    this.buffer = new SnapshotBuffer(ctx.tickHz);
    this.blend = blendViews(this.arena.max_speed);
    this.predictor = ctx.role === 'player' && ctx.myId !== null ? new Predictor(this.arena, ctx.tickHz, ctx.sequencer) : null;
    this.input = this.predictor && ctx.canvas ? new InputState(ctx.canvas, ctx.window) : null;
    this.latest = null;
    this.aim = 0;
    this.beams = [];
    this.hitAt = new Map();
    this.lastEffectTick = -1;
    this.camera = null;
    this.rendered = [];
    this.me = null;
    this.state.attacks = 0;
  }

  get help() {
    return this.predictor
      ? 'WASD / arrows move · mouse aims · click or Space attacks · Enter chat · N network panel'
      : 'Spectating: pick a player to follow (list above or click the scoreboard) · N network panel';
  }

  /** `snap`: the envelope snapshot with `view` decoded and `landed` (the input its ack confirmed). */
  onSnapshot(snap, at) {
    const view = snap.view;
    this.buffer.push(snap, at);
    this.latest = snap;
    const me = this.myId === null ? null : view.players.find((p) => p.id === this.myId);
    if (me && this.predictor) {
      this.predictor.reconcile(me, snap.phase, snap.tick, at, snap.landed);
      if (snap.phase !== 'Ended') {
        const buttons = this.input ? this.input.take() : 0;
        const entry = this.predictor.nextInput(buttons, this.aim, at, snap.tick);
        this.ctx.sendInput(entry);
      }
      // Our own effects show on arrival, where we are drawn now, not where we were.
      if (me.flags & Flags.ATTACKED) {
        const pos = this.predictor.displayPosition(at);
        this.pushBeam(pos.x, pos.y, me.aim, me.id, view, at);
        this.state.attacks += 1;
      }
      if (me.flags & Flags.HIT) this.hitAt.set(me.id, at);
    }
    this.me = me
      ? {
        id: me.id,
        server: { x: dequantizePos(me.x), y: dequantizePos(me.y) },
        predicted: this.predictor ? { ...this.predictor.cur } : null,
        display: this.predictor ? this.predictor.displayPosition(at) : null,
        health: me.health,
        alive: (me.flags & Flags.ALIVE) !== 0,
        kills: me.kills,
        deaths: me.deaths,
        ack: snap.ack ?? null,
      }
      : null;
  }

  onPhase(phase) {
    if (this.input) this.input.enabled = phase !== 'Ended';
  }

  /** The newest view for window.arena.view: wire fields plus world coordinates (wx, wy). */
  viewState() {
    const v = this.latest?.view;
    if (!v) return null;
    return { time_left_ds: v.time_left_ds, players: v.players.map((p) => ({ ...p, wx: dequantizePos(p.x), wy: dequantizePos(p.y) })) };
  }

  meState(now) {
    if (this.me && this.predictor?.known) this.me.display = this.predictor.displayPosition(now);
    return this.me;
  }

  /** An attack beam from (x, y), cut where it meets a player in `view`, as the server decides hits. */
  pushBeam(x, y, aim, shooterId, view, at) {
    const aimRad = aimToRadians(aim);
    const players = view.players.map((p) => ({ id: p.id, x: dequantizePos(p.x), y: dequantizePos(p.y), alive: (p.flags & Flags.ALIVE) !== 0 || (p.flags & Flags.HIT) !== 0 }));
    const length = beamLength(x, y, aimRad, players, this.arena, shooterId);
    this.beams.push({ x, y, aimRad, length, color: colorFor(shooterId), at });
  }

  buildScene(now, followId) {
    const scene = { arena: this.arena, players: [], beams: [], follow: null };
    const sample = this.buffer.sample(now, this.blend);
    if (!sample) return scene;
    // Effects of other players fire when their snapshot's time is drawn.
    for (const snap of this.buffer.passedSince(this.lastEffectTick, now)) {
      this.lastEffectTick = snap.tick;
      for (const p of snap.view.players) {
        if (p.id === this.myId && this.predictor) continue;
        if (p.flags & Flags.ATTACKED) this.pushBeam(dequantizePos(p.x), dequantizePos(p.y), p.aim, p.id, snap.view, now);
        if (p.flags & Flags.HIT) this.hitAt.set(p.id, now);
      }
    }
    this.beams = this.beams.filter((b) => now - b.at < BEAM_MS);
    scene.beams = this.beams;
    for (const p of sample.view.players) {
      const isMe = p.id === this.myId;
      const player = {
        id: p.id,
        name: this.roster.name(p.id),
        x: p.x,
        y: p.y,
        aimRad: p.aimRad,
        health: p.health,
        kills: p.kills,
        alive: (p.flags & Flags.ALIVE) !== 0,
        connected: this.roster.connected(p.id),
        isMe,
        hitAt: this.hitAt.get(p.id),
      };
      if (isMe && this.predictor?.known) {
        // Our own player: predicted position, freshest health and aim.
        const pos = this.predictor.displayPosition(now);
        const mine = this.latest?.view.players.find((q) => q.id === p.id);
        Object.assign(player, pos, { aimRad: aimToRadians(this.aim) });
        if (mine) {
          player.health = mine.health;
          player.kills = mine.kills;
          player.alive = (mine.flags & Flags.ALIVE) !== 0;
        }
      }
      scene.players.push(player);
    }
    if (followId !== null && followId !== undefined) {
      const target = scene.players.find((p) => p.id === followId);
      if (target) scene.follow = { x: target.x, y: target.y };
    }
    return scene;
  }

  /** Draws a frame; returns the camera (world ↔ canvas), or null before the first snapshot. */
  draw(ctx2d, viewW, viewH, now, { follow = null } = {}) {
    const scene = this.buildScene(now, follow);
    this.camera = drawScene(ctx2d, viewW, viewH, scene, now);
    this.updateAim(now);
    this.rendered = scene.players.map((p) => ({ id: p.id, x: p.x, y: p.y, isMe: p.isMe, alive: p.alive, health: p.health }));
    return this.camera;
  }

  updateAim(now) {
    if (!this.input || !this.predictor?.known || !this.camera) return;
    const held = this.input.held();
    this.predictor.held = held;
    const m = this.input.mouse;
    if (!m) {
      // Keyboard only: aim where you walk.
      const dx = (held & Buttons.RIGHT ? 1 : 0) - (held & Buttons.LEFT ? 1 : 0);
      const dy = (held & Buttons.DOWN ? 1 : 0) - (held & Buttons.UP ? 1 : 0);
      if (dx || dy) this.aim = radiansToAim(Math.atan2(dy, dx));
      return;
    }
    const me = this.predictor.displayPosition(now);
    const target = this.camera.toWorld(m.x, m.y);
    const dx = target.x - me.x;
    const dy = target.y - me.y;
    if (dx * dx + dy * dy > 1) this.aim = radiansToAim(Math.atan2(dy, dx));
  }

  /** The timer, the live scoreboard and a line for the HUD. */
  hud() {
    const snap = this.latest;
    if (!snap) return null;
    const rows = scoreboardRows(snap.view.players, (id) => this.roster.name(id));
    return {
      timeLeftDs: snap.phase === 'Running' ? snap.view.time_left_ds : 0,
      headline: '',
      columns: ['K', 'D', 'HP'],
      rows: rows.map((r) => ({ id: r.id, color: colorFor(r.id), cells: [r.kills, r.deaths, r.health], dim: !(r.flags & Flags.ALIVE) })),
      seated: snap.view.players.length,
    };
  }

  /** The network panel's "Prediction" line. */
  netLine() {
    return this.predictor
      ? `${this.predictor.pending.length} pending · lag ${this.predictor.lagTicks} · Δ${this.predictor.lastCorrection.toFixed(1)}`
      : 'spectating';
  }

  get delayMs() {
    return this.buffer.delayMs;
  }

  destroy() {
    this.input?.destroy();
  }
}
