#!/usr/bin/env node
// A Colyseus 0.18 server with one room type, "arena", holding the same state as the seed-style
// ws peer (benches/peers/ws-server.js): what benches/load.py measures Arena against.
//
// - State (@colyseus/schema 5): `serverTime` float64 (Unix epoch MICROSECONDS when the patch was
//   made, set in onBeforePatch, so a client reads patch-to-arrival latency from it), `tick`
//   uint32 (patches made, so a client can count missed ones), and `players`, a map of
//   { x float32, y float32, hp uint16, score uint32 } by session id. serverTime and tick are the
//   first two fields so that every patch starts with them (see clients/bots/src/load/proto.rs).
// - `setSimulationInterval(update, 50)` moves every player a little each step;
//   `setPatchRate(50)` sends one state patch per 50 ms to every client of the room.
// - `maxClients = 10`; clients join by room name through the matchmaker
//   (POST /matchmake/joinOrCreate/arena), which fills one room before creating the next.
// - Message type 1 from a client is an input: a number whose low 4 bits are a direction
//   (1 up, 2 down, 4 left, 8 right), kept until the next one.
// - Seat reservations last 60 s (the default 15 s is too short for a ramp of thousands).
// - Prints "listening PORT" on stdout once bound (127.0.0.1 only), and exits by itself after
//   --timeout-s (600) seconds, or on SIGTERM / SIGINT.
//
// Usage: node colyseus-server.js [--port 0] [--timeout-s 600]
"use strict";

const { performance } = require("perf_hooks");
const { Server, Room } = require("@colyseus/core");
const { WebSocketTransport } = require("@colyseus/ws-transport");
const { schema, t } = require("@colyseus/schema");

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : fallback;
}

const PORT = arg("port", 0);
const TIMEOUT_S = arg("timeout-s", 600);
const TICK_MS = 50;
const WIDTH = 1600;
const HEIGHT = 1000;
const SPEED = (260 * TICK_MS) / 1000; // units per step

// Node has no microsecond wall clock: performance.timeOrigin + performance.now() is the wall
// clock read once at process start plus a monotonic clock, and that start reading can be tens
// of µs off. Measure the offset once against Date.now() (at 25 millisecond edges, where the
// wall clock is known to the µs) and take it out, so send stamps compare with the load client's
// clock to a few µs.
function calibrate(samples = 25) {
  let best = Infinity;
  for (let k = 0; k < samples; k++) {
    const t = Date.now();
    let edge;
    while ((edge = Date.now()) === t);
    best = Math.min(best, (performance.timeOrigin + performance.now()) * 1000 - edge * 1000);
  }
  return best;
}
const CLOCK_OFFSET_US = calibrate();

/** Wall clock, Unix epoch microseconds, as a double (µs precision up to year 2255). */
function nowUs() {
  return (performance.timeOrigin + performance.now()) * 1000 - CLOCK_OFFSET_US;
}

const Player = schema(
  { x: t.float32(), y: t.float32(), hp: t.uint16(), score: t.uint32() },
  "Player",
);

const ArenaState = schema(
  { serverTime: t.float64(), tick: t.uint32(), players: t.map(Player) },
  "ArenaState",
);

let nextPlayerId = 0;

class ArenaRoom extends Room {
  maxClients = 10;

  onCreate() {
    this.state = new ArenaState();
    this.state.serverTime = nowUs();
    this.state.tick = 0;
    this.seatReservationTimeout = 60;
    this.dirs = new Map(); // sessionId -> { id, dir }
    this.steps = 0;
    this.onMessage(1, (client, dir) => {
      const d = this.dirs.get(client.sessionId);
      if (d !== undefined && typeof dir === "number") d.dir = dir & 15;
    });
    this.setSimulationInterval(() => this.update(), TICK_MS);
    this.setPatchRate(TICK_MS);
  }

  update() {
    this.steps += 1;
    this.state.players.forEach((p, sessionId) => {
      const d = this.dirs.get(sessionId);
      let dx = 0;
      let dy = 0;
      if (d.dir & 1) dy -= SPEED;
      if (d.dir & 2) dy += SPEED;
      if (d.dir & 4) dx -= SPEED;
      if (d.dir & 8) dx += SPEED;
      if (d.dir === 0) {
        // idle players drift on a circle so positions change every step
        dx = Math.cos(this.steps / 10 + d.id) * SPEED * 0.2;
        dy = Math.sin(this.steps / 10 + d.id) * SPEED * 0.2;
      }
      p.x = Math.min(WIDTH, Math.max(0, p.x + dx));
      p.y = Math.min(HEIGHT, Math.max(0, p.y + dy));
      if (this.steps % 20 === 0) p.score += 1;
    });
  }

  onBeforePatch(state) {
    state.tick += 1;
    state.serverTime = nowUs();
  }

  onJoin(client) {
    const id = nextPlayerId++;
    this.dirs.set(client.sessionId, { id, dir: 0 });
    this.state.players.set(
      client.sessionId,
      new Player({ x: Math.random() * WIDTH, y: Math.random() * HEIGHT, hp: 100, score: 0 }),
    );
  }

  onLeave(client) {
    this.state.players.delete(client.sessionId);
    this.dirs.delete(client.sessionId);
  }
}

async function main() {
  const transport = new WebSocketTransport({ perMessageDeflate: false });
  const server = new Server({ transport, greet: false, gracefullyShutdown: false });
  server.define("arena", ArenaRoom);
  await server.listen(PORT, "127.0.0.1");
  process.stdout.write(`listening ${transport.server.address().port}\n`);
  const stop = () => process.exit(0);
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  setTimeout(stop, TIMEOUT_S * 1000).unref();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
