// The game view: one connection to a match, as a player or a spectator. Decoded messages feed the
// snapshot buffer (interpolation) and, for a player, the predictor; a requestAnimationFrame loop
// draws the canvas and refreshes the HUD. Loss of the connection shows a banner and reconnects with
// backoff: a player through its reconnect URL (same seat, same score) while the server holds the
// seat, otherwise by joining again (a join token is single-use, so each join asks the lobby API).

import { ApiError, friendlyError, hostTokens, reconnectUrls, resolveWsUrl } from './api.js';
import { formatTimeLeft, phaseLabel, endReasonLabel, scoreboardRows, colorFor } from './format.js';
import { SnapshotBuffer } from './interp.js';
import { InputState } from './input.js';
import { Connection, CLOSE_REASONS, backoffMs } from './net.js';
import { Predictor } from './predict.js';
import { Buttons, Flags, aimToRadians, dequantizePos, radiansToAim, MAX_CHAT_BYTES } from './protocol.js';
import { drawScene, beamLength, BEAM_MS } from './render.js';

/** HUD (DOM) refreshes per second; the canvas redraws every frame. */
const HUD_HZ = 8;
/** Chat lines kept. */
const CHAT_LINES = 60;
/** Close codes after which reconnecting would be wrong (src/lobby.rs). */
const CLOSE_REPLACED = 4001;
const CLOSE_KICKED = 4002;
/** Close code the test hook uses for a simulated drop (any code the server does not use). */
const CLOSE_TEST_DROP = 4999;

export class GameView {
  /**
   * @param root the #game-view element
   * @param api lobby API client
   * @param opts { matchId, role: 'player'|'spectator', name, join?: JoinResponse already obtained }
   * @param state the object exposed as window.arena (updated in place for tests and debugging)
   */
  constructor(root, api, opts, state) {
    this.root = root;
    this.api = api;
    this.matchId = opts.matchId;
    this.role = opts.role;
    this.name = opts.name;
    this.state = state;
    const $ = (sel) => root.querySelector(sel);
    this.els = {
      canvas: $('#game-canvas'),
      matchName: $('#match-name'),
      phase: $('#phase-badge'),
      timer: $('#timer'),
      roleBadge: $('#role-badge'),
      followWrap: $('#follow-wrap'),
      follow: $('#follow-select'),
      hostStart: $('#host-start'),
      hostEnd: $('#host-end'),
      overlayStart: $('#overlay-start'),
      netToggle: $('#net-toggle'),
      banner: $('#banner'),
      bannerText: $('#banner-text'),
      bannerRetry: $('#banner-retry'),
      bannerLobby: $('#banner-lobby'),
      waiting: $('#waiting-overlay'),
      waitingText: $('#waiting-text'),
      final: $('#final-overlay'),
      finalReason: $('#final-reason'),
      finalRows: $('#final-rows'),
      netPanel: $('#net-panel'),
      scoreRows: $('#score-rows'),
      help: $('#controls-help'),
      chatLog: $('#chat-log'),
      chatForm: $('#chat-form'),
      chatInput: $('#chat-input'),
    };
    this.ctx = this.els.canvas.getContext('2d');
    this.hostToken = hostTokens.get(this.matchId);
    this.input = this.role === 'player' ? new InputState(this.els.canvas) : null;
    this.listeners = [];
    this.resetMatchState();
    this.conn = null;
    this.attempt = 0;
    this.stopped = false;
    this.aim = 0;
    this.followId = null;
    this.lastHudAt = 0;
    this.frames = 0;
    this.camera = null;
    this.pendingJoin = opts.join ?? null;
    this.bindUi();
    this.setupStaticUi();
  }

  resetMatchState() {
    this.welcome = null;
    this.arena = null;
    this.myId = null;
    this.names = new Map();
    this.buffer = null;
    this.predictor = null;
    this.latest = null;
    this.phase = null;
    this.final = null;
    this.beams = [];
    this.hitAt = new Map();
    this.lastEffectTick = -1;
  }

