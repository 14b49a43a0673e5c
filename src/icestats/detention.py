"""Answers from ICE's detention statistics workbooks: book-ins by arresting agency (ICE vs
CBP), who is detained, and how workbooks revise each other.

For each month, the newest workbook wins: the one whose data run ends latest (ties: the one
loaded last), the same rule as for arrest releases. A month that the winning workbook
covers only in part (its data end inside the month) is marked partial and its per-day
figure uses the days covered.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import TYPE_CHECKING

import duckdb

from icestats.numbers import round_half_up
from icestats.store import arrow, fetch_one

if TYPE_CHECKING:
    import pyarrow as pa

_NEWEST = """
    SELECT v.*, w.data_through, w.file_name, w.fiscal_year AS workbook_fy
    FROM wb_values v JOIN workbooks w USING (workbook_id)
    WHERE v.table_key = $table AND w.data_through <= coalesce($through, DATE '9999-12-31')
    QUALIFY row_number() OVER (
        PARTITION BY v.dims, v.column_label, coalesce(CAST(v.month AS VARCHAR), 'FY' ||
                     CAST(w.fiscal_year AS VARCHAR))
        ORDER BY w.data_through DESC, w.workbook_id DESC) = 1
"""


def has_workbooks(con: duckdb.DuckDBPyConnection) -> bool:
    row = fetch_one(con, "SELECT count(*) FROM workbooks")
    return bool(row and row[0])


def book_ins(con: duckdb.DuckDBPyConnection, through: date | None = None) -> pa.Table:
    """Monthly initial book-ins by arresting agency, per day, and CBP's share (from the
    workbooks whose data end by ``through``, when given)."""
    import pyarrow as pa

    table = arrow(con, f"""
        WITH n AS ({_NEWEST})
        SELECT month,
               max(value) FILTER (WHERE dims[1] = 'ICE') AS ice,
               max(value) FILTER (WHERE dims[1] = 'CBP') AS cbp,
               max(value) FILTER (WHERE dims[1] = 'Total') AS total,
               max(data_through) AS data_through, max(file_name) AS workbook
        FROM n WHERE month IS NOT NULL GROUP BY month ORDER BY month
    """, {"table": "book_ins_by_agency", "through": through})
    rows = []
    for r in table.to_pylist():
        days, partial = _days_covered(r["month"], r["data_through"])
        total = r["total"] if r["total"] is not None else (r["ice"] or 0) + (r["cbp"] or 0)
        rows.append({
            "month": r["month"], "ice": _int(r["ice"]), "cbp": _int(r["cbp"]),
            "total": _int(total), "days": days, "partial": partial,
            "per_day": total / days if days else None,
            "cbp_share_percent": 100 * r["cbp"] / total
            if r["cbp"] is not None and total else None,
            "workbook": r["workbook"], "data_through": r["data_through"],
        })
    return pa.Table.from_pylist(rows) if rows else pa.table({"month": pa.array([], pa.date32())})


def _int(v: float | None) -> int | None:
    return None if v is None else int(round_half_up(v, 0))


def _days_covered(month: date, through: date) -> tuple[int, bool]:
    days = calendar.monthrange(month.year, month.month)[1]
    if through < date(month.year, month.month, days):
        return (through - month).days + 1, True
    return days, False


def detained_by_criminality(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Currently detained by criminality and arresting agency (newest workbook)."""
    return arrow(con, f"""
        WITH n AS ({_NEWEST}),
             newest AS (SELECT * FROM n WHERE workbook_id = (
                 SELECT workbook_id FROM n ORDER BY data_through DESC, workbook_id DESC
                 LIMIT 1))
        SELECT dims[1] AS criminality,
               CAST(max(value) FILTER (WHERE column_label = 'ICE') AS BIGINT) AS ice,
               CAST(max(value) FILTER (WHERE column_label = 'CBP') AS BIGINT) AS cbp,
               CAST(max(value) FILTER (WHERE column_label = 'Total') AS BIGINT) AS total,
               100 * max(value) FILTER (WHERE column_label = 'Percent CBP')
                   AS cbp_share_percent,
               max(data_through) AS data_through, max(file_name) AS workbook
        FROM newest GROUP BY dims[1]
        ORDER BY dims[1] <> 'Total', dims[1]
    """, {"table": "detained_by_criminality_agency", "through": None})


def empty_detained() -> pa.Table:
    """The detained-by-criminality table's columns with no rows (no workbook loaded)."""
    import pyarrow as pa

    return pa.table({"criminality": pa.array([], pa.string()), "ice": pa.array([], pa.int64()),
                     "cbp": pa.array([], pa.int64()), "total": pa.array([], pa.int64()),
                     "cbp_share_percent": pa.array([], pa.float64()),
                     "data_through": pa.array([], pa.date32()),
                     "workbook": pa.array([], pa.string())})


def table_keys(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The named workbook tables that hold monthly values (what ``revisions`` can show)."""
    rows = con.execute("SELECT DISTINCT table_key FROM wb_values WHERE month IS NOT NULL "
                       "ORDER BY 1").fetchall()
    return [str(r[0]) for r in rows]


def revisions(con: duckdb.DuckDBPyConnection, table: str = "book_ins_by_agency") -> pa.Table:
    """Each monthly value as every workbook of its fiscal year gave it, and the change from
    the first to the newest."""
    return arrow(con, """
        SELECT v.month, array_to_string(v.dims, ' / ') AS row_label, w.file_name AS workbook,
               w.data_through, v.value,
               v.value - first_value(v.value) OVER win AS change_from_first,
               count(*) OVER (PARTITION BY v.month, v.dims) AS workbooks
        FROM wb_values v JOIN workbooks w USING (workbook_id)
        WHERE v.table_key = $table AND v.month IS NOT NULL
        WINDOW win AS (PARTITION BY v.month, v.dims ORDER BY w.data_through, w.workbook_id)
        ORDER BY v.month, row_label, w.data_through
    """, {"table": table})


def workbooks(con: duckdb.DuckDBPyConnection) -> dict[str, pa.Table]:
    """Loaded workbooks, their named tables, tables kept as raw cells, total mismatches."""
    books = arrow(con, "SELECT workbook_id, file_name, fiscal_year, data_through, tables, "
                       "named_tables, values_stored FROM workbooks ORDER BY workbook_id")
    tables = arrow(con, "SELECT workbook_id, table_key, named, title, sheet, anchor, "
                        "values_stored, total_mismatches, note FROM wb_tables "
                        "ORDER BY workbook_id, sheet, anchor")
    return {"workbooks": books, "tables": tables}
