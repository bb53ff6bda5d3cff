// The replay viewer on the game page, for a match whose summary has `replay_of` (a finished match
// played again from its recording, opened from the History view). The game view draws it like any
// match a spectator watches: the snapshots' ticks are the stream's own (one per 1/tick_hz s of real
// time, always rising; at 4× a frame simply shows the recording 4 ticks on), so interpolation
// needs nothing special. Where the replay is comes only from its ReplayState
// (GET /api/matches/{id}/replay), asked ~4 times a second, and from the answer to each control.
//
// The tab that opened the replay holds its host token and controls it (POST
// /api/matches/{id}/replay: play/pause, speed, seek); everyone else sees the position only.

import { ApiError, friendlyError } from '../sdk/api.js';
import { replayPosition } from './format.js';

/** The speeds offered (the server takes 0.5..=8). */
export const SPEEDS = [0.5, 1, 2, 4, 8];
/** How often the position is asked for, ms. */
export const POLL_MS = 250;

/** 0.5 → "0.5×", 4 → "4×". */
export function speedLabel(speed) {
  return `${Number(speed)}×`;
}

/** The offered speed closest to the server's (the select shows one of them). */
export function nearestSpeed(speed) {
  const s = Number(speed);
  if (!Number.isFinite(s)) return 1;
  return SPEEDS.reduce((best, x) => (Math.abs(x - s) < Math.abs(best - s) ? x : best), SPEEDS[0]);
}

/** Whether the replay stands at its end (where it pauses itself). */
export function atEnd(st) {
  return Boolean(st) && (st.phase === 'ended' || st.tick >= st.ticks) && st.paused;
}

/** What the play/pause button asks for: pause, play on, or (at the end) play again from the start. */
export function playAction(st) {
  if (atEnd(st)) return { seek: 0, paused: false };
  return { paused: !st.paused };
}

/** What letting go of the seek bar asks for: that tick; from the end (where the replay paused
 * itself) it plays on from there too, as a video player does. */
export function seekAction(st, tick) {
  return atEnd(st) ? { seek: tick, paused: false } : { seek: tick };
}

/**
 * What the viewer shows for a ReplayState `st` (or null before the first), `{host, busy, scrub}`
 * (scrub: the tick under the seek bar's thumb while it is being dragged, else null):
 * `{position, play, playTitle, disabled, max, value, speed}`.
 */
export function replayView(st, { host = false, busy = false, scrub = null } = {}) {
  if (!st) {
    return { position: '–:– / –:–', play: '▶ Play', playTitle: 'Play', disabled: true, max: 0, value: 0, speed: '1' };
  }
  const at = scrub ?? st.tick;
  const end = atEnd(st);
  return {
    position: replayPosition(at, st.ticks, st.tick_hz),
    play: end ? '↺ Again' : st.paused ? '▶ Play' : '❚❚ Pause',
    playTitle: end ? 'Play it again from the start' : st.paused ? 'Play' : 'Pause',
    disabled: !host || busy,
    max: st.ticks,
    value: at,
    speed: String(nearestSpeed(st.speed)),
  };
}

export class ReplayControl {
  /**
   * @param els { bar, play, speed, seek, position, note }
   * @param opts.api lobby API client; opts.matchId; opts.hostToken (null: watch only)
   * @param opts.on (target, type, fn): adds a listener the owner removes
   * @param opts.onState (ReplayState, source: 'poll'|'control'): after each state applied
   */
  constructor(els, { api, matchId, hostToken, on, onState = () => {} }) {
    this.els = els;
    this.api = api;
    this.matchId = matchId;
    this.hostToken = hostToken;
    this.onState = onState;
    this.st = null;
    this.state = null; // window.arena.replay once enabled
    this.seq = 0; // requests sent; an answer older than the newest applied is dropped
    this.applied = 0;
    this.busy = false;
    this.polling = false;
    this.scrub = null;
    this.timer = null;
    els.speed.replaceChildren(...SPEEDS.map((s) => new Option(speedLabel(s), String(s))));
    on(els.play, 'click', () => this.st && this.control(playAction(this.st), 'play or pause'));
    on(els.speed, 'change', () => this.control({ speed: Number(els.speed.value) }, 'change the speed'));
    // Dragging shows where the thumb is; the seek goes out when it is let go.
    on(els.seek, 'input', () => {
      this.scrub = Number(els.seek.value);
      this.render();
    });
    on(els.seek, 'change', () => {
      const tick = Number(els.seek.value);
      this.scrub = null;
      if (this.st) this.control(seekAction(this.st, tick), 'seek');
    });
  }

