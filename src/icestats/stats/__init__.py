"""Statistics over the daily counts: fair office evaluation, nowcast, events, forecast.

The pure functions work on numpy count matrices; ``store_counts`` reads them from the
store through the metrics functions, so the statistics see exactly what the CLI counts.
"""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np

from icestats import metrics, reference
from icestats.slices import Window


def office_matrix(con: duckdb.DuckDBPyConnection, start: date, end: date,
                  count: str = "arrests", codes: list[str] | None = None, scope: str = "all"
                  ) -> tuple[list[date], list[str], np.ndarray]:
    """(covered days in [start, end], office codes, days x offices counts, zeros filled).
    Days outside the data are simply not there (no look at the data's span)."""
    codes = reference.field_office_codes() if codes is None else codes
    days = [r[0] for r in con.execute(
        "SELECT date FROM day_owner WHERE date BETWEEN $a AND $b ORDER BY date",
        {"a": start, "b": end}).fetchall()]
    if not days:  # e.g. a baseline year before the data: no days
        return [], codes, np.zeros((0, len(codes)))
    index = {d: i for i, d in enumerate(days)}
    col = {c: j for j, c in enumerate(codes)}
    counts = np.zeros((len(days), len(codes)))
    t = metrics.daily_table(con, "aor", start=days[0], end=days[-1], count=count, scope=scope)
    for d, a, n in zip(t["date"].to_pylist(), t["aor"].to_pylist(), t["arrests"].to_pylist(),
                       strict=True):
        if a in col and d in index:
            counts[index[d], col[a]] = n
    return days, codes, counts


def covered_codes(w: Window) -> list[str]:
    """The field offices the window's releases cover (ranked, flagged, forecast)."""
    return [c for c in reference.field_office_codes() if c not in w.not_covered]
