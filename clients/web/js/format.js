// Small pure helpers for what the page shows: labels, timers, colours, scoreboards.

/** Tenths of a second left → "m:ss" (or "m:ss.d" under ten seconds). */
export function formatTimeLeft(ds) {
  const totalS = Math.ceil(ds / 10);
  if (ds < 100) return `0:0${Math.floor(ds / 10)}.${ds % 10}`;
  const m = Math.floor(totalS / 60);
  const s = totalS % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

/** Seconds → "5 min", "90 s", "no limit". */
export function formatLimitS(s) {
  if (!s) return 'no limit';
  if (s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}

const PHASE_LABEL = { Waiting: 'Waiting', Running: 'Running', Ended: 'Ended', waiting: 'Waiting', running: 'Running', ended: 'Ended' };
export function phaseLabel(phase) {
  return PHASE_LABEL[phase] ?? String(phase);
}

const END_REASON_LABEL = {
  TimeLimit: 'Time is up',
  ScoreLimit: 'Score limit reached',
  Host: 'Ended by the host',
  Shutdown: 'The server is shutting down',
};
export function endReasonLabel(reason) {
  return END_REASON_LABEL[reason] ?? String(reason);
}

/** A distinct, stable colour per seat. */
export function colorFor(id) {
  const hue = (id * 137.508) % 360;
  return `hsl(${hue.toFixed(1)} 70% 58%)`;
}

/**
 * Scoreboard rows from snapshot players and roster names, best first, ordered as the server
 * orders its final scoreboard: kills down, deaths up, seat up.
 */
export function scoreboardRows(players, names) {
  return players
    .map((p) => ({ id: p.id, name: names.get(p.id) ?? `Player ${p.id}`, kills: p.kills, deaths: p.deaths, flags: p.flags, health: p.health }))
    .sort((a, b) => b.kills - a.kills || a.deaths - b.deaths || a.id - b.id);
}
