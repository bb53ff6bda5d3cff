#!/usr/bin/env bash
# Bot swarm smoke run, one per built-in game: 5 deathmatches (then 3 ctf matches) × 4 players +
# 1 spectator for 5 s each against the release server on
# a free loopback port. Fails when a session fails or fewer than 99% of snapshots arrive.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin arena -p arena --bin arena-bots -p arena-bots
log=$(mktemp)
db=$(mktemp -d)
./target/release/arena --bind 127.0.0.1:0 --client-limits off --database "sqlite://$db/history.db" >"$log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; rm -rf "$log" "$db"' EXIT
for _ in $(seq 100); do
  addr=$(grep -o 'listening on http://[0-9.:]*' "$log" | head -1 | sed 's|listening on ||' || true)
  [ -n "$addr" ] && break
  sleep 0.1
done
[ -n "$addr" ] || { cat "$log"; echo "server did not start"; exit 1; }
./target/release/arena-bots --url "$addr" --matches 5 --players 4 --spectators 1 \
  --duration-s 5 --min-delivered 99 --quiet
./target/release/arena-bots --url "$addr" --game ctf --matches 3 --players 4 --spectators 1 \
  --duration-s 5 --min-delivered 99 --quiet
