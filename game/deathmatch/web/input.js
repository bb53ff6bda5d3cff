// Keyboard and mouse → the deathmatch's input buttons and aim. WASD or arrows move, the mouse
// aims, a click or Space attacks. A press shorter than a tick still counts: attack is latched
// until the next input is taken.

import { Buttons } from './codec.js';

const KEY_BUTTONS = {
  KeyW: Buttons.UP, ArrowUp: Buttons.UP,
  KeyS: Buttons.DOWN, ArrowDown: Buttons.DOWN,
  KeyA: Buttons.LEFT, ArrowLeft: Buttons.LEFT,
  KeyD: Buttons.RIGHT, ArrowRight: Buttons.RIGHT,
  Space: Buttons.ATTACK,
};

function typingIn(target) {
  return typeof HTMLElement !== 'undefined' && target instanceof HTMLElement
    && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

export class InputState {
  /** @param canvas the game canvas; @param win the window (keys and releases are heard there) */
  constructor(canvas, win = window) {
    this.canvas = canvas;
    this.keys = new Map(); // code → button bit
    this.mouseDown = false;
    this.attackLatched = false;
    this.mouse = null; // { x, y } in canvas CSS pixels
    this.enabled = true;
    const on = (target, type, fn, opts) => {
      target.addEventListener(type, fn, opts);
      this.unbinders.push(() => target.removeEventListener(type, fn, opts));
    };
    this.unbinders = [];
    on(win, 'keydown', (e) => {
      const bit = KEY_BUTTONS[e.code];
      if (!bit || !this.enabled || typingIn(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      e.preventDefault();
      this.keys.set(e.code, bit);
      if (bit === Buttons.ATTACK) this.attackLatched = true;
    });
    on(win, 'keyup', (e) => {
      this.keys.delete(e.code);
    });
    on(win, 'blur', () => this.releaseAll());
    on(canvas, 'mousemove', (e) => {
      const r = canvas.getBoundingClientRect();
      this.mouse = { x: e.clientX - r.left, y: e.clientY - r.top };
    });
    on(canvas, 'mousedown', (e) => {
      if (e.button !== 0 || !this.enabled) return;
      e.preventDefault();
      const r = canvas.getBoundingClientRect();
      this.mouse = { x: e.clientX - r.left, y: e.clientY - r.top };
      this.mouseDown = true;
      this.attackLatched = true;
      canvas.focus?.();
    });
    on(win, 'mouseup', (e) => {
      if (e.button === 0) this.mouseDown = false;
    });
    on(canvas, 'contextmenu', (e) => e.preventDefault());
  }

  releaseAll() {
    this.keys.clear();
    this.mouseDown = false;
  }

  /** Buttons held now (without consuming the attack latch). */
  held() {
    if (!this.enabled) return 0;
    let b = 0;
    for (const bit of this.keys.values()) b |= bit;
    if (this.mouseDown) b |= Buttons.ATTACK;
    return b;
  }

  /** Buttons for the next input; consumes a latched attack. */
  take() {
    let b = this.held();
    if (this.attackLatched && this.enabled) b |= Buttons.ATTACK;
    this.attackLatched = false;
    return b;
  }

  destroy() {
    for (const u of this.unbinders) u();
    this.unbinders = [];
  }
}
