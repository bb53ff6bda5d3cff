#!/usr/bin/env node
// A seed-style game state server on the Node `ws` package: what a small team writes first, and
// what benches/load.py measures Arena against.
//
// - Connections are put into rooms of --room-size (10) in the order they arrive; a room is
//   created by its first connection and ticks from then on.
// - Each room ticks at --tick-hz (20) on a drift-free timer: tick n is due at start + n × period
//   (one setTimeout per tick, computed from the room's start time, so late timers do not add up
//   the way setInterval's do).
// - Each tick moves every player a little and sends ONE binary snapshot per room to all its
//   clients (the same Buffer to each), little-endian:
//       u32 tick | f64 send time (Unix epoch, MICROSECONDS, as a double) |
//       per player: u32 id | f32 x | f32 y | u16 hp | u32 score
//   so 12 + 18 × players bytes (192 for 10 players).
// - A client may send inputs: any binary message; its first byte is taken as a direction (bits
//   1 up, 2 down, 4 left, 8 right) and kept until the next one. Nothing else is checked.
// - Prints "listening PORT" on stdout once bound (127.0.0.1 only), and exits by itself after
//   --timeout-s (600) seconds, or on SIGTERM / SIGINT.
//
// Usage: node ws-server.js [--port 0] [--tick-hz 20] [--room-size 10] [--timeout-s 600]
"use strict";

const { WebSocketServer } = require("ws");
const { performance } = require("perf_hooks");

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : fallback;
}

const PORT = arg("port", 0);
const TICK_HZ = arg("tick-hz", 20);
const ROOM_SIZE = arg("room-size", 10);
const TIMEOUT_S = arg("timeout-s", 600);
const PERIOD_MS = 1000 / TICK_HZ;
const WIDTH = 1600;
const HEIGHT = 1000;
const SPEED = 260 / TICK_HZ; // units per tick
const HEADER_BYTES = 12;
const PLAYER_BYTES = 18;

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

let nextPlayerId = 0;
let openRoom = null;

class Room {
  constructor() {
    this.clients = []; // { ws, player }
    this.tick = 0;
    this.start = performance.now();
    this.timer = setTimeout(() => this.step(), PERIOD_MS);
  }

  step() {
    this.tick += 1;
    const n = this.clients.length;
    if (n === 0 && this !== openRoom) {
      return; // emptied and closed for joins: stop ticking
    }
    const buf = Buffer.allocUnsafe(HEADER_BYTES + PLAYER_BYTES * n);
    buf.writeUInt32LE(this.tick >>> 0, 0);
    let off = HEADER_BYTES;
    for (let i = 0; i < n; i++) {
      const p = this.clients[i].player;
      let dx = 0;
      let dy = 0;
      if (p.dir & 1) dy -= SPEED;
      if (p.dir & 2) dy += SPEED;
      if (p.dir & 4) dx -= SPEED;
      if (p.dir & 8) dx += SPEED;
      if (p.dir === 0) {
        // idle players drift on a circle so positions change every tick
        dx = Math.cos(this.tick / 10 + p.id) * SPEED * 0.2;
        dy = Math.sin(this.tick / 10 + p.id) * SPEED * 0.2;
      }
      p.x = Math.min(WIDTH, Math.max(0, p.x + dx));
      p.y = Math.min(HEIGHT, Math.max(0, p.y + dy));
      if (this.tick % 20 === 0) p.score += 1;
      buf.writeUInt32LE(p.id >>> 0, off);
      buf.writeFloatLE(p.x, off + 4);
      buf.writeFloatLE(p.y, off + 8);
      buf.writeUInt16LE(p.hp, off + 12);
      buf.writeUInt32LE(p.score >>> 0, off + 14);
      off += PLAYER_BYTES;
    }
    buf.writeDoubleLE(nowUs(), 4);
    for (let i = 0; i < n; i++) {
      this.clients[i].ws.send(buf, { binary: true });
    }
    // Drift-free: the next deadline comes from the start time, not from "now + period".
    const due = this.start + (this.tick + 1) * PERIOD_MS;
    this.timer = setTimeout(() => this.step(), Math.max(0, due - performance.now()));
  }

  remove(client) {
    const i = this.clients.indexOf(client);
    if (i >= 0) this.clients.splice(i, 1);
    if (this.clients.length === 0 && this !== openRoom) clearTimeout(this.timer);
  }
}

const wss = new WebSocketServer({
  host: "127.0.0.1",
  port: PORT,
  perMessageDeflate: false,
  maxPayload: 4096,
  clientTracking: false,
});

wss.on("listening", () => {
  process.stdout.write(`listening ${wss.address().port}\n`);
});

wss.on("connection", (ws) => {
  if (openRoom === null || openRoom.clients.length >= ROOM_SIZE) {
    openRoom = new Room();
  }
  const room = openRoom;
  const player = {
    id: nextPlayerId++,
    x: Math.random() * WIDTH,
    y: Math.random() * HEIGHT,
    hp: 100,
    score: 0,
    dir: 0,
  };
  const client = { ws, player };
  room.clients.push(client);
  ws.on("message", (data) => {
    if (data.length > 0) player.dir = data[0] & 15;
  });
  ws.on("close", () => room.remove(client));
  ws.on("error", () => {});
});

function stop() {
  wss.close();
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
setTimeout(stop, TIMEOUT_S * 1000).unref();
