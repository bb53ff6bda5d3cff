// A typed "own page" on the SDK, imported by its package name: join a match through the lobby
// API, connect, decode the game's facts and views with its schema, send numbered inputs and draw
// the players interpolated. Checked by `npm run types` (tsc, sdk/tsconfig.json), never run: it
// is here so the declarations are held to a real program (example/page.js is the page that runs).

import {
  ApiError,
  InputSequencer,
  Roster,
  Schema,
  Session,
  SnapshotBuffer,
  friendlyError,
  lobbyApi,
  type GameModule,
  type IncomingMsg,
  type JoinResponse,
  type MatchSummary,
  type SessionStatus,
  type SnapshotMsg,
  type WelcomeMsg,
} from 'arena-sdk';
import { makeCamera, type Camera } from 'arena-sdk/camera.js';
import { CloseCode, SUBPROTOCOL } from 'arena-sdk/protocol.js';
import { WireError } from 'arena-sdk/wire.js';

// The game's wire types as its schema describes them (the deathmatch's, here).
interface Facts {
  width: number;
  height: number;
  max_speed: number;
}
interface PlayerView {
  id: number;
  x: number;
  y: number;
  health: number;
}
interface View {
  time_left_ds: number;
  players: PlayerView[];
}
interface Input {
  buttons: number;
  aim: number;
}

/** Where the players are drawn, between two snapshots. */
type Drawn = { id: number; x: number; y: number }[];

export async function play(server: string, game: string, canvas: HTMLCanvasElement): Promise<Session> {
  const api = lobbyApi(new URL('/api', server).href);
  const matches: MatchSummary[] = await api.listMatches();
  const open = matches.find((m) => m.game === game && m.phase !== 'ended');
  if (!open) throw new Error(`no ${game} match to join`);

  const schema = new Schema<Facts, View, Input>(await api.gameSchema(game));
  let join: JoinResponse;
  try {
    join = await api.join(open.id, 'typed', 'player');
  } catch (e) {
    if (e instanceof ApiError && e.code === 'match_full') return spectate(server, open.id);
    throw new Error(friendlyError(e));
  }

  const sequencer = new InputSequencer<Input>();
  const roster = new Roster();
  let buffer: SnapshotBuffer<View> | null = null;
  let facts: Facts | null = null;
  let welcome: WelcomeMsg | null = null;
  let buttons = 0;
  addEventListener('keydown', (e: KeyboardEvent) => {
    if (e.code === 'ArrowRight') buttons |= 8;
  });
  addEventListener('keyup', () => {
    buttons = 0;
  });

  const onSnapshot = (snap: SnapshotMsg, at: number): void => {
    const view: View = schema.decodeView(snap.view);
    buffer?.push({ tick: snap.tick, phase: snap.phase, view }, at);
    const landed = sequencer.acknowledge(snap.ack, snap.tick);
    if (landed) console.log(`input ${landed.seq} landed after ${snap.tick - landed.sentTick} ticks`);
    if (welcome?.player_id != null && snap.phase !== 'Ended') {
      const input: Input = { buttons, aim: 0 };
      const { seq } = sequencer.push(input, snap.tick);
      session.send({ type: 'Input', seq, input: schema.encodeInput(input) });
    }
    const timeUs: bigint = snap.server_time_us;
    console.debug(timeUs);
  };

  const session: Session = new Session({
    api,
    matchId: open.id,
    role: 'player',
    name: 'typed',
    join,
    pageUrl: server,
    onStatus: (status: SessionStatus | null) => console.log(status?.text ?? ''),
    onMessage: (msg: IncomingMsg, at: number) => {
      switch (msg.type) {
        case 'Welcome':
          welcome = msg;
          facts = schema.decodeFacts(msg.facts);
          buffer = new SnapshotBuffer<View>(msg.tick_hz);
          break;
        case 'Roster':
          for (const change of roster.update(msg.entries)) console.log(change.kind, change.name);
          break;
        case 'Snapshot':
          try {
            onSnapshot(msg, at);
          } catch (e) {
            if (e instanceof WireError) session.fail(e);
            else throw e;
          }
          break;
        case 'MatchEnded':
          console.log(msg.reason, msg.scoreboard.map((line) => `${line.name} ${line.score}`));
          break;
        case 'Chat':
        case 'Error':
        case 'Pong':
          break;
        default: {
          // Every message a session hands on is handled above (a Delta never comes: it is rebuilt).
          const never: never = msg;
          throw new Error(`unexpected ${JSON.stringify(never)}`);
        }
      }
    },
  });
  await session.start();

  const ctx = canvas.getContext('2d');
  const blend = (a: View, b: View | null, alpha: number): Drawn =>
    a.players.map((p) => {
      const q = b?.players.find((o) => o.id === p.id);
      return q ? { id: p.id, x: p.x + (q.x - p.x) * alpha, y: p.y + (q.y - p.y) * alpha } : p;
    });
  const frame = (now: number): void => {
    requestAnimationFrame(frame);
    const sample = buffer?.sample(now, blend);
    if (!sample || !facts || !ctx) return;
    const camera: Camera = makeCamera(canvas.width, canvas.height, { width: facts.width * 16, height: facts.height * 16 });
    for (const p of sample.view) {
      const at = camera.toScreen(p.x, p.y);
      ctx.fillText(roster.name(p.id), at.x, at.y);
    }
  };
  requestAnimationFrame(frame);
  return session;
}

