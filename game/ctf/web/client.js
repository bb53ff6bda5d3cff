// Capture the flag in the page: one client per connection (per welcome). It keeps the snapshot
// buffer (the visible players drawn interpolated), maps the mouse and keys to inputs (sent when
// they change, and with every snapshot while something is held), draws the field with its fog of
// war, and gives the page its scoreboard rows, HUD bits and test state. The page (js/game.js)
// owns the connection, roster, chat and overlays.

import { SnapshotBuffer } from 'arena-sdk/interp.js';
import { Status, SEES_EVERYTHING, TEAM_NAMES, dequantizePos, teamOf } from './codec.js';
import { CtfInput } from './input.js';
import { drawScene, teamColor } from './render.js';

/** How long a tag shows as a flash around the players involved, ms. */
const TAG_FLASH_MS = 350;

function world(p) {
  return { x: dequantizePos(p.x), y: dequantizePos(p.y) };
}

/**
 * How to draw between two views for the SDK's SnapshotBuffer: the visible players' positions
 * blended, except across a tag (out of play) or a jump farther than a sprint allows. A player
 * only in `b` (coming into sight) appears when `b` is due; flags and scores are `a`'s.
 */
export function blendViews(facts) {
  return (a, b, alpha, dtS) => {
    const byId = b ? new Map(b.players.map((p) => [p.id, p])) : null;
    const reach = facts.sprint_speed * dtS * 1.5 + 2;
    const players = a.players.map((pa) => {
      const out = { ...pa, ...world(pa) };
      const pb = byId?.get(pa.id);
      if (!pb) return out;
      const wb = world(pb);
      const inPlay = pa.status & pb.status & Status.IN_PLAY;
      if (inPlay && Math.hypot(wb.x - out.x, wb.y - out.y) <= reach) {
        out.x += (wb.x - out.x) * alpha;
        out.y += (wb.y - out.y) * alpha;
      }
      return out;
    });
    return { ...a, players };
  };
}

/**
 * The circles a view sees through, from its team's players in play (world units), or null for
 * a spectator's view (no fog). `players`: drawn players with world x, y.
 */
export function sightCircles(sees, players, radius) {
  if (sees === SEES_EVERYTHING) return null;
  return players
    .filter((p) => p.team === sees && (p.status & Status.IN_PLAY))
    .map((p) => ({ x: p.x, y: p.y, r: radius }));
}

/** Where each flag is drawn on the field: at base or dropped (a carried flag is drawn on its
 * carrier; one carried out of sight is nowhere). */
export function flagSpots(flags, basesWorld) {
  const out = [];
  flags.forEach((flag, team) => {
    if (flag.kind === 'AtBase') out.push({ team, kind: flag.kind, ...basesWorld[team] });
    else if (flag.kind === 'Dropped') out.push({ team, kind: flag.kind, ...world(flag) });
  });
  return out;
}

export class CtfClient {
  /** `ctx`: see `GameClientContext` in arena-sdk's index.d.ts (facts, role, myId, tickHz, schema, canvas, roster, sequencer, sendInput, submit, log, state). */
  constructor(ctx) {
    this.ctx = ctx;
    this.facts = ctx.facts;
    this.bases = ctx.facts.bases.map(world);
    this.myId = ctx.myId;
    this.myTeam = ctx.myId === null ? null : teamOf(ctx.myId);
    this.roster = ctx.roster;
    this.tickMs = 1000 / ctx.tickHz;
    this.buffer = new SnapshotBuffer(ctx.tickHz);
    this.blend = blendViews(this.facts);
    this.playing = ctx.role === 'player' && ctx.myId !== null;
    this.input = this.playing && ctx.canvas ? new CtfInput(ctx.canvas, ctx.window, () => this.onControls()) : null;
    this.latest = null;
    this.lastSent = null; // the newest input sent, for "send when it changes"
    this.lastSentAt = -Infinity;
    this.camera = null;
    this.rendered = [];
    this.sight = null;
    this.flashAt = new Map();
    this.lastFlashTick = -1;
    this.phase = null;
  }

