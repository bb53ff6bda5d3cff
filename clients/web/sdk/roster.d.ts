// Declarations of roster.js: the seated players of a match, from Roster messages.

import type { RosterEntry } from './protocol.js';

/** What changed between two rosters. */
export interface RosterChange {
  kind: 'joined' | 'left' | 'dropped' | 'back';
  id: number;
  name: string;
  bot: boolean;
}

export declare class Roster {
  constructor();
  /** By seat. */
  entries: RosterEntry[];
  byId: Map<number, RosterEntry>;
  /** A roster arrived since the last reset. */
  seen: boolean;
  /** Forgets everything (a new connection). */
  reset(): void;
  /** Takes a Roster message's entries; returns what changed (nothing for the first after a reset). */
  update(entries: readonly { id: number; name: string; connected: boolean; bot?: boolean }[]): RosterChange[];
  readonly size: number;
  has(id: number): boolean;
  /** A seat's name, or "Player N" for one the roster does not list. */
  name(id: number): string;
  /** Whether a seat's session is connected. */
  connected(id: number): boolean;
  /** Whether a seat is a bot the server plays. */
  bot(id: number): boolean;
  /** How many seated players are bots. */
  readonly bots: number;
}

/** A roster change in words, for a chat log. */
export declare function describeRosterChange(c: RosterChange): string;
