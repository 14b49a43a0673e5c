"""Find the table blocks on a sheet of ICE's detention statistics workbook.

A sheet holds many tables side by side and one under another. A table is a title line,
a header row directly below it, and body rows down to the first blank row. Tables side by
side share their title row, so a table reaches right until the next title on that row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Grid = list[list[str | None]]
NUMBER = re.compile(r"^\s*-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")


def is_number(value: str | None) -> bool:
    return value is not None and NUMBER.match(value) is not None


def clean(value: str | None) -> str:
    """Labels as people read them: trailing spaces ('ICE   ') and runs of spaces removed."""
    return re.sub(r"\s+", " ", (value or "").replace("\xa0", " ")).strip()


def cell_ref(row: int, col: int) -> str:
    """Excel address of a 0-based cell: (18, 9) -> 'J19'."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


@dataclass
class Block:
    sheet: str
    title: str
    title_row: int
    first_col: int
    last_col: int  # inclusive
    header_row: int
    body_rows: list[int] = field(default_factory=list)
    columns: list[int] = field(default_factory=list)  # non-empty columns of the span

    @property
    def anchor(self) -> str:
        return cell_ref(self.title_row, self.first_col)


def _empty(grid: Grid, r: int, c0: int = 0, c1: int | None = None) -> bool:
    row = grid[r] if 0 <= r < len(grid) else []
    return all(not clean(v) for v in row[c0:(c1 + 1) if c1 is not None else None])


def _cells(grid: Grid, r: int) -> list[int]:
    return [c for c, v in enumerate(grid[r]) if clean(v)] if 0 <= r < len(grid) else []


def _is_title_row(grid: Grid, r: int) -> bool:
    """Text only, with a header (two or more cells) starting right below one of its cells."""
    cols = _cells(grid, r)
    if not cols or any(is_number(grid[r][c]) for c in cols):
        return False
    below = _cells(grid, r + 1)
    if sum(1 for c in below if is_number(grid[r + 1][c])) * 2 > len(below):
        return False  # the row below holds numbers: a body row, not a header
    return any(c in below and sum(1 for b in below if b >= c) >= 2 for c in cols)


def find_blocks(sheet: str, grid: Grid) -> list[Block]:
    """Every titled table on the sheet, in reading order."""
    blocks: list[Block] = []
    width = max((len(r) for r in grid), default=0)
    used: set[tuple[int, int]] = set()  # (row, column) already inside a table
    for r in range(len(grid) - 1):
        if not _is_title_row(grid, r) or any((r, c) in used for c in _cells(grid, r)):
            continue
        starts = _cells(grid, r)
        for i, c0 in enumerate(starts):
            c1 = starts[i + 1] - 1 if i + 1 < len(starts) else width - 1
            header = [c for c in _cells(grid, r + 1) if c0 <= c <= c1]
            if len(header) < 2 or header[0] != c0:
                continue  # a note or banner line, not a table
            block = Block(sheet, clean(grid[r][c0]), r, c0, c1, r + 1)
            rr = r + 2
            while rr < len(grid) and not _empty(grid, rr, c0, c1) and \
                    not (_is_title_row(grid, rr) and clean(grid[rr][c0])):
                block.body_rows.append(rr)
                rr += 1
            filled = {c for row in [r + 1, *block.body_rows] for c in _cells(grid, row)}
            block.columns = [c for c in range(c0, c1 + 1) if c in filled]
            block.last_col = max(block.columns)
            used.update((row, c) for row in [r, r + 1, *block.body_rows]
                        for c in range(c0, block.last_col + 1))
            blocks.append(block)
    return blocks
