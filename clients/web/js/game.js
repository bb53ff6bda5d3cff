// The game page, for any game: one session in a match, as a player or a spectator. The SDK's
// Session joins, connects and reconnects; the envelope's messages feed the generic parts here
// (roster, chat, phase, waiting overlay, final scoreboard, network panel, host controls and
// "Add bots" (js/bots.js), the reconnect banner) and the game's payloads go to the browser module
// of the game named in the welcome, loaded at run time from the server's games listing
// (js/game-modules.js), which draws the canvas, maps the controls and sends inputs; what the
// module does not decode or encode itself, the game's schema does. A game the page cannot show
// (no module, or one that does not load) is said so in the banner, and the page leaves the match.
// A replay (a match whose summary has `replay_of`) is watched the same way, with the replay
// viewer (js/replay.js) on top and no host start/end/kick/bots.

import { ApiError, friendlyError, hostTokens, reconnectUrls } from '../sdk/api.js';
import { chatText, ChatLog } from '../sdk/chat.js';
import { InputSequencer } from '../sdk/inputs.js';
import { Roster, describeRosterChange } from '../sdk/roster.js';
import { Session } from '../sdk/session.js';
import { GameModules, GameModuleError } from './game-modules.js';
import { BotControl, freeSeats } from './bots.js';
import { ReplayControl } from './replay.js';
import {
  formatTimeLeft, phaseLabel, endReasonLabel, finalTable, formatBytes, playerLabel, followLabel, waitingLine,
} from './format.js';

/** HUD (DOM) refreshes per second; the canvas redraws every frame. */
const HUD_HZ = 8;
/** Chat lines kept. */
const CHAT_LINES = 60;

