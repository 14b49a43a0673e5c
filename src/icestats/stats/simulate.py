"""Daily office series that are harder than the models' own noise, for the validation
harness (bench/validate.py) and its small versions in the tests.

Each office: a base level (2 to 120 arrests a day), a weekday pattern of its own, a
persistent shock (AR(1) on the log level, coefficient ``phi``, stationary sd ``shock_sd``),
federal holidays at a fifth of the usual level, negative binomial day-to-day noise, and
optionally operations: a step (x1.5 to x4 from a day on), a hump (x1.5 to x4 for 2 to 10
weeks) or a level shift down. Everything is drawn from ``numpy.random.default_rng(seed)``,
so a seed gives the same series everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

HOLIDAYS = ((1, 1), (7, 4), (11, 11), (12, 25))  # fixed-date federal holidays


@dataclass(frozen=True)
class Operation:
    office: int
    start: int  # day index
    days: int | None  # None: a step that lasts to the end
    factor: float


@dataclass
class Sim:
    days: list[date]
    counts: np.ndarray  # days x offices
    expected: np.ndarray  # days x offices, the true mean (shocks and operations included)
    operations: list[Operation] = field(default_factory=list)


def holiday_mask(days: list[date]) -> np.ndarray:
    return np.array([(d.month, d.day) in HOLIDAYS for d in days])


def ar1(rng: np.random.Generator, n: int, k: int, sd: float, phi: float) -> np.ndarray:
    """AR(1) paths with stationary standard deviation ``sd``, started from stationarity."""
    out = np.zeros((n, k))
    if sd <= 0:
        return out
    innov = sd * np.sqrt(1 - phi ** 2)
    out[0] = rng.normal(0, sd, k)
    for t in range(1, n):
        out[t] = phi * out[t - 1] + rng.normal(0, innov, k)
    return out


def random_operations(rng: np.random.Generator, n: int, k: int, per_office: float
                      ) -> list[Operation]:
    """About ``per_office`` operations per office: steps, humps of 2-10 weeks, shifts."""
    ops = []
    for j in range(k):
        for _ in range(rng.poisson(per_office)):
            kind = rng.choice(["step", "hump", "hump", "shift"])
            start = int(rng.integers(30, max(n - 20, 31)))
            factor = float(rng.uniform(1.5, 4.0)) if kind != "shift" else \
                float(rng.uniform(0.5, 0.75))
            length = int(rng.integers(14, 71)) if kind == "hump" else None
            ops.append(Operation(j, start, length, factor))
    return ops


def simulate(seed: int, n_days: int = 730, offices: int = 24, shock_sd: float = 0.15,
             phi: float = 0.97, operations: float = 0.0, dispersion: float = 20.0,
             start: date = date(2016, 10, 1),
             fixed: tuple[Operation, ...] = ()) -> Sim:
    """A set of office series (see the module docstring); ``fixed`` operations are added
    to the random ones (``operations`` per office on average)."""
    rng = np.random.default_rng(seed)
    days = [start + timedelta(days=i) for i in range(n_days)]
    base = np.exp(rng.uniform(np.log(2), np.log(120), offices))
    weekday = rng.normal(0, 0.15, (7, offices))
    weekday[5:] -= rng.uniform(0.5, 1.2, (2, offices))  # weekends are quiet
    weekday -= weekday.mean(axis=0)
    dow = np.array([d.weekday() for d in days])
    log_mean = np.log(base)[None, :] + weekday[dow] + ar1(rng, n_days, offices, shock_sd, phi)
    ops = random_operations(rng, n_days, offices, operations) + list(fixed)
    for op in ops:
        stop = n_days if op.days is None else min(op.start + op.days, n_days)
        log_mean[op.start:stop, op.office] += np.log(op.factor)
    log_mean[holiday_mask(days)] += np.log(0.2)
    mean = np.exp(log_mean)
    lam = mean * rng.gamma(dispersion, 1.0 / dispersion, mean.shape)
    return Sim(days, rng.poisson(lam).astype(float), mean, ops)
