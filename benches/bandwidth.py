#!/usr/bin/env python3
"""Bytes per session on the wire with snapshot deltas, against every snapshot whole.

Real games played by their bots: for each workload the release server is started on a free
loopback port, pinned to CPU 0, once as it ships (deltas) and once with `--keyframe-interval 1`
(every snapshot whole), and `arena-bots` (pinned to CPU 1) plays it: players with the game's bot
policy (moving and fighting), plus spectators. The swarm counts every snapshot's bytes as they
came on the wire (WebSocket header included), by role. Bounded: loopback only, a fixed window,
every process started here is ended here by PID.

    python3 benches/bandwidth.py            # builds the release binaries first
    python3 benches/bandwidth.py --no-build --duration-s 10
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release")

# (label, game, matches, players per match, spectators per match)
WORKLOADS = [
    ("deathmatch, 10 players", "deathmatch", 10, 10, 2),
    ("ctf 8 v 8, fog of war", "ctf", 6, 16, 2),
]
MODES = [("deltas", []), ("whole", ["--keyframe-interval", "1"])]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, timeout_s=10.0):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not answer")


def run(game, matches, players, spectators, server_flags, args):
    port = free_port()
    server = subprocess.Popen(["taskset", "-c", args.server_cpu, os.path.join(BIN, "arena"),
                               "--bind", f"127.0.0.1:{port}", "--client-limits", "off", *server_flags],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/api/games")
        out = subprocess.run(
            ["taskset", "-c", args.bots_cpu, os.path.join(BIN, "arena-bots"),
             "--url", f"http://127.0.0.1:{port}", "--game", game, "--matches", str(matches),
             "--players", str(players), "--spectators", str(spectators),
             "--duration-s", str(args.duration_s), "--settle-s", "3", "--json", "-q"],
            capture_output=True, text=True, timeout=args.duration_s + 120, check=True)
        return json.loads(out.stdout)
    finally:
        server.terminate()
        server.wait(timeout=15)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration-s", type=float, default=30.0, help="measured window per run")
    ap.add_argument("--server-cpu", default="0")
    ap.add_argument("--bots-cpu", default="1")
    ap.add_argument("--no-build", dest="build", action="store_false")
    args = ap.parse_args()
    if args.build:
        subprocess.run(["cargo", "build", "--release", "-p", "arena", "--bin", "arena",
                        "-p", "arena-bots", "--bin", "arena-bots"], cwd=ROOT, check=True)
    rows = []
    for label, game, matches, players, spectators in WORKLOADS:
        results = {}
        for mode, flags in MODES:
            r = run(game, matches, players, spectators, flags, args)
            results[mode] = r
            print(f"{label}, {mode}: {r['delivered_pct']:.3f}% delivered, "
                  f"{r['wire_bytes_per_player_per_s']:.0f} B/s per player, "
                  f"{r['wire_bytes_per_spectator_per_s']:.0f} B/s per spectator, "
                  f"{r['keyframes_received']} keyframes, {r['deltas_received']} deltas",
                  file=sys.stderr)
        rows.append((label, matches, players, spectators, results))
    print("| workload | sessions | role | deltas B/s | whole B/s | deltas / whole | keyframes / deltas "
          "received | delivered % (deltas, whole) |")
    print("|---|---|---|---|---|---|---|---|")
    for label, matches, players, spectators, res in rows:
        d, w = res["deltas"], res["whole"]
        for role, key in (("player", "wire_bytes_per_player_per_s"),
                          ("spectator", "wire_bytes_per_spectator_per_s")):
            print(f"| {label} | {matches} × ({players} + {spectators}) | {role} | {d[key]:.0f} | "
                  f"{w[key]:.0f} | {100 * d[key] / w[key]:.1f}% | "
                  f"{d['keyframes_received']} / {d['deltas_received']} | "
                  f"{d['delivered_pct']:.3f}, {w['delivered_pct']:.3f} |")
    print(f"\nwindow {args.duration_s:.0f} s, 20 Hz; bytes are WebSocket frames (payload + header) "
          "of snapshots only, per session of that role per second")


if __name__ == "__main__":
    main()
