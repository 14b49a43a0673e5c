"""Rich tables for the terminal: rendering only. Every number comes from an answer."""

from __future__ import annotations

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
from icestats.kinds import LABELS
from icestats.render.columns import Col
from icestats.render.format import num, pct, signed, text
from icestats.render.shown import Shown
from icestats.render.terminal import print_table, rich_table

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
    kind = r.window.slice.kind if r.window else "arrests"
    unit = kind.replace("_", "-") if r.count == "arrests" else "records"
    print_table(console, r, "windows")
    console.print(f"Goal: {r.goal_source}.", style="dim")
    if r.goal_note:
        console.print(r.goal_note, style="yellow")
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
    if r.counts_note:
        console.print(r.counts_note)
    source_line(console, r)


def offices(console: Console, r: OfficesAnswer) -> None:
    print_table(console, r, "offices")
    console.print("HQ and unknown/blank offices are shown but not ranked.", style="dim")
    if r.not_covered:
        console.print(f"Not covered by the releases counted for this window (not ranked): "
                      f"{', '.join(r.not_covered)}.", style="yellow")
    source_line(console, r)


def breakdown(console: Console, r: BreakdownAnswer) -> None:
    if not_in_release(console, r):
        return
    print_table(console, r, "rows")
    if any(p["partial"] for p in r.wide) and r.by != "aor":  # (aor: the table's caption)
        console.print("Partial periods are marked: fewer days of data than the period "
                      "has, or days in the incomplete tail (reporting lag).", style="dim")
    if r.protection is not None:
        console.print(r.protection.text, style="dim")
    source_line(console, r)


def not_in_release(console: Console, r: BreakdownAnswer | DailyAnswer) -> bool:
    """Say so, instead of a table of '(blank)', when the releases counted hold no value of
    the dimension asked for."""
    missing = getattr(r, "missing", None)
    if not missing:
        return False
    console.print(Text(missing))
    source_line(console, r)
    return True


def daily(console: Console, r: DailyAnswer) -> None:
    if not_in_release(console, r):
        return
    print_table(console, r, "totals")
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
    print_table(console, r, "years")
    source_line(console, r)


def status(console: Console, s: StatusAnswer, db: str) -> None:
    print_table(console, s, "releases", title=f"Releases in {db}")
    for r in s.releases.to_pylist():
        console.print(_columns_line(r))
    from icestats.render.pipeline import kinds_table

    kinds_table(console, s)
    cov = s.coverage
    others = s.kinds is not None and any(k != "arrests" for k in s.kinds["kind"].to_pylist())
    if others:  # each kind's own days and count (arrests' alone said "None to None" and
        # "0 arrests" over a store of removals)
        console.print(Text("Coverage: " + "; ".join(
            f"{r['label']} {r['start']} to {r['end']}, complete through "
            f"{r['complete_through']}" for r in s.kind_rules.values()) + "."))
        per_kind: dict[str, int] = {}
        for r in s.kinds.to_pylist():  # type: ignore[union-attr]  # (others: loaded)
            per_kind[r["kind"]] = per_kind.get(r["kind"], 0) + int(r["counted"] or 0)
        counted = ", ".join(f"{n:,} {LABELS[k]}" for k, n in per_kind.items())
        console.print(f"Rows loaded {s.rows_loaded:,}: {counted} counted (after merging "
                      f"duplicate records); rejected {s.rows_rejected:,}.")
    else:
        console.print(f"Coverage: {cov.start} to {cov.end}; complete through "
                      f"{cov.complete_through}" + (f", incomplete from {cov.incomplete_from} "
                                                   "(reporting lag)" if cov.incomplete_from
                                                   else ""))
        console.print(f"Rows loaded {s.rows_loaded:,}: {s.arrests:,} arrests after merging "
                      f"{s.records_merged:,} duplicate records; rejected {s.rows_rejected:,}.")
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

    numeric = [pa.types.is_integer(f.type) or pa.types.is_floating(f.type)
               or pa.types.is_decimal(f.type) for f in table.schema]
    cols = [Col(n, n, digits=2) if right else Col(n, n, kind="text", wrap=True)
            for n, right in zip(table.column_names, numeric, strict=True)]
    rows = [{k: _plain_number(v) for k, v in r.items()} for r in table.to_pylist()]
    shown = Shown("rows", title, cols, rows, [False] * len(rows), [])
    console.print(rich_table(shown))
    source_line(console, answer)


def _plain_number(v: object) -> object:
    """A number of a query's answer (DuckDB sums are decimals) as people read it."""
    from decimal import Decimal

    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v
