"""The server's memory over a long run: RSS of `icestats serve` every N requests.

Starts `icestats serve` on a free loopback port and sends requests in a fixed rotation
of cheap requests (status, the page, its static files, a bad parameter, an unknown
path) with, every 25th request, the next of every answer the API gives (with varying
parameters), from 4 client threads; prints the server's resident
memory (RSS, from /proc) after each block and the growth from the first block's end to
the last (a leak shows as steady growth; a cache that fills, as growth that stops).
``--unique`` adds a nonce to every request, so that none is served from the server's
bounded answer cache (``web.app.AnswerCache``): every answer is computed.

    .venv/bin/python bench/server_memory.py --requests 50000 --db demo/real.duckdb
"""

from __future__ import annotations

import argparse
import itertools
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ICESTATS = Path(sys.executable).with_name("icestats")
# Cheap requests (the request machinery: middleware, cursors, JSON, errors) ...
PATHS = ["/api/status", "/", "/static/app.js", "/api/goal?window={w}&goal=abc", "/api/nope",
         "/api/breakdown?by=gender"]
# ... and, every HEAVY_EVERY requests, the next of every answer the API gives
HEAVY = ["/api/goal?window={w}", "/api/offices?window={w}", "/api/fiscal_years",
         "/api/daily?by=aor&start=2017-0{m}-01&end=2017-0{m}-28", "/api/agency",
         "/api/breakdown?by=citizenship&period=quarter", "/api/nowcast", "/api/fair?window=28",
         "/api/surges", "/api/forecast?horizon=30", "/api/underperformers",
         "/api/events?example=true", "/api/revisions"]
HEAVY_EVERY = 25  # requests


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--block", type=int, default=5_000)
    parser.add_argument("--db", type=Path, default=Path("demo/real.duckdb"))
    parser.add_argument("--unique", action="store_true",
                        help="make every answer request unique (an ignored nonce parameter), "
                             "so that none is served from the server's answer cache")
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen([str(ICESTATS), "serve", "--db", str(args.db), "--port",
                               str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(base + "/api/status", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        light = itertools.cycle(p.format(w=w, m=m) for w, m, p in
                                itertools.product((7, 28, 91), (1, 2, 3), PATHS))
        heavy = itertools.cycle(p.format(w=w, m=m) for w, m, p in
                                itertools.product((7, 28, 91), (1, 2, 3), HEAVY))
        sent = itertools.count(1)
        nonce = itertools.count()
        urls = (next(heavy) if next(sent) % HEAVY_EVERY == 0 else next(light)
                for _ in itertools.repeat(None))
        if args.unique:
            urls = (u + ("&" if "?" in u else "?") + f"nonce={next(nonce)}" for u in urls)
        lock = threading.Lock()
        status: dict[int, int] = {}
        print(f"start: RSS {rss_mb(server.pid):.0f} MB", flush=True)
        first = None
        t0 = time.monotonic()
        for done in range(args.block, args.requests + 1, args.block):
            def work(n: int) -> None:
                with httpx.Client(base_url=base, timeout=60) as client:
                    for _ in range(n):
                        with lock:
                            url = next(urls)
                        code = client.get(url).status_code
                        with lock:
                            status[code] = status.get(code, 0) + 1
            threads = [threading.Thread(target=work, args=(args.block // 4,)) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            mb = rss_mb(server.pid)
            first = first if first is not None else mb
            print(f"{done:,} requests ({time.monotonic() - t0:.0f} s): RSS {mb:.0f} MB; "
                  f"statuses {dict(sorted(status.items()))}", flush=True)
        print(f"growth from the first block to the last: {mb - first:+.0f} MB "
              f"({(mb - first) / first * 100:+.1f}%)")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
