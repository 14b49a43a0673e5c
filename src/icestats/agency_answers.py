"""ICE vs CBP and the revisions of a month: the answers over ICE's detention workbooks and
the count tables' vintages together (the newest data of each month; every vintage kept).
``client.py`` composes them; this module only reads the store."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

from icestats import count_metrics, detention, metrics, questions, slices, vintage_metrics
from icestats.answers import AgencyAnswer, RevisionsAnswer, Source
from icestats.errors import UsageError
from icestats.slices import Slice, Window


def all_sources(con: duckdb.DuckDBPyConnection) -> Source:
    """Every release, workbook and count table loaded."""
    releases = slices.source(con).releases if not slices.coverage(con).empty else ()
    books = detention.workbooks(con)["workbooks"]
    return Source(releases, tuple(books["file_name"].to_pylist()) if books.num_rows else (),
                  count_metrics.sources(con))


def agency(con: duckdb.DuckDBPyConnection, vintage: date | None) -> AgencyAnswer:
    """Book-ins by arresting agency per month from the newest workbook or vintage holding
    it (as they stood on ``vintage``), who is detained, and arrests a day beside them."""
    books = detention.has_workbooks(con)
    if not books and not vintage_metrics.has_vintages(con):
        raise UsageError("no detention statistics loaded; load a workbook with `icestats "
                         "ingest FY25_detentionStats_final.xlsx` or DDP's parsed vintages "
                         "(book-ins-by-arresting-agency.parquet)")
    months = vintage_metrics.book_ins(con, vintage)
    shown = set(months["month"].to_pylist()) if months.num_rows else set()
    arrests = {m: v for m, v in metrics.arrests_per_month(con).items()
               if m in shown} if not slices.coverage(con).empty else {}
    named = months["workbook"].to_pylist() if months.num_rows else []
    detained = detention.detained_by_criminality(con) if books else \
        detention.empty_detained()
    if "workbook" in detained.column_names:  # (the newest workbook's: say it too)
        named += [w for w in detained["workbook"].to_pylist() if w]
    files = used(con, named)  # (the releases only when months of arrests are shown)
    source = Source(slices.source(con).releases if arrests else (), files.workbooks,
                    files.counts)
    if arrests:  # (beside the book-ins in the one table every surface and file shows)
        import pyarrow as pa
        months = months.append_column("arrests_per_day", pa.array(
            [arrests.get(m) for m in months["month"].to_pylist()], pa.float64()))
    return AgencyAnswer(months, detained, arrests, source=source,
                        window=months_window(months["month"].to_pylist(), source),
                        method="book-ins per month from the newest data reporting it (a "
                               "workbook's data-through day or a vintage's as-of day); "
                               "per day over the days those data cover; arrests a day "
                               "from the releases for complete months only")


def revisions(con: duckdb.DuckDBPyConnection, table: str, month: date | str | None = None
              ) -> RevisionsAnswer:
    """Each monthly value of ``table`` (``month``'s only, when given) as every workbook of
    its fiscal year and every vintage of a count table gave it."""
    own = questions.question("revisions").parse({"table": table, "month": month})
    known = sorted(set(detention.table_keys(con)) | {
        t for t in vintage_metrics.TABLES if vintage_metrics.has_vintages(con, t)})
    if own["table"] not in known:
        shown = ", ".join(known[:8]) + (f" and {len(known) - 8} more" if known[8:] else "")
        raise UsageError(f"unknown --table '{own['table']}' (the loaded workbooks have: "
                         f"{shown or 'no tables; load a workbook first'})")
    rows = vintage_metrics.revisions(con, own["table"], own["month"])
    if own["month"] is not None and not rows.num_rows:
        held = vintage_metrics.revisions(con, own["table"])["month"].to_pylist()
        span = f"{min(held):%Y-%m} to {max(held):%Y-%m}" if held else "no month"
        raise UsageError(f"--month {own['month']:%Y-%m}: {own['table']} holds no figure for "
                         f"that month (it holds {span})")
    source = used(con, rows["workbook"].to_pylist() if rows.num_rows else [])
    return RevisionsAnswer(own["table"], rows, source=source,
                           window=months_window(rows["month"].to_pylist(), source))


def used(con: duckdb.DuckDBPyConnection, workbooks: list[str]) -> Source:
    """The workbooks and count tables named in an answer's ``workbook`` column ('FILE' or
    'FILE (vintage of DAY)') as its source: the files its numbers come from."""
    every, names = all_sources(con), {str(w).split(" (vintage of ")[0] for w in workbooks}
    return Source((), tuple(w for w in every.workbooks if w in names),
                  tuple(c for c in every.counts if c[0] in names))


def months_window(months: list[date], source: Source) -> Window | None:
    """The window of a workbook answer: the months it shows (book-ins, by month)."""
    if not months:
        return None
    last = max(months)
    end = date(last.year + last.month // 12, last.month % 12 + 1, 1) - timedelta(days=1)
    s = Slice(kind="book_ins", time_grain="month", place_grain="nation")
    return Window(s, min(months), end, len(set(months)), source=source)
