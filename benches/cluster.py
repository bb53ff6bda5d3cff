#!/usr/bin/env python3
"""What a cluster costs and delivers (issue 12): a real redis-server and three release `arena`
nodes on loopback.

  forward   GET /api/matches/{id} of a match on node A: asked of A itself, and of B (which
            forwards it to A); 500 requests each, latency p50 / p99 / max
  listing   GET /api/matches on B: every node's matches, read from Redis; 200 requests
  swarm     arena-bots --servers A,B,C: matches spread over the three nodes, bots joining through
            their match's node; its per-node delivery table

Bounded: fixed counts and durations, every process stopped by its own PID; traffic only to
127.0.0.1. Python 3 standard library and redis-server (Debian package).

    python3 benches/cluster.py
"""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, what):
    deadline = time.time() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.time() > deadline:
                sys.exit(f"{what} did not start")
            time.sleep(0.05)


def timed(port, method, path, body=None, n=1):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    times, last = [], None
    for _ in range(n):
        t = time.perf_counter()
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers={"content-type": "application/json"})
        resp = conn.getresponse()
        raw = resp.read()
        times.append((time.perf_counter() - t) * 1000)
        last = (resp.status, json.loads(raw) if raw else None)
    conn.close()
    return times, last


def pct(times, p):
    s = sorted(times)
    return s[min(len(s) - 1, int(len(s) * p / 100))]


def main():
    procs, dbs = [], []
    try:
        rport = free_port()
        procs.append(subprocess.Popen(["redis-server", "--port", str(rport), "--bind", "127.0.0.1",
                                       "--save", "", "--appendonly", "no"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_port(rport, "redis-server")
        ports = []
        for i in range(3):
            port = free_port()
            db = f"/tmp/arena-cluster-{os.getpid()}-{i}.db"
            dbs.append(db)
            procs.append(subprocess.Popen(
                [os.path.join(BIN, "arena"), "--bind", f"127.0.0.1:{port}",
                 "--redis-url", f"redis://127.0.0.1:{rport}", "--database", f"sqlite://{db}",
                 "--client-limits", "off"],
                env=dict(os.environ, RUST_LOG="warn"),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            ports.append(port)
        for port in ports:
            wait_port(port, "arena")
        a, b, c = ports
        _, (status, created) = timed(a, "POST", "/api/matches",
                                     {"name": "bench", "game": "deathmatch", "max_players": 8})
        assert status == 201, created
        mid = created["id"]
        # Listed everywhere within a heartbeat.
        deadline = time.time() + 5
        while True:
            _, (_, listing) = timed(b, "GET", "/api/matches")
            if any(m["id"] == mid for m in listing):
                break
            if time.time() > deadline:
                sys.exit("B never listed A's match")
            time.sleep(0.1)

        direct, _ = timed(a, "GET", f"/api/matches/{mid}", n=500)
        forwarded, (status, _) = timed(b, "GET", f"/api/matches/{mid}", n=500)
        assert status == 200
        listing, _ = timed(b, "GET", "/api/matches", n=200)
        print("three release nodes and redis-server on loopback (benches/cluster.py)")
        for name, t in [("GET /api/matches/{id} on its owner", direct),
                        ("GET /api/matches/{id} on another node (forwarded)", forwarded),
                        ("GET /api/matches on another node (from Redis)", listing)]:
            print(f"  {name:52} p50 {pct(t, 50):5.2f} ms  p99 {pct(t, 99):5.2f} ms  "
                  f"max {max(t):5.2f} ms  ({len(t)})")

        urls = ",".join(f"http://127.0.0.1:{p}" for p in ports)
        swarm = subprocess.run(
            [os.path.join(BIN, "arena-bots"), "--servers", urls, "--matches", "6",
             "--players", "4", "--spectators", "1", "--duration-s", "10",
             "--set", "time_limit_s=0", "--set", "score_limit=0"],
            capture_output=True, text=True, timeout=120)
        print("  arena-bots --servers A,B,C --matches 6 --players 4 --spectators 1 --duration-s 10:")
        for line in swarm.stdout.splitlines():
            if re.match(r"\s*(sessions|snapshots delivered|per node|node |http://)", line):
                print("   " + line)
        if swarm.returncode != 0:
            print(swarm.stderr)
        return swarm.returncode
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        for db in dbs:
            for suffix in ("", "-wal", "-shm"):
                try:
                    os.remove(db + suffix)
                except OSError:
                    pass


if __name__ == "__main__":
    sys.exit(main())
