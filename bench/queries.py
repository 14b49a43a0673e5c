"""Query latency at 5M arrests: every CLI question (in-process, excluding process start)
and every API endpoint (FastAPI test client), median and p95 of 50 warm calls; and the
start-up time of `icestats --help` and a warm `icestats goal` as whole processes.

    .venv/bin/python bench/queries.py [--rows 5000000] [--calls 50]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import database, latency, timed

TARGET_MS = 100


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--calls", type=int, default=50)
    args = ap.parse_args()
    db = database(args.rows)
    from fastapi.testclient import TestClient

    import icestats
    from icestats.exports import write_table
    from icestats.web.app import create_app

    ice = icestats.connect(db)
    out = Path(tempfile.mkdtemp()) / "daily.csv"
    cases = {
        "goal": lambda: ice.goal(),
        "offices": lambda: ice.offices(),
        "offices --fair": lambda: ice.fair_offices(),
        "breakdown --by criminality": lambda: ice.breakdown("criminality"),
        "export daily --by aor (csv)": lambda: write_table(ice.daily("aor").rows, out, "csv"),
        "forecast": lambda: ice.forecast(),
        "nowcast": lambda: ice.nowcast(),
        "status": lambda: ice.status(),
    }
    client = TestClient(create_app(db), base_url="http://127.0.0.1")
    for url in ("/api/status", "/api/goal", "/api/offices", "/api/daily",
                "/api/daily?aor=CHI&by=criminality", "/api/breakdown", "/api/fair",
                "/api/nowcast", "/api/forecast", "/api/events"):
        cases[f"GET {url}"] = lambda url=url: client.get(url).raise_for_status()
    rows = ice.con.execute("SELECT count(*) FROM arrests").fetchall()[0][0]
    print(f"Warm latency at {rows:,} records ({args.calls} calls each; target: median under "
          f"{TARGET_MS} ms, offices --fair and forecast under 2 s)")
    print(f"{'question':42} {'median ms':>10} {'p95 ms':>9}")
    for name, fn in cases.items():
        med, p95 = latency(fn, args.calls)
        print(f"{name:42} {1000 * med:10.1f} {1000 * p95:9.1f}")
    exe = str(Path(sys.executable).with_name("icestats"))
    for label, cmd in (("icestats --help", [exe, "--help"]),
                       ("icestats goal (warm, whole process)", [exe, "goal", "--db", str(db)])):
        subprocess.run(cmd, capture_output=True, check=True)
        t = statistics.median(timed(lambda cmd=cmd: subprocess.run(cmd, capture_output=True,
                                                                   check=True))
                              for _ in range(5))
        print(f"{label:42} {1000 * t:10.1f}   (target 500)")


if __name__ == "__main__":
    main()
