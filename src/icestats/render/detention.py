"""Rich tables for the detention-statistics answers (agency, revisions, workbooks)."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from icestats.answers import AgencyAnswer, RevisionsAnswer, StatusAnswer
from icestats.render.tables import source_line
from icestats.render.terminal import print_table


def agency(console: Console, r: AgencyAnswer) -> None:
    """ICE's book-ins by arresting agency (REAL: ICE's workbooks) and, beside them, the
    arrest releases' arrests a day, labelled by their own source (REAL or GENERATED)."""
    shown = print_table(console, r, "book_ins_by_month")
    if not shown.sources:
        console.print(Text(f"REAL data: ICE detention statistics from "
                           f"{', '.join(r.source.workbooks)}", style="bold green"))
    if r.detained.num_rows:
        print_table(console, r, "detained_by_criminality")
    if r.arrests_per_day_by_month:
        console.print("arrests/day: complete months of the loaded arrest releases.",
                      style="dim")
    source_line(console, r)


def revisions(console: Console, r: RevisionsAnswer) -> None:
    print_table(console, r, "rows")
    source_line(console, r)


def workbooks(console: Console, s: StatusAnswer, show_tables: bool) -> None:
    books = s.workbooks.to_pylist()
    if not books:
        return
    print_table(console, s, "workbooks")
    tables = s.tables.to_pylist()
    unknown = [x for x in tables if not x["named"]]
    mismatched = [x for x in tables if x["total_mismatches"] not in (None, "[]")]
    console.print(f"Tables kept without a registered name (tidy where parseable, raw cells "
                  f"always): {len(unknown)}" + ("" if show_tables else
                                                 " — list them with --tables"))
    if show_tables:
        for x in unknown:
            line = Text(f"  [{x['workbook_id']}] {x['sheet'].strip()}!{x['anchor']}: "
                        f"{x['title'][:90]}")
            if x["note"]:
                line.append(f" ({x['note']})", style="dim")
            console.print(line)
    for x in mismatched:
        console.print(Text(f"Total mismatch in {x['title']}: {x['total_mismatches']}",
                           style="yellow"))
