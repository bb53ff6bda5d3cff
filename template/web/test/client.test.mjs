// King of the hill's client without a browser: the keys' mapping, when inputs go out, and the
// client fed the decoded snapshots of the bot match the Rust side recorded (test/wire.json):
// interpolation between two of them, what a frame draws, the HUD, the state for window.arena.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { InputSequencer } from 'arena-sdk/inputs.js';
import { Roster } from 'arena-sdk/roster.js';
import { Schema } from 'arena-sdk/schema.js';
import { fromHex, loadFixture } from 'arena-sdk/testing.js';
import { Buttons, Keys, buttonsFor } from '../input.js';
import { Flags, KothClient, blendViews, world } from '../client.js';

const fixture = loadFixture(new URL('./wire.json', import.meta.url));
const schema = new Schema(fixture.schema);
const FACTS = schema.decodeFacts(fromHex(fixture.match.facts));
/** The recorded match's views, decoded: [{tick, view}], one per tick. */
const RECORDED = fixture.match.views.map((v) => ({ tick: v.tick, view: schema.decodeView(fromHex(v.hex)) }));
const TICK_HZ = fixture.match.tick_hz;
const TICK_MS = 1000 / TICK_HZ;
const viewAt = (tick) => RECORDED.find((r) => r.tick === tick).view;

/** A fake event target (the window). */
function fakeWindow() {
  const handlers = new Map();
  return {
    addEventListener: (t, fn) => handlers.set(t, [...(handlers.get(t) ?? []), fn]),
    removeEventListener: (t, fn) => handlers.set(t, (handlers.get(t) ?? []).filter((f) => f !== fn)),
    fire: (t, props = {}) => (handlers.get(t) ?? []).forEach((fn) => fn({ preventDefault() {}, ...props })),
    listeners: () => [...handlers.values()].reduce((n, l) => n + l.length, 0),
  };
}

/** A 2D context that draws nothing and records the texts it was asked to write. */
function fakeCanvas() {
  const texts = [];
  const ctx = new Proxy({}, {
    get: (target, key) => (key in target ? target[key] : key === 'fillText' ? (t) => texts.push(t) : () => {}),
    set: (target, key, value) => { target[key] = value; return true; },
  });
  return { ctx, texts };
}

/** A client as the page makes it (GameClientContext), with the page's side of the contract:
 * the sequencer acknowledged before each snapshot is handed over; `submit` numbers and "sends". */
function client({ role = 'player', myId = 0 } = {}) {
  const roster = new Roster();
  roster.update(Array.from({ length: fixture.match.seats }, (_, id) => ({ id, name: `P${id}`, connected: true, bot: id > 0 })));
  const sequencer = new InputSequencer();
  const sent = [];
  const win = fakeWindow();
  const c = new KothClient({
    facts: FACTS, welcome: {}, role, myId, tickHz: TICK_HZ, schema, canvas: null, window: win, roster, sequencer,
    sendInput: () => true,
    submit: (input, tick) => {
      const entry = sequencer.push(input, tick);
      sent.push({ seq: entry.seq, bytes: schema.encodeInput(input), ...input });
      return entry;
    },
    log: () => {},
    state: {},
  });
  const snap = (tick, ack = null, phase = 'Running') => {
    sequencer.acknowledge(ack, tick);
    c.onSnapshot({ tick, phase, view: viewAt(tick), ack, landed: null }, tick * TICK_MS);
  };
  return { c, sent, win, snap, sequencer };
}

test('WASD, the arrows and Space map to the buttons of src/lib.rs', () => {
  assert.equal(buttonsFor(['KeyW']), Buttons.UP);
  assert.equal(buttonsFor(['ArrowDown', 'KeyA']), Buttons.DOWN | Buttons.LEFT);
  assert.equal(buttonsFor(['ArrowRight', 'KeyD', 'Space']), Buttons.RIGHT | Buttons.SHOVE);
  assert.equal(buttonsFor(['KeyQ', 'ShiftLeft']), 0, 'other keys do nothing');
  assert.deepEqual(Object.values(Buttons), [1, 2, 4, 8, 16]);
});

