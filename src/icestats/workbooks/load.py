"""Load an ICE detention statistics workbook: every table, tidy, all or nothing."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from icestats.errors import InputError
from icestats.store import fetch_one
from icestats.workbooks.blocks import Block, Grid, cell_ref, clean, find_blocks, is_number
from icestats.workbooks.tables import (
    Parsed,
    TableProblem,
    Value,
    fiscal_year,
    parse_block,
    table_key,
)
from icestats.xlsx import Workbook

SIGNATURE = re.compile(r"(?i)ice (detention (data|statistics)|initial book-?ins|alternatives to "
                       r"detention)")
THROUGH = re.compile(r"(?i)book-?ins data (?:is|are) updated through (\d{1,2}/\d{1,2}/\d{4})")
ANY_THROUGH = re.compile(r"(?i)updated through (\d{1,2}/\d{1,2}/\d{4})")
FACILITY_HEADER = {"Name", "City", "State", "AOR"}
FACILITY_DIMS = ("Name", "City", "State", "AOR", "Type Detailed")



@dataclass
class WorkbookResult:
    file: str
    sha256: str
    already_loaded: bool = False
    workbook_id: int | None = None
    fiscal_year: int | None = None
    data_through: date | None = None
    tables: int = 0
    named_tables: list[str] = field(default_factory=list)
    unknown_tables: list[str] = field(default_factory=list)
    values: int = 0
    total_mismatches: list[str] = field(default_factory=list)
    kind: str = "detention workbook"

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in d.items()}


def read_grids(path: Path) -> list[tuple[str, Grid]]:
    """Every sheet as a grid of text (the same guarded reader as arrest releases)."""
    book = Workbook(path)
    grids = []
    for i, name in enumerate(book.names):
        t = book.sheet(i)
        cols = [c.to_pylist() for c in t.columns]
        grids.append((name, [list(r) for r in zip(*cols, strict=True)] if cols else []))
    book.close()
    return grids


def is_detention_workbook(grids: list[tuple[str, Grid]]) -> bool:
    """Recognized by content: a sheet opening with ICE's detention-statistics banners."""
    for _, grid in grids:
        for row in grid[:12]:
            if any(isinstance(v, str) and SIGNATURE.search(v) for v in row):
                return True
    return False


def data_through(grids: list[tuple[str, Grid]]) -> date | None:
    found: list[str] = []
    for _, grid in grids:
        for row in grid:
            for v in row:
                if isinstance(v, str):
                    m = THROUGH.search(v)
                    if m:
                        return datetime.strptime(m.group(1), "%m/%d/%Y").date()
                    m = ANY_THROUGH.search(v)
                    if m:
                        found.append(m.group(1))
    if not found:
        return None
    return datetime.strptime(Counter(found).most_common(1)[0][0], "%m/%d/%Y").date()


def parse_workbook(path: Path, grids: list[tuple[str, Grid]]
                   ) -> tuple[list[Parsed], list[Any]]:
    """(parsed tables, raw cells of tables without a registered name)."""
    parsed: list[Parsed] = []
    raw: list[tuple[str, str, str, str]] = []
    for sheet, grid in grids:
        sheet_fy = fiscal_year(sheet)
        facilities = _facility_block(sheet, grid)
        blocks = [facilities] if facilities else find_blocks(sheet, grid)
        for block in blocks:
            try:
                p = _parse_facilities(grid, block, sheet_fy) if facilities else \
                    parse_block(grid, block, sheet_fy)
            except TableProblem as e:
                key, named = table_key(block.title)
                if named:
                    raise InputError(str(path), e.message, sheet=sheet, cell=e.cell) from None
                p = Parsed(key, False, block, None, [],  # kept as raw cells only
                           note=f"not parsed ({e.message[:120]} at {e.cell}); raw cells kept")
            parsed.append(p)
            if not p.named:
                raw.extend(_raw_cells(grid, block, p.key))
    return parsed, raw


def _raw_cells(grid: Grid, block: Block, key: str) -> list[tuple[str, str, str, str]]:
    rows = [block.title_row, block.header_row, *block.body_rows]
    return [(key, block.sheet, cell_ref(r, c), clean(grid[r][c])) for r in rows
            for c in range(block.first_col, block.last_col + 1)
            if c < len(grid[r]) and clean(grid[r][c])]


def _facility_block(sheet: str, grid: Grid) -> Block | None:
    for r, row in enumerate(grid[:30]):
        labels = {clean(v) for v in row}
        if FACILITY_HEADER <= labels:
            body = []
            for rr in range(r + 1, len(grid)):
                if not clean(grid[rr][0]):
                    break
                body.append(rr)
            cols = [c for c, v in enumerate(row) if clean(v)]
            return Block(sheet, "ICE Facilities", r, 0, max(cols), r, body, cols)
    return None


