// A game page of your own on the Arena SDK: lists a game's matches, joins one as a player or a
// spectator, decodes facts and views with the game's schema, sends inputs from the keyboard and
// draws the players interpolated. Its state is in window.example (for you, and for tests).
import {
  InputSequencer, Roster, Schema, Session, SnapshotBuffer, lobbyApi, makeCamera,
} from 'arena-sdk';

const params = new URLSearchParams(location.search);
const server = new URL(params.get('server') ?? 'http://127.0.0.1:8080');
const game = params.get('game') ?? 'deathmatch';
const api = lobbyApi(new URL('/api', server).href);
const $ = (id) => document.getElementById(id);

// What only you know about your game: the input the keys make (an object shaped as the schema's
// `input`; null sends nothing) and the world's size in the view's units (null: as far as players
// have been seen). A game not listed here can be watched, and joined without sending anything.
const GAMES = {
  deathmatch: {
    input: (keys) => {
      const bit = (codes, b) => (codes.some((c) => keys.has(c)) ? b : 0);
      const buttons = bit(['KeyW', 'ArrowUp'], 1) | bit(['KeyS', 'ArrowDown'], 2)
        | bit(['KeyA', 'ArrowLeft'], 4) | bit(['KeyD', 'ArrowRight'], 8) | bit(['Space'], 16);
      return { buttons, aim: 0 };
    },
    world: (facts) => ({ width: facts.width * 16, height: facts.height * 16 }), // 1/16 units on the wire
  },
};
const rules = GAMES[game] ?? { input: () => null, world: () => null };

const state = {
  server: server.href, game, error: null, matches: [], status: null, connected: false, role: null,
  welcome: null, roster: [], phase: null, lastTick: null, view: null, playersSeen: [],
  inputsSent: 0, inputsAcked: 0, lastAck: null, ended: null, frames: 0,
};
window.example = state;

function showError(e) {
  state.error = e && `Cannot reach the lobby API at ${server.origin}: ${e.message}. Is the server `
    + `running, and started with --allowed-origin ${location.origin}?`;
  $('error').textContent = state.error ?? '';
}

let listed = null;
async function listMatches() {
  try {
    state.matches = (await api.listMatches()).filter((m) => m.game === game);
    showError(null);
  } catch (e) {
    showError(e);
  }
  if (JSON.stringify(state.matches) === listed) return;
  listed = JSON.stringify(state.matches);
  $('matches').replaceChildren(...state.matches.map((m) => {
    const row = document.createElement('li');
    row.textContent = `${m.name} (${m.phase}, ${m.players}/${m.max_players} players) `;
    for (const [role, label] of [['player', 'Play'], ['spectator', 'Watch']]) {
      const button = document.createElement('button');
      Object.assign(button, { textContent: label, onclick: () => join(m.id, role) });
      Object.assign(button.dataset, { match: m.id, role });
      row.append(button);
    }
    return row;
  }));
}

let schema = null; // the game's wire types, from GET /api/games/<game>/schema
let session = null;
let buffer = null; // decoded views, for interpolation
let facts = null;
let lastInput = null;
const roster = new Roster();
const sequencer = new InputSequencer();
const keys = new Set();
const seen = { width: 1, height: 1 };
addEventListener('keydown', (e) => keys.add(e.code));
addEventListener('keyup', (e) => keys.delete(e.code));

async function join(matchId, role) {
  try {
    schema = new Schema(await api.gameSchema(game));
  } catch (e) {
    return showError(e);
  }
  clearInterval(lister);
  $('lobby').hidden = true;
  session = new Session({
    api, matchId, role, name: $('name').value, pageUrl: server.href,
    onStatus: (s) => { state.status = s?.text ?? null; $('status').textContent = state.status ?? ''; },
    onConnected: (up) => { state.connected = up; },
    onMessage: (msg, at) => {
      try {
        receive(msg, at);
      } catch (e) {
        session.fail(e); // bytes this page cannot decode: close, and say so
      }
    },
  });
  await session.start();
  requestAnimationFrame(draw);
}

function receive(msg, at) {
  if (msg.type === 'Welcome') {
    facts = schema.decodeFacts(msg.facts);
    buffer = new SnapshotBuffer(msg.tick_hz);
    state.role = msg.role;
    state.welcome = { match: msg.match_name, player_id: msg.player_id, tick_hz: msg.tick_hz };
  } else if (msg.type === 'Roster') {
    roster.update(msg.entries);
    state.roster = roster.entries;
    $('roster').textContent = roster.entries.map((p) => p.name + (p.bot ? ' (bot)' : '')).join(', ');
  } else if (msg.type === 'Snapshot') {
    onSnapshot(msg, at);
  } else if (msg.type === 'MatchEnded') {
    state.ended = msg.reason;
    $('status').textContent = `The match is over (${msg.reason}).`;
  }
}

function onSnapshot(msg, at) {
  const view = schema.decodeView(msg.view);
  buffer.push({ tick: msg.tick, phase: msg.phase, view }, at);
  Object.assign(state, { phase: msg.phase, lastTick: msg.tick, view, lastAck: msg.ack });
  for (const p of view?.players ?? []) {
    if (!state.playersSeen.includes(p.id)) state.playersSeen.push(p.id);
    seen.width = Math.max(seen.width, p.x * 1.1);
    seen.height = Math.max(seen.height, p.y * 1.1);
  }
  // The server acknowledges the newest input it applied; then one input per snapshot at most,
  // numbered, and only when the keys changed it (the game keeps the last one).
  const pending = sequencer.pending.length;
  sequencer.acknowledge(msg.ack, msg.tick);
  state.inputsAcked += pending - sequencer.pending.length;
  const input = state.role === 'Player' && msg.phase !== 'Ended' ? rules.input(keys) : null;
  if (input !== null && JSON.stringify(input) !== lastInput) {
    const { seq } = sequencer.push(input, msg.tick);
    session.send({ type: 'Input', seq, input: schema.encodeInput(input) });
    lastInput = JSON.stringify(input);
    state.inputsSent += 1;
  }
}

// The players between the two snapshots around the render time (never across a phase change).
function blend(a, b, t) {
  return (a?.players ?? []).map((p) => {
    const q = b?.players?.find((o) => o.id === p.id);
    return q ? { id: p.id, x: p.x + (q.x - p.x) * t, y: p.y + (q.y - p.y) * t } : p;
  });
}

function draw(now) {
  requestAnimationFrame(draw);
  const frame = buffer?.sample(now, blend);
  if (!frame) return;
  state.frames += 1;
  const canvas = $('canvas');
  const ctx = canvas.getContext('2d');
  const world = rules.world(facts) ?? seen;
  const camera = makeCamera(canvas.width, canvas.height, world);
  const corner = camera.toScreen(0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.strokeRect(corner.x, corner.y, world.width * camera.scale, world.height * camera.scale);
  for (const p of frame.view) {
    const at = camera.toScreen(p.x, p.y);
    ctx.fillStyle = p.id === state.welcome.player_id ? '#d33' : '#36c';
    ctx.beginPath();
    ctx.arc(at.x, at.y, 6, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillText(roster.name(p.id), at.x + 8, at.y - 8);
  }
  if (state.frames % 15 === 1) $('view').textContent = JSON.stringify(state.view, jsonable, 1);
}

/** BigInt, Map and bytes as JSON can show them. */
function jsonable(key, v) {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Map) return Object.fromEntries(v);
  return v instanceof Uint8Array ? Array.from(v) : v;
}

$('game').textContent = `${game} on ${server.origin}`;
listMatches();
const lister = setInterval(listMatches, 2000);
