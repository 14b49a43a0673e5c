"""A count table's rows -> tidy values (kind, period, area, dimensions, vintage, value), in
SQL over the registered text relation; column names from the file are bound as
parameters, never formatted into the SQL.

Rules:
- ``NA``, ``NaN``, ``null`` and empty cells are *not reported* (stored as NULL, never 0)
  unless the table is declared to mean 0 by them (``--na-zero``); a national weekly or
  monthly count of 0 is a gap in the data, not a count (DDP's weekly tables list their gaps
  as 0).
- A run of dates set apart from the rest of the table by more than 28 days (or four
  periods) and holding under 1% of its counts is rejected: a date that cannot be right
  (the stray 2026-09-17 row of the five-state daily table).
- A value that is not a whole, non-negative number, a date that does not parse, weeks that
  do not all start on the same weekday, or the same period, area and dimensions given twice
  refuse the file (one line naming row and column).
"""

from __future__ import annotations

from typing import Any

import duckdb

from icestats import reference
from icestats.counts.forms import Form
from icestats.counts.read import RELATION
from icestats.errors import InputError

RAW = "count_raw"  # the values before parsing: one row per source row and value column
TIDY = "count_tidy"
_NA = "('', 'NA', 'N/A', 'NAN', 'NULL', 'NONE', '-', '--')"
_DATE = ("coalesce(try_strptime(t, '%Y-%m-%d'), try_strptime(t, '%Y-%m-%d %H:%M:%S'), "
         "try_strptime(t, '%m/%d/%Y'), try_strptime(t, '%Y/%m/%d'))")
STRAY_PERIODS = 4
STRAY_DAYS = 28
STRAY_SHARE = 0.01


def _column_sql(form: Form, i: int, column: str, params: dict[str, Any]) -> str:
    """SELECT the values of one value column (long, or one area or dimension value)."""
    cols = list(form.roles)
    ref = {r: f"c{cols.index(c)}" for c, r in form.roles.items() if r in (
        "time", "geo", "dim", "vintage", "vintage_file", "vintage_pull", "fy_label")}
    p = f"col{i}"
    params[p] = column
    role = form.roles[column]
    geo = ref.get("geo", "NULL") if role != "value_area" else f"${p}"
    if form.area:
        params["area"] = form.area
        geo = "$area"
    dims = f"[{ref['dim']}]" if "dim" in ref else (f"[${p}]" if role == "value_dim" else "[]")
    vint = ", ".join(f"{ref.get(k, 'NULL')} AS {k}" for k in
                     ("vintage", "vintage_file", "vintage_pull", "fy_label"))
    return (f"SELECT __row, {ref.get('time', 'NULL')} AS t, {geo} AS g, "
            f"CAST({dims} AS VARCHAR[]) AS dims, c{cols.index(column)} AS v, ${p} AS col, "
            f"{vint} FROM {RELATION}")


def build_raw(con: duckdb.DuckDBPyConnection, form: Form) -> None:
    """One row per source row and value column, as text."""
    params: dict[str, Any] = {}
    values = [c for c, r in form.roles.items() if r in ("value", "value_area", "value_dim")]
    sql = " UNION ALL ".join(_column_sql(form, i, c, params) for i, c in enumerate(values))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {RAW} AS {sql}", params)


def _period_sql(form: Form) -> tuple[str, str]:
    """(start, end) expressions over the time text ``t``."""
    g = form.grain
    if g == "period":
        return "CAST($start AS DATE)", "CAST($end AS DATE)"
    if g in ("day", "week"):
        start = f"CAST({_DATE} AS DATE)"
        return start, start if g == "day" else f"CAST({start} + INTERVAL 6 DAY AS DATE)"
    if g == "month":
        start = (f"CAST(coalesce(try_strptime(t || '-01', '%Y-%m-%d'), "
                 f"CASE WHEN day({_DATE}) = 1 THEN {_DATE} END) AS DATE)")
        return start, f"last_day({start})"
    year = "TRY_CAST(regexp_extract(t, '^\\s*(?:FY)?\\s*(\\d{4})\\s*$', 1) AS INTEGER)"
    return f"make_date({year} - 1, 10, 1)", f"make_date({year}, 9, 30)"


