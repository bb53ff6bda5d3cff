// The studio's page for king of the hill, on its own origin: lists the game's matches on an
// Arena server (its lobby API, across origins: the server must list this origin with
// --allowed-origin), creates one, joins as a player or a spectator, and runs the game's own
// browser module (imported from the server, as Arena's page does) on a canvas, with the game's
// schema decoding what the module does not. The contract with the module is the one Arena's page
// keeps: `GameModule` in arena-sdk's index.d.ts. Its state is window.site (for you, and tests).

import { InputSequencer, Roster, Schema, Session, friendlyError, lobbyApi, schemaCodec } from 'arena-sdk';

const GAME = 'koth';
const CODEC = ['decodeFacts', 'decodeView', 'encodeInput'];
const server = new URL(new URLSearchParams(location.search).get('server') ?? 'http://127.0.0.1:8080');
const api = lobbyApi(new URL('/api', server).href);
const $ = (id) => document.getElementById(id);

const site = {
  server: server.origin, error: null, matches: [], created: null, matchId: null, role: null, myId: null,
  status: null, connected: false, phase: null, tick: null, king: null, players: [], roster: [],
  held_ds: null, inputsSent: 0, inputsAcked: 0, ended: null, frames: 0, rendered: [], hud: null, module: null,
};
window.site = site;

function showError(text) {
  site.error = text;
  $('error').textContent = text ?? '';
}

// ---- the lobby ----

let listed = null;
async function listMatches() {
  try {
    site.matches = (await api.listMatches()).filter((m) => m.game === GAME);
    if (site.error?.startsWith('Cannot reach')) showError(null);
  } catch (e) {
    showError(`Cannot reach the lobby API at ${server.origin} (${e.message}). Is the server running, and started with --allowed-origin ${location.origin}?`);
  }
  const shown = JSON.stringify(site.matches);
  if (shown === listed) return;
  listed = shown;
  $('matches').replaceChildren(...site.matches.map((m) => {
    const li = document.createElement('li');
    li.textContent = `${m.name} · ${m.phase} · ${m.players}/${m.max_players} players${m.id === site.created?.id ? ' · yours' : ''}`;
    for (const [role, label] of [['player', 'Play'], ['spectator', 'Watch']]) {
      const b = Object.assign(document.createElement('button'), { textContent: label, onclick: () => join(m.id, role) });
      Object.assign(b.dataset, { match: m.id, role });
      li.append(b);
    }
    return li;
  }));
}

$('create').onsubmit = async (e) => {
  e.preventDefault();
  try {
    const created = await api.createMatch({ name: $('match-name').value, game: GAME, max_players: Number($('seats').value) });
    site.created = { id: created.id, host_token: created.host_token };
    await listMatches();
  } catch (err) {
    showError(`Could not create the match: ${friendlyError(err)}`);
  }
};

// ---- the game's module and schema, from the server ----

let game = null;
async function loadGame() {
  if (game) return game;
  const info = (await api.listGames()).find((g) => g.name === GAME);
  if (!info?.module) throw new Error(`the server at ${server.origin} hosts no ${GAME} with a browser module`);
  const url = new URL(info.module, server).href;
  const [namespace, schemaJson] = await Promise.all([import(url), api.gameSchema(GAME)]);
  const module = namespace.default;
  const schema = new Schema(schemaJson);
  // What the module does not decode or encode itself, the schema does.
  const generic = schemaCodec(schema);
  const codec = Object.fromEntries(CODEC.map((fn) => [fn, module[fn] ?? generic[fn]]));
  site.module = { url, title: module.title, codec: Object.fromEntries(CODEC.map((fn) => [fn, module[fn] ? 'module' : 'schema'])) };
  game = { module, schema, codec };
  return game;
}

// ---- a match ----

let session = null;
let client = null;
let sequencer = null;
let host = null; // this match's host token, when this page created it
const roster = new Roster();

async function join(matchId, role) {
  try {
    await loadGame();
  } catch (e) {
    return showError(`Cannot load the game from ${server.origin}: ${e.message}`);
  }
  clearInterval(lister);
  $('lobby').hidden = true;
  $('match').hidden = false;
  Object.assign(site, { matchId, role });
  host = site.created?.id === matchId ? site.created.host_token : null;
  $('start').hidden = !host;
  $('start').onclick = () => api.start(matchId, host).catch((e) => showError(friendlyError(e)));
  session = new Session({
    api, matchId, role, name: $('name').value, pageUrl: server.href,
    onStatus: (s) => { site.status = s?.text ?? null; $('status').textContent = site.status ?? ''; },
    onConnected: (up) => { site.connected = up; },
    onMessage: (msg, at) => {
      try {
        receive(msg, at);
      } catch (e) {
        session.fail(e); // bytes this page cannot decode: close, and say so
      }
    },
  });
  await session.start();
  requestAnimationFrame(frame);
}

