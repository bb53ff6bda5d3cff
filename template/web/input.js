// Keys → king of the hill's input, `{buttons}` (src/lib.rs `wire::buttons`): WASD or the arrows
// move, Space shoves. The client sends an input whenever the buttons change: the server keeps the
// last one until the next.

/** Bits of `Input.buttons`, as in src/lib.rs. */
export const Buttons = Object.freeze({ UP: 1, DOWN: 2, LEFT: 4, RIGHT: 8, SHOVE: 16 });

export const KEY_BUTTONS = Object.freeze({
  KeyW: Buttons.UP, ArrowUp: Buttons.UP,
  KeyS: Buttons.DOWN, ArrowDown: Buttons.DOWN,
  KeyA: Buttons.LEFT, ArrowLeft: Buttons.LEFT,
  KeyD: Buttons.RIGHT, ArrowRight: Buttons.RIGHT,
  Space: Buttons.SHOVE,
});

/** The buttons of a set of held key codes (`KeyboardEvent.code`). */
export function buttonsFor(codes) {
  let buttons = 0;
  for (const code of codes) buttons |= KEY_BUTTONS[code] ?? 0;
  return buttons;
}

function typingIn(target) {
  return typeof HTMLElement !== 'undefined' && target instanceof HTMLElement
    && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

/** The keys held on `win`; `onChange()` after every press and release that matters. */
export class Keys {
  constructor(win, onChange = () => {}) {
    this.held = new Set();
    this.enabled = true;
    this.onChange = onChange;
    const keydown = (e) => {
      if (!(e.code in KEY_BUTTONS) || !this.enabled || typingIn(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      e.preventDefault(); // no scrolling on Space and the arrows
      if (this.held.has(e.code)) return; // auto-repeat
      this.held.add(e.code);
      this.onChange();
    };
    const keyup = (e) => {
      if (this.held.delete(e.code)) this.onChange();
    };
    const blur = () => {
      if (this.held.size === 0) return;
      this.held.clear();
      this.onChange();
    };
    win.addEventListener('keydown', keydown);
    win.addEventListener('keyup', keyup);
    win.addEventListener('blur', blur);
    this.destroy = () => {
      win.removeEventListener('keydown', keydown);
      win.removeEventListener('keyup', keyup);
      win.removeEventListener('blur', blur);
    };
  }

  /** The buttons held now (none while disabled). */
  buttons() {
    return this.enabled ? buttonsFor(this.held) : 0;
  }
}
