"""How far offices' counts stray beyond the day-to-day noise model: measured on the year
before a window, for the fair evaluation's intervals, tests and predictive ranks.

Daily counts come in runs (a busy week, a quiet one: staffing, operations, the jail's
release days), so a window's count varies more than independent days would make it: its
variance is a *long-run* variance. The fair evaluation's negative binomial dispersion is
fitted on days; this module measures the factor the runs add, on whole 28-day blocks of
the year before the window (the window itself left out): in each block, each office's
first 14 days against its last 14 (``split_half_z``: its z under the day model). With
the day model right, z has variance 1; with runs, more. The factor is the square of the
z's robust scale (median |z| / 0.6745) over every office and block, at least 1: robust,
so that one block with an operation in it does not set it. (On the real FY2016-19
series: 1.76 in the median window; a pooled mean of z^2 gave 1.63 and still left 7.3% of
the windows' split halves beyond 1.96; the acf-based long-run variance of the days
around each block's mean, 0.91-1.16, is biased down by the mean removed.)

The drift is how much an office's rate moves from one 28-day block to the next beyond
what the counts' noise explains: the median over offices of mean(d^2) - mean(noise),
d the log change of its counts between consecutive blocks; it widens the predictive
rank intervals (``ranks.next_window_draws``).
"""

from __future__ import annotations

from datetime import date

import numpy as np

from icestats.stats.fair import Period, Persistence, dispersion_model

BLOCK = 28


def split_half_z(window: Period, phi: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """Each office's first half against its second: z = (y1 - r E1) /
    sqrt(phi r E1 E2 / (E1 + E2)), E the halves' weekday weights (``factors``, 7 x k),
    r the window's rate, ``phi`` the dispersion; 0 for an office without arrests."""
    n = window.n // 2
    w = factors[[d.weekday() for d in window.days]]
    y1, y2 = window.counts[:n].sum(axis=0), window.counts[n:].sum(axis=0)
    e1, e2 = w[:n].sum(axis=0), w[n:].sum(axis=0)
    r = (y1 + y2) / (e1 + e2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (y1 - r * e1) / np.sqrt(phi * r * e1 * e2 / (e1 + e2))
    return np.where(r > 0, z, 0.0)


def persistence(days: list[date], counts: np.ndarray, factors: np.ndarray) -> Persistence:
    """The long-run factor and the drift from ``days`` x offices ``counts`` (the year
    before a window), in whole 28-day blocks ending on its last day; ``factors``: the
    offices' weekday patterns (7 x k)."""
    starts = list(range(len(days) - BLOCK, -1, -BLOCK))[::-1]
    if len(starts) < 2 or counts.ndim < 2 or counts.shape[1] == 0:
        return Persistence()
    zs, sums, phis = [], [], []
    for s in starts:
        block = Period(days[s:s + BLOCK], counts[s:s + BLOCK])
        phi = dispersion_model(block, factors).phi
        zs.append(split_half_z(block, phi, factors))
        sums.append(block.counts.sum(axis=0))
        phis.append(phi)
    z = np.abs(np.concatenate(zs))
    factor = max(float(np.median(z[z > 0]) / 0.6745) ** 2, 1.0) if (z > 0).any() else 1.0
    y, phi = np.array(sums), np.array(phis) * factor
    d = np.diff(np.log(y + 0.5), axis=0)
    noise = (phi[1:] / np.maximum(y[1:], 0.5) + phi[:-1] / np.maximum(y[:-1], 0.5))
    drift = max(float(np.median((d ** 2).mean(axis=0) - noise.mean(axis=0))), 0.0)
    return Persistence(factor, drift, len(starts),
                       f"measured on {len(starts)} blocks of {BLOCK} days before the window "
                       f"({days[starts[0]]} to {days[-1]}): counts over a window vary "
                       f"{factor:.2f} times as much as independent days would make them; "
                       f"rates drift by a factor of about {np.exp(np.sqrt(drift)):.2f} "
                       f"from one window to the next")
