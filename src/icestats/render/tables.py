"""Rich tables for the terminal: rendering only. Every number comes from an answer."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from icestats.answers import (
    Answer,
    BreakdownAnswer,
    DailyAnswer,
    FiscalYearsAnswer,
    GoalAnswer,
    OfficesAnswer,
    StatusAnswer,
)
from icestats.render.format import num, pct, signed, text

if TYPE_CHECKING:
    import pyarrow as pa


def source_line(console: Console, answer: Answer) -> None:
    """The line under every table: which numbers are real, which generated, from where."""
    s = answer.source
    style = "yellow" if s.synthetic else "green" if s.synthetic is False else "dim"
    label = "GENERATED data" if s.synthetic else "REAL data" if s.synthetic is False \
        else "Data"
    line = Text(f"{label}: ", style=f"bold {style}")
    line.append(s.text, style=style)
    if answer.scope != "all":
        line.append(f" (scope: {answer.scope})", style=style)
    console.print(line)


def goal(console: Console, r: GoalAnswer) -> None:
    unit = "arrests" if r.count == "arrests" else "records"
    caption = f"as of {r.as_of}" + (
        " (inside the incomplete tail: reporting lag)" if r.as_of_incomplete
        else "" if r.include_incomplete else " (last complete day; newer days are incomplete)")
    t = Table(title=f"National {unit} per day against a goal of {num(r.goal, 0)} a day",
              caption=caption)
    for col in ("", f"{unit}/day", "% of goal", "shortfall/day"):
        t.add_column(col, justify="right" if col else "left", no_wrap=True)
    t.add_row(f"latest day ({r.as_of})", num(r.latest_day), num(r.latest_percent_of_goal),
              num(r.goal - r.latest_day))
    for w in r.windows:
        label = f"{w['days']}-day mean"
        if w["days_with_data"] != w["days"]:
            label += f" ({w['days_with_data']} days of data)"
        t.add_row(label, num(w["mean_per_day"]), num(w["percent_of_goal"]),
                  num(w["shortfall_per_day"]))
    console.print(t)
    tr = r.trend
    line = Text(f"Trend over {tr['window_days']} days: ")
    line.append_text(signed(tr["change_percent"]))
    line.append(f" against the previous {tr['window_days']} days "
                f"({num(tr['previous_mean_per_day'])}/day); slope within the window "
                "(weekdays adjusted) ")
    line.append_text(signed(tr["slope_per_day_per_30_days"], suffix=f" {unit}/day per 30 days"))
    console.print(line)
    cov = r.coverage
    console.print(f"Data: {cov.start} to {cov.end}; complete through {cov.complete_through}.",
                  style="dim")
    if r.book_ins:
        b = r.book_ins
        console.print(Text(f"Book-ins per day: {num(b.book_ins_per_day)} in {b.month:%Y-%m} "
                           f"({pct(b.cbp_share_percent)} after CBP arrests) — ICE detention "
                           f"statistics workbook (real data), {b.workbook}."))
    source_line(console, r)


def offices(console: Console, r: OfficesAnswer) -> None:
    span = f"{r.window_days} days" if r.days_with_data == r.window_days else \
        f"{r.window_days} days ({r.days_with_data} with data)"
    t = Table(title=f"Field offices by {r.count} per day, {span} to {r.as_of}"
              + (" (incomplete)" if r.as_of_incomplete else ""))
    for col in ("rank", "office", "code", r.count, "per day", "prev. per day", "change",
                "share"):
        t.add_column(col, justify="left" if col in ("office", "code") else "right",
                     no_wrap=True)
    for o in r.offices.to_pylist():
        t.add_row(num(o["rank"]), text(o["name"]), text(o["aor"]), num(o["arrests"]),
                  num(o["per_day"]), num(o["prev_per_day"]), signed(o["change_percent"]),
                  pct(o["share_percent"], 1),
                  style="dim" if o["rank"] is None else "")
    console.print(t)
    console.print("HQ and unknown/blank offices are shown but not ranked.", style="dim")
    if r.not_covered:
        console.print(f"Not covered by the releases counted for this window (not ranked): "
                      f"{', '.join(r.not_covered)}.", style="yellow")
    source_line(console, r)


def period_label(start: date, period: str) -> str:
    """2025-Q3, 2025-07, 2025 or the ISO date of a day or week's Monday."""
    if period == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if period == "month":
        return f"{start:%Y-%m}"
    if period == "year":
        return f"{start:%Y}"
    if period == "fy":
        return f"FY{start.year + 1}"
    return str(start)


