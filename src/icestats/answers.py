"""Answers: one typed object per question, built by the library, rendered by every output.

The CLI (tables and ``--json``), the JSON API, the HTML report and the dashboard only
format these; every derived number (shares, per-day rates, rolling and weekly means,
top-N plus "other", partial-period flags) is computed before an answer is made.
``to_dict()`` is the one JSON form (through ``jsonout.plain``), so ``icestats Q --json``
and ``/api/Q`` are the same answer.

Each answer says what it counts (``count``), over which records (``scope``), up to when
(``as_of``), from which files (``source``: real or generated) and how (``method``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from icestats.jsonout import plain

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True)
class Source:
    """The files an answer was computed from, and whether their numbers are real."""

    releases: tuple[tuple[str, bool | None], ...] = ()  # (file name, synthetic) counted
    workbooks: tuple[str, ...] = ()  # ICE detention statistics workbooks used

    @property
    def synthetic(self) -> bool | None:
        """True when any counted release is generated; None when that is unknown."""
        flags = [s for _, s in self.releases]
        if not flags:
            return False if self.workbooks else None
        if any(s is None for s in flags):
            return None
        return any(flags)

    @property
    def text(self) -> str:
        """One line for a reader: which numbers are real, which generated, from which file."""
        parts = []
        real = [n for n, s in self.releases if s is False]
        generated = [n for n, s in self.releases if s]
        unknown = [n for n, s in self.releases if s is None]
        if real:
            parts.append("REAL arrest records from " + ", ".join(real))
        if generated:
            parts.append("GENERATED (synthetic) arrest records from " + ", ".join(generated))
        if unknown:
            parts.append("arrest records from " + ", ".join(unknown))
        if self.workbooks:
            parts.append("REAL ICE detention statistics from " + ", ".join(self.workbooks))
        return "; ".join(parts) if parts else "no data loaded"

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "synthetic": self.synthetic,
                "releases": [{"file": n, "synthetic": s} for n, s in self.releases],
                "workbooks": list(self.workbooks)}


@dataclass(frozen=True)
class Coverage:
    """The days the loaded releases cover, and the last day before the incomplete tail."""

    start: date | None
    end: date | None
    complete_through: date | None

    @property
    def empty(self) -> bool:
        return self.start is None

    @property
    def incomplete_from(self) -> date | None:
        from datetime import timedelta

        if self.complete_through and self.end and self.complete_through < self.end:
            return self.complete_through + timedelta(days=1)
        return None

    def incomplete(self, day: date) -> bool:
        """True when ``day`` is inside the incomplete tail (reporting lag)."""
        first = self.incomplete_from
        return first is not None and day >= first

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "complete_through": self.complete_through,
                "incomplete_from": self.incomplete_from}


@dataclass
class Answer:
    """What every answer carries besides its data."""

    question: ClassVar[str] = ""
    source: Source = field(default_factory=Source, kw_only=True)
    count: str = field(default="arrests", kw_only=True)
    scope: str = field(default="all", kw_only=True)
    method: str = field(default="", kw_only=True)

    def body(self) -> dict[str, Any]:
        """The question's own data (each answer defines it)."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        out = {"question": self.question, **self.body(), "count": self.count,
               "scope": self.scope, "source": self.source.to_dict(),
               "synthetic": self.source.synthetic}
        if self.method:
            out["method"] = self.method
        return plain(out)


@dataclass
class StatusAnswer(Answer):
    question: ClassVar[str] = "status"
    releases: pa.Table
    coverage: Coverage
    rows_loaded: int
    rows_rejected: int
    records_merged: int
    rejects_by_reason: dict[str, int]
    aor_not_matched: dict[str, int]
    unrecognized_aor_values: dict[str, int]
    workbooks: pa.Table
    tables: pa.Table

    def body(self) -> dict[str, Any]:
        return {"releases": self.releases, "coverage": self.coverage,
                "rows_loaded": self.rows_loaded, "rows_rejected": self.rows_rejected,
                "records_merged": self.records_merged,
                "rejects_by_reason": self.rejects_by_reason,
                "aor_not_matched": self.aor_not_matched,
                "unrecognized_aor_values": self.unrecognized_aor_values,
                "workbooks": self.workbooks, "tables": self.tables}


