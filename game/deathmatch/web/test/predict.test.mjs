// Prediction and reconciliation of the local player against a simulated server that follows the
// same rules as game/deathmatch/src/rules.rs: one tick applies the inputs that arrived (last wins)
// and moves. Acknowledgements come from the envelope (Snapshot.ack) through the SDK's
// InputSequencer.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { InputSequencer } from 'arena-sdk/inputs.js';
import { moveStep, Predictor } from '../predict.js';
import { Buttons, quantizePos, Flags } from '../codec.js';

const ARENA = {
  width: 1600, height: 1000, player_radius: 20, max_speed: 260, attack_range: 420,
  attack_cooldown_s: 0.4, attack_damage: 25, max_health: 100, respawn_delay_s: 2,
};

const view = (x, y, flags = Flags.ALIVE) => ({ id: 0, x: quantizePos(x), y: quantizePos(y), aim: 0, health: 100, flags, kills: 0, deaths: 0 });

/** A predictor and its sequencer; `snapshot(state, phase, tick, now, ack)` does what the page does. */
function client(tickHz = 20) {
  const sequencer = new InputSequencer();
  const predictor = new Predictor(ARENA, tickHz, sequencer);
  const snapshot = (state, phase, tick, now, ack) => {
    const landed = sequencer.acknowledge(ack, tick);
    predictor.reconcile(state, phase, tick, now, landed);
  };
  return { sequencer, predictor, snapshot };
}

test('moveStep moves at max_speed, normalizes diagonals and clamps to the walls like the server', () => {
  assert.deepEqual(moveStep(800, 500, Buttons.RIGHT, 0.5, ARENA), { x: 930, y: 500 });
  const d = moveStep(930, 500, Buttons.DOWN | Buttons.LEFT, 1, ARENA);
  assert.ok(Math.abs(Math.hypot(d.x - 930, d.y - 500) - 260) < 1e-9);
  assert.equal(moveStep(800, 500, Buttons.UP, 100, ARENA).y, 20);
  assert.equal(moveStep(800, 500, Buttons.RIGHT, 100, ARENA).x, 1580);
  assert.deepEqual(moveStep(800, 500, Buttons.LEFT | Buttons.RIGHT, 1, ARENA), { x: 800, y: 500 });
  assert.deepEqual(moveStep(800, 500, Buttons.ATTACK, 1, ARENA), { x: 800, y: 500 });
});

/**
 * Runs a client and a server for `seconds`: the server ticks at `tickHz`, messages take
 * `latencyMs` ± `jitterMs` each way, the client renders at 60 fps and holds `buttonsAt(t)`.
 * Returns every frame's drawn position and the server's positions.
 */
