"""`icestats offices --underperformers`: the n lowest offices under each yardstick, side by
side, each with the 95% interval of its rank, which offices are low under every yardstick
and which only under some, and which are below target with the false discovery rate held.

Every yardstick is a rescaling of the same underlying daily rate (arrests a day, per
resident, per noncitizen resident, over the allocated target) except the change against
the office's own baseline (the window's rate over the baseline's), so the rank intervals
of all of them come from the same posterior draws (``stats.ranks``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import duckdb
import numpy as np

from icestats.answers import UnderperformersAnswer
from icestats.defaults import FDR, LEVEL
from icestats.errors import UsageError
from icestats.kinds import said, say
from icestats.slices import Window, earlier
from icestats.stats.goals import Goals
from icestats.stats.offices import Evaluation, evaluation
from icestats.stats.ranks import bottom_probability, point_ranks, rank_interval

MEASURES = {
    "per_day": ("arrests a day", "per day", 1),
    "per_resident": ("arrests per 100,000 residents a year (ACS 2024)", "per 100k res.", 1),
    "per_noncitizen": ("arrests per 100,000 noncitizen residents a year (ACS 2024)",
                       "per 100k noncit.", 0),
    "attainment": ("attainment: arrests over the allocated target", "attainment", 2),
    "share": ("arrests over the office's share of the offices' own arrests (no target in "
              "force)", "vs share", 2),
    "vs_baseline": ("change: arrests a day over the office's own baseline", "vs baseline", 2),
}


N = 12  # "a dozen underperforming field-office directors"


def underperformers(con: duckdb.DuckDBPyConnection, w: Window, goals: Goals, *,
                    n: int | None = None, q: float = FDR, level: float = LEVEL
                    ) -> UnderperformersAnswer:
    """The ``n`` lowest (default 12, or all but one when fewer offices are ranked)."""
    ev = evaluation(con, w, goals, q=q, level=level, relative_targets=True,
                    baseline_fallback=True)
    k = len(ev.codes)
    if k < 2:
        return _nothing_to_compare(w, ev, level)
    if n is None:
        n = min(N, k - 1)
    if not 1 <= n < k:
        raise UsageError(f"--n must be 1 to {k - 1}: {k} offices are ranked in this window")
    measures, offices, every, some = _lists(ev, n, level)
    flagged = [o["aor"] for o in offices if o["below_target"]]
    a = ev.answer
    details = _details(a.details, _yardsticks(ev)[1],
                       bool({"attainment", "share"} & {m["key"] for m in measures}), goals)
    details["every_measure_stability"] = stability(con, w, goals, every, n=n, q=q,
                                                   level=level)
    below = BELOW_SHARE if ev.relative_targets else BELOW_TARGET
    details["below_means"] = below
    return _in_words(w, UnderperformersAnswer(
        n, a.window_days, k, measures, offices, every, some, flagged, a.fdr, level,
        _headline(n, measures, every, some, flagged, a.fdr, below,
                  details["every_measure_stability"]), a.goals, details,
        a.not_covered, count=a.count, scope=a.scope, window=w, source=w.source,
        method=f"the {n} lowest of the {k} ranked offices under each yardstick; rank "
               f"intervals ({level:.0%}) and the probability of being among the {n} lowest "
               f"from {a.details['rank_draws']:,} seeded posterior draws of every office's "
               f"underlying daily rate (gamma, effective counts y/phi); below target: "
               f"one-sided test with the variance at the target, Benjamini-Hochberg at FDR "
               f"{a.fdr}. Fair evaluation: {a.method}"))


def _in_words(w: Window, u: UnderperformersAnswer) -> UnderperformersAnswer:
    """Over another kind: the yardsticks, notes and method in that kind's words (the
    offices' data keep their keys)."""
    kind = w.slice.kind
    u.measures, u.details = said(u.measures, kind), said(u.details, kind)
    u.note, u.method = say(u.note, kind), say(u.method, kind)
    return u


BELOW_TARGET = "below target"
BELOW_SHARE = "below their share of the offices' own arrests (no target is in force)"
PAST_WINDOWS = 3  # the "every yardstick" list is also drawn for this many windows before


