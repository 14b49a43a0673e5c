"""A second, independent way of simulating office series, for checking the surge scan
(and the forecast) on data it was not designed around (``simulate`` is the models' own
idea of the world; this one is built differently on purpose):

- **Real office sizes**: each office's share of the 2025-26 arrests
  (``reference.office_arrests_2025``, 25 offices, Miami to Buffalo) times a national level
  drawn between 300 and 1,200 a day (FY2016 to late 2025).
- **A national factor**: one AR(1) log shock shared by every office (sd 0.15,
  coefficient 0.98: policy, season), on top of each office's own (sd ``shock_sd``,
  coefficient 0.97).
- **Moving holidays**: the real federal holidays and bridge days of the simulated dates
  (``calendar``), each occurrence at a level drawn between 0.15 and 0.8 of usual
  (FY2016-19: 0.1-0.3; 2025-26: 0.25-0.8).
- **A shared weekday pattern** with office deviations (weekends 0.3-0.7 of weekdays,
  Fridays lower), negative binomial day noise whose size parameter differs by office
  (5 to 50), and reporting glitches (a day with nothing on 0.3% of days).
- **Operations** as ramps, not boxes: a x``factor`` hump that rises over 0-4 days and
  falls back over 0-7.

Every draw comes from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from icestats import reference
from icestats.stats.calendar import kinds
from icestats.stats.simulate import Sim, ar1


@dataclass(frozen=True)
class Hump:
    office: int
    start: int  # the first day of the rise
    days: int  # from the start to the first day of the fall
    factor: float


def office_sizes() -> np.ndarray:
    """The 25 offices' shares of the 2025-26 arrests (sum 1)."""
    arrests = reference.office_arrests_2025()
    codes = reference.field_office_codes()
    x = np.array([arrests[c]["arrests"] for c in codes], dtype=float)
    return np.asarray(x / x.sum())


def _humps(n: int, k: int, humps: tuple[Hump, ...], rng: np.random.Generator) -> np.ndarray:
    """days x k log multipliers of the operations (ramps up and down)."""
    out = np.zeros((n, k))
    for h in humps:
        up, down = int(rng.integers(0, 5)), int(rng.integers(0, 8))
        shape = np.concatenate([np.linspace(0, 1, up + 2)[1:-1], np.ones(max(h.days - up, 1)),
                                np.linspace(1, 0, down + 2)[1:-1]])
        stop = min(h.start + len(shape), n)
        out[h.start:stop, h.office] += np.log(h.factor) * shape[:stop - h.start]
    return out


def simulate_alt(seed: int, n_days: int = 365, shock_sd: float = 0.15,
                 humps: tuple[Hump, ...] = (), start: date = date(2017, 10, 1)) -> Sim:
    """The 25 offices over ``n_days`` (see the module's docstring)."""
    rng = np.random.default_rng(seed)
    days = [start + timedelta(days=i) for i in range(n_days)]
    share = office_sizes()
    k = len(share)
    level = np.log(share * rng.uniform(300, 1200))
    week = np.array([0.05, 0.08, 0.08, 0.05, -0.05, 0.0, 0.0])
    week[5:] = np.log(rng.uniform(0.3, 0.7, 2))
    weekday = week[:, None] + rng.normal(0, 0.08, (7, k))
    dow = np.array([d.weekday() for d in days])
    log_mean = (level[None, :] + weekday[dow] + ar1(rng, n_days, 1, 0.15, 0.98)
                + ar1(rng, n_days, k, shock_sd, 0.97) + _humps(n_days, k, humps, rng))
    for i, kind in enumerate(kinds(days)):
        if kind is not None:
            log_mean[i] += np.log(rng.uniform(0.15, 0.8) if kind != "bridge"
                                  else rng.uniform(0.4, 0.9))
    mean = np.exp(log_mean)
    size = rng.uniform(5, 50, k)
    lam = mean * rng.gamma(size[None, :], 1 / size[None, :], mean.shape)
    counts = rng.poisson(lam).astype(float)
    counts[rng.random(counts.shape) < 0.003] = 0.0
    return Sim(days, counts, mean, [])