function simulate({ tickHz, latencyMs, jitterMs = 0, seconds, buttonsAt, start = { x: 400, y: 500 }, seed = 1 }) {
  let rng = seed;
  const random = () => ((rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const delay = () => latencyMs + (random() * 2 - 1) * jitterMs;
  const dt = 1 / tickHz;
  const server = { x: start.x, y: start.y, buttons: 0, seq: null };
  const toServer = []; // { at, input }
  const toClient = []; // { at, state, ack }
  const { predictor, snapshot } = client(tickHz);
  const frames = [];
  const serverTrack = [];
  let nextTick = 0;
  let tickNo = 0;
  let lastArrival = 0;
  for (let now = 0; now < seconds * 1000; now += 1000 / 60) {
    while (nextTick <= now) {
      for (const m of toServer.filter((m) => m.at <= nextTick)) {
        server.buttons = m.input.buttons;
        server.seq = m.input.seq;
      }
      toServer.splice(0, toServer.length, ...toServer.filter((m) => m.at > nextTick));
      Object.assign(server, moveStep(server.x, server.y, server.buttons, dt, ARENA));
      serverTrack.push({ t: nextTick, x: server.x, y: server.y });
      // WebSocket is ordered: a message never overtakes the previous one.
      lastArrival = Math.max(lastArrival, nextTick + delay());
      toClient.push({ at: lastArrival, state: view(server.x, server.y), ack: server.seq, tick: ++tickNo });
      nextTick += 1000 / tickHz;
    }
    for (const m of toClient.filter((m) => m.at <= now)) {
      snapshot(m.state, 'Running', m.tick, now, m.ack);
      const entry = predictor.nextInput(buttonsAt(now), 0, now, m.tick);
      toServer.push({ at: now + delay(), input: { seq: entry.seq, buttons: entry.input.buttons } });
    }
    toClient.splice(0, toClient.length, ...toClient.filter((m) => m.at > now));
    predictor.held = buttonsAt(now);
    frames.push({ t: now, ...predictor.displayPosition(now) });
  }
  return { frames, serverTrack, predictor };
}

test('holding a key at 10 Hz moves the drawn player smoothly at 60 fps, every frame', () => {
  const { frames } = simulate({
    tickHz: 10, latencyMs: 40, jitterMs: 15, seconds: 3,
    buttonsAt: (t) => (t > 500 && t < 2500 ? Buttons.RIGHT : 0),
  });
  const perFrame = 260 / 60;
  const moving = frames.filter((f) => f.t > 900 && f.t < 2400);
  let stalls = 0;
  for (let i = 1; i < moving.length; i++) {
    const step = moving[i].x - moving[i - 1].x;
    assert.ok(step < perFrame * 1.6, `frame ${i}: jumped ${step.toFixed(2)} units (one frame is ${perFrame.toFixed(2)})`);
    assert.ok(step > 0, `frame ${i}: stopped or went backwards (${step})`);
    if (step < perFrame * 0.5) stalls++;
  }
  assert.ok(stalls <= moving.length * 0.05, `${stalls} of ${moving.length} frames barely moved`);
  const total = frames.at(-1).x - frames.find((f) => f.t > 400).x;
  assert.ok(Math.abs(total - 2 * 260) < 30, `moved ${total} in 2 s of holding RIGHT`);
});

test('the prediction runs ahead of the server by the unacknowledged inputs and agrees once they land', () => {
  const { frames, serverTrack, predictor } = simulate({
    tickHz: 20, latencyMs: 60, seconds: 2, buttonsAt: (t) => (t < 1000 ? Buttons.DOWN : 0),
  });
  // While moving with 120 ms round trip, the client shows itself ahead of the last server state.
  const mid = frames.find((f) => f.t >= 800);
  const serverMid = serverTrack.filter((s) => s.t <= 800 - 60).at(-1);
  assert.ok(mid.y > serverMid.y + 10, `prediction ${mid.y} is not ahead of the server ${serverMid.y}`);
  // After stopping, everything settles on the server's final position.
  const end = frames.at(-1);
  const serverEnd = serverTrack.at(-1);
  assert.ok(Math.abs(end.y - serverEnd.y) < 0.05, `settled at ${end.y}, server at ${serverEnd.y}`);
  // 120 ms round trip at 50 ms per tick: the inputs of the last three snapshots are in flight.
  assert.equal(predictor.pending.length, 3);
});

test('a correction from the server is blended over a few frames, a respawn jumps at once', () => {
  const { predictor: p, snapshot } = client();
  snapshot(view(400, 500), 'Running', 1, 0, null);
  assert.deepEqual(p.displayPosition(0), { x: 400, y: 500 });
  // The server says we are 30 units further right than we thought.
  snapshot(view(430, 500), 'Running', 2, 100, null);
  const first = p.displayPosition(100).x;
  assert.ok(Math.abs(first - 400) < 1e-9, `jumped to ${first}`);
  const later = p.displayPosition(116).x;
  assert.ok(later > 400 && later < 430, `blend at ${later}`);
  assert.ok(Math.abs(p.displayPosition(1600).x - 430) < 0.01, 'blend finished');
  // Respawn far away: no blend.
  snapshot(view(1200, 200), 'Running', 3, 700, null);
  assert.deepEqual(p.displayPosition(700), { x: 1200, y: 200 });
});

test('no movement is predicted while dead or after the match ended', () => {
  const { predictor: p, snapshot } = client();
  snapshot(view(400, 500, 0), 'Running', 1, 0, null);
  p.nextInput(Buttons.RIGHT, 0, 0);
  assert.equal(p.displayPosition(1000).x, 400);
  snapshot(view(400, 500), 'Ended', 2, 50, null);
  p.nextInput(Buttons.RIGHT, 0, 50);
  assert.equal(p.displayPosition(1000).x, 400);
  snapshot(view(400, 500), 'Running', 3, 100, 2);
  p.nextInput(Buttons.RIGHT, 0, 100);
  assert.equal(p.displayPosition(1000).x, 400 + 13);
});

test('the first snapshot sets where the numbering goes on (a resumed seat remembers old inputs)', () => {
  const { predictor: p, snapshot } = client();
  snapshot(view(0, 0), 'Running', 40, 0, 500);
  const entry = p.nextInput(Buttons.RIGHT, 0, 0, 40);
  assert.equal(entry.seq, 501);
  assert.deepEqual(p.pending.map((i) => i.seq), [501], 'the new input is not taken as already acknowledged');
});

test('a seat with no acknowledgement yet starts numbering at 1', () => {
  const { predictor: p, snapshot } = client();
  snapshot(view(0, 0), 'Waiting', 3, 0, null);
  assert.equal(p.nextInput(0, 0, 0).seq, 1);
});

test('sequence numbers wrap at 65535 and acknowledgement still drops the right inputs', () => {
  const { predictor: p, snapshot } = client();
  snapshot(view(0, 0), 'Running', 1, 0, 65533);
  const seqs = [0, 1, 2, 3].map(() => p.nextInput(0, 0, 0).seq);
  assert.deepEqual(seqs, [65534, 65535, 0, 1]);
  snapshot(view(0, 0), 'Running', 2, 0, 65535);
  assert.deepEqual(p.pending.map((i) => i.seq), [0, 1]);
});