  get help() {
    return this.playing
      ? 'Click or hold the mouse to run there (WASD / arrows too) · Space tags (in your half) · Shift sprints · Enter chat · N network panel'
      : 'Spectating: you see everything; pick a player to follow · N network panel';
  }

  myView() {
    return this.latest?.view.players.find((p) => p.id === this.myId) ?? null;
  }

  onSnapshot(snap, at) {
    const before = this.latest;
    this.buffer.push(snap, at);
    this.latest = snap;
    const v = snap.view;
    if (before?.phase === 'Running') {
      for (const team of [0, 1]) {
        if (v.captures[team] > before.view.captures[team]) {
          this.ctx.log(`${TEAM_NAMES[team]} captured the flag (${v.captures[0]} : ${v.captures[1]}).`);
        }
      }
    }
    if (!this.playing) return;
    const me = this.myView();
    if (me && !(me.status & Status.IN_PLAY)) this.input?.stop(); // tagged out: the server forgot our target too
    if (snap.phase !== 'Ended' && me) this.maybeSend(at, snap.tick, this.input?.held() ?? false);
  }

  onPhase(phase) {
    this.phase = phase;
    if (this.input) this.input.enabled = phase !== 'Ended';
  }

  /** A press or release: send at once (at most one extra input per tick). */
  onControls() {
    const now = performance.now();
    if (!this.latest || this.latest.phase === 'Ended' || now - this.lastSentAt < this.tickMs) return;
    this.maybeSend(now, this.latest.tick, false);
  }

  /** Sends the input of the controls now if it changed (or always, with `force`). */
  maybeSend(now, tick, force) {
    const me = this.myView();
    if (!me || !this.input || !this.ctx.sequencer.known) return;
    const input = this.input.compute(world(me), this.camera?.toWorld ?? null, this.facts);
    // Before the first input the server holds none: standing still is no change.
    const same = this.lastSent
      ? this.lastSent.target_x === input.target_x && this.lastSent.target_y === input.target_y && this.lastSent.actions === input.actions
      : input.actions === 0;
    if (same && !force) return;
    if (this.ctx.submit(input, tick)) {
      this.lastSent = input;
      this.lastSentAt = now;
    }
  }

  /** The newest view for window.arena.view: wire fields plus world coordinates (wx, wy). */
  viewState() {
    const v = this.latest?.view;
    if (!v) return null;
    return {
      sees: v.sees,
      time_left_ds: v.time_left_ds,
      captures: [...v.captures],
      flags: v.flags.map((f) => (f.kind === 'Dropped' ? { ...f, wx: dequantizePos(f.x), wy: dequantizePos(f.y) } : { ...f })),
      players: v.players.map((p) => ({ ...p, wx: dequantizePos(p.x), wy: dequantizePos(p.y) })),
    };
  }

  meState() {
    const me = this.myView();
    if (!me) return null;
    return {
      id: me.id,
      team: me.team,
      server: world(me),
      inPlay: (me.status & Status.IN_PLAY) !== 0,
      carrying: (me.status & Status.CARRYING) !== 0,
      stamina: me.stamina,
      target: this.input?.target ?? null,
      sent: this.lastSent,
    };
  }

