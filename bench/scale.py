"""How cost grows: ingest time and query time at 0.1M, 1M, 5M and 20M records (parquet
releases from the generator), printed with the cost per million rows.

    .venv/bin/python bench/scale.py [--sizes 100000,1000000,5000000,20000000]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import latency, release, timed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="100000,1000000,5000000,20000000")
    args = ap.parse_args()
    import icestats

    print(f"{'records':>12} {'ingest s':>9} {'s per 1M':>9} {'goal ms':>8} {'offices ms':>11} "
          f"{'fair ms':>8} {'breakdown ms':>13}")
    for n in (int(s) for s in args.sizes.split(",")):
        path = release(n)
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "s.duckdb"
            with icestats.connect(db, write=True) as ice:
                t = timed(lambda ice=ice, path=path: ice.ingest([path]))
            with icestats.connect(db) as ice:
                q = [1000 * latency(fn, 15)[0] for fn in (
                    ice.goal, ice.offices, ice.fair_offices,
                    lambda ice=ice: ice.breakdown("criminality"))]
        print(f"{n:12,} {t:9.1f} {t / n * 1e6:9.2f} " + " ".join(
            f"{v:{w}.1f}" for v, w in zip(q, (8, 11, 8, 13), strict=True)))


if __name__ == "__main__":
    main()