@dataclass
class BookInsNear:
    """ICE's own count of initial book-ins a day, for the month nearest an as-of date."""

    month: date
    book_ins_per_day: float | None
    cbp_share_percent: float | None
    workbook: str

    def to_dict(self) -> dict[str, Any]:
        return {"month": self.month, "book_ins_per_day": self.book_ins_per_day,
                "cbp_share_percent": self.cbp_share_percent, "workbook": self.workbook,
                "source": "ICE detention statistics workbook (real data)"}


@dataclass
class GoalAnswer(Answer):
    question: ClassVar[str] = "goal"
    goal: float
    as_of: date
    coverage: Coverage
    latest_day: int
    windows: list[dict[str, Any]]
    trend: dict[str, Any]
    include_incomplete: bool = False
    book_ins: BookInsNear | None = None

    @property
    def as_of_incomplete(self) -> bool:
        return self.coverage.incomplete(self.as_of)

    @property
    def latest_percent_of_goal(self) -> float | None:
        from icestats.numbers import round_half_up

        return round_half_up(100 * self.latest_day / self.goal) if self.goal else None

    def body(self) -> dict[str, Any]:
        return {"goal_per_day": self.goal, "as_of": self.as_of,
                "as_of_incomplete": self.as_of_incomplete,
                "latest_day_arrests": self.latest_day,
                "latest_day_percent_of_goal": self.latest_percent_of_goal,
                "latest_day_shortfall": self.goal - self.latest_day,
                "windows": self.windows, "trend": self.trend,
                "coverage": self.coverage, "incomplete_tail_included": self.include_incomplete,
                "book_ins": self.book_ins}


@dataclass
class OfficesAnswer(Answer):
    question: ClassVar[str] = "offices"
    offices: pa.Table
    window_days: int
    days_with_data: int
    as_of: date
    coverage: Coverage
    not_covered: list[str] = field(default_factory=list)  # offices the releases lack

    @property
    def as_of_incomplete(self) -> bool:
        return self.coverage.incomplete(self.as_of)

    def body(self) -> dict[str, Any]:
        return {"window_days": self.window_days, "days_with_data": self.days_with_data,
                "as_of": self.as_of, "as_of_incomplete": self.as_of_incomplete,
                "offices": self.offices, "not_covered": self.not_covered}


@dataclass
class FairAnswer(Answer):
    question: ClassVar[str] = "fair"
    offices: list[dict[str, Any]]
    window: tuple[date, date]
    window_days: int
    targets_in_force: bool
    fdr: float
    level: float
    goals: dict[str, Any]
    details: dict[str, Any]  # model, funnel limits, prior, baseline period and note
    not_covered: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> list[str]:
        return [str(o["name"]) for o in self.offices if o.get("below_target")]

    @property
    def ranked(self) -> list[dict[str, Any]]:
        return [o for o in self.offices if o["rank"] is not None]

    def body(self) -> dict[str, Any]:
        return {"offices": self.offices, "window": list(self.window),
                "window_days": self.window_days, "targets_in_force": self.targets_in_force,
                "fdr": self.fdr, "level": self.level, "goals": self.goals,
                "below_target": self.flagged, "not_covered": self.not_covered,
                **self.details}


@dataclass
class BreakdownAnswer(Answer):
    question: ClassVar[str] = "breakdown"
    by: str
    period: str
    rows: pa.Table  # period, <by>, arrests, share, [suppressed]
    wide: list[dict[str, Any]]  # per period: label, cells (top categories + other), total
    columns: list[str]  # the categories shown as columns (top N by total), then "other"
    start: date | None = None
    end: date | None = None
    aor: str | None = None

    @property
    def suppressed(self) -> bool:
        return "suppressed" in self.rows.column_names and any(
            self.rows["suppressed"].to_pylist())

    def body(self) -> dict[str, Any]:
        return {"by": self.by, "period": self.period, "from": self.start, "to": self.end,
                "aor": self.aor, "rows": self.rows, "columns": self.columns,
                "periods": self.wide}


