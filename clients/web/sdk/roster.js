// The seated players of a match, from the envelope's Roster messages (sent after the welcome and
// whenever a player is seated, leaves, drops or comes back). A seat is a person's or a bot's (one
// the server plays: the host added it).

export class Roster {
  constructor() {
    this.entries = []; // [{ id, name, connected, bot }] by seat
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
   * reset): `[{kind: 'joined'|'left'|'dropped'|'back', id, name, bot}]`.
   */
  update(entries) {
    const before = this.byId;
    const first = !this.seen;
    this.entries = entries.map((e) => ({ id: e.id, name: e.name, connected: e.connected, bot: Boolean(e.bot) }));
    this.byId = new Map(this.entries.map((e) => [e.id, e]));
    this.seen = true;
    if (first) return [];
    const changes = [];
    for (const e of this.entries) {
      const old = before.get(e.id);
      const change = (kind) => changes.push({ kind, id: e.id, name: e.name, bot: e.bot });
      if (!old || old.name !== e.name || old.bot !== e.bot) change('joined');
      else if (old.connected && !e.connected) change('dropped');
      else if (!old.connected && e.connected) change('back');
    }
    for (const old of before.values()) {
      const now = this.byId.get(old.id);
      if (!now || now.name !== old.name || now.bot !== old.bot) changes.push({ kind: 'left', id: old.id, name: old.name, bot: old.bot });
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

  /** Whether a seat is a bot the server plays (false for a person, or unknown). */
  bot(id) {
    return this.byId.get(id)?.bot ?? false;
  }

  /** How many seated players are bots. */
  get bots() {
    return this.entries.filter((e) => e.bot).length;
  }
}

/** A roster change in words, for the chat log. */
export function describeRosterChange(c) {
  switch (c.kind) {
    case 'joined':
      return c.bot ? `${c.name} (a bot) joined.` : `${c.name} joined.`;
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
