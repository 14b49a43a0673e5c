"""Fair field-office evaluation: rates, baseline ratios, overdispersed intervals, empirical
Bayes shrinkage and a below-target flag with the false discovery rate controlled.

Everything here works on daily count matrices (days x offices), so that it can be run on
the store (``evaluate_store``) or on simulated counts with known truth (the tests).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np
from scipy import stats as st

from icestats import reference
from icestats.defaults import FDR, LEVEL
from icestats.stats.ranks import DRAWS, SEED, next_window_draws, rank_interval, rate_draws
from icestats.stats.weekday import Profiles, office_profiles


@dataclass
class Period:
    days: list[date]
    counts: np.ndarray  # days x offices

    @property
    def n(self) -> int:
        return len(self.days)


def weekday_profile(period: Period) -> np.ndarray:
    """Relative level of each weekday (mean 1) from the national total of the period."""
    total = period.counts.sum(axis=1)
    dow = np.array([d.weekday() for d in period.days])
    prof = np.ones(7)
    for k in range(7):
        if (dow == k).any() and total.mean() > 0:
            prof[k] = total[dow == k].mean() / total.mean()
    return prof


@dataclass
class Dispersion:
    phi: np.ndarray  # variance / mean of each office's daily counts at its observed mean
    inv_k: float  # the pooled NB2 1/k (0: no overdispersion pooled)
    own: np.ndarray  # True: the office keeps its own (quasi-Poisson) dispersion
    square: np.ndarray  # mean squared weekday factor over the days (1 without a pattern)
    long_run: float = 1.0  # the runs-of-days factor already in ``phi`` (``Persistence``)

    def at(self, per_day: np.ndarray) -> np.ndarray:
        """The dispersion an office would have if its mean were ``per_day`` (NB2: the
        variance grows with the mean; an office keeping its own dispersion keeps it)."""
        nb = 1 + np.asarray(per_day) * self.square * self.inv_k
        own = self.phi / self.long_run
        return np.maximum(np.where(self.own, own, nb), 1.0) * self.long_run


@dataclass(frozen=True)
class Persistence:
    """How far a window's counts stray beyond the day-to-day model (``stats.persistence``
    measures it on the year before the window): ``factor`` multiplies the dispersion of a
    window's count (days come in runs: a busy week, a quiet one), ``drift_var`` is the
    variance of the log change of an office's rate from one window to the next."""

    factor: float = 1.0
    drift_var: float = 0.0
    windows: int = 0
    note: str = "no history before the window: day-to-day variance only"


def _factors(period: Period, profile: np.ndarray | None) -> np.ndarray:
    """days x offices weekday factors: a national (7,) or per-office (7, k) profile."""
    profile = weekday_profile(period) if profile is None else profile
    w = profile[[d.weekday() for d in period.days]]
    return np.broadcast_to(w[:, None] if w.ndim == 1 else w, period.counts.shape)


def dispersion_model(period: Period, profile: np.ndarray | None = None) -> Dispersion:
    """Overdispersion per office (variance / mean of daily counts), floored at 1.

    Each office's own Pearson chi-square / df around its weekday-adjusted mean is noisy
    with a few weeks of days, so with five or more offices the negative binomial (NB2)
    form phi = 1 + mean x mean(w^2) / k is used (w: the office's weekday factors), k
    pooled across offices (median, robust to an odd office); an office whose own
    dispersion is clearly beyond that (above the 99th percentile of chi-square/df) keeps
    its own. ``profile``: the national (7,) or each office's (7, k) weekday factors."""
    k = period.counts.shape[1]
    if period.n < 2:
        return Dispersion(np.ones(k), 0.0, np.zeros(k, dtype=bool), np.ones(k))
    w = _factors(period, profile)
    own = _pearson(period, w)
    square = (w ** 2).mean(axis=0) / np.maximum(w.mean(axis=0), 1e-9) ** 2
    y = period.counts
    if k < 5:
        return Dispersion(np.maximum(own, 1.0), 0.0, np.ones(k, dtype=bool), square)
    mbar = y.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_k = np.where(mbar > 0, (own - 1) / (mbar * square), np.nan)
    pooled = max(float(np.nanmedian(inv_k)), 0.0) if np.isfinite(inv_k).any() else 0.0
    nb = 1 + mbar * square * pooled
    beyond = own > nb * st.chi2.ppf(0.99, period.n - 1) / (period.n - 1)
    return Dispersion(np.maximum(np.where(beyond, own, nb), 1.0), pooled, beyond, square)


