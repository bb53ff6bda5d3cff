// The deathmatch's blend for the SDK's snapshot buffer: players and aims blended between two
// views, but not across death or a respawn, and players joining or leaving handled.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { SnapshotBuffer } from 'arena-sdk/interp.js';
import { blendViews, scoreboardRows } from '../client.js';
import { Flags, quantizePos } from '../codec.js';

const blend = blendViews(260);
const snap = (tick, players, phase = 'Running') => ({ tick, phase, view: { time_left_ds: 0, players } });
const player = (id, x, y, aim = 0, flags = Flags.ALIVE) => ({ id, x: quantizePos(x), y: quantizePos(y), aim, health: 100, flags, kills: 0, deaths: 0 });

test('positions and aim blend between two snapshots', () => {
  const buf = new SnapshotBuffer(20);
  buf.push(snap(100, [player(0, 100, 100, 0)]), 5000);
  buf.push(snap(101, [player(0, 113, 100, 64)]), 5050);
  const s = buf.sample(5050 + 100 - 25, blend);
  assert.ok(Math.abs(s.view.players[0].x - 106.5) < 1e-9);
  assert.ok(Math.abs(s.view.players[0].aimRad - Math.PI / 4) < 1e-9);
});

test('a respawn is not blended across the arena, nor is a death', () => {
  const buf = new SnapshotBuffer(20);
  buf.push(snap(1, [player(0, 100, 100), player(1, 500, 500)]), 1050);
  buf.push(snap(2, [player(0, 1500, 900), player(1, 510, 500, 0, 0)]), 1300); // 200 ms late
  const s = buf.sample(1000 + 75 + 100, blend); // halfway in time
  assert.equal(s.view.players[0].x, 100, 'teleport shown at the old place until its snapshot is due');
  assert.equal(s.view.players[1].x, 500, 'no blend into death');
});

test('players joining and leaving', () => {
  const buf = new SnapshotBuffer(20);
  buf.push(snap(1, [player(0, 100, 100)]), 50);
  buf.push(snap(2, [player(0, 100, 100), player(1, 300, 300)]), 100);
  assert.deepEqual(buf.sample(50 + 100 + 10, blend).view.players.map((p) => p.id), [0]);
  assert.deepEqual(buf.sample(1e6, blend).view.players.map((p) => p.id), [0, 1]);
});

test('scoreboard rows sort like the server: kills down, deaths up, seat up', () => {
  const p = (id, kills, deaths) => ({ id, kills, deaths, flags: 1, health: 100 });
  const names = new Map([[2, 'zed']]);
  const rows = scoreboardRows([p(0, 1, 5), p(1, 3, 2), p(2, 3, 1), p(3, 1, 5)], (id) => names.get(id) ?? `Player ${id}`);
  assert.deepEqual(rows.map((r) => r.id), [2, 1, 0, 3]);
  assert.equal(rows[0].name, 'zed');
  assert.equal(rows[1].name, 'Player 1');
});
