"""Event effects: the change in one office's arrests after an operation or a leadership
change, against a synthetic control made of the other offices.

``synth`` fits the synthetic control on weekly log counts and draws the placebos;
``event_effects`` turns one fit into effects at 14, 28 and 56 days, the weekly event study,
the pre-trend check and the displacement in the other offices. This module reads the
events (a TOML file or ``--event``) and the counts, leaves out of the donors the offices
the releases do not cover and those with an event of their own nearby, and composes the
answer. (The difference in differences against the sum of the other offices it replaces
counted the effect as noise and ignored persistent office shocks: its 95% interval for
no effect covered 62-78% with realistic shocks; see docs/methods.md.)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from icestats import params, reference, slices
from icestats.answers import EventsAnswer
from icestats.defaults import LEVEL, WINDOW_DAYS
from icestats.errors import UsageError
from icestats.kinds import say
from icestats.slices import Window
from icestats.stats import event_effects as fx
from icestats.stats import office_matrix, synth


@dataclass(frozen=True)
class Event:
    date: date
    office: str
    label: str
    example: bool = False  # one of the shipped examples (not named by the user)


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


def example_events(first: date, last: date) -> list[Event]:
    """The example events (``icestats events --example``) from ``first`` to ``last``: what
    ``events`` studies when it is given no event."""
    inside = [e for e in examples() if first <= e.date <= last]
    if not inside:
        raise UsageError(f"none of the example events (`icestats events --example`) is "
                         f"inside the data ({first} to {last}, the last complete day); give "
                         f"--event DATE,OFFICE,LABEL or --file events.toml")
    return inside


def examples() -> list[Event]:
    """The shipped example events (``icestats events --example``), marked as examples."""
    return [replace(e, example=True) for e in load_events(example_file(), [])]


def _event(when: str, office: str, label: str, where: str) -> Event:
    try:
        d = params.iso_date(when)
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


SHORT = "needs "  # how the note of an event the data's span cannot measure starts


def analyse(su: fx.Setup, ev: Event, excluded: set[str],
            span: tuple[date, date] | None = None, data_end: date | None = None
            ) -> dict[str, Any]:
    """One event's answer: effects, fit, placebos, study, pre-trend, displacement.
    ``span``: the data's real first and last complete day, for the messages (default: the
    days given); ``data_end``: the data's last day, when an incomplete tail follows."""
    head = {"office": ev.office, "date": ev.date, "label": ev.label}
    first, last = span or (su.days[0], su.days[-1])
    to = f"{data_end}, complete to {last}" if data_end and data_end != last else f"{last}"
    g = synth.grid(su.days, su.counts, ev.date)
    w = su.window_weeks
    # fewer weeks before the event than asked: fit on what there is, down to 21 days,
    # with placebos in space only under 56 days
    pre = min(su.pre_weeks, max(g.event, 0))
    if pre < fx.MIN_PRE_WEEKS or g.event + w > len(g.y):
        return head | {"effect": None, "note": (
            f"{SHORT}{7 * fx.MIN_PRE_WEEKS} days before {ev.date} and {7 * w} complete days "
            f"from it; the data run from {first} to {to} "
            f"({max((ev.date - first).days, 0)} days before, "
            f"{max((last - ev.date).days + 1, 0)} from it)")}
    su = replace(su, pre_weeks=pre, space_only=su.space_only or pre < fx.TIME_PRE_WEEKS)
    donors, surges, r = fx.core(su, g, ev.office, excluded,
                                tuple(sorted({h // 7 for h in fx.HORIZONS} | {w})))
    unit = su.codes.index(ev.office)
    if r is None or w not in r[3]:
        return head | {"effect": None, "note": "no complete weeks for the fit"}
    f, space, time, effects = r
    main = effects[w]
    before = g.counts[g.event - w:g.event, unit].sum() / (7 * w)
    return head | {
        "effect": main["ratio"], "low": main["low"], "high": main["high"],
        "text": main["text"], "percent": main["percent"], "p": main["p"],
        "permutation_p": main["permutation_p"], "placebo_p": main["placebo_p"],
        "min_p": main["min_p"], "inference": _inference(main, pre, len(time)),
        "before_per_day": float(before), "after_per_day": main["per_day"],
        "synthetic_per_day": main["synthetic_per_day"],
        "added_per_day": main["added_per_day"], "window_days": 7 * w, "pre_days": 7 * pre,
        "effects": [effects.get(h // 7) or {"days": h, "ratio": None,
                                            "note": "beyond the data"} for h in fx.HORIZONS],
        "fit": _fit(su, g, f, donors, surges, excluded, ev.office),
        "placebos": {"space": len(space), "time": len(time),
                     "left_out_poor_fit": main["placebos_left_out"],
                     "used": main["placebos"], "min_p": main["min_p"]},
        "pre_trend": fx.pre_trend(g, su, unit, donors),
        "study": fx.study(g, f, space + time, su.alpha),
        "displacement": fx.displacement(g, su, ev.office, donors, excluded)
        if su.offices else []}


def _inference(main: dict[str, Any], pre: int, in_time: int) -> str:
    """What the interval and p rest on, in words."""
    where = "in space and in time" if in_time else (
        "in space only (the other units as if they had had the event): "
        + (f"{7 * pre} days before it leave no room for placebos in time"
           if pre < fx.TIME_PRE_WEEKS else "the data before it hold no earlier dates "
           "with a whole pre-period and window of their own"))
    text = (f"placebos {where}; {main['placebos']} comparable placebos, so the smallest "
            f"permutation p is {main['min_p']:.3f}")
    if main["placebos_left_out"]:
        text += (f"; {main['placebos_left_out']} left out for a pre-period fit over "
                 f"{synth.ABADIE:g} times worse than this one")
    if main["inference"] != "permutation":
        text += ("; too few for a permutation interval, so the interval and p are "
                 "parametric: the placebos' effects set the scale, a t with as many "
                 "degrees of freedom as placebos the width")
    return text


COPY_CORRELATION = 0.95


def _fit(su: fx.Setup, g: synth.Grid, f: synth.Fit, donors: list[int],
         surges: list[dict[str, Any]], excluded: set[str], office: str) -> dict[str, Any]:
    """The fit's weights, donors, pre-period error and its floor, and the over-fitting
    flags: a fit closer than the office's own noise, more donors than weeks to fit, or
    most of the weight on one donor whose pre-period path copies the office's."""
    weights = {su.codes[d]: float(x) for d, x in
               sorted(zip(donors, f.weights, strict=True), key=lambda t: -t[1]) if x >= 0.005}
    effective = float(1 / np.sum(f.weights ** 2)) if f.weights.sum() > 0 else 0.0
    flags = []
    if f.rmspe < f.floor:
        flags.append(f"the fit ({f.rmspe:.3f}) is closer than the office's own week-to-week "
                     f"noise ({f.floor:.3f}): the noise is used instead")
    if len(donors) >= f.pre:
        flags.append(f"{len(donors)} donors for {f.pre} weeks of fit: the weights can follow "
                     f"noise")
    top = max(weights.items(), key=lambda t: t[1], default=None)
    if top is not None and top[1] >= 0.5 and f.pre >= 3:
        block = g.y[g.event - f.pre:g.event]
        r = float(np.corrcoef(block[:, su.codes.index(office)],
                              block[:, su.codes.index(top[0])])[0, 1])
        if r >= COPY_CORRELATION:
            flags.append(f"{top[1]:.0%} of the weight on {top[0]}, whose weeks before the "
                         f"event follow the office's almost exactly (correlation {r:.2f}): "
                         f"a copy, not a control")
    return {"rmspe_pre": f.rmspe, "rmspe_floor": f.floor, "rmspe_used": f.scale,
            "pre_weeks": f.pre, "weights": weights, "effective_donors": effective,
            "donors": [su.codes[d] for d in donors],
            "left_out_surging": [x for x in surges if not x.get("taken_back")],
            "taken_back_surging": [x for x in surges if x.get("taken_back")],
            "left_out_other": sorted(excluded - {office}),
            "overfit": bool(flags), "overfit_notes": flags}


def _in_coverage(con: duckdb.DuckDBPyConnection, events: list[Event]) -> list[Event]:
    """Refuse an event the user named on a day no release of the counted kind covers (a
    gap inside the data's span, such as FY2018's encounters), saying what is loaded; an
    example on such a day is left out."""
    spans = slices.covered_spans(con)
    inside = [e for e in events if any(a <= e.date <= b for a, b in spans)]
    named = [e for e in events if e not in inside and not e.example]
    if named or not inside:
        e = (named or events)[0]
        kind = slices.counted_kind(con).replace("_", "-")
        runs = ", ".join(f"{a} to {b}" for a, b in spans)
        raise UsageError(f"event {e.date} {e.office} {e.label!r}: no {kind} are loaded for "
                         f"{e.date} (the {kind.removesuffix('s')} releases cover {runs}); "
                         f"give a date they cover")
    return inside


def store_events(con: duckdb.DuckDBPyConnection, w: Window, events: list[Event],
                 window: int = WINDOW_DAYS, level: float = LEVEL, pre: int = 182
                 ) -> EventsAnswer:
    """Each event's effect; ``w``: the data's whole span to the last complete day (the
    answer's window is narrowed to the days studied). An event the user named that the
    data cannot measure is refused; an example gets a note."""
    for name, n in (("window", window), ("pre", pre)):
        if n % 7 or n < 7:
            raise UsageError(f"--{name} {n}: a whole number of weeks in days (7, 14, 28, "
                             "...): the estimate works on weeks that start on the event day")
    cov, end, count, scope = w.coverage, w.last, w.slice.count, w.slice.scope
    assert cov is not None and cov.start is not None and end is not None
    if w.source.synthetic:  # (a real operation's name beside a generated effect misleads)
        events = [replace(e, label=f"{e.label} (generated release's example event)")
                  if e.example else e for e in events]
    outside = [e for e in events if not cov.start <= e.date <= end]
    if outside:
        e = outside[0]
        raise UsageError(f"event {e.date} {e.office} {e.label!r} is outside the data "
                         f"({cov.start} to {end}, the last complete day): nothing to "
                         f"measure; give --event DATE,OFFICE,LABEL inside the data")
    events = _in_coverage(con, events)
    # the pre-period, a year of earlier dates for the placebos in time, and 56 days after
    back = timedelta(days=pre + 7 * (synth.MAX_TIME_PLACEBOS + synth.HORIZON_WEEKS))
    lo = max(min(e.date for e in events) - back, cov.start)
    hi = min(max(e.date for e in events) + timedelta(days=7 * synth.HORIZON_WEEKS), end)
    if lo > hi:
        lo, hi = cov.start, end
    days, codes, counts = office_matrix(con, lo, hi, count, scope=scope)
    uncovered = set(slices.uncovered_offices(con, lo, hi))
    results = []
    for ev in events:
        if ev.office in uncovered:
            results.append({"office": ev.office, "date": ev.date, "label": ev.label,
                            "effect": None, "note": "not covered: the releases counted for "
                            "these days have no record of this office"})
            continue
        # offices with their own event in the pre-period or the 56 days after are not
        # donors, nor are offices the releases do not cover
        near = {e.office for e in events if e is not ev and
                -pre < (e.date - ev.date).days < 7 * synth.HORIZON_WEEKS}
        su = fx.Setup(days, codes, counts, ev.date, pre // 7, window // 7, 1 - level)
        results.append(_refused(analyse(su, ev, (near | uncovered) - {ev.office},
                                        (cov.start, end), cov.end), ev))
    src = slices.source(con, lo, hi)
    return EventsAnswer(results, window, level, (cov.start, end), pre_days=pre, count=count,
                        scope=scope, window=slices.narrow(con, w, lo, hi, src), source=src,
                        method=say(METHOD, w.slice.kind))


def _refused(r: dict[str, Any], ev: Event) -> dict[str, Any]:
    """``r``; but a date the user named that the data's span cannot measure is a usage
    error (one line, exit 2), not a note."""
    note = r.get("note")
    if not ev.example and r["effect"] is None and isinstance(note, str) and note.startswith(SHORT):
        raise UsageError(f"event {ev.date} {ev.office} {ev.label!r}: {note}")
    return r


METHOD = ("synthetic control on weekly log arrests (weeks start on the event day), "
          "non-negative donor weights summing to one fitted on the pre-period (21 days at "
          "least; under 56, placebos in space only), donors with their own surge or event "
          "left out; the pre-period error never below the office's own week-to-week noise; "
          "95% intervals by test inversion against placebos in space (each donor as if "
          "treated) and in time (the office at earlier dates), placebos fitting over 5 "
          "times worse than the office left out; with fewer than 19 placebos, a t interval "
          "on the placebos' scale; placebo p from Abadie's post/pre RMSPE ratio; "
          "over-fitting flagged; pre-trend: the same estimate one window earlier; "
          "displacement: the same estimate for each other office, nearest first")


def example_file() -> Path:
    return Path(__file__).with_name("events_example.toml")

