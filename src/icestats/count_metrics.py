"""Answers from published count tables (``count_values``): what is loaded, how far the
tables agree with the records, which source answers each period (never both), the newest
vintage of each month, and how vintages revised a month.

The rules, each stated once:

- **A unit's total.** A table split by a dimension gives each unit's total from its
  ``Total`` row when it has one, else the sum of its rows.
- **Vintages.** The newest vintage that reports a unit answers for it (``vintage=N`` asks
  for one vintage); older vintages are kept for ``revisions``.
- **Several tables of the same kind, grain and area.** For each unit the table whose
  coverage ends latest answers (ties: the one loaded last), as for releases.
- **Count tables and records** (``prefer``): with ``records`` (the default) a unit comes
  from the records when they cover each of its days, else from the count table, and the
  records' days of a unit they cover only in part are left out; with ``counts`` the count
  table answers every unit it reports and the records only the others. No unit is ever
  counted from both.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import duckdb

from icestats import counting
from icestats.store import arrow, fetch_one

if TYPE_CHECKING:
    import pyarrow as pa

PREFER = ("records", "counts")
RULE = ("each unit from one source only: the records where they cover each of its days "
        "(--prefer counts: the count table where it reports the unit), the newest vintage, "
        "and among tables the one whose coverage ends latest")
AGREE = (0.8, 1.25)  # a unit whose ratio to the records lies outside is flagged

# one value per table, unit, area and vintage: the Total row, else the sum of the rows
UNIT_TOTALS = """
    SELECT table_id, kind, grain, period_start, period_end, geo_level, geo, vintage,
           CASE WHEN bool_or(dims[1] = 'Total') THEN sum(value) FILTER (WHERE dims[1] = 'Total')
                ELSE sum(value) END AS value,
           bool_and(value IS NULL) AS not_reported, max(caveat) AS caveat
    FROM count_values GROUP BY ALL"""
# the newest vintage reporting each unit, and the table answering for it
NEWEST = f"""
    SELECT u.*, t.file_name, t.synthetic FROM ({UNIT_TOTALS}) u JOIN count_tables t USING
        (table_id)
    WHERE NOT u.not_reported
    QUALIFY row_number() OVER (PARTITION BY u.kind, u.grain, u.geo_level, u.geo,
                                            u.period_start, u.period_end
                               ORDER BY t.coverage_end DESC, u.table_id DESC,
                                        u.vintage DESC NULLS LAST) = 1"""


def has_counts(con: duckdb.DuckDBPyConnection) -> bool:
    row = fetch_one(con, "SELECT count(*) FROM count_tables")
    return bool(row and row[0])


def tables(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Every count table loaded: its form, coverage, values, rejects and notes."""
    return arrow(con, """
        SELECT table_id, file_name, form, description, kind, grain, week_start, geo_level,
               area, dims, coverage_start, coverage_end, rows_read, values_stored, not_reported,
               rows_rejected, vintages, synthetic, file_format, columns_mapped,
               columns_unmapped, notes,
               (SELECT list('vintage of ' || strftime(v.file_date, '%Y-%m-%d') || ': ' || v.note
                            ORDER BY v.file_date)
                FROM count_vintages v WHERE v.table_id = t.table_id AND v.status = 'relabelled'
               ) AS vintage_notes
        FROM count_tables t ORDER BY table_id""")


