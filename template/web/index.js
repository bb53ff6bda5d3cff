// King of the hill in the browser: the game module the page imports from /games/koth/index.js
// (its shape: `GameModule` in arena-sdk's index.d.ts). No codec here: the page decodes the
// facts and views and encodes the inputs with the game's schema, which the server derives from
// the Rust types in src/lib.rs (`wire`). Values come in serde's shape, field names as in Rust.

import { KothClient } from './client.js';

export default {
  name: 'koth',
  title: 'King of the hill',
  /** The final scoreboard's stats columns (ScoreLine.stats), if the lobby API cannot be asked. */
  scoreColumns: ['held_ds', 'shoves'],
  createClient: (ctx) => new KothClient(ctx),
};
