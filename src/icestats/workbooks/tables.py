"""Turn table blocks into tidy values: (table, dimensions, column, month, value).

Tables are identified by their title with the fiscal-year suffix removed, so that
"...: FY2025", "...: EOFY2024" and "...: FY26" name the same table. Fiscal months
(October starts the year) become calendar months. "Total" rows and columns are kept and
checked against the sum of their parts; a mismatch is reported, not silently used.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date

from icestats.workbooks.blocks import Block, Grid, cell_ref, clean, is_number

MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
FY_SUFFIX = re.compile(r"[:,]?\s*\b(EO)?FY\s?'?(\d{4}|\d{2})\b(\s*YTD)?", re.I)
AS_OF = re.compile(r",?\s*as of \d{1,2}/\d{1,2}/\d{2,4}", re.I)
# Named tables: pattern on the normalized title -> key. Others keep a key made of the title.
NAMED = (
    (r"^ice initial book-?ins by arresting agency and month$", "book_ins_by_agency"),
    (r"^ice currently detained by criminality and arresting agency$",
     "detained_by_criminality_agency"),
    (r"^ice initial book-?ins by (facility type and )?criminality$", "book_ins_by_criminality"),
    (r"^ice final book-? ?outs by release reason,? month and criminality$",
     "book_outs_by_reason"),
    (r"^ice removals$", "removals"),
    (r"^ice currently detained by processing disposition( and detention facility type)?$",
     "detained_by_disposition"),
    (r"^active atd participants and average length in program,? by aor and technology$",
     "atd_by_aor"),
)
NOT_ADDITIVE = re.compile(r"average|length|percent|rate|%|alos|alip|cost", re.I)  # a column
MEAN_TABLE = re.compile(r"^(ice )?average|length of stay by", re.I)  # a table of means
# Text a spreadsheet or a script writes for a number it could not compute: an error, never
# a row label (as a label it would silently take its column's values out of the table).
NUMBER_LIKE = re.compile(r"^\s*[-+]?(nan|inf(inity)?|#num!|#value!|#div/0!)\s*$", re.I)
ABS_TOLERANCE = 0.5  # published counts are integers; shown rounded
REL_TOLERANCE = 1e-9  # of the magnitudes compared (values stored as doubles)


def close(a: float, b: float) -> bool:
    """Equal within half a unit or a relative 1e-9 of the larger magnitude (so that a
    part of -1e300 can never pass for a rounding difference)."""
    return abs(a - b) <= max(ABS_TOLERANCE, REL_TOLERANCE * max(abs(a), abs(b)))


def number(raw: str, title: str, column: str, cell: str) -> float:
    """A number cell's value; a non-finite one (1e400, an overflow) is an error."""
    value = float(raw)
    if not math.isfinite(value):
        raise TableProblem(f"table '{title}': '{clean(raw)}' in column '{column}' is not a "
                           "finite number", cell)
    return value


class TableProblem(Exception):
    def __init__(self, message: str, cell: str) -> None:
        super().__init__(message)
        self.message, self.cell = message, cell


def normalize_title(title: str) -> str:
    t = AS_OF.sub("", FY_SUFFIX.sub("", clean(title)))
    return re.sub(r"\s+", " ", t).strip(" :,*").lower()


def table_key(title: str) -> tuple[str, bool]:
    """(key, named): a registered name, or a slug of the normalized title."""
    norm = normalize_title(title)
    for pattern, key in NAMED:
        if re.search(pattern, norm):
            return key, True
    return "other:" + re.sub(r"[^a-z0-9]+", "_", norm).strip("_")[:80], False


def fiscal_year(*texts: str) -> int | None:
    for text in texts:
        m = FY_SUFFIX.search(text or "")
        if m:
            y = int(m.group(2))
            return y + 2000 if y < 100 else y
    return None


def month_start(label: str, fy: int | None) -> date | None:
    m = MONTHS.get(clean(label).lower()[:3]) if len(clean(label)) <= 9 else None
    if m is None or fy is None:
        return None
    return date(fy - 1 if m >= 10 else fy, m, 1)


@dataclass
class Value:
    dims: tuple[str, ...]
    column: str
    month: date | None
    value: float
    cell: str


@dataclass
class Parsed:
    key: str
    named: bool
    block: Block
    fiscal_year: int | None
    label_columns: list[str]
    values: list[Value] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    note: str | None = None


def parse_block(grid: Grid, block: Block, sheet_fy: int | None) -> Parsed:
    key, named = table_key(block.title)
    fy = fiscal_year(block.title) or sheet_fy
    header = {c: clean(grid[block.header_row][c]) if c < len(grid[block.header_row]) else ""
              for c in block.columns}
    body = [r for r in block.body_rows if any(is_number(_at(grid, r, c)) for c in block.columns)]
    if not body:
        raise TableProblem(f"table '{block.title}' is cut off: a header but no rows of numbers",
                           cell_ref(block.header_row, block.first_col))
    label_cols = _label_columns(grid, block, body, header)
    parsed = Parsed(key, named, block, fy, [header[c] for c in label_cols])
    dims_by_row = _row_dims(grid, body, label_cols)
    for r, dims in zip(body, dims_by_row, strict=True):
        for c in block.columns:
            if c in label_cols:
                continue
            raw = _at(grid, r, c)
            if not clean(raw):
                continue
            if not is_number(raw):
                raise TableProblem(f"table '{block.title}': '{clean(raw)}' in column "
                                   f"'{header[c]}' is not a number", cell_ref(r, c))
            value = number(raw or "", block.title, header[c], cell_ref(r, c))
            parsed.values.append(Value(dims, header[c], month_start(header[c], fy), value,
                                       cell_ref(r, c)))
    if not MEAN_TABLE.search(block.title):
        parsed.mismatches = check_totals(parsed)
    return parsed


