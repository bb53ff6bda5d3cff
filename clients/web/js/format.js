// Small pure helpers for what the page shows, for any game: labels, timers, the final scoreboard
// table, settings in words.

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
  Abandoned: 'Everybody left',
};
export function endReasonLabel(reason) {
  return END_REASON_LABEL[reason] ?? String(reason);
}

/** A column name from the API (`kills`, `time_limit_s`) as a heading ("Kills", "Time limit s"). */
export function columnLabel(name) {
  const words = String(name).replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * The final scoreboard as a table, for any game: `scoreboard` is MatchEnded's lines (best first:
 * {id, name, team, score, stats}), `columns` the game's score_columns (names of `stats`), `teams`
 * the game's team names (or null). A Team column shows when any line has a team.
 * Returns `{columns: [heading], rows: [{id, cells: [text]}]}`.
 */
export function finalTable(scoreboard, columns, teams = null) {
  const withTeam = scoreboard.some((s) => s.team !== null && s.team !== undefined);
  const stats = Math.max(columns.length, ...scoreboard.map((s) => s.stats.length));
  const statNames = Array.from({ length: stats }, (_, i) => (i < columns.length ? columnLabel(columns[i]) : `Stat ${i + 1}`));
  const head = ['#', 'Player', ...(withTeam ? ['Team'] : []), 'Score', ...statNames];
  const rows = scoreboard.map((s, i) => ({
    id: s.id,
    cells: [
      String(i + 1),
      s.name,
      ...(withTeam ? [s.team === null ? '' : (teams?.[s.team] ?? `Team ${s.team}`)] : []),
      String(s.score),
      ...Array.from({ length: stats }, (_, k) => (k < s.stats.length ? String(s.stats[k]) : '')),
    ],
  }));
  return { columns: head, rows };
}

/** A match's game settings in a few words, with the game's spec from GET /api/games:
 * `{time_limit_s: 300, score_limit: 20}` → "time limit 5 min · score limit 20". */
export function settingsSummary(settings, specs = []) {
  const parts = [];
  for (const [name, value] of Object.entries(settings ?? {})) {
    const label = name.replace(/_s$/, '').replace(/_/g, ' ');
    const text = /_s$/.test(name) ? formatLimitS(value) : String(value);
    parts.push({ name, text: `${label} ${text}`, order: specs.findIndex((s) => s.name === name) });
  }
  parts.sort((a, b) => (a.order < 0 ? 99 : a.order) - (b.order < 0 ? 99 : b.order));
  return parts.map((p) => p.text).join(' · ');
}

/** Bytes per second in words. */
export function formatBytes(perS) {
  if (perS >= 1024 * 1024) return `${(perS / 1024 / 1024).toFixed(2)} MiB/s`;
  if (perS >= 1024) return `${(perS / 1024).toFixed(1)} KiB/s`;
  return `${Math.round(perS)} B/s`;
}

/**
 * A seat in the player list, from the roster: `{text, bot}`: the name with "(you)" or
 * "(offline)" (a seat held for a reconnect), and whether a "bot" badge goes beside it.
 */
export function playerLabel(roster, id, myId = null) {
  const bot = roster.bot(id);
  let text = roster.name(id);
  if (id === myId) text += ' (you)';
  if (!roster.connected(id)) text += ' (offline)';
  return { text, bot };
}

/** A seat in the follow picker: its name, marked when it is a bot. */
export function followLabel(entry) {
  return entry.bot ? `${entry.name} (bot)` : entry.name;
}

/** The waiting screen's line: who is in (how many of them bots), and what starts the match. */
export function waitingLine({ seated, bots, maxPlayers, host, player }) {
  const who = `${seated} of ${maxPlayers} players in${bots ? ` (${bots === 1 ? '1 bot' : `${bots} bots`})` : ''}.`;
  const start = host
    ? 'Add bots for the free seats, or start it when everyone is in'
    : 'The host starts it';
  return `${who} ${start}, or it starts by itself when every seat is taken.${player ? ' Move around to warm up.' : ''}`;
}

/** Whole seconds → "m:ss" ("h:mm:ss" from an hour on); negative or unknown reads "0:00". */
export function formatClock(seconds) {
  const total = Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** A replay's position from its ticks: "0:42 / 2:10" (tick / tick_hz seconds). */
export function replayPosition(tick, ticks, tickHz) {
  const hz = tickHz > 0 ? tickHz : 1;
  return `${formatClock(tick / hz)} / ${formatClock(ticks / hz)}`;
}

/** How long a finished match was played: from its start (or creation, when it never started) to its end, "m:ss". */
export function matchDuration(entry) {
  const from = entry.started_at_ms ?? entry.created_at_ms;
  return formatClock((entry.ended_at_ms - from) / 1000);
}

/** When something happened (Unix ms), seen from `now`: "just now", "5 min ago", "3 h ago", else the date. */
export function formatWhen(ms, now = Date.now()) {
  const ago = Math.max(0, now - ms) / 1000;
  if (ago < 60) return 'just now';
  if (ago < 3600) return `${Math.floor(ago / 60)} min ago`;
  if (ago < 24 * 3600) return `${Math.floor(ago / 3600)} h ago`;
  return new Date(ms).toISOString().slice(0, 10);
}

const HISTORY_END_LABEL = {
  time_limit: 'Time limit',
  score_limit: 'Score limit',
  host: 'Ended by the host',
  shutdown: 'Server shut down',
  abandoned: 'Everybody left',
};
/** A history entry's `end_reason` (snake case, docs/api.md) in words; an unknown one as it came. */
export function historyEndLabel(reason) {
  return HISTORY_END_LABEL[reason] ?? String(reason);
}
