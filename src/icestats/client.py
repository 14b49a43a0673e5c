"""``icestats.connect(path)``: every question's answer, for the CLI, the API, the report,
the dashboard and notebooks alike.

This is the composition layer: it sits above metrics (arrest releases), detention (ICE's
workbooks) and stats, and is the only place that puts their answers side by side (book-ins
beside the goal, arrests a day beside book-ins). Dates may be given as ``date`` objects or
as ``"YYYY-MM-DD"`` strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from icestats import (
    agency_answers,
    breakdowns,
    compose,
    count_routes,
    counting,
    detention,
    metrics,
    questions,
    schema,
    series,
    slices,
    store,
    writer,
)
from icestats.answers import (
    AgencyAnswer,
    BreakdownAnswer,
    DailyAnswer,
    EventsAnswer,
    FairAnswer,
    FiscalYearsAnswer,
    ForecastAnswer,
    GoalAnswer,
    NowcastAnswer,
    OfficesAnswer,
    PipelineAnswer,
    RevisionsAnswer,
    StatusAnswer,
    SurgesAnswer,
    UnderperformersAnswer,
)
from icestats.answers.published import CountSeriesAnswer, PeriodOfficesAnswer, WeeklyGoalAnswer
from icestats.compose import goals_of
from icestats.defaults import FDR, LEVEL, WINDOW_DAYS
from icestats.errors import IcestatsError, UsageError, is_interrupt
from icestats.params import Day
from icestats.slices import Slice, Window

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
        self._kind_cons: dict[str, duckdb.DuckDBPyConnection] = {}  # other kinds' cursors
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
        ice._unsafe, ice._loaded, ice._kind_cons = False, 0, {}
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
        for cur in self._kind_cons.values():
            cur.close()
        self._kind_cons = {}
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
               aor: str | None = None, upcoming: Iterable[str | Path] = (),
               date_order: str | None = None
               ) -> list[IngestResult | WorkbookResult | CountResult]:
        """Load release files, detention workbooks and count tables, each all or nothing;
        stops at the first bad file. ``declared``: what options say of a count table whose
        form is not recognized from its header (kind, grain, geography, period, vintage);
        ``aor``: the office of sheets with no office column.

        ``upcoming``: files the caller will load next (their parse may start now).
        A user error (``InputError``) leaves the files before it loaded. Any other failure
        marks the connection unsafe: closing it then discards everything it loaded. DuckDB's
        interrupt is raised as ``KeyboardInterrupt``. ``date_order``: ``mdy`` or ``dmy`` for
        slashed dates that read both ways (``ingest.dates.date_order``)."""
        from icestats import prefetch
        from icestats.ingest.read_xlsx import choose_columns
        from icestats.loading import ingest_file

        if not self.write:
            raise UsageError("this connection is read-only; use icestats.connect(path, write=True)")
        if date_order not in (None, "mdy", "dmy"):
            raise UsageError(f"--date-order must be mdy or dmy, not '{date_order}'")
        from icestats.ingest.dates import ORDER_VARIABLE

        self.con.execute(f"SET VARIABLE {ORDER_VARIABLE} = ?", [date_order])
        results = []
        todo = [*files]
        later = [*todo[1:], *upcoming]
        for k, f in enumerate(todo):
            if k < len(later):  # the next workbook parses while this file loads
                prefetch.prepare(later[k], choose_columns)
            try:
                results.append(ingest_file(self.con, f, max_rejects=max_rejects,
                                           progress=progress, declared=declared, aor=aor))
                self._loaded += not results[-1].already_loaded
            except BaseException as exc:
                prefetch.discard()
                if not isinstance(exc, IcestatsError) or is_interrupt(exc):
                    self._unsafe = True
                if is_interrupt(exc) and not isinstance(exc, KeyboardInterrupt):
                    raise KeyboardInterrupt from exc
                raise
        return results

    # -- questions -------------------------------------------------------------------
    # Each method's keywords are its question's parameters (``questions.QUESTIONS``, which
    # a test checks against these signatures); ``_ask`` parses them with the table and
    # resolves the slice once.

    def _ask(self, name: str, values: dict[str, Any], *python_only: str
             ) -> tuple[Window, dict[str, Any]]:
        """(the resolved window, the question's own parameters parsed). ``values``: the
        method's ``locals()``, taken before anything else is named."""
        s, own = questions.question(name).bind(compose.asked(values, *python_only))
        return self.resolve(s), own

    def resolve(self, s: Slice) -> Window:
        """A slice resolved against this database (its days, coverage, files)."""
        return slices.resolve(self._on_kind(s.kind), s)

    def _on(self, w: Window) -> duckdb.DuckDBPyConnection:
        """The connection that counts the window's event kind (``self.con`` for arrests)."""
        return self._on_kind(w.slice.kind)

    def _on_kind(self, kind: str) -> duckdb.DuckDBPyConnection:
        if kind == "arrests":
            return self.con
        if kind not in self._kind_cons:
            from icestats.kind_counts import kind_connection
            self._kind_cons[kind] = kind_connection(self.con, kind)
        return self._kind_cons[kind]

    def status(self) -> StatusAnswer:
        """What is loaded: releases, kinds, workbooks, count tables, coverage, rows loaded /
        rejected / merged."""
        covered = not slices.coverage(self.con).empty
        whole = self.resolve(Slice(include_incomplete=True)) if covered else None
        return compose.status(self.con, whole)

    def goal(self, goal: float | None = None, *, window: int = WINDOW_DAYS,
             as_of: Day = None, include_incomplete: bool = False, kind: str = "arrests",
             count: str = "arrests", scope: str = "all", prefer: str = "records"
             ) -> GoalAnswer | WeeklyGoalAnswer:
        """National arrests a day (latest day, 7/28/90-day means) against ``goal`` a day,
        with the trend over ``window`` days and ICE's book-ins beside them; over weekly
        counts (no record of the as-of day), each week's arrests a day against the goal."""
        s, own = questions.question("goal").bind(compose.asked(locals()))
        weekly = count_routes.goal(self.con, s, own)
        if weekly is not None:
            return weekly
        w = self.resolve(s)
        target = compose.goal_for(s.kind, own["goal"])
        answer = compose.with_goal(metrics.goal(self._on(w), w, target.per_day), target)
        return compose.beside_goal(self.con, answer)

    def offices(self, *, window: int = WINDOW_DAYS, as_of: Day = None,
                include_incomplete: bool = False, kind: str = "arrests",
                count: str = "arrests", scope: str = "all", start: Day = None,
                end: Day = None) -> OfficesAnswer | PeriodOfficesAnswer:
        """The 25 field offices ranked by arrests a day over ``window`` days (or from
        ``start`` to ``end``); over one period's totals where a count table gives them."""
        s, _ = questions.question("offices").bind(compose.asked(locals()))
        period = count_routes.offices(self.con, s)
        if period is not None:
            return period
        w = self.resolve(s)
        return metrics.offices(self._on(w), w)

    def breakdown(self, by: str = "criminality", *, period: str = "month", start: Day = None,
                  end: Day = None, aor: str | None = None, kind: str = "arrests",
                  count: str = "arrests",
                  scope: str = "all", top: int = counting.TOP) -> BreakdownAnswer:
        """Counts and shares by one category (``by``) in each period (the ``top`` largest
        values as their own columns, the rest as "other")."""
        w, own = self._ask("breakdown", locals())
        return breakdowns.breakdown(self._on(w), w, own["by"], period=own["period"],
                                    top=own["top"])

    def daily(self, by: str | None = None, *, start: Day = None, end: Day = None,
              aor: str | None = None, kind: str = "arrests", count: str = "arrests",
              scope: str = "all", top: int = counting.TOP, prefer: str = "records"
              ) -> DailyAnswer | CountSeriesAnswer:
        """Daily counts (``rows``), the series with 7- and 28-day means (the ``top``
        categories with ``by``), weekly means, and totals by month or category; where no
        record covers the days asked, the count tables' units at their grain (weeks...)."""
        s, own = questions.question("daily").bind(compose.asked(locals()))
        counted = count_routes.daily(self.con, s, own)
        if counted is not None:
            return counted
        w = self.resolve(s)
        return series.daily(self._on(w), w, own["by"], top=own["top"])

    def fair_offices(self, goals: Goals | str | Path | None = None, *,
                     window: int = WINDOW_DAYS, as_of: Day = None,
                     include_incomplete: bool = False, kind: str = "arrests",
                     count: str = "arrests",
                     scope: str = "all", goal: float | None = None,
                     allocation: str | None = None, fdr: float = FDR) -> FairAnswer:
        """Fair evaluation: rates, baseline ratios, attainment with intervals, shrinkage,
        below-target flags (false discovery rate ``fdr``). ``goals``: a goals file or
        ``Goals``; ``goal`` and the file's targets apply to every day asked about."""
        w, own = self._ask("fair", locals())
        from icestats.stats.offices import fair_offices
        return fair_offices(self._on(w), w, goals_of(own, w), q=own["fdr"])

    def underperformers(self, goals: Goals | str | Path | None = None, *, n: int | None = None,
                        window: int = WINDOW_DAYS, as_of: Day = None,
                        include_incomplete: bool = False, kind: str = "arrests",
                        count: str = "arrests",
                        scope: str = "all", goal: float | None = None,
                        allocation: str | None = None,
                        fdr: float = FDR) -> UnderperformersAnswer:
        """The ``n`` lowest offices under each yardstick (arrests a day, per resident, per
        noncitizen, attainment of the allocated target, change against their own baseline)
        side by side, each with its rank interval; which are low under every yardstick,
        which only under some, and which are below target (false discovery rate ``fdr``).
        ``n`` defaults to 12, or all but one when fewer offices are ranked."""
        w, own = self._ask("underperformers", locals())
        from icestats.stats.underperformers import underperformers
        return underperformers(self._on(w), w, goals_of(own, w), n=own["n"], q=own["fdr"])

    def nowcast(self, *, count: str = "arrests", scope: str = "all",
                level: float = LEVEL) -> NowcastAnswer:
        """Corrected counts for the incomplete tail of the newest release, with intervals."""
        w, own = self._ask("nowcast", locals())
        from icestats.stats.nowcast import store_nowcast
        return store_nowcast(self._on(w), w, own["level"])

    def events(self, events: list[Event] | None = None, *, file: str | Path | None = None,
               event: list[str] | None = None, window: int = WINDOW_DAYS, pre: int = 182,
               kind: str = "arrests",
               count: str = "arrests", scope: str = "all", level: float = LEVEL
               ) -> EventsAnswer:
        """Effects of events (``Event`` objects, an events ``file`` or ``event`` texts
        DATE,OFFICE,LABEL) against a synthetic control of the other offices, with placebo
        inference, a pre-trend check, the event study and the displacement."""
        s, own = questions.question("events").bind(
            {k: v for k, v in compose.asked(locals()).items() if k != "events"})
        from icestats import count_events  # (scipy: not for the loader's imports, 1 s)
        states = count_events.events(self.con, events, own)
        if states is not None:  # no record of these days: the daily state series
            return states
        w = self.resolve(s)
        from icestats.stats.events import example_events, load_events, store_events
        if events is None and own["file"] is None and not own["event"]:
            events = example_events(w.first, w.last)  # (the data's days, to the complete)
        chosen = events if events is not None else load_events(own["file"], own["event"])
        return store_events(self._on(w), w, chosen, own["window"], own["level"], own["pre"])

    def forecast(self, goals: Goals | str | Path | None = None, *, horizon: int = 90,
                 fit_days: int = 182, as_of: Day = None, level: float = LEVEL,
                 backtest: bool = False, goal: float | None = None,
                 allocation: str | None = None, kind: str = "arrests",
                 count: str = "arrests",
                 scope: str = "all") -> ForecastAnswer:
        """National and per-office forecasts from ``as_of`` (data up to that day only), the
        chance of reaching the goal; with ``backtest``, coverage and errors measured on
        this database's own data."""
        w, own = self._ask("forecast", locals())
        need = questions.question("forecast").param("fit_days").low or 0
        if w.coverage and w.coverage.start and (w.last - w.coverage.start).days + 1 < need:
            raise UsageError(f"forecast needs {need:.0f} days of data up to --as-of; the data "
                             f"start {w.coverage.start} (--as-of {w.last})")
        from icestats.stats.forecast_store import store_forecast
        return store_forecast(self._on(w), w, goals_of(own, w), own["horizon"], own["level"],
                              backtest=own["backtest"])

    def surges(self, *, start: Day = None, end: Day = None, threshold: float = 4.5,
               min_ratio: float = 1.3, kind: str = "arrests",
               count: str = "arrests",
               scope: str = "all") -> SurgesAnswer:
        """Every covered office's surges (a change-point scan of the whole series), those
        overlapping ``start``..``end`` listed, with their size."""
        w, own = self._ask("surges", locals())
        from icestats.stats.surges import store_surges
        return store_surges(self._on(w), w, own["threshold"], own["min_ratio"])

    def pipeline(self, *, period: str = "fy", start: Day = None, end: Day = None,
                 aor: str | None = None, include_incomplete: bool = False,
                 goal: float | None = None, window: int = WINDOW_DAYS) -> PipelineAnswer:
        """Encounters, detainers, arrests, book-ins and removals a day side by side per
        office and ``period``, their ratios, removals against ``goal`` a year over
        ``window`` days, the linked shares and book-ins by arresting agency."""
        s, own = questions.question("pipeline").bind(compose.asked(locals()))
        w = self.resolve(compose.pipeline_slice(self.con, s))
        from icestats.pipeline import pipeline_answer
        return pipeline_answer(self.con, w, own["period"], own["goal"], own["window"])

    def fiscal_years(self, *, count: str = "arrests", scope: str = "all") -> FiscalYearsAnswer:
        """Arrests per federal fiscal year beside ICE's published totals."""
        w, _ = self._ask("fiscal_years", locals())
        return metrics.fiscal_years(self._on(w), w)

    def agency(self, vintage: Day = None) -> AgencyAnswer:
        """ICE vs CBP: monthly book-ins by arresting agency (ICE's workbooks and the count
        tables' vintages, the newest data for each month, or as they stood on ``vintage``),
        who is detained, and arrests a day by month from the releases beside them."""
        own = questions.question("agency").parse({"vintage": vintage})
        return agency_answers.agency(self.con, own["vintage"])

    def revisions(self, table: str = "book_ins_by_agency", month: Day = None
                  ) -> RevisionsAnswer:
        """Each monthly value (or ``month``'s, YYYY-MM) as every workbook of its fiscal year
        and every vintage of a count table gave it."""
        return agency_answers.revisions(self.con, table, month)

    # -- tables kept for notebooks ---------------------------------------------------

    def book_ins(self) -> Any:
        """ICE initial book-ins by arresting agency per month (a pyarrow Table)."""
        return detention.book_ins(self.con)

    def detained(self) -> Any:
        """Currently detained by criminality and arresting agency (newest workbook)."""
        return detention.detained_by_criminality(self.con)

    def workbooks(self) -> dict[str, Any]:
        return detention.workbooks(self.con)

def connect(path: str | Path | None = None, *, write: bool = False) -> Icestats:
    """Open an icestats database (read-only unless ``write=True``); default: the file
    ``$ICESTATS_DB`` names, else ``./icestats.duckdb`` (as the command line)."""
    import os

    return Icestats(path if path is not None else
                    os.environ.get("ICESTATS_DB") or schema.DEFAULT_DB, write=write)
