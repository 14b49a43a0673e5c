"""The validation harness (issues 13 and 21): every statistic icestats publishes, measured
against what happened, on real series and on two kinds of simulation; every target of
issue 21 printed with its measured figure and PASS or FAIL at the end.
`python bench/validate.py [--quick] [--only PART] [--markdown]`; part of `make bench`.
Every figure is fixed by its seeds; docs/methods.md quotes the full run.

Real data (shipped in the package; bench/realseries.py reads the count tables):
FY2016-19 record-level arrests (24 offices and their sum), the five states' daily arrests
2025-08-02..2026-03-10 (Texas, Wisconsin, Illinois, Minnesota, Oregon and their sum),
Minnesota's Targeted / Collateral series, DDP's single-counted national weeks
2024-08-11..2025-10-05, and the 130 vintages of ICE's detention workbooks (book-ins).

Parts: forecasts (and the goal's chances, from the same backtests), nowcasts, fair,
events, surges.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from typing import Any

import numpy as np

import realseries
from validate_parts import (
    HERE,
    TARGETS,
    check,
    events,
    fair,
    pct,
    real_series,
    surges,
)

# ---------------------------------------------------------------- forecasts and goals

RECALIBRATE = False  # --recalibrate

def _series_sets(quick: bool) -> list[tuple[str, list[date], np.ndarray, list[int], int]]:
    """(label, days, days x series, origins, fit days) of each real backtest."""
    from icestats.stats.backtest import origins_every

    days, y = real_series()
    five = realseries.five_states()
    y5 = np.column_stack([five.counts.sum(axis=1), five.counts])
    mn = realseries.mn_types()
    step = 14 if quick else 7
    return [
        ("real FY2016-19, 24 offices + national", days, y,
         origins_every(len(days), 182, 30, 12 if quick else 24), 182),
        ("real 2025-26, 5 states + their sum", five.days, y5,
         list(range(62, len(five.days) - 30, step)), 182),
        ("real 2025-26, Minnesota Targeted / Collateral", mn.days, mn.counts,
         list(range(62, len(mn.days) - 30, step)), 182),
    ]


def _line(label: str, s: dict[str, float]) -> None:
    print(f"  {label:<48} cases {s['cases']:4d}  median signed error of the 30-day mean "
          f"{s['median_signed_error_pct']:+5.1f}% (|error| {s['median_abs_error_pct']:4.1f}%)"
          f"  daily 80%: {pct(s['coverage_80'])}  95%: {pct(s['coverage_95'])}  30-day mean "
          f"in its 80%: {pct(s['coverage_30_day_mean_80'])}  after a shift, paths' mean / "
          f"level at most {s['after_break_mean_over_level_max']:.2f}")


def _reliability(label: str, stated: list[float], happened: list[bool], cases: list[int]
                 ) -> dict[str, Any]:
    from icestats.stats.forecast_trials import reliability

    bins = reliability(stated, happened, cases=cases)
    print(f"    reliability ({label}): " + "; ".join(
        f"{b['low']:.2f}-{b['high']:.2f}: stated {pct(b['stated'])}, happened "
        f"{pct(b['happened'])} (n {b['n']}, {b['forecasts']:.0f} forecasts)" for b in bins))
    return {b["low"]: b for b in bins}


def forecasts(quick: bool) -> None:
    from icestats.stats import forecast_trials as ft

    print("(a) forecasts: 30 days ahead from each origin, the fit on up to 182 days; "
          "seed = origin's index; 1,000 paths")
    pooled: dict[str, ft.Records] = {}
    for label, days, y, origins, fit in _series_sets(quick):
        r = ft.backtest(days, y, origins, fit, paths=1000, recalibrate=RECALIBRATE)
        s = ft.summary(r)
        print(f"  {label}: {len(origins)} origins {days[origins[0]]} to {days[origins[-1]]}")
        _line("", s)
        pooled[label] = r
        if label.startswith("real FY2016"):
            check("3", "forecast, median signed error of the 30-day mean, FY2016-19",
                  "within +-3%", f"{s['median_signed_error_pct']:+.1f}% ({s['cases']} cases)",
                  abs(s["median_signed_error_pct"]) <= 3)
        if label.startswith("real 2025-26, 5"):
            check("3", "forecast, median signed error of the 30-day mean, 2025-26",
                  "within +-8%", f"{s['median_signed_error_pct']:+.1f}% ({s['cases']} cases)",
                  abs(s["median_signed_error_pct"]) <= 8)
            check("3", "forecast, daily 95% bands, 2025-26", "cover at least 90%",
                  pct(s["coverage_95"]), s["coverage_95"] >= 0.9)
        if s["after_break_cases"]:
            check("3", f"forecast after a level shift, {label}", "paths' mean below twice "
                  "the level", f"at most {s['after_break_mean_over_level_max']:.2f} "
                  f"({s['after_break_cases']} cases)",
                  s["after_break_mean_over_level_max"] < 2)
    pooled.update(_ddp_weekly(quick))
    pooled.update(_simulated(quick))
    for label, r in pooled.items():
        if not r.stated:
            continue
        bins = _reliability(label, r.stated, r.happened, r.case)
        low, mid = bins.get(0.0), bins.get(0.4)
        if low is not None:
            check("2", f"goal chance 5% or less, {label}", "happens at most 7%",
                  f"{pct(low['happened'])} of {low['n']} ({low['forecasts']:.0f} forecasts)",
                  low["happened"] <= 0.07)
        if mid is not None:
            check("2", f"goal chance 40-60%, {label}", "happens 40-60%",
                  f"{pct(mid['happened'])} of {mid['n']} ({mid['forecasts']:.0f} forecasts)",
                  0.4 <= mid["happened"] <= 0.6)
    goal_dates(quick)


def _ddp_weekly(quick: bool) -> dict[str, Any]:
    """DDP's national weeks as days (each week's count spread over its 7 days: no
    weekday pattern, no holidays): the 30-day mean only (daily bands mean nothing here)."""
    from icestats.stats import forecast_trials as ft

    weeks, counts, _ = realseries.ddp_weekly()
    days = [weeks[0] + timedelta(days=i) for i in range(7 * len(weeks))]
    y = np.repeat(counts / 7, 7)[:, None]
    origins = list(range(90, len(days) - 30, 56 if quick else 28))
    r = ft.backtest(days, y, origins, 182, paths=1000, recalibrate=RECALIBRATE)
    s = ft.summary(r)
    print(f"  DDP national weeks {weeks[0]} to {weeks[-1]} (as days): {len(origins)} "
          f"origins, median signed error of the 30-day mean {s['median_signed_error_pct']:+.1f}%"
          f" (|error| {s['median_abs_error_pct']:.1f}%), 30-day mean in its 80%: "
          f"{pct(s['coverage_30_day_mean_80'])}")
    return {"DDP national weeks": r}


def _simulated(quick: bool) -> dict[str, Any]:
    from icestats.stats import forecast_trials as ft
    from icestats.stats.backtest import origins_every
    from icestats.stats.simulate import simulate
    from icestats.stats.simulate_alt import simulate_alt

    seeds = range(1, 2 if quick else 4)
    out = {}
    for name, make in (("own", lambda seed, sd, ops: simulate(seed, 730, 24, sd,
                                                                operations=ops)),
                       ("independent", lambda seed, sd, ops: simulate_alt(seed, 730, sd))):
        for sd in (0.15, 0.30):
            for ops in ((0.0, 1.0) if name == "own" else (0.0,)):
                r = ft.Records()
                for seed in seeds:
                    sim = make(seed, sd, ops)
                    r.extend(ft.backtest(sim.days, sim.counts, origins_every(730, 182, 30, 12),
                                         seed=seed, paths=500, recalibrate=RECALIBRATE))
                label = f"simulated ({name}), shocks sd {sd}, {ops:.0f} ops/office"
                _line(label, ft.summary(r))
                out[label] = r
    return out


def goal_dates(quick: bool) -> None:
    """Goal dates over the real backtest origins, 90 days ahead, goals from half to twice
    each series' last 28 days: none where the named month's forecast is below the goal,
    none on the day after the origin."""
    from icestats.stats.backtest import origins_every
    from icestats.stats.forecast import forecast_counts
    from icestats.stats.forecast_blocks import goal_block

    days, y = real_series()
    dated = bad = asked = 0
    for i, o in enumerate(origins_every(len(days), 182, 90, 12 if quick else 24)):
        fc = forecast_counts(days[o - 181:o + 1], y[o - 181:o + 1], 90, seed=i, paths=500)
        for j in range(y.shape[1]):
            base = float(y[o - 27:o + 1, j].mean())
            for m in (0.5, 0.8, 0.95, 1.0, 1.05, 1.2, 2.0):
                g = goal_block(fc, j, days[o - 181:o + 1], y[o - 181:o + 1, j], base * m)
                asked += 1
                if g["goal_date"] is None:
                    continue
                dated += 1
                span = next(s for s in g["goal_spans"] if s["span"] == g["goal_span"])
                bad += span["forecast_per_day"] < base * m or \
                    g["goal_date"] <= days[o] + timedelta(days=1)
    print(f"  goal dates, real FY2016-19, 90 days ahead: {dated} dates given for {asked} "
          f"goals; {bad} where the month's forecast is below the goal or on the day after "
          f"the origin")
    check("2", "goal dates on the real backtest origins", "none below the goal or the "
          "day after the origin", f"{bad} of {dated} dates ({asked} goals)", bad == 0)


# ---------------------------------------------------------------- nowcasts

def nowcasts(quick: bool) -> None:
    from icestats.stats.trials import default_lag, nowcast_trials, real_cut, slow_lag
    from icestats.stats.triangle import realtime_check

    seeds = range(20 if quick else 100)
    print(f"(b) nowcast, {len(seeds)} simulated national releases each (own simulation, "
          f"seeds 0..{len(seeds) - 1}; the release ends 40 days before the data)")
    for label, n, lag in (("complete release", 1, None),
                          ("one release, lag 1-0.5exp(-a/4)", 1, default_lag),
                          ("two releases, lag 1-0.6exp(-a/6)", 2, slow_lag)):
        r = nowcast_trials(seeds, n, lag)
        print(f"  {label:<34} corrected: {r['corrected']:5.0%}  days within 3% of reported: "
              f"{pct(r['within_3pct_of_reported'])}  95% interval holds the truth: "
              f"{pct(r['covered'])}  14-day total error {r['total_error_pct']:+5.1f}% (raw "
              f"{r['raw_error_pct']:+5.1f}%)")
    days, y = real_series()
    ends = [date(2016, 6, 30) + timedelta(days=84 * i) for i in range(14)]
    for label, lag in (("lag 1-0.5exp(-a/4)", default_lag), ("complete", None)):
        rs = [real_cut(days, y[:, 0], e, lag, seed=i) for i, e in enumerate(ends)]
        fixed = sum(r["corrected"] for r in rs)
        power = float(np.median([r["power"] for r in rs]))
        print(f"  real FY2016-19 national cut at 14 ends ({ends[0]} to {ends[-1]}, every 84 "
              f"days), {label}: corrected {fixed}; median power {power:.2f}; "
              f"14-day total error {np.mean([r['error_pct'] for r in rs]):+.1f}% (raw "
              f"{np.mean([r['raw_error_pct'] for r in rs]):+.1f}%); 95% intervals hold the "
              f"truth {pct(np.mean([r['covered'] for r in rs]))}")
        if lag is not None:
            check("4", "one release without the power to see its lag (real cuts, lagged)",
                  "no correction; intervals hold the truth", f"{fixed} corrected of 14; "
                  f"{pct(np.mean([r['covered'] for r in rs]))} of days held",
                  fixed == 0 and np.mean([r["covered"] for r in rs]) >= 0.9)
    five = realseries.five_states()
    cut = real_cut(five.days, five.counts.sum(axis=1), date(2025, 11, 23), None)
    print(f"  real 2025-26 five states cut at 2025-11-23 (a real fall): corrected "
          f"{cut['corrected']}, days within 3% of reported {pct(cut['within_3pct_of_reported'])}")
    check("4", "one release after a real fall (five states, 2025-11-23)", "within 3% of "
          "reported", f"{pct(cut['within_3pct_of_reported'])} of days",
          cut["within_3pct_of_reported"] == 1.0)
    t = realseries.vintages()
    res = realtime_check(t.values, t.newest, t.final, t.final_vintage, range(0, 9))
    print(f"  workbook vintages (book-ins, all agencies): {len(t.vintages)} kept of 130 "
          f"({', '.join(f'{v} {k}' for k, v in t.left_out.items() if v)}); each vintage's "
          f"months nowcast from the finals published before it:")
    for a, x in res.items():
        where = "newest month, in progress" if a == 0 else f"{a} month(s) after the newest"
        print(f"    {where:<30} months {x['months']:3d}  90% intervals hold the final "
              f"{pct(x['covered'])}  median signed error as published "
              f"{100 * x['raw_signed_error']:+.2f}%, nowcast "
              f"{100 * x['nowcast_signed_error']:+.2f}%")
    worst = min(x["covered"] for a, x in res.items() if a >= 1)
    check("4", "workbook vintages, 90% intervals of the final value (1-8 months after)",
          "hold at least 90% at every age", f"lowest {pct(worst)}", worst >= 0.9)


def table(markdown: bool) -> None:
    print("\nTargets of issue 21")
    if markdown:
        print("| item | what | target | measured | verdict |\n| --- | --- | --- | --- | --- |")
    for t in TARGETS:
        verdict = "stated" if t.ok is None else ("PASS" if t.ok else "FAIL")
        if markdown:
            print(f"| {t.item} | {t.what} | {t.target} | {t.figure} | {verdict} |")
        else:
            print(f"  [{verdict:<6}] {t.item}. {t.what}: {t.target}; measured {t.figure}")


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer origins, seeds and dates")
    p.add_argument("--only", choices=("forecasts", "nowcasts", "fair", "events", "surges"),
                   help="run one part")
    p.add_argument("--markdown", action="store_true", help="the targets as a markdown table")
    p.add_argument("--recalibrate", action="store_true", help="forecasts: widen the 30-day "
                   "mean's spread by the prequential recalibration (stats/recalibrate.py; "
                   "tried, not in the product: docs/methods.md)")
    args = p.parse_args(argv)
    global RECALIBRATE
    RECALIBRATE = args.recalibrate
    for part in (forecasts, nowcasts, fair, events, surges):
        if args.only and part.__name__ != args.only:
            continue
        t = time.perf_counter()
        part(args.quick)
        print(f"  [{time.perf_counter() - t:.0f} s]", flush=True)
    table(args.markdown)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main(sys.argv[1:])
