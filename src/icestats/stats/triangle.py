"""Completeness from a reporting triangle of monthly figures: the same months published
again and again (ICE's detention workbooks: each month's book-ins in every vintage,
revised until the fiscal year's last workbook), so each month's first values can be
compared with its final one.

A month's *age* in a vintage is the number of months between it and the vintage's
newest month (0: the newest month, usually still in progress; 1: the month before it,
just ended; ...). For each age, the log ratio of the final value to the value at that
age, over the months whose final value is known, gives the completeness curve (its
median: most months are not revised at all after their end, a few by a lot, and a mean
would move every month for the few; on the real vintages the mean's nowcast ran 0.7%
below the final one month after, the value as published 0.0%) and its scatter; a
month's nowcast at that age is its value times exp(median), with a prediction interval
median +- t(n - 1) sd sqrt(1 + 1/n) in logs (t with the months seen as degrees of
freedom: a curve from a dozen months is itself uncertain). From the third
month on the ages share one curve: their revisions are all small (under 0.1% in the
real workbooks but for a few), and a curve per age learns from few of them (on the real
vintages, per-age curves at five and six months held 69-78% of the finals in their 90%
intervals, missing by 2 to 6 book-ins in 22,000; the pooled one 100%).

``realtime_check`` scores it as it would have been used: each vintage's months are
nowcast from the months whose final value was published before that vintage, and the
intervals are checked against the final values, age by age. Pure functions over arrays;
bench/validate.py runs it on the 130 real workbook vintages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as st

LEVEL = 0.9
MIN_MONTHS = 3  # fewer months with a known final at an age: no curve at that age
POOL_FROM = 3  # ages from this one on share one curve (their revisions are all small)


@dataclass
class AgeCurve:
    age: int
    months: int  # months with a known final value behind the curve at this age
    log_mean: float  # the median of log(final / value) (its centre)
    log_sd: float

    @property
    def completeness(self) -> float:
        """The share of the final value a month holds at this age."""
        return float(np.exp(-self.log_mean))

    def nowcast(self, value: float, level: float = LEVEL) -> tuple[float, float, float]:
        """(nowcast, low, high) of the final value of a month holding ``value``."""
        t = st.t.ppf(0.5 + level / 2, max(self.months - 1, 1))
        half = t * self.log_sd * np.sqrt(1 + 1 / self.months)
        return (float(value * np.exp(self.log_mean)),
                float(value * np.exp(self.log_mean - half)),
                float(value * np.exp(self.log_mean + half)))


def log_ratios(values: np.ndarray, newest: np.ndarray, final: np.ndarray,
               vintages: list[int], age: int) -> np.ndarray:
    """log(final / value) at ``age`` (every age from POOL_FROM on, for those) over
    ``vintages`` (indices into ``values``' columns), for every month with a positive
    value and a known final."""
    ages = [age] if age < POOL_FROM else range(POOL_FROM, values.shape[0])
    out = []
    for v in vintages:
        for a in ages:
            m = int(newest[v]) - a
            if m >= 0 and values[m, v] > 0 and np.isfinite(final[m]) and final[m] > 0:
                out.append(float(np.log(final[m] / values[m, v])))
    return np.array(out)


def curve(values: np.ndarray, newest: np.ndarray, final: np.ndarray,
          known: np.ndarray, ages: range) -> dict[int, AgeCurve]:
    """The curve at each age from the vintages whose month at that age has a final value
    among ``known`` (a mask over months: finals already published)."""
    out = {}
    masked = np.where(known, final, np.nan)
    for a in ages:
        r = log_ratios(values, newest, masked, list(range(values.shape[1])), a)
        if len(r) >= MIN_MONTHS:
            out[a] = AgeCurve(a, len(r), float(np.median(r)), float(r.std(ddof=1)))
    return out


def realtime_check(values: np.ndarray, newest: np.ndarray, final: np.ndarray,
                   final_vintage: np.ndarray, ages: range = range(0, 7),
                   level: float = LEVEL) -> dict[int, dict[str, float]]:
    """Per age: how many months were nowcast, the share of final values inside their
    ``level`` intervals, and the median signed error of the value as published and of
    the nowcast ((value - final) / final). Vintage v uses only the months whose final
    value came from a vintage before v (``final_vintage``: that vintage's index)."""
    rows: dict[int, list[tuple[bool, float, float]]] = {a: [] for a in ages}
    for v in range(values.shape[1]):
        known = final_vintage < v
        fitted = curve(values, newest, final, known, ages)
        for a, c in fitted.items():
            m = int(newest[v]) - a
            if m < 0 or known[m] or not np.isfinite(final[m]) or values[m, v] <= 0:
                continue
            now, lo, hi = c.nowcast(float(values[m, v]), level)
            rows[a].append((lo <= final[m] <= hi, values[m, v] / final[m] - 1,
                            now / final[m] - 1))
    return {a: {"months": len(r), "covered": float(np.mean([x[0] for x in r])),
                "raw_signed_error": float(np.median([x[1] for x in r])),
                "nowcast_signed_error": float(np.median([x[2] for x in r]))}
            for a, r in rows.items() if r}
