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

    from icestats.answers import Source
    from icestats.client import Icestats

CATEGORIES = ("criminality", "method", "custody", "agency", "agency_group", "program", "type")
PERSONAL = ("citizenship", "gender", "age_group")


@dataclass(frozen=True)
class View:
    title: str
    description: str
    columns: dict[str, str]
    build: Callable[[Icestats], pa.Table]
    units: dict[str, str] = field(default_factory=dict)
    workbooks: bool = False  # from ICE's detention statistics workbooks, not the releases
    kinds: bool = False  # counts every event kind: its source is every kind's releases

    def described_columns(self) -> dict[str, str]:
        """Each column's description, with its unit where it has one."""
        return {k: f"{v} (unit: {self.units[k]})" if k in self.units else v
                for k, v in self.columns.items()}


def _daily(ice: Icestats) -> pa.Table:
    """Every covered office-day, zeros included: for each day, every office its owning
    release has a record of (an office a release never mentions is not covered, as in
    ``icestats offices``), with arrests (one per 24-hour episode) and raw records."""
    from icestats.store import arrow

    return arrow(ice.con, f"""
        WITH offices AS (SELECT DISTINCT release_id, aor FROM arrests),
             counted AS (SELECT apprehension_date AS date, aor,
                                count(*) FILTER (WHERE episode_start) AS arrests,
                                count(*) AS records
                         FROM {counting.counted_sql("records")} GROUP BY ALL)
        SELECT o.date, f.aor, CAST(coalesce(c.arrests, 0) AS BIGINT) AS arrests,
               CAST(coalesce(c.records, 0) AS BIGINT) AS records, o.incomplete,
               r.file_name AS source_file, r.synthetic
        FROM day_owner o JOIN offices f USING (release_id)
        JOIN releases r ON r.release_id = o.release_id
        LEFT JOIN counted c ON c.date = o.date AND c.aor = f.aor
        ORDER BY o.date, f.aor""")


def _by_category(ice: Icestats) -> pa.Table:
    from icestats.store import arrow

    parts = [f"""SELECT apprehension_date AS date, aor, '{dim}' AS dimension,
                        {counting.DIMENSIONS[dim]} AS value,
                        count(*) FILTER (WHERE episode_start) AS arrests,
                        count(*) AS records
                 FROM {counting.counted_sql("records")} GROUP BY ALL"""
             for dim in CATEGORIES]
    return arrow(ice.con, f"""
        SELECT c.date, c.aor, c.dimension, c.value, CAST(c.arrests AS BIGINT) AS arrests,
               CAST(c.records AS BIGINT) AS records, o.incomplete
        FROM ({" UNION ALL ".join(parts)}) c JOIN day_owner o ON o.date = c.date
        ORDER BY c.date, c.aor, c.dimension, c.value""")


def _personal(ice: Icestats) -> pa.Table:
    """Citizenship, gender and age group by month, in arrests, per office and national:
    sums of the protected grid's cells (``privacy``: whole months, each office's cell
    randomly rounded to a multiple of 5 keyed by the cell). Raw records are not offered by
    personal attribute (the grid has them; one count keeps the view simple)."""
    from icestats import privacy
    from icestats.store import arrow

    return arrow(ice.con, f"""
        SELECT month, attribute AS dimension, value, coalesce(aor, '(national)') AS aor,
               CAST(sum(published) AS BIGINT) AS arrests
        FROM personal_grid WHERE kind = 'arrests' AND {privacy.parts_sql("arrests", "all")}
          AND attribute IN {privacy.PERSONAL}
        GROUP BY GROUPING SETS ((month, attribute, value, aor), (month, attribute, value))
        HAVING sum(published) > 0 ORDER BY ALL""")


def _kind_daily_sql(kind: str) -> str:
    """``kind``'s covered office-days, zeros included, by the rule of ``_daily``: the days
    its releases cover (``kind_day_owner``; arrests: ``day_owner``) times the offices the
    owning release has a record of, counted by the kind's own duplicate rule (the numbers
    of ``icestats daily --kind K --by aor``)."""
    from icestats.kind_counts import counted_kind_sql, owner_table

    rows = "arrests" if kind == "arrests" else f"events WHERE kind = '{kind}'"
    return f"""
        WITH offices AS (SELECT DISTINCT release_id, aor FROM {rows}),
             counted AS (SELECT date, aor, count(*) FILTER (WHERE episode_start) AS n,
                                count(*) AS records
                         FROM {counted_kind_sql(kind, "records")} GROUP BY ALL)
        SELECT '{kind}' AS kind, o.date, f.aor, CAST(coalesce(c.n, 0) AS BIGINT) AS count,
               CAST(coalesce(c.records, 0) AS BIGINT) AS records, o.incomplete,
               r.file_name AS source_file, r.synthetic
        FROM {owner_table(kind)} o JOIN offices f USING (release_id)
        JOIN releases r ON r.release_id = o.release_id
        LEFT JOIN counted c ON c.date = o.date AND c.aor = f.aor"""


