// The page's routes (the part of the URL after #), kept apart from main.js so they can be tested
// without a page: #/ the lobby, #/history[/<game>] finished matches, #/leaderboard[/<game>] the
// totals per name, #/match/<id>/play or /watch a match. Anything else is the lobby.

/** `location.hash` → `{view: 'lobby'|'history'|'leaderboard'|'game', game?, matchId?, role?}`. */
export function parseRoute(hash) {
  const h = String(hash ?? '');
  let m = /^#\/match\/([^/]+)\/(play|watch)$/.exec(h);
  if (m) return { view: 'game', matchId: safeDecode(m[1]), role: m[2] === 'play' ? 'player' : 'spectator' };
  m = /^#\/(history|leaderboard)(?:\/([^/]*))?\/?$/.exec(h);
  if (m) return { view: m[1], game: m[2] ? safeDecode(m[2]) : null };
  return { view: 'lobby' };
}

/** The hash of a route (the inverse of parseRoute). */
export function routeHash(route) {
  switch (route.view) {
    case 'game':
      return `#/match/${encodeURIComponent(route.matchId)}/${route.role === 'player' ? 'play' : 'watch'}`;
    case 'history':
    case 'leaderboard':
      return `#/${route.view}${route.game ? `/${encodeURIComponent(route.game)}` : ''}`;
    default:
      return '#/';
  }
}

function safeDecode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // a stray % in a hand-typed URL: keep it as typed
  }
}
