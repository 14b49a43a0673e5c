"""`make demo`: generate a realistic release, load it, print the goal and office tables."""

from __future__ import annotations

import argparse
import time
from importlib import resources
from pathlib import Path

from rich.console import Console

import icestats
from icestats.generate import Options, generate
from icestats.render import detention as detention_render
from icestats.render import tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", default="demo", help="where to write the release and database")
    args = parser.parse_args()
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    console = Console()
    release, db = out / "arrests_2024-10-01_2025-10-15.xlsx", out / "icestats.duckdb"
    t0 = time.perf_counter()
    if not release.exists():
        console.print(f"Generating a synthetic arrest release (about a year, all 25 offices) "
                      f"to {release} ...")
        generate(Options(seed=2025), release)
    workbooks = sorted(Path(str(p)) for p in (resources.files("icestats") / "data").iterdir()
                       if p.name.endswith(".xlsx"))
    console.print(f"Loading it and ICE's two real detention statistics workbooks into {db} ...")
    with icestats.connect(db, write=True) as ice:
        result = ice.ingest([release, *workbooks])[0]
    if result.already_loaded:
        console.print("(already loaded: same files)")
    console.rule("[bold green]REAL DATA: ICE's own detention statistics (FY2025 and FY2026)")
    with icestats.connect(db) as ice:
        detention_render.agency(console, ice.agency())
    console.rule("[bold yellow]GENERATED arrest release below: realistic, not real ICE data")
    with icestats.connect(db) as ice:
        tables.goal(console, ice.goal())
        tables.offices(console, ice.offices())
        tables.breakdown(console, ice.breakdown("agency_group", period="quarter"))
    from icestats.render.report import write as write_report

    with icestats.connect(db) as ice:
        report = write_report(ice, out / "report.html")
    console.print(f"\nDatabase: {db.resolve()}  (try: .venv/bin/icestats status --db {db})")
    console.print(f"Report: {report.resolve()} (open it in a browser; works offline)")
    console.print(f"Dashboard: .venv/bin/icestats serve --db {db}")
    console.print(f"Demo finished in {time.perf_counter() - t0:.0f} s.", style="dim")


if __name__ == "__main__":
    main()
