"""``icestats.connect(path)``: every question's answer, for the CLI, the API, the report,
the dashboard and notebooks alike.

This is the composition layer: it sits above metrics (arrest releases), detention (ICE's
workbooks) and stats, and is the only place that puts their answers side by side (book-ins
beside the goal, arrests a day beside book-ins). Dates may be given as ``date`` objects or
as ``"YYYY-MM-DD"`` strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from icestats import (
    breakdowns,
    count_metrics,
    counting,
    detention,
    metrics,
    schema,
    series,
    store,
    vintage_metrics,
    writer,
)
from icestats.answers import (
    AgencyAnswer,
    BookInsNear,
    BreakdownAnswer,
    DailyAnswer,
    EventsAnswer,
    FairAnswer,
    FiscalYearsAnswer,
    ForecastAnswer,
    GoalAnswer,
    NowcastAnswer,
    OfficesAnswer,
    RevisionsAnswer,
    Source,
    StatusAnswer,
    SurgesAnswer,
    UnderperformersAnswer,
)
from icestats.errors import IcestatsError, UsageError, is_interrupt
from icestats.params import Day, as_date

if TYPE_CHECKING:
    from icestats.counts.forms import Declared
    from icestats.counts.load import CountResult
    from icestats.ingest.load import IngestResult, Progress
    from icestats.stats.events import Event
    from icestats.stats.goals import Goals
    from icestats.workbooks.load import WorkbookResult


class Icestats:
    """An open icestats database; each question's method returns its answer object
    (tables as pyarrow Tables: ``.to_pandas()``, ``polars.from_arrow``; ``.to_dict()``)."""

    def __init__(self, path: str | Path = schema.DEFAULT_DB, *, write: bool = False) -> None:
        self.path = Path(path)
        self.write = write
        self._writer: writer.Writer | None = None
        self._unsafe = False  # a load failed in a way that may have left part of it
        self._loaded = 0  # files loaded through this connection (re-loads not counted)
        if write:  # load into a copy, switched in atomically by close()
            self._writer = writer.Writer(self.path)
            assert self._writer.con is not None
            self.con = self._writer.con
        else:
            self.con = store.connect(self.path, read_only=True)

    @classmethod
    def from_connection(cls, con: duckdb.DuckDBPyConnection, path: str | Path) -> Icestats:
        """Wrap an open connection (the web app hands each request its own cursor)."""
        ice = cls.__new__(cls)
        ice.path, ice.write, ice.con, ice._writer = Path(path), False, con, None
        ice._unsafe, ice._loaded = False, 0
        return ice

    def __enter__(self) -> Icestats:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: object) -> None:
        if self._writer is not None and exc is not None and not self._may_keep(exc):
            # interrupted, or failed other than by a clean user error: nothing changes
            writer, self._writer = self._writer, None
            writer.abort()
            return
        self.close()

    def _may_keep(self, exc: BaseException) -> bool:
        """Completed files may still be switched in after a user error (the failed file
        rolled itself back); never after an interrupt or any other failure, and not when
        nothing was loaded (a first load that fails leaves no database behind)."""
        return isinstance(exc, IcestatsError) and not self._unsafe and not is_interrupt(exc) \
            and self._loaded > 0

    def close(self) -> None:
        """Close; a writer switches its loaded copy in (completed files only: a file that
        failed cleanly was rolled back inside the copy) after a consistency check. After a
        load that failed otherwise (interrupt, a failed rollback) the copy is discarded:
        nothing this connection loaded is kept."""
        if self._writer is not None:
            writer, self._writer = self._writer, None
            if self._unsafe:  # (the failure was raised by ingest: nothing to add)
                writer.abort()
                return
            writer.commit()
        else:
            self.con.close()

    def ingest(self, files: Iterable[str | Path], *, max_rejects: float = 0.01,
               progress: Progress | None = None, declared: Declared | None = None,
               ) -> list[IngestResult | WorkbookResult | CountResult]:
        """Load release files, detention workbooks and count tables, each all or nothing;
        stops at the first bad file. ``declared``: what options say of a count table whose
        form is not recognized from its header (kind, grain, geography, period, vintage).

        A user error (``InputError``) leaves the files before it loaded. Any other failure
        marks the connection unsafe: closing it then discards everything it loaded. DuckDB's
        interrupt is raised as ``KeyboardInterrupt``."""
        from icestats.loading import ingest_file

        if not self.write:
            raise UsageError("this connection is read-only; use icestats.connect(path, write=True)")
        results = []
        for f in files:
            try:
                results.append(ingest_file(self.con, f, max_rejects=max_rejects,
                                           progress=progress, declared=declared))
                self._loaded += not results[-1].already_loaded
            except BaseException as exc:
                if not isinstance(exc, IcestatsError) or is_interrupt(exc):
                    self._unsafe = True
                if is_interrupt(exc) and not isinstance(exc, KeyboardInterrupt):
                    raise KeyboardInterrupt from exc
                raise
        return results

    # -- questions -------------------------------------------------------------------

    def status(self) -> StatusAnswer:
        """What is loaded: releases, workbooks, coverage, rows loaded / rejected / merged."""
        s = metrics.release_status(self.con)
        books = detention.workbooks(self.con)
        return StatusAnswer(s["releases"], s["coverage"], s["rows_loaded"], s["rows_rejected"],
                            s["records_merged"], s["rejects_by_reason"], s["aor_not_matched"],
                            s["unrecognized_aor_values"], books["workbooks"], books["tables"],
                            count_tables=count_metrics.tables(self.con),
                            count_agreement=count_metrics.agreement_summary(self.con),
                            count_rejects=count_metrics.rejects(self.con),
                            source=self._all_sources())

    def goal(self, goal: float = 3000.0, *, window: int = 28, as_of: Day = None,
             include_incomplete: bool = False, count: str = "arrests",
             scope: str = "all") -> GoalAnswer:
        """National arrests a day (latest day, 7/28/90-day means) against ``goal`` a day,
        with the trend over ``window`` days and ICE's book-ins beside them."""
        answer = metrics.goal(self.con, goal, trend_window=window,
                              as_of=as_of_date(as_of), include_incomplete=include_incomplete,
                              count=count, scope=scope)
        answer.book_ins = self._book_ins_near(answer.as_of)
        if answer.book_ins is not None:
            answer.source = Source(answer.source.releases, (answer.book_ins.workbook,))
        return answer

    def offices(self, *, window: int = 28, as_of: Day = None, include_incomplete: bool = False,
                count: str = "arrests", scope: str = "all") -> OfficesAnswer:
        """The 25 field offices ranked by arrests a day over ``window`` days."""
        return metrics.offices(self.con, window=window, as_of=as_of_date(as_of),
                               include_incomplete=include_incomplete, count=count, scope=scope)

    def breakdown(self, by: str, *, period: str = "month", start: Day = None, end: Day = None,
                  aor: str | None = None, count: str = "arrests", scope: str = "all",
                  top: int = counting.TOP) -> BreakdownAnswer:
        """Counts and shares by one category (``by``) in each period (the ``top`` largest
        values as their own columns, the rest as "other")."""
        return breakdowns.breakdown(self.con, by, period=period, start=as_date(start, "--from"),
                                    end=as_date(end, "--to"), aor=aor, count=count,
                                    scope=scope, top=top)

    def daily(self, by: str | None = None, *, start: Day = None, end: Day = None,
              aor: str | None = None, count: str = "arrests", scope: str = "all",
              top: int = counting.TOP) -> DailyAnswer:
        """Daily counts (``rows``), the series with 7- and 28-day means (the ``top``
        categories with ``by``), weekly means, and totals by month or category."""
        return series.daily(self.con, by, start=as_date(start, "--from"),
                             end=as_date(end, "--to"), aor=aor, count=count, scope=scope,
                             top=top)

    def fair_offices(self, goals: Goals | None = None, *, window: int = 28, as_of: Day = None,
                     include_incomplete: bool = False, count: str = "arrests",
                     scope: str = "all", fdr: float = 0.05) -> FairAnswer:
        """Fair evaluation: rates, baseline ratios, attainment with intervals, shrinkage,
        below-target flags (false discovery rate ``fdr``)."""
        from icestats.stats import goals as goals_mod
        from icestats.stats.offices import fair_offices

        return fair_offices(self.con, goals or goals_mod.load(None), window=window,
                            as_of=as_of_date(as_of), include_incomplete=include_incomplete,
                            count=count, scope=scope, q=fdr)

    def underperformers(self, goals: Goals | None = None, *, n: int = 12, window: int = 28,
                        as_of: Day = None, include_incomplete: bool = False,
                        count: str = "arrests", scope: str = "all",
                        fdr: float = 0.05) -> UnderperformersAnswer:
        """The ``n`` lowest offices under each yardstick (arrests a day, per resident, per
        noncitizen, attainment of the allocated target, change against their own baseline)
        side by side, each with its rank interval; which are low under every yardstick,
        which only under some, and which are below target (false discovery rate ``fdr``)."""
        from icestats.stats import goals as goals_mod
        from icestats.stats.underperformers import underperformers

        return underperformers(self.con, goals or goals_mod.load(None), n=n, window=window,
                               as_of=as_of_date(as_of), include_incomplete=include_incomplete,
                               count=count, scope=scope, q=fdr)

    def nowcast(self, *, count: str = "arrests", scope: str = "all",
                level: float = 0.95) -> NowcastAnswer:
        """Corrected counts for the incomplete tail of the newest release, with intervals."""
        from icestats.stats.nowcast import store_nowcast

        return store_nowcast(self.con, count, level, scope)

    def events(self, events: list[Event], *, window: int = 28, count: str = "arrests",
               scope: str = "all", level: float = 0.95, pre: int = 182) -> EventsAnswer:
        """Effects of events against a synthetic control of the other offices, with
        placebo inference, a pre-trend check, the event study and the displacement."""
        from icestats.stats.events import store_events

        return store_events(self.con, events, window, count, level, scope, pre)

    def forecast(self, goals: Goals | None = None, *, horizon: int = 90, fit_days: int = 182,
                 count: str = "arrests", scope: str = "all", level: float = 0.95,
                 as_of: Day = None, backtest: bool = False) -> ForecastAnswer:
        """National and per-office forecasts from ``as_of`` (data up to that day only), the
        chance of reaching the goal; with ``backtest``, coverage and errors measured on
        this database's own data."""
        from icestats.stats import goals as goals_mod
        from icestats.stats.forecast_store import store_forecast

        return store_forecast(self.con, goals or goals_mod.load(None), horizon, fit_days,
                              count, level, scope, as_of=as_of_date(as_of), backtest=backtest)

    def surges(self, *, start: Day = None, end: Day = None, count: str = "arrests",
               scope: str = "all", threshold: float = 4.5,
               min_ratio: float = 1.3) -> SurgesAnswer:
        """Every covered office's surges (change-point scan) with their size."""
        from icestats.stats.surges import store_surges

        return store_surges(self.con, as_date(start, "--from"), as_date(end, "--to"), count,
                            scope, threshold, min_ratio)

    def fiscal_years(self, *, count: str = "arrests", scope: str = "all") -> FiscalYearsAnswer:
        """Arrests per federal fiscal year beside ICE's published totals."""
        return metrics.fiscal_years(self.con, count, scope)

    def agency(self) -> AgencyAnswer:
        """ICE vs CBP: monthly book-ins by arresting agency (ICE's workbooks and the count
        tables' vintages, the newest data for each month), who is detained, and arrests a
        day by month from the releases beside them."""
        books = detention.has_workbooks(self.con)
        if not books and not vintage_metrics.has_vintages(self.con):
            raise UsageError("no detention statistics loaded; load a workbook with `icestats "
                             "ingest FY25_detentionStats_final.xlsx` or DDP's parsed vintages "
                             "(book-ins-by-arresting-agency.parquet)")
        months = vintage_metrics.book_ins(self.con)
        shown = set(months["month"].to_pylist()) if months.num_rows else set()
        arrests = {m: v for m, v in metrics.arrests_per_month(self.con).items()
                   if m in shown} if metrics.coverage(self.con).start else {}
        every = self._all_sources()  # (the releases only when months of arrests are shown)
        used = {str(w).split(" (vintage of ")[0] for w in months["workbook"].to_pylist()} \
            if months.num_rows else set()
        source = Source(every.releases if arrests else (),
                        tuple(w for w in every.workbooks if w in used),
                        tuple(c for c in every.counts if c[0] in used))
        detained = detention.detained_by_criminality(self.con) if books else \
            detention.empty_detained()
        return AgencyAnswer(months, detained, arrests, source=source,
                            method="book-ins per month from the newest data reporting it (a "
                                   "workbook's data-through day or a vintage's as-of day); "
                                   "per day over the days those data cover; arrests a day "
                                   "from the releases for complete months only")

    def revisions(self, table: str = "book_ins_by_agency") -> RevisionsAnswer:
        """Each monthly value as every workbook of its fiscal year and every vintage of a
        count table gave it."""
        return RevisionsAnswer(table, vintage_metrics.revisions(self.con, table),
                               source=self._all_sources())

    # -- tables kept for notebooks ---------------------------------------------------

    def book_ins(self) -> Any:
        """ICE initial book-ins by arresting agency per month (a pyarrow Table)."""
        return detention.book_ins(self.con)

    def detained(self) -> Any:
        """Currently detained by criminality and arresting agency (newest workbook)."""
        return detention.detained_by_criminality(self.con)

    def workbooks(self) -> dict[str, Any]:
        return detention.workbooks(self.con)

    # -- composition -----------------------------------------------------------------

    def _all_sources(self) -> Source:
        releases = metrics.source(self.con).releases if metrics.coverage(self.con).start \
            else ()
        books = detention.workbooks(self.con)["workbooks"]
        return Source(releases, tuple(books["file_name"].to_pylist()) if books.num_rows else (),
                      count_metrics.sources(self.con))

    def _book_ins_near(self, day: date) -> BookInsNear | None:
        """The last complete month of book-ins ending by ``day``, else the newest one."""
        if not detention.has_workbooks(self.con):
            return None
        months = [m for m in detention.book_ins(self.con).to_pylist() if not m["partial"]]
        if not months:
            return None
        before = [m for m in months if m["month"] + timedelta(days=m["days"] - 1) <= day]
        if not before or (day - before[-1]["month"]).days > 62:
            return None  # no workbook month near this day: nothing to put beside it
        m = before[-1]
        return BookInsNear(m["month"], m["per_day"], m["cbp_share_percent"], m["workbook"])


def as_of_date(value: Day) -> date | None:
    return as_date(value, "--as-of")


def connect(path: str | Path = schema.DEFAULT_DB, *, write: bool = False) -> Icestats:
    """Open an icestats database (read-only unless ``write=True``)."""
    return Icestats(path, write=write)
