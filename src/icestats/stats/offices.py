"""`icestats offices --fair`: the fair evaluation over the store."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np

from icestats import reference
from icestats.answers import FairAnswer
from icestats.defaults import FDR, LEVEL
from icestats.kinds import said, say
from icestats.slices import Window
from icestats.stats import covered_codes, office_matrix
from icestats.stats.fair import FairResult, Period, evaluate
from icestats.stats.goals import Goals
from icestats.stats.persistence import persistence
from icestats.stats.weekday import office_profiles

# Offices carved out of another's area: when the releases have no record of the newer one
# (Harlingen was inside San Antonio's area before 2022), its residents and its share of
# the goal are counted with the office that then covered them.
ABSORBED_BY = {"HAL": "SNA"}
PROFILE_DAYS = 364  # the weekday patterns come from the 52 weeks up to the window's end


@dataclass
class Evaluation:
    """The fair answer with what the underperformers question reuses."""

    answer: FairAnswer
    result: FairResult
    codes: list[str]  # the ranked offices, in the order of ``result.draws``' columns
    targets: np.ndarray | None
    populations: dict[str, dict[str, float]]
    relative_targets: bool = False


def fair_offices(con: duckdb.DuckDBPyConnection, w: Window, goals: Goals, *,
                 q: float = FDR, level: float = LEVEL) -> FairAnswer:
    return evaluation(con, w, goals, q=q, level=level, baseline_fallback=True).answer


def evaluation(con: duckdb.DuckDBPyConnection, w: Window, goals: Goals, *, q: float = FDR,
               level: float = LEVEL, relative_targets: bool = False,
               baseline_fallback: bool = False) -> Evaluation:
    """The fair evaluation over the window ``w`` (a resolved slice). ``relative_targets``:
    when no target is in force in the window, share the window's own national arrests by
    the allocation key instead (attainment 1 = the office's share); ``baseline_fallback``:
    when the goals' baseline period holds no data, use the 52 weeks before the window."""
    assert w.first is not None and w.last is not None and w.coverage is not None
    start, end, count, scope = w.first, w.last, w.slice.count, w.slice.scope
    uncovered = list(w.not_covered)
    codes = covered_codes(w)
    days, _, counts = office_matrix(con, start, end, count, codes, scope)
    goals, fallback_note = _baseline_goals(con, w, goals, codes, baseline_fallback)
    base_days, _, base_counts = office_matrix(con, *goals.baseline, count=count, codes=codes,
                                              scope=scope)
    baseline = Period(base_days, base_counts) if base_days else None
    shares = None
    if baseline is not None and base_counts.sum():
        shares = dict(zip(codes, base_counts.sum(axis=0) / base_counts.sum(), strict=True))
    targets = _window_targets(goals, days, codes, shares, uncovered)
    relative = targets is None and relative_targets and counts.sum() > 0
    if relative:
        targets = _relative_targets(goals, codes, shares, uncovered, counts.sum() / len(days))
    prof_days, _, prof_counts = office_matrix(con, end - timedelta(days=PROFILE_DAYS - 1),
                                              end, count, codes, scope)
    profiles = office_profiles(prof_days, prof_counts)
    before = [i for i, d in enumerate(prof_days) if d < start]
    pers = persistence([prof_days[i] for i in before], prof_counts[before], profiles.factors)
    pops = _populations(uncovered)
    result = evaluate(Period(days, counts), codes, targets, baseline, q, level, profiles,
                      pops, pers)
    answer = _answer(con, w, goals, result, baseline, targets is not None, len(days))
    if fallback_note:
        answer.details["baseline_note"] = fallback_note
    if relative:
        answer.details["targets_note"] = _relative_note(goals, counts.sum() / len(days))
    areas = [f"{a} is not covered: its residents and its share of the goal are counted with "
             f"{b}, whose area held it then" for a, b in ABSORBED_BY.items()
             if a in uncovered and b in codes]
    if areas:
        answer.details["areas_note"] = "; ".join(areas)
    # (another kind: its notes and method in its words; the data columns keep their keys)
    answer.method = say(answer.method, w.slice.kind)
    answer.details = said(answer.details, w.slice.kind)
    return Evaluation(answer, result, codes, targets, pops, relative)


def _answer(con: duckdb.DuckDBPyConnection, w: Window, goals: Goals, result: FairResult,
            baseline: Period | None, in_force: bool, n: int) -> FairAnswer:
    assert w.first is not None and w.last is not None
    start, end, count, scope = w.first, w.last, w.slice.count, w.slice.scope
    uncovered = list(w.not_covered)
    names = {o.code: o.name for o in reference.offices()}
    rows = sorted(result.rows, key=lambda r: -float(r.get("shrunk_attainment", r["per_day"])))
    for rank, r in enumerate(rows, 1):
        r["rank"], r["name"] = rank, names[str(r["aor"])]
    rows += _unranked(con, start, end, count, scope, n)
    for r in rows:  # (true or false in every row, so a file reads it as a boolean)
        r["covered"] = True
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
    return FairAnswer(rows, int(common["window_days"]), in_force, float(common["fdr"]),
                      float(common["level"]), goals.describe(), meta, uncovered, count=count,
                      scope=scope, method=_method({**meta, **common}), window=w,
                      source=w.source)


def _baseline_goals(con: duckdb.DuckDBPyConnection, w: Window, goals: Goals, codes: list[str],
                    fallback: bool) -> tuple[Goals, str | None]:
    """The goals with the 52 weeks before the window as baseline, when asked and the
    configured baseline period holds no data."""
    if not fallback:
        return goals, None
    days, _, _ = office_matrix(con, *goals.baseline, count=w.slice.count, codes=codes,
                               scope=w.slice.scope)
    if days:
        return goals, None
    cov, start = w.coverage, w.first
    assert cov is not None and cov.start is not None and start is not None
    first = max(start - timedelta(days=PROFILE_DAYS), cov.start)
    if first >= start:
        return goals, None
    last = start - timedelta(days=1)
    return replace(goals, baseline=(first, last)), (
        f"no data in the configured baseline period {goals.baseline[0]} to "
        f"{goals.baseline[1]}; the baseline is the {(last - first).days + 1} days before the "
        f"window, {first} to {last}")


def _populations(uncovered: list[str]) -> dict[str, dict[str, float]]:
    pops = {c: dict(v) for c, v in reference.populations().items()}
    for a, b in ABSORBED_BY.items():
        if a in uncovered and b not in uncovered:
            pops[b] = {k: v + pops[a][k] for k, v in pops[b].items()}
    return pops


def _window_targets(goals: Goals, days: list[date], codes: list[str],
                    shares: dict[str, float] | None, uncovered: list[str]
                    ) -> np.ndarray | None:
    """Mean target per day over the window's days on which a target is in force."""
    if goals.allocation == "baseline" and shares is None:
        return None
    per_day = [_absorbed(goals.targets(d, shares), uncovered) for d in days]
    active = [t for t in per_day if t]
    if not active or any(c not in t for t in active for c in codes):
        return None
    return np.array([np.mean([t[c] for t in active]) for c in codes])


def _absorbed(targets: dict[str, float], uncovered: list[str]) -> dict[str, float]:
    out = dict(targets)
    for a, b in ABSORBED_BY.items():
        if a in uncovered and b in out and a in out:
            out[b] += out.pop(a)
    return out


def _relative_targets(goals: Goals, codes: list[str], shares: dict[str, float] | None,
                      uncovered: list[str], national_per_day: float) -> np.ndarray | None:
    if goals.allocation == "baseline" and shares is None:
        return None
    share = _absorbed(goals.shares(shares), uncovered)
    total = sum(share[c] for c in codes)
    return np.array([national_per_day * share[c] / total for c in codes])


def _relative_note(goals: Goals, national_per_day: float) -> str:
    return (f"no target is in force in this window: each office is compared with its share "
            f"(by {goals.allocation}) of the ranked offices' own {national_per_day:,.1f} "
            f"arrests a day, not with a target; below 1 means below its share, as about "
            f"half the offices are by construction")


def _unranked(con: duckdb.DuckDBPyConnection, start: date, end: date, count: str, scope: str,
              n: int) -> list[dict[str, Any]]:
    _, codes, counts = office_matrix(con, start, end, count, [reference.HQ, reference.UNKNOWN],
                                     scope)
    names = {reference.HQ: "Headquarters", reference.UNKNOWN: "Unknown or blank"}
    return [{"rank": None, "aor": c, "name": names[c], "arrests": int(counts[:, i].sum()),
             "per_day": float(counts[:, i].sum() / max(n, 1))} for i, c in enumerate(codes)]


def _method(meta: dict[str, Any]) -> str:
    return (f"{meta['model']} count model (variance = mean x (1 + mean/k) from daily counts "
            f"around each office's weekday-adjusted means, its own weekday pattern shrunk "
            f"toward the national one; an office far beyond it keeps its own), times the "
            f"long-run factor of the runs of busy and quiet days "
            f"({meta['persistence']['long_run_factor']:.2f}, from the year before); "
            f"{int(100 * float(meta['level']))}% intervals (for the underlying daily rate) on "
            f"the log scale with t quantiles; attainment = arrests / (target x days); "
            f"empirical Bayes gamma-Poisson shrinkage toward the offices' mean (the ranking) "
            f"and P(attainment < 1) from its posterior; rank interval from "
            f"{meta['rank_draws']:,} seeded draws of every office's rate, and a predictive "
            f"one for the next window (the drift between windows added); below-target "
            f"flag = one-sided test with the variance at the target, Benjamini-Hochberg at "
            f"FDR {meta['fdr']}")