export class GameView {
  /**
   * @param root the #game-view element
   * @param api lobby API client
   * @param opts { matchId, role: 'player'|'spectator', name, join?: JoinResponse already obtained,
   *   replay?: the ReplayState POST /api/history/{id}/watch answered (this is a replay; else the
   *   match's summary says whether it is one), games?: the GameModules the page shares (the games
   *   listing and the modules and schemas loaded; a new one by default) }
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
      gameBadge: $('#game-badge'),
      phase: $('#phase-badge'),
      timer: $('#timer'),
      headline: $('#hud-headline'),
      roleBadge: $('#role-badge'),
      followWrap: $('#follow-wrap'),
      follow: $('#follow-select'),
      hostStart: $('#host-start'),
      hostEnd: $('#host-end'),
      overlayStart: $('#overlay-start'),
      botsForm: $('#bots-form'),
      botsCount: $('#bots-count'),
      botsAdd: $('#bots-add'),
      botsMessage: $('#bots-message'),
      netToggle: $('#net-toggle'),
      banner: $('#banner'),
      bannerText: $('#banner-text'),
      bannerRetry: $('#banner-retry'),
      bannerLobby: $('#banner-lobby'),
      waiting: $('#waiting-overlay'),
      waitingText: $('#waiting-text'),
      final: $('#final-overlay'),
      finalReason: $('#final-reason'),
      finalHead: $('#final-head'),
      finalRows: $('#final-rows'),
      netPanel: $('#net-panel'),
      scoreHead: $('#score-head'),
      scoreRows: $('#score-rows'),
      help: $('#controls-help'),
      chatLog: $('#chat-log'),
      chatForm: $('#chat-form'),
      chatInput: $('#chat-input'),
      replayBar: $('#replay-bar'),
      replayPlay: $('#replay-play'),
      replaySpeed: $('#replay-speed'),
      replaySeek: $('#replay-seek'),
      replayPos: $('#replay-pos'),
      replayNote: $('#replay-note'),
    };
    this.ctx = this.els.canvas.getContext('2d');
    this.hostToken = hostTokens.get(this.matchId);
    this.listeners = [];
    this.roster = new Roster();
    this.chat = new ChatLog(CHAT_LINES);
    this.games = opts.games ?? new GameModules(api);
    this.game = null; // the game of the current welcome, loaded (GameModules.load)
    this.welcomes = 0; // counts welcomes: a module that loads after a newer welcome is not used
    this.client = null;
    this.welcome = null;
    this.phase = null;
    this.final = null;
    this.followId = null;
    this.lastHudAt = 0;
    this.frames = 0;
    this.camera = null;
    this.gameInfos = null; // GET /api/games (the shared listing), for the score columns
    this.replayHint = opts.replay ?? null;
    this.isReplay = this.replayHint !== null; // confirmed (or found) by the match's summary in start()
    this.session = new Session({
      api,
      matchId: this.matchId,
      role: this.role,
      name: this.name,
      join: opts.join ?? null,
      store: reconnectUrls,
      pageUrl: location.href,
      onMessage: (msg, at) => this.onMessage(msg, at),
      onStatus: (s) => this.showStatus(s),
      onConnected: (c) => {
        this.state.connected = c;
        this.state.reconnectable = this.session.reconnectable;
      },
    });
    this.bindUi();
    this.setupStaticUi();
    this.state.bots = {};
    this.botControl = new BotControl(
      { form: this.els.botsForm, count: this.els.botsCount, button: this.els.botsAdd, message: this.els.botsMessage },
      (count) => this.api.addBots(this.matchId, this.hostToken, count),
      (target, type, fn) => this.on(target, type, fn),
      this.state.bots,
    );
    this.replay = new ReplayControl(
      { bar: this.els.replayBar, play: this.els.replayPlay, speed: this.els.replaySpeed, seek: this.els.replaySeek, position: this.els.replayPos, note: this.els.replayNote },
      { api, matchId: this.matchId, hostToken: this.hostToken, on: (target, type, fn) => this.on(target, type, fn) },
    );
    if (this.isReplay) this.startReplay(this.replayHint.of, this.replayHint);
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
    this.on(e.bannerRetry, 'click', () => this.session.retryNow());
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
    e.gameBadge.textContent = '';
    e.gameBadge.hidden = true;
    e.headline.textContent = '';
    e.timer.textContent = '';
    e.roleBadge.textContent = this.role === 'player' ? `playing as ${this.name}` : `watching as ${this.name}`;
    e.followWrap.hidden = this.role !== 'spectator';
    e.help.textContent = '';
    e.hostStart.hidden = !this.hostToken;
    e.hostEnd.hidden = !this.hostToken;
    e.final.hidden = true;
    e.waiting.hidden = true;
    e.chatLog.replaceChildren();
    e.scoreHead.replaceChildren();
    e.scoreRows.replaceChildren();
    e.follow.replaceChildren(new Option('whole field', ''));
    e.phase.textContent = 'connecting';
    e.phase.className = 'badge';
    this.hideBanner();
    this.resizeCanvas();
    Object.assign(this.state, {
      view: 'game', matchId: this.matchId, role: this.role, name: this.name, game: null, myId: null,
      phase: null, connected: false, welcome: null, roster: [], snapshot: null, gameView: null,
      facts: null, me: null, rendered: [], scene: null, final: null, banner: null, net: null, follow: null,
      frames: 0, errors: [], chat: [], reconnectable: false, replay: null, module: null,
      worldToPage: (x, y) => this.worldToPage(x, y),
      // Simulates a dropped connection (not a normal close), to exercise the reconnect path.
      dropConnection: () => this.session.simulateDrop(),
    });
  }

  async start() {
    this.raf = requestAnimationFrame((t) => this.frame(t));
    this.games.listing().then((games) => {
      this.gameInfos = games;
      this.updateBots();
    }).catch(() => {});
    this.detectReplay();
    await this.session.start();
  }

  /** Asks the match's summary whether it is a replay (`replay_of`), retrying a few times when
   * the server cannot be reached; a match that does not exist is the session's to report. */
  async detectReplay(attempt = 0) {
    try {
      const m = await this.api.getMatch(this.matchId);
      if (this.destroyed) return;
      // The game's module and schema start loading now, before the welcome asks for them.
      if (typeof m?.game === 'string') this.games.load(m.game).catch(() => {});
      if (m?.replay_of !== null && m?.replay_of !== undefined) this.startReplay(m.replay_of);
    } catch (e) {
      if (!(e instanceof ApiError) && attempt < 5 && !this.destroyed) {
        this.replayRetry = setTimeout(() => this.detectReplay(attempt + 1), 1000);
      }
    }
  }

