// What every end-to-end file needs: the real release server on a free port (127.0.0.1:0, the
// address read from its log), one headless Chromium, pages that collect their errors, waiting on
// window.arena with a useful message, the lobby API, and the arena-bots CLI. Everything started
// here is stopped by PID in `stop()`. `restartServer()` stops the server (SIGTERM, waiting for it
// to exit: it writes its history on the way out) and starts it again on the same database.
//
// Needs: target/release/arena and target/release/arena-bots (cargo build --release --workspace
// --bins), /usr/bin/chromium, npm ci. ARENA_BIN, ARENA_BOTS_BIN and CHROMIUM_PATH override them.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SERVER_BIN = process.env.ARENA_BIN ?? join(ROOT, 'target/release/arena');
export const BOTS_BIN = process.env.ARENA_BOTS_BIN ?? join(ROOT, 'target/release/arena-bots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'artifacts');
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

/** A fresh SQLite file name in the system's temp dir (not the checkout) for a server's history. */
export function tempDatabase() {
  return join(tmpdir(), `arena-e2e-${process.pid}-${Date.now()}.db`);
}

/**
 * Starts the server on port 0 and resolves with `{proc, base, log(), db, exited}`, base read from
 * its log, `exited` a promise of `{code, signal}`. Its history goes to `opts.db` (a SQLite file
 * path: the same file again after a restart keeps the history), else to a fresh `tempDatabase()`.
 * `opts.args`: more flags (e.g. `['--allowed-origin', origin]`).
 */
export function startServer({ db = tempDatabase(), args = [] } = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(SERVER_BIN, ['--bind', '127.0.0.1:0', '--database', `sqlite://${db}`, ...args], {
      env: { ...process.env, RUST_LOG: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    const exited = new Promise((done) => proc.once('exit', (code, signal) => done({ code, signal })));
    const timer = setTimeout(() => reject(new Error(`server did not report its address:\n${log}`)), 15000);
    const onData = (chunk) => {
      log += chunk;
      const m = /listening on (http:\/\/[\d.:]+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, base: `${m[1]}/`, log: () => log, db, exited });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${log}`));
    });
  });
}

/**
 * Stops a server `startServer()` started, by its PID: SIGTERM (a clean shutdown: it ends its
 * matches and writes what the history still waits for), then waits until it has exited. Resolves
 * with `{code, signal}`; rejects if it is still running after `timeoutMs` (it is then killed).
 */
export async function stopServer(server, timeoutMs = 15000) {
  if (!server) return null;
  const { proc } = server;
  if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(() => resolve(null), timeoutMs); });
  const exit = await Promise.race([server.exited, late]);
  clearTimeout(timer);
  if (exit) return exit;
  proc.kill('SIGKILL');
  await server.exited;
  throw new Error(`the server (pid ${proc.pid}) did not exit within ${timeoutMs} ms of SIGTERM:\n${server.log()}`);
}

/** A server, a browser and the processes and clients a test file starts. `serverArgs`: more
 * flags for the server (kept across `restartServer()`). */
export class Harness {
  constructor({ serverArgs = [] } = {}) {
    this.serverArgs = serverArgs;
    this.server = null;
    this.browser = null;
    this.userDataDir = null;
    this.clients = []; // NodePlayers and the like: anything with close()
    this.children = []; // processes (the bot CLI)
    this.databases = new Set(); // SQLite files this harness made up, removed in stop()
  }

  get base() {
    return this.server.base;
  }

  async start() {
    mkdirSync(ARTIFACTS, { recursive: true });
    this.server = await startServer({ args: this.serverArgs });
    this.databases.add(this.server.db);
    this.userDataDir = mkdtempSync(join(tmpdir(), 'arena-e2e-chromium-'));
    this.browser = await chromium.launchPersistentContext(this.userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
  }

  async stop() {
    for (const c of this.clients) {
      try {
        c.close();
      } catch {
        // already closed
      }
    }
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await this.browser?.close();
    if (this.userDataDir) rmSync(this.userDataDir, { recursive: true, force: true });
    // Only the process this file started, by its PID; waiting for it to exit.
    await stopServer(this.server).catch((e) => console.error(e.message));
    for (const db of this.databases) for (const f of [db, `${db}-wal`, `${db}-shm`, `${db}-journal`]) rmSync(f, { force: true });
  }

  /**
   * Stops the server (SIGTERM, then waits for it to exit) and starts it again on the same
   * database; it listens on a new port, so `base` changes (pages must go to the new one).
   * Resolves with the old server's exit `{code, signal}`.
   */
  async restartServer() {
    const { db } = this.server;
    const exit = await stopServer(this.server);
    this.server = null;
    this.server = await startServer({ db, args: this.serverArgs });
    return exit;
  }

  async newPage() {
    const page = await this.browser.newPage({ viewport: { width: 1280, height: 760 } });
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') page.errors.push(m.text());
    });
    return page;
  }

  /** A lobby API call: `{status, body}`. */
  async api(path, init = {}) {
    const res = await fetch(new URL(path, this.base), {
      ...init,
      headers: { 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  }

  /**
   * Runs the arena-bots CLI with `args` (the server's URL is added) for at most `maxS` seconds;
   * returns `{proc, output(), exit}` (exit: a promise of the exit code).
   */
  bots(args, maxS = 60) {
    const proc = spawn(BOTS_BIN, ['--url', this.base.replace(/\/$/, ''), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(proc);
    let output = '';
    proc.stdout.on('data', (d) => { output += d; });
    proc.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => proc.exitCode === null && proc.kill('SIGTERM'), maxS * 1000);
    const exit = new Promise((resolve) => proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    }));
    return { proc, output: () => output, exit };
  }
}

/** `page.evaluate`, shorter. */
export const arena = (page, fn, arg) => page.evaluate(fn, arg);

/** Waits for a condition on window.arena, with a message naming it and the page's state. */
export async function waitFor(page, what, fn, arg, timeout = 15000) {
  try {
    await page.waitForFunction(fn, arg, { timeout, polling: 50 });
  } catch (e) {
    // A predicate that throws in the page (a name it cannot see) fails at once: say so too.
    const why = /Timeout/i.test(e.message) ? '' : ` (${e.message.split('\n')[0]})`;
    const state = await page.evaluate(() => JSON.stringify({
      view: window.arena?.view, game: window.arena?.game, phase: window.arena?.phase, banner: window.arena?.banner,
      lobby: window.arena?.lobby?.message, me: window.arena?.me,
      ...(window.arena?.replay ? { replay: window.arena.replay, snapshotTick: window.arena.snapshot?.tick } : {}),
    }));
    throw new Error(`${why ? "failed" : "timed out"} waiting for ${what}${why}; page state ${state}`);
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Brings `page` to the front and waits until it has drawn a few fresh frames (headless Chromium
 * runs no animation frames, so no canvas or HUD updates, for a page behind another). */
export async function front(page, frames = 3) {
  await page.bringToFront();
  const f0 = await page.evaluate(() => window.arena?.frames ?? 0);
  await page.waitForFunction((f) => (window.arena?.frames ?? 0) >= f, f0 + frames, { timeout: 5000, polling: 16 });
  await page.waitForTimeout(150); // the HUD refreshes at 8 Hz
}
