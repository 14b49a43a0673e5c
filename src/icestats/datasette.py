"""``icestats export datasette DIR``: the read-only views (``views.py``; personal
attributes from the protected grid) as an SQLite file, and a Datasette ``metadata.json``
giving every table its title, description, columns, source, license and whether its
numbers are REAL or GENERATED.

``datasette DIR/icestats.db -m DIR/metadata.json`` then browses, facets and queries them.
Both files are written to temporary names and renamed when complete.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icestats.errors import OutputError
from icestats.exports import atomic_output

if TYPE_CHECKING:
    import pyarrow as pa

    from icestats.answers import Source as SourceT
    from icestats.client import Icestats

DB_NAME = "icestats"
RELEASE_LICENSE = "U.S. government records released under FOIA (public domain)"
WORKBOOK_LICENSE = "U.S. government work (public domain): ICE detention statistics"
FACETS = {"arrests_daily": ["aor", "incomplete"],
          "events_daily": ["kind", "aor", "incomplete"],
          "events_monthly_personal": ["kind", "dimension", "aor"],
          "arrests_daily_by_category": ["dimension", "aor"],
          "arrests_monthly_personal": ["dimension", "aor"],
          "workbook_values": ["workbook", "table_key"]}


def write(ice: Icestats, out: Path) -> tuple[Path, Path, dict[str, int]]:
    """Write ``out`` (a ``.db`` file) and ``NAME.metadata.json`` beside it, or, when ``out``
    is a folder, ``icestats.db`` and ``metadata.json`` into it."""
    from icestats import views

    tables = views.build(ice)
    source, kinds = ice.status().source, views.kinds_source(ice)
    if out.suffix == ".db":
        path, meta = out, out.with_name(f"{out.stem}.metadata.json")
    else:
        path, meta = out / f"{DB_NAME}.db", out / "metadata.json"
    with atomic_output(path) as tmp:
        _sqlite(tables, tmp)
    with atomic_output(meta) as tmp:
        tmp.write_text(json.dumps(metadata(source, tables, path.stem, kinds), indent=2,
                                  ensure_ascii=False),
                       encoding="utf-8")
    return path, meta, {n: t.num_rows for n, t in tables.items()}


def _real(source: SourceT) -> str:
    return "GENERATED" if source.synthetic else "REAL" if source.synthetic is False \
        else "real or generated: unknown"


def metadata(source: SourceT, tables: dict[str, pa.Table], database: str = DB_NAME,
             kinds: SourceT | None = None) -> dict[str, Any]:
    """Datasette metadata: per table title, description, columns, source and license
    (``kinds``: the releases of every event kind, which the views of every kind count)."""
    from icestats.answers import Source
    from icestats.views import VIEWS

    arrests = Source(source.releases)  # the releases alone: what the arrest views count
    events = Source(kinds.releases, records=kinds.records) if kinds else arrests
    kind = _real(arrests)
    workbooks = ", ".join(source.workbooks) or "none loaded"
    out: dict[str, Any] = {}
    for name in tables:
        v = VIEWS[name]
        counted = events if v.kinds else arrests
        numbers = (f"REAL: ICE detention statistics from {workbooks}" if v.workbooks
                   else f"{_real(counted)}: {counted.text}")
        out[name] = {"title": v.title, "description": f"{v.description} Numbers: {numbers}.",
                     "source": "ICE detention statistics workbooks" if v.workbooks else
                     f"ICE {'enforcement' if v.kinds else 'arrest'} releases (FOIA) "
                     "counted by icestats",
                     "license": WORKBOOK_LICENSE if v.workbooks else RELEASE_LICENSE,
                     "columns": v.described_columns(),
                     "data": "REAL" if v.workbooks else _real(counted),
                     **({"facets": FACETS[name]} if name in FACETS else {})}
    return {"title": "icestats: ICE enforcement and detention, counted aggregates",
            "description": f"Counted aggregates only (no record, no identifier; personal "
                           f"attributes by month and office from the protected grid, "
                           f"rounded). Arrests are one per 24-hour episode of one "
                           f"identifier, each day from the release that owns it; the "
                           f"events views count every kind by its own rule (encounters, "
                           f"detainers and removals one per identifier and day, book-ins "
                           f"one per stay); `records` columns count raw rows. "
                           f"Arrest numbers are {kind}: {arrests.text}; events numbers are "
                           f"{_real(events)}: {events.text}; detention numbers "
                           f"are REAL: ICE detention statistics from {workbooks}.",
            "source": "icestats (ICE ERO enforcement releases under FOIA; ICE detention "
                      "statistics)",
            "license": RELEASE_LICENSE,
            "databases": {database: {"tables": out}}}  # (Datasette: named by its file)


def _sqlite(tables: dict[str, pa.Table], path: Path) -> None:
    import sqlite3

    con = sqlite3.connect(path)
    try:
        for name, table in tables.items():
            t = _plain_types(table)
            cols = ", ".join(f'"{c}" {_affinity(t.schema.field(c).type)}'
                             for c in t.column_names)
            con.execute(f'CREATE TABLE "{name}" ({cols})')
            marks = ", ".join("?" * t.num_columns)
            for batch in t.to_batches(50_000):
                con.executemany(f'INSERT INTO "{name}" VALUES ({marks})',
                                zip(*(c.to_pylist() for c in batch.columns), strict=True))
        con.commit()
    except sqlite3.OperationalError as exc:  # "database or disk is full": one line
        raise OutputError(f"cannot write {path.name.split('.partial-')[0].lstrip('.')} "
                          f"({exc}); nothing was written") from None
    finally:
        con.close()
        Path(f"{path}-journal").unlink(missing_ok=True)  # (SQLite's, of the partial file)


def _plain_types(table: pa.Table) -> pa.Table:
    """Dates and times as ISO text, booleans as 0/1: what SQLite stores."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for i, f in enumerate(table.schema):
        if pa.types.is_date(f.type) or pa.types.is_timestamp(f.type):
            col = pc.cast(table[f.name], pa.string())
        elif pa.types.is_boolean(f.type):
            col = pc.cast(table[f.name], pa.int8())
        elif pa.types.is_null(f.type):
            col = pc.cast(table[f.name], pa.string())
        else:
            continue
        table = table.set_column(i, f.name, col)
    return table


def _affinity(t: pa.DataType) -> str:
    import pyarrow as pa

    if pa.types.is_integer(t):
        return "INTEGER"
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "REAL"
    return "TEXT"
