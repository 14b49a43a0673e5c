"""``icestats.connect(path)``: the same answers as the CLI, as Arrow tables, for notebooks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from icestats import detention, metrics, schema, store
from icestats.errors import IcestatsError, UsageError, is_interrupt

if TYPE_CHECKING:
    import pyarrow as pa

    from icestats.ingest.load import IngestResult, Progress


class Icestats:
    """An open icestats database. Methods return pyarrow Tables (``.to_pandas()``,
    ``polars.from_arrow``) or small report objects with ``.to_dict()``."""

    def __init__(self, path: str | Path = schema.DEFAULT_DB, *, write: bool = False) -> None:
        self.path = Path(path)
        self.write = write
        self._writer: store.Writer | None = None
        self._unsafe = False  # a load failed in a way that may have left part of it
        self._loaded = 0  # files loaded through this connection (re-loads not counted)
        if write:  # load into a copy, switched in atomically by close()
            self._writer = store.Writer(self.path)
            assert self._writer.con is not None
            self.con = self._writer.con
        else:
            self.con = store.connect(self.path, read_only=True)

    @classmethod
    def from_connection(cls, con: duckdb.DuckDBPyConnection, path: str | Path) -> Icestats:
        """Wrap an open connection (the web app hands each request its own cursor)."""
        ice = cls.__new__(cls)
        ice.path, ice.write, ice.con = Path(path), False, con
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
               progress: Progress | None = None) -> list[IngestResult]:
        """Load release files, each all or nothing; stops at the first bad file.

        A user error (``InputError``) leaves the files before it loaded. Any other failure
        marks the connection unsafe: closing it then discards everything it loaded. DuckDB's
        interrupt is raised as ``KeyboardInterrupt``."""
        from icestats.ingest.load import ingest_file

        if not self.write:
            raise UsageError("this connection is read-only; use icestats.connect(path, write=True)")
        results = []
        for f in files:
            try:
                results.append(ingest_file(self.con, f, max_rejects=max_rejects,
                                           progress=progress))
                self._loaded += not results[-1].already_loaded
            except BaseException as exc:
                if not isinstance(exc, IcestatsError) or is_interrupt(exc):
                    self._unsafe = True
                if is_interrupt(exc) and not isinstance(exc, KeyboardInterrupt):
                    raise KeyboardInterrupt from exc
                raise
        return results

    def status(self) -> dict[str, object]:
        return metrics.status(self.con)

    def goal(self, goal_per_day: float = 3000.0, *, window: int = 28, as_of: date | None = None,
             include_incomplete: bool = False, count: str = "arrests") -> metrics.GoalReport:
        return metrics.goal(self.con, goal_per_day, trend_window=window, as_of=as_of,
                            include_incomplete=include_incomplete, count=count)

    def offices(self, *, window: int = 28, as_of: date | None = None,
                include_incomplete: bool = False, count: str = "arrests") -> pa.Table:
        return metrics.offices(self.con, window=window, as_of=as_of,
                               include_incomplete=include_incomplete, count=count)

    def breakdown(self, by: str, *, period: str = "month", start: date | None = None,
                  end: date | None = None, aor: str | None = None,
                  count: str = "arrests") -> pa.Table:
        return metrics.breakdown(self.con, by, period=period, start=start, end=end, aor=aor,
                                 count=count)

    def fair_offices(self, goals: object = None, *, window: int = 28, as_of: date | None = None,
                     include_incomplete: bool = False, count: str = "arrests",
                     q: float = 0.05) -> dict[str, object]:
        """Fair evaluation: rates, baseline ratios, attainment with intervals, shrinkage,
        below-target flags (FDR controlled). ``goals``: a stats.goals.Goals or None."""
        from icestats.stats import goals as goals_mod
        from icestats.stats.offices import fair_offices

        g = goals if goals is not None else goals_mod.load(None)
        return fair_offices(self.con, g, window=window, as_of=as_of,  # type: ignore[arg-type]
                            include_incomplete=include_incomplete, count=count, q=q)

    def nowcast(self, *, count: str = "arrests", level: float = 0.95) -> dict[str, object]:
        """Corrected counts for the incomplete tail of the newest release, with intervals."""
        from icestats.stats.nowcast import store_nowcast

        return store_nowcast(self.con, count, level)

    def events(self, events: list, *, window: int = 28, count: str = "arrests",
               level: float = 0.95) -> dict[str, object]:
        """Effects of events (stats.events.Event) against the other offices, with placebos."""
        from icestats.stats.events import store_events

        return store_events(self.con, events, window, count, level)

    def forecast(self, goals: object = None, *, horizon: int = 90, fit_days: int = 90,
                 count: str = "arrests", level: float = 0.95) -> dict[str, object]:
        """National and per-office forecasts and when the goal would be met."""
        from icestats.stats import goals as goals_mod
        from icestats.stats.forecast import store_forecast

        g = goals if goals is not None else goals_mod.load(None)
        return store_forecast(self.con, g, horizon, fit_days, count, level)

    def book_ins(self) -> pa.Table:
        """ICE initial book-ins by arresting agency per month (detention workbooks)."""
        return detention.book_ins(self.con)

    def detained(self) -> pa.Table:
        """Currently detained by criminality and arresting agency (newest workbook)."""
        return detention.detained_by_criminality(self.con)

    def revisions(self, table: str = "book_ins_by_agency") -> pa.Table:
        return detention.revisions(self.con, table)

    def workbooks(self) -> dict[str, object]:
        return detention.workbooks(self.con)

    def daily(self, by: str | None = None, *, start: date | None = None, end: date | None = None,
              aor: str | None = None, count: str = "arrests") -> pa.Table:
        return metrics.daily(self.con, by, start=start, end=end, aor=aor, count=count)


def connect(path: str | Path = schema.DEFAULT_DB, *, write: bool = False) -> Icestats:
    """Open an icestats database (read-only unless ``write=True``)."""
    return Icestats(path, write=write)