def _at(grid: Grid, r: int, c: int) -> str | None:
    return grid[r][c] if r < len(grid) and c < len(grid[r]) else None


def _label_columns(grid: Grid, block: Block, body: list[int], header: dict[int, str]
                   ) -> list[int]:
    """The leading columns holding text (row labels); the rest must hold numbers."""
    labels = []
    for c in block.columns:
        texts = [_at(grid, r, c) for r in body if clean(_at(grid, r, c))]
        odd = next((r for r in body if NUMBER_LIKE.match(_at(grid, r, c) or "")), None)
        if odd is not None:
            raise TableProblem(f"table '{block.title}': '{clean(_at(grid, odd, c))}' in column "
                               f"'{header[c]}' is not a number", cell_ref(odd, c))
        if texts and all(is_number(t) for t in texts):
            break
        if MONTHS.get(header[c].lower()[:3]) and len(header[c]) <= 9 or header[c] == "Total":
            bad = next(r for r in body if clean(_at(grid, r, c)) and not is_number(_at(grid, r, c)))
            raise TableProblem(f"table '{block.title}': '{clean(_at(grid, bad, c))}' in column "
                               f"'{header[c]}' is not a number", cell_ref(bad, c))
        labels.append(c)
    return labels or [block.columns[0]]


def _row_dims(grid: Grid, body: list[int], label_cols: list[int]) -> list[tuple[str, ...]]:
    """Row labels with fill-down (a group label written once) and, in a single label
    column, groups inferred from repeated labels ('CBP Average' then its criminality rows)."""
    rows: list[list[str]] = []
    previous: list[str] = [""] * len(label_cols)
    for r in body:
        cur = [clean(_at(grid, r, c)) for c in label_cols]
        if len(cur) > 1:
            cur = [v or (previous[i] if i < len(cur) - 1 else "") for i, v in enumerate(cur)]
        rows.append(cur)
        previous = cur
    if len(label_cols) == 1:
        return _groups([r[0] for r in rows], [_first_number(grid, r, label_cols[0])
                                              for r in body])
    return [tuple(v for v in r if v) if any(r) else ("",) for r in
            (_strip_trailing(r) for r in rows)]


def _strip_trailing(labels: list[str]) -> list[str]:
    while len(labels) > 1 and not labels[-1]:
        labels = labels[:-1]
    return labels


def _first_number(grid: Grid, r: int, label_col: int) -> float:
    for v in grid[r][label_col + 1:]:
        if v is not None and is_number(v):
            return float(v)
    return 0.0


def _groups(labels: list[str], values: list[float]) -> list[tuple[str, ...]]:
    """In one label column, a label seen once opens a group ('Atlanta', 'CBP Average') when
    the previous group is complete (its rows sum to it); repeated labels are its rows."""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    repeated = {k for k, n in counts.items() if n > 1 and k != "Total"}
    if not repeated:
        return [(label,) for label in labels]
    out: list[tuple[str, ...]] = []
    group, need, acc = "", 0.0, 0.0
    for label, value in zip(labels, values, strict=True):
        closed = not group or close(acc, need)
        if label == "Total" or (label not in repeated and closed):
            group, need, acc = ("", 0.0, 0.0) if label == "Total" else (label, value, 0.0)
            out.append((label,))
        elif group:
            acc += value
            out.append((group, label))
        else:
            out.append((label,))
    return out


def check_totals(p: Parsed) -> list[str]:
    """'Total' rows and columns against the sum of their parts; describe each mismatch."""
    problems: list[str] = []
    cells = {(v.dims, v.column): v for v in p.values}
    columns = sorted({v.column for v in p.values})
    parts_cols = [c for c in columns if c != "Total" and not NOT_ADDITIVE.search(c)]
    for dims in sorted({v.dims for v in p.values}):
        total = cells.get((dims, "Total"))
        if total is not None and parts_cols:
            s = math.fsum(cells[(dims, c)].value for c in parts_cols if (dims, c) in cells)
            if not close(s, total.value):
                problems.append(f"{total.cell}: Total {total.value:g} but the columns sum to "
                                f"{s:g}")
    for (dims, col), total in cells.items():
        if not dims or dims[-1] != "Total" or NOT_ADDITIVE.search(col):
            continue
        prefix = dims[:-1]
        children = {d[len(prefix)] for d, _ in cells if len(d) > len(prefix) and
                    d[:len(prefix)] == prefix and d[len(prefix)] != "Total"}
        parts = []
        for child in children:
            node = prefix + (child,)
            v = cells.get((node, col)) or cells.get((node + ("Total",), col))
            if v is not None:
                parts.append(v.value)
        whole = math.fsum(parts)
        nested = any(close(whole - p, total.value) for p in parts)  # a row subtotals others
        if len(parts) > 1 and not close(whole, total.value) and not nested:
            problems.append(f"{total.cell}: Total {total.value:g} but its rows sum to "
                            f"{whole:g}")
    return problems
