"""One event's effects from the synthetic control (``synth``): the donor pool (surging
donors left out), effects at 14, 28 and 56 days and over the window, the weekly event
study, the pre-trend check and the displacement in the other offices. Pure functions over
a days x offices count matrix; ``events.store_events`` feeds them from the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from icestats import reference
from icestats.stats import synth
from icestats.stats.surges import scan

HORIZONS = (14, 28, 56)
STUDY_WEEKS = range(-8, synth.HORIZON_WEEKS)
MIN_PER_DAY = 1.0  # donors below one arrest a day in the pre-period are too noisy to weigh
MIN_DONORS = 5  # below this, the mildest surging donors are taken back
MIN_PRE_WEEKS = 3  # 21 days: the shortest pre-period an estimate is made on
TIME_PRE_WEEKS = 8  # 56 days: a shorter pre-period leaves no room for placebos in time


@dataclass(frozen=True)
class Setup:
    """What every estimate of one event shares. ``codes`` name the units: field offices,
    or state series (``offices`` False: no displacement by distance)."""
    days: list[date]
    codes: list[str]
    counts: np.ndarray
    when: date
    pre_weeks: int
    window_weeks: int
    alpha: float = synth.ALPHA
    min_donors: int = MIN_DONORS
    space_only: bool = False  # a short pre-period: no placebos in time
    offices: bool = True


def unit_text(ratio: float) -> str:
    """x2.50 (+150%): an effect with its unit."""
    return f"x{ratio:.2f} ({100 * (ratio - 1):+.0f}%)"


def surging(s: Setup, candidates: list[str]) -> list[dict[str, Any]]:
    """The candidates' own surges over the pre-period and the 56 days after the event
    (``surges.scan``), one row per office (its largest surge). Each office is scanned
    relative to the sum of the other candidates (its counts times the others' mean over
    the others' count that day), so a rise that all offices share (a national policy, the
    season) is not a surge of its own: the synthetic control absorbs it."""
    lo = s.when - timedelta(days=7 * s.pre_weeks)
    hi = s.when + timedelta(days=7 * synth.HORIZON_WEEKS - 1)
    rows = [i for i, d in enumerate(s.days) if lo <= d <= hi]
    cols = [s.codes.index(c) for c in candidates]
    if len(rows) < 56 or len(cols) < 2:
        return []
    sub = s.counts[np.ix_(rows, cols)]
    rest = sub.sum(axis=1, keepdims=True) - sub
    relative = sub * rest.mean(axis=0) / np.maximum(rest, 1.0)
    found = scan([s.days[i] for i in rows], relative, candidates)
    out: dict[str, dict[str, Any]] = {}
    for r in found:
        if r["office"] not in out or r["ratio"] > out[r["office"]]["ratio"]:
            out[r["office"]] = {k: r[k] for k in ("office", "start", "end", "ratio")}
    return [out[c] for c in candidates if c in out]


def pool(s: synth.Grid, su: Setup, office: str, excluded: set[str],
         surges: list[dict[str, Any]]) -> tuple[list[int], list[dict[str, Any]]]:
    """(donor columns, the surging offices left out). Donors: covered, not excluded, at
    least ``MIN_PER_DAY`` in the pre-period, no surge of their own; when fewer than
    ``MIN_DONORS`` remain (persistent shocks look like surges), the surging offices with
    the smallest surges are taken back until there are, and marked so."""
    e, pre = s.event, su.pre_weeks
    usable = []
    for j, c in enumerate(su.codes):
        if c == office or c in excluded:
            continue
        block = s.counts[max(e - pre, 0):e, j]
        if len(block) and not np.isnan(block).any() and block.mean() >= 7 * MIN_PER_DAY:
            usable.append(j)
    surging = {r["office"]: r for r in surges}
    out = [j for j in usable if su.codes[j] not in surging]
    for r in sorted(surges, key=lambda r: r["ratio"]):
        if len(out) >= su.min_donors:
            break
        if r["office"] in su.codes and su.codes.index(r["office"]) in usable:
            out.append(su.codes.index(r["office"]))
            r["taken_back"] = True
    return sorted(out), [r for r in surges if not r.get("taken_back")]


def _effect_row(fit: synth.Fit, others: list[synth.Fit], weeks: int, alpha: float
                ) -> dict[str, Any]:
    eff = synth.effect(fit, others, weeks, alpha)
    post = slice(fit.pre, fit.pre + weeks)
    actual = fit.actual[post]
    r = float(eff["ratio"] or 0.0)
    return {"days": 7 * weeks, **{k: eff[k] for k in ("ratio", "low", "high")},
            "percent": 100 * (r - 1), "text": unit_text(r),
            **{k: eff[k] for k in ("p", "permutation_p", "placebo_p", "placebos",
                                   "placebos_left_out", "inference", "min_p")},
            "per_day": float(actual.sum() / (7 * weeks)),
            "synthetic_per_day": float(fit.synthetic[post].sum() / (7 * weeks)),
            "added_per_day": float((actual - fit.synthetic[post]).sum() / (7 * weeks))}


Estimate = tuple[synth.Fit, list[synth.Fit], list[synth.Fit], dict[int, dict[str, Any]]]


def estimate(g: synth.Grid, unit: int, donors: list[int], event: int, pre: int,
             horizons: tuple[int, ...], alpha: float = synth.ALPHA, in_time: bool = True
             ) -> Estimate | None:
    """The fit, its placebos (space, time) and the effect over each horizon (weeks) the
    data reach."""
    f = synth.fit(g, unit, donors, event, pre)
    if f is None:
        return None
    space, time = synth.placebos(g, unit, donors, event, pre, in_time=in_time)
    effects = {h: _effect_row(f, space + time, h, alpha) for h in horizons
               if len(f.gap) - f.pre >= h}
    return f, space, time, effects


def core(su: Setup, g: synth.Grid, office: str, excluded: set[str],
         horizons: tuple[int, ...]) -> tuple[list[int], list[dict[str, Any]], Estimate | None]:
    """(donors, all surges found among the candidates, the estimate) for ``office``."""
    candidates = [c for c in su.codes if c != office and c not in excluded]
    surges = surging(su, candidates)
    donors, _ = pool(g, su, office, excluded, surges)
    est = estimate(g, su.codes.index(office), donors, g.event, su.pre_weeks, horizons,
                   su.alpha, not su.space_only)
    return donors, surges, est


def study(g: synth.Grid, f: synth.Fit, others: list[synth.Fit], alpha: float = synth.ALPHA
          ) -> list[dict[str, Any]]:
    """The weekly event study: each week's ratio to the synthetic, with its interval."""
    out = []
    for k in STUDY_WEEKS:
        w = synth.week(f, others, k, alpha)
        if w is not None:
            out.append({"week": k, "start": g.starts[g.event + k], "ratio": w[0],
                        "low": w[1], "high": w[2]})
    return out