function receive(msg, at) {
  switch (msg.type) {
    case 'Welcome': return onWelcome(msg);
    case 'Roster':
      roster.update(msg.entries);
      site.roster = roster.entries.map((e) => ({ ...e }));
      $('roster').textContent = `Seated: ${roster.entries.map((p) => p.name + (p.bot ? ' (bot)' : '')).join(', ')}`;
      return undefined;
    case 'Snapshot': return onSnapshot(msg, at);
    case 'MatchEnded':
      site.ended = { reason: msg.reason, scoreboard: msg.scoreboard };
      $('status').textContent = `The match is over (${msg.reason}): ${msg.scoreboard.map((l) => `${l.name} ${l.score}`).join(', ')}`;
      return undefined;
    default: return undefined;
  }
}

function onWelcome(w) {
  client?.destroy();
  roster.reset();
  sequencer = new InputSequencer();
  const myId = w.role === 'Player' ? w.player_id : null;
  Object.assign(site, { myId, role: myId === null ? 'spectator' : 'player', phase: null });
  $('match-title').textContent = `${w.match_name} (${site.role})`;
  const { module, schema, codec } = game;
  client = module.createClient({
    facts: codec.decodeFacts(w.facts),
    welcome: w,
    role: site.role,
    myId,
    tickHz: w.tick_hz,
    schema,
    canvas: $('canvas'),
    window,
    roster,
    sequencer,
    sendInput,
    submit: (input, sentTick) => {
      if (!sequencer.known || !session.connected) return null;
      const entry = sequencer.push(input, sentTick);
      return sendInput(entry) ? entry : null;
    },
    log: (text) => { $('status').textContent = text; },
    state: site,
  });
  $('help').textContent = client.help;
}

function sendInput(entry) {
  const sent = session.send({ type: 'Input', seq: entry.seq, input: game.codec.encodeInput(entry.input) });
  if (sent) site.inputsSent += 1;
  return sent;
}

function onSnapshot(msg, at) {
  if (!client) return;
  const view = game.codec.decodeView(msg.view);
  // The ack is this connection's own: the newest of our inputs the server has applied.
  const ack = site.myId === null ? null : msg.ack;
  let landed = null;
  if (site.myId !== null) {
    const pending = sequencer.known ? sequencer.pending.length : 0;
    landed = sequencer.acknowledge(ack, msg.tick);
    site.inputsAcked += Math.max(0, pending - sequencer.pending.length);
  }
  if (msg.phase !== site.phase) {
    site.phase = msg.phase;
    $('phase').textContent = msg.phase;
    $('start').hidden = !host || msg.phase !== 'Waiting';
    client.onPhase(msg.phase);
  }
  client.onSnapshot({ ...msg, view, ack, landed }, at);
  const me = view.players.find((p) => p.id === site.myId);
  Object.assign(site, {
    tick: msg.tick,
    king: view.king,
    players: view.players.map((p) => ({ id: p.id, name: roster.name(p.id), x: p.at.x / 16, y: p.at.y / 16, held_ds: p.held_ds, flags: p.flags })),
    hill: { x: view.hill.x / 16, y: view.hill.y / 16 },
    held_ds: me ? me.held_ds : null,
  });
}

// ---- drawing ----

let hudAt = 0;
function frame(now) {
  requestAnimationFrame(frame);
  const canvas = $('canvas');
  const dpr = devicePixelRatio || 1;
  const [w, h] = [canvas.clientWidth, canvas.clientHeight];
  if (canvas.width !== Math.round(w * dpr)) [canvas.width, canvas.height] = [Math.round(w * dpr), Math.round(h * dpr)];
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  if (!client || !client.draw(ctx, w, h, now, { follow: null, dpr })) return;
  site.frames += 1;
  site.rendered = client.rendered;
  if (now - hudAt > 125) {
    hudAt = now;
    showHud(client.hud());
  }
}

function showHud(hud) {
  site.hud = hud;
  if (!hud) return;
  const ds = hud.timeLeftDs;
  $('timer').textContent = ds > 0 ? `${Math.floor(ds / 600)}:${String(Math.floor(ds / 10) % 60).padStart(2, '0')} left` : '';
  $('headline').textContent = hud.headline;
  const cell = (tag, content) => Object.assign(document.createElement(tag), { textContent: content });
  const head = document.createElement('tr');
  head.append(...['Player', ...hud.columns].map((c) => cell('th', c)));
  $('scores-head').replaceChildren(head);
  $('scores').replaceChildren(...hud.rows.map((r) => {
    const tr = document.createElement('tr');
    const name = cell('td', roster.name(r.id) + (r.id === site.myId ? ' (you)' : '') + (roster.bot(r.id) ? ' (bot)' : ''));
    const swatch = Object.assign(document.createElement('span'), { className: 'swatch' });
    swatch.style.background = r.color;
    name.prepend(swatch);
    tr.append(name, ...r.cells.map((c) => cell('td', String(c))));
    if (r.dim) tr.style.opacity = 0.5;
    return tr;
  }));
}

$('server').textContent = `on ${server.origin}`;
listMatches();
const lister = setInterval(listMatches, 2000);
