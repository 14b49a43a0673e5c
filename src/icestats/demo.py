"""`make demo`: real answers first, then a generated recent release, each labelled.

1. REAL, 2025-26, from published count tables (no record-level release of 2025-26 can be
   shipped here): national arrests a day against the 3,000-a-day goal week by week through
   2025-10-12 (DDP's weekly counts), the offices ranked over 2025-01-20..2026-08-06 by
   arrests a day, per resident and per noncitizen (the dozen lowest under each and how far
   they agree), Chicago, Portland and Minneapolis in the daily state series (operations and
   surges), Minnesota's targeted against collateral arrests before and during Metro Surge,
   and book-ins after ICE and after CBP arrests month by month FY2019-2026 from the newest
   vintage of ICE's detention statistics.
2. REAL, FY2016-19: ICE's record-level arrests FY2016 to 2019-09-01 (FOIA 2019-ICFO-53623,
   as UWCHR published them), loaded into the same ``real.duckdb``: fiscal-year totals beside
   ICE's published ones, arrests a day against the goal, offices, custody by fiscal year;
   and how far DDP's weekly table agrees with them (it stacks three releases: 2.9x).
3. GENERATED: a synthetic release in the March-2026 layout (2024-10-01 to 2025-10-15),
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
from icestats.answers import GoalAnswer, OfficesAnswer
from icestats.count_routes import need_records
from icestats.defaults import GOAL_PER_DAY
from icestats.generate import Options, generate
from icestats.render import counts as counts_render
from icestats.render import detention as detention_render
from icestats.render import pipeline_answer as pipeline_render
from icestats.render import published, tables
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


# the published count tables the 2025-26 section reads (each folder has its PROVENANCE.md)
COUNT_TABLES = ("ddp-weekly-event-counts/arrests_by_week.csv",
                "arrests_by_office_2025-01-20_2026-08-06.csv",
                "arrests_by_state_2025-01-20_2026-08-06.csv",
                "five-states-daily-2025-26/daily_arrests_5_states.csv",
                "mn-ddp-2026/mn_collateral.csv",
                "ddp-detention-management/book-ins-by-arresting-agency.parquet")
CITIES = ["IL", "OR", "MN"]  # Chicago, Portland and Minneapolis's states


def count_tables() -> list[Path]:
    base = resources.files("icestats") / "data" / "counts"
    return [Path(str(base / name)) for name in COUNT_TABLES]


def real(console: Console, out: Path) -> Path:
    db = out / "real.duckdb"
    console.print(f"Loading real published count tables (2025-26), ICE's real arrest records "
                  f"FY2016-2019, encounters (FY2016/17/19) and removals (FY2016-19) and two "
                  f"real detention statistics workbooks into {db} ...")
    load(console, db, count_tables() + shipped("real", ".csv.gz") + shipped("extra", ".csv.gz")
         + shipped("", ".xlsx"))
    recent(console, db)
    banner(console, "REAL DATA: ICE arrest records FY2016 to 2019-09-01 (FOIA "
                    "2019-ICFO-53623) and ICE's own detention statistics", "bold green")
    with icestats.connect(db) as ice:
        for a in ice.status().count_agreement:
            console.print(counts_render.agreement_line(a))
        tables.fiscal_years(console, ice.fiscal_years())
        tables.goal(console, need_records(ice.goal(), GoalAnswer))
        tables.offices(console, need_records(ice.offices(), OfficesAnswer))
        tables.breakdown(console, ice.breakdown("custody", period="fy"))
        pipeline_render.pipeline(console, ice.pipeline())
        report = write_report(ice, out / "report.html")
    console.print(f"Report of the real data: {report.resolve()}")
    return db


def recent(console: Console, db: Path) -> None:
    """The 2025-26 questions, answered from the real published count tables."""
    from datetime import date

    from icestats import count_answers, state_series

    banner(console, "REAL DATA, 2025-26: published count tables (DDP's weekly counts, arrests "
                    "per office and per state, daily state series, every vintage of ICE's "
                    "detention statistics). No record-level 2025-26 release can be shipped "
                    "here; each table says which file it comes from.", "bold green")
    with icestats.connect(db) as ice:
        published.weekly_goal(console, count_answers.weekly_goal(
            ice.con, GOAL_PER_DAY, start=date(2025, 1, 19), end=date(2025, 10, 18)))
        published.offices(console, count_answers.offices(ice.con))
        published.states(console, state_series.states(ice.con, CITIES))
        state_events(console, ice)
        published.split(console, state_series.split(ice.con))
        detention_render.agency(console, ice.agency())


def state_events(console: Console, ice: icestats.Icestats) -> None:
    """Chicago's and Minneapolis's operations against a synthetic control of the other
    states (``icestats events`` on the daily state series: no record holds 2025)."""
    from rich.text import Text

    from icestats.render.tables import source_line
    from icestats.render.terminal import print_table

    ev = ice.events(event=["2025-09-08,CHI,Operation Midway Blitz, Chicago",
                           "2025-12-01,SPM,Operation Metro Surge, Minneapolis"])
    print_table(console, ev, "events", padding=(0, 1))
    units = ", ".join(f"{e['office']} on {e['unit']}" for e in ev.events)
    console.print(Text(f"Each operation measured on its office's state ({units}), the other "
                       "states as donors: placebos in space only, the interval parametric on "
                       "the placebos' scale (the series start 2025-08-02). The detail: "
                       "icestats events --event 2025-09-08,CHI,Midway --db demo/real.duckdb"))
    source_line(console, ev)


def generated(console: Console, out: Path) -> Path:
    release, db = out / "generated_2024-10-01_2025-10-15.xlsx", out / "generated.duckdb"
    if not release.exists():
        console.print(f"Generating a synthetic arrest release (March-2026 layout, all 25 "
                      f"offices, 2024-10-01 to 2025-10-15) to {release} ...")
        generate(Options(seed=2025), release)
    load(console, db, [release, *shipped("", ".xlsx")])
    banner(console, "GENERATED arrest release: realistic, NOT real ICE data", "bold yellow")
    with icestats.connect(db) as ice:
        tables.goal(console, need_records(ice.goal(), GoalAnswer))
        tables.offices(console, need_records(ice.offices(), OfficesAnswer))
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