def _lists(ev: Evaluation, n: int, level: float
           ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str],
                      list[dict[str, Any]]]:
    """(measures, offices, in the bottom n under every yardstick, under only some)."""
    scales, _ = _yardsticks(ev)
    rows = {str(r["aor"]): r for r in ev.answer.ranked}
    measures = [_measure(key, values, draws, ev.codes, rows, n, level)
                for key, (values, draws) in scales.items()]
    offices = _offices(measures, ev.codes, rows)
    for m in measures:
        del m["all"]  # each office's place under every yardstick is in ``offices``
    keys = [m["key"] for m in measures]
    every = [o["aor"] for o in offices if len(o["bottom_under"]) == len(keys)]
    some = [{"aor": o["aor"], "name": o["name"], "measures": o["bottom_under"]}
            for o in offices if 0 < len(o["bottom_under"]) < len(keys)]
    return measures, offices, every, some


def stability(con: duckdb.DuckDBPyConnection, w: Window, goals: Goals, every: list[str], *,
              n: int, q: float, level: float) -> dict[str, Any]:
    """The "every yardstick" list drawn again for the PAST_WINDOWS windows of the same
    length before this one (as far as the data go): each window's list, how many of them
    hold each office of today's list, and the mean overlap (shared / either) of
    consecutive lists. A list that changes from one month to the next is a list of the
    month, not of the offices."""
    lists: list[dict[str, Any]] = []
    end = w.first - timedelta(days=1)
    assert w.coverage is not None and w.coverage.start is not None
    for _ in range(PAST_WINDOWS):
        if end - timedelta(days=w.days - 1) < w.coverage.start:
            break
        before = earlier(con, w, end)
        ev = evaluation(con, before, goals, q=q, level=level, relative_targets=True,
                        baseline_fallback=True)
        if len(ev.codes) <= n:
            break
        lists.append({"window": [before.first, before.last],
                      "every_measure": _lists(ev, n, level)[2]})
        end = before.first - timedelta(days=1)
    chain = [set(every)] + [set(x["every_measure"]) for x in lists]
    overlaps = [len(a & b) / len(a | b) for a, b in zip(chain, chain[1:], strict=False)
                if a | b]
    return {"windows_before": lists,
            "held": {c: sum(c in x for x in chain) for c in every},
            "windows_compared": len(chain),
            "mean_overlap": float(np.mean(overlaps)) if overlaps else None}


def _nothing_to_compare(w: Window, ev: Evaluation, level: float) -> UnderperformersAnswer:
    """Fewer than two offices ranked in the window (a one-office release): no list."""
    a, k = ev.answer, len(ev.codes)
    note = (f"{k} office{'' if k == 1 else 's'} ranked in this window: there is nothing to "
            f"compare, so no office is listed")
    return _in_words(w, UnderperformersAnswer(
        0, a.window_days, k, [], [], [], [], [], a.fdr, level, note, a.goals,
        {"intervals_for": INTERVALS_FOR}, a.not_covered, count=a.count, scope=a.scope,
        window=w, source=w.source, method=f"no ranking: {note}"))


KEPT = ("targets_note", "baseline_note", "areas_note", "baseline", "rank_draws", "rank_seed")
INTERVALS_FOR = {
    "rank_low/high": "the rank (1 = highest) of the office's underlying daily rate among the "
                     "ranked offices under that yardstick (95%), from posterior draws of "
                     "every office's rate: the uncertainty is about the rate the counts "
                     "reveal, not measurement error (the counts are exact)",
    "p_bottom": "the probability, over the same draws, that the office is among the n "
                "lowest under that yardstick",
}


def _details(fair: dict[str, Any], skipped: dict[str, str], attainment: bool,
             goals: Goals) -> dict[str, Any]:
    """The fair answer's notes that apply here, and why a yardstick is missing or says
    nothing new."""
    out: dict[str, Any] = {k: fair[k] for k in KEPT if k in fair}
    out["intervals_for"] = INTERVALS_FOR
    out["weekday_note"] = fair["weekday"]["note"]
    if skipped:
        out["measures_left_out"] = skipped
    if attainment and goals.allocation in ("population", "noncitizen") and not goals.offices:
        same = "per_resident" if goals.allocation == "population" else "per_noncitizen"
        out["attainment_note"] = (
            f"the targets are shares by {goals.allocation} population, so attainment orders "
            f"the offices as {MEASURES[same][0].split(' (')[0]} do; what it adds is the test "
            f"against the target" if "targets_note" not in fair else
            f"the shares are by {goals.allocation} population, so arrests over the share "
            f"order the offices as {MEASURES[same][0].split(' (')[0]} do; what it adds is "
            f"the test of which are clearly below their share")
    return out