def pre_trend(g: synth.Grid, su: Setup, unit: int, donors: list[int]) -> dict[str, Any]:
    """The same estimate with the event moved back by the window: its window then ends
    the day before the real event, so an effect here is a trend, not the event."""
    w = su.window_weeks
    pre = min(su.pre_weeks, g.event - w)
    r = estimate(g, unit, donors, g.event - w, pre, (w,), su.alpha, not su.space_only) \
        if pre >= MIN_PRE_WEEKS else None
    when = su.when - timedelta(days=7 * w)
    if r is None or w not in r[3]:
        return {"date": when, "ratio": None, "note": "not enough data before the event"}
    return {"date": when, **r[3][w]}


def displacement(g: synth.Grid, su: Setup, office: str, donors: list[int],
                 skip: set[str]) -> list[dict[str, Any]]:
    """The change over the window in each other office, nearest first: did the event's
    office add arrests, or take them from its neighbours? Each office against the donor
    pool without itself, with its own placebos."""
    w, out = su.window_weeks, []
    others = sorted((c for c in su.codes if c != office and c not in skip),
                    key=lambda c: reference.distance_km(office, c))
    for c in others:
        j = su.codes.index(c)
        r = estimate(g, j, [d for d in donors if d != j], g.event, su.pre_weeks, (w,),
                     su.alpha, not su.space_only)
        row: dict[str, Any] = {"office": c, "distance_km": round(
            reference.distance_km(office, c)), "donor": j in donors}
        if r is None or w not in r[3]:
            out.append(row | {"ratio": None, "note": "not enough data"})
            continue
        out.append(row | r[3][w])
    return out