  /** This match plays a recording: the viewer on, the host's match controls off (the server refuses them). */
  startReplay(of, initial = null) {
    if (this.replay.enabled) return;
    this.isReplay = true;
    const e = this.els;
    e.hostStart.hidden = true;
    e.hostEnd.hidden = true;
    e.overlayStart.hidden = true;
    e.roleBadge.textContent = `watching as ${this.name}${this.hostToken ? ' · you control the replay' : ''}`;
    this.state.replay = {};
    this.replay.enable(of, this.state.replay, initial);
    this.updateBots();
    this.scoreKey = null; // no kick buttons
  }

  destroy() {
    cancelAnimationFrame(this.raf);
    this.destroyed = true;
    clearTimeout(this.replayRetry);
    this.replay.destroy();
    // A close with 1000 tells the server we left on purpose: it frees the seat at once, so the
    // reconnect URL is useless from here on.
    this.session.stop('left the match');
    this.client?.destroy();
    this.client = null;
    for (const off of this.listeners) off();
    this.listeners = [];
    // What window.arena says about a match is about this one: gone now.
    Object.assign(this.state, {
      connected: false, game: null, myId: null, phase: null, welcome: null, roster: [], snapshot: null,
      gameView: null, facts: null, me: null, rendered: [], scene: null, final: null, banner: null, net: null,
      bots: null, replay: null, module: null,
    });
  }

