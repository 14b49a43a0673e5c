"""Rich tables for the terminal. Rendering only: every number comes from metrics."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from icestats.metrics import GoalReport

if TYPE_CHECKING:
    import pyarrow as pa


def fmt(v: object, digits: int = 1) -> str:
    """A number as people read it (thousands separators; '–' for none)."""
    if v is None:
        return "–"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return str(v)


def _signed(v: float | None, suffix: str = "%") -> Text:
    if v is None:
        return Text("–")
    return Text(f"{v:+,.1f}{suffix}", style="green" if v > 0 else "red" if v < 0 else "")


def goal(console: Console, r: GoalReport) -> None:
    t = Table(title=f"National {r.count} per day against a goal of {r.goal:,.0f} a day",
              caption=f"as of {r.as_of}" + ("" if r.include_incomplete else
                                             " (last complete day; newer days are incomplete)"))
    for col in ("", "arrests/day", "% of goal", "shortfall/day"):
        t.add_column(col, justify="right" if col else "left", overflow="fold")
    t.add_row(f"latest day ({r.as_of})", fmt(r.latest_day),
              fmt(100 * r.latest_day / r.goal if r.goal else None), fmt(r.goal - r.latest_day))
    for w in r.windows:
        label = f"{w['days']}-day mean"
        if w["days_with_data"] != w["days"]:
            label += f" ({w['days_with_data']} days of data)"
        t.add_row(label, fmt(w["mean_per_day"]), fmt(w["percent_of_goal"]),
                  fmt(w["shortfall_per_day"]))
    console.print(t)
    tr = r.trend
    line = Text(f"Trend over {tr['window_days']} days: ")
    line.append_text(_signed(tr["change_percent"]))  # type: ignore[arg-type]
    line.append(f" against the previous {tr['window_days']} days "
                f"({fmt(tr['previous_mean_per_day'])}/day); slope ")
    line.append_text(_signed(tr["slope_per_day_per_30_days"], " arrests/day per 30 days"))  # type: ignore[arg-type]
    console.print(line)
    cov = r.coverage
    console.print(f"Data: {cov.start} to {cov.end}; complete through {cov.complete_through}.",
                  style="dim")
    if r.book_ins:
        b = r.book_ins
        console.print(f"Book-ins per day: {b['book_ins_per_day']:,.1f} in {b['month'][:7]} "
                      f"({b['cbp_share_percent']}% after CBP arrests) — {b['source']}, "
                      f"{b['workbook']}.", highlight=False)


def offices(console: Console, table: pa.Table, window: int, as_of: object) -> None:
    t = Table(title=f"Field offices by arrests per day, {window} days to {as_of}")
    for col in ("rank", "office", "code", "arrests", "per day", "prev. per day", "change",
                "share"):
        t.add_column(col, justify="left" if col in ("office", "code") else "right",
                     no_wrap=col == "office", overflow="fold")
    for r in table.to_pylist():
        t.add_row(fmt(r["rank"]), r["name"], r["aor"], fmt(r["arrests"]), fmt(r["per_day"]),
                  fmt(r["prev_per_day"]), _signed(r["change_percent"]),
                  fmt(r["share_percent"]) + "%" if r["share_percent"] is not None else "–",
                  style="dim" if r["rank"] is None else "")
    console.print(t)
    console.print("HQ and unknown/blank offices are shown but not ranked.", style="dim")


def period_label(start: object, period: str) -> str:
    """2025-Q3, 2025-07, 2025 or the ISO date of a day or week's Monday."""
    if period == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"  # type: ignore[attr-defined]
    if period == "month":
        return f"{start:%Y-%m}"
    if period == "year":
        return f"{start:%Y}"
    return str(start)


def breakdown(console: Console, table: pa.Table, by: str, period: str, top: int = 8) -> None:
    rows = table.to_pylist()
    totals: dict[str, int] = defaultdict(int)
    for r in rows:
        totals[r[by]] += r["arrests"] or 0
    cats = sorted(totals, key=lambda c: -totals[c])
    shown, rest = sorted(cats[:top]), cats[top:]
    t = Table(title=f"Arrests by {by} and {period} (count and share of the {period})")
    t.add_column(period, overflow="fold")
    for c in shown + (["other"] if rest else []):
        t.add_column(c, justify="right", overflow="fold")
    t.add_column("total", justify="right", overflow="fold")
    by_period: dict[object, dict[str, dict[str, object]]] = defaultdict(dict)
    for r in rows:
        by_period[r["period"]][r[by]] = r
    suppressed = False
    for period_start, cells in by_period.items():
        total = sum((c["arrests"] or 0) for c in cells.values())
        out = []
        for c in shown:
            cell = cells.get(c)
            if cell and cell.get("suppressed"):
                out.append("<10")
                suppressed = True
            else:
                n = cell["arrests"] if cell else 0
                out.append(f"{n:,} ({100 * n / total:.0f}%)" if total else "0")
        if rest:
            n = sum((cells[c]["arrests"] or 0) for c in rest if c in cells)
            out.append(f"{n:,} ({100 * n / total:.0f}%)" if total else "0")
        t.add_row(period_label(period_start, period), *out, f"{total:,}")
    console.print(t)
    if suppressed:
        console.print("<10: small cell suppressed (personal attribute by single day).",
                      style="dim")


def status(console: Console, s: dict[str, object], db: str) -> None:
    t = Table(title=f"Releases in {db}")
    t.add_column("id", justify="right", overflow="fold")
    t.add_column("file", overflow="fold", min_width=24)
    for col in ("coverage", "rows read", "loaded", "rejected", "merged", "days counted"):
        t.add_column(col, justify="right", no_wrap=True, overflow="fold")
    for r in s["releases"]:  # type: ignore[attr-defined]
        t.add_row(str(r["release_id"]),
                  f"{r['file_name']} [dim]({r['file_format']}, {r['layout']} layout)",
                  f"{r['coverage_start']} to {r['coverage_end']}", fmt(r["rows_read"]),
                  fmt(r["rows_loaded"]), fmt(r["rows_rejected"]), fmt(r["merged"]),
                  fmt(r["days_counted"]))
    console.print(t)
    cov = s["coverage"]
    console.print(f"Coverage: {cov['start']} to {cov['end']}; "  # type: ignore[index]
                  f"complete through {cov['complete_through']}"  # type: ignore[index]
                  + (f", incomplete from {cov['incomplete_from']} (reporting lag)"  # type: ignore[index]
                     if cov["incomplete_from"] else ""))  # type: ignore[index]
    console.print(f"Rows loaded {s['rows_loaded']:,}; rejected {s['rows_rejected']:,}; "
                  f"merged as duplicates {s['records_merged']:,}.")
    for label, key in (("Rejected rows by reason", "rejects_by_reason"),
                       ("Rows with no matched office", "aor_not_matched"),
                       ("Unrecognized office spellings", "unrecognized_aor_values")):
        items = s[key]
        if items:
            console.print(f"{label}: " + "; ".join(f"{k}: {v:,}" for k, v in items.items()))  # type: ignore[attr-defined]


def as_json(value: object) -> str:
    from icestats.exports import json_default

    if hasattr(value, "to_pylist"):  # a pyarrow Table
        value = value.to_pylist()
    return json.dumps(value, default=json_default, indent=2)
