"""`icestats offices --fair`: the fair evaluation over the store."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import numpy as np

from icestats import metrics, reference
from icestats.answers import FairAnswer
from icestats.stats import office_matrix, window_bounds
from icestats.stats.fair import FDR, LEVEL, Period, evaluate
from icestats.stats.goals import Goals


def fair_offices(con: duckdb.DuckDBPyConnection, goals: Goals, *, window: int = 28,
                 as_of: date | None = None, include_incomplete: bool = False,
                 count: str = "arrests", scope: str = "all", q: float = FDR,
                 level: float = LEVEL) -> FairAnswer:
    start, end = window_bounds(con, window, as_of, include_incomplete)
    uncovered = metrics.uncovered_offices(con, start, end)
    codes = [c for c in reference.field_office_codes() if c not in uncovered]
    days, _, counts = office_matrix(con, start, end, count, codes, scope)
    win = Period(days, counts)
    base_days, _, base_counts = office_matrix(con, *goals.baseline, count=count, codes=codes,
                                              scope=scope)
    baseline = Period(base_days, base_counts) if base_days else None
    shares = None
    if baseline is not None and base_counts.sum():
        shares = dict(zip(codes, base_counts.sum(axis=0) / base_counts.sum(), strict=True))
    targets = _window_targets(goals, days, codes, shares)
    result = evaluate(win, codes, targets, baseline, q, level)
    names = {o.code: o.name for o in reference.offices()}
    rows = sorted(result.rows, key=lambda r: -float(r.get("shrunk_attainment", r["per_day"])))
    for rank, r in enumerate(rows, 1):
        r["rank"], r["name"] = rank, names[str(r["aor"])]
    rows += _unranked(con, start, end, count, scope, len(days))
    rows += [{"rank": None, "aor": c, "name": names[c], "arrests": None, "per_day": None,
              "covered": False, "note": "not covered: no record of this office in the "
                                        "releases counted for this window"}
             for c in uncovered]
    meta = dict(result.meta)
    if baseline is None:
        meta["baseline_note"] = (f"no data in the baseline period {goals.baseline[0]} to "
                                 f"{goals.baseline[1]}")
    elif baseline.n < (goals.baseline[1] - goals.baseline[0]).days + 1:
        meta["baseline_note"] = (f"the data cover {baseline.n} days of the baseline period "
                                 f"{goals.baseline[0]} to {goals.baseline[1]}")
    common = {k: meta.pop(k) for k in ("window", "window_days", "level", "fdr")}
    return FairAnswer(rows, (start, end), int(common["window_days"]), targets is not None,
                      float(common["fdr"]), float(common["level"]), goals.describe(), meta,
                      uncovered, count=count, scope=scope,
                      method=_method({**meta, **common}), source=metrics.source(con, start, end))


def _window_targets(goals: Goals, days: list[date], codes: list[str],
                    shares: dict[str, float] | None) -> np.ndarray | None:
    """Mean target per day over the window's days on which a target is in force."""
    if goals.allocation == "baseline" and shares is None:
        return None
    per_day = [goals.targets(d, shares) for d in days]
    active = [t for t in per_day if t]
    if not active or any(c not in t for t in active for c in codes):
        return None
    return np.array([np.mean([t[c] for t in active]) for c in codes])


def _unranked(con: duckdb.DuckDBPyConnection, start: date, end: date, count: str, scope: str,
              n: int) -> list[dict[str, Any]]:
    _, codes, counts = office_matrix(con, start, end, count, [reference.HQ, reference.UNKNOWN],
                                     scope)
    names = {reference.HQ: "Headquarters", reference.UNKNOWN: "Unknown or blank"}
    return [{"rank": None, "aor": c, "name": names[c], "arrests": int(counts[:, i].sum()),
             "per_day": float(counts[:, i].sum() / max(n, 1))} for i, c in enumerate(codes)]


def _method(meta: dict[str, Any]) -> str:
    return (f"{meta['model']} count model (variance = mean x (1 + mean/k) from daily counts "
            f"around weekday-adjusted means; an office far beyond it keeps its own); "
            f"{int(100 * float(meta['level']))}% intervals on "
            f"the log scale with t quantiles; attainment = arrests / (target x days); "
            f"empirical Bayes gamma-Poisson shrinkage toward the offices' mean; below-target "
            f"flag = one-sided test, Benjamini-Hochberg at FDR {meta['fdr']}")
