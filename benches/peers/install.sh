#!/bin/sh
# Installs the npm packages of the benchmark's peers (ws-server.js, colyseus-server.js) into
# benches/peers/node_modules, exactly as pinned in package-lock.json (`npm ci`). Idempotent: does
# nothing when node_modules was installed from the same lock file. benches/load.py calls it when
# node_modules is missing; run it by hand after changing package.json (`npm install` there first
# to update the lock file).
#
# What is pinned (package.json, exact versions; package-lock.json for everything below them):
# - ws 8.23.0: the seed-style peer (ws-server.js);
# - colyseus 0.18.8, the release measured, and the parts colyseus-server.js imports directly, at
#   the versions 0.18.8 resolves to: @colyseus/core 0.18.17, @colyseus/ws-transport 0.18.4,
#   @colyseus/schema 5.0.34 (imported directly so the meta package's @colyseus/tools, which
#   loads .env files at import, stays out of the process);
# - express 5.3.0: @colyseus/ws-transport imports it (an optional peer npm would not install).
# Colyseus 0.18 declares node >= 22; it runs on the node 20 of the benchmark machine (npm warns).
#
# .npmrc sets legacy-peer-deps: colyseus 0.18.8's optional peers include
# @colyseus/uwebsockets-transport, whose uWebSockets.js comes from GitHub over SSH (not the npm
# registry); the peers use the ws transport, so those peers are not installed.
set -eu
cd "$(dirname "$0")"
command -v node >/dev/null || { echo "install.sh: node is not installed" >&2; exit 1; }
command -v npm >/dev/null || { echo "install.sh: npm is not installed" >&2; exit 1; }
stamp=node_modules/.arena-bench-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
node -e '
const fs = require("fs");
for (const p of ["ws", "colyseus", "@colyseus/core", "@colyseus/ws-transport", "@colyseus/schema"]) {
  const v = JSON.parse(fs.readFileSync(`node_modules/${p}/package.json`, "utf8")).version;
  console.log(`${p} ${v}`);
}'
