"""Nowcast of the incomplete tail: the newest days of a release may be under-reported.

Completeness c(a) is the share of a day's arrests already in a release whose data end
``a`` days after that day.

- **Two or more releases of the same days** (vintages): c(a) comes from their reporting
  triangle: for each age a, the older release's count for the day ``a`` days before its
  end over the newer release's count for the same day (once the newer release has had at
  least TAIL_DAYS to mature), pooled over release pairs, capped at 1 and made
  non-decreasing in age. Its uncertainty (binomial thinning with the overdispersion seen
  across ages) is carried into the intervals by simulation.
- **One release**: the last 7 days are compared with what the 8 weeks before the tail
  predict for them (a log-linear trend through the weekly totals, each weekday's share of
  its week); the log ratio is scored against the same statistic for every earlier week
  of the release (its null distribution: trends, operations and holidays included). A
  release can only show its own lag when that test has the power to see a realistic one
  (c(a) = 1 - REALISTIC_LAG exp(-a/4): the last day at half its final count): power at
  least 80% at one-sided p < 0.01. Real series are too noisy for that (the FY2016-19
  national series: null sd 0.27 in logs, power about 16%), so with one release the
  answer usually says that one release cannot show its own lag, keeps the reported
  counts and gives an interval from the stated range of realistic lags (none to
  REALISTIC_LAG): a real fall is never "corrected" into arrests that did not happen.
  When the test has the power and finds the tail depressed, the depression's size b in
  c(a) = 1 - b exp(-a/4) is estimated from the tail's 14 days (the curve's shape is
  assumed; its size is measured) and the tail is corrected, saying so; when it has the
  power and finds nothing, the reported counts stand and the interval's upper end is
  what the largest depression the test could miss would add.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np
from scipy import stats as st

from icestats import counting, slices
from icestats.answers import NowcastAnswer
from icestats.defaults import LEVEL
from icestats.numbers import round_half_up
from icestats.slices import Window
from icestats.stats.fair import Period, dispersion
from icestats.store import TAIL_DAYS

MAX_AGE = 28
DRAWS = 4000
P_DEPRESSED = 0.01
REALISTIC_LAG = 0.5  # b: the last day at half its final count, 95% by day 12
POWER = 0.8  # the tail test must see a realistic lag this often to be used


def lag_shape(age: np.ndarray) -> np.ndarray:
    """exp(-age/4): the assumed shape of a depression (most at the newest day)."""
    return np.where(np.asarray(age) < TAIL_DAYS, np.exp(-np.asarray(age) / 4.0), 0.0)


@dataclass
class Curve:
    completeness: np.ndarray  # by age 0..MAX_AGE-1
    sd: np.ndarray  # its standard error by age
    source: str
    pairs: int = 0
    low: np.ndarray | None = None  # a range of completeness (uniform from low to 1)

    def at(self, age: int) -> tuple[float, float]:
        if age < len(self.completeness):
            return float(self.completeness[age]), float(self.sd[age])
        return 1.0, 0.0


Pair = tuple[dict[date, float], date, dict[date, float], date]


def estimate_curve(pairs: list[Pair]) -> Curve | None:
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
    c = np.where(den > 0, np.minimum(num / np.maximum(den, 1), 1.0), np.nan)
    for a in range(MAX_AGE):  # unknown ages take the next known one; then non-decreasing
        if np.isnan(c[a]):
            later = c[a + 1:][~np.isnan(c[a + 1:])]
            c[a] = later[0] if len(later) else 1.0
    c = np.maximum.accumulate(c)
    var = c * (1 - c) / np.maximum(den, 1)
    inner = (c > 0) & (c < 1) & (den > 0)
    phi = 1.0
    if inner.sum() > 2:  # overdispersion of the thinning, from the scatter across ages
        phi = max(1.0, float(((num - c * den)[inner] ** 2 / (den * var * den)[inner]).sum()
                             / (inner.sum() - 1)))
    return Curve(c, np.sqrt(phi * var), f"estimated from {used} pair(s) of overlapping "
                 "releases (reporting triangle)", used)


def _expected_week(y: np.ndarray, dow: np.ndarray, at: int) -> tuple[float, np.ndarray]:
    """From the 56 days ending at index ``at - 14``: the expected total of the 7 days
    ending at ``at`` (log-linear trend through weekly totals) and each weekday's share."""
    ref = y[at - 69:at - 13]
    weeks = ref.reshape(8, 7).sum(axis=1)
    t = np.arange(8.0)
    slope, icpt = np.polyfit(t, np.log(weeks + 0.5), 1)
    share = np.array([ref[dow[at - 69:at - 13] == k].sum() for k in range(7)])
    share = (share + 0.5) / (share.sum() + 3.5)
    return float(np.exp(icpt + slope * 9.5)), share  # the 7 days 1.5 weeks past the last


def _log_ratio(y: np.ndarray, at: int, dow: np.ndarray) -> float:
    expected, _ = _expected_week(y, dow, at)
    return float(np.log((y[at - 6:at + 1].sum() + 0.5) / (expected + 0.5)))


