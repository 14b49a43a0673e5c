"""Events on state-level daily series (count tables such as the five states' daily
arrests of 2025-26), where the units are states and the donors the other states.

A state covered whole by one office stands for that office's part in it (Illinois for
Chicago's office); a state split across offices (Texas, five ways) stays a state-level
series and is never split by invented shares. An event named by its office is estimated
on the office's state in the data: the only one, or the office's home state when the
data hold several (Chicago: Illinois, not Wisconsin). Such series are often short (the
five states start 2025-08-02, 37 days before Chicago's operation), so the estimate runs
from 21 days before the event, with placebos in space only under 56 (``events.analyse``),
and with a handful of states the interval is the parametric one on the placebos' scale
(``synth.parametric``): four placebos cannot give a permutation p below 0.2, and the
answer says so. Displacement by distance is for offices, not states: none here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from icestats import reference
from icestats.defaults import WINDOW_DAYS
from icestats.errors import UsageError
from icestats.stats import event_effects as fx
from icestats.stats import synth
from icestats.stats.events import Event, analyse

MIN_DONORS = 2  # with a handful of states, surging ones are taken back only below this


def office_unit(office: str, names: list[str], offices: dict[str, str | None]) -> str:
    """The series standing for ``office``: its only state in the data, else its home
    state (aor.csv) among them."""
    states = [n for n in names if offices.get(n) == office]
    if len(states) == 1:
        return states[0]
    home = next((o.state for o in reference.offices() if o.code == office), None)
    if home in states:
        return str(home)
    if states:
        raise UsageError(f"{office}: several states of the data are in this office "
                         f"({', '.join(states)}); name one")
    where = ", ".join(f"{n}: {offices.get(n) or 'split across offices'}" for n in names)
    raise UsageError(f"{office}: no state of the data stands for this office ({where})")


def state_events(days: list[date], names: list[str], counts: np.ndarray,
                 offices: dict[str, str | None], events: list[Event], window: int = WINDOW_DAYS,
                 pre: int = 182, level: float = 0.95) -> list[dict[str, Any]]:
    """Each event on the state series ``counts`` (days x ``names``), the other states as
    donors (less any with an event of its own near this one)."""
    out = []
    for ev in events:
        unit = ev.office if ev.office in names else office_unit(ev.office, names, offices)
        near = {office_unit(e.office, names, offices) if e.office not in names else e.office
                for e in events if e is not ev and
                -pre < (e.date - ev.date).days < 7 * synth.HORIZON_WEEKS}
        su = fx.Setup(days, names, counts, ev.date, pre // 7, window // 7, 1 - level,
                      min_donors=MIN_DONORS, offices=False)
        r = analyse(su, Event(ev.date, unit, ev.label), near - {unit})
        out.append(r | {"office": ev.office, "unit": unit,
                        "unit_note": f"{unit}: the office's state in the data"
                        if unit != ev.office else "a state series"})
    return out
