#!/usr/bin/env python3
"""Bad clients next to good ones: does a stalled reader or an input flooder change anything for
the healthy sessions?

Three runs against a fresh release server each (server pinned to CPU 0, everything else to
CPU 1), each with the same healthy load (`arena-bots`: 10 matches x 10 playing bots at 20 Hz):

  baseline  healthy load only
  stalled   + 1 spectator in one of the bots' matches that never reads (SO_RCVBUF 4 KiB), like
            a phone that froze (every run sets the server's SO_SNDBUF to 8 KiB, so a stall shows
            within seconds instead of the minutes the kernel's 4 MB auto-tuning would take)
  flood     + 1 spectator that sends 2,000 input messages per second

For each run it prints the healthy sessions' delivered %, tick-to-client latency p50/p99/max
(from arena-bots), the server's RSS at start and its peak, and the relevant server counters
(stale snapshots dropped, slow closes, inputs dropped, closes by code).

Bounded: every process has a timeout and is stopped by its own PID; traffic only to 127.0.0.1.
Python 3 standard library only.

    python3 benches/faults.py                   # 30 s per run
    python3 benches/faults.py --duration-s 8    # quicker
"""

import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def http(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read() or b"null")


def metrics(base):
    with urllib.request.urlopen(base + "/metrics", timeout=5) as resp:
        text = resp.read().decode()
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


class RawClient:
    """A minimal WebSocket client (stdlib sockets) that joins as a spectator."""

    def __init__(self, ws_url, recv_buffer=None):
        rest = ws_url[len("ws://"):]
        hostport, path = rest.split("/", 1)
        host, port = hostport.rsplit(":", 1)
        self.sock = socket.socket()
        if recv_buffer:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, recv_buffer)
        self.sock.connect((host, int(port)))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Protocol: arena.v3\r\n\r\n"
                           ).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise RuntimeError("upgrade refused")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise RuntimeError(head.decode(errors="replace"))

    def send_binary(self, payload):
        mask = os.urandom(4)
        frame = bytes([0x82, 0x80 | len(payload)]) + mask
        frame += bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(frame)


def join_spectator(base, match_id, name):
    joined = http("POST", f"{base}/api/matches/{match_id}/join", {"name": name, "role": "spectator"})
    return joined["ws_url"]


def run(kind, args):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # Small kernel send buffers (the same in every run) so a stalled reader fills them in
    # seconds rather than the minutes the kernel's 4 MB auto-tuning would take.
    server_args = [os.path.join(BIN, "arena"), "--bind", f"127.0.0.1:{port}",
                   "--client-limits", "off",
                   "--socket-send-buffer-bytes", "8192", "--slow-client-timeout-ms", "3000"]
    env = dict(os.environ, RUST_LOG="warn")
    server = subprocess.Popen(["taskset", "-c", "0"] + server_args, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                http("GET", base + "/healthz")
                break
            except OSError:
                time.sleep(0.05)
        rss_start = rss_kib(server.pid)
        bots = subprocess.Popen(
            ["taskset", "-c", "1", os.path.join(BIN, "arena-bots"), "--url", base,
             "--matches", "10", "--players", "10", "--duration-s", str(args.duration_s),
             "--json", "--quiet"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        # Wait for the bots' matches, then add the bad client to the first one.
        bad = None
        stop = threading.Event()
        deadline = time.time() + 15
        while time.time() < deadline:
            matches = http("GET", base + "/api/matches")
            if len(matches) == 10 and all(m["players"] == 10 for m in matches):
                break
            time.sleep(0.1)
        if kind == "stalled":
            bad = RawClient(join_spectator(base, matches[0]["id"], "stalled"), recv_buffer=4096)
        elif kind == "flood":
            bad = RawClient(join_spectator(base, matches[0]["id"], "flood"))

            def flood():
                # ClientMsg::Input: tag 0, seq (2 bytes LE), buttons, aim.
                seq = 0
                while not stop.is_set():
                    seq = (seq + 1) & 0xFFFF
                    try:
                        bad.send_binary(bytes([0, seq & 0xFF, seq >> 8, 0]))
                    except OSError:
                        return
                    time.sleep(1 / 2000)

            threading.Thread(target=flood, daemon=True).start()
        rss_peak = rss_start
        while bots.poll() is None:
            rss_peak = max(rss_peak, rss_kib(server.pid))
            time.sleep(0.1)
        stop.set()
        out, _ = bots.communicate(timeout=args.duration_s + 60)
        report = json.loads(out)
        m = metrics(base)
        return {
            "run": kind,
            "delivered_pct": report["delivered_pct"],
            "p50_ms": report["latency_ms"]["p50"],
            "p99_ms": report["latency_ms"]["p99"],
            "max_ms": report["latency_ms"]["max"],
            "rss_start_kib": rss_start,
            "rss_peak_kib": rss_peak,
            "stale_dropped": m.get("arena_snapshots_dropped_stale_total", 0),
            "slow_closed": m.get("arena_sessions_slow_total", 0),
            "inputs_dropped": m.get("arena_inputs_dropped_total", 0),
            "closed": {k.split('"')[1]: v for k, v in m.items()
                       if k.startswith("arena_sessions_closed_total{")},
        }
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration-s", type=int, default=30)
    ap.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = ap.parse_args()
    # This script (and its bad clients) shares CPU 1 with the bots, never the server's CPU 0.
    os.sched_setaffinity(0, {1})
    for b in ("arena", "arena-bots"):
        if not os.path.exists(os.path.join(BIN, b)):
            sys.exit(f"build first: cargo build --release (missing {b})")
    rows = [run(kind, args) for kind in ("baseline", "stalled", "flood")]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print("| run | delivered % | p50 ms | p99 ms | max ms | RSS start MiB | RSS peak MiB | "
          "stale dropped | slow closes | inputs dropped | closes by code |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['run']} | {r['delivered_pct']:.3f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
              f"{r['max_ms']:.2f} | {r['rss_start_kib'] / 1024:.1f} | {r['rss_peak_kib'] / 1024:.1f} | "
              f"{r['stale_dropped']:.0f} | {r['slow_closed']:.0f} | {r['inputs_dropped']:.0f} | "
              f"{json.dumps(r['closed'])} |")


if __name__ == "__main__":
    main()