def _cell(c: dict[str, Any]) -> str:
    if c["suppressed"]:
        return "(s)"
    if c["arrests"] is None:
        return "–"
    return f"{num(c['arrests'])} ({num(c['share'], 0)}%)"


def breakdown(console: Console, r: BreakdownAnswer) -> None:
    t = Table(title=f"{r.count.capitalize()} by {r.by} and {r.period} (count and share of "
                    f"the {r.period})")
    t.add_column(r.period, no_wrap=True)
    for c in r.columns:
        t.add_column(text(c), justify="right")
    t.add_column("total", justify="right", no_wrap=True)
    for p in r.wide:
        label = period_label(p["period"], r.period)
        if p["partial"]:
            label += f" ({p['days']} of {p['period_days']} days"
            label += f", {p['incomplete_days']} incomplete)" if p["incomplete_days"] else ")"
        t.add_row(label, *(_cell(p["cells"][c]) for c in r.columns), num(p["total"]))
    console.print(t)
    if any(p["partial"] for p in r.wide):
        console.print("Partial periods are marked: fewer days of data than the period has, "
                      "or days in the incomplete tail (reporting lag).", style="dim")
    if r.protection is not None:
        console.print(r.protection.text, style="dim")
    source_line(console, r)


def daily(console: Console, r: DailyAnswer) -> None:
    t = Table(title=f"{r.count.capitalize()} {'by month' if r.by is None else 'by ' + r.by}, "
                    f"{r.start} to {r.end}" + (f", {r.aor}" if r.aor else ""))
    for col in ("month" if r.by is None else r.by, r.count, "days", "per day", "share"):
        t.add_column(col, justify="left" if col in ("month", r.by) else "right")
    for x in r.totals.to_pylist():
        t.add_row(text(x["key"]) if not x["partial"] else text(f"{x['key']} (partial)"),
                  num(x["arrests"]), num(x["days"]), num(x["per_day"]),
                  pct(x["share_percent"]))
    console.print(t)
    if r.protection is not None:
        console.print(r.protection.text, style="dim")
    source_line(console, r)


def office_list(console: Console, fmt: str) -> None:
    """The offices ``--aor`` accepts: code, name, and the spellings seen in releases."""
    from icestats import reference
    from icestats.jsonout import dumps

    offices: list[dict[str, Any]] = [
        {"code": o.code, "name": o.name, "spellings": list(o.aliases)}
        for o in reference.offices()]
    if fmt == "json":
        print(dumps({"offices": offices}))
        return
    if fmt != "table":
        import pyarrow as pa

        from icestats.exports import csv_text
        from icestats.render.formats import markdown_table

        t = pa.table({"code": [o["code"] for o in offices], "name": [o["name"] for o in offices],
                      "spellings": ["; ".join(o["spellings"]) for o in offices]})
        print(markdown_table(t) if fmt == "markdown" else
              csv_text(t, "\t" if fmt == "tsv" else ",").replace("\r\n", "\n"), end="")
        return
    t = Table(title="Field offices (--aor takes a code or any of these names)")
    for col in ("code", "name", "spellings"):
        t.add_column(col)
    for o in offices:
        t.add_row(o["code"], text(o["name"]), text(", ".join(o["spellings"])))
    console.print(t)