  buildScene(now, followId) {
    const scene = {
      facts: this.facts, bases: this.bases, players: [], flags: [], sight: null,
      captures: [0, 0], notes: [], target: null, follow: null,
    };
    const sample = this.buffer.sample(now, this.blend);
    if (!sample) return scene;
    for (const snap of this.buffer.passedSince(this.lastFlashTick, now)) {
      this.lastFlashTick = snap.tick;
      for (const p of snap.view.players) {
        if (p.status & (Status.WAS_TAGGED | Status.TAGGED_SOMEONE)) this.flashAt.set(p.id, now);
      }
    }
    const v = sample.view;
    scene.captures = v.captures;
    scene.flags = flagSpots(v.flags, this.bases);
    scene.sight = sightCircles(v.sees, v.players, this.facts.sight_radius);
    const knowsStamina = (team) => v.sees === SEES_EVERYTHING || v.sees === team;
    for (const p of v.players) {
      scene.players.push({
        id: p.id,
        team: p.team,
        name: this.roster.name(p.id),
        x: p.x,
        y: p.y,
        inPlay: (p.status & Status.IN_PLAY) !== 0,
        carrying: (p.status & Status.CARRYING) !== 0,
        sprinting: (p.status & Status.SPRINTING) !== 0,
        stamina: knowsStamina(p.team) ? p.stamina : null,
        connected: this.roster.connected(p.id),
        isMe: p.id === this.myId,
        tagFlash: now - (this.flashAt.get(p.id) ?? -Infinity) < TAG_FLASH_MS,
      });
    }
    scene.notes = this.notes(this.latest.view);
    const me = scene.players.find((p) => p.isMe);
    if (me && me.inPlay && this.input?.target) scene.target = this.input.target;
    const followed = followId ?? null;
    if (followed !== null) {
      const target = scene.players.find((p) => p.id === followed);
      if (target) scene.follow = { x: target.x, y: target.y };
    }
    return scene;
  }

  /** Lines under the score: what the viewing team should know. */
  notes(v) {
    const out = [];
    if (this.myTeam === null || !this.playing) return out;
    const own = v.flags[this.myTeam];
    const me = v.players.find((p) => p.id === this.myId);
    if (me && me.status & Status.CARRYING) {
      out.push(own.kind === 'AtBase' ? 'You have the flag: bring it home!' : 'You have the flag, but yours must be home to score.');
    }
    if (own.kind === 'CarriedUnseen') out.push('Your flag has been taken: the carrier is out of sight.');
    else if (own.kind === 'Carried') out.push(`${this.roster.name(own.carrier)} carries your flag!`);
    else if (own.kind === 'Dropped') out.push('Your flag is on the ground: touch it to send it home.');
    if (me && !(me.status & Status.IN_PLAY)) out.push('Tagged: back in play in a moment.');
    return out;
  }

  draw(ctx2d, viewW, viewH, now, { follow = null, dpr = 1 } = {}) {
    const scene = this.buildScene(now, follow);
    scene.dpr = dpr;
    this.camera = drawScene(ctx2d, viewW, viewH, scene);
    this.sight = scene.sight;
    this.rendered = scene.players.map((p) => ({ id: p.id, team: p.team, x: p.x, y: p.y, isMe: p.isMe, inPlay: p.inPlay, carrying: p.carrying }));
    this.drawn = { fog: scene.sight, flags: scene.flags, target: scene.target };
    return this.camera;
  }

  hud() {
    const snap = this.latest;
    if (!snap) return null;
    const v = snap.view;
    const byId = new Map(v.players.map((p) => [p.id, p]));
    const entries = [...this.roster.entries].sort((a, b) => teamOf(a.id) - teamOf(b.id) || a.id - b.id);
    const rows = entries.map((e) => {
      const team = teamOf(e.id);
      const p = byId.get(e.id);
      let state = 'unseen';
      if (p) state = p.status & Status.CARRYING ? '⚑ flag' : p.status & Status.IN_PLAY ? 'in play' : 'out';
      const stamina = p && (v.sees === SEES_EVERYTHING || v.sees === team) ? String(p.stamina) : '–';
      return { id: e.id, color: teamColor(team), cells: [TEAM_NAMES[team], state, stamina], dim: !p || !(p.status & Status.IN_PLAY), team };
    });
    const goal = this.facts.captures_to_win;
    return {
      timeLeftDs: snap.phase === 'Running' ? v.time_left_ds : 0,
      headline: `Red ${v.captures[0]} : ${v.captures[1]} Blue · first to ${goal}`,
      columns: ['Team', 'State', 'Sta.'],
      rows,
      seated: this.roster.size,
    };
  }

  netLine() {
    if (!this.playing) return 'spectating (sees everything)';
    const sq = this.ctx.sequencer;
    return `${sq.pending.length} unacknowledged · lag ${sq.lagTicks} ticks`;
  }

  get delayMs() {
    return this.buffer.delayMs;
  }

  destroy() {
    this.input?.destroy();
  }
}
