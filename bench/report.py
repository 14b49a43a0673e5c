"""Time and size of `icestats report` at 5M records (target: under 15 s, under 5 MB).

    .venv/bin/python bench/report.py [--rows 5000000]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import database, timed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=5_000_000)
    args = ap.parse_args()
    import icestats
    from icestats.render.report import write

    db = database(args.rows)
    out = Path(tempfile.mkdtemp()) / "report.html"
    with icestats.connect(db) as ice:
        seconds = timed(lambda: write(ice, out))
    print(f"report at {args.rows:,} records: {seconds:.1f} s, "
          f"{out.stat().st_size / 1e6:.2f} MB (targets: 15 s, 5 MB)")


if __name__ == "__main__":
    main()
