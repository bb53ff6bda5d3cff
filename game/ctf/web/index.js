// Capture the flag as a game module for the page: the default export the page imports from
// /games/ctf/index.js (its shape: `GameModule` in arena-sdk's index.d.ts; clients/web/README.md):
// its codec, and a client per connection that draws the field with its fog of war and turns the
// mouse and keys into inputs.

import { decodeFacts, decodeView, encodeInput } from './codec.js';
import { CtfClient } from './client.js';

export default {
  name: 'ctf',
  title: 'Capture the flag',
  /** The final scoreboard's stats columns, if the lobby API cannot be asked. */
  scoreColumns: ['captures', 'returns', 'tags', 'tagged'],
  /** Names of the teams, by team number (ScoreLine.team). */
  teams: ['Red', 'Blue'],
  decodeFacts,
  decodeView,
  encodeInput,
  createClient: (ctx) => new CtfClient(ctx),
};
