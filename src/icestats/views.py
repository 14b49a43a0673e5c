"""The read-only views over a database: counted aggregates only, what ``icestats sql`` can
query and ``icestats export datasette`` writes.

Each view is a table computed from the store by the library's own rules: the counting
rule (``counting.counted_sql``: arrests = one per 24-hour episode, records = raw rows, each
day counted from the release that owns it), and for personal attributes the one
protected grid (``privacy``): whole months, national and per office, rounded. No view
holds a record, its identifier hash, a source row or a raw rejected value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from icestats import counting

if TYPE_CHECKING:
    import pyarrow as pa

    from icestats.client import Icestats

CATEGORIES = ("criminality", "method", "custody", "agency", "agency_group", "program", "type")
PERSONAL = ("citizenship", "gender", "age_group")
COUNT_KIND = "arrests (one per 24-hour episode) or records (raw rows)"


@dataclass(frozen=True)
class View:
    title: str
    description: str
    columns: dict[str, str]
    build: Callable[[Icestats], pa.Table]
    units: dict[str, str] = field(default_factory=dict)
    workbooks: bool = False  # from ICE's detention statistics workbooks, not the releases


def _daily(ice: Icestats) -> pa.Table:
    parts = [f"""SELECT apprehension_date AS date, aor, '{kind}' AS count_kind,
                        count(*) AS count
                 FROM {counting.counted_sql(kind)} GROUP BY ALL""" for kind in counting.COUNTS]
    return _with_day(ice, " UNION ALL ".join(parts), "date, aor, count_kind")


def _by_category(ice: Icestats) -> pa.Table:
    parts = [f"""SELECT apprehension_date AS date, aor, '{dim}' AS dimension,
                        {counting.DIMENSIONS[dim]} AS value, '{kind}' AS count_kind,
                        count(*) AS count
                 FROM {counting.counted_sql(kind)} GROUP BY ALL"""
             for dim in CATEGORIES for kind in counting.COUNTS]
    return _with_day(ice, " UNION ALL ".join(parts), "date, aor, dimension, value, count_kind",
                     files=False)


def _with_day(ice: Icestats, counts: str, order: str, files: bool = True) -> pa.Table:
    """Counts with their day's flags: incomplete (reporting lag) and the file counted."""
    from icestats.store import arrow

    extra = ", r.file_name AS source_file, r.synthetic" if files else ""
    return arrow(ice.con, f"""
        SELECT c.*, o.incomplete{extra}
        FROM ({counts}) c JOIN day_owner o ON o.date = c.date
        JOIN releases r ON r.release_id = o.release_id ORDER BY {order}""")


def _personal(ice: Icestats) -> pa.Table:
    """Citizenship, gender and age group by month, national and per office: sums of the
    protected grid's cells (``privacy``: whole months, each cell randomly rounded to a
    multiple of 5 keyed by the cell), for each count kind."""
    from icestats import privacy
    from icestats.store import arrow

    parts = [f"""SELECT month, '{kind}' AS count_kind, attribute AS dimension, value, aor,
                        CAST(sum(published) AS BIGINT) AS count
                 FROM personal_grid WHERE kind = 'arrests' AND {privacy.parts_sql(kind, "all")}
                 GROUP BY ALL""" for kind in counting.COUNTS]
    return arrow(ice.con, f"""
        SELECT month, dimension, value, count_kind, coalesce(aor, '(national)') AS aor,
               CAST(sum(count) AS BIGINT) AS count
        FROM ({" UNION ALL ".join(parts)})
        GROUP BY GROUPING SETS ((month, dimension, value, count_kind, aor),
                                (month, dimension, value, count_kind))
        HAVING sum(count) > 0 ORDER BY ALL""")


def _releases(ice: Icestats) -> pa.Table:
    from icestats.store import arrow

    return arrow(ice.con, """
        SELECT release_id, file_name, synthetic, layout, file_format, coverage_start,
               coverage_end, rows_read, rows_loaded, rows_rejected, episodes,
               rows_loaded - episodes AS records_merged, loaded_at
        FROM releases ORDER BY release_id""")


def _rejects(ice: Icestats) -> pa.Table:
    from icestats.store import arrow

    return arrow(ice.con, """
        SELECT release_id, file_name, column_name, reason, count(*) AS rows
        FROM rejects GROUP BY ALL ORDER BY release_id, rows DESC""")


