#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the wire fixture vectors (every envelope message and every game
# payload with edge values, and the byte strings that must be refused) and a few lobby JSON
# bodies. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")"
python3 - <<'PY'
import json, os
fixtures = json.load(open("../clients/web/test/fixtures/wire.json"))
def write(target, name, data):
    os.makedirs(f"corpus/{target}", exist_ok=True)
    with open(f"corpus/{target}/{name}", "wb") as f:
        f.write(data)
for key, target in [("client", "decode_client"), ("invalid_client", "decode_client"),
                    ("server", "decode_server"), ("invalid_server", "decode_server")]:
    for i, vector in enumerate(fixtures[key]):
        write(target, f"{key}_{vector.get('name', i)}", bytes.fromhex(vector["hex"]))
# Every game's vectors, from its browser folder (written by its own tests, game_tests!).
import glob
for path in sorted(glob.glob("../game/*/web/test/wire.json")):
    vectors = json.load(open(path))
    game = vectors["game"]
    for key in ["facts", "views", "inputs", "invalid_facts", "invalid_views", "invalid_inputs"]:
        for i, vector in enumerate(vectors.get(key, [])):
            write("decode_game_payloads", f"{game}_{key}_{vector.get('name', i)}",
                  bytes.fromhex(vector["hex"]))
for i, body in enumerate([
    '{"name":"friday"}',
    '{"name":"big","max_players":64,"tick_hz":128,"settings":{"time_limit_s":3600,"score_limit":0}}',
    '{"name":"flags","game":"some-game","max_players":16,"settings":{"radius":2000}}',
    '{"name":"zoë","role":"player"}',
    '{"name":"","role":"spectator"}',
]):
    write("decode_lobby_json", f"body_{i}", body.encode())
PY
echo "$(find corpus -type f | wc -l) seed files in fuzz/corpus/"
