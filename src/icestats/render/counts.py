"""Rich output for published count tables: the line printed when one is loaded, and the
count tables' part of ``status`` (what each holds, what was not loaded, and how far each
agrees with the records where both cover the same days)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from icestats.render.terminal import print_table

if TYPE_CHECKING:
    from icestats.answers import StatusAnswer
    from icestats.counts.load import CountResult

GRAIN = {"day": "day", "week": "week", "month": "month", "fy": "fiscal year",
         "period": "one period"}


def _grain(grain: str, week_start: str | None) -> str:
    return GRAIN[grain] + (f" (starting {week_start})" if grain == "week" and week_start
                           else "")


def loaded_line(r: CountResult) -> str:
    """``count table (FORM): KIND by GRAIN, GEO, FROM to TO: N values (M not reported),
    rejected K; REAL``."""
    where = r.geo + (f" {r.area}" if r.area else "")
    by = " and ".join([_grain(r.grain, r.week_start), *r.dims])
    line = (f"count table ({r.form}): {r.kind} by {by}, {where}, {r.coverage_start} to "
            f"{r.coverage_end}: {r.values:,} values ({r.not_reported:,} not reported), "
            f"rejected {_rows(r.rows_rejected)}")
    if r.vintages:
        line += (f"; {r.vintages:,} vintages ({r.vintages_relabelled} moved to the fiscal year "
                 f"their months belong to, {r.vintages_rejected} rejected; see status)")
    return line + ("; GENERATED" if r.synthetic else "; REAL")


def status(console: Console, s: StatusAnswer) -> None:
    """The count tables loaded, their notes, rejects and agreement with the records."""
    if s.count_tables is None or not s.count_tables.num_rows:
        return
    print_table(console, s, "count_tables")
    rows = s.count_tables.to_pylist()
    for r in rows:
        console.print(_table_line(r))
    _rejects(console, s)
    for a in s.count_agreement:
        console.print(agreement_line(a))


def _table_line(r: dict[str, Any]) -> Text:
    line = Text(f"[count table {r['table_id']}] {r['file_name']} · ")
    line.append(*(("GENERATED", "bold yellow") if r["synthetic"] else ("REAL", "bold green")))
    line.append(f" · {r['form']} ({r['file_format']}) · {_rows(r['rows_read'])} read, "
                f"{r['rows_rejected']:,} rejected; {r['not_reported']:,} values not reported · "
                f"{len(json.loads(r['columns_mapped'] or '{}'))} columns mapped; not mapped: "
                + _unmapped(json.loads(r["columns_unmapped"] or "[]")))
    for note in [*json.loads(r["notes"] or "[]"), *(r.get("vintage_notes") or [])]:
        line.append(f"\n    note: {note}")
    return line


def _rows(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")


def _unmapped(columns: list[str]) -> str:
    """'a, b (why); c (why)': the columns not mapped, grouped by the reason."""
    groups: dict[str, list[str]] = {}
    for c in columns:
        name, _, why = c.rpartition(" (")
        groups.setdefault(why.rstrip(")") if name else "", []).append(name or c)
    return "; ".join(", ".join(names) + (f" ({why})" if why else "")
                     for why, names in groups.items()) or "none"


def _rejects(console: Console, s: StatusAnswer) -> None:
    if s.count_rejects is None:
        return
    for r in s.count_rejects.to_pylist():
        console.print(Text(f"[count table {r['table_id']}] rejected {r['rows']:,} value(s) from "
                           f"row {r['first_row']}: {r['reason']}"))


def agreement_line(a: dict[str, Any]) -> Text:
    """How far a count table agrees with the records over the units both cover."""
    unit = GRAIN.get(a["grain"], a["grain"]) + "s"
    line = Text(f"[count table {a['table_id']}] against the records, {a['units']:,} {unit} "
                f"{a['first']} to {a['last']}: the table counts {a['median_ratio']:.2f}x the "
                f"records (median; {a['min_ratio']:.2f}-{a['max_ratio']:.2f}x)")
    if a["flagged"]:
        line.append(f"; {a['flagged']:,} {unit} outside 0.8-1.25x, flagged "
                    f"({a['flagged_first']} to {a['flagged_last']})", style="bold red")
        if a["median_ratio"] > 1.8:
            line.append(": the table adds overlapping releases there (stacked counts)")
    else:
        line.append("; every unit within 0.8-1.25x")
    years = a.get("by_fiscal_year") or []
    if len(years) > 1:
        line.append("\n    by fiscal year: " + "; ".join(
            f"FY{y['fiscal_year']} {y['median_ratio']:.2f}x ({y['min_ratio']:.2f}-"
            f"{y['max_ratio']:.2f}, {y['units']} {unit})" for y in years))
    return line