  on(target, type, fn) {
    target.addEventListener(type, fn);
    this.listeners.push(() => target.removeEventListener(type, fn));
  }

  bindUi() {
    const e = this.els;
    this.on(e.hostStart, 'click', () => this.hostAction('start'));
    this.on(e.overlayStart, 'click', () => this.hostAction('start'));
    this.on(e.hostEnd, 'click', () => this.hostAction('end'));
    this.on(e.netToggle, 'click', () => this.toggleNet());
    this.on(e.bannerRetry, 'click', () => this.reconnectNow());
    this.on(e.follow, 'change', () => this.setFollow(e.follow.value === '' ? null : Number(e.follow.value)));
    this.on(e.scoreRows, 'click', (ev) => {
      const kick = ev.target.closest('button[data-kick]');
      if (kick) {
        this.kick(Number(kick.dataset.kick));
        return;
      }
      const tr = ev.target.closest('tr[data-id]');
      if (tr && this.role === 'spectator') this.setFollow(Number(tr.dataset.id));
    });
    this.on(e.chatForm, 'submit', (ev) => {
      ev.preventDefault();
      this.sendChat(e.chatInput.value);
      e.chatInput.value = '';
      e.canvas.focus();
    });
    this.on(window, 'keydown', (ev) => {
      const typing = ev.target instanceof HTMLElement && ['INPUT', 'SELECT', 'TEXTAREA'].includes(ev.target.tagName);
      if (typing) {
        if (ev.code === 'Escape' && ev.target === e.chatInput) e.canvas.focus();
        return;
      }
      if (ev.code === 'KeyN') this.toggleNet();
      if (ev.code === 'Enter') {
        ev.preventDefault();
        e.chatInput.focus();
      }
    });
    this.on(window, 'resize', () => this.resizeCanvas());
  }

  setupStaticUi() {
    const e = this.els;
    e.matchName.textContent = 'connecting…';
    e.roleBadge.textContent = this.role === 'player' ? `playing as ${this.name}` : `watching as ${this.name}`;
    e.followWrap.hidden = this.role !== 'spectator';
    e.help.textContent = this.role === 'player'
      ? 'WASD / arrows move · mouse aims · click or Space attacks · Enter chat · N network panel'
      : 'Spectating: pick a player to follow (list above or click the scoreboard) · N network panel';
    e.hostStart.hidden = !this.hostToken;
    e.hostEnd.hidden = !this.hostToken;
    e.final.hidden = true;
    e.waiting.hidden = true;
    e.chatLog.replaceChildren();
    e.scoreRows.replaceChildren();
    e.follow.replaceChildren(new Option('whole arena', ''));
    this.hideBanner();
    this.resizeCanvas();
    Object.assign(this.state, {
      view: 'game', matchId: this.matchId, role: this.role, name: this.name, myId: null, phase: null,
      connected: false, welcome: null, roster: [], snapshot: null, me: null, rendered: [], final: null,
      banner: null, net: null, follow: null, frames: 0, errors: [], attacks: 0,
      worldToPage: (x, y) => this.worldToPage(x, y),
      // Simulates a dropped connection (not a normal close), to exercise the reconnect path.
      dropConnection: () => this.conn?.ws.close(CLOSE_TEST_DROP, 'dropped by test'),
    });
  }

  async start() {
    this.raf = requestAnimationFrame((t) => this.frame(t));
    if (this.pendingJoin) {
      const join = this.pendingJoin;
      this.pendingJoin = null;
      this.connect(join);
    } else {
      // A reload, or back from the lobby: resume our seat if the server still holds it.
      this.setReconnectUrl(this.role === 'player' ? reconnectUrls.get(this.matchId) : null);
      await this.rejoin();
    }
  }