/** Watches a match: no inputs, every view. */
export async function spectate(server: string, matchId: string): Promise<Session> {
  const session = new Session({
    api: lobbyApi(new URL('/api', server).href),
    matchId,
    role: 'spectator',
    name: 'watcher',
    pageUrl: server,
    onMessage: (msg) => {
      if (msg.type === 'Snapshot' && msg.ack !== null) throw new Error('a spectator has no inputs to acknowledge');
    },
    onConnected: (up: boolean) => console.log(up ? `connected (${SUBPROTOCOL})` : 'disconnected'),
  });
  await session.start();
  if (session.status?.lobby) session.stop(`closing with ${CloseCode.Normal}`);
  return session;
}

/**
 * The same game as a browser module for Arena's own page (the default export of `index.js` in the
 * game's browser folder, which the server serves at /games/<name>/): no codec of its own (the
 * page decodes and encodes with the game's schema), the players drawn as dots, ArrowRight sent
 * as an input.
 */
export const dots: GameModule<Facts, View, Input> = {
  name: 'dots',
  title: 'Dots',
  createClient(ctx) {
    const buffer = new SnapshotBuffer<View>(ctx.tickHz);
    let buttons = 0;
    const onKey = (e: KeyboardEvent): void => {
      buttons = e.type === 'keydown' && e.code === 'ArrowRight' ? 8 : 0;
    };
    ctx.window.addEventListener('keydown', onKey);
    ctx.window.addEventListener('keyup', onKey);
    let rendered: Drawn = [];
    return {
      onSnapshot(snap, at) {
        const view: View = snap.view;
        buffer.push({ tick: snap.tick, phase: snap.phase, view }, at);
        if (snap.landed) ctx.log(`input ${snap.landed.seq} landed`);
        if (ctx.myId !== null && snap.phase === 'Running') ctx.submit({ buttons, aim: 0 }, snap.tick);
      },
      onPhase: (phase) => ctx.log(`now ${phase}`),
      draw(ctx2d, viewW, viewH, now, { follow }) {
        const sample = buffer.sample(now, (a): Drawn => a.players);
        if (!sample) return null;
        const target = sample.view.find((p) => p.id === follow) ?? null;
        const camera = makeCamera(viewW, viewH, { width: ctx.facts.width * 16, height: ctx.facts.height * 16 }, target);
        rendered = sample.view;
        for (const p of sample.view) {
          const at = camera.toScreen(p.x, p.y);
          ctx2d.fillRect(at.x - 2, at.y - 2, 4, 4);
        }
        return camera;
      },
      hud: () => ({
        timeLeftDs: buffer.newest?.view.time_left_ds ?? 0,
        headline: '',
        columns: ['health'],
        rows: (buffer.newest?.view.players ?? []).map((p) => ({ id: p.id, color: '#36c', cells: [p.health] })),
      }),
      viewState: () => buffer.newest?.view ?? null,
      meState: () => buffer.newest?.view.players.find((p) => p.id === ctx.myId) ?? null,
      get rendered() {
        return rendered;
      },
      help: 'ArrowRight: move right',
      netLine: () => `${ctx.sequencer.pending.length} inputs in flight (schema of ${ctx.schema.game})`,
      delayMs: buffer.delayMs,
      destroy() {
        ctx.window.removeEventListener('keydown', onKey);
        ctx.window.removeEventListener('keyup', onKey);
      },
    };
  },
};
