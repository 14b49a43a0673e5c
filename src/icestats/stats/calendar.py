"""U.S. federal holidays (the days offices are mostly closed) and the bridge days next to
the long ones, for the forecast and the simulations.

Written out here (about twenty lines of rules) rather than taken from pandas'
``USFederalHolidayCalendar``: pandas is not a runtime dependency, and the bridge days
(the Friday after Thanksgiving, December 24, 26 and 31) are not federal holidays but are
as quiet as some of them in the real data (FY2016-19 national arrests: the Friday after
Thanksgiving at 0.54-0.77 of a usual Friday, December 26 at 0.60-0.77).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

BRIDGE = "bridge"  # the kind of every bridge day


def _nth(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th ``weekday`` (Monday 0) of the month; n = -1: the last."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(d: date) -> date:
    """A holiday on a Saturday is observed the Friday before, on a Sunday the Monday after."""
    return d - timedelta(days=1) if d.weekday() == 5 else \
        d + timedelta(days=1) if d.weekday() == 6 else d


@cache
def year_days(year: int) -> dict[date, str]:
    """Every federal holiday (observed date) and bridge day of ``year``: date -> kind."""
    fixed = {"new_year": (1, 1), "independence": (7, 4), "veterans": (11, 11),
             "christmas": (12, 25)}
    if year >= 2021:
        fixed["juneteenth"] = (6, 19)
    out = {_observed(date(year, m, d)): k for k, (m, d) in fixed.items()}
    out |= {_nth(year, 1, 0, 3): "mlk", _nth(year, 2, 0, 3): "presidents",
            _nth(year, 5, 0, -1): "memorial", _nth(year, 9, 0, 1): "labor",
            _nth(year, 10, 0, 2): "columbus", _nth(year, 11, 3, 4): "thanksgiving"}
    thanksgiving = _nth(year, 11, 3, 4)
    bridges = [thanksgiving + timedelta(days=k) for k in (1, 2, 3)] + [
        date(year, 12, 24), date(year, 12, 26), date(year, 12, 31)]
    for d in bridges:
        out.setdefault(d, BRIDGE)
    return out


def kinds(days: list[date]) -> list[str | None]:
    """Each day's holiday kind (None: an ordinary day)."""
    return [year_days(d.year).get(d) or year_days(d.year + 1).get(d) for d in days]
