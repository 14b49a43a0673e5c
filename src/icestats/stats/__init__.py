"""Statistics over the daily counts: fair office evaluation, nowcast, events, forecast.

The pure functions work on numpy count matrices; ``store_counts`` reads them from the
store through the metrics functions, so the statistics see exactly what the CLI counts.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import numpy as np

from icestats import metrics, reference


def office_matrix(con: duckdb.DuckDBPyConnection, start: date, end: date,
                  count: str = "arrests", codes: list[str] | None = None, scope: str = "all"
                  ) -> tuple[list[date], list[str], np.ndarray]:
    """(covered days in [start, end], office codes, days x offices counts, zeros filled)."""
    codes = reference.field_office_codes() if codes is None else codes
    cov = metrics.require_data(con)
    assert cov.start is not None and cov.end is not None
    start, end = max(start, cov.start), min(end, cov.end)
    if end < start:  # e.g. a baseline year before the data: no days
        return [], codes, np.zeros((0, len(codes)))
    days = list(metrics.daily_table(con, start=start, end=end, count=count,
                                    scope=scope)["date"].to_pylist())
    index = {d: i for i, d in enumerate(days)}
    col = {c: j for j, c in enumerate(codes)}
    counts = np.zeros((len(days), len(codes)))
    t = metrics.daily_table(con, "aor", start=start, end=end, count=count, scope=scope)
    for d, a, n in zip(t["date"].to_pylist(), t["aor"].to_pylist(), t["arrests"].to_pylist(),
                       strict=True):
        if a in col and d in index:
            counts[index[d], col[a]] = n
    return days, codes, counts


def window_bounds(con: duckdb.DuckDBPyConnection, window: int, as_of: date | None,
                  include_incomplete: bool) -> tuple[date, date]:
    cov = metrics.require_data(con)
    end = metrics.window_end(cov, as_of, include_incomplete)
    assert cov.start is not None
    return max(end - timedelta(days=window - 1), cov.start), end
