"""Monthly tables given again by every vintage (ICE's detention statistics, as workbooks
loaded one by one and as count tables holding every vintage): the newest figure of each
month, and how the vintages revised a month.

For each month the newest data answer: among the workbooks and the count tables' vintages
reporting the month, the one whose data run latest (a workbook's "data through" day, a
vintage's as-of day; ties: the count table, which is the later parse). A month that the
newest data cover only in part (they end inside it) is partial, its per-day figure over
the days covered.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import TYPE_CHECKING, Any

import duckdb

from icestats import detention
from icestats.numbers import round_half_up
from icestats.store import arrow

if TYPE_CHECKING:
    import pyarrow as pa

# a workbook table's key -> the count tables' kind and dimension holding the same figures
MIN_DAYS_PER_DAY = 7  # a partial month covering fewer days gives no figure a day
TABLES = {"book_ins_by_agency": ("book_ins", "arresting_agency")}

_VINTAGE_ROWS = """
    SELECT v.period_start AS month, v.dims[1] AS row_label, v.value,
           t.file_name || ' (vintage of ' || strftime(coalesce(cv.file_date, cv.as_of),
               '%Y-%m-%d') || ')' AS workbook,
           cv.as_of AS data_through, v.table_id, v.vintage
    FROM count_values v JOIN count_tables t USING (table_id)
    JOIN count_vintages cv ON cv.table_id = v.table_id AND cv.vintage = v.vintage
    WHERE v.kind = $kind AND t.dims = $dims AND v.value IS NOT NULL AND v.grain = 'month'"""


def has_vintages(con: duckdb.DuckDBPyConnection, table: str = "book_ins_by_agency") -> bool:
    if table not in TABLES:
        return False
    rows = con.execute("SELECT count(*) FROM (" + _VINTAGE_ROWS + ")", _params(table)
                       ).fetchall()
    return bool(rows[0][0])


def _params(table: str) -> dict[str, Any]:
    import json

    kind, dim = TABLES[table]
    return {"kind": kind, "dims": json.dumps([dim])}


def book_ins(con: duckdb.DuckDBPyConnection, vintage: date | None = None) -> pa.Table:
    """Monthly book-ins by arresting agency from the newest data reporting each month
    (workbooks and count-table vintages together), per day, CBP's share, and the source.
    ``vintage``: the figures as they stood on that day (data that end by it)."""
    import pyarrow as pa

    rows = _newest(con, vintage)
    out = []
    for m, r in sorted(rows.items()):
        days, partial = _days_covered(m, r["data_through"])
        total = r.get("Total")
        if total is None and (r.get("ICE") is not None or r.get("CBP") is not None):
            total = (r.get("ICE") or 0) + (r.get("CBP") or 0)
        out.append({
            "month": m, "ice": _int(r.get("ICE")), "cbp": _int(r.get("CBP")),
            "total": _int(total), "days": days, "partial": partial,
            "per_day": round_half_up(total / days, 1) if total is not None
            and days >= MIN_DAYS_PER_DAY else None,
            "cbp_share_percent": round_half_up(100 * r["CBP"] / total, 1)
            if r.get("CBP") is not None and total else None,
            "workbook": r["workbook"], "data_through": r["data_through"]})
    return pa.Table.from_pylist(out) if out else pa.table({"month": pa.array([], pa.date32())})


def _newest(con: duckdb.DuckDBPyConnection, vintage: date | None
            ) -> dict[date, dict[str, Any]]:
    """month -> {row label: value, 'workbook': source, 'data_through': day} of the newest
    data reporting it."""
    candidates: dict[date, list[tuple[date, int, str, dict[str, Any]]]] = {}
    books = detention.book_ins(con, vintage) if detention.has_workbooks(con) else None
    for r in books.to_pylist() if books is not None else []:
        cells = {"ICE": r["ice"], "CBP": r["cbp"], "Total": r["total"]}
        candidates.setdefault(r["month"], []).append((r["data_through"], 0, r["workbook"],
                                                      cells))
    rows = arrow(con, f"""
        WITH v AS (SELECT * FROM ({_VINTAGE_ROWS}) WHERE data_through <= coalesce($vintage,
                   DATE '9999-12-31')),
             newest AS (SELECT * FROM v QUALIFY dense_rank() OVER (
                 PARTITION BY month ORDER BY data_through DESC, table_id DESC,
                 vintage DESC) = 1)
        SELECT month, any_value(workbook) AS workbook, any_value(data_through) AS through,
               map_from_entries(list(struct_pack(k := row_label, v := value))) AS cells
        FROM newest GROUP BY month""", {**_params("book_ins_by_agency"), "vintage": vintage}
    ).to_pylist()
    for r in rows:
        cells = dict(r["cells"]) if not isinstance(r["cells"], dict) else r["cells"]
        candidates.setdefault(r["month"], []).append((r["through"], 1, r["workbook"], cells))
    out: dict[date, dict[str, Any]] = {}
    for month, options in candidates.items():
        through, _, source, cells = max(options, key=lambda o: (o[0], o[1]))
        out[month] = {**cells, "workbook": source, "data_through": through}
    return out


def _int(v: float | None) -> int | None:
    return None if v is None else int(round_half_up(v, 0))


def _days_covered(month: date, through: date) -> tuple[int, bool]:
    days = calendar.monthrange(month.year, month.month)[1]
    if through < date(month.year, month.month, days):
        return max((through - month).days + 1, 0), True
    return days, False


def revisions(con: duckdb.DuckDBPyConnection, table: str = "book_ins_by_agency",
              month: date | None = None) -> pa.Table:
    """Each monthly value (``month``'s only, when given) as every workbook and every
    count-table vintage gave it, oldest first; ``filling`` where the workbook was pulled
    before the month ended, and the change from the first workbook pulled after it."""
    import pyarrow as pa

    books = detention.revisions(con, table) if detention.has_workbooks(con) else None
    parts = []
    if books is not None and books.num_rows:
        parts.append(books.select(["month", "row_label", "workbook", "data_through", "value"]))
    if table in TABLES:
        parts.append(arrow(con, f"SELECT month, row_label, workbook, data_through, value "
                                f"FROM ({_VINTAGE_ROWS})", _params(table)))
    if not parts:
        return pa.table({"month": pa.array([], pa.date32())})
    con.register("revision_rows", pa.concat_tables(parts, promote_options="permissive"))
    try:
        # a workbook pulled before the month ended gave it while it was still filling
        # (June 2025: 9, 19,165, 35,202 book-ins, then 36,737 from the first pull after it):
        # revisions are measured from the first workbook pulled after the month's end
        return arrow(con, """
            SELECT *, CASE WHEN NOT filling THEN value - first_value(value) OVER win
                      END AS change_from_first,
                   count(*) OVER (PARTITION BY month, row_label) AS workbooks
            FROM (SELECT *, data_through <= last_day(month) AS filling FROM revision_rows
                  WHERE $month IS NULL OR month = $month)
            WINDOW win AS (PARTITION BY month, row_label ORDER BY filling, data_through,
                           workbook)
            ORDER BY month, row_label, data_through, workbook""", {"month": month})
    finally:
        con.unregister("revision_rows")
