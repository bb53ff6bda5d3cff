#!/usr/bin/env bash
# The template game (template/: king of the hill, a crate of its own that depends on Arena by
# path), run as its developer would run it, from its own folder: its Rust tests, its server with
# `cargo run --release` played by its bots CLI, its browser module's tests, and the end-to-end
# suite in headless Chromium (its server, its studio's page on another origin, Arena's own page).
# Then: Arena's own tree names no such game.
#
# Called by .ci/run after the other suites; run it locally the same way: bash .ci/template.sh
# The repository's target/ is the template's too, so Arena's crates are not compiled twice.
# Screenshots land in artifacts/template-*.png at the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR="$root/target"
started=$SECONDS

. .ci/lib.sh
need_browser template

cd template
echo "template: cargo test --release"
cargo test --release
echo "template: cargo build --release --bins"
cargo build --release --bins

# The server, as its README says to run it, on a free port; its address from its log.
log=$(mktemp)
db=$(mktemp -d)
echo "template: cargo run --release (the koth server)"
cargo run --release -- --bind 127.0.0.1:0 --client-limits off --database "sqlite://$db/history.db" >"$log" 2>&1 &
server_pid=$! # cargo run execs the binary: this is the server's PID
trap 'kill "$server_pid" 2>/dev/null || true; rm -rf "$log" "$db"' EXIT
addr=
for _ in $(seq 300); do
  addr=$(grep -o 'listening on http://[0-9.:]*' "$log" | head -1 | sed 's|listening on ||' || true)
  [ -n "$addr" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$addr" ] || { cat "$log"; echo "template: the koth server did not start"; exit 1; }
echo "template: server on $addr"

# Its bots: 2 matches × 4 players + 1 spectator for 5 s; every session must get 99% of its
# snapshots. The swarm creates, starts and (as their host) ends its matches.
cargo run --release --bin koth-bots -- --url "$addr" --matches 2 --players 4 --spectators 1 \
  --duration-s 5 --min-delivered 99 --quiet

# The lobby lists the game with its browser module (and serves it); the history keeps the two
# matches the swarm played and ended (written a moment after the end).
ADDR=$addr node --input-type=module -e '
const base = process.env.ADDR;
const get = async (path) => {
  const res = await fetch(base + path);
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  return res;
};
const games = await (await get("/api/games")).json();
const koth = games.find((g) => g.name === "koth");
if (!koth || koth.module !== "/games/koth/index.js" || !koth.bots) throw new Error(`GET /api/games: ${JSON.stringify(games)}`);
if (!(await (await get(koth.module)).text()).includes("export default")) throw new Error(`${koth.module}: no module`);
let history = [];
for (const until = Date.now() + 15000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
  history = (await (await get("/api/history?game=koth")).json()).matches;
  if (history.length >= 2) break;
}
const swarm = history.filter((m) => m.name.startsWith("swarm-") && m.players.length === 4);
if (swarm.length !== 2) throw new Error(`GET /api/history: ${JSON.stringify(history)}`);
console.log(`template: GET /api/games lists koth (${koth.module}); GET /api/history: ${swarm.map((m) => `${m.name} (${m.end_reason})`).join(", ")}`);
'
kill -TERM "$server_pid"
wait "$server_pid" || { cat "$log"; echo "template: the koth server did not stop cleanly"; exit 1; }
trap 'rm -rf "$log" "$db"' EXIT

echo "template: web/ unit tests (node --test test/)"
(cd web && npm ci --no-audit --no-fund --loglevel=error && node --test test/)

echo "template: e2e/ in headless Chromium (node --test e2e/)"
(cd e2e && npm ci --no-audit --no-fund --loglevel=error)
node --test --test-concurrency=1 e2e/

cd "$root"
# node_modules folders hold third-party bundles, not Arena's code.
if grep -rqi --exclude-dir=node_modules koth src game clients; then
  grep -rli --exclude-dir=node_modules koth src game clients
  echo "template: Arena's own src/, game/ or clients/ names the template game (above): everything about it belongs in template/"
  exit 1
fi
echo "template: passed in $((SECONDS - started)) s"
