"""Surges: unannounced rises in an office's daily arrests, found by a change-point scan.

For each office: z = log(arrests + 0.5) minus the office's own weekday effects (as in the
forecast); single-day outliers (holidays, glitches) are pulled to 3.5 robust sd around a
29-day running median. The scan then finds the interval whose mean differs most
from the rest of the series (the epidemic-change CUSUM, sqrt(n_in n_out / n) |mean_in -
mean_out| / sd, over every interval of at least ``min_days`` days, a step to the end
included) and splits there when the statistic exceeds ``threshold``; each part is scanned
again the same way (binary segmentation with two cuts, which finds a hump that a single
cut misses). ``sd`` is the long-run sd of the noise: the robust sd of z
around its running median times sqrt((1 + r) / (1 - r)), r the lag-1 autocorrelation of
those residuals (runs of busy days are not mistaken for a change).

A surge is a run of consecutive segments each at least ``min_ratio`` times the usual level
before it, the nearest earlier segment of at least 28 days (so the return from a short
dip, such as the Christmas weeks, is not a surge): start = the run's first day, end = its
last day (``ongoing`` when the run reaches the end of the data), ratio = exp(mean z of
the run - mean z of that segment), with a 95% interval from the long-run sd of both
means. A segment that rises x``min_ratio`` over the segment before it inside a run starts
a surge of its own (an operation on top of a slow rise or of a shock). A rise in the
first 28 days of the data has nothing to be measured against. Written by hand (about 80
lines, tested on simulations) rather than with ``ruptures``, to keep the long-run sd and
the segment bookkeeping in view.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import duckdb
import numpy as np

from icestats import slices
from icestats.answers import SurgesAnswer
from icestats.answers.rows import SurgeRow
from icestats.errors import UsageError
from icestats.slices import Window
from icestats.stats import covered_codes, office_matrix
from icestats.stats.calendar import kinds
from icestats.stats.levels import log_counts, weekday_effects

THRESHOLD = 4.5
MIN_DAYS = 7
MIN_RATIO = 1.3
BASE_DAYS = 28  # a surge is measured against the nearest earlier segment this long
# A surge starting this near the first day a release is counted for may be the difference
# between two releases (FY2017's removals file holds ATL 12,571 against FY2016's 5,770),
# not a change on the ground. Two weeks: the scan places a step within about
# sd^2/delta^2 days of where it is, about 9 days for a x1.4 step in a small office's
# lumpy daily counts (long-run sd near 1 on the log scale).
NEAR_RELEASE_START = 14


def _running_median(z: np.ndarray, width: int = 29) -> np.ndarray:
    """The median of the ``width`` days around each day (missing days, NaN, left out)."""
    half = width // 2
    padded = np.pad(z, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, width)
    return np.asarray(np.nanmedian(windows, axis=1) if np.isnan(z).any()
                      else np.median(windows, axis=1))


def adjusted(days: list[date], y: np.ndarray) -> tuple[np.ndarray, float]:
    """(weekday-adjusted, outlier-clipped log counts, long-run noise sd) of one series.
    Holidays and bridge days (``calendar``) take the running median of the days around
    them: a Christmas week is not a fall, nor the days after it a surge."""
    ly = log_counts(y)[:, None]
    dow = np.array([d.weekday() for d in days])
    z = (ly - weekday_effects(days, ly)[dow])[:, 0]
    holiday = np.array([k is not None for k in kinds(days)])
    if holiday.any() and not holiday.all():
        z[holiday] = _running_median(np.where(holiday, np.nan, z))[holiday]
    med = _running_median(z)
    e = z - med
    sd = max(1.4826 * float(np.median(np.abs(e - np.median(e)))), 0.02)
    e = np.clip(e, -3.5 * sd, 3.5 * sd)
    r = float(np.corrcoef(e[:-1], e[1:])[0, 1]) if len(e) > 3 and e.std() > 0 else 0.0
    r = min(max(r, 0.0), 0.9)
    return med + e, sd * float(np.sqrt((1 + r) / (1 - r)))


def _best_interval(z: np.ndarray, min_days: int) -> tuple[int, int, float]:
    """The interval [a, b) whose mean differs most from the rest's (the epidemic-change
    CUSUM: sqrt(n_in n_out / n) |mean_in - mean_out|); b = n is a step to the end."""
    n = len(z)
    if n < 2 * min_days:
        return 0, 0, 0.0
    c = np.concatenate([[0.0], np.cumsum(z)])
    a = np.arange(n + 1)[:, None]
    b = np.arange(n + 1)[None, :]
    n_in = b - a
    n_out = n - n_in
    ok = (n_in >= min_days) & (n_out >= min_days) & ((a == 0) | (a >= min_days)) & \
        ((b == n) | (n - b >= min_days))
    with np.errstate(divide="ignore", invalid="ignore"):
        s_in = c[b] - c[a]
        diff = s_in / n_in - (c[-1] - s_in) / n_out
        stat = np.where(ok, np.sqrt(n_in * n_out / n) * np.abs(diff), 0.0)
    i, j = np.unravel_index(int(stat.argmax()), stat.shape)
    return int(i), int(j), float(stat[i, j])


def segments(z: np.ndarray, sd: float, threshold: float = THRESHOLD,
             min_days: int = MIN_DAYS) -> list[tuple[int, int]]:
    """Segmentation by repeated interval splits: [start, stop) index pairs in order."""
    todo, done = [(0, len(z))], []
    while todo:
        lo, hi = todo.pop()
        a, b, stat = _best_interval(z[lo:hi], min_days)
        if stat / sd > threshold:
            cuts = sorted({lo, lo + a, lo + b, hi})
            todo += [(x, y) for x, y in zip(cuts, cuts[1:], strict=False) if y > x]
        else:
            done.append((lo, hi))
    return sorted(done)


@dataclass
class Surge:
    start: int
    stop: int  # exclusive
    ratio: float
    low: float
    high: float


def surges_in(z: np.ndarray, sd: float, threshold: float = THRESHOLD,
              min_ratio: float = MIN_RATIO, min_days: int = MIN_DAYS) -> list[Surge]:
    """Runs of segments at least ``min_ratio`` above the segment before them."""
    segs = segments(z, sd, threshold, min_days)
    means = [float(z[a:b].mean()) for a, b in segs]
    out, i = [], 1
    while i < len(segs):
        bases = [h for h in range(i) if segs[h][1] - segs[h][0] >= BASE_DAYS]
        if not bases:
            i += 1
            continue
        h = bases[-1]  # the usual level: the nearest earlier segment of 28+ days
        j = i + 1
        while j < len(segs) and means[j] - means[h] >= np.log(min_ratio) and \
                not _new_rise(segs, means, j, min_ratio):
            j += 1
        if means[i] - means[h] < np.log(min_ratio):
            i += 1
            continue
        a, b = segs[i][0], segs[j - 1][1]
        n_base = segs[h][1] - segs[h][0]
        diff = float(z[a:b].mean()) - means[h]
        se = sd * np.sqrt(1 / (b - a) + 1 / n_base)
        out.append(Surge(a, b, float(np.exp(diff)), float(np.exp(diff - 1.96 * se)),
                         float(np.exp(diff + 1.96 * se))))
        i = j
    return out


def _new_rise(segs: list[tuple[int, int]], means: list[float], j: int,
              min_ratio: float) -> bool:
    """Segment ``j`` rises ``min_ratio`` over the segment before it: a surge of its own (an
    operation on top of a slow rise or a shock), not the rest of the run before it."""
    return bool(means[j] - means[j - 1] >= np.log(min_ratio))


def last_break(days: list[date], y: np.ndarray, threshold: float = THRESHOLD) -> date | None:
    """The first day of the last segment, if the series has more than one."""
    z, sd = adjusted(days, y)
    segs = segments(z, sd, threshold)
    return days[segs[-1][0]] if len(segs) > 1 else None


def scan(days: list[date], counts: np.ndarray, codes: list[str],
         threshold: float = THRESHOLD, min_ratio: float = MIN_RATIO) -> list[SurgeRow]:
    """Every office's surges, in date order."""
    out: list[SurgeRow] = []
    for j, code in enumerate(codes):
        if counts[:, j].sum() == 0:
            continue
        z, sd = adjusted(days, counts[:, j])
        for s in surges_in(z, sd, threshold, min_ratio):
            out.append({"office": code, "start": days[s.start],
                        "end": days[s.stop - 1], "ongoing": s.stop == len(days),
                        "days": s.stop - s.start,
                        "per_day_before": None, "per_day_during":
                            float(counts[s.start:s.stop, j].mean()),
                        "ratio": s.ratio, "low": s.low, "high": s.high, "note": None})
    return sorted(out, key=lambda r: (r["start"], r["office"]))


