// Capture the flag in the page without a browser: the control mapping, when inputs go out (on a
// change, and with every snapshot while something is held), the fog's sight circles, the blend
// between views and where flags are drawn.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { InputSequencer } from 'arena-sdk/inputs.js';
import { Roster } from 'arena-sdk/roster.js';
import { SnapshotBuffer } from 'arena-sdk/interp.js';
import { Actions, Status, SEES_EVERYTHING, decodeInput, encodeInput, quantizePos } from '../codec.js';
import { mapControls } from '../input.js';
import { CtfClient, blendViews, flagSpots, sightCircles } from '../client.js';

const FACTS = {
  width: 2000, height: 1000, player_radius: 16, speed: 220, sprint_speed: 340, stamina_drain_per_s: 40,
  stamina_regen_per_s: 15, tag_range: 44, tag_cooldown_s: 1, respawn_delay_s: 3, flag_touch_radius: 30,
  base_radius: 80, flag_return_s: 20, bases: [{ x: 1920, y: 8000 }, { x: 30080, y: 8000 }],
  sight_radius: 320, captures_to_win: 3, time_limit_s: 600,
};
const P = (id, x, y, status = Status.IN_PLAY, stamina = 100) => ({ id, team: id % 2, x: quantizePos(x), y: quantizePos(y), status, stamina });
const view = (players, extra = {}) => ({
  sees: 0, time_left_ds: 0, captures: [0, 0], flags: [{ kind: 'AtBase' }, { kind: 'AtBase' }], players, ...extra,
});

test('controls map to a target and actions', () => {
  const field = { width: 2000, height: 1000 };
  const here = { x: 100, y: 500 };
  const stand = mapControls({ dir: null, mouseTarget: null, keptTarget: null, here, tag: false, sprint: false, field });
  assert.deepEqual(stand, { target_x: quantizePos(100), target_y: quantizePos(500), actions: 0 });
  const click = mapControls({ dir: null, mouseTarget: { x: 1880, y: 500 }, keptTarget: null, here, tag: false, sprint: true, field });
  assert.deepEqual(click, { target_x: 30080, target_y: 8000, actions: Actions.MOVE | Actions.SPRINT });
  assert.equal(encodeInput(click).length, 5);
  const key = mapControls({ dir: [1, 0], mouseTarget: null, keptTarget: null, here, tag: true, sprint: false, field });
  assert.equal(key.actions, Actions.MOVE | Actions.TAG);
  assert.ok(key.target_x > quantizePos(100));
  const clamped = mapControls({ dir: null, mouseTarget: { x: -50, y: 2000 }, keptTarget: null, here, tag: false, sprint: false, field });
  assert.deepEqual([clamped.target_x, clamped.target_y], [0, quantizePos(1000)]);
});

test('sight circles come from the viewing team\'s players in play; a spectator has no fog', () => {
  const players = [
    { id: 0, team: 0, x: 100, y: 100, status: Status.IN_PLAY },
    { id: 2, team: 0, x: 300, y: 300, status: 0 },
    { id: 1, team: 1, x: 900, y: 900, status: Status.IN_PLAY },
  ];
  assert.deepEqual(sightCircles(0, players, 320), [{ x: 100, y: 100, r: 320 }]);
  assert.deepEqual(sightCircles(1, players, 150), [{ x: 900, y: 900, r: 150 }]);
  assert.equal(sightCircles(SEES_EVERYTHING, players, 320), null);
});

test('flags are drawn at base or where they lie; carried ones go with the carrier', () => {
  const bases = [{ x: 120, y: 500 }, { x: 1880, y: 500 }];
  assert.deepEqual(flagSpots([{ kind: 'AtBase' }, { kind: 'Dropped', x: 16000, y: 8000 }], bases),
    [{ team: 0, kind: 'AtBase', x: 120, y: 500 }, { team: 1, kind: 'Dropped', x: 1000, y: 500 }]);
  assert.deepEqual(flagSpots([{ kind: 'CarriedUnseen' }, { kind: 'Carried', carrier: 0 }], bases), []);
});

test('visible players blend between views, not across a tag or a jump', () => {
  const blend = blendViews(FACTS);
  const buf = new SnapshotBuffer(20);
  buf.push({ tick: 1, phase: 'Running', view: view([P(0, 100, 500), P(2, 500, 500), P(4, 800, 500)]) }, 50);
  buf.push({ tick: 2, phase: 'Running', view: view([P(0, 110, 500), P(2, 510, 500, 0), P(4, 160, 500), P(6, 1, 1)]) }, 100);
  const s = buf.sample(50 + 100 + 25, blend);
  const at = (id) => s.view.players.find((p) => p.id === id);
  assert.ok(Math.abs(at(0).x - 105) < 1e-9, 'moving player blended');
  assert.equal(at(2).x, 500, 'no blend into being tagged');
  assert.equal(at(4).x, 800, 'no blend across a respawn jump');
  assert.equal(at(6), undefined, 'a player coming into sight appears when its snapshot is due');
});

/** A fake event target (window or canvas). */
function target(extra = {}) {
  const handlers = new Map();
  return {
    addEventListener: (t, fn) => handlers.set(t, [...(handlers.get(t) ?? []), fn]),
    removeEventListener: (t, fn) => handlers.set(t, (handlers.get(t) ?? []).filter((f) => f !== fn)),
    fire: (t, props = {}) => (handlers.get(t) ?? []).forEach((fn) => fn({ preventDefault() {}, button: 0, ...props })),
    getBoundingClientRect: () => ({ left: 0, top: 0 }),
    focus() {},
    ...extra,
  };
}