  showStatus(s) {
    if (!s) this.hideBanner();
    else this.showBanner(s.text, s);
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
        return this.chatLine(this.chat.message(msg));
      case 'Error':
        this.state.errors.push({ code: msg.code, message: msg.message });
        return this.systemLine(`server: ${msg.message}`);
      default:
        return undefined;
    }
  }

  onWelcome(w) {
    this.client?.destroy();
    this.client = null;
    this.game = null;
    const welcomes = ++this.welcomes;
    this.state.module = null;
    this.welcome = w;
    this.phase = null;
    this.final = null;
    this.roster.reset();
    this.updateBots();
    this.sequencer = new InputSequencer();
    this.els.final.hidden = true;
    this.els.matchName.textContent = w.match_name;
    document.title = `${w.match_name} · Arena`;
    Object.assign(this.state, {
      game: w.game,
      myId: w.player_id,
      welcome: {
        protocol: w.protocol, match_id: w.match_id, game: w.game, role: w.role, player_id: w.player_id,
        match_name: w.match_name, max_players: w.max_players, tick_hz: w.tick_hz,
      },
      final: null,
      gameView: null,
      me: null,
    });
    // The game's module and schema (loaded once per game; usually already there). Snapshots that
    // come before they do are not shown.
    this.games.load(w.game).then(
      (game) => {
        if (!this.destroyed && welcomes === this.welcomes) this.startClient(w, game);
      },
      (e) => {
        if (!this.destroyed && welcomes === this.welcomes) this.cannotShow(w, e);
      },
    );
  }

  /** The game's client for this connection, once its module and schema are loaded. */
  startClient(w, game) {
    const own = (fn) => game.codec[fn] === game.module[fn];
    this.state.module = {
      url: game.info.module,
      title: game.title,
      codec: Object.fromEntries(['decodeFacts', 'decodeView', 'encodeInput'].map((fn) => [fn, own(fn) ? 'module' : 'schema'])),
    };
    let facts;
    try {
      facts = game.codec.decodeFacts(w.facts);
    } catch (e) {
      this.session.fail(e);
      return;
    }
    this.state.facts = facts;
    this.els.gameBadge.textContent = game.title;
    this.els.gameBadge.hidden = false;
    const myId = w.role === 'Player' ? w.player_id : null;
    let client;
    try {
      client = game.module.createClient({
        facts,
        welcome: w,
        role: myId === null ? 'spectator' : 'player',
        myId,
        tickHz: w.tick_hz,
        schema: game.schema,
        canvas: this.els.canvas,
        window,
        roster: this.roster,
        sequencer: this.sequencer,
        sendInput: (entry) => this.sendInput(entry),
        submit: (input, sentTick) => {
          if (!this.sequencer.known || !this.session.connected) return null;
          const entry = this.sequencer.push(input, sentTick);
          return this.sendInput(entry) ? entry : null;
        },
        log: (text) => this.systemLine(text),
        state: this.state,
      });
    } catch (e) {
      this.cannotShow(w, new GameModuleError(w.game, 'client', `The browser module of “${game.title}” could not start its client (${String(e?.message ?? e).replace(/\.$/, '')}).`, e));
      return;
    }
    this.game = game;
    this.client = client;
    this.els.help.textContent = client.help ?? '';
  }

  /** The game of this match cannot be shown here: say why, and leave the match (a player's seat
   * is freed at once). */
  cannotShow(w, e) {
    const error = e instanceof GameModuleError ? e : new GameModuleError(w.game, 'error', `Cannot show “${w.game}” (${String(e?.message ?? e)}).`, e);
    this.state.module = { url: null, title: null, codec: null, error: { reason: error.reason, message: error.message } };
    this.els.help.textContent = '';
    this.session.abandon(`${error.message} Pick another match in the lobby, or reload the page.`, 'cannot show this game');
  }

  sendInput(entry) {
    if (!this.game) return false;
    return this.session.send({ type: 'Input', seq: entry.seq, input: this.game.codec.encodeInput(entry.input) });
  }

  onRoster(entries) {
    const changes = this.roster.update(entries);
    for (const c of changes) this.systemLine(describeRosterChange(c));
    this.state.roster = this.roster.entries.map((e) => ({ ...e }));
    const follow = this.els.follow;
    const current = follow.value;
    follow.replaceChildren(new Option('whole field', ''), ...this.roster.entries.map((e) => new Option(followLabel(e), String(e.id))));
    follow.value = entries.some((e) => String(e.id) === current) ? current : '';
    if (follow.value === '' && this.followId !== null) this.setFollow(null);
    this.updateBots();
  }

  /** The host's "Add bots" control, for what the page knows now (shown only in a waiting match
   * of a game that has bots: the listing's `bots`). */
  updateBots(phase = this.final ? 'Ended' : this.phase) {
    const max = this.welcome?.max_players ?? 0;
    const game = this.welcome && this.gameInfos?.find((g) => g.name === this.welcome.game);
    const hasBots = game ? game.bots !== false : true;
    this.botControl.update({
      host: Boolean(this.hostToken) && !this.isReplay && hasBots,
      phase,
      free: freeSeats(max, this.roster.size),
      maxPlayers: max,
    });
  }

  onSnapshot(snap, at) {
    if (!this.client) return;
    let view;
    try {
      view = this.game.codec.decodeView(snap.view);
    } catch (e) {
      this.session.fail(e);
      return;
    }
    const myId = this.welcome.role === 'Player' ? this.welcome.player_id : null;
    // The snapshot's ack is this connection's own: the newest input of ours the server applied.
    const ack = myId === null ? null : snap.ack;
    const landed = myId === null ? null : this.sequencer.acknowledge(ack, snap.tick);
    // A replay seeked back from its end plays on: the final scoreboard goes until the end comes again.
    if (this.isReplay && this.final && snap.phase !== 'Ended') this.hideFinal();
    if (snap.phase !== this.phase) this.onPhase(snap.phase);
    this.client.onSnapshot({ ...snap, view, ack, landed }, at);
    this.state.snapshot = {
      tick: snap.tick,
      phase: snap.phase,
      server_time_us: Number(snap.server_time_us),
      ack: snap.ack,
      view_bytes: snap.view.length,
    };
    this.state.phase = snap.phase;
    this.state.gameView = this.client.viewState();
    this.state.me = this.client.meState(at);
  }

  onPhase(phase) {
    const previous = this.phase;
    this.phase = phase;
    const e = this.els;
    e.phase.textContent = phaseLabel(phase);
    e.phase.className = `badge ${phase.toLowerCase()}`;
    e.waiting.hidden = phase !== 'Waiting';
    e.overlayStart.hidden = !(this.hostToken && !this.isReplay && phase === 'Waiting');
    e.hostStart.disabled = phase !== 'Waiting';
    e.hostEnd.disabled = phase === 'Ended';
    this.updateBots();
    this.client?.onPhase(phase);
    if (phase === 'Running' && previous === 'Waiting') this.systemLine(this.isReplay ? 'The match starts (replay).' : 'The match has started. Go!');
  }

  /** Takes the final scoreboard away (a replay seeked back before its end). */
  hideFinal() {
    this.final = null;
    this.state.final = null;
    this.els.final.hidden = true;
    // So a later close says "disconnected", not "the match is over".
    this.session.ended = false;
    this.updateBots();
  }

  /** The names of the game's score columns: the lobby API's, else the module's own. */
  scoreColumns() {
    const info = this.gameInfos?.find((g) => g.name === this.welcome?.game);
    return info?.score_columns ?? this.game?.scoreColumns ?? [];
  }

  async onMatchEnded(msg) {
    this.final = msg;
    this.state.final = { reason: msg.reason, scoreboard: msg.scoreboard };
    const e = this.els;
    e.finalReason.textContent = endReasonLabel(msg.reason);
    e.final.hidden = false;
    e.waiting.hidden = true;
    this.updateBots();
    this.systemLine(`Match over: ${endReasonLabel(msg.reason)}.`);
    if (this.isReplay) {
      e.finalReason.textContent += ' · end of the replay (seek back to watch it again)';
      this.replay.poll(); // it paused itself at the end: show so now, not at the next poll
    }
    this.renderFinal(msg);
    if (!this.gameInfos) {
      // Ask the match itself for its columns (the games list may not have come yet).
      try {
        const detail = await this.api.getMatch(this.matchId);
        if (detail?.score_columns && this.final === msg) {
          this.gameInfos = [{ name: this.welcome.game, score_columns: detail.score_columns }];
          this.renderFinal(msg);
        }
      } catch (err) {
        if (!(err instanceof ApiError)) this.systemLine('Could not ask the server for the score columns.');
      }
    }
  }

  renderFinal(msg) {
    const table = finalTable(msg.scoreboard, this.scoreColumns(), this.game?.teams ?? null);
    this.state.final.columns = table.columns;
    const e = this.els;
    const head = document.createElement('tr');
    for (const c of table.columns) {
      const th = document.createElement('th');
      th.textContent = c;
      head.append(th);
    }
    e.finalHead.replaceChildren(head);
    e.finalRows.replaceChildren(
      ...table.rows.map((row) => {
        const tr = document.createElement('tr');
        if (row.id === this.state.myId) tr.className = 'me';
        for (const text of row.cells) {
          const td = document.createElement('td');
          td.textContent = text;
          tr.append(td);
        }
        return tr;
      }),
    );
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
      this.systemLine(`Removed ${this.roster.name(playerId)} from the match.`);
    } catch (e) {
      this.systemLine(`Could not remove the player: ${friendlyError(e)}`);
    }
  }

  sendChat(text) {
    const t = chatText(text);
    if (t === null) return;
    this.session.send({ type: 'Chat', text: t });
  }

  setFollow(id) {
    this.followId = id;
    this.els.follow.value = id === null ? '' : String(id);
    this.state.follow = id;
  }

  toggleNet() {
    this.els.netPanel.hidden = !this.els.netPanel.hidden;
  }

  chatLine(line) {
    const div = document.createElement('div');
    const b = document.createElement('b');
    b.textContent = `${line.name}: `;
    div.append(b, document.createTextNode(line.text));
    this.appendChat(div);
    this.state.chat = this.chat.lines.map((l) => ({ ...l }));
  }

  systemLine(text) {
    this.chat.system(text);
    this.state.chat = this.chat.lines.map((l) => ({ ...l }));
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
    this.raf = requestAnimationFrame((t) => this.frame(t));
    this.resizeCanvas();
    const c = this.els.canvas;
    const viewW = c.width / this.dpr;
    const viewH = c.height / this.dpr;
    this.ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    if (this.client) {
      this.camera = this.client.draw(this.ctx, viewW, viewH, now, { follow: this.role === 'spectator' ? this.followId : null, dpr: this.dpr });
      this.state.rendered = this.client.rendered;
      this.state.scene = this.client.drawn ?? null;
      if (this.state.me) this.state.me = this.client.meState(now);
    } else {
      this.ctx.clearRect(0, 0, viewW, viewH);
      this.ctx.fillStyle = '#0b0f16';
      this.ctx.fillRect(0, 0, viewW, viewH);
    }
    this.frames += 1;
    this.state.frames = this.frames;
    // Tests set window.arena.trace = [] to record what every frame drew (capped).
    if (Array.isArray(this.state.trace) && this.state.trace.length < 3000) {
      this.state.trace.push({ t: now, players: this.state.rendered });
    }
    if (now - this.lastHudAt > 1000 / HUD_HZ) {
      this.lastHudAt = now;
      this.updateHud(now);
    }
  }

  scoreRow(r, canKick) {
    const tr = document.createElement('tr');
    tr.dataset.id = String(r.id);
    const myId = this.state.myId;
    if (r.id === myId) tr.classList.add('me');
    if (r.dim) tr.classList.add('dead');
    if (this.role === 'spectator') tr.classList.add('clickable');
    if (r.id === this.followId) tr.classList.add('followed');
    const name = document.createElement('td');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = r.color;
    const who = this.roster.name(r.id);
    const label = playerLabel(this.roster, r.id, myId);
    name.append(swatch, document.createTextNode(label.text));
    if (label.bot) {
      const badge = document.createElement('span');
      badge.className = 'badge bot';
      badge.textContent = 'bot';
      badge.title = 'A bot the server plays';
      name.append(badge);
    }
    if (canKick && r.id !== myId) {
      const kick = document.createElement('button');
      kick.className = 'kick';
      kick.textContent = '✕';
      kick.title = `Remove ${who} from the match`;
      kick.dataset.kick = String(r.id);
      name.append(kick);
    }
    tr.append(name);
    for (const v of r.cells) {
      const td = document.createElement('td');
      td.textContent = String(v);
      tr.append(td);
    }
    return tr;
  }

  updateHud(now) {
    const e = this.els;
    const hud = this.client?.hud() ?? null;
    if (hud) {
      e.timer.textContent = hud.timeLeftDs > 0 ? formatTimeLeft(hud.timeLeftDs) : '';
      e.headline.textContent = hud.headline;
      const canKick = Boolean(this.hostToken) && !this.isReplay && this.phase !== 'Ended';
      // Rebuilt only when something shown changed, so a click never lands on a replaced row.
      const key = JSON.stringify([hud.columns, hud.rows, this.roster.entries, this.state.myId, this.followId, canKick]);
      if (key !== this.scoreKey) {
        this.scoreKey = key;
        const head = document.createElement('tr');
        for (const c of ['Player', ...hud.columns]) {
          const th = document.createElement('th');
          th.textContent = c;
          head.append(th);
        }
        e.scoreHead.replaceChildren(head);
        e.scoreRows.replaceChildren(...hud.rows.map((r) => this.scoreRow(r, canKick)));
      }
      if (this.phase === 'Waiting' && this.isReplay) {
        e.waitingText.textContent = 'Replay: the match had not started yet at this point of the recording.';
      } else if (this.phase === 'Waiting') {
        e.waitingText.textContent = waitingLine({
          seated: this.roster.size,
          bots: this.roster.bots,
          maxPlayers: this.welcome?.max_players ?? this.roster.size,
          host: Boolean(this.hostToken),
          player: this.role === 'player',
        });
      }
    }
    const net = this.session.stats ? this.session.stats.summary(now) : null;
    this.state.net = net;
    if (net && !e.netPanel.hidden) {
      e.netPanel.querySelector('#net-ping').textContent = net.pingMs === null ? '–' : `${net.pingMs.toFixed(1)} ms`;
      e.netPanel.querySelector('#net-rate').textContent = `${net.snapshotsPerS} /s`;
      e.netPanel.querySelector('#net-in').textContent = formatBytes(net.bytesInPerS);
      e.netPanel.querySelector('#net-out').textContent = formatBytes(net.bytesOutPerS);
      e.netPanel.querySelector('#net-keys').textContent = `${net.keyframes} · ${net.deltas} deltas · ${net.resyncs} resyncs`;
      e.netPanel.querySelector('#net-tick').textContent = net.lastTick === null ? '–' : String(net.lastTick);
      e.netPanel.querySelector('#net-delay').textContent = this.client ? `${Math.round(this.client.delayMs)} ms` : '–';
      e.netPanel.querySelector('#net-pred').textContent = this.client ? this.client.netLine() : '–';
    }
  }
}
