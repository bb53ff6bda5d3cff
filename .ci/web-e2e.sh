#!/usr/bin/env bash
# Browser client checks: the JS unit tests (the SDK and each game's codec against the wire vectors
# written by the Rust codec, interpolation, prediction, input mapping, page helpers) and the
# end-to-end suite in real headless Chromium against the release server on a free port (the
# deathmatch and capture the flag, with bots from arena-bots and bots the host adds from the
# page; snapshot deltas corrupted on the way). Installs what is missing (Debian chromium, npm
# packages), builds the release server (a no-op when it is fresh; it embeds clients/web, so it
# must be current).
#
# Called by .ci/run; run it locally the same way: bash .ci/web-e2e.sh
# Screenshots land in artifacts/ at the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

if [ ! -x /usr/bin/chromium ]; then
  echo "web-e2e: installing chromium (Debian package)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "web-e2e: installing nodejs and npm (Debian packages)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
fi

(cd clients/web && npm ci --no-audit --no-fund --loglevel=error)

cargo build --release --workspace --bins

mkdir -p artifacts
cd clients/web
echo "web-e2e: unit tests (node --test test/ games/)"
node --test test/ games/
echo "web-e2e: end-to-end in headless Chromium (node --test e2e/)"
node --test --test-concurrency=1 e2e/
