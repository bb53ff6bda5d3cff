// The seated players of a match, from the envelope's Roster messages (sent after the welcome and
// whenever a player is seated, leaves, drops or comes back).

export class Roster {
  constructor() {
    this.entries = []; // [{ id, name, connected }] by seat
    this.byId = new Map();
    this.seen = false;
  }

  /** Forgets everything (a new connection: its roster follows the welcome). */
  reset() {
    this.entries = [];
    this.byId = new Map();
    this.seen = false;
  }

  /**
   * Takes a new roster; returns what changed since the previous one (none for the first after a
   * reset): `[{kind: 'joined'|'left'|'dropped'|'back', id, name}]`.
   */
  update(entries) {
    const before = this.byId;
    const first = !this.seen;
    this.entries = entries.map((e) => ({ id: e.id, name: e.name, connected: e.connected }));
    this.byId = new Map(this.entries.map((e) => [e.id, e]));
    this.seen = true;
    if (first) return [];
    const changes = [];
    for (const e of this.entries) {
      const old = before.get(e.id);
      if (!old || old.name !== e.name) changes.push({ kind: 'joined', id: e.id, name: e.name });
      else if (old.connected && !e.connected) changes.push({ kind: 'dropped', id: e.id, name: e.name });
      else if (!old.connected && e.connected) changes.push({ kind: 'back', id: e.id, name: e.name });
    }
    for (const old of before.values()) {
      const now = this.byId.get(old.id);
      if (!now || now.name !== old.name) changes.push({ kind: 'left', id: old.id, name: old.name });
    }
    return changes;
  }

  get size() {
    return this.entries.length;
  }

  has(id) {
    return this.byId.has(id);
  }

  /** A seat's name, or "Player N" for a seat the roster does not (yet) list. */
  name(id) {
    return this.byId.get(id)?.name ?? `Player ${id}`;
  }

  /** Whether a seat's session is connected (false while its seat is held, or unknown). */
  connected(id) {
    return this.byId.get(id)?.connected ?? false;
  }
}

/** A roster change in words, for the chat log. */
export function describeRosterChange(c) {
  switch (c.kind) {
    case 'joined':
      return `${c.name} joined.`;
    case 'left':
      return `${c.name} left.`;
    case 'dropped':
      return `${c.name} lost the connection; the seat is held for a while.`;
    case 'back':
      return `${c.name} is back.`;
    default:
      return '';
  }
}