  destroy() {
    this.stopped = true;
    cancelAnimationFrame(this.raf);
    clearTimeout(this.retryTimer);
    clearInterval(this.countdownTimer);
    // A close with 1000 tells the server we left on purpose: it frees the seat at once, so the
    // reconnect URL is useless from here on.
    this.conn?.close('left the match');
    if (this.role === 'player') reconnectUrls.set(this.matchId, null);
    this.input?.destroy();
    for (const off of this.listeners) off();
    this.listeners = [];
  }

  // ---- connection ----

  connect(join) {
    if (this.stopped) return;
    this.myId = join.player_id ?? null;
    // A player's seat can be reopened after a drop with its reconnect URL (same seat, same score).
    this.setReconnectUrl(join.reconnect_url ?? null);
    this.open(join.ws_url);
  }

  setReconnectUrl(url) {
    this.reconnectUrl = url;
    this.state.reconnectable = url !== null;
    if (this.role === 'player') reconnectUrls.set(this.matchId, url);
  }

  open(wsUrl) {
    const url = resolveWsUrl(wsUrl, location.href);
    const conn = new Connection(url, {
      onOpen: () => {
        this.state.connected = true;
      },
      onMessage: (msg, at) => {
        if (msg.type === 'Welcome') conn.welcomed = true;
        this.onMessage(msg, at);
      },
      onBadMessage: (err) => this.systemLine(`ignored a message the client could not decode: ${err.message}`),
      onClose: (ev) => this.onClose({ ...ev, welcomed: conn.welcomed === true }),
    });
    this.conn = conn;
  }

  async rejoin() {
    if (this.stopped) return;
    this.showBanner(this.attempt ? `Reconnecting (attempt ${this.attempt})…` : 'Joining…');
    if (this.reconnectUrl) {
      // Back into the same seat; if that fails before a welcome, join anew.
      this.usingReconnectUrl = true;
      this.open(this.reconnectUrl);
      return;
    }
    this.usingReconnectUrl = false;
    try {
      const join = await this.api.join(this.matchId, this.name, this.role);
      this.connect(join);
    } catch (e) {
      if (e instanceof ApiError && ['not_found', 'match_ended', 'match_full'].includes(e.code)) {
        this.showBanner(friendlyError(e), { lobby: true });
        return;
      }
      this.scheduleReconnect(friendlyError(e));
    }
  }

  onClose({ code, reason, byUs, welcomed }) {
    this.state.connected = false;
    this.conn = null;
    if (byUs || this.stopped) return;
    if (this.usingReconnectUrl && !welcomed) {
      // The seat is gone (grace period over, kicked, or the match ended): ask for a new one.
      this.usingReconnectUrl = false;
      this.setReconnectUrl(null);
      this.rejoin();
      return;
    }
    const why = reason || CLOSE_REASONS[code] || `code ${code}`;
    if (code === 1000) {
      // The match was removed: there is nothing to go back to.
      const text = this.final ? 'The match is over and the server has closed it.' : `Disconnected: ${why}.`;
      this.showBanner(text, { lobby: true });
      return;
    }
    if (code === CLOSE_REPLACED) {
      this.showBanner('This seat is now played from another window or tab.', { lobby: true });
      return;
    }
    if (code === CLOSE_KICKED) {
      this.setReconnectUrl(null);
      this.showBanner('The host removed you from this match.', { lobby: true });
      return;
    }
    this.scheduleReconnect(`Connection lost (${why}).`);
  }

