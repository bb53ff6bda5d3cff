#!/usr/bin/env bash
# Browser client checks: the JS unit tests of clients/web (the SDK, the envelope's wire vectors
# written by the Rust codec, delta rebuilding, interpolation, page helpers, the game-module
# loader) and of every game's browser folder (game/*/web with a package.json: its codec and the
# generic one against the vectors its Rust test writes, prediction, input mapping), tsc over the
# SDK's declarations and typed examples, and the end-to-end suite in real headless Chromium against the release server on a free port (the
# deathmatch and capture the flag, with bots from arena-bots and bots the host adds from the
# page; snapshot deltas corrupted on the way). Installs what is missing (Debian chromium, npm
# packages), builds the release server (a no-op when it is fresh; it embeds clients/web, so it
# must be current).
#
# Called by .ci/run; run it locally the same way: bash .ci/web-e2e.sh
# Screenshots land in artifacts/ at the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."

. .ci/lib.sh
need_browser web-e2e

(cd clients/web && npm ci --no-audit --no-fund --loglevel=error)
# Each game's browser folder: its package.json links the SDK (file:../../../clients/web/sdk).
game_webs=()
for dir in game/*/web; do
  if [ -f "$dir/package.json" ]; then game_webs+=("$dir"); fi
done
for dir in "${game_webs[@]}"; do
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
done

cargo build --release --workspace --bins

mkdir -p artifacts
echo "web-e2e: clients/web unit tests (node --test test/)"
(cd clients/web && node --test test/)
for dir in "${game_webs[@]}"; do
  echo "web-e2e: $dir unit tests (node --test test/)"
  (cd "$dir" && node --test test/)
done
cd clients/web
echo "web-e2e: the SDK's TypeScript declarations (npm run types: tsc -p sdk/tsconfig.json)"
npm run types
echo "web-e2e: end-to-end in headless Chromium (node --test e2e/)"
node --test --test-concurrency=1 e2e/
