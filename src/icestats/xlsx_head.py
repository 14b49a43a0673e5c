"""The first rows of a worksheet, read by streaming its XML and stopping there.

fastexcel (calamine) parses a whole sheet even when asked for ten rows (``n_rows`` does not
shorten it: measured, 3.5 s for 60 rows of a 440,000-row sheet against 4.7 s for all of
it), so the header cannot be found before the sheet is parsed. Reading the first rows here
(the standard library's incremental XML parser over the zip member, the shared strings
read only as far as the head needs) lets the one full parse keep only the columns the
layout maps (``use_columns``): less to convert to Arrow and to hold. Hand-written because
no reader stops early; the rows are laid out as calamine lays out its range (from the
first row and column holding a value), and the loader checks the parsed header against
them before trusting the selection.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree.ElementTree import iterparse

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REF = re.compile(r"([A-Z]+)([0-9]+)")


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _number(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def _text(el: object) -> str:
    return "".join(t.text or "" for t in el.iter(f"{_NS}t"))  # type: ignore[attr-defined]


def _cells(z: zipfile.ZipFile, member: str, n: int) -> tuple[dict[tuple[int, int], object],
                                                          set[int]]:
    """(row, column) -> value of the valued cells in the first ``n`` rows that hold any
    (an int: a shared string's index, to look up), and the shared indexes needed."""
    cells: dict[tuple[int, int], object] = {}
    shared: set[int] = set()
    rows_seen: set[int] = set()
    with z.open(member) as fh:
        for _event, el in iterparse(fh, events=("end",)):
            if el.tag == f"{_NS}row":
                el.clear()
                if len(rows_seen) >= n:
                    break
                continue
            if el.tag != f"{_NS}c":
                continue
            m = _REF.fullmatch(el.get("r", ""))
            kind = el.get("t", "n")
            v = el.find(f"{_NS}v")
            value: object = _text(el) if kind == "inlineStr" else (v.text if v is not None
                                                                   else None)
            if value in (None, "") or m is None:
                continue
            if kind == "s":
                value = int(str(value))
                shared.add(value)
            elif kind in ("n", "b", "e"):  # not text: a number (a date is one too)
                value = _number(str(value))
            cells[(int(m.group(2)), _column(m.group(1)))] = value
            rows_seen.add(int(m.group(2)))
    return cells, shared


def _shared(z: zipfile.ZipFile, wanted: set[int]) -> dict[int, str]:
    """The shared strings of the indexes wanted (read no further than the largest)."""
    out: dict[int, str] = {}
    if not wanted or "xl/sharedStrings.xml" not in z.namelist():
        return out
    last = max(wanted)
    k = 0
    with z.open("xl/sharedStrings.xml") as fh:
        for _event, el in iterparse(fh, events=("end",)):
            if el.tag == f"{_NS}si":
                if k in wanted:
                    out[k] = _text(el)
                el.clear()
                k += 1
                if k > last:
                    break
    return out


def head_rows(path: Path, member: str, n: int) -> list[tuple[object, ...]]:
    """The first ``n`` rows of the worksheet ``member`` of the workbook, as calamine's
    range has them (rows and columns from the first holding a value): text, a number
    (float: numbers and dates are not text in the XML) or None."""
    return head_grid(path, member, n)[0]


def head_grid(path: Path, member: str, n: int) -> tuple[list[tuple[object, ...]], int]:
    """(``head_rows``, the index of their first column: 0 for column A)."""
    with zipfile.ZipFile(path) as z:
        cells, wanted = _cells(z, member, n)
        strings = _shared(z, wanted)
    if not cells:
        return [], 0
    top = min(r for r, _c in cells)
    left = min(c for _r, c in cells)
    width = max(c for _r, c in cells) - left + 1
    grid: list[list[object]] = [[None] * width
                                for _ in range(max(r for r, _c in cells) - top + 1)]
    for (r, c), value in cells.items():
        grid[r - top][c - left] = strings.get(value) if type(value) is int else value
    return [tuple(row) for row in grid[:n]], left
