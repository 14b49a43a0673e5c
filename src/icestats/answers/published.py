"""Answers at the grain published count tables allow: a question asked of weekly national
counts, of office totals over one period or of daily state series gets these, each naming
its kind, grain and geography (``grain`` in the JSON), and the table it came from."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from icestats.answers.base import Answer

if TYPE_CHECKING:
    import pyarrow as pa

# The tables a terminal format prints for each answer here, by its columns_key
MAIN_TABLES: dict[str, tuple[str, ...]] = {
    "daily@counts": ("units",), "goal@weeks": ("weeks",), "offices@period": ("offices",),
    "states": ("states", "events", "surges"), "split": ("periods",)}


@dataclass
class AtGrain(Answer):
    """An answer at a count table's grain. Its JSON body is its own fields in order (the
    ``Answer`` keywords apart), each under its name or the one ``JSON_NAMES`` gives it."""

    JSON_NAMES: ClassVar[dict[str, str]] = {"start": "from", "end": "to"}

    def body(self) -> dict[str, Any]:
        return {self.JSON_NAMES.get(f.name, f.name): getattr(self, f.name)
                for f in fields(self) if not f.kw_only}


@dataclass
class CountSeriesAnswer(AtGrain):
    """``daily`` over a count table: its units (weeks, months, days) between two days."""

    question: ClassVar[str] = "daily"
    columns_key: ClassVar[str] = "daily@counts"  # its column specs (render/shown.py)
    kind: str
    grain: str
    geo_level: str
    geo: str
    start: date
    end: date
    units: pa.Table  # period_start, period_end, days, value, per_day, source, file, caveat
    total: dict[str, Any]  # {kind: n, "days": d, "per_day": x}
    notes: list[str] = field(default_factory=list)


@dataclass
class WeeklyGoalAnswer(AtGrain):
    """``goal`` over weekly national counts: each week's arrests a day against the goal."""

    question: ClassVar[str] = "goal"
    columns_key: ClassVar[str] = "goal@weeks"  # its column specs (render/shown.py)
    JSON_NAMES: ClassVar[dict[str, str]] = {"goal": "goal_per_day",
                                            "latest": "latest_complete_week"}
    goal: float
    grain: str
    weeks: pa.Table  # week, arrests, per_day, percent_of_goal, shortfall_per_day, caveat
    peak: dict[str, Any]
    latest: dict[str, Any]  # the newest complete week
    span: dict[str, Any]  # arrests, days, per_day, percent_of_goal over the complete weeks
    notes: list[str] = field(default_factory=list)


@dataclass
class PeriodOfficesAnswer(AtGrain):
    """``offices`` over one period's totals: ranked by arrests a day, per 100,000 residents
    and per 100,000 noncitizens, the lowest ``n`` under each, and how far they agree."""

    question: ClassVar[str] = "offices"
    columns_key: ClassVar[str] = "offices@period"  # its column specs (render/shown.py)
    grain: str
    start: date
    end: date
    days: int
    n: int
    offices: pa.Table
    lowest: dict[str, list[str]]  # yardstick -> the n lowest offices, lowest first
    agreement: dict[str, Any]
    notes: list[str] = field(default_factory=list)


@dataclass
class StateSeriesAnswer(AtGrain):
    """Daily state series: each state with the office it lies in (or the offices it spans),
    its 7-day means, the surges found and the change after known events."""

    question: ClassVar[str] = "states"
    columns_key: ClassVar[str] = "states"  # its column specs (render/shown.py)
    grain: str
    start: date
    end: date
    states: list[dict[str, Any]]  # state, name, offices, lies_in, arrests, days, not_reported
    series: pa.Table  # date, state, arrests (None: not reported), mean_7
    events: list[dict[str, Any]]
    surges: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)


@dataclass
class SplitAnswer(AtGrain):
    """A count table's dimension over named periods (Minnesota's targeted and collateral
    arrests before and during Metro Surge) and by month."""

    question: ClassVar[str] = "split"
    columns_key: ClassVar[str] = "split"  # its column specs (render/shown.py)
    grain: str
    dimension: str
    geo: str
    periods: list[dict[str, Any]]
    months: pa.Table
    notes: list[str] = field(default_factory=list)
