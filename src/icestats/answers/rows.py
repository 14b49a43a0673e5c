"""The rows of the answers' lists, typed: what each key of a row holds. A renderer that
reads a key a row does not have, or a number as text, is a type error (mypy strict).

Arrow tables carry their own schema; these are the rows kept as Python lists (what the
JSON shows as arrays of objects)."""

from __future__ import annotations

from datetime import date
from typing import TypedDict


class GoalWindow(TypedDict):
    """National arrests a day over the ``days`` ending at the as-of day (``label``: as
    people read it, e.g. "7-day mean")."""

    label: str
    as_of: date
    days: int
    days_with_data: int
    mean_per_day: float
    percent_of_goal: float
    shortfall_per_day: float


class GoalTrend(TypedDict):
    """The window against the window before it, and the slope within it."""

    window_days: int
    previous_mean_per_day: float | None
    change_percent: float | None
    slope_per_day_per_30_days: float | None


class FiscalYear(TypedDict):
    """Arrests in one federal fiscal year, beside ICE's published total for whole years."""

    fiscal_year: int
    first: date
    days: int
    period_days: int
    arrests: int
    per_day: float
    published: int | None
    difference: int | None
    published_source: str | None


class Cell(TypedDict):
    """One category's count in one period of a breakdown (None: suppressed)."""

    arrests: int | None
    share: float | None
    suppressed: bool


class PeriodRow(TypedDict):
    """One period of a breakdown: its cells (the largest categories, then 'other'), its
    total, its days of data and whether it is partial."""

    period: date
    cells: dict[str, Cell]
    total: int | None
    days: int
    period_days: int
    incomplete_days: int
    partial: bool


class DailyTotal(TypedDict):
    """The daily answer's whole range: arrests, covered days, arrests a day."""

    arrests: int
    days: int
    per_day: float | None


class SurgeRow(TypedDict):
    """One surge of one office: its dates, size and the 95% interval of its ratio."""

    office: str
    start: date
    end: date
    ongoing: bool
    days: int
    per_day_before: float | None
    per_day_during: float
    ratio: float
    low: float
    high: float
    note: str | None  # it starts near a release's first day (stats.surges.boundary_notes)
