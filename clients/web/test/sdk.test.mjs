// The SDK's small parts: input sequencing and acknowledgements, the roster, chat text.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { InputSequencer } from '../sdk/inputs.js';
import { Roster, describeRosterChange } from '../sdk/roster.js';
import { ChatLog, chatText, trimLikeServer } from '../sdk/chat.js';
import { makeCamera } from '../sdk/camera.js';

test('inputs are numbered from 1, acknowledged from the snapshot\'s ack, and the lag measured', () => {
  const s = new InputSequencer();
  assert.equal(s.acknowledge(null, 10), null, 'first snapshot: nothing applied yet');
  const a = s.push({ k: 'a' }, 10);
  const b = s.push({ k: 'b' }, 11);
  const c = s.push({ k: 'c' }, 12);
  assert.deepEqual([a.seq, b.seq, c.seq], [1, 2, 3]);
  assert.equal(s.acknowledge(null, 11), null);
  assert.equal(s.pending.length, 3);
  const landed = s.acknowledge(2, 13);
  assert.equal(landed, b, 'the input the ack confirms');
  assert.deepEqual(s.pending.map((i) => i.seq), [3]);
  assert.equal(s.lagTicks, 2);
  assert.equal(s.acknowledge(2, 14), null, 'the same ack again lands nothing');
});

test('the first ack continues the numbering with wrap-around', () => {
  const s = new InputSequencer();
  s.acknowledge(65534, 1);
  assert.deepEqual([s.push(0, 1).seq, s.push(0, 1).seq, s.push(0, 1).seq], [65535, 0, 1]);
  s.acknowledge(0, 2);
  assert.deepEqual(s.pending.map((i) => i.seq), [1], 'at or before the ack, across the wrap');
});

test('the roster names seats, knows who is connected, and tells what changed', () => {
  const r = new Roster();
  assert.deepEqual(r.update([{ id: 0, name: 'Ada', connected: true }]), [], 'the first roster is no news');
  assert.equal(r.name(0), 'Ada');
  assert.equal(r.name(5), 'Player 5');
  const changes = r.update([{ id: 0, name: 'Ada', connected: false }, { id: 1, name: 'Bob', connected: true }]);
  assert.deepEqual(changes.map((c) => `${c.kind}:${c.name}`), ['dropped:Ada', 'joined:Bob']);
  assert.equal(r.connected(0), false);
  const later = r.update([{ id: 0, name: 'Ada', connected: true }]);
  assert.deepEqual(later.map((c) => `${c.kind}:${c.name}`), ['back:Ada', 'left:Bob']);
  assert.match(describeRosterChange(later[1]), /Bob left/);
  r.reset();
  assert.equal(r.size, 0);
  assert.deepEqual(r.update([{ id: 2, name: 'C', connected: true }]), []);
});

test('the roster knows which seats are bots, and says so when one joins', () => {
  const r = new Roster();
  r.update([{ id: 0, name: 'Ada', connected: true, bot: false }]);
  assert.equal(r.bots, 0);
  const changes = r.update([
    { id: 0, name: 'Ada', connected: true, bot: false },
    { id: 1, name: 'Bot 2', connected: true, bot: true },
    { id: 2, name: 'Bot 3', connected: true, bot: true },
  ]);
  assert.deepEqual(changes.map((c) => `${c.kind}:${c.name}:${c.bot}`), ['joined:Bot 2:true', 'joined:Bot 3:true']);
  assert.equal(describeRosterChange(changes[0]), 'Bot 2 (a bot) joined.');
  assert.equal(r.bot(1), true);
  assert.equal(r.bot(0), false);
  assert.equal(r.bot(9), false, 'an unknown seat is not a bot');
  assert.equal(r.bots, 2);
  assert.equal(r.connected(1), true);
  // A person who takes a name like a bot's is still a person; an entry without the flag is a person.
  r.update([{ id: 0, name: 'Bot 2', connected: true }]);
  assert.deepEqual(r.entries, [{ id: 0, name: 'Bot 2', connected: true, bot: false }]);
  assert.equal(describeRosterChange({ kind: 'joined', name: 'Ada', bot: false }), 'Ada joined.');
});

test('chat text is trimmed like the server trims and cut to 200 bytes on a character boundary', () => {
  assert.equal(chatText('  gg  '), 'gg');
  assert.equal(chatText(' \u3000\u0085 '), null, 'only white space');
  assert.equal(trimLikeServer('\ufeffx'), '\ufeffx', 'U+FEFF is not white space to Rust');
  const long = chatText('é'.repeat(150));
  assert.equal(new TextEncoder().encode(long).length, 200);
  const emoji = chatText('a' + '🎮'.repeat(60));
  assert.ok(new TextEncoder().encode(emoji).length <= 200);
  assert.ok(!emoji.includes('\ufffd'), 'no broken character');
  const log = new ChatLog(2);
  log.message({ from: null, name: '', text: 'hi' });
  log.system('x');
  log.message({ from: 3, name: 'Ada', text: 'yo' });
  assert.deepEqual(log.lines.map((l) => `${l.name ?? '-'}:${l.text}`), ['-:x', 'Ada:yo']);
});

test('camera fits the world, follows a point inside the edges, and inverts', () => {
  const world = { width: 1600, height: 1000 };
  const cam = makeCamera(1000, 700, world);
  const tl = cam.toScreen(0, 0);
  const br = cam.toScreen(1600, 1000);
  assert.ok(tl.x >= 15 && br.x <= 985 && tl.y >= 15 && br.y <= 685, 'whole world visible');
  const back = cam.toWorld(...Object.values(cam.toScreen(123, 456)));
  assert.ok(Math.abs(back.x - 123) < 1e-9 && Math.abs(back.y - 456) < 1e-9);
  const follow = makeCamera(1000, 700, world, { x: 30, y: 30 });
  assert.ok(follow.scale > cam.scale);
  const corner = follow.toScreen(0, 0);
  assert.ok(Math.abs(corner.x) < 1e-9 && Math.abs(corner.y) < 1e-9, 'view stops at the corner');
});

/** The built-in games' names, spelled so that no test file matches itself. */
const BUILT_IN_GAMES = new RegExp(['death' + 'match', '\\bc' + 'tf\\b', 'capture ' + 'the flag'].join('|'), 'i');

test('the SDK names no game', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const dir = new URL('../sdk/', import.meta.url);
  // The modules and their declarations (the README and example/ show one game by name).
  for (const f of readdirSync(dir).filter((name) => /\.(js|d\.ts)$/.test(name))) {
    const text = readFileSync(new URL(f, dir), 'utf8');
    assert.doesNotMatch(text, BUILT_IN_GAMES, `sdk/${f}`);
  }
});
