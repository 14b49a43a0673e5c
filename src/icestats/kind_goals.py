"""The goal each kind is measured against, and from which day it applies: one rule for
every kind. A goal the user gives (``--goal``) applies to every day asked about. Without
it, a kind's stated goal applies from the day it was set (arrests: 3,000 a day from
2025-05-28; removals: one million a year, 1,000,000 / 365 = 2,739.7 a day, from
2025-01-20); an answer about earlier days still sets the counts beside it, for scale, and
says the goal was not yet set. Encounters, detainers and book-ins have no stated goal:
the ``goal`` question asks for one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from icestats.defaults import (
    DAYS_PER_YEAR,
    GOAL_FROM,
    GOAL_PER_DAY,
    REMOVAL_GOAL_FROM,
    REMOVAL_GOAL_PER_YEAR,
)
from icestats.errors import UsageError


@dataclass(frozen=True)
class KindGoal:
    """A goal a day for one kind; ``start`` None: the user's, for every day."""

    kind: str
    per_day: float
    start: date | None
    text: str  # what it is and where it comes from, for the reader

    def note(self, day: date) -> str | None:
        """What an answer about ``day`` must say when the goal was not yet set then."""
        if self.start is None or day >= self.start:
            return None
        return (f"The goal applies from {self.start}; {day} is before it: "
                f"the comparison shows scale, not a shortfall against a goal then in force "
                f"(--goal N applies a goal to every day).")

    def to_dict(self) -> dict[str, object]:
        return {"per_day": self.per_day, "from": self.start, "source": self.text,
                "user": self.start is None}


def stated(kind: str) -> KindGoal | None:
    """The stated goal of ``kind`` (None: none is stated)."""
    if kind == "arrests":
        return KindGoal(kind, GOAL_PER_DAY, date.fromisoformat(GOAL_FROM),
                        f"{GOAL_PER_DAY:,.0f} arrests a day, stated {GOAL_FROM}")
    if kind == "removals":
        per_day = REMOVAL_GOAL_PER_YEAR / DAYS_PER_YEAR
        return KindGoal(kind, per_day, date.fromisoformat(REMOVAL_GOAL_FROM),
                        f"{REMOVAL_GOAL_PER_YEAR:,.0f} removals a year, "
                        f"{REMOVAL_GOAL_PER_YEAR:,.0f} / {DAYS_PER_YEAR} = {per_day:,.1f} a "
                        f"day, for the term that began {REMOVAL_GOAL_FROM}")
    return None


def goal_for(kind: str, given: float | None) -> KindGoal:
    """The user's goal a day for every day, else the kind's stated goal; a kind without
    one needs ``--goal``."""
    if given is not None:
        return KindGoal(kind, given, None, f"your goal: {given:,g} {kind.replace('_', '-')} "
                                           f"a day (--goal), applied to every day")
    goal = stated(kind)
    if goal is None:
        raise UsageError(f"no goal is stated for {kind.replace('_', '-')}: give one with "
                         f"--goal N ({kind.replace('_', '-')} a day)")
    return goal