  /** Starts the viewer for the replay of history entry `of`: `state` becomes window.arena.replay. */
  enable(of, state, initial = null) {
    if (this.state) return;
    this.state = state;
    Object.assign(state, {
      of, tick: 0, ticks: 0, tick_hz: null, speed: 1, paused: false, phase: null,
      host: Boolean(this.hostToken), busy: false, message: null, updates: 0, lastControl: null, gone: false,
    });
    this.els.bar.hidden = false;
    this.els.play.title = this.hostToken ? '' : 'Only the tab that opened this replay controls it';
    if (initial) this.apply(initial, 0, 'control');
    this.render();
    this.poll();
    this.timer = setInterval(() => this.poll(), POLL_MS);
  }

  get enabled() {
    return this.state !== null;
  }

  destroy() {
    clearInterval(this.timer);
    this.timer = null;
    this.els.bar.hidden = true;
    this.state = null;
  }

  async poll() {
    if (this.polling || !this.state) return;
    this.polling = true;
    const seq = ++this.seq;
    try {
      const st = await this.api.replayState(this.matchId);
      this.apply(st, seq, 'poll');
    } catch (e) {
      if (e instanceof ApiError && e.status === 404 && this.state) {
        // The replay match is gone (removed by the server): nothing more to ask.
        clearInterval(this.timer);
        this.state.gone = true;
        this.say('This replay is no longer on the server.');
      }
      // Otherwise (a network hiccup) the next poll asks again.
    } finally {
      this.polling = false;
    }
  }

  /** Sends a change (`{speed?, paused?, seek?}`) with the host token; its answer is the new state. */
  async control(change, what) {
    if (!this.hostToken || this.busy || !this.state) return;
    const seq = ++this.seq;
    this.busy = true;
    this.render();
    try {
      const st = await this.api.controlReplay(this.matchId, this.hostToken, change);
      if (!this.state) return;
      this.state.lastControl = { change, answer: st };
      this.apply(st, seq, 'control');
      this.say(null);
    } catch (e) {
      this.say(`Could not ${what}: ${friendlyError(e)}`);
    } finally {
      this.busy = false;
      this.render();
    }
  }

  apply(st, seq, source) {
    if (!this.state || seq < this.applied) return;
    this.applied = seq;
    this.st = st;
    Object.assign(this.state, {
      of: st.of ?? this.state.of, tick: st.tick, ticks: st.ticks, tick_hz: st.tick_hz, speed: st.speed,
      paused: st.paused, phase: st.phase, updates: this.state.updates + 1,
    });
    this.render();
    this.onState(st, source);
  }

  say(text) {
    this.els.note.textContent = text ?? '';
    this.els.note.hidden = !text;
    if (this.state) this.state.message = text ?? null;
  }

  render() {
    if (!this.state) return;
    const v = replayView(this.st, { host: Boolean(this.hostToken), busy: this.busy, scrub: this.scrub });
    const e = this.els;
    e.position.textContent = v.position;
    e.play.textContent = v.play;
    if (this.hostToken) e.play.title = v.playTitle;
    for (const el of [e.play, e.speed, e.seek]) el.disabled = v.disabled || !this.st;
    e.seek.max = String(v.max);
    // The thumb stays where the person holds it; otherwise it follows the replay.
    if (this.scrub === null) e.seek.value = String(v.value);
    // While a change is out the select keeps the person's pick; the answer then confirms it.
    if (!this.busy) e.speed.value = v.speed;
    this.state.busy = this.busy;
  }
}