def _parse_facilities(grid: Grid, block: Block, sheet_fy: int | None) -> Parsed:
    """Facilities: name, city, state, AOR and type as dimensions; every numeric column
    (average length of stay, average daily population by level, criminality, threat)."""
    header = {c: clean(grid[block.header_row][c]) for c in block.columns}
    groups = grid[block.header_row - 1] if block.header_row else []
    group, labels = "", {}
    for c in block.columns:
        if c < len(groups) and clean(groups[c]):
            group = clean(groups[c])
        labels[c] = f"{group}: {header[c]}" if group and group.startswith(("FY", "EOFY")) \
            else header[c]
    dim_cols = [c for c in block.columns if header[c] in FACILITY_DIMS]
    p = Parsed("facilities", True, block, sheet_fy, [header[c] for c in dim_cols])
    numeric = [c for c in block.columns if c not in dim_cols and header[c] != "Zip" and
               all(is_number(grid[r][c]) or not clean(grid[r][c]) for r in block.body_rows)]
    for r in block.body_rows:
        dims = tuple(clean(grid[r][c]) for c in dim_cols)
        for c in numeric:
            text = clean(grid[r][c])
            if text:
                p.values.append(Value(dims, labels[c], None, float(text), cell_ref(r, c)))
    return p


def ingest_workbook(con: duckdb.DuckDBPyConnection, path: Path, sha: str,
                    grids: list[tuple[str, Grid]]) -> WorkbookResult:
    result = WorkbookResult(file=path.name, sha256=sha)
    if fetch_one(con, "SELECT 1 FROM workbooks WHERE file_sha256 = ?", [sha]):
        result.already_loaded = True
        return result
    parsed, raw = parse_workbook(path, grids)
    result.data_through = data_through(grids)
    fys = Counter(p.fiscal_year for p in parsed if p.fiscal_year)
    result.fiscal_year = fys.most_common(1)[0][0] if fys else None
    if result.data_through is None:
        raise InputError(str(path), "no 'updated through' date in the footnotes; cannot tell "
                                    "which months are complete")
    con.execute("BEGIN TRANSACTION")
    try:
        _store(con, result, parsed, raw)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return result


def _store(con: duckdb.DuckDBPyConnection, result: WorkbookResult, parsed: list[Parsed],
           raw: list[Any]) -> None:
    import pyarrow as pa

    row = fetch_one(con, "SELECT coalesce(max(workbook_id), 0) + 1 FROM workbooks")
    assert row is not None
    wid = int(row[0])
    result.workbook_id = wid
    rows: list[tuple[object, ...]] = []
    for p in parsed:
        through = result.data_through
        kept = [v for v in p.values if v.month is None or (through and v.month <= through)]
        rows.extend((p.key, p.block.sheet, list(v.dims), v.column, v.month, v.value, v.cell)
                    for v in kept)
        con.execute("INSERT INTO wb_tables VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [wid, p.key, p.named, p.block.title, p.block.sheet, p.block.anchor,
                     p.fiscal_year, json.dumps(p.label_columns), len(kept),
                     json.dumps(p.mismatches), p.note])
        (result.named_tables if p.named else result.unknown_tables).append(p.key)
        result.total_mismatches.extend(f"{p.block.sheet}!{m} ({p.block.title})"
                                       for m in p.mismatches)
    if rows:
        cols = list(zip(*rows, strict=True))
        table = pa.table({"table_key": cols[0], "sheet": cols[1],
                          "dims": pa.array(cols[2], pa.list_(pa.string())),
                          "column_label": cols[3], "month": pa.array(cols[4], pa.date32()),
                          "value": cols[5], "cell": cols[6]})
        con.register("wb_new", table)
        con.execute("INSERT INTO wb_values SELECT ?, * FROM wb_new", [wid])
        con.unregister("wb_new")
    if raw:
        cols = list(zip(*raw, strict=True))
        con.register("wb_raw_new", pa.table({"table_key": cols[0], "sheet": cols[1],
                                             "cell": cols[2], "text": cols[3]}))
        con.execute("INSERT INTO wb_raw SELECT ?, * FROM wb_raw_new", [wid])
        con.unregister("wb_raw_new")
    result.tables, result.values = len(parsed), len(rows)
    con.execute("INSERT INTO workbooks VALUES (?, ?, ?, ?, ?, now(), ?, ?, ?)",
                [wid, result.file, result.sha256, result.fiscal_year, result.data_through,
                 result.tables, len(result.named_tables), result.values])
