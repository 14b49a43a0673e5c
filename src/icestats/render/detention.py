"""Rich tables for the detention-statistics answers (agency, revisions, workbooks)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from icestats.answers import AgencyAnswer, RevisionsAnswer, StatusAnswer
from icestats.render.format import num, pct, text
from icestats.render.tables import source_line

REAL = "REAL DATA from ICE's detention statistics workbooks"


def agency(console: Console, r: AgencyAnswer) -> None:
    arrests = r.arrests_per_day_by_month
    t = Table(title="ICE initial book-ins by arresting agency and month",
              caption=Text(REAL, style="bold green"))
    cols = ["month", "ICE", "CBP", "total", "days", "book-ins/day", "CBP share"]
    if arrests:
        cols.append("arrests/day")
    for c in cols:
        t.add_column(c, justify="left" if c == "month" else "right", no_wrap=True)
    for m in r.book_ins.to_pylist():
        label = f"{m['month']:%Y-%m}" + (" (partial)" if m["partial"] else "")
        row = [label, num(m["ice"]), num(m["cbp"]), num(m["total"]), num(m["days"]),
               num(m["per_day"]), pct(m["cbp_share_percent"])]
        if arrests:
            row.append(num(arrests.get(m["month"])))
        t.add_row(*row)
    console.print(t)
    if r.detained.num_rows:
        d = Table(title="Currently detained by criminality and arresting agency",
                  caption=Text(f"{REAL}, data through {r.detained['data_through'][0]}",
                               style="bold green"))
        for c in ("criminality", "ICE", "CBP", "total", "CBP share"):
            d.add_column(c, justify="left" if c == "criminality" else "right", no_wrap=True)
        for x in r.detained.to_pylist():
            d.add_row(text(x["criminality"]), num(x["ice"]), num(x["cbp"]), num(x["total"]),
                      pct(x["cbp_share_percent"]))
        console.print(d)
    if arrests:
        console.print("arrests/day: complete months of the loaded arrest releases.",
                      style="dim")
    source_line(console, r)


def revisions(console: Console, r: RevisionsAnswer) -> None:
    t = Table(title="Revisions between workbooks (each month as each workbook gave it)",
              caption=Text(REAL, style="bold green"))
    for c in ("month", "row", "workbook", "data through", "value", "change from first"):
        t.add_column(c, justify="right" if c in ("value", "change from first") else "left")
    for x in r.rows.to_pylist():
        t.add_row(f"{x['month']:%Y-%m}", text(x["row_label"]), text(x["workbook"]),
                  str(x["data_through"]), num(x["value"], 0),
                  f"{x['change_from_first']:+,.0f}" if x["workbooks"] > 1 else "")
    console.print(t)


def workbooks(console: Console, s: StatusAnswer, show_tables: bool) -> None:
    books = s.workbooks.to_pylist()
    if not books:
        return
    t = Table(title="ICE detention statistics workbooks")
    for c in ("id", "file", "fiscal year", "data through", "tables", "named", "values"):
        t.add_column(c, justify="left" if c == "file" else "right")
    for b in books:
        t.add_row(str(b["workbook_id"]), text(b["file_name"]), f"FY{b['fiscal_year']}",
                  str(b["data_through"]), num(b["tables"]), num(b["named_tables"]),
                  num(b["values_stored"]))
    console.print(t)
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