function client() {
  const sent = [];
  const sequencer = new InputSequencer();
  const roster = new Roster();
  roster.update([{ id: 0, name: 'Ada', connected: true }, { id: 1, name: 'bot', connected: true }]);
  const win = target();
  const canvas = target();
  const logs = [];
  const c = new CtfClient({
    facts: FACTS, role: 'player', myId: 0, tickHz: 20, canvas, window: win, roster, sequencer, state: {},
    sendInput: () => true,
    submit: (input, tick) => {
      const e = sequencer.push(input, tick);
      sent.push({ ...decodeInput(encodeInput(input)), seq: e.seq, tick });
      return e;
    },
    log: (t) => logs.push(t),
  });
  // A camera as if the field were drawn 1:1 at the canvas origin.
  c.camera = { toWorld: (x, y) => ({ x, y }), toScreen: (x, y) => ({ x, y }) };
  let tick = 0;
  const snap = (v, phase = 'Running') => {
    tick += 1;
    sequencer.acknowledge(null, tick);
    c.onSnapshot({ tick, phase, view: v, ack: null, landed: null }, tick * 50);
  };
  return { c, sent, win, canvas, snap, logs };
}

test('a click sends target + MOVE at once; nothing more while nothing changes or is held', () => {
  const { c, sent, canvas, snap } = client();
  snap(view([P(0, 160, 360)]));
  assert.equal(sent.length, 0, 'standing still: nothing to say');
  c.lastSentAt = -Infinity;
  canvas.fire('mousedown', { clientX: 1880, clientY: 500 });
  assert.equal(sent.length, 1, 'the press goes out at once');
  assert.deepEqual([sent[0].target_x, sent[0].target_y, sent[0].actions], [quantizePos(1880), quantizePos(500), Actions.MOVE]);
  // Held: one per snapshot, the target following the pointer.
  canvas.fire('mousemove', { clientX: 1800, clientY: 400 });
  snap(view([P(0, 170, 360)]));
  assert.equal(sent.length, 2);
  assert.equal(sent[1].target_y, quantizePos(400));
  snap(view([P(0, 180, 360)]));
  assert.equal(sent.length, 3, 'still held: sent again');
});

test('released: the target is kept and no more inputs go out until something changes', () => {
  const { c, sent, canvas, win, snap } = client();
  snap(view([P(0, 160, 360)]));
  canvas.fire('mousedown', { clientX: 1000, clientY: 500 });
  c.lastSentAt = -Infinity;
  win.fire('mouseup', {});
  const n = sent.length;
  snap(view([P(0, 170, 360)]));
  snap(view([P(0, 180, 360)]));
  assert.equal(sent.length, n, 'nothing changed, nothing held');
  assert.deepEqual(c.input.target, { x: 1000, y: 500 });
  // Shift (sprint) and Space (tag) change the input: it goes out, target kept.
  c.lastSentAt = -Infinity;
  win.fire('keydown', { code: 'ShiftLeft' });
  assert.equal(sent.at(-1).actions, Actions.MOVE | Actions.SPRINT);
  assert.equal(sent.at(-1).target_x, quantizePos(1000));
  snap(view([P(0, 190, 360)]));
  assert.equal(sent.at(-1).actions, Actions.MOVE | Actions.SPRINT, 'held: sent with the snapshot');
  c.lastSentAt = -Infinity;
  win.fire('keyup', { code: 'ShiftLeft' });
  assert.equal(sent.at(-1).actions, Actions.MOVE);
  c.lastSentAt = -Infinity;
  win.fire('keydown', { code: 'Space' });
  assert.ok(sent.at(-1).actions & Actions.TAG);
  win.fire('keyup', { code: 'Space' });
  snap(view([P(0, 200, 360)]));
  assert.equal(sent.at(-1).actions & Actions.TAG, 0, 'a short press counts once');
});

test('presses between snapshots are limited to one extra input per tick', () => {
  const { c, sent, canvas, win, snap } = client();
  snap(view([P(0, 160, 360)]));
  c.lastSentAt = performance.now();
  canvas.fire('mousedown', { clientX: 500, clientY: 500 });
  assert.equal(sent.length, 0, 'too soon after the last input: it waits for the snapshot');
  win.fire('mouseup', {});
  snap(view([P(0, 170, 360)]));
  assert.equal(sent.length, 1);
  assert.equal(sent[0].target_x, quantizePos(500), 'the click was not lost');
});

test('tagged out: the target is forgotten; captures are announced', () => {
  const { c, canvas, snap, logs } = client();
  snap(view([P(0, 160, 360)]));
  c.lastSentAt = -Infinity;
  canvas.fire('mousedown', { clientX: 500, clientY: 500 });
  c.input.mouseDown = false;
  snap(view([P(0, 170, 360, 0)]));
  assert.equal(c.input.target, null);
  snap(view([P(0, 170, 360)], { captures: [1, 0] }), 'Ended');
  assert.match(logs.join('\n'), /Red captured the flag \(1 : 0\)/);
  const hud = c.hud();
  assert.match(hud.headline, /Red 1 : 0 Blue/);
  assert.deepEqual(hud.rows.map((r) => r.cells[1]), ['in play', 'unseen']);
  c.destroy();
});
