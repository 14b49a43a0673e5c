"""Event effects: the change in one office's daily arrests after an operation or a
leadership change, against the other offices as the counterfactual.

Difference in differences on log counts: effect = (treated after / treated before) /
(controls after / controls before), windows of equal length before and after the date.
Variance is quasi-Poisson (dispersion from the daily counts around weekday-adjusted
means). A placebo check repeats the analysis with each control office as if it had the
event; the observed effect should stand out from the placebo effects.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from scipy import stats as st

from icestats import metrics, params, reference
from icestats.answers import EventsAnswer
from icestats.errors import UsageError
from icestats.stats import office_matrix
from icestats.stats.fair import Period, dispersion, weekday_profile


@dataclass(frozen=True)
class Event:
    date: date
    office: str
    label: str


def did(days: list[date], codes: list[str], counts: np.ndarray, office: str, when: date,
        window: int = 28, exclude: frozenset[str] | set[str] = frozenset(), level: float = 0.95
        ) -> dict[str, Any] | None:
    """The difference-in-differences estimate for ``office`` at ``when``."""
    idx = np.array(days, dtype="datetime64[D]")
    t0 = np.datetime64(when, "D")
    pre = (idx >= t0 - window) & (idx < t0)
    post = (idx >= t0) & (idx < t0 + window)
    if pre.sum() < 7 or post.sum() < 7:
        return None
    j = codes.index(office)
    controls = [k for k, c in enumerate(codes) if c != office and c not in exclude]
    treated = counts[:, j]
    control = counts[:, controls].sum(axis=1)
    y1, y0 = treated[post].sum(), treated[pre].sum()
    c1, c0 = control[post].sum(), control[pre].sum()
    if min(y1, y0, c1, c0) <= 0:
        return None
    scale = (pre.sum() / post.sum())
    log_effect = np.log(y1 / y0 * scale) - np.log(c1 / c0 * scale)
    both = pre | post
    sub = Period([d for d, b in zip(days, both, strict=True) if b],
                 np.column_stack([treated[both], control[both]]))
    phi_t, phi_c = dispersion(sub, weekday_profile(sub))
    se = np.sqrt(phi_t * (1 / y1 + 1 / y0) + phi_c * (1 / c1 + 1 / c0))
    t = st.t.ppf(0.5 + level / 2, int(both.sum()) - 2)
    return {"office": office, "date": when, "effect": float(np.exp(log_effect)),
            "low": float(np.exp(log_effect - t * se)), "high": float(np.exp(log_effect + t * se)),
            "log_effect": float(log_effect), "se": float(se),
            "before_per_day": float(y0 / pre.sum()), "after_per_day": float(y1 / post.sum()),
            "window_days": window}


def with_placebos(days: list[date], codes: list[str], counts: np.ndarray, event: Event,
                  window: int = 28, level: float = 0.95,
                  others: frozenset[str] | set[str] = frozenset()) -> dict[str, Any] | None:
    main = did(days, codes, counts, event.office, event.date, window, others, level)
    if main is None:
        return None
    placebos = []
    for c in codes:
        if c == event.office or c in others:
            continue
        p = did(days, codes, counts, c, event.date, window, others | {event.office}, level)
        if p is not None:
            placebos.append(p)
    beyond = sum(abs(p["log_effect"]) >= abs(main["log_effect"]) for p in placebos)
    excluding_one = sum(not (p["low"] <= 1 <= p["high"]) for p in placebos)
    main.update(label=event.label, placebo_offices=len(placebos),
                placebo_p=(beyond + 1) / (len(placebos) + 1),
                placebos_with_an_effect=excluding_one,
                placebo_effects={p["office"]: round(p["effect"], 3) for p in placebos})
    return main


def load_events(path: str | Path | None, inline: list[str]) -> list[Event]:
    events: list[Event] = []
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UsageError(f"no events file at {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"{path}: not valid TOML ({exc})") from None
        for i, e in enumerate(data.get("event", [])):
            events.append(_event(str(e.get("date")), str(e.get("office", "")),
                                 str(e.get("label", "")), f"{path}: event #{i + 1}"))
    for text in inline:
        parts = text.split(",", 2)
        if len(parts) < 2:
            raise UsageError(f"--event '{text}': expected DATE,OFFICE,LABEL")
        events.append(_event(parts[0], parts[1], parts[2] if len(parts) > 2 else "", "--event"))
    if not events:
        raise UsageError("no events: give --file events.toml or --event DATE,OFFICE,LABEL")
    return events


def _event(when: str, office: str, label: str, where: str) -> Event:
    try:
        d = date.fromisoformat(when.strip())
    except ValueError:
        raise UsageError(f"{where}: '{when}' is not a date (expected YYYY-MM-DD)") from None
    try:
        code = params.office(office)
    except UsageError as exc:
        raise UsageError(f"{where}: {exc}") from None
    if code not in reference.field_office_codes():
        raise UsageError(f"{where}: '{office}' is not a field office (expected a code such "
                         "as CHI)")
    return Event(d, code, label.strip() or f"{code} {d}")


def store_events(con: duckdb.DuckDBPyConnection, events: list[Event], window: int = 28,
                 count: str = "arrests", level: float = 0.95, scope: str = "all"
                 ) -> EventsAnswer:
    cov = metrics.require_data(con)
    end = cov.complete_through or cov.end
    assert cov.start is not None and end is not None
    # only the days around the events are needed
    lo = max(min(e.date for e in events) - timedelta(days=window), cov.start)
    hi = min(max(e.date for e in events) + timedelta(days=window), end)
    if lo > hi:
        lo, hi = cov.start, end
    days, codes, counts = office_matrix(con, lo, hi, count, scope=scope)
    uncovered = set(metrics.uncovered_offices(con, lo, hi))
    results = []
    for ev in events:
        # offices with their own event inside this window are not controls, nor are
        # offices the releases do not cover
        others = {e.office for e in events if e is not ev and abs((e.date - ev.date).days)
                  < 2 * window} | uncovered
        if ev.office in uncovered:
            results.append({"office": ev.office, "date": ev.date, "label": ev.label,
                            "effect": None, "note": "not covered: the releases counted for "
                            "these days have no record of this office"})
            continue
        r = with_placebos(days, codes, counts, ev, window, level, others)
        if r is None:
            results.append({"office": ev.office, "date": ev.date, "label": ev.label,
                            "effect": None, "note": f"needs {window} complete days before and "
                            f"after {ev.date} in the data ({cov.start} to {end})"})
        else:
            results.append(r)
    return EventsAnswer(results, window, level, (cov.start, end), count=count, scope=scope,
                        source=metrics.source(con, lo, hi),
                        method="difference in differences on log counts against the sum of "
                               "the other offices (offices with their own event nearby "
                               "excluded); quasi-Poisson variance; placebo check with each "
                               "control office")


def example_file() -> Path:
    return Path(__file__).with_name("events_example.toml")