def _loaded_kinds(ice: Icestats) -> list[str]:
    from icestats.kind_counts import kinds_loaded

    return kinds_loaded(ice.con) or ["arrests"]  # (no data: an empty view with its columns)


def _events_daily(ice: Icestats) -> pa.Table:
    """Every kind's covered office-days, zeros included, kinds in pipeline order (kind
    names are checked against ``kinds.KINDS`` before they reach the SQL)."""
    from icestats.store import arrow

    kinds = _loaded_kinds(ice)
    parts = " UNION ALL ".join(f"SELECT {i} AS k, * FROM ({_kind_daily_sql(kind)})"
                               for i, kind in enumerate(kinds))
    return arrow(ice.con, f"SELECT * EXCLUDE (k) FROM ({parts}) ORDER BY k, date, aor")


def _events_personal(ice: Icestats) -> pa.Table:
    """Every kind's personal attributes by month, per office and national: sums of the
    protected grid's cells of that kind, as ``_personal`` for arrests (counted events:
    the grid's first records of each kind's duplicate rule)."""
    from icestats import privacy
    from icestats.kinds import KINDS
    from icestats.store import arrow

    kinds = ", ".join(f"'{k}'" for k in _loaded_kinds(ice) if k in KINDS)
    return arrow(ice.con, f"""
        SELECT kind, month, attribute AS dimension, value,
               coalesce(aor, '(national)') AS aor, CAST(sum(published) AS BIGINT) AS count
        FROM personal_grid WHERE kind IN ({kinds}) AND {privacy.parts_sql("arrests", "all")}
          AND attribute IN {privacy.PERSONAL}
        GROUP BY GROUPING SETS ((kind, month, attribute, value, aor),
                                (kind, month, attribute, value))
        HAVING sum(published) > 0
        ORDER BY list_position({list(KINDS)}, kind), month, dimension, value, aor""")


def kinds_source(ice: Icestats) -> Source:
    """The releases the kind views count (those owning a day of some kind), and what their
    rows are ('encounter, arrest and removal records')."""
    from icestats.answers import Source
    from icestats.kinds import LABELS

    rows = ice.con.execute("""
        SELECT file_name, synthetic FROM releases
        WHERE release_id IN (SELECT release_id FROM day_owner
                             UNION SELECT release_id FROM kind_day_owner)
        ORDER BY release_id""").fetchall()
    names = [LABELS[k].removesuffix("s").replace("_", "-") for k in _loaded_kinds(ice)]
    said = ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
    return Source(tuple((str(n), s) for n, s in rows), records=f"{said} records")


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

    from icestats.slices import coverage

    if coverage(ice.con).empty:  # no arrests (a release of removals alone): no rows
        return pa.schema([("fiscal_year", pa.int64()), ("first", pa.date32()),
                          ("days", pa.int64()), ("period_days", pa.int64()),
                          ("arrests", pa.int64()), ("per_day", pa.float64()),
                          ("published", pa.int64()), ("difference", pa.int64()),
                          ("published_source", pa.string())]).empty_table()
    return pa.Table.from_pylist(ice.fiscal_years().years)


ARRESTS = ("one per 24-hour episode of one identifier (the Deportation Data "
           "Project's rule; a record without an identifier is one arrest), each day counted "
           "from the release that owns it")
RECORDS = "raw rows of that release, duplicates included"
_DAY = {"date": "day of apprehension", "aor": "field office code (see the offices view)",
        "arrests": ARRESTS, "records": RECORDS,
        "incomplete": "true inside the newest data's last 14 days (reporting lag)",
        "source_file": "the release counted for this day",
        "synthetic": "true when that release is GENERATED (not real ICE data)"}

def _kind_rules() -> str:
    from icestats.kinds import KINDS, RULES

    return "; ".join(f"{k}: {RULES[k].counting}" for k in KINDS)


