// The deathmatch as a game module for the page: the default export the page imports from
// /games/deathmatch/index.js (its shape: `GameModule` in arena-sdk's index.d.ts;
// clients/web/README.md): its codec, and a client per connection that draws, predicts and sends
// inputs.

import { decodeFacts, decodeView, encodeInput } from './codec.js';
import { DeathmatchClient } from './client.js';

export default {
  name: 'deathmatch',
  title: 'Deathmatch',
  /** The final scoreboard's stats columns, if the lobby API cannot be asked. */
  scoreColumns: ['kills', 'deaths'],
  decodeFacts,
  decodeView,
  encodeInput,
  createClient: (ctx) => new DeathmatchClient(ctx),
};
