// "Add bots" on the game page (js/bots.js): who sees it and when, the count it offers, what it
// asks the server, and what it shows for the server's answer or refusal. The control runs here on
// stand-ins for its four elements (no DOM in node), with the lobby API's real ApiError.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ApiError } from '../sdk/api.js';
import {
  BotControl, botControlView, botsAddedText, botsErrorText, freeSeats, parseBotCount,
} from '../js/bots.js';

/** A stand-in for an element: the properties the control sets, listeners, and its classes. */
function fakeElement() {
  const classes = new Set();
  const listeners = {};
  return {
    hidden: false,
    disabled: false,
    value: '',
    textContent: '',
    max: '',
    classList: { toggle: (c, on) => (on ? classes.add(c) : classes.delete(c)), contains: (c) => classes.has(c) },
    listeners,
    fire(type, ev = {}) {
      for (const fn of listeners[type] ?? []) fn({ preventDefault() {}, ...ev });
    },
  };
}

function setup(addBots) {
  const els = { form: fakeElement(), count: fakeElement(), button: fakeElement(), message: fakeElement() };
  const on = (target, type, fn) => {
    (target.listeners[type] ??= []).push(fn);
  };
  const state = {};
  const calls = [];
  const control = new BotControl(els, async (count) => {
    calls.push(count);
    return addBots(count);
  }, on, state);
  return { els, state, calls, control };
}

/** Submits the form and waits for the request to settle. */
async function submit(els) {
  els.form.fire('submit');
  await new Promise((r) => setTimeout(r, 0));
}

test('free seats, the count field and the view of the control', () => {
  assert.equal(freeSeats(8, 3), 5);
  assert.equal(freeSeats(2, 2), 0);
  assert.equal(freeSeats(2, 3), 0, 'never negative');
  assert.equal(freeSeats(undefined, 0), 0, 'before the welcome');
  assert.deepEqual(botControlView({ host: true, phase: 'Waiting', free: 3 }), { hidden: false, disabled: false, count: '3' });
  assert.deepEqual(botControlView({ host: true, phase: 'Waiting', free: 3, typed: '7' }), { hidden: false, disabled: false, count: '7' });
  assert.equal(botControlView({ host: true, phase: 'Waiting', free: 0 }).disabled, true, 'no seat to fill');
  assert.equal(botControlView({ host: true, phase: 'Waiting', free: 2, busy: true }).disabled, true, 'one request at a time');
  for (const [host, phase] of [[false, 'Waiting'], [true, 'Running'], [true, 'Ended'], [true, null]]) {
    assert.deepEqual(botControlView({ host, phase, free: 3 }).hidden, true, `host ${host}, phase ${phase}`);
  }
  assert.equal(parseBotCount(' 3 '), 3);
  for (const bad of ['0', '-1', '1.5', '', 'two', '256', null]) assert.equal(parseBotCount(bad), null, String(bad));
  assert.equal(parseBotCount('255'), 255);
});

test('what the control says: the bots added, or the server\'s own message', () => {
  assert.equal(botsAddedText({ added: [{ id: 1, name: 'Bot 2' }], phase: 'waiting' }), 'Added Bot 2.');
  assert.equal(botsAddedText({ added: [{ id: 1, name: 'Bot 2' }, { id: 2, name: 'Bot 3' }], phase: 'running' }),
    'Added 2 bots: Bot 2, Bot 3. Every seat is taken: the match starts.');
  assert.equal(botsErrorText(new ApiError(409, 'match_full', '4 bots asked for, 3 free seats')), 'Could not add bots: 4 bots asked for, 3 free seats');
  assert.equal(botsErrorText(new ApiError(409, 'wrong_phase', 'bots join a waiting match only; this one is running')),
    'Could not add bots: bots join a waiting match only; this one is running');
  assert.match(botsErrorText(new ApiError(403, 'forbidden', '')), /only the host/i, 'no message from the server: the lobby\'s words');
  assert.match(botsErrorText(new TypeError('network error: refused')), /reach the server/);
});