def tail_test(counts: dict[date, float], end: date) -> dict[str, Any]:
    """Is the newest week depressed against what the weeks before it predict?"""
    first = min(counts)
    days = [first + timedelta(days=i) for i in range((end - first).days + 1)]
    y = np.array([counts.get(d, 0.0) for d in days])
    dow = np.array([d.weekday() for d in days])
    last = len(y) - 1
    if last < 69 + 7 * 4:
        return {"tested": False, "depressed": False,
                "note": "too short to test (fewer than 13 weeks)"}
    null = np.array([_log_ratio(y, at, dow) for at in range(last - TAIL_DAYS - 7, 68, -7)])
    sd = float(np.sqrt(np.mean(null ** 2)))
    obs = _log_ratio(y, last, dow)
    # t with the null weeks as degrees of freedom: a scatter from a few weeks is uncertain
    p = float(st.t.cdf(obs / max(sd, 1e-6), len(null)))
    # for the power, the scatter's 90% upper bound (chi-square): a scatter that looks small
    # on a few weeks (4 in a release of 16) must not pass for a test that can see a lag
    sd_up = sd * float(np.sqrt(len(null) / st.chi2.ppf(0.10, len(null))))
    return {"tested": True, "ratio_last_7_days": float(np.exp(obs)), "null_sd_log": sd,
            "null_sd_upper_log": sd_up, "null_weeks": len(null), "p_value": p,
            "depressed": p < P_DEPRESSED, "y": y, "dow": dow}


def lag_power(null_sd: float, b: float = REALISTIC_LAG) -> float:
    """The chance that the tail test (one-sided, P_DEPRESSED) sees a lag of size ``b``: it
    moves the last 7 days' log ratio by log(1 - b x the mean of exp(-a/4) over a < 7)."""
    shift = -float(np.log(1 - b * lag_shape(np.arange(7)).mean()))
    return float(st.norm.cdf(shift / max(null_sd, 1e-6) - st.norm.ppf(1 - P_DEPRESSED)))


def _lag_range(note: str) -> Curve:
    """Completeness 1 (the reported counts stand), with the range of realistic lags as
    the interval: any completeness from 1 - REALISTIC_LAG exp(-a/4) to 1."""
    shape = lag_shape(np.arange(MAX_AGE))
    return Curve(np.ones(MAX_AGE), np.zeros(MAX_AGE), note, low=1 - REALISTIC_LAG * shape)


def single_release_curve(test: dict[str, Any]) -> Curve:
    """The curve for one release (see the module's docstring)."""
    age = np.arange(MAX_AGE)
    shape = lag_shape(age)
    w7 = float(shape[:7].mean())
    lag = f"1 - {REALISTIC_LAG} exp(-age/4)"
    if not test.get("tested"):
        return _lag_range(f"no correction: {test['note']}; the interval spans lags from none "
                          f"to {lag}")
    test["power"] = power = lag_power(test["null_sd_upper_log"])
    seen = (f"the last 7 days at {test['ratio_last_7_days']:.3f} of what the weeks before "
            f"predict, one-sided p = {test['p_value']:.3f} against {test['null_weeks']} "
            f"earlier weeks")
    if power < POWER:
        return _lag_range(
            f"no correction: one release cannot show its own lag here: its week-to-week "
            f"scatter (sd {test['null_sd_log']:.3f} in logs over {test['null_weeks']} "
            f"weeks, up to {test['null_sd_upper_log']:.3f}) hides a realistic lag "
            f"(completeness {lag}) {1 - power:.0%} of the time ({seen}); the reported "
            f"counts stand and the interval spans lags from none to {lag}")
    sd_b = test["null_sd_log"] / w7
    if not test["depressed"]:
        z = st.norm.ppf(1 - P_DEPRESSED)
        b_up = min(max((1 - np.exp(-z * test["null_sd_log"])) / w7, 0.0), 0.95)
        return Curve(np.ones(MAX_AGE), b_up * shape / z,
                     f"no correction: the tail test would see a lag of {lag} with power "
                     f"{power:.0%} and finds none ({seen})")
    y, dow, last = test["y"], test["dow"], len(test["y"]) - 1
    expected, share = _expected_week(y, dow, last)
    exp_day = np.array([expected * share[dow[last - a]] for a in range(TAIL_DAYS)])
    r = y[last - np.arange(TAIL_DAYS)] / np.maximum(exp_day, 0.5)
    wa = shape[:TAIL_DAYS]
    b = float(np.clip(-((r - 1) * wa).sum() / (wa ** 2).sum(), 0.0, 0.95))
    return Curve(1 - b * shape, sd_b * shape,
                 f"one release, tail depressed ({seen}; the test sees a lag of {lag} with "
                 f"power {power:.0%}): completeness 1 - {b:.3f} exp(-age/4), its size "
                 f"estimated from the tail; a real fall in the last week would look the "
                 f"same")