@dataclass
class DailyAnswer(Answer):
    question: ClassVar[str] = "daily"
    rows: pa.Table  # date, [<by>,] arrests: the export form
    by: str | None
    aor: str | None
    start: date
    end: date
    coverage: Coverage
    series: pa.Table  # date, key, arrests, mean_7, mean_28 (null until full), incomplete
    totals: pa.Table  # key, arrests, share_percent, days, per_day, partial
    weekly: pa.Table  # key, week_from, mean_per_day (whole 7-day blocks from the start)
    total: dict[str, Any]  # arrests, days and per day over the whole range

    def body(self) -> dict[str, Any]:
        return {"by": self.by, "aor": self.aor, "from": self.start, "to": self.end,
                "coverage": self.coverage, "rows": self.rows, "series": self.series,
                "totals": self.totals, "total": self.total, "weekly": self.weekly}


@dataclass
class FiscalYearsAnswer(Answer):
    question: ClassVar[str] = "fiscal_years"
    years: list[dict[str, Any]]  # fiscal_year, days, period_days, arrests, published, ...

    def body(self) -> dict[str, Any]:
        return {"years": self.years}


@dataclass
class AgencyAnswer(Answer):
    question: ClassVar[str] = "agency"
    book_ins: pa.Table
    detained: pa.Table
    arrests_per_day_by_month: dict[date, float]

    def body(self) -> dict[str, Any]:
        return {"book_ins_by_month": self.book_ins, "detained_by_criminality": self.detained,
                "arrests_per_day_by_month": self.arrests_per_day_by_month}


@dataclass
class RevisionsAnswer(Answer):
    question: ClassVar[str] = "revisions"
    table_key: str
    rows: pa.Table

    def body(self) -> dict[str, Any]:
        return {"table": self.table_key, "rows": self.rows}


@dataclass
class NowcastAnswer(Answer):
    question: ClassVar[str] = "nowcast"
    release_id: int
    release_end: date
    curve_source: str
    curve: list[float]
    dispersion: float
    level: float
    days: list[dict[str, Any]]
    reported_total: int
    nowcast_total: float
    corrected: bool = True  # False: the reported counts are kept (no depression shown)
    tail_test: dict[str, Any] | None = None  # one release: is the tail depressed?
    curve_sd: list[float] = field(default_factory=list)  # the curve's standard error

    def body(self) -> dict[str, Any]:
        return {"release_id": self.release_id, "release_end": self.release_end,
                "curve_source": self.curve_source, "curve": self.curve,
                "curve_sd": self.curve_sd, "corrected": self.corrected,
                "tail_test": self.tail_test,
                "dispersion": self.dispersion, "level": self.level, "days": self.days,
                "reported_total": self.reported_total, "nowcast_total": self.nowcast_total}


@dataclass
class EventsAnswer(Answer):
    question: ClassVar[str] = "events"
    events: list[dict[str, Any]]
    window_days: int
    level: float
    data: tuple[date | None, date | None]

    def body(self) -> dict[str, Any]:
        return {"events": self.events, "window_days": self.window_days, "level": self.level,
                "data": list(self.data)}


@dataclass
class ForecastAnswer(Answer):
    question: ClassVar[str] = "forecast"
    horizon_days: int
    level: float
    national: dict[str, Any]  # observed means, model level, 30-day mean interval, days, goal
    weeks: list[dict[str, Any]]  # each 7 days ahead: mean per day with an interval for it
    offices: list[dict[str, Any]]
    goals: dict[str, Any]
    not_covered: list[str] = field(default_factory=list)
    as_of: date | None = None  # the origin: the last day of data used
    backtest: dict[str, Any] | None = None  # forecast --backtest: coverage and errors

    def body(self) -> dict[str, Any]:
        return {**self.national, "as_of": self.as_of, "horizon_days": self.horizon_days,
                "level": self.level, "weeks": self.weeks, "offices": self.offices,
                "goals": self.goals, "not_covered": self.not_covered,
                "backtest": self.backtest}


@dataclass
class SurgesAnswer(Answer):
    question: ClassVar[str] = "surges"
    surges: list[dict[str, Any]]  # office, start, end, ongoing, days, ratio, low, high
    window: tuple[date, date]
    offices_scanned: list[str]
    threshold: float
    min_ratio: float
    not_covered: list[str] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return {"surges": self.surges, "window": list(self.window),
                "offices_scanned": self.offices_scanned, "threshold": self.threshold,
                "min_ratio": self.min_ratio, "not_covered": self.not_covered}