test('the host of a waiting match sees it with the free seats; nobody else, and not once the match runs', () => {
  const { els, state, control } = setup(async () => ({ added: [], phase: 'waiting' }));
  assert.equal(els.form.hidden, true, 'hidden until the page knows the match');
  control.update({ host: false, phase: 'Waiting', free: 3, maxPlayers: 4 });
  assert.equal(els.form.hidden, true, 'not the host');
  control.update({ host: true, phase: 'Waiting', free: 3, maxPlayers: 4 });
  assert.equal(els.form.hidden, false);
  assert.equal(els.count.value, '3', 'the free seats');
  assert.equal(els.count.max, '4');
  assert.equal(els.button.disabled, false);
  assert.deepEqual({ shown: state.shown, free: state.free }, { shown: true, free: 3 });
  control.update({ host: true, phase: 'Waiting', free: 2, maxPlayers: 4 });
  assert.equal(els.count.value, '2', 'follows the free seats');
  els.count.value = '1';
  els.count.fire('input');
  control.update({ host: true, phase: 'Waiting', free: 1, maxPlayers: 4 });
  control.update({ host: true, phase: 'Waiting', free: 2, maxPlayers: 4 });
  assert.equal(els.count.value, '1', 'keeps what the host typed');
  control.update({ host: true, phase: 'Running', free: 2, maxPlayers: 4 });
  assert.equal(els.form.hidden, true, 'the match runs');
  assert.equal(els.button.disabled, true);
  assert.equal(state.shown, false);
});

test('adding bots: the count goes to the server; its answer shows, and a refusal shows its message', async () => {
  let answer = async (count) => ({ added: Array.from({ length: count }, (_, i) => ({ id: i + 1, name: `Bot ${i + 2}` })), phase: 'waiting' });
  const { els, state, calls, control } = setup((count) => answer(count));
  control.update({ host: true, phase: 'Waiting', free: 3, maxPlayers: 4 });
  els.count.value = '2';
  els.count.fire('input');
  els.form.fire('submit');
  assert.equal(els.button.disabled, true, 'busy while the request is out');
  assert.equal(state.busy, true);
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(calls, [2]);
  assert.equal(state.busy, false);
  assert.equal(els.message.textContent, 'Added 2 bots: Bot 2, Bot 3.');
  assert.equal(els.message.hidden, false);
  assert.ok(els.message.classList.contains('info'));
  assert.deepEqual(state.added.map((b) => b.name), ['Bot 2', 'Bot 3']);
  assert.equal(state.error, null);
  control.update({ host: true, phase: 'Waiting', free: 1, maxPlayers: 4 });
  assert.equal(els.count.value, '1', 'after adding, the count follows the free seats again');

  answer = async () => { throw new ApiError(409, 'match_full', '4 bots asked for, 1 free seats'); };
  els.count.value = '4';
  els.count.fire('input');
  await submit(els);
  assert.deepEqual(calls, [2, 4]);
  assert.equal(els.message.textContent, 'Could not add bots: 4 bots asked for, 1 free seats');
  assert.ok(!els.message.classList.contains('info'));
  assert.equal(state.error, 'match_full');
  assert.equal(state.message, els.message.textContent);
  assert.equal(els.count.value, '4', 'the count stays to correct it');

  // A count that is not a whole number ≥ 1 is not sent.
  els.count.value = '0';
  els.count.fire('input');
  await submit(els);
  assert.deepEqual(calls, [2, 4]);
  assert.equal(state.error, 'bad_count');

  // Once the match runs, the control and its message are gone and a submit does nothing.
  control.update({ host: true, phase: 'Running', free: 0, maxPlayers: 4 });
  assert.equal(els.message.hidden, true);
  els.count.value = '1';
  await submit(els);
  assert.deepEqual(calls, [2, 4]);
});
