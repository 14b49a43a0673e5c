"""Rich tables for the detention-statistics answers (agency, revisions, workbooks)."""

from __future__ import annotations

import pyarrow as pa
from rich.console import Console
from rich.table import Table

from icestats.render.tables import fmt

REAL = "[bold green]REAL DATA[/] from ICE's detention statistics workbooks"


def agency(console: Console, months: pa.Table, detained: pa.Table,
           arrests: dict | None = None) -> None:
    t = Table(title="ICE initial book-ins by arresting agency and month",
              caption=REAL + (" · arrests/day: from the loaded arrest release"
                              if arrests else ""))
    cols = ["month", "ICE", "CBP", "total", "days", "book-ins/day", "CBP share"]
    if arrests:
        cols.append("arrests/day")
    for c in cols:
        t.add_column(c, justify="left" if c == "month" else "right", no_wrap=c == "month",
                     overflow="fold")
    for r in months.to_pylist():
        label = f"{r['month']:%Y-%m}" + (" (partial)" if r["partial"] else "")
        row = [label, fmt(r["ice"]), fmt(r["cbp"]), fmt(r["total"]), fmt(r["days"]),
               fmt(r["per_day"]),
               f"{r['cbp_share_percent']:.1f}%" if r["cbp_share_percent"] is not None else "–"]
        if arrests:
            row.append(fmt(arrests.get(r["month"])))
        t.add_row(*row)
    console.print(t)
    if detained.num_rows:
        d = Table(title="Currently detained by criminality and arresting agency",
                  caption=f"{REAL}, data through {detained['data_through'][0]}")
        for c in ("criminality", "ICE", "CBP", "total", "CBP share"):
            d.add_column(c, justify="left" if c == "criminality" else "right", overflow="fold")
        for r in detained.to_pylist():
            d.add_row(r["criminality"], fmt(r["ice"]), fmt(r["cbp"]), fmt(r["total"]),
                      f"{r['cbp_share_percent']:.1f}%" if r["cbp_share_percent"] is not None
                      else "–")
        console.print(d)


def revisions(console: Console, table: pa.Table) -> None:
    t = Table(title="Revisions between workbooks (each month as each workbook gave it)",
              caption=REAL)
    for c in ("month", "row", "workbook", "data through", "value", "change from first"):
        t.add_column(c, justify="right" if c in ("value", "change from first") else "left",
                     overflow="fold")
    for r in table.to_pylist():
        t.add_row(f"{r['month']:%Y-%m}", r["row_label"], r["workbook"], str(r["data_through"]),
                  fmt(r["value"], 0),
                  f"{r['change_from_first']:+,.0f}" if r["workbooks"] > 1 else "")
    console.print(t)


def workbooks(console: Console, info: dict, show_tables: bool) -> None:
    books = info["workbooks"]
    if not books:
        return
    t = Table(title="ICE detention statistics workbooks")
    for c in ("id", "file", "fiscal year", "data through", "tables", "named", "values"):
        t.add_column(c, justify="left" if c == "file" else "right", overflow="fold")
    for b in books:
        t.add_row(str(b["workbook_id"]), b["file_name"], f"FY{b['fiscal_year']}",
                  str(b["data_through"]), fmt(b["tables"]), fmt(b["named_tables"]),
                  fmt(b["values_stored"]))
    console.print(t)
    unknown = [x for x in info["tables"] if not x["named"]]
    mismatched = [x for x in info["tables"] if x["total_mismatches"] not in (None, "[]")]
    console.print(f"Tables kept without a registered name (tidy where parseable, raw cells "
                  f"always): {len(unknown)}" + ("" if show_tables else
                                                 " — list them with --tables"))
    if show_tables:
        for x in unknown:
            console.print(f"  [{x['workbook_id']}] {x['sheet'].strip()}!{x['anchor']}: "
                          f"{x['title'][:90]}" + (f" [dim]({x['note']})" if x["note"] else ""),
                          highlight=False)
    for x in mismatched:
        console.print(f"Total mismatch in {x['title']}: {x['total_mismatches']}", style="yellow")