def _offices(ice: Icestats) -> pa.Table:
    import pyarrow as pa

    from icestats import reference

    offices = reference.offices()
    return pa.table({"aor": [o.code for o in offices], "name": [o.name for o in offices],
                     "city": [o.city for o in offices], "state": [o.state for o in offices]})


def _workbook_values(ice: Icestats) -> pa.Table:
    from icestats.store import arrow

    return arrow(ice.con, """
        SELECT w.file_name AS workbook, w.data_through, v.table_key, t.title,
               array_to_string(v.dims, ' / ') AS row_label, v.column_label, v.month,
               v.value
        FROM wb_values v JOIN workbooks w USING (workbook_id)
        JOIN wb_tables t ON t.workbook_id = v.workbook_id AND t.table_key = v.table_key
        ORDER BY workbook, table_key, row_label, column_label, month""")


def _book_ins(ice: Icestats) -> pa.Table:
    from icestats import detention

    return detention.book_ins(ice.con)


def _fiscal_years(ice: Icestats) -> pa.Table:
    import pyarrow as pa

    return pa.Table.from_pylist(ice.fiscal_years().years)


_DAY = {"date": "day of apprehension", "aor": "field office code (see the offices view)",
        "count_kind": COUNT_KIND, "count": "how many (arrests or records, per count_kind)",
        "incomplete": "true inside the newest data's last 14 days (reporting lag)",
        "source_file": "the release counted for this day",
        "synthetic": "true when that release is GENERATED (not real ICE data)"}
VIEWS: dict[str, View] = {
    "arrests_daily": View(
        "Arrests a day by field office", "Daily counts by office, each day from the release "
        "that owns it; days without a record are absent.", _DAY, _daily,
        {"count": "arrests or records a day"}),
    "arrests_daily_by_category": View(
        "Arrests a day by field office and category", "Daily counts by office and by one "
        f"category at a time ({', '.join(CATEGORIES)}); no personal attribute.",
        {**{k: v for k, v in _DAY.items() if k not in ("source_file", "synthetic")},
         "dimension": "the category", "value": "its value"}, _by_category,
        {"count": "arrests or records a day"}),
    "arrests_monthly_personal": View(
        "Arrests a month by citizenship, gender and age group (per office and national)",
        "Counts by calendar month and one personal attribute from the protected grid "
        "(docs/reliability.md): each office's month cell randomly rounded to a multiple of "
        "5 keyed by the cell; national rows (aor '(national)') are sums of office cells.",
        {"month": "first day of the month", "dimension": "citizenship, gender or age_group",
         "value": "its value", "count_kind": COUNT_KIND,
         "aor": "field office code, or '(national)' for the sum over offices",
         "count": "how many, rounded (a sum of cells each off by at most 4)"},
        _personal, {"count": "arrests or records a month"}),
    "fiscal_years": View(
        "Arrests by federal fiscal year beside ICE's published totals",
        "October to September; published: ICE's annual report figure.",
        {"fiscal_year": "FY (ends 30 September)", "days": "days of data",
         "arrests": "arrests counted", "per_day": "arrests a day", "published": "ICE's "
         "published total", "difference": "arrests minus published"}, _fiscal_years),
    "releases": View("Release files loaded", "One row per file; no content.",
                     {"synthetic": "true when GENERATED", "rows_rejected": "rows not loaded "
                      "(see rejects)"}, _releases),
    "rejects": View("Rows not loaded, by file, column and reason",
                    "A summary: the rejected values themselves are not exposed.",
                    {"rows": "rows rejected for this reason"}, _rejects),
    "offices": View("Field offices", "The 25 ICE ERO areas of responsibility, HQ and UNK.",
                    {"aor": "code"}, _offices),
    "book_ins_monthly": View(
        "ICE initial book-ins by arresting agency and month",
        "From the newest ICE detention statistics workbook covering each month.",
        {"ice": "book-ins after ICE arrests", "cbp": "book-ins after CBP arrests",
         "per_day": "book-ins a day", "partial": "true when the workbook covers only part "
         "of the month"}, _book_ins, {"per_day": "book-ins a day"}, workbooks=True),
    "workbook_values": View(
        "Every value of ICE's detention statistics workbooks",
        "Each workbook table kept tidy: one row per value.",
        {"row_label": "the row's labels, joined by ' / '", "column_label": "the column",
         "month": "the month, when the column is one"}, _workbook_values, workbooks=True),
}


def build(ice: Icestats, names: list[str] | None = None) -> dict[str, pa.Table]:
    """The named views (all by default) computed from ``ice``'s database."""
    return {n: VIEWS[n].build(ice) for n in (names or list(VIEWS))}
