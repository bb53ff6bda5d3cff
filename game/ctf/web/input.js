// Keyboard and mouse → capture the flag's input (a move target and actions).
//
// - Mouse: a click sets the move target (target + MOVE); holding the button keeps moving the
//   target to the pointer.
// - WASD / arrows: run in that direction (the target is kept a little ahead of the player);
//   releasing them stops.
// - Space: tag (held: whenever the cooldown allows; a short press counts once).
// - Shift: sprint while stamina lasts.
//
// The game client asks `compute()` for the input to send; `held()` says whether something is
// held (then an input goes out with every snapshot) and `onChange` fires on every press and
// release (then one goes out at once).

import { Actions, quantizePos } from './codec.js';

const DIR_KEYS = {
  KeyW: [0, -1], ArrowUp: [0, -1],
  KeyS: [0, 1], ArrowDown: [0, 1],
  KeyA: [-1, 0], ArrowLeft: [-1, 0],
  KeyD: [1, 0], ArrowRight: [1, 0],
};
const TAG_KEYS = ['Space'];
const SPRINT_KEYS = ['ShiftLeft', 'ShiftRight'];
/** How far ahead of the player the keyboard puts the target, world units. */
const KEY_LEAD = 150;

function typingIn(target) {
  return typeof HTMLElement !== 'undefined' && target instanceof HTMLElement
    && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

/** The input for a state of the controls: pure, so tests can check the mapping. */
export function mapControls({ dir, mouseTarget, keptTarget, here, tag, sprint, field }) {
  let target = keptTarget;
  let moving = keptTarget !== null;
  if (dir && (dir[0] || dir[1])) {
    const n = Math.hypot(dir[0], dir[1]);
    target = { x: here.x + (dir[0] / n) * KEY_LEAD, y: here.y + (dir[1] / n) * KEY_LEAD };
    moving = true;
  }
  if (mouseTarget) {
    target = mouseTarget;
    moving = true;
  }
  const at = target ?? here;
  const clampX = Math.min(field.width, Math.max(0, at.x));
  const clampY = Math.min(field.height, Math.max(0, at.y));
  let actions = 0;
  if (moving) actions |= Actions.MOVE;
  if (tag) actions |= Actions.TAG;
  if (sprint) actions |= Actions.SPRINT;
  return { target_x: quantizePos(clampX), target_y: quantizePos(clampY), actions };
}

export class CtfInput {
  /** @param canvas the game canvas; @param win the window; @param onChange () => void */
  constructor(canvas, win = window, onChange = () => {}) {
    this.canvas = canvas;
    this.onChange = onChange;
    this.keys = new Set();
    this.mouse = null; // { x, y } in canvas CSS pixels
    this.mouseDown = false;
    this.clickAt = null; // a click not yet turned into a target, canvas px
    this.target = null; // the kept move target, world units, or null (stand)
    this.tagLatched = false;
    this.enabled = true;
    this.unbinders = [];
    const on = (target, type, fn, opts) => {
      target.addEventListener(type, fn, opts);
      this.unbinders.push(() => target.removeEventListener(type, fn, opts));
    };
    const relevant = (code) => code in DIR_KEYS || TAG_KEYS.includes(code) || SPRINT_KEYS.includes(code);
    on(win, 'keydown', (e) => {
      if (!relevant(e.code) || !this.enabled || typingIn(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      e.preventDefault();
      if (e.repeat && this.keys.has(e.code)) return;
      this.keys.add(e.code);
      if (TAG_KEYS.includes(e.code)) this.tagLatched = true;
      this.onChange();
    });
    on(win, 'keyup', (e) => {
      if (!this.keys.delete(e.code)) return;
      if (e.code in DIR_KEYS && !this.dir()) this.target = null; // let go of the keys: stop
      this.onChange();
    });
    on(win, 'blur', () => this.releaseAll());
    const pos = (e) => {
      const r = canvas.getBoundingClientRect();
      return { x: e.clientX - r.left, y: e.clientY - r.top };
    };
    on(canvas, 'mousemove', (e) => {
      this.mouse = pos(e);
    });
    on(canvas, 'mousedown', (e) => {
      if (e.button !== 0 || !this.enabled) return;
      e.preventDefault();
      this.mouse = pos(e);
      this.clickAt = this.mouse;
      this.mouseDown = true;
      canvas.focus?.();
      this.onChange();
    });
    on(win, 'mouseup', (e) => {
      if (e.button !== 0 || !this.mouseDown) return;
      this.mouseDown = false;
      this.onChange();
    });
    on(canvas, 'contextmenu', (e) => e.preventDefault());
  }

  releaseAll() {
    const had = this.keys.size > 0 || this.mouseDown;
    if (this.dir()) this.target = null;
    this.keys.clear();
    this.mouseDown = false;
    if (had) this.onChange();
  }

  /** Forgets the move target (after being tagged out: the server forgot it too). */
  stop() {
    this.target = null;
    this.clickAt = null;
  }

  dir() {
    let dx = 0;
    let dy = 0;
    for (const code of this.keys) {
      const d = DIR_KEYS[code];
      if (d) {
        dx += d[0];
        dy += d[1];
      }
    }
    return dx || dy ? [Math.sign(dx), Math.sign(dy)] : null;
  }

  /** Whether anything is held (then an input goes out with every snapshot). */
  held() {
    if (!this.enabled) return false;
    return this.mouseDown || this.keys.size > 0;
  }

  /**
   * The input to send now. `here`: the player's position, world units; `toWorld(px, py)`: the
   * camera's canvas → world mapping (null before the first frame); `field`: {width, height}.
   * Consumes a latched tag.
   */
  compute(here, toWorld, field) {
    if (!this.enabled) return mapControls({ dir: null, mouseTarget: null, keptTarget: null, here, tag: false, sprint: false, field });
    let mouseTarget = null;
    const px = this.mouseDown ? this.mouse : this.clickAt;
    if (px && toWorld) {
      mouseTarget = toWorld(px.x, px.y);
      this.target = mouseTarget;
    }
    this.clickAt = null;
    const dir = this.dir();
    const input = mapControls({
      dir,
      mouseTarget,
      keptTarget: this.target,
      here,
      tag: this.tagLatched || TAG_KEYS.some((k) => this.keys.has(k)),
      sprint: SPRINT_KEYS.some((k) => this.keys.has(k)),
      field,
    });
    if (dir) this.target = null;
    this.tagLatched = false;
    return input;
  }

  destroy() {
    for (const u of this.unbinders) u();
    this.unbinders = [];
  }
}