def fiscal_years(console: Console, r: FiscalYearsAnswer) -> None:
    t = Table(title=f"{r.count.capitalize()} by federal fiscal year, beside ICE's published "
                    f"totals")
    for col in ("fiscal year", "days", r.count, "per day", "ICE published", "difference"):
        t.add_column(col, justify="left" if col == "fiscal year" else "right", no_wrap=True)
    for y in r.years:
        label = f"FY{y['fiscal_year']}" + ("" if y["days"] == y["period_days"]
                                           else f" ({y['days']} of {y['period_days']} days)")
        t.add_row(label, num(y["days"]), num(y["arrests"]), num(y["per_day"]),
                  num(y["published"]), num(y["difference"]) if y["published"] else "–")
    console.print(t)
    source_line(console, r)


def status(console: Console, s: StatusAnswer, db: str) -> None:
    t = Table(title=f"Releases in {db}")
    t.add_column("id", justify="right", no_wrap=True)
    t.add_column("file", overflow="fold", min_width=12)
    for col in ("from", "to", "rows read", "loaded", "rejected", "merged", "days"):
        t.add_column(col, justify="right", no_wrap=True)
    for r in s.releases.to_pylist():
        t.add_row(str(r["release_id"]), text(r["file_name"]), str(r["coverage_start"]),
                  str(r["coverage_end"]), num(r["rows_read"]),
                  num(r["rows_loaded"]), num(r["rows_rejected"]), num(r["merged"]),
                  num(r["days_counted"]))
    console.print(t)
    for r in s.releases.to_pylist():
        console.print(_columns_line(r))
    cov = s.coverage
    console.print(f"Coverage: {cov.start} to {cov.end}; complete through {cov.complete_through}"
                  + (f", incomplete from {cov.incomplete_from} (reporting lag)"
                     if cov.incomplete_from else ""))
    console.print(f"Rows loaded {s.rows_loaded:,}; rejected {s.rows_rejected:,}; "
                  f"merged as duplicates {s.records_merged:,}.")
    for label, items in (("Rejected rows by reason", s.rejects_by_reason),
                         ("Rows with no matched office", s.aor_not_matched),
                         ("Unrecognized office spellings", s.unrecognized_aor_values)):
        if items:
            console.print(Text(f"{label}: " + "; ".join(f"{k}: {v:,}" for k, v in items.items())))


def _columns_line(r: dict[str, Any]) -> Text:
    """Release N: real or generated, its layout and form, columns mapped and not mapped."""
    import json

    mapped = json.loads(r.get("columns_mapped") or "{}")
    unmapped = json.loads(r.get("columns_unmapped") or r.get("ignored_columns") or "[]")
    synthetic = r.get("synthetic")
    kind = ("GENERATED", "yellow") if synthetic else ("REAL", "green") \
        if synthetic is False else ("real or generated: unknown", "dim")
    line = Text(f"[{r['release_id']}] ")
    line.append(kind[0], style=f"bold {kind[1]}")
    form = r["file_format"] + (f", {r['compression']}" if r.get("compression") not in
                               (None, "none") else "")
    line.append(f" · {r['layout']} layout ({form}) · {len(mapped)} columns mapped; not mapped: "
                + (", ".join(unmapped) if unmapped else "none"))
    return line


def rows_table(console: Console, answer: Answer, table: pa.Table, title: str) -> None:
    """Any Arrow table as a rich table (numbers right-aligned, formatted by ``num``), then
    the answer's source line: ``icestats sql``'s table format."""
    import pyarrow as pa
    from rich.table import Table

    t = Table(title=title)
    numeric = [pa.types.is_integer(f.type) or pa.types.is_floating(f.type)
               or pa.types.is_decimal(f.type) for f in table.schema]
    for name, right in zip(table.column_names, numeric, strict=True):
        t.add_column(name, justify="right" if right else "left")
    for row in table.to_pylist():
        t.add_row(*(_shown(v) if right else text(v)
                    for v, right in zip(row.values(), numeric, strict=True)))
    console.print(t)
    source_line(console, answer)


def _shown(v: object) -> str:
    """A number of a query's answer (DuckDB sums are decimals) as people read it."""
    from decimal import Decimal

    if isinstance(v, Decimal):
        v = int(v) if v == v.to_integral_value() else float(v)
    return num(v, 2) if isinstance(v, float) else num(v)
