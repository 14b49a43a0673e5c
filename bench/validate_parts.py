"""The validation harness's shared pieces and its later parts (fair evaluation, events,
surges): ``bench/validate.py`` runs them beside the forecasts and nowcasts and prints the
targets they record (``check``). Split from validate.py to keep each module under 400
lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import numpy as np

import realseries

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
REAL = Path(str(resources.files("icestats") / "data" / "real"))


@dataclass
class Target:
    item: str  # the item
    what: str
    target: str
    figure: str
    ok: bool | None  # None: stated, no target


TARGETS: list[Target] = []


def check(item: str, what: str, target: str, figure: str, ok: bool | None) -> None:
    TARGETS.append(Target(item, what, target, figure, ok))


def real_db() -> Path:
    import icestats

    path = OUT / "real_fy2016_2019.duckdb"
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        with icestats.connect(path, write=True) as ice:
            ice.ingest([REAL / f"EROArrests_FY{y}.csv.gz" for y in (2016, 2017, 2018, 2019)])
    return path


def real_offices() -> tuple[list[date], list[str], np.ndarray, np.ndarray]:
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


def real_series() -> tuple[list[date], np.ndarray]:
    days, _, y, nat = real_offices()
    return days, np.column_stack([nat, y])


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


# ---------------------------------------------------------------- fair evaluation

def fair(quick: bool) -> None:
    from icestats.stats.fair_checks import real_windows
    from icestats.stats.fair_trials import fair_trials

    seeds = range(40 if quick else 200)
    print(f"(c) fair evaluation: {len(seeds)} simulated 28-day windows x 24 offices (own "
          "simulation), each office exactly at target (one-sided tests at 5%)")
    for shock in (0.0, 0.15, 0.30):
        r = fair_trials(seeds, shock)
        print(f"  AR shock sd {shock:<4}  false flags: {pct(r['false_flag_rate'])} (previous "
              f"method {pct(r['false_flag_rate_old'])}); BH flags any: {pct(r['bh_any_rate'])}"
              f"; found at 80% of target: {pct(r['found_at_80pct'])} (previous "
              f"{pct(r['found_at_80pct_old'])}); true rank inside its 95% interval: "
              f"{pct(r['rank_coverage'])}")
    days, codes, y, _ = real_offices()
    before = real_windows(days, codes, y, long_run=False)
    after = real_windows(days, codes, y)
    print(f"  real FY2016-19, {after['windows']} windows x {len(codes)} offices: split halves "
          f"|z| > 1.96 {pct(after['split_half_beyond_1_96'])} (day model alone "
          f"{pct(before['split_half_beyond_1_96'])}); next window's rank inside the "
          f"predictive 95% interval {pct(after['next_rank_interval_holds_next_rank'])}, inside "
          f"the interval for the rate now {pct(after['rank_interval_holds_next_rank'])}")
    check("5", "split halves, real FY2016-19", "abs(z) > 1.96 at most 7%",
          pct(after["split_half_beyond_1_96"]), after["split_half_beyond_1_96"] <= 0.07)
    check("5", "next window's rank inside its predictive 95% interval, real FY2016-19",
          "at least 85%", pct(after["next_rank_interval_holds_next_rank"]),
          after["next_rank_interval_holds_next_rank"] >= 0.85)
    _underperformers_words()


def _underperformers_words() -> None:
    import icestats

    with icestats.connect(real_db()) as ice:
        a = ice.underperformers(n=12)
    stab = a.details["every_measure_stability"]
    share = "below their share" in a.note and "below target" not in a.note
    print(f"  underperformers on the real data ({a.window[0]} to {a.window[1]}): says "
          f"'{a.details['below_means']}'; the all-yardstick list {a.every_measure} over "
          f"{stab['windows_compared']} windows: held {stab['held']}, consecutive lists share "
          f"{pct(stab['mean_overlap'] or 0)}")
    check("5", "no target in force (FY2016-19)", "says 'below their share', not target",
          "yes" if share else "no", share)
    check("5", "the all-yardstick list's stability", "stated", f"overlap "
          f"{pct(stab['mean_overlap'] or 0)} over {stab['windows_compared']} windows",
          stab["windows_compared"] > 1)


# ---------------------------------------------------------------- events

def events(quick: bool) -> None:
    from icestats.stats.event_trials import event_trials, short_trials

    seeds = range(50 if quick else 100)  # 20 trials put 90% coverage within noise of 85%
    print(f"(d) events: {len(seeds)} trials each (own simulation), 24 offices, event on day "
          "560 of 640, 4 other offices with x1.5-x4 operations near it; 26-week fits")
    for shock in (0.15, 0.30):
        for factor in (1.0, 1.8):
            r = event_trials(seeds, shock, factor)
            cover = "  ".join(f"{d}d {pct(r[f'covered_{d}'])}" for d in (14, 28, 56))
            print(f"  AR sd {shock:<4} true x{factor:<3}  95% interval covers the truth: "
                  f"{cover}   excludes 1 (28d): {pct(r['excludes_1_28'])}   operated donors "
                  f"left out {r['operated_left_out']:.2f}/{r['operated']:.0f}, clean ones "
                  f"{r['clean_left_out']:.1f}/19   placebos {r['placebos']:.0f}")
            check("6", f"events, 28-day interval covers the truth (x{factor}, sd {shock})",
                  "at least 90%", pct(r["covered_28"]), r["covered_28"] >= 0.9)
    print("  5 units (as the five states), 35 days before the event, placebos in space only:")
    for shock in (0.15, 0.30):
        for factor in (1.0, 4.0):
            r = short_trials(seeds, shock, factor)
            print(f"    AR sd {shock:<4} true x{factor:<3}  covers the truth {pct(r['covered'])}"
                  f"  excludes 1 {pct(r['excludes_1'])}  placebos {r['placebos']:.1f}")
            check("6", f"events, short pre-period, 5 units (x{factor}, sd {shock})",
                  "covers the truth at least 90%", pct(r["covered"]), r["covered"] >= 0.9)
    _real_event_dates(quick)
    _state_events()


def _real_event_dates(quick: bool) -> None:
    from icestats.stats.event_trials import real_dates

    days, codes, y, _ = real_offices()
    first, step = date(2017, 4, 2), 56 * (3 if quick else 1)
    when = [first + timedelta(days=step * i) for i in range(800 // step)]
    r = real_dates(days, codes, y, when)
    print(f"  real FY2016-19, {len(codes)} offices x {len(when)} dates ({when[0]} to "
          f"{when[-1]}, every {step} days): {r['intervals']} 28-day intervals, "
          f"{pct(r['exclude_1'])} exclude no effect (real operations included); widths "
          f"(high / low) {r['narrowest']:.2f} to {r['widest']:.1f}")
    check("6", "events on real dates, no interval collapses or explodes",
          "width (high/low) between 1.1 and 100", f"{r['narrowest']:.2f} to {r['widest']:.1f}",
          r["narrowest"] >= 1.1 and r["widest"] <= 100)
    check("6", "events on real dates without a known event", "exclude no effect at most 7%",
          pct(r["exclude_1"]), r["exclude_1"] <= 0.07)


def _state_events() -> None:
    from icestats.stats.events import Event
    from icestats.stats.state_events import state_events

    s = realseries.five_states()
    (chi,) = state_events(s.days, s.names, s.counts, s.offices,
                          [Event(date(2025, 9, 8), "CHI", "Midway Blitz")])
    print(f"  2025-26 states, Chicago 2025-09-08 ({chi['unit']}): {chi['text']} "
          f"[{chi['low']:.2f}-{chi['high']:.2f}]; {chi['inference']}")
    space = "in space only" in chi["inference"]
    check("6", "Chicago 2025-09-08 on the 2025-26 states", "interval excludes 1, in space "
          "only", f"{chi['text']} [{chi['low']:.2f}-{chi['high']:.2f}]; the table's p "
          f"{chi['permutation_p']:.3f} (smallest possible {chi['min_p']:.3f}), not the t p "
          f"{chi['p']:.3f}", chi["low"] > 1 and space)
    held = []
    for day in (1, 8, 15, 22):
        (sea,) = state_events(s.days, s.names, s.counts, s.offices,
                              [Event(date(2025, 9, day), "SEA", "placebo")])
        held.append(sea["low"] <= 1 <= sea["high"])
        print(f"    Seattle ({sea['unit']}) placebo 2025-09-{day:02d}: {sea['text']} "
              f"[{sea['low']:.2f}-{sea['high']:.2f}]")
    check("6", "September Seattle placebos on the 2025-26 states", "cover 1",
          f"{sum(held)} of {len(held)}", all(held))


# ---------------------------------------------------------------- surges

def surges(quick: bool) -> None:
    from icestats.stats.surges import scan
    from icestats.stats.trials import null_surges, null_surges_alt, surge_trial, surge_trial_alt

    n, m = (20, 2) if quick else (100, 10)
    print(f"(e) surges: {n} office-years with a x2 hump of 14-70 days (seeds 0..{n - 1}); "
          f"{m} years of offices without any operation")
    for shock in (0.0, 0.15, 0.30):
        own = np.mean([surge_trial(i, shock)["found"] for i in range(n)])
        alt = np.mean([surge_trial_alt(i, shock)["found"] for i in range(n)])
        f_own = null_surges(range(m), shock)["false_per_office_year"]
        f_alt = null_surges_alt(range(m), shock)["false_per_office_year"]
        print(f"  AR shock sd {shock:<4}  found with start within 5 days: own simulation "
              f"{pct(own)}, independent {pct(alt)}   false surges per office-year: own "
              f"{f_own:.2f}, independent {f_alt:.2f}")
        check("7", f"surges found within 5 days, sd {shock}", "stated for both "
              "simulations", f"own {pct(own)}, independent {pct(alt)}", None)
    s = realseries.five_states()
    rows = scan(s.days[:-14], s.counts[:-14], s.names)
    first = {(r["office"], r["start"]) for r in rows}
    for state, when in (("IL", date(2025, 9, 8)), ("MN", date(2025, 12, 1)),
                        ("MN", date(2026, 1, 6)), ("OR", date(2025, 10, 13))):
        near = sorted((d for o, d in first if o == state and abs((d - when).days) <= 7),
                      key=lambda d: abs((d - when).days))
        print(f"  real 2025-26 {state} operation from {when}: surge from "
              f"{near[0] if near else 'none within 7 days'}")
        check("7", f"real 2025-26 operation {state} {when}", "found within 7 days",
              f"from {near[0]}" if near else "not found", bool(near))
