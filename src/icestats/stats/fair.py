"""Fair field-office evaluation: rates, baseline ratios, overdispersed intervals, empirical
Bayes shrinkage and a below-target flag with the false discovery rate controlled.

Everything here works on daily count matrices (days x offices), so that it can be run on
the store (``evaluate_store``) or on simulated counts with known truth (the tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from scipy import stats as st

from icestats import reference

LEVEL = 0.95
FDR = 0.05


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


def dispersion(period: Period, profile: np.ndarray | None = None) -> np.ndarray:
    """Overdispersion per office (variance / mean of daily counts), floored at 1.

    Each office's own Pearson chi-square / df around its weekday-adjusted mean is noisy
    with a few weeks of days, so with five or more offices the negative binomial (NB2)
    form phi = 1 + mean/k is used, k pooled across offices (median, robust to an odd
    office); an office whose own dispersion is clearly beyond that (above the 99th
    percentile of chi-square/df) keeps its own."""
    own = _pearson(period, profile)
    y = period.counts
    if y.shape[1] < 5 or period.n < 2:
        return np.maximum(own, 1.0)
    mbar = y.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_k = np.where(mbar > 0, (own - 1) / mbar, np.nan)
    nb = 1 + mbar * max(float(np.nanmedian(inv_k)), 0.0)
    beyond = own > nb * st.chi2.ppf(0.99, period.n - 1) / (period.n - 1)
    return np.maximum(np.where(beyond, own, nb), 1.0)


def _pearson(period: Period, profile: np.ndarray | None = None) -> np.ndarray:
    if period.n < 2:
        return np.ones(period.counts.shape[1])
    profile = weekday_profile(period) if profile is None else profile
    w = profile[[d.weekday() for d in period.days]][:, None]
    y = period.counts
    mu = y.sum(axis=0, keepdims=True) / w.sum() * w
    with np.errstate(divide="ignore", invalid="ignore"):
        chi = np.where(mu > 0, (y - mu) ** 2 / mu, 0.0).sum(axis=0)
    return chi / (period.n - 1)


def ratio_interval(y: np.ndarray, e: np.ndarray, phi: np.ndarray, df: int,
                   level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Interval for y/e on the log scale, quasi-Poisson variance phi*y."""
    t = st.t.ppf(0.5 + level / 2, max(df, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(phi / np.maximum(y, 0.5))
        ratio = y / e
        return ratio * np.exp(-t * se), ratio * np.exp(t * se)


def below_target_pvalues(y: np.ndarray, e: np.ndarray, phi: np.ndarray, df: int) -> np.ndarray:
    """One-sided p-values for 'below target' (H0: expected arrests >= target)."""
    z = (y - e) / np.sqrt(phi * e)
    return st.t.cdf(z, max(df, 1))


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
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, float]]:
    """Empirical Bayes (gamma-Poisson) shrinkage of attainment y/e toward the offices' mean.

    Overdispersion enters by scaling counts to effective counts y/phi, e/phi. The gamma
    prior's mean and variance come from the offices by the method of moments."""
    ys, es = y / phi, e / phi
    m = ys.sum() / es.sum()
    raw = ys / es
    sampling = (m / es).mean()
    tau2 = max(raw.var(ddof=1) - sampling, 1e-6 * m * m)
    a, b = m * m / tau2, m / tau2
    post_a, post_b = a + ys, b + es
    mean = post_a / post_b
    lo = st.gamma.ppf(0.5 - level / 2, post_a, scale=1 / post_b)
    hi = st.gamma.ppf(0.5 + level / 2, post_a, scale=1 / post_b)
    return mean, lo, hi, {"prior_mean": float(m), "prior_sd": float(np.sqrt(tau2))}


@dataclass
class FairResult:
    rows: list[dict[str, Any]]
    meta: dict[str, Any]


def evaluate(window: Period, codes: list[str], targets: np.ndarray | None,
             baseline: Period | None = None, q: float = FDR, level: float = LEVEL
             ) -> FairResult:
    """The fair evaluation of each office in ``window``.

    ``targets``: expected arrests per day for each office (None: no target in force)."""
    y = window.counts.sum(axis=0).astype(float)
    phi = dispersion(window)
    df = window.n - 1
    per_day = y / window.n
    pops = reference.populations()
    rows: list[dict[str, Any]] = []
    for i, code in enumerate(codes):
        p = pops.get(code, {})
        rows.append({
            "aor": code, "arrests": int(y[i]), "per_day": float(per_day[i]),
            "dispersion": float(phi[i]),
            "per_100k_residents_yr": float(365e5 * per_day[i] / p["population"]) if p else None,
            "per_100k_noncitizens_yr": float(365e5 * per_day[i] / p["noncitizen"]) if p else None,
        })
    meta: dict[str, Any] = {
        "window": [window.days[0].isoformat(), window.days[-1].isoformat()],
        "window_days": window.n, "level": level, "fdr": q,
        "model": "negative binomial (NB2 variance, k pooled across offices)"
        if (phi > 1.0).any() else "Poisson (no overdispersion found)",
        "overdispersed_offices": int((phi > 1.5).sum()),
    }
    if baseline is not None and baseline.n:
        _baseline(rows, y, phi, window, baseline, level)
        meta["baseline"] = [baseline.days[0].isoformat(), baseline.days[-1].isoformat()]
        meta["baseline_days"] = baseline.n
    if targets is not None:
        e = targets * window.n
        lo, hi = ratio_interval(y, e, phi, df, level)
        pvals = below_target_pvalues(y, e, phi, df)
        flags = benjamini_hochberg(pvals, q)
        smean, slo, shi, prior = shrink(y, e, phi, level)
        meta["prior"] = prior
        for i, r in enumerate(rows):
            r.update(target_per_day=float(targets[i]), expected_arrests=float(e[i]),
                     attainment=float(y[i] / e[i]),
                     attainment_low=float(lo[i]), attainment_high=float(hi[i]),
                     p_below=float(pvals[i]), below_target=bool(flags[i]),
                     shrunk_attainment=float(smean[i]), shrunk_low=float(slo[i]),
                     shrunk_high=float(shi[i]))
        meta["funnel"] = funnel(e, phi)
    return FairResult(rows, meta)


def _baseline(rows: list[dict[str, Any]], y: np.ndarray, phi: np.ndarray, window: Period,
              baseline: Period, level: float) -> None:
    yb = baseline.counts.sum(axis=0).astype(float)
    phib = dispersion(baseline)
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
