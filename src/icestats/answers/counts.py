"""Answers that count: status, the goal, offices, breakdowns, daily series, fiscal years,
and the ICE detention statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from icestats.answers.base import Answer, Coverage
from icestats.answers.rows import DailyTotal, FiscalYear, GoalTrend, GoalWindow, PeriodRow

if TYPE_CHECKING:
    import pyarrow as pa


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
    # per release and kind of event (release_kinds): encounters, detainers, arrests,
    # book-ins, removals; None before any release is loaded
    kinds: pa.Table | None = None
    count_tables: pa.Table | None = field(default=None, kw_only=True)
    # per count table overlapping the records: units compared, ratio median and range
    count_agreement: list[dict[str, Any]] = field(default_factory=list, kw_only=True)
    count_rejects: pa.Table | None = field(default=None, kw_only=True)
    # per kind loaded: its words (label, what one event is, the counting rule) and its
    # days (start, end, complete through): what the dashboard says for --kind
    kind_rules: dict[str, dict[str, Any]] = field(default_factory=dict, kw_only=True)

    @property
    def arrests(self) -> int:
        """Arrests loaded, after merging duplicate records (the arrests' episodes; other
        kinds' events are counted per kind in ``kinds``)."""
        if self.kinds is None or not self.kinds.num_rows:
            return self.rows_loaded - self.records_merged
        return sum(int(r["counted"] or 0) for r in self.kinds.to_pylist()
                   if r["kind"] == "arrests")

    def body(self) -> dict[str, Any]:
        return {"releases": self.releases, "coverage": self.coverage,
                "rows_loaded": self.rows_loaded, "rows_rejected": self.rows_rejected,
                "records_merged": self.records_merged, "arrests": self.arrests,
                "rejects_by_reason": self.rejects_by_reason,
                "aor_not_matched": self.aor_not_matched,
                "unrecognized_aor_values": self.unrecognized_aor_values,
                "workbooks": self.workbooks, "tables": self.tables, "kinds": self.kinds,
                "count_tables": self.count_tables, "count_agreement": self.count_agreement,
                "count_rejects": self.count_rejects, "kind_rules": self.kind_rules}


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
    windows: list[GoalWindow]
    trend: GoalTrend
    include_incomplete: bool = False
    book_ins: BookInsNear | None = None
    goal_from: date | None = None  # the stated goal's first day (None: --goal, every day)
    goal_source: str = ""
    goal_note: str | None = None  # the as-of day is before the stated goal was set
    counts_note: str | None = None  # weekly national counts past the records: how to ask

    @property
    def as_of_incomplete(self) -> bool:
        return self.coverage.incomplete(self.as_of)

    @property
    def latest_percent_of_goal(self) -> float | None:
        return 100 * self.latest_day / self.goal if self.goal else None

    def body(self) -> dict[str, Any]:
        return {"goal_per_day": self.goal, "goal_from": self.goal_from,
                "goal_source": self.goal_source, "goal_note": self.goal_note,
                "as_of": self.as_of,
                "as_of_incomplete": self.as_of_incomplete,
                "latest_day_arrests": self.latest_day,
                "latest_day_percent_of_goal": self.latest_percent_of_goal,
                "latest_day_shortfall": self.goal - self.latest_day,
                "windows": self.windows, "trend": self.trend,
                "coverage": self.coverage, "incomplete_tail_included": self.include_incomplete,
                "book_ins": self.book_ins, "counts_note": self.counts_note}


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
class BreakdownAnswer(Answer):
    question: ClassVar[str] = "breakdown"
    by: str
    period: str
    rows: pa.Table  # period, <by>, arrests, share
    wide: list[PeriodRow]  # per period: cells (top categories + other), total, days
    columns: list[str]  # the categories shown as columns (top N by total), then "other"
    start: date | None = None
    end: date | None = None
    aor: str | None = None
    missing: str | None = None  # why there is nothing to show: not in the releases counted

    def body(self) -> dict[str, Any]:
        return {"by": self.by, "period": self.period, "from": self.start, "to": self.end,
                "aor": self.aor, "not_in_release": self.missing, "rows": self.rows,
                "columns": self.columns, "periods": self.wide}


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
    total: DailyTotal  # arrests, days and per day over the whole range
    missing: str | None = None  # why there is nothing to show by ``by``: not in the releases

    def body(self) -> dict[str, Any]:
        return {"by": self.by, "aor": self.aor, "from": self.start, "to": self.end,
                "not_in_release": self.missing,
                "coverage": self.coverage, "rows": self.rows, "series": self.series,
                "totals": self.totals, "total": self.total, "weekly": self.weekly}

    @property
    def count_column(self) -> str:
        """The count's name in a file: the kind's events ('encounters', 'removals'), or
        'records' with --count records; arrests keep 'arrests' (either count, as before)."""
        kind = self.window.slice.kind if self.window else "arrests"
        return "arrests" if kind == "arrests" else "records" if self.count == "records" \
            else kind

    def export_rows(self) -> pa.Table:
        """``rows`` as files write them: the count column named after what it counts."""
        names = [self.count_column if c == "arrests" else c for c in self.rows.column_names]
        return self.rows.rename_columns(names)


@dataclass
class FiscalYearsAnswer(Answer):
    question: ClassVar[str] = "fiscal_years"
    years: list[FiscalYear]

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
