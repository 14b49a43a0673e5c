"""`make demo`: real answers first, then a generated recent release, each labelled.

1. REAL: ICE's record-level arrests FY2016 to 2019-09-01 (FOIA 2019-ICFO-53623, as UWCHR
   published them) and ICE's FY2025 and FY2026 detention statistics workbooks, all shipped
   in the package, loaded into ``real.duckdb``: fiscal-year totals beside ICE's published
   ones, arrests a day against the 3,000-a-day goal, offices, custody by fiscal year, and
   ICE vs CBP book-ins.
2. GENERATED: a synthetic release in the March-2026 layout (2024-10-01 to 2025-10-15),
   loaded with the same workbooks into ``generated.duckdb``: the goal, offices and
   arresting agency by quarter. Its numbers are not real ICE data and say so.
"""

from __future__ import annotations

import argparse
import os
import time
from importlib import resources
from pathlib import Path

from rich.console import Console

import icestats
from icestats.generate import Options, generate
from icestats.render import detention as detention_render
from icestats.render import pipeline_answer as pipeline_render
from icestats.render import tables
from icestats.render.fit import FitConsole
from icestats.render.report import write as write_report


def shipped(folder: str, suffix: str) -> list[Path]:
    base = resources.files("icestats") / "data"
    where = base / folder if folder else base
    return sorted(Path(str(p)) for p in where.iterdir() if p.name.endswith(suffix))


def load(console: Console, db: Path, files: list[Path]) -> None:
    with icestats.connect(db, write=True) as ice:
        results = ice.ingest(files)
    if all(getattr(r, "already_loaded", False) for r in results):
        console.print(f"(already loaded into {db}: same files)", style="dim")


def banner(console: Console, title: str, style: str) -> None:
    """A rule, then the title on lines of its own (a rule's title is cut to one line)."""
    console.rule(style=style)
    console.print(title, style=style, highlight=False)


def real(console: Console, out: Path) -> Path:
    db = out / "real.duckdb"
    console.print(f"Loading ICE's real arrest records FY2016-2019, encounters (FY2016/17/19) "
                  f"and removals (FY2016-19) and two real detention statistics workbooks "
                  f"into {db} ...")
    load(console, db, shipped("real", ".csv.gz") + shipped("extra", ".csv.gz")
         + shipped("", ".xlsx"))
    banner(console, "REAL DATA: ICE arrest records FY2016 to 2019-09-01 (FOIA "
                    "2019-ICFO-53623) and ICE's own detention statistics", "bold green")
    with icestats.connect(db) as ice:
        tables.fiscal_years(console, ice.fiscal_years())
        tables.goal(console, ice.goal())
        tables.offices(console, ice.offices())
        tables.breakdown(console, ice.breakdown("custody", period="fy"))
        detention_render.agency(console, ice.agency())
        pipeline_render.pipeline(console, ice.pipeline())
        report = write_report(ice, out / "report.html")
    console.print(f"Report of the real data: {report.resolve()}")
    return db


def generated(console: Console, out: Path) -> Path:
    release, db = out / "generated_2024-10-01_2025-10-15.xlsx", out / "generated.duckdb"
    if not release.exists():
        console.print(f"Generating a synthetic arrest release (March-2026 layout, all 25 "
                      f"offices, 2024-10-01 to 2025-10-15) to {release} ...")
        generate(Options(seed=2025), release)
    load(console, db, [release, *shipped("", ".xlsx")])
    banner(console, "GENERATED arrest release: realistic, NOT real ICE data", "bold yellow")
    with icestats.connect(db) as ice:
        tables.goal(console, ice.goal())
        tables.offices(console, ice.offices())
        tables.breakdown(console, ice.breakdown("agency_group", period="quarter"))
        report = write_report(ice, out / "report-generated.html")
    console.print(f"Report of the generated release: {report.resolve()}")
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default="demo", help="where to write the databases")
    args = parser.parse_args()
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    # Tables fit the terminal's width (optional columns left out, or rows stacked); piped
    # without COLUMNS, the demo prints at 100 columns.
    console = FitConsole()
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        console = FitConsole(width=100)
    t0 = time.perf_counter()
    real_db = real(console, out)
    generated_db = generated(console, out)
    console.print(f"\nDatabases: {real_db} (real), {generated_db} (generated). Try: "
                  f".venv/bin/icestats status --db {real_db}")
    console.print(f"Dashboard: .venv/bin/icestats serve --db {real_db}")
    console.print(f"Demo finished in {time.perf_counter() - t0:.0f} s.", style="dim")


if __name__ == "__main__":
    main()
