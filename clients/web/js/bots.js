// "Add bots" on the game page: the host of a waiting match seats bots in its free seats
// (POST /api/matches/{id}/bots with the host token), so a newcomer can play without a terminal.
// A count (the free seats, unless the host typed another) and a button; the server's message when
// it refuses. Hidden for everyone but the host, and once the match runs or ends. The bots then
// come in the roster (`bot: true`) and the server plays them with the game's own bot policy.

import { ApiError, friendlyError } from '../sdk/api.js';

/** Seats nobody holds: the match's size less its seated players (people and bots). */
export function freeSeats(maxPlayers, seated) {
  return Math.max(0, (maxPlayers ?? 0) - seated);
}

/**
 * What the control shows for `{host, phase, free, busy, typed}` (typed: the count the host typed,
 * or null to follow the free seats): `{hidden, disabled, count}`. Only the host of a waiting match
 * sees it; it is disabled while a request is out and when no seat is free.
 */
export function botControlView({ host, phase, free, busy = false, typed = null }) {
  const hidden = !host || phase !== 'Waiting';
  return { hidden, disabled: hidden || busy || free === 0, count: typed ?? String(Math.max(1, free)) };
}

/** The count field's text as a number of bots (a whole number from 1 to 255: the server's u8), or null. */
export function parseBotCount(text) {
  const s = String(text ?? '').trim();
  if (!/^\d+$/.test(s)) return null;
  const n = Number(s);
  return n >= 1 && n <= 255 ? n : null;
}

/** A refused request in words: the server's own message (it says how many seats are free, or that
 * the match is running), else what the lobby says about a request it could not make. */
export function botsErrorText(err) {
  const why = err instanceof ApiError && err.message ? err.message : friendlyError(err);
  return `Could not add bots: ${why}`;
}

/** The server's answer `{added: [{id, name}], phase}` in words. */
export function botsAddedText(res) {
  const names = (res?.added ?? []).map((b) => b.name);
  const who = names.length === 1 ? `Added ${names[0]}.` : `Added ${names.length} bots: ${names.join(', ')}.`;
  return res?.phase === 'running' ? `${who} Every seat is taken: the match starts.` : who;
}

export class BotControl {
  /**
   * @param els { form, count, button, message }
   * @param addBots (count) → Promise of the server's answer (the lobby API call with the host token)
   * @param on (target, type, fn): adds a listener the owner removes
   * @param state the object exposed as window.arena.bots
   */
  constructor(els, addBots, on, state) {
    this.els = els;
    this.addBots = addBots;
    this.state = state;
    this.host = false;
    this.phase = null;
    this.free = 0;
    this.maxPlayers = null;
    this.busy = false;
    this.typed = null;
    Object.assign(state, { shown: false, free: 0, busy: false, message: null, error: null, added: [] });
    on(els.form, 'submit', (ev) => {
      ev.preventDefault();
      this.submit();
    });
    // Typing keeps the host's count; emptying the field follows the free seats again.
    on(els.count, 'input', () => {
      this.typed = els.count.value.trim() === '' ? null : els.count.value;
    });
    this.say(null);
    this.render();
  }

  /** What the page knows now: whether it is the host, the match's phase, its seats and the free ones. */
  update({ host, phase, free, maxPlayers = null }) {
    this.host = Boolean(host);
    this.phase = phase;
    this.free = free;
    this.maxPlayers = maxPlayers;
    this.render();
  }

  render() {
    const v = botControlView({ host: this.host, phase: this.phase, free: this.free, busy: this.busy, typed: this.typed });
    const e = this.els;
    e.form.hidden = v.hidden;
    e.message.hidden = v.hidden || !this.state.message;
    e.button.disabled = v.disabled;
    e.count.disabled = v.hidden || this.busy;
    if (this.maxPlayers) e.count.max = String(this.maxPlayers);
    if (this.typed === null && e.count.value !== v.count) e.count.value = v.count;
    Object.assign(this.state, { shown: !v.hidden, free: this.free, busy: this.busy });
  }

  /** Shows a message under the control (an error, or `ok`: what was added); null clears it. */
  say(text, { error = null, ok = false } = {}) {
    const m = this.els.message;
    m.textContent = text ?? '';
    m.classList.toggle('info', ok);
    this.state.message = text ?? null;
    this.state.error = error;
    m.hidden = !text || this.els.form.hidden;
  }

  async submit() {
    if (this.busy || !this.host || this.phase !== 'Waiting') return;
    const count = parseBotCount(this.els.count.value);
    if (count === null) {
      this.say('Enter how many bots to add: a whole number, 1 or more.', { error: 'bad_count' });
      return;
    }
    this.busy = true;
    this.render();
    try {
      const res = await this.addBots(count);
      this.typed = null;
      this.state.added = [...this.state.added, ...(res?.added ?? [])];
      this.say(botsAddedText(res), { ok: true });
    } catch (err) {
      this.say(botsErrorText(err), { error: err instanceof ApiError ? err.code : 'network' });
    } finally {
      this.busy = false;
      this.render();
    }
  }
}
