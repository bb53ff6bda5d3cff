// The deathmatch's drawing helpers that decide something: the beam's reach.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { beamLength, colorFor } from '../render.js';

const ARENA = { width: 1600, height: 1000, player_radius: 20, max_speed: 260, attack_range: 420, max_health: 100 };

test('a beam stops at the first player it touches, as the server decides hits', () => {
  const players = [
    { id: 0, x: 100, y: 100, alive: true },
    { id: 1, x: 300, y: 110, alive: true },
    { id: 2, x: 200, y: 100, alive: false },
    { id: 3, x: 400, y: 100, alive: true },
  ];
  const len = beamLength(100, 100, 0, players, ARENA, 0);
  assert.ok(Math.abs(len - (200 - Math.sqrt(400 - 100))) < 1e-9, `length ${len}`);
  assert.equal(beamLength(100, 100, Math.PI, players, ARENA, 0), 420);
});

test('every seat has its own stable colour', () => {
  assert.equal(colorFor(3), colorFor(3));
  assert.notEqual(colorFor(0), colorFor(1));
});
