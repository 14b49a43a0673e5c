"""The validation harness (issue 13): measured coverage and errors of the forecast, the
nowcast and the surge scan, on the real FY2016-19 series and on simulations that are
harder than the models' own noise. `python bench/validate.py [--quick]`; part of
`make bench` (bench/run_all.py). Every figure is fixed by its seeds; docs/methods.md
quotes them.

(a) Rolling-origin backtests on the real daily series (24 offices and national), 24
    origins, 30 days ahead, 182-day fit windows.
(b) Simulated office series (24 offices, two years): AR(1) shocks on the log level (sd
    0.15 and 0.30, coefficient 0.97), operations (x1.5 to x4 steps, humps of 2-10 weeks,
    level shifts down), fixed-date holidays, negative binomial noise.
(c) Nowcast: complete releases, one release with a reporting lag, two releases with a
    slower lag; (d) surges: a x2 hump of 14-70 days, and series without any operation.
(e) Fair evaluation: 24 offices with their own weekday patterns and AR(1) shocks, every
    office exactly at target: the below-target test's false-flag rate, the power at 80% of
    target, and the coverage of the true rank by the 95% rank intervals.
(f) Events: the synthetic control's 95% intervals with no effect and with a true x1.8
    step, AR(1) shocks of sd 0.15 and 0.30, four other offices with x1.5-x4 operations
    near the event (stats/event_trials.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from importlib import resources
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
REAL = Path(str(resources.files("icestats") / "data" / "real"))


def real_db() -> Path:
    import icestats

    path = OUT / "real_fy2016_2019.duckdb"
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        with icestats.connect(path, write=True) as ice:
            ice.ingest([REAL / f"EROArrests_FY{y}.csv.gz" for y in (2016, 2017, 2018, 2019)])
    return path


def real_offices() -> tuple[list, list[str], np.ndarray, np.ndarray]:
    """The real FY2016-19 daily counts through the last complete day: days, the covered
    offices' codes, their counts (days x offices) and the national count."""
    import icestats
    from icestats import metrics, reference
    from icestats.stats import office_matrix

    with icestats.connect(real_db()) as ice:
        cov = metrics.coverage(ice.con)
        assert cov.start is not None and cov.complete_through is not None
        missing = metrics.uncovered_offices(ice.con, cov.start, cov.complete_through)
        codes = [c for c in reference.field_office_codes() if c not in missing]
        days, _, y = office_matrix(ice.con, cov.start, cov.complete_through, codes=codes)
        nat = np.array(metrics.daily_table(ice.con, start=cov.start,
                                           end=cov.complete_through)["arrests"].to_pylist(),
                       dtype=float)
    return days, codes, y, nat


def real_series() -> tuple[list, np.ndarray]:
    days, _, y, nat = real_offices()
    return days, np.column_stack([nat, y])


def line(label: str, r: dict) -> None:
    print(f"  {label:<34} 80%: {r['coverage_80']:6.1%}  95%: {r['coverage_95']:6.1%}  "
          f"30-day mean in its 80%: {r['coverage_30_day_mean_80']:6.1%}  "
          f"median |err| day: {r['median_abs_error_day_share']:5.1%}  "
          f"30-day mean: {r['median_abs_pct_error_30_day_mean']:5.1f}%")


def forecasts(quick: bool) -> None:
    from icestats.stats.backtest import origins_every, rolling_origin
    from icestats.stats.simulate import simulate

    days, y = real_series()
    origins = origins_every(len(days), 182, 30, 12 if quick else 24)
    print(f"(a) real FY2016-19: {y.shape[1]} series, {len(origins)} origins {days[origins[0]]}"
          f" to {days[origins[-1]]}, 30 days ahead, fit on 182 days")
    for m in ("local_level", "trend"):
        line(m, rolling_origin(days, y, origins, 30, 182, m, paths=1000))
    seeds = range(1, 2 if quick else 4)
    print(f"(b) simulations: 24 offices, 730 days, 12 origins, seeds {list(seeds)}")
    for shock in (0.15, 0.30):
        for ops in (0.0, 1.0):
            for m in ("local_level", "trend"):
                runs = []
                for seed in seeds:
                    s = simulate(seed, n_days=730, offices=24, shock_sd=shock, operations=ops)
                    runs.append(rolling_origin(s.days, s.counts,
                                               origins_every(730, 182, 30, 12), 30, 182, m,
                                               seed=seed, paths=500))
                mean = {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}
                line(f"AR sd {shock}, {ops:.0f} ops/office, {m}", mean)


