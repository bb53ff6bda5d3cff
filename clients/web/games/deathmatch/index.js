// The deathmatch as a game module for the page (see games/index.js for the shape every game
// module has): its codec, and a client per connection that draws, predicts and sends inputs.

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