test('keys: presses and releases change the buttons once; typing and modifiers are ignored', () => {
  const win = fakeWindow();
  let changes = 0;
  const keys = new Keys(win, () => { changes += 1; });
  win.fire('keydown', { code: 'KeyD' });
  win.fire('keydown', { code: 'KeyD' }); // auto-repeat
  win.fire('keydown', { code: 'KeyX' });
  win.fire('keydown', { code: 'KeyW', ctrlKey: true });
  assert.equal(keys.buttons(), Buttons.RIGHT);
  assert.equal(changes, 1);
  win.fire('keydown', { code: 'Space' });
  assert.equal(keys.buttons(), Buttons.RIGHT | Buttons.SHOVE);
  win.fire('keyup', { code: 'KeyD' });
  assert.equal(keys.buttons(), Buttons.SHOVE);
  win.fire('blur');
  assert.equal(keys.buttons(), 0, 'leaving the window lets go of everything');
  assert.equal(changes, 4);
  keys.enabled = false;
  win.fire('keydown', { code: 'KeyA' });
  assert.equal(keys.buttons(), 0);
  keys.destroy();
  assert.equal(win.listeners(), 0);
});

test('an input goes out when the buttons change, numbered, and not while they stay the same', () => {
  const { c, sent, win, snap } = client();
  win.fire('keydown', { code: 'KeyA' });
  assert.equal(sent.length, 0, 'nothing before the first snapshot');
  snap(1);
  assert.deepEqual(sent.map((s) => [s.seq, s.buttons]), [[1, Buttons.LEFT]], 'the held key goes with the first snapshot');
  assert.deepEqual(sent[0].bytes, Uint8Array.of(Buttons.LEFT), 'encoded by the schema');
  snap(2, 1);
  snap(3, 1);
  assert.equal(sent.length, 1, 'held: nothing new to say (the server keeps the last input)');
  win.fire('keydown', { code: 'KeyW' });
  win.fire('keyup', { code: 'KeyA' });
  win.fire('keyup', { code: 'KeyW' });
  assert.deepEqual(sent.map((s) => s.buttons), [Buttons.LEFT, Buttons.LEFT | Buttons.UP, Buttons.UP, 0]);
  assert.deepEqual(c.meState().buttons, 0);
});

test('a tap on Space shoves: the release waits until a tick has applied the shove', () => {
  const { c, sent, win, snap } = client();
  snap(1);
  win.fire('keydown', { code: 'Space' });
  win.fire('keyup', { code: 'Space' });
  assert.deepEqual(sent.map((s) => s.buttons), [Buttons.SHOVE], 'the release is held back');
  snap(2, null);
  assert.equal(sent.length, 1, 'not applied yet');
  snap(3, sent[0].seq);
  assert.deepEqual(sent.map((s) => s.buttons), [Buttons.SHOVE, 0], 'applied: released');
  assert.equal(c.shoveSeq, null);
});

test('a spectator sends nothing; after the end, neither does a player', () => {
  const watcher = client({ role: 'spectator', myId: null });
  watcher.win.fire('keydown', { code: 'KeyW' });
  watcher.snap(1);
  assert.equal(watcher.sent.length, 0);
  assert.equal(watcher.c.meState(), null);
  assert.equal(watcher.c.netLine(), 'spectating');
  const { c, sent, win, snap } = client();
  snap(1, null, 'Ended');
  c.onPhase('Ended');
  win.fire('keydown', { code: 'KeyW' });
  snap(2, null, 'Ended');
  assert.equal(sent.length, 0);
});