def _yardsticks(ev: Evaluation) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]],
                                         dict[str, str]]:
    res, codes = ev.result, ev.codes
    per_day = np.array([float(r["per_day"]) for r in _by_code(res.rows, codes)])
    pops = ev.populations
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {"per_day": (per_day, res.draws)}
    skipped: dict[str, str] = {}
    for key, field in (("per_resident", "population"), ("per_noncitizen", "noncitizen")):
        scale = 365e5 / np.array([pops[c][field] for c in codes])
        out[key] = (per_day * scale, res.draws * scale[None, :])
    if ev.targets is not None:
        key = "share" if ev.relative_targets else "attainment"
        out[key] = (per_day / ev.targets, res.draws / ev.targets[None, :])
    else:
        skipped["attainment"] = "no target in force and none allocated (see --goals)"
    base = [r.get("baseline_per_day") for r in _by_code(res.rows, codes)]
    if res.baseline_draws is None or any(not b for b in base):
        skipped["vs_baseline"] = ("no baseline data" if res.baseline_draws is None else
                                  "an office has no arrests in the baseline period")
    else:
        out["vs_baseline"] = (per_day / np.array(base, dtype=float),
                              res.draws / res.baseline_draws)
    return out, skipped


def _by_code(rows: list[dict[str, Any]], codes: list[str]) -> list[dict[str, Any]]:
    index = {str(r["aor"]): r for r in rows}
    return [index[c] for c in codes]


def _measure(key: str, values: np.ndarray, draws: np.ndarray, codes: list[str],
             rows: dict[str, dict[str, Any]], n: int, level: float) -> dict[str, Any]:
    rank = point_ranks(values)
    lo, hi = rank_interval(draws, level)
    p_bottom = bottom_probability(draws, n)
    k = len(codes)
    entries = [{"aor": codes[i], "name": rows[codes[i]]["name"], "value": float(values[i]),
                "rank": int(rank[i]), "rank_low": int(lo[i]), "rank_high": int(hi[i]),
                "p_bottom": float(p_bottom[i]), "bottom": bool(rank[i] > k - n)}
               for i in range(k)]
    bottom = sorted((e for e in entries if e["bottom"]), key=lambda e: e["value"])
    label, short, digits = MEASURES[key]
    return {"key": key, "label": label, "short": short, "digits": digits, "all": entries,
            "bottom": bottom,
            "bottom_could_be_outside": sum(e["rank_low"] <= k - n for e in bottom),
            "outside_could_be_bottom": sum(e["rank_high"] > k - n for e in entries
                                           if not e["bottom"])}


def _offices(measures: list[dict[str, Any]], codes: list[str],
             rows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for i, c in enumerate(codes):
        r = rows[c]
        out.append({"aor": c, "name": r["name"],
                    "bottom_under": [m["key"] for m in measures if m["all"][i]["bottom"]],
                    "below_target": bool(r.get("below_target")),
                    "p_below": r.get("p_below"),
                    "p_attainment_below_1": r.get("p_attainment_below_1"),
                    **{m["key"]: {k: m["all"][i][k] for k in ("value", "rank", "rank_low",
                                                              "rank_high", "p_bottom")}
                       for m in measures}})
    return sorted(out, key=lambda o: (-len(o["bottom_under"]), o["aor"]))


def _headline(n: int, measures: list[dict[str, Any]], every: list[str],
              some: list[dict[str, Any]], flagged: list[str], fdr: float, below: str,
              stable: dict[str, Any]) -> str:
    places = n * len(measures)
    shaky = sum(m["bottom_could_be_outside"] for m in measures)
    text = (f"The list depends on the yardstick and on noise: {len(every)} offices are in "
            f"the bottom {n} under all {len(measures)} yardsticks, {len(some)} under only "
            f"some; {shaky} of the {places} places go to offices whose 95% rank interval "
            f"reaches outside the bottom {n}; {len(flagged)} are {below} with the false "
            f"discovery rate held at {fdr:.0%}.")
    k = stable["windows_compared"]
    if k > 1 and stable["mean_overlap"] is not None:
        always = sum(v == k for v in stable["held"].values())
        text += (f" Over this window and the {k - 1} before it, {always} of the "
                 f"{len(every)} were in the all-yardstick list each time (consecutive "
                 f"lists share {stable['mean_overlap']:.0%} of their offices).")
    return text