EVENTS = ("events of the row's kind, each counted by that kind's rule (docs/methods.md): "
          "encounters, detainers and removals one per identifier and day, arrests one per "
          "24-hour episode, book-ins one per stay; a record without an identifier counts on "
          "its own; each day counted from the release that owns it for that kind")
_KIND = {"kind": "encounters, detainers, arrests, book_ins or removals",
         "date": "the kind's own date (encounter, detainer prepared, apprehension, book-in, "
                 "removal)",
         "aor": "the kind's own office (see `icestats status` and docs/methods.md)"}
VIEWS: dict[str, View] = {
    "arrests_daily": View(
        "Arrests a day by field office",
        "One row per covered office-day, zeros included: every day of the data and every "
        "office the release counted for that day has a record of (an office it never "
        "mentions is not covered and has no rows, as in `icestats offices`). Unit: arrests "
        "(one per 24-hour episode) a day; `records` beside it counts raw rows. AVG(arrests) "
        "over a range is the office's arrests a day; SUM(arrests) its arrests.",
        _DAY, _daily, {"arrests": "arrests a day", "records": "records a day"}),
    "arrests_daily_by_category": View(
        "Arrests a day by field office and category",
        f"Daily counts by office and by one category at a time ({', '.join(CATEGORIES)}); "
        "no personal attribute. Unit: arrests (one per 24-hour episode) a day, `records` "
        "raw rows. Only days and values with at least one record have a row: SUM it; for a "
        "rate a day divide by the covered days (COUNT(*) of arrests_daily for the office), "
        "never AVG it.",
        {**{k: v for k, v in _DAY.items() if k not in ("source_file", "synthetic")},
         "dimension": "the category", "value": "its value"}, _by_category,
        {"arrests": "arrests a day", "records": "records a day"}),
    "arrests_monthly_personal": View(
        "Arrests a month by citizenship, gender and age group (per office and national)",
        "Arrests (one per 24-hour episode) by calendar month and one personal attribute, "
        "from the protected grid (docs/reliability.md): each office's month cell randomly "
        "rounded to a multiple of 5 keyed by the cell; national rows (aor '(national)') "
        "are sums of office cells. Unit: arrests a month.",
        {"month": "first day of the month", "dimension": "citizenship, gender or age_group",
         "value": "its value",
         "aor": "field office code, or '(national)' for the sum over offices",
         "arrests": f"{ARRESTS}, rounded (a sum of cells each off by at most 4)"},
        _personal, {"arrests": "arrests a month"}),
    "events_daily": View(
        "Events a day by kind and field office (encounters, detainers, arrests, book-ins, "
        "removals)",
        "One row per kind and covered office-day of that kind, zeros included: every day "
        "the kind's releases cover and every office the release counted for that day has a "
        "record of that kind (as `icestats offices --kind K`). Unit: events of the row's "
        "kind a day (`count`), by that kind's counting rule; `records` beside it counts "
        "raw rows (book-ins: stints). Filter on one kind: AVG(count) over a range is an "
        "office's events a day, SUM(count) its events (the numbers of `icestats daily "
        f"--kind K --by aor`). Counting rules: {_kind_rules()}.",
        {**_KIND, "count": EVENTS, "records": RECORDS + " (book-ins: stints)",
         "incomplete": "true inside the last 14 days of that kind's newest data (reporting "
                       "lag)", "source_file": "the release counted for this kind and day",
         "synthetic": _DAY["synthetic"]},
        _events_daily, {"count": "events of the row's kind a day",
                        "records": "records a day"}, kinds=True),
    "events_monthly_personal": View(
        "Events a month by kind, citizenship, gender and age group (per office and "
        "national)",
        "Events of each kind (counted by its rule) by calendar month and one personal "
        "attribute, from the protected grid (docs/reliability.md), as "
        "arrests_monthly_personal for every kind: each office's month cell randomly "
        "rounded to a multiple of 5 keyed by the cell; national rows (aor '(national)') "
        "are sums of office cells. Unit: events of the row's kind a month.",
        {"kind": _KIND["kind"], "month": "first day of the month",
         "dimension": "citizenship, gender or age_group", "value": "its value",
         "aor": "field office code, or '(national)' for the sum over offices",
         "count": f"{EVENTS}, rounded (a sum of cells each off by at most 4)"},
        _events_personal, {"count": "events of the row's kind a month"}, kinds=True),
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