def with_before(rows: list[SurgeRow], days: list[date], counts: np.ndarray,
                codes: list[str]) -> list[SurgeRow]:
    """Arrests a day in the 28 days before each surge (observed, for the reader)."""
    index = {d: i for i, d in enumerate(days)}
    for r in rows:
        i, j = index[r["start"]], codes.index(r["office"])
        before = counts[max(i - 28, 0):i, j]
        r["per_day_before"] = float(before.mean()) if len(before) else None
    return rows


def release_starts(con: duckdb.DuckDBPyConnection, first: date, last: date
                   ) -> list[tuple[date, str]]:
    """(day, file) where the counted kind's days pass from one release to another inside
    the scan (a gap between them included: FY2018's encounters were never released)."""
    return [(d, str(f)) for d, f in con.execute("""
        SELECT o.date, r.file_name FROM (
            SELECT date, release_id, lag(release_id) OVER (ORDER BY date) AS prev
            FROM day_owner WHERE date BETWEEN $first AND $last) o
        JOIN releases r USING (release_id)
        WHERE o.prev <> o.release_id ORDER BY o.date""",
        {"first": first, "last": last}).fetchall()]


def boundary_notes(rows: list[SurgeRow], starts: list[tuple[date, str]]) -> None:
    """Each surge's ``note``: where it starts within NEAR_RELEASE_START days of a release's
    first counted day, that the rise may be a difference between releases."""
    for r in rows:
        near = [(abs((r["start"] - d).days), d, f) for d, f in starts
                if abs((r["start"] - d).days) <= NEAR_RELEASE_START]
        r["note"] = None
        if near:
            _, day, file = min(near)
            gap = (r["start"] - day).days
            where = "where" if gap == 0 else \
                f"{abs(gap)} day{'s' if abs(gap) > 1 else ''} {'after' if gap > 0 else 'before'}"
            r["note"] = (f"starts {where} release {file} starts ({day}); may be a "
                         "difference between releases")