def _areas(con: duckdb.DuckDBPyConnection, form: Form) -> str:
    """Register the spellings of every area of the table's geography; the key SQL."""
    import pyarrow as pa

    if form.geo == "state":
        table, key = reference.state_aliases(), \
            "upper(trim(regexp_replace(replace(g, '.', ''), '\\s+', ' ', 'g')))"
    else:
        table, key = reference.aor_aliases(), reference.aor_key_sql("g")
    con.register("count_area_names", pa.table({"k": list(table), "code": list(table.values())}))
    return key


def parse(con: duckdb.DuckDBPyConnection, form: Form, file: str) -> None:
    """``RAW`` -> ``TIDY``: periods, area codes, numbers; refuse what cannot be read."""
    start, end = _period_sql(form)
    params = {"start": form.start, "end": form.end} if form.grain == "period" else {}
    key = _areas(con, form) if form.geo != "national" else "NULL"
    zero = "v_num = 0" if form.zero_is_gap else "false"
    na = "0" if form.na_zero else "NULL"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {TIDY} AS
        SELECT *, CASE WHEN {zero} THEN NULL ELSE v_num END AS value,
               CASE WHEN v_na AND NOT {str(form.na_zero).lower()} THEN 'not reported (NA)'
                    WHEN {zero} THEN 'not reported (a national count of 0 is a gap)'
                    END AS missing
        FROM (SELECT r.*, {start} AS period_start, {end} AS period_end,
                     {'a.code' if key != 'NULL' else "'US'"} AS geo,
                     upper(trim(coalesce(v, ''))) IN {_NA} AS v_na,
                     CASE WHEN upper(trim(coalesce(v, ''))) IN {_NA} THEN {na}
                          ELSE TRY_CAST(trim(v) AS DOUBLE) END AS v_num
              FROM {RAW} r
              {f'LEFT JOIN count_area_names a ON a.k = {key}' if key != 'NULL' else ''})
    """, params)
    _refuse_unreadable(con, form, file)


def _fail(con: duckdb.DuckDBPyConnection, where: str, file: str, message: str) -> None:
    row = con.execute(f"SELECT __row, col, t, v FROM {TIDY} WHERE {where} "
                      f"ORDER BY __row LIMIT 1").fetchall()
    if row:
        r, col, t, v = row[0]
        raise InputError(file, message.format(t=t, v=v), row=r, column=col)


def _refuse_unreadable(con: duckdb.DuckDBPyConnection, form: Form, file: str) -> None:
    if form.grain != "period":
        what = {"day": "a date (YYYY-MM-DD or M/D/YYYY)", "week": "a week's first day",
                "month": "a month (YYYY-MM, or its first day)",
                "fy": "a fiscal year (2025 or FY2025)"}[form.grain]
        _fail(con, "t IS NOT NULL AND trim(t) <> '' AND period_start IS NULL", file,
              f"'{{t}}' is not {what}")
    _fail(con, "NOT v_na AND v_num IS NULL", file, "'{v}' is not a count (expected a whole "
                                                   "number, or NA for not reported)")
    _fail(con, "v_num < 0 OR v_num <> floor(v_num)", file,
          "'{v}' is not a count (a whole number, 0 or more): a table of means, rates or "
          "shares is not a count table")
    if form.grain == "week":
        _fail(con, f"period_start IS NOT NULL AND dayofweek(period_start) <> (SELECT "
                   f"mode(dayofweek(period_start)) FROM {TIDY})", file,
              "week '{t}' starts on another weekday than the table's other weeks")


def rejects(con: duckdb.DuckDBPyConnection, form: Form) -> list[tuple[int, str, str, str]]:
    """(row, column, reason, raw value) of the rows not loaded: no date, an area not
    recognized, a date set apart from the rest; removed from ``TIDY``."""
    out = [(r, c, "no date in the row", v) for r, c, v in con.execute(
        f"SELECT __row, col, v FROM {TIDY} WHERE period_start IS NULL AND v_num IS NOT NULL "
        f"ORDER BY __row").fetchall()] if form.grain != "period" else []
    out += [(r, c, f"{form.geo} '{g}' not recognized", v) for r, c, g, v in con.execute(
        f"SELECT __row, col, g, v FROM {TIDY} WHERE geo IS NULL ORDER BY __row").fetchall()]
    out += _stray(con, form)
    con.execute(f"DELETE FROM {TIDY} WHERE period_start IS NULL OR geo IS NULL")
    return out


def _stray(con: duckdb.DuckDBPyConnection, form: Form) -> list[tuple[int, str, str, str]]:
    """Rows in a run of dates set apart from the table's main run, holding under 1%."""
    if form.grain in ("period", "fy") or form.vintage:
        return []
    days = {"day": 1, "week": 7, "month": 31}[form.grain]
    gap = max(STRAY_DAYS, STRAY_PERIODS * days)
    runs = con.execute(f"""
        WITH d AS (SELECT period_start AS p, sum(coalesce(value, 0)) AS n FROM {TIDY}
                   GROUP BY 1),
             l AS (SELECT *, p - lag(p) OVER (ORDER BY p) > {gap} AS jump FROM d),
             g AS (SELECT *, sum(CASE WHEN jump THEN 1 ELSE 0 END) OVER (ORDER BY p) AS run
                   FROM l)
        SELECT run, min(p), max(p), sum(n), (SELECT sum(n) FROM d) FROM g GROUP BY run
        ORDER BY sum(n) DESC""").fetchall()
    if len(runs) < 2:
        return []
    _, first, last, _, total = runs[0]
    out: list[tuple[int, str, str, str]] = []
    for _run, lo, hi, n, _ in runs[1:]:
        if n < STRAY_SHARE * total:
            apart = (lo - last).days if lo > last else (first - hi).days
            side = "after" if lo > last else "before"
            reason = (f"dated {apart} days {side} the rest of the table ({first} to {last}), "
                      f"holding {int(n):,} of its {int(total):,} counts: a date that cannot "
                      "be right")
            rows = con.execute(f"SELECT __row, col, t FROM {TIDY} WHERE period_start BETWEEN "
                               "? AND ? ORDER BY __row, col", [lo, hi]).fetchall()
            out += [(r, c, reason, t) for r, c, t in rows]
            con.execute(f"DELETE FROM {TIDY} WHERE period_start BETWEEN ? AND ?", [lo, hi])
    return out


