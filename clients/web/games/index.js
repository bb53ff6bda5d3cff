// The games this page can show, by their registry name (Welcome.game, GET /api/games). Adding a
// game to the browser is one folder, games/<name>/, and one line here.
//
// A game module (games/<name>/index.js, default export) has:
//   name, title               the registry name and a display title
//   scoreColumns              the names of ScoreLine.stats (used if the lobby API cannot be asked)
//   teams?                    team names by ScoreLine.team, for games with teams
//   decodeFacts(bytes)        Welcome.facts → the game's facts (throws WireError on bad bytes)
//   decodeView(bytes)         Snapshot.view → the game's view (throws WireError on bad bytes)
//   encodeInput(input)        the game's input → the bytes of ClientMsg::Input.input
//   createClient(ctx)         a client for one connection (after each welcome), where ctx is
//     { facts, welcome, role: 'player'|'spectator', myId, tickHz, canvas, window,
//       roster (sdk/roster.js), sequencer (sdk/inputs.js; acknowledged by the page per snapshot),
//       sendInput({seq, input}), submit(input, sentTick) (numbers and sends), log(text),
//       state (window.arena) }
//     and the client has:
//       onSnapshot(snap, at)  snap: the envelope Snapshot (always whole: the SDK rebuilds
//                             deltas) with `view` decoded, `ack` (this player's acknowledged
//                             seq or null) and `landed` (the input that ack confirmed, or
//                             null); at: performance.now() of its arrival
//       onPhase(phase)
//       draw(ctx2d, viewW, viewH, now, {follow, dpr}) → camera {toScreen, toWorld} or null
//       hud() → {timeLeftDs, headline, columns, rows: [{id, color, cells, dim}], seated} or null
//       viewState(), meState(now)    JSON-friendly state for window.arena (tests)
//       rendered                     what the last frame drew, [{id, x, y, ...}]
//       help, netLine(), delayMs, destroy()

import ctf from './ctf/index.js';
import deathmatch from './deathmatch/index.js';

export const GAMES = Object.freeze({
  [deathmatch.name]: deathmatch,
  [ctf.name]: ctf,
});

/** The module of the game named `name`, or null when this page does not know it. */
export function gameModule(name) {
  return Object.hasOwn(GAMES, name) ? GAMES[name] : null;
}