def rejects(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Rows of count tables not loaded, by table and reason."""
    return arrow(con, """SELECT table_id, file_name, reason, count(*) AS rows,
                                min(source_row) AS first_row
                         FROM count_rejects GROUP BY ALL ORDER BY table_id, first_row""")


def sources(con: duckdb.DuckDBPyConnection) -> tuple[tuple[str, bool], ...]:
    return tuple((f, bool(s)) for f, s in con.execute(
        "SELECT file_name, synthetic FROM count_tables ORDER BY table_id").fetchall())


def _records_by_day(scope: str = "all") -> str:
    return f"""SELECT apprehension_date AS d, aor, count(*) AS n
               FROM {counting.counted_sql('arrests', scope)} GROUP BY ALL"""


def agreement(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Each unit of an arrests count table (national or by office) whose every day the
    records cover: the table's count, the records' count and their ratio."""
    return arrow(con, f"""
        WITH rec AS ({_records_by_day()}),
             u AS (SELECT * FROM ({NEWEST}) WHERE kind = 'arrests'
                       AND geo_level IN ('national', 'office')),
             covered AS (SELECT u.*, (SELECT count(*) FROM day_owner o WHERE o.date BETWEEN
                                      u.period_start AND u.period_end) AS days,
                                (SELECT bool_or(incomplete) FROM day_owner o WHERE o.date
                                 BETWEEN u.period_start AND u.period_end) AS tail FROM u)
        SELECT c.table_id, c.file_name, c.grain, c.geo_level, c.geo, c.period_start,
               c.period_end, CAST(c.value AS BIGINT) AS counted,
               CAST((SELECT coalesce(sum(n), 0) FROM rec WHERE rec.d BETWEEN c.period_start
                     AND c.period_end AND (c.geo_level = 'national' OR rec.aor = c.geo))
                    AS BIGINT) AS records,
               c.tail AS records_incomplete, c.caveat
        FROM covered c WHERE c.days = c.period_end - c.period_start + 1
        ORDER BY c.table_id, c.geo, c.period_start""")


def agreement_summary(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per count table overlapping the records: units compared, the ratio's median and
    range, and the units whose ratio lies outside ``AGREE`` (flagged). Units reaching into
    the records' incomplete tail (reporting lag) are left out."""
    rows = agreement(con).to_pylist()
    out: list[dict[str, Any]] = []
    for tid in sorted({r["table_id"] for r in rows}):
        mine = [r for r in rows if r["table_id"] == tid and r["records"]
                and not r["records_incomplete"]]
        if not mine:
            continue
        ratios = sorted(r["counted"] / r["records"] for r in mine)
        flagged = [r for r in mine if not AGREE[0] <= r["counted"] / r["records"] <= AGREE[1]]
        out.append({"table_id": tid, "file": mine[0]["file_name"], "grain": mine[0]["grain"],
                    "units": len(mine), "first": mine[0]["period_start"],
                    "last": mine[-1]["period_end"], "counted": sum(r["counted"] for r in mine),
                    "records": sum(r["records"] for r in mine),
                    "median_ratio": round(_median(ratios), 3), "min_ratio": round(ratios[0], 3),
                    "max_ratio": round(ratios[-1], 3), "flagged": len(flagged),
                    "flagged_first": flagged[0]["period_start"] if flagged else None,
                    "flagged_last": flagged[-1]["period_end"] if flagged else None,
                    "by_fiscal_year": _by_fiscal_year(mine)})
    return out


def _by_fiscal_year(units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ratio's median and range per federal fiscal year (a unit counts in the year it
    ends in)."""
    years: dict[int, list[float]] = {}
    for r in units:
        end = r["period_end"]
        years.setdefault(end.year + (end.month >= 10), []).append(r["counted"] / r["records"])
    return [{"fiscal_year": fy, "units": len(v), "median_ratio": round(_median(sorted(v)), 3),
             "min_ratio": round(min(v), 3), "max_ratio": round(max(v), 3)}
            for fy, v in sorted(years.items())]


def _median(values: list[float]) -> float:
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def series(con: duckdb.DuckDBPyConnection, kind: str, grain: str, start: date, end: date, *,
           geo_level: str = "national", geo: str = "US", prefer: str = "records"
           ) -> pa.Table:
    """The units of ``grain`` between ``start`` and ``end`` from the count tables and the
    records together, each unit from one of them only (see the module's rule), with the
    source that answered it."""
    counting.check(prefer, PREFER, "--prefer")
    records = kind == "arrests" and geo_level in ("national", "office") and \
        grain in ("day", "week", "month")
    align = fetch_one(con, "SELECT min(period_start) FROM count_values WHERE grain = ?", [grain])
    return arrow(con, f"""
        WITH c AS (SELECT period_start, period_end, value, caveat, file_name, synthetic
                   FROM ({NEWEST}) WHERE kind = $kind AND grain = $grain
                     AND geo_level = $geo_level AND geo = $geo
                     AND period_start >= $start AND period_end <= $end),
             r AS ({_record_units(grain) if records else _NO_UNITS}),
             pick AS (
                SELECT period_start, period_end, CAST(value AS BIGINT) AS value,
                       'count table' AS source, file_name AS file, synthetic, caveat FROM c
                WHERE $prefer = 'counts' OR period_start NOT IN (SELECT period_start FROM r)
                UNION ALL
                SELECT period_start, period_end, value, 'records', NULL, NULL, NULL FROM r
                WHERE $prefer = 'records' OR period_start NOT IN (SELECT period_start FROM c))
        SELECT * FROM pick ORDER BY period_start""",
                 {"kind": kind, "grain": grain, "geo_level": geo_level, "geo": geo,
                  "start": start, "end": end, "prefer": prefer,
                  **({"anchor": align[0] if align and align[0] else date(2000, 1, 2)}
                     if records and grain == "week" else {})})


_NO_UNITS = ("SELECT NULL::DATE AS period_start, NULL::DATE AS period_end, NULL::BIGINT "
             "AS value WHERE false")


def _record_units(grain: str) -> str:
    """SQL of the records' units, aligned with the count tables' (their week start day),
    kept only where the records cover every day of the unit."""
    unit = {"day": "o.date",
            "week": "o.date - CAST((o.date - CAST($anchor AS DATE)) % 7 AS INTEGER)",
            "month": "CAST(date_trunc('month', o.date) AS DATE)"}[grain]
    last = {"day": "p", "week": "CAST(p + 6 AS DATE)", "month": "last_day(p)"}[grain]
    return f"""
        WITH rec AS (SELECT apprehension_date AS d, count(*) AS n
                     FROM {counting.counted_sql('arrests')}
                     WHERE $geo_level = 'national' OR aor = $geo GROUP BY 1)
        SELECT p AS period_start, {last} AS period_end,
               CAST(sum(coalesce(rec.n, 0)) AS BIGINT) AS value
        FROM (SELECT {unit} AS p, o.date FROM day_owner o) x LEFT JOIN rec ON rec.d = x.date
        WHERE p >= $start AND {last} <= $end
        GROUP BY p HAVING count(*) = {last} - p + 1"""