def store_surges(con: duckdb.DuckDBPyConnection, w: Window, threshold: float = THRESHOLD,
                 min_ratio: float = MIN_RATIO) -> SurgesAnswer:
    """Scan every covered office's whole series (the data's first day to its last complete
    day: the incomplete tail would look like a fall; only the days releases of several
    offices cover, when some do: ``slices.several_office_span``), then list the surges
    that overlap the window: a surge's start and end do not depend on the dates asked for, and it is
    ``ongoing`` only when it reaches the end of the data."""
    cov = w.coverage
    assert cov is not None and cov.start is not None and cov.end is not None
    assert w.first is not None and w.last is not None
    first, last = cov.start, cov.complete_through or cov.end
    several = slices.several_office_span(con)  # (one office's own file: not the others')
    if several is not None:
        first, last = max(first, several[0]), min(last, several[1])
    if last < first + timedelta(days=2 * MIN_DAYS - 1):
        raise UsageError(f"a surge scan needs at least {2 * MIN_DAYS} days of data; the data "
                         f"cover {cov.start} to {cov.end}")
    if w.first < first <= w.last:  # (the window starts where the scan does)
        w = slices.narrow(con, w, first, w.last)
    w = replace(w, not_covered=tuple(slices.uncovered_offices(con, first, last)))
    codes = covered_codes(w)
    days, _, counts = office_matrix(con, first, last, w.slice.count, codes, w.slice.scope)
    found = with_before(scan(days, counts, codes, threshold, min_ratio), days, counts, codes)
    rows = [r for r in found if r["start"] <= w.last and r["end"] >= w.first]
    boundary_notes(rows, release_starts(con, first, last))
    return SurgesAnswer(  # (the source: every file the scan read, not only the window's)
        rows, codes, threshold, min_ratio, list(w.not_covered), count=w.slice.count,
        scope=w.slice.scope, window=w, source=slices.source(con, first, last),
        method=f"change-point scan of each office's whole weekday-adjusted "
               f"log({slices.counted_kind(con)} + 0.5) "
               f"(interval CUSUM, binary segmentation, split when the statistic exceeds "
               f"{threshold} long-run sd, parts of at least {MIN_DAYS} days); a surge is a "
               f"run of segments at least x{min_ratio} the usual level before it (the nearest "
               f"earlier segment of {BASE_DAYS}+ days); the ratio is the run's level over that "
               f"segment's level, with a 95% interval")
