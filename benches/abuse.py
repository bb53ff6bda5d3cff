#!/usr/bin/env python3
"""Issue 13's attack, replayed against the release server with its default limits: one client
(127.0.0.1) tries to lock everyone else out, and a second client (127.0.0.2) tries to play.

  creations  3,000 POST /api/matches from 127.0.0.1 (before issue 13 they filled the 1,000
             match slots: everyone else got 503 for 5 minutes)
  squatting  20,000 spectator and player joins from 127.0.0.1 that are never redeemed, spread
             over its matches and the other client's (before: all 256 spectator places for 30 s)

Then, at once: 127.0.0.2 creates a match and joins it as a player, and joins the squatter's
matches. It prints how many of the flood's requests got through, by answer, how long the flood
took, the other client's answers and latencies, and the server's refusal counters.

Bounded: fixed counts, every request with a 5 s timeout, the server stopped by its own PID;
traffic only to 127.0.0.1. Python 3 standard library only.

    python3 benches/abuse.py
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One keep-alive HTTP connection from a given source address."""

    def __init__(self, port, source):
        self.port, self.source = port, source
        self.conn = None

    def request(self, method, path, body=None):
        for _ in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5,
                                                       source_address=(self.source, 0))
            try:
                data = json.dumps(body) if body is not None else None
                self.conn.request(method, path, body=data,
                                  headers={"content-type": "application/json"})
                resp = self.conn.getresponse()
                raw = resp.read()
                return resp.status, (json.loads(raw) if raw else None)
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
        raise RuntimeError(f"{method} {path}: no answer")


def create_body(name):
    return {"name": name, "game": "deathmatch", "max_players": 8,
            "settings": {"time_limit_s": 0, "score_limit": 0}}


def main():
    port = free_port()
    db = f"/tmp/arena-abuse-{os.getpid()}.db"
    server = subprocess.Popen([os.path.join(BIN, "arena"), "--bind", f"127.0.0.1:{port}",
                               "--database", f"sqlite://{db}"],
                              env=dict(os.environ, RUST_LOG="warn"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.time() > deadline:
                    sys.exit("the server did not start")
                time.sleep(0.05)
        flood, other = Client(port, "127.0.0.1"), Client(port, "127.0.0.2")

        t0 = time.time()
        creations = Counter()
        mine = []
        for i in range(3000):
            status, body = flood.request("POST", "/api/matches", create_body(f"flood {i}"))
            creations[status] += 1
            if status == 201:
                mine.append(body["id"])
        creations_s = time.time() - t0

        # The other client's match, so the squatter has a target besides its own.
        status, body = other.request("POST", "/api/matches", create_body("victim"))
        assert status == 201, (status, body)
        victim = body["id"]
        targets = mine + [victim]

        t0 = time.time()
        joins = Counter()
        for i in range(20000):
            role = "spectator" if i % 2 else "player"
            m = targets[i % len(targets)]
            status, _ = flood.request("POST", f"/api/matches/{m}/join", {"name": "squat", "role": role})
            joins[status] += 1
        joins_s = time.time() - t0

        # Right after: the other client creates, joins, and joins the squatter's matches.
        answers = []
        for what, method, path, body in [
            ("create a match", "POST", "/api/matches", create_body("fresh")),
        ]:
            t = time.time()
            status, reply = other.request(method, path, body)
            answers.append((what, status, (time.time() - t) * 1000))
            fresh = reply["id"] if status == 201 else None
        for what, m, role in [("join it as a player", fresh, "player"),
                              ("join its earlier match as a player", victim, "player"),
                              ("join its earlier match as a spectator", victim, "spectator"),
                              ("join the squatter's first match as a player", mine[0] if mine else victim, "player")]:
            t = time.time()
            status, _ = other.request("POST", f"/api/matches/{m}/join", {"name": "ada", "role": role})
            answers.append((what, status, (time.time() - t) * 1000))

        with __import__("urllib.request").request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            metrics = r.read().decode()
        refused = [l for l in metrics.splitlines() if l.startswith("arena_http_refused_total")]

        print("issue 13's attack against the release server, default limits (benches/abuse.py)")
        print(f"  3,000 creations from 127.0.0.1 in {creations_s:.1f} s: " +
              ", ".join(f"{n} x {s}" for s, n in sorted(creations.items())))
        print(f"  20,000 joins never redeemed from 127.0.0.1 in {joins_s:.1f} s: " +
              ", ".join(f"{n} x {s}" for s, n in sorted(joins.items())))
        print("  then, from 127.0.0.2:")
        for what, status, ms in answers:
            print(f"    {what:45} {status}  {ms:6.1f} ms")
        print("  server refusals: " + "; ".join(refused))
        ok = all(status in (200, 201) for _, status, _ in answers)
        print("  the other client was served at once" if ok else "  THE OTHER CLIENT WAS REFUSED")
        return 0 if ok else 1
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        for suffix in ("", "-wal", "-shm"):
            try:
                os.remove(db + suffix)
            except OSError:
                pass


if __name__ == "__main__":
    sys.exit(main())