def nowcasts(quick: bool) -> None:
    from icestats.stats.trials import default_lag, nowcast_trials, slow_lag

    seeds = range(20 if quick else 100)
    print(f"(c) nowcast, {len(seeds)} simulated national releases each (14-day tail)")
    for label, n, lag in (("complete release", 1, None),
                          ("one release, lag 1-0.5exp(-a/4)", 1, default_lag),
                          ("two releases, lag 1-0.6exp(-a/6)", 2, slow_lag)):
        r = nowcast_trials(seeds, n, lag)
        print(f"  {label:<34} corrected: {r['corrected']:5.0%}  days within 3% of reported: "
              f"{r['within_3pct_of_reported']:5.1%}  95% interval holds the truth: "
              f"{r['covered']:5.1%}  total error {r['total_error_pct']:+5.1f}% (raw "
              f"{r['raw_error_pct']:+5.1f}%)")


def surges(quick: bool) -> None:
    from icestats.stats.trials import null_surges, surge_trial

    n, m = (20, 2) if quick else (100, 10)
    print(f"(d) surges: {n} office-years with a x2 hump of 14-70 days; {m * 24} office-years "
          "without any operation")
    for shock in (0.0, 0.15, 0.30):
        found = np.mean([surge_trial(i, shock)["found"] for i in range(n)])
        false = null_surges(range(m), shock)["false_per_office_year"]
        print(f"  AR shock sd {shock:<4}  found with start within 5 days: {found:5.1%}   "
              f"false surges per office-year on null series: {false:.2f}")


def fair(quick: bool) -> None:
    from icestats.stats.fair_trials import fair_trials

    seeds = range(40 if quick else 200)
    print(f"(e) fair evaluation: {len(seeds)} simulated 28-day windows x 24 offices, each "
          "office exactly at target (one-sided tests at 5%)")
    for shock in (0.0, 0.15, 0.30):
        r = fair_trials(seeds, shock)
        print(f"  AR shock sd {shock:<4}  false flags: {r['false_flag_rate']:5.1%} (previous "
              f"method {r['false_flag_rate_old']:5.1%}); BH flags any: {r['bh_any_rate']:4.1%}"
              f"; found at 80% of target: {r['found_at_80pct']:5.1%} (previous "
              f"{r['found_at_80pct_old']:5.1%}); true rank inside its 95% interval: "
              f"{r['rank_coverage']:5.1%}")


def events(quick: bool) -> None:
    from icestats.stats.event_trials import event_trials

    seeds = range(20 if quick else 100)
    print(f"(f) events: {len(seeds)} trials each, 24 offices, event on day 560 of 640, "
          "4 other offices with x1.5-x4 operations near it")
    for shock in (0.15, 0.30):
        for factor in (1.0, 1.8):
            r = event_trials(seeds, shock, factor)
            cover = "  ".join(f"{d}d {r[f'covered_{d}']:5.1%}" for d in (14, 28, 56))
            print(f"  AR sd {shock:<4} true x{factor:<3}  95% interval covers the truth: "
                  f"{cover}   excludes 1 (28d): {r['excludes_1_28']:5.1%}   operated donors "
                  f"left out {r['operated_left_out']:.2f}/{r['operated']:.0f}, clean ones "
                  f"{r['clean_left_out']:.1f}/19   placebos {r['placebos']:.0f}")
    real_event_dates(quick)


def real_event_dates(quick: bool) -> None:
    """Every covered office of the real FY2016-19 series at dates 8 weeks apart."""
    from datetime import date, timedelta

    from icestats.stats.event_trials import real_dates

    days, codes, y, _ = real_offices()
    first, step = date(2017, 4, 2), 56 * (3 if quick else 1)
    when = [first + timedelta(days=step * i) for i in range(800 // step)]
    r = real_dates(days, codes, y, when)
    print(f"  real FY2016-19, {len(codes)} offices x {len(when)} dates ({when[0]} to "
          f"{when[-1]}, every {step} days): {r['intervals']} 28-day intervals, "
          f"{r['exclude_1']:.1%} exclude no effect (real operations included)")


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer origins and seeds")
    p.add_argument("--only", choices=("forecasts", "nowcasts", "surges", "fair", "events"),
                   help="run one part")
    args = p.parse_args(argv)
    parts = (forecasts, nowcasts, surges, fair, events)
    for part in parts:
        if args.only and part.__name__ != args.only:
            continue
        t = time.perf_counter()
        part(args.quick)
        print(f"  [{time.perf_counter() - t:.0f} s]", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
