"""Nowcast of the incomplete tail: the newest days of a release are under-reported.

Completeness c(a) is the share of a day's arrests already in a release whose data end
``a`` days after that day. With two overlapping releases it is estimated from their
difference: for each age a, the older release's count for the day ``a`` days before its
end, over the newer release's count for the same day (once the newer release has had at
least TAIL_DAYS to mature), pooled over offices and release pairs, made non-decreasing in
age and capped at 1. With one release, DEFAULT_CURVE is assumed and said so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np
from scipy import stats as st

from icestats import counting, metrics
from icestats.answers import NowcastAnswer
from icestats.numbers import round_half_up
from icestats.stats.fair import Period, dispersion
from icestats.store import TAIL_DAYS

MAX_AGE = 28


def default_curve(age: np.ndarray) -> np.ndarray:
    """The curve assumed with one release, 1 - 0.5 exp(-age/4): half of the last day's
    arrests reported, 89% of those a week old, 99% at two weeks; 1 from then on."""
    return np.where(age < TAIL_DAYS, 1.0 - 0.5 * np.exp(-np.asarray(age) / 4.0), 1.0)


@dataclass
class Curve:
    completeness: np.ndarray  # by age 0..MAX_AGE-1
    source: str
    pairs: int = 0

    def at(self, age: int) -> float:
        return float(self.completeness[age]) if age < len(self.completeness) else 1.0


def estimate_curve(pairs: list[tuple[dict[date, float], date, dict[date, float], date]]
                   ) -> Curve | None:
    """Pairs of (older counts by day, older end, newer counts by day, newer end)."""
    num, den = np.zeros(MAX_AGE), np.zeros(MAX_AGE)
    used = 0
    for older, older_end, newer, newer_end in pairs:
        if newer_end <= older_end:
            continue
        for a in range(MAX_AGE):
            d = older_end - timedelta(days=a)
            if d > newer_end - timedelta(days=TAIL_DAYS) or d not in newer or d not in older:
                continue
            num[a] += older[d]
            den[a] += newer[d]
        used += 1
    if not used or not (den > 0).any():
        return None
    c = np.where(den > 0, num / np.maximum(den, 1), np.nan)
    c = np.minimum(c, 1.0)
    for a in range(MAX_AGE):  # unknown ages take the next known one; then non-decreasing
        if np.isnan(c[a]):
            later = c[a + 1:][~np.isnan(c[a + 1:])]
            c[a] = later[0] if len(later) else 1.0
    c = np.maximum.accumulate(c)
    return Curve(c, f"estimated from {used} pair(s) of overlapping releases", used)


def nowcast(counts: dict[date, float], end: date, curve: Curve, phi: float = 1.0,
            level: float = 0.95, days: int = TAIL_DAYS) -> list[dict[str, Any]]:
    """Corrected counts for the last ``days`` days before ``end``, with intervals."""
    z = st.norm.ppf(0.5 + level / 2)
    out = []
    for a in range(days - 1, -1, -1):
        d = end - timedelta(days=a)
        y = counts.get(d, 0.0)
        c = max(curve.at(a), 1e-6)
        est = y / c
        sd = np.sqrt(phi * y * (1 - c)) / c
        out.append({"date": d, "age_days": a, "reported": int(y),
                    "completeness": round_half_up(c, 4), "nowcast": round_half_up(est, 1),
                    "low": round_half_up(max(y, est - z * sd), 1),
                    "high": round_half_up(est + z * sd, 1)})
    return out


def release_counts(con: duckdb.DuckDBPyConnection, count: str = "arrests", scope: str = "all"
                   ) -> list[tuple[int, date, dict[date, float]]]:
    """Each release's own national daily counts (not only the days it owns)."""
    rows = con.execute(f"""
        SELECT r.release_id, r.coverage_end, a.apprehension_date, count(*)
        FROM {counting.counted_sql(count, scope, owned=False)} a JOIN releases r
             USING (release_id)
        GROUP BY ALL ORDER BY 1, 3""").fetchall()
    out: dict[int, tuple[date, dict[date, float]]] = {}
    for rid, end, d, n in rows:
        out.setdefault(rid, (end, {}))[1][d] = float(n)
    return [(rid, end, days) for rid, (end, days) in sorted(out.items())]


def store_nowcast(con: duckdb.DuckDBPyConnection, count: str = "arrests",
                  level: float = 0.95, scope: str = "all") -> NowcastAnswer:
    metrics.require_data(con)
    releases = sorted(release_counts(con, count, scope), key=lambda r: (r[1], r[0]))
    pairs = [(o[2], o[1], n[2], n[1]) for i, o in enumerate(releases) for n in releases[i + 1:]]
    curve = estimate_curve(pairs)
    if curve is None:
        curve = Curve(default_curve(np.arange(MAX_AGE)), "assumed default curve "
                      "1 - 0.5 exp(-age/4) for the last 14 days (one release loaded)")
    rid, end, counts = releases[-1]
    days = sorted(d for d in counts if d <= end - timedelta(days=TAIL_DAYS))[-56:]
    phi = float(dispersion(Period(days, np.array([[counts[d]] for d in days])))[0]) \
        if len(days) > 2 else 1.0
    rows = nowcast(counts, end, curve, phi, level)
    return NowcastAnswer(
        rid, end, curve.source, [round_half_up(float(c), 4) for c in curve.completeness],
        round_half_up(phi, 2), level, rows, sum(int(r["reported"]) for r in rows),
        round_half_up(sum(float(r["nowcast"]) for r in rows), 1), count=count, scope=scope,
        source=metrics.source(con, end - timedelta(days=TAIL_DAYS - 1), end),
        method="reported / completeness(age); interval from the unreported share with "
               "quasi-Poisson dispersion; the tail is excluded from goal attainment and "
               "office evaluation unless --include-incomplete")