test('frames are drawn between two recorded snapshots, interpolated in world units', () => {
  const { c } = client({ role: 'spectator', myId: null });
  for (const { tick } of RECORDED.slice(0, 40)) c.onSnapshot({ tick, phase: 'Running', view: viewAt(tick), ack: null, landed: null }, tick * TICK_MS);
  const { ctx, texts } = fakeCanvas();
  // The buffer draws `delayMs` behind: this instant is half-way between ticks 30 and 31.
  const now = 30.5 * TICK_MS + c.delayMs;
  const camera = c.draw(ctx, 960, 640, now, { follow: null });
  assert.ok(camera && typeof camera.toScreen === 'function');
  const [a, b] = [viewAt(30), viewAt(31)];
  for (const p of c.rendered) {
    const pa = world(a.players.find((q) => q.id === p.id).at);
    const pb = world(b.players.find((q) => q.id === p.id).at);
    assert.ok(Math.abs(p.x - (pa.x + pb.x) / 2) < 1e-9 && Math.abs(p.y - (pa.y + pb.y) / 2) < 1e-9, `player ${p.id} half-way`);
  }
  assert.equal(c.rendered.length, fixture.match.seats);
  assert.equal(a.king, 4, 'the recorded match has a king at tick 30');
  assert.deepEqual(c.rendered.filter((p) => p.king).map((p) => p.id), [4]);
  assert.deepEqual(c.drawn.hill, { x: a.hill.x / 16, y: a.hill.y / 16, r: FACTS.hill_radius, king: 4 });
  assert.ok(texts.includes(`♛ P4 · ${(a.players.find((p) => p.id === 4).held_ds / 10).toFixed(1)} s`), texts.join(' | '));
  // The world fits the canvas: the hill is drawn where the camera puts it.
  const hill = camera.toScreen(c.drawn.hill.x, c.drawn.hill.y);
  assert.ok(hill.x > 0 && hill.x < 960 && hill.y > 0 && hill.y < 640);
});

test('blendViews: no next view, no movement; a player only in the first view stays put', () => {
  const a = viewAt(10);
  const out = blendViews(a, null, 0.7);
  assert.deepEqual(out.players.map((p) => [p.x, p.y]), a.players.map((p) => [p.at.x / 16, p.at.y / 16]));
  const b = { ...viewAt(11), players: viewAt(11).players.slice(1) };
  const some = blendViews(a, b, 0.5);
  assert.deepEqual([some.players[0].x, some.players[0].y], [a.players[0].at.x / 16, a.players[0].at.y / 16]);
});

test('the HUD: time left, who holds the hill, a row per player, most time on the hill first', () => {
  const { c, snap } = client({ role: 'spectator', myId: null });
  assert.equal(c.hud(), null, 'nothing before a snapshot');
  snap(30);
  const hud = c.hud();
  assert.equal(hud.timeLeftDs, viewAt(30).time_left_ds);
  assert.equal(hud.headline, `P4 holds the hill · ${FACTS.settings.score_limit_s} s wins`);
  assert.deepEqual(hud.columns, ['Held', 'Hill']);
  assert.equal(hud.rows[0].id, 4);
  assert.deepEqual(hud.rows[0].cells, ['0.3 s', '♛ king']);
  assert.equal(hud.rows.length, fixture.match.seats);
  assert.equal(hud.seated, fixture.match.seats);
  snap(40); // four on the hill: nobody scores
  assert.equal(viewAt(40).king, null);
  assert.match(c.hud().headline, /^The hill is contested/);
  snap(41, null, 'Ended');
  assert.equal(c.hud().timeLeftDs, 0, 'no timer once it is over');
});

test('window.arena state: the view with world coordinates, and our player', () => {
  const { c, snap } = client({ myId: 4 });
  snap(30);
  const v = c.viewState();
  assert.equal(v.king, 4);
  assert.equal(v.hill.wx, 600);
  const p4 = v.players.find((p) => p.id === 4);
  assert.equal(p4.wx, p4.at.x / 16);
  assert.ok(p4.flags & Flags.ON_HILL);
  assert.deepEqual(c.meState(), { id: 4, server: world(p4.at), held_ds: p4.held_ds, onHill: true, king: true, buttons: 0 });
  assert.match(c.help, /Space shoves/);
  assert.match(c.netLine(), /unacknowledged/);
  c.destroy();
});