  scheduleReconnect(why) {
    if (this.stopped) return;
    this.attempt += 1;
    const delay = backoffMs(this.attempt);
    const due = performance.now() + delay;
    const tick = () => {
      const left = Math.max(0, (due - performance.now()) / 1000);
      this.showBanner(`${why} Reconnecting in ${left.toFixed(1)} s…`, { retry: true, lobby: true });
    };
    tick();
    clearInterval(this.countdownTimer);
    this.countdownTimer = setInterval(tick, 200);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.reconnectNow(), delay);
  }

  reconnectNow() {
    clearTimeout(this.retryTimer);
    clearInterval(this.countdownTimer);
    if (this.conn || this.stopped) return;
    this.rejoin();
  }

  showBanner(text, { retry = false, lobby = false, ok = false } = {}) {
    const e = this.els;
    e.banner.hidden = false;
    e.banner.classList.toggle('ok', ok);
    e.bannerText.textContent = text;
    e.bannerRetry.hidden = !retry;
    e.bannerLobby.hidden = !lobby;
    this.state.banner = text;
  }

  hideBanner() {
    this.els.banner.hidden = true;
    this.state.banner = null;
  }

  // ---- messages ----

  onMessage(msg, at) {
    switch (msg.type) {
      case 'Welcome':
        return this.onWelcome(msg);
      case 'Roster':
        return this.onRoster(msg.entries);
      case 'Snapshot':
        return this.onSnapshot(msg, at);
      case 'MatchEnded':
        return this.onMatchEnded(msg);
      case 'Chat':
        return this.chatLine(msg.name || (msg.from === null ? 'spectator' : `Player ${msg.from}`), msg.text);
      case 'Error':
        this.state.errors.push({ code: msg.code, message: msg.message });
        return this.systemLine(`server: ${msg.message}`);
      default:
        return undefined;
    }
  }

  onWelcome(w) {
    const reconnected = this.attempt > 0;
    this.resetMatchState();
    this.welcome = w;
    this.arena = w.arena;
    this.myId = w.player_id;
    this.buffer = new SnapshotBuffer(w.settings.tick_hz, w.arena.max_speed);
    if (w.role === 'Player' && w.player_id !== null) this.predictor = new Predictor(w.arena, w.settings.tick_hz);
    this.els.matchName.textContent = w.settings.name;
    document.title = `${w.settings.name} · Arena`;
    this.attempt = 0;
    clearInterval(this.countdownTimer);
    if (reconnected) {
      this.showBanner('Reconnected.', { ok: true });
      setTimeout(() => this.state.banner === 'Reconnected.' && this.hideBanner(), 1500);
    } else this.hideBanner();
    Object.assign(this.state, {
      myId: this.myId,
      welcome: { protocol: w.protocol, match_id: w.match_id, role: w.role, player_id: w.player_id, settings: w.settings, arena: w.arena },
      final: null,
    });
    this.els.final.hidden = true;
  }

  onRoster(entries) {
    this.names = new Map(entries.map((e) => [e.id, e.name]));
    this.state.roster = entries;
    const follow = this.els.follow;
    const current = follow.value;
    follow.replaceChildren(new Option('whole arena', ''), ...entries.map((e) => new Option(e.name, String(e.id))));
    follow.value = entries.some((e) => String(e.id) === current) ? current : '';
    if (follow.value === '' && this.followId !== null) this.setFollow(null);
  }

  onSnapshot(snap, at) {
    if (!this.buffer) return;
    this.buffer.push(snap, at);
    this.latest = snap;
    if (snap.phase !== this.phase) this.onPhase(snap.phase);
    const me = this.myId === null ? null : snap.players.find((p) => p.id === this.myId);
    if (me && this.predictor) {
      this.predictor.reconcile(me, snap.phase, snap.tick, at);
      if (snap.phase !== 'Ended' && this.conn) {
        const buttons = this.input.take();
        const input = this.predictor.nextInput(buttons, this.aim, at, snap.tick);
        this.conn.send({ type: 'Input', ...input });
      }
      // Our own effects show on arrival, where we are drawn now, not where we were.
      if (me.flags & Flags.ATTACKED) {
        const pos = this.predictor.displayPosition(at);
        this.pushBeam(pos.x, pos.y, me.aim, me.id, snap, at);
        this.state.attacks += 1;
      }
      if (me.flags & Flags.HIT) this.hitAt.set(me.id, at);
    }
    this.state.snapshot = {
      tick: snap.tick,
      phase: snap.phase,
      time_left_ds: snap.time_left_ds,
      server_time_us: Number(snap.server_time_us),
      players: snap.players.map((p) => ({ ...p, wx: dequantizePos(p.x), wy: dequantizePos(p.y) })),
    };
    this.state.phase = snap.phase;
    if (me) {
      this.state.me = {
        id: me.id,
        server: { x: dequantizePos(me.x), y: dequantizePos(me.y) },
        predicted: this.predictor ? { ...this.predictor.cur } : null,
        display: this.predictor ? this.predictor.displayPosition(at) : null,
        health: me.health,
        alive: (me.flags & Flags.ALIVE) !== 0,
        kills: me.kills,
        deaths: me.deaths,
        last_input_seq: me.last_input_seq,
      };
    }
  }

  /** An attack beam from (x, y), cut where it meets a player in `snap`, as the server decides hits. */
  pushBeam(x, y, aim, shooterId, snap, at) {
    const aimRad = aimToRadians(aim);
    const players = snap.players.map((p) => ({ id: p.id, x: dequantizePos(p.x), y: dequantizePos(p.y), alive: (p.flags & Flags.ALIVE) !== 0 || (p.flags & Flags.HIT) !== 0 }));
    const length = beamLength(x, y, aimRad, players, this.arena, shooterId);
    this.beams.push({ x, y, aimRad, length, color: colorFor(shooterId), at });
  }

  onPhase(phase) {
    const previous = this.phase;
    this.phase = phase;
    const e = this.els;
    e.phase.textContent = phaseLabel(phase);
    e.phase.className = `badge ${phase.toLowerCase()}`;
    e.waiting.hidden = phase !== 'Waiting';
    e.overlayStart.hidden = !(this.hostToken && phase === 'Waiting');
    e.hostStart.disabled = phase !== 'Waiting';
    e.hostEnd.disabled = phase === 'Ended';
    if (this.input) this.input.enabled = phase !== 'Ended';
    if (phase === 'Running' && previous === 'Waiting') this.systemLine('The match has started. Fight!');
  }

  onMatchEnded(msg) {
    this.final = msg;
    this.state.final = { reason: msg.reason, scoreboard: msg.scoreboard };
    const e = this.els;
    e.finalReason.textContent = endReasonLabel(msg.reason);
    e.finalRows.replaceChildren(
      ...msg.scoreboard.map((s, i) => {
        const tr = document.createElement('tr');
        if (s.id === this.myId) tr.className = 'me';
        for (const text of [String(i + 1), s.name, String(s.kills), String(s.deaths)]) {
          const td = document.createElement('td');
          td.textContent = text;
          tr.append(td);
        }
        return tr;
      }),
    );
    e.final.hidden = false;
    e.waiting.hidden = true;
    this.systemLine(`Match over: ${endReasonLabel(msg.reason)}.`);
  }

  // ---- actions ----

  async hostAction(which) {
    if (!this.hostToken) return;
    try {
      await this.api[which](this.matchId, this.hostToken);
    } catch (e) {
      this.systemLine(`Could not ${which} the match: ${friendlyError(e)}`);
    }
  }

  async kick(playerId) {
    try {
      await this.api.kick(this.matchId, this.hostToken, playerId);
      this.systemLine(`Removed ${this.names.get(playerId) ?? `player ${playerId}`} from the match.`);
    } catch (e) {
      this.systemLine(`Could not remove the player: ${friendlyError(e)}`);
    }
  }

  sendChat(text) {
    let t = text.trim();
    if (!t || !this.conn) return;
    while (new TextEncoder().encode(t).length > MAX_CHAT_BYTES) t = t.slice(0, -1);
    this.conn.send({ type: 'Chat', text: t });
  }

  setFollow(id) {
    this.followId = id;
    this.els.follow.value = id === null ? '' : String(id);
    this.state.follow = id;
  }

  toggleNet() {
    this.els.netPanel.hidden = !this.els.netPanel.hidden;
  }

  chatLine(name, text) {
    const div = document.createElement('div');
    const b = document.createElement('b');
    b.textContent = `${name}: `;
    div.append(b, document.createTextNode(text));
    this.appendChat(div);
  }

  systemLine(text) {
    const div = document.createElement('div');
    div.className = 'sys';
    div.textContent = text;
    this.appendChat(div);
  }

  appendChat(node) {
    const log = this.els.chatLog;
    log.append(node);
    while (log.childElementCount > CHAT_LINES) log.firstElementChild.remove();
    log.scrollTop = log.scrollHeight;
  }

  // ---- drawing ----

  resizeCanvas() {
    const c = this.els.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(c.clientWidth * dpr));
    const h = Math.max(1, Math.round(c.clientHeight * dpr));
    if (c.width !== w || c.height !== h) {
      c.width = w;
      c.height = h;
    }
    this.dpr = dpr;
  }

  worldToPage(x, y) {
    if (!this.camera) return null;
    const s = this.camera.toScreen(x, y);
    const r = this.els.canvas.getBoundingClientRect();
    return { x: r.left + s.x, y: r.top + s.y };
  }

  frame(now) {
    if (this.stopped) return;
    this.raf = requestAnimationFrame((t) => this.frame(t));
    this.resizeCanvas();
    const c = this.els.canvas;
    const viewW = c.width / this.dpr;
    const viewH = c.height / this.dpr;
    this.ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    const scene = this.buildScene(now);
    this.camera = drawScene(this.ctx, viewW, viewH, scene, now);
    this.updateAim(now);
    this.frames += 1;
    this.state.frames = this.frames;
    if (this.state.me && this.predictor?.known) this.state.me.display = this.predictor.displayPosition(now);
    this.state.rendered = scene.players.map((p) => ({ id: p.id, x: p.x, y: p.y, isMe: p.isMe, alive: p.alive, health: p.health }));
    // Tests set window.arena.trace = [] to record what every frame drew (capped).
    if (Array.isArray(this.state.trace) && this.state.trace.length < 3000) {
      this.state.trace.push({ t: now, players: this.state.rendered });
    }
    if (now - this.lastHudAt > 1000 / HUD_HZ) {
      this.lastHudAt = now;
      this.updateHud(now);
    }
  }

  buildScene(now) {
    const scene = { arena: this.arena, players: [], beams: [], follow: null };
    if (!this.buffer || !this.arena) return scene;
    const sample = this.buffer.sample(now);
    if (!sample) return scene;
    // Effects of other players fire when their snapshot's time is drawn.
    for (const snap of this.buffer.passedSince(this.lastEffectTick, now)) {
      this.lastEffectTick = snap.tick;
      for (const p of snap.players) {
        if (p.id === this.myId && this.predictor) continue;
        if (p.flags & Flags.ATTACKED) this.pushBeam(dequantizePos(p.x), dequantizePos(p.y), p.aim, p.id, snap, now);
        if (p.flags & Flags.HIT) this.hitAt.set(p.id, now);
      }
    }
    this.beams = this.beams.filter((b) => now - b.at < BEAM_MS);
    scene.beams = this.beams;
    for (const p of sample.players) {
      const isMe = p.id === this.myId;
      const player = {
        id: p.id,
        name: this.names.get(p.id) ?? `Player ${p.id}`,
        x: p.x,
        y: p.y,
        aimRad: p.aimRad,
        health: p.health,
        kills: p.kills,
        alive: (p.flags & Flags.ALIVE) !== 0,
        connected: (p.flags & Flags.CONNECTED) !== 0,
        isMe,
        hitAt: this.hitAt.get(p.id),
      };
      if (isMe && this.predictor?.known) {
        // Our own player: predicted position, freshest health and aim.
        const pos = this.predictor.displayPosition(now);
        const mine = this.latest?.players.find((q) => q.id === p.id);
        Object.assign(player, pos, { aimRad: aimToRadians(this.aim) });
        if (mine) {
          player.health = mine.health;
          player.kills = mine.kills;
          player.alive = (mine.flags & Flags.ALIVE) !== 0;
        }
      }
      scene.players.push(player);
    }
    if (this.role === 'spectator' && this.followId !== null) {
      const target = scene.players.find((p) => p.id === this.followId);
      if (target) scene.follow = { x: target.x, y: target.y };
    }
    return scene;
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

  scoreRow(r, canKick) {
    const tr = document.createElement('tr');
    tr.dataset.id = String(r.id);
    if (r.id === this.myId) tr.classList.add('me');
    if (!(r.flags & Flags.ALIVE)) tr.classList.add('dead');
    if (this.role === 'spectator') tr.classList.add('clickable');
    if (r.id === this.followId) tr.classList.add('followed');
    const name = document.createElement('td');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = colorFor(r.id);
    name.append(swatch, document.createTextNode(r.name + (r.id === this.myId ? ' (you)' : '')));
    if (!(r.flags & Flags.CONNECTED)) name.append(document.createTextNode(' (offline)'));
    if (canKick && r.id !== this.myId) {
      const kick = document.createElement('button');
      kick.className = 'kick';
      kick.textContent = '✕';
      kick.title = `Remove ${r.name} from the match`;
      kick.dataset.kick = String(r.id);
      name.append(kick);
    }
    tr.append(name);
    for (const v of [r.kills, r.deaths, r.health]) {
      const td = document.createElement('td');
      td.textContent = String(v);
      tr.append(td);
    }
    return tr;
  }

  updateHud(now) {
    const e = this.els;
    const snap = this.latest;
    if (snap) {
      e.timer.textContent = snap.phase === 'Running' && snap.time_left_ds > 0 ? formatTimeLeft(snap.time_left_ds) : '';
      const rows = scoreboardRows(snap.players, this.names);
      const canKick = Boolean(this.hostToken) && snap.phase !== 'Ended';
      // Rebuilt only when something shown changed, so a click never lands on a replaced row.
      const key = JSON.stringify([rows, this.myId, this.followId, canKick]);
      if (key !== this.scoreKey) {
        this.scoreKey = key;
        e.scoreRows.replaceChildren(...rows.map((r) => this.scoreRow(r, canKick)));
      }
      if (snap.phase === 'Waiting') {
        const n = snap.players.length;
        const max = this.welcome?.settings.max_players ?? n;
        const who = this.hostToken ? 'Start it when everyone is in' : 'The host starts it';
        e.waitingText.textContent = `${n} of ${max} players in. ${who}, or it starts by itself when every seat is taken.${this.role === 'player' ? ' Move around to warm up.' : ''}`;
      }
    }
    const net = this.conn ? this.conn.stats.summary(now) : null;
    this.state.net = net;
    if (net && !e.netPanel.hidden) {
      e.netPanel.querySelector('#net-ping').textContent = net.pingMs === null ? '–' : `${net.pingMs.toFixed(1)} ms`;
      e.netPanel.querySelector('#net-rate').textContent = `${net.snapshotsPerS} /s`;
      e.netPanel.querySelector('#net-in').textContent = formatBytes(net.bytesInPerS);
      e.netPanel.querySelector('#net-out').textContent = formatBytes(net.bytesOutPerS);
      e.netPanel.querySelector('#net-tick').textContent = net.lastTick === null ? '–' : String(net.lastTick);
      e.netPanel.querySelector('#net-delay').textContent = this.buffer ? `${Math.round(this.buffer.delayMs)} ms` : '–';
      e.netPanel.querySelector('#net-pred').textContent = this.predictor
        ? `${this.predictor.pending.length} pending · lag ${this.predictor.lagTicks} · Δ${this.predictor.lastCorrection.toFixed(1)}`
        : 'spectating';
    }
  }
}

function formatBytes(perS) {
  if (perS >= 1024 * 1024) return `${(perS / 1024 / 1024).toFixed(2)} MiB/s`;
  if (perS >= 1024) return `${(perS / 1024).toFixed(1)} KiB/s`;
  return `${Math.round(perS)} B/s`;
}