def refuse_duplicates(con: duckdb.DuckDBPyConnection, file: str, vintage: str) -> None:
    row = con.execute(f"""
        SELECT min(__row), max(__row), any_value(col), count(*) FROM {TIDY}
        GROUP BY period_start, geo, dims, {vintage} HAVING count(*) > 1
        ORDER BY 1 LIMIT 1""").fetchall()
    if row:
        a, b, col, _ = row[0]
        raise InputError(file, f"the same period, area and category as row {a}: a table of "
                               "counts gives each once", row=b, column=col)


INCOMPLETE_SHARE = 0.6  # the newest period below this share of the median of the 8 before


def caveats(con: duckdb.DuckDBPyConnection, form: Form) -> None:
    """Caveats on values: weeks that stack releases (a known table's own note), and the
    newest week or month of a series when it holds under 60% of the median of the eight
    before it (a partial period or reporting lag)."""
    from icestats.counts.forms import DDP_STACKED

    con.execute(f"ALTER TABLE {TIDY} ADD COLUMN caveat VARCHAR")
    if form.stacked_until:
        con.execute(f"UPDATE {TIDY} SET caveat = ? WHERE period_start < ?",
                    [DDP_STACKED, form.stacked_until])
    if form.grain not in ("week", "month") or form.vintage:
        return
    con.execute(f"""
        UPDATE {TIDY} SET caveat = printf('incomplete: the newest {form.grain} holds %d '
            || 'against a median of %d in the 8 before (a partial {form.grain} or reporting '
            || 'lag)', CAST(s.value AS BIGINT), CAST(s.med AS BIGINT))
        FROM (SELECT __row, col, value, k, median(value) OVER (
                  PARTITION BY geo, dims ORDER BY period_start
                  ROWS BETWEEN 8 PRECEDING AND 1 PRECEDING) AS med
              FROM (SELECT *, row_number() OVER (PARTITION BY geo, dims
                                                 ORDER BY period_start DESC) AS k
                    FROM {TIDY} WHERE value IS NOT NULL)) s
        WHERE s.k = 1 AND s.value < {INCOMPLETE_SHARE} * s.med
          AND {TIDY}.__row = s.__row AND {TIDY}.col = s.col""")
