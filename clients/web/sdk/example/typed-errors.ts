// Wrong uses of the SDK that its declarations must refuse. Each line after `@ts-expect-error` is
// an error; if a declaration gets too loose to see it (an `any`, a missing field, a wider union),
// tsc fails on that line with "Unused '@ts-expect-error' directive". Checked by `npm run types`,
// never run.

import {
  InputSequencer,
  Schema,
  Session,
  SnapshotBuffer,
  decodeServerMsg,
  encodeClientMsg,
  lobbyApi,
  makeCamera,
  schemaCodec,
  type GameModule,
  type GameSchemaJson,
  type IncomingMsg,
  type SnapshotMsg,
} from 'arena-sdk';
import { CloseCode, type WelcomeMsg } from 'arena-sdk/protocol.js';
import { Connection } from 'arena-sdk/net.js';
import { Rebuilder } from 'arena-sdk/delta.js';
import { assertMatches, testGameVectors } from 'arena-sdk/testing.js';

interface View {
  players: { id: number; x: number; y: number }[];
}
interface Input {
  buttons: number;
  aim: number;
}

export function wrongUses(json: GameSchemaJson, session: Session, snap: SnapshotMsg, welcome: WelcomeMsg): void {
  const api = lobbyApi('http://127.0.0.1:8080/api');
  // @ts-expect-error the lobby API's roles are lowercase ('player'); 'Player' is the envelope's
  void api.join('m', 'ada', 'Player');
  // @ts-expect-error a match needs a name
  void api.createMatch({ game: 'deathmatch' });
  // @ts-expect-error a game's schema is asked for by name
  void api.gameSchema();

  // @ts-expect-error an input carries its sequence number
  session.send({ type: 'Input', input: new Uint8Array(2) });
  // @ts-expect-error an input's payload is the game's encoded bytes, not the object
  session.send({ type: 'Input', seq: 1, input: { buttons: 1, aim: 0 } });
  // @ts-expect-error no such client message
  session.send({ type: 'Snapshot' });
  // @ts-expect-error a Session needs the lobby API, the match and onMessage
  new Session({ role: 'player', name: 'ada', pageUrl: 'http://x/' });
  // @ts-expect-error a Session's role is 'player' or 'spectator'
  new Session({ api, matchId: 'm', role: 'host', name: 'ada', pageUrl: 'http://x/', onMessage: () => {} });

  const schema = new Schema<unknown, View, Input>(json);
  // @ts-expect-error the input's fields are numbers
  schema.encodeInput({ buttons: 'up', aim: 0 });
  // @ts-expect-error decoding takes bytes
  schema.decodeView('0a0b');
  // @ts-expect-error a view is decoded as the game's View: it has no `ball`
  void schema.decodeView(snap.view).ball;
  // @ts-expect-error the codec's encodeInput takes the game's input
  schemaCodec<unknown, View, Input>(json).encodeInput({ buttons: 1 });

  // @ts-expect-error server_time_us is a BigInt (no value is rounded)
  const t: number = snap.server_time_us;
  // @ts-expect-error ack is null before the server applied any input
  const ack: number = snap.ack;
  // @ts-expect-error the view arrives encoded
  const players = snap.view.players;
  // @ts-expect-error a spectator has no player id
  const next: number = welcome.player_id + 1;
  // @ts-expect-error the envelope's phases are capitalized
  const running: boolean = snap.phase === 'running';
  void [t, ack, players, next, running];

  // @ts-expect-error a decoded message has a `tick` only once narrowed to Snapshot or Delta
  void decodeServerMsg(new Uint8Array(1)).tick;
  const onMessage = (msg: IncomingMsg): void => {
    // @ts-expect-error a Connection or Session never hands on a Delta (it is rebuilt into a Snapshot)
    if (msg.type === 'Delta') return;
    if (msg.type === 'Welcome') {
      // @ts-expect-error a welcome has no view
      void msg.view;
    }
  };
  void onMessage;
  // @ts-expect-error Connection's options need onMessage
  new Connection('ws://x/ws', { onOpen: () => {} });
  // @ts-expect-error a Ping's time is a number or a BigInt
  encodeClientMsg({ type: 'Ping', client_time_us: '5' });
  // @ts-expect-error a Rebuilder takes decoded messages, not bytes
  new Rebuilder().accept(new Uint8Array(4));

  const sequencer = new InputSequencer<Input>();
  // @ts-expect-error the sequencer numbers the game's inputs
  sequencer.push({ buttons: 1 }, 3);
  // @ts-expect-error an ack is a seq or null
  sequencer.acknowledge(undefined, 3);

  const buffer = new SnapshotBuffer<View>(20);
  // @ts-expect-error a buffered snapshot's phase is the envelope's
  buffer.push({ tick: 1, phase: 'running', view: { players: [] } }, 0);
  // @ts-expect-error `b` is null when the two snapshots must not be blended
  buffer.sample(0, (a, b, alpha) => a.players.length + b.players.length * alpha);

  // @ts-expect-error the world has a width and a height
  makeCamera(640, 400, { w: 100, h: 100 });
  // @ts-expect-error close codes are constants
  CloseCode.Normal = 1001;

  // @ts-expect-error assertMatches compares an actual value with an expected one
  assertMatches(1);
  // @ts-expect-error a fixture is the parsed JSON of a game's wire.json, not its path
  testGameVectors('test/wire.json', schemaCodec(json));

  // @ts-expect-error a game module has a createClient
  const noClient: GameModule = { name: 'x', title: 'X' };
  // @ts-expect-error a game module's codec functions are functions
  const badCodec: GameModule = { name: 'x', decodeView: 'schema', createClient: () => { throw new Error('x'); } };
  const module: GameModule<unknown, View, Input> = {
    name: 'x',
    createClient: (ctx) => {
      // @ts-expect-error a spectator has no seat: myId may be null
      const seat: number = ctx.myId;
      // @ts-expect-error submit takes the game's input
      ctx.submit({ buttons: 'up' }, 1);
      void seat;
      return {
        onSnapshot: (s) => {
          // @ts-expect-error the client gets the view decoded
          void s.view.byteLength;
        },
        onPhase: () => {},
        draw: () => null,
        hud: () => null,
        viewState: () => null,
        meState: () => null,
        rendered: [],
        help: '',
        netLine: () => '',
        delayMs: 0,
        destroy: () => {},
      };
    },
  };
  // @ts-expect-error a client draws and answers its hud, not only snapshots
  const halfClient: GameModule = { name: 'x', createClient: () => ({ onSnapshot: () => {} }) };
  void [noClient, badCodec, module, halfClient];
}