def dispersion(period: Period, profile: np.ndarray | None = None) -> np.ndarray:
    """The dispersion of each office at its observed mean (see ``dispersion_model``)."""
    return dispersion_model(period, profile).phi


def _pearson(period: Period, w: np.ndarray) -> np.ndarray:
    y = period.counts
    mu = y.sum(axis=0, keepdims=True) / w.sum(axis=0, keepdims=True) * w
    with np.errstate(divide="ignore", invalid="ignore"):
        chi = np.where(mu > 0, (y - mu) ** 2 / mu, 0.0).sum(axis=0)
    return np.asarray(chi / (period.n - 1))


def ratio_interval(y: np.ndarray, e: np.ndarray, phi: np.ndarray, df: int,
                   level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Interval for y/e on the log scale, quasi-Poisson variance phi*y."""
    t = st.t.ppf(0.5 + level / 2, max(df, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(phi / np.maximum(y, 0.5))
        ratio = y / e
        return ratio * np.exp(-t * se), ratio * np.exp(t * se)


def below_target_pvalues(y: np.ndarray, e: np.ndarray, phi0: np.ndarray, df: int
                         ) -> np.ndarray:
    """One-sided p-values for 'below target' (H0: expected arrests >= target ``e``).

    The variance is the one the null hypothesis implies, at its boundary: phi0 x e, with
    ``phi0`` the dispersion at the target (``Dispersion.at``), not at the observed mean
    (which understates the variance of an office that is truly at target and happened to
    come in low, and so flags it too often)."""
    z = (y - e) / np.sqrt(phi0 * e)
    return np.asarray(st.t.cdf(z, max(df, 1)))


def benjamini_hochberg(p: np.ndarray, q: float = FDR) -> np.ndarray:
    """Boolean discoveries with the false discovery rate controlled at q."""
    m = len(p)
    order = np.argsort(p)
    passed = p[order] <= q * np.arange(1, m + 1) / m
    k = np.flatnonzero(passed).max() + 1 if passed.any() else 0
    out = np.zeros(m, dtype=bool)
    out[order[:k]] = True
    return out


def shrink(y: np.ndarray, e: np.ndarray, phi: np.ndarray, level: float = LEVEL
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, float], np.ndarray]:
    """Empirical Bayes (gamma-Poisson) shrinkage of attainment y/e toward the offices' mean:
    the posterior mean, its ``level`` interval, the prior, and the posterior probability
    that attainment (the underlying rate over the target) is below 1.

    Overdispersion enters by scaling counts to effective counts y/phi, e/phi. The gamma
    prior's mean and variance come from the offices by the method of moments."""
    ys, es = y / phi, e / phi
    m = ys.sum() / es.sum()
    raw = ys / es
    sampling = (m / es).mean()
    spread = raw.var(ddof=1) if raw.size > 1 else 0.0  # (one office: no spread to measure)
    tau2 = max(spread - sampling, 1e-6 * m * m)
    a, b = m * m / tau2, m / tau2
    post_a, post_b = a + ys, b + es
    mean = post_a / post_b
    lo = st.gamma.ppf(0.5 - level / 2, post_a, scale=1 / post_b)
    hi = st.gamma.ppf(0.5 + level / 2, post_a, scale=1 / post_b)
    below = st.gamma.cdf(1.0, post_a, scale=1 / post_b)
    return mean, lo, hi, {"prior_mean": float(m), "prior_sd": float(np.sqrt(tau2))}, below


@dataclass
class FairResult:
    rows: list[dict[str, Any]]
    meta: dict[str, Any]
    draws: np.ndarray  # draws x offices: each office's underlying arrests a day
    baseline_draws: np.ndarray | None = None  # the same in the baseline period


INTERVALS_FOR = {
    "attainment_low/high": "attainment of the office's underlying daily rate (its expected "
                           "arrests a day in the window over its target): the uncertainty "
                           "is about the rate the counts reveal, not measurement error (the "
                           "counts are exact)",
    "shrunk_low/high": "the same attainment, estimated with the other offices' evidence "
                       "(empirical Bayes posterior)",
    "baseline_low/high": "the ratio of the office's underlying daily rate in the window to "
                         "its underlying daily rate in the baseline period",
    "rank_low/high": "the rank (1 = highest) of the office's underlying rate in this "
                     "window among the ranked offices, on the ranking's yardstick "
                     "(attainment when a target is in force, else arrests a day), from "
                     "posterior draws of every office's rate: where the office stands now",
    "next_rank_low/high": "where the office will rank in the next window of the same "
                          "length, as counted (predictive: its rate now, the "
                          "window-to-window drift seen in the year before, and the count's "
                          "noise); the next window's real rank can check it",
}


def evaluate(window: Period, codes: list[str], targets: np.ndarray | None,
             baseline: Period | None = None, q: float = FDR, level: float = LEVEL,
             profiles: Profiles | None = None,
             populations: dict[str, dict[str, float]] | None = None,
             persistence: Persistence | None = None) -> FairResult:
    """The fair evaluation of each office in ``window``.

    ``targets``: expected arrests per day for each office (None: no target in force).
    ``profiles``: each office's weekday pattern (default: from the window itself, shrunk
    toward the national pattern); ``populations``: per office (default: the reference);
    ``persistence``: the long-run factor and the drift (default: none measured)."""
    y = window.counts.sum(axis=0).astype(float)
    profiles = profiles or office_profiles(window.days, window.counts)
    pers = persistence or Persistence()
    disp = dispersion_model(window, profiles.factors)
    disp = replace(disp, phi=disp.phi * pers.factor, long_run=pers.factor)
    phi, per_day = disp.phi, y / window.n
    pops = reference.populations() if populations is None else populations
    rows: list[dict[str, Any]] = []
    for i, code in enumerate(codes):
        p = pops.get(code, {})
        rows.append({
            "aor": code, "arrests": int(y[i]), "per_day": float(per_day[i]),
            "dispersion": float(phi[i]), "weekday_own_weight": float(profiles.own_weight[i]),
            "per_100k_residents_yr": float(365e5 * per_day[i] / p["population"]) if p else None,
            "per_100k_noncitizens_yr": float(365e5 * per_day[i] / p["noncitizen"]) if p else None,
        })
    draws = rate_draws(y, window.n, phi)
    meta = _meta(window, disp, profiles, codes, q, level)
    meta["persistence"] = {"long_run_factor": pers.factor, "drift_var_log": pers.drift_var,
                           "windows": pers.windows, "note": pers.note}
    result = FairResult(rows, meta, draws)
    if baseline is not None and baseline.n:
        result.baseline_draws = _baseline(rows, y, phi, window, baseline, level)
        meta["baseline"] = [baseline.days[0].isoformat(), baseline.days[-1].isoformat()]
        meta["baseline_days"] = baseline.n
    scale = draws if targets is None else draws / targets[None, :]
    lo_rank, hi_rank = rank_interval(scale, level)
    nxt = next_window_draws(draws, window.n, phi, pers.drift_var)
    lo_next, hi_next = rank_interval(nxt if targets is None else nxt / targets[None, :], level)
    for i, r in enumerate(rows):
        r.update(rank_low=int(lo_rank[i]), rank_high=int(hi_rank[i]),
                 next_rank_low=int(lo_next[i]), next_rank_high=int(hi_next[i]))
    if targets is not None:
        _attainment(rows, y, targets, window, disp, q, level, meta)
    return result


def _attainment(rows: list[dict[str, Any]], y: np.ndarray, targets: np.ndarray,
                window: Period, disp: Dispersion, q: float, level: float,
                meta: dict[str, Any]) -> None:
    e = targets * window.n
    phi0 = disp.at(targets)
    lo, hi = ratio_interval(y, e, disp.phi, window.n - 1, level)
    pvals = below_target_pvalues(y, e, phi0, window.n - 1)
    flags = benjamini_hochberg(pvals, q)
    smean, slo, shi, prior, below = shrink(y, e, disp.phi, level)
    meta["prior"] = prior
    for i, r in enumerate(rows):
        r.update(target_per_day=float(targets[i]), expected_arrests=float(e[i]),
                 attainment=float(y[i] / e[i]),
                 attainment_low=float(lo[i]), attainment_high=float(hi[i]),
                 dispersion_at_target=float(phi0[i]), p_below=float(pvals[i]),
                 below_target=bool(flags[i]), p_attainment_below_1=float(below[i]),
                 shrunk_attainment=float(smean[i]), shrunk_low=float(slo[i]),
                 shrunk_high=float(shi[i]))
    meta["funnel"] = funnel(e, disp.phi)


def _meta(window: Period, disp: Dispersion, profiles: Profiles, codes: list[str], q: float,
          level: float) -> dict[str, Any]:
    small = [c for c, w in zip(codes, profiles.own_weight, strict=True) if w < 0.5]
    return {
        "window": [window.days[0].isoformat(), window.days[-1].isoformat()],
        "window_days": window.n, "level": level, "fdr": q,
        "model": "negative binomial (NB2 variance, k pooled across offices)"
        if (disp.phi > 1.0).any() else "Poisson (no overdispersion found)",
        "overdispersed_offices": int((disp.phi > 1.5).sum()),
        "weekday": {
            "weeks": profiles.weeks,
            "national": [round(float(v), 4) for v in profiles.national],
            "method": "each office's own weekday pattern (whole weeks, Monday first), shrunk "
                      "toward the national pattern by empirical Bayes; "
                      "weekday_own_weight: how much of its own pattern an office keeps",
            "mostly_national": small,
            "note": _weekday_note(small, len(codes), profiles.weeks),
        },
        "rank_draws": DRAWS, "rank_seed": SEED,
        "intervals_for": INTERVALS_FOR,
    }


def _weekday_note(small: list[str], k: int, weeks: int) -> str:
    if weeks < 2:
        return "fewer than two whole weeks of data: no weekday pattern is used"
    if not small:
        return "every office keeps at least half of its own weekday pattern"
    if len(small) == k:
        return ("the offices' weekday patterns differ from the national one by no more "
                "than their noise: every office mostly takes the national pattern")
    return (f"{len(small)} offices' own weekday patterns are too noisy for their size to "
            f"be trusted over the national one; they keep less than half of their own: "
            f"{', '.join(small)}")


def _baseline(rows: list[dict[str, Any]], y: np.ndarray, phi: np.ndarray, window: Period,
              baseline: Period, level: float) -> np.ndarray:
    yb = baseline.counts.sum(axis=0).astype(float)
    phib = dispersion(baseline, office_profiles(baseline.days, baseline.counts).factors)
    t = st.t.ppf(0.5 + level / 2, max(min(window.n, baseline.n) - 1, 1))
    for i, r in enumerate(rows):
        if yb[i] == 0:
            r.update(baseline_per_day=0.0, baseline_ratio=None, baseline_low=None,
                     baseline_high=None)
            continue
        ratio = (y[i] / window.n) / (yb[i] / baseline.n)
        se = np.sqrt(phi[i] / max(y[i], 0.5) + phib[i] / yb[i])
        r.update(baseline_per_day=float(yb[i] / baseline.n), baseline_ratio=float(ratio),
                 baseline_low=float(ratio * np.exp(-t * se)),
                 baseline_high=float(ratio * np.exp(t * se)))
    return rate_draws(yb, baseline.n, phib, seed=SEED + 1)


def funnel(expected: np.ndarray, phi: np.ndarray) -> dict[str, Any]:
    """Control limits for attainment against size (expected arrests in the window), with
    the offices' median dispersion: 95% and 99.8% limits around 1."""
    size = np.geomspace(max(expected.min() * 0.5, 1.0), expected.max() * 1.5, 40)
    ph = float(np.median(phi))
    out: dict[str, Any] = {"expected": size.round(1).tolist(), "dispersion": ph}
    for name, z in (("95", st.norm.ppf(0.975)), ("99.8", st.norm.ppf(0.999))):
        out[f"lower_{name}"] = (1 - z * np.sqrt(ph / size)).round(4).tolist()
        out[f"upper_{name}"] = (1 + z * np.sqrt(ph / size)).round(4).tolist()
    return out
