"""The normalization plan: the one-cell columns (text, secondary dates, birth year, the
reprocessed flag) normalized once per distinct value, then each output read from a row
the cheapest exact way (the source column itself, a membership test, or a join)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from icestats import reference, store
from icestats.ingest import normalize as n
from icestats.ingest.events import cell_columns, event_value_columns, office_join
from icestats.ingest.layout import ARRESTS, Layout
from icestats.ingest.sources import Source
from icestats.schema import EVENT_TEXT, SECONDARY_DATES, TEXT_FIELDS

Col = Callable[[str], str]  # canonical field -> SQL for its source value


def register_aliases(con: duckdb.DuckDBPyConnection) -> None:
    aliases = reference.aor_aliases()
    con.execute("CREATE OR REPLACE TEMP TABLE aor_alias AS "
                "SELECT unnest($key) AS key, unnest($code) AS code",
                {"key": list(aliases), "code": list(aliases.values())})


def col(source: Source, name: str, alias: str = "") -> str:
    return alias + name if name in source.layout.fields else "CAST(NULL AS VARCHAR)"


def birth_field(source: Source) -> str:
    """The source field birth years come from: Birth Year, else the year of Birth Date."""
    cols = source.layout.columns
    return "birth_date" if "birth_year" not in cols and "birth_date" in cols else "birth_year"


def value_columns(c: Col, birth: str = "birth_year") -> list[tuple[str, str, str]]:
    """(output column, source field, SQL over that field) for the columns whose value
    depends on one source cell alone: the office, text fields, secondary dates, birth
    year, the state of the duty site, and whether the method marks a reprocessed record."""
    out = cell_columns(c, "aor", birth, TEXT_FIELDS, CRIMINALITY_FIELDS, SECONDARY_DATES)
    return out + [("state_from_site", "duty_site", n.state_from_site_sql(c("duty_site"))),
                  ("reprocessed", "method",
                   f"coalesce(trim({c('method')}) ILIKE 'ERO Reprocessed Arrest', false)")]


CRIMINALITY_FIELDS = frozenset({"criminality", "case_criminality"})
TEXT_OUTPUTS = frozenset({"aor", *TEXT_FIELDS, *EVENT_TEXT})  # same type as the source
FLAG_OUTPUTS = frozenset({"reprocessed"})  # true or false, never NULL


@dataclass
class Plan:
    """How each one-cell output column is read from a source row ``s``. A file read in
    chunks keeps one plan, each chunk adding only the values it brings that are new."""

    relation: str
    layout: Layout | None = None  # the layout it was made for (csv chunks share one)
    exprs: dict[str, str] = field(default_factory=dict)
    joins: dict[str, str] = field(default_factory=dict)  # source field -> its join
    tables: list[str] = field(default_factory=list)
    seen: dict[str, frozenset[str | None]] = field(default_factory=dict)  # field -> values


def drop(con: duckdb.DuckDBPyConnection, plan: Plan) -> None:
    for table in plan.tables:
        con.execute(f"DROP TABLE IF EXISTS {table}")


def make_plan(con: duckdb.DuckDBPyConnection, source: Source, plan: Plan | None = None
              ) -> Plan:
    """Normalize the one-cell columns once per distinct value (they hold few), then choose
    per output column the cheapest exact way to fill it from a row: the source column
    itself when normalization changes none of its values (the common case), a membership
    test for a flag, else a join to the normalized distinct values (a hash probe: cheaper
    per row than any CASE). The rules are the SQL of ``value_columns``, applied to the
    distinct values: read from the source, or, for chunks that arrive with their values
    (``Source.values``), the values so far, redone only for columns with new ones."""
    plan = plan or Plan(source.relation, source.layout)
    by_field: dict[str, list[tuple[str, str]]] = {}
    columns, joins = planned_columns(source)
    for name, fld, expr in columns:
        if fld in source.layout.fields:
            by_field.setdefault(fld, []).append((name, expr))
    for fld, outputs in by_field.items():
        _plan_field(con, source, plan, fld, outputs, joins.get(fld, ""))
    return plan


def office_field(layout: Layout) -> str:
    """The source field an event's office is read from."""
    return "facility_code" if layout.office_from == "facility code" else "aor"


def planned_columns(source: Source) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """The one-cell output columns of the source's kind (over a column ``v``), and per
    source field the join its distinct values need (the office's spellings or facility)."""
    layout = source.layout
    if layout.kind == ARRESTS:
        spellings = f"LEFT JOIN aor_alias a ON a.key = {reference.aor_key_sql('v')}"
        return value_columns(lambda f: "v", birth_field(source)), {"aor": spellings}
    office = office_field(layout)
    return (event_value_columns(lambda f: "v", birth_field(source), office),
            {office: office_join(layout.office_from)})


def _plan_field(con: duckdb.DuckDBPyConnection, source: Source, plan: Plan, fld: str,
                outputs: list[tuple[str, str]], spellings: str) -> None:
    table = f"values_{fld}"
    params = None
    values = source.values.get(fld) if source.values is not None else None
    if values is None:
        distinct = f"SELECT DISTINCT {fld} AS v FROM {source.relation}"
    else:
        known = plan.seen.get(fld)
        if known is not None and values <= known:
            return  # nothing new: the plan holds for this column
        plan.seen[fld] = values | (known or frozenset())
        distinct = "SELECT unnest(CAST($v AS VARCHAR[])) AS v"
        params = {"v": list(plan.seen[fld])}
    exprs = ", ".join(f"{expr} AS {name}" for name, expr in outputs)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT v, {exprs} FROM "
                f"({distinct}) {spellings}", params)
    if table not in plan.tables:
        plan.tables.append(table)
    _choose(con, plan, fld, table, outputs)


def _choose(con: duckdb.DuckDBPyConnection, plan: Plan, fld: str, table: str,
            outputs: list[tuple[str, str]]) -> None:
    # per output: does it hold any value (a flag: any true); is it the source value itself
    # (text only)
    checks = ", ".join(
        (f"coalesce(bool_or({name}), false), " if name in FLAG_OUTPUTS
         else f"count({name}) > 0, ")
        + (f"bool_and({name} IS NOT DISTINCT FROM v)" if name in TEXT_OUTPUTS else "false")
        for name, _expr in outputs)
    row = store.fetch_one(con, f"SELECT {checks} FROM {table}")
    assert row is not None
    plan.joins.pop(fld, None)
    for k, (name, _expr) in enumerate(outputs):
        any_value, same = row[2 * k], row[2 * k + 1]
        if name in FLAG_OUTPUTS:  # a membership test: cheaper per row than a join
            plan.exprs[name] = (f"coalesce(s.{fld} IN (SELECT v FROM {table} "
                                f"WHERE {name}), false)" if any_value else "false")
        elif not any_value:
            plan.exprs[name] = "NULL"
        elif same:
            plan.exprs[name] = f"s.{fld}"
        else:
            plan.exprs[name] = f"d_{fld}.{name}"
            plan.joins[fld] = (f"LEFT JOIN {table} d_{fld} ON s.{fld} IS NOT DISTINCT FROM "
                               f"d_{fld}.v")