def nowcast(counts: dict[date, float], end: date, curve: Curve, phi: float = 1.0,
            level: float = 0.95, days: int = TAIL_DAYS, seed: int = 0
            ) -> list[dict[str, Any]]:
    """Corrected counts for the last ``days`` days before ``end``, with intervals from
    draws of the completeness (its uncertainty) and of the unreported arrests. With a
    range of completeness (one release that cannot show its own lag) the interval runs
    from the reported count to the upper end of what the largest lag of the range would
    add, its noise included: any lag in the range is inside it."""
    rng = np.random.default_rng(seed)
    tail = (1 - level) / 2
    out = []
    for a in range(days - 1, -1, -1):
        d = end - timedelta(days=a)
        y = counts.get(d, 0.0)
        c, sd = curve.at(a)
        if curve.low is not None and a < len(curve.low):
            draws = np.full(DRAWS, float(curve.low[a]))
        else:
            draws = np.clip(c + sd * rng.standard_normal(DRAWS), 0.05, 1.0)
        est = y / draws
        noise = np.sqrt(phi * est * (1 - draws)) * rng.standard_normal(DRAWS)
        total = np.maximum(est + noise, y)
        lo, hi = np.quantile(total, [tail, 1 - tail])
        if curve.low is not None:
            lo = y
        out.append({"date": d, "age_days": a, "reported": int(y),
                    "completeness": round_half_up(c, 4), "nowcast": round_half_up(y / c, 1),
                    "low": round_half_up(float(min(lo, y / c)), 1),
                    "high": round_half_up(float(max(hi, y / c)), 1)})
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


def choose_curve(releases: list[tuple[int, date, dict[date, float]]]
                 ) -> tuple[Curve, dict[str, Any] | None]:
    """The triangle's curve when releases overlap, else the single-release test's."""
    pairs = [(o[2], o[1], n[2], n[1]) for i, o in enumerate(releases) for n in releases[i + 1:]]
    curve = estimate_curve(pairs)
    if curve is not None:
        return curve, None
    _, end, counts = releases[-1]
    test = tail_test(counts, end)
    curve = single_release_curve(test)  # (adds the test's power)
    return curve, {k: v for k, v in test.items() if k not in ("y", "dow")}


CUT_SHARE = 0.25  # a last day under this share of its weekday's usual count looks cut


def last_day_cut(counts: dict[date, float], end: date) -> dict[str, Any] | None:
    """A release's last day is often partial (the extract was taken during it): flag it
    when it holds under CUT_SHARE of the median of the same weekday in the 8 weeks before
    the incomplete tail. Said beside the nowcast, never corrected: one day's cut cannot be
    told from a quiet day by its size alone."""
    before = [counts.get(end - timedelta(days=TAIL_DAYS + 7 * k)) for k in range(8)]
    usual = [v for v in before if v is not None]
    reported = counts.get(end, 0.0)
    if len(usual) < 4 or not (med := float(np.median(usual))) or reported >= CUT_SHARE * med:
        return None
    return {"date": end, "reported": int(reported), "usual": round_half_up(med, 1),
            "note": f"the release's last day ({end}) holds {int(reported)} against a usual "
                    f"{med:,.0f} on that weekday: it looks cut (taken during the day); read "
                    f"it as partial"}


def store_nowcast(con: duckdb.DuckDBPyConnection, w: Window, level: float = LEVEL
                  ) -> NowcastAnswer:
    """The newest release's tail corrected; ``w``: the whole data (the answer's window is
    narrowed to the tail's days)."""
    count, scope = w.slice.count, w.slice.scope
    releases = sorted(release_counts(con, count, scope), key=lambda r: (r[1], r[0]))
    curve, test = choose_curve(releases)
    rid, end, counts = releases[-1]
    days = sorted(d for d in counts if d <= end - timedelta(days=TAIL_DAYS))[-56:]
    phi = float(dispersion(Period(days, np.array([[counts[d]] for d in days])))[0]) \
        if len(days) > 2 else 1.0
    rows = nowcast(counts, end, curve, phi, level)
    corrected = bool((curve.completeness[:TAIL_DAYS] < 1).any())
    tail_source = slices.source(con, end - timedelta(days=TAIL_DAYS - 1), end)
    return NowcastAnswer(
        rid, end, curve.source, [round_half_up(float(c), 4) for c in curve.completeness],
        round_half_up(phi, 2), level, rows, sum(int(r["reported"]) for r in rows),
        round_half_up(sum(float(r["nowcast"]) for r in rows), 1), corrected=corrected,
        tail_test=test, curve_sd=[round_half_up(float(s), 4) for s in curve.sd],
        last_day_cut=last_day_cut(counts, end), count=count, scope=scope,
        window=slices.narrow(con, w, end - timedelta(days=TAIL_DAYS - 1), end,
                             tail_source),
        source=tail_source,
        method="reported / completeness(age); completeness from the reporting triangle of "
               "overlapping releases; with one release, 1 (the reported counts) unless the "
               "tail test has the power to see a realistic lag and finds the tail depressed, "
               "the interval spanning the realistic lags when it has not; intervals from "
               "draws of the completeness and quasi-Poisson unreported arrests; the tail is "
               "excluded from goal attainment and office evaluation unless "
               "--include-incomplete")
