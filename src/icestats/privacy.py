"""Statistical disclosure control: the one place every output passes through.

Counts by office, by day and by one category (criminality, method, agency, program) are
published as they are. Where a table pairs a personal attribute (citizenship, gender, age
group) with what it actually shows — not the name of its period:

1. **Short spans and fine geography.** A cell covering fewer than ``MIN_DAYS`` (7) days of
   data, or paired with geography finer than an office, is suppressed below ``THRESHOLD``
   (10): a one-day range asked for "by week" is a day.
2. **Whole periods only.** A period the requested range cuts (it shows fewer of the
   period's days of data than the period has) is suppressed entirely: otherwise two
   overlapping ranges differ by a day.
3. **One calendar hierarchy.** Days, months, quarters and years nest; weeks cut across
   months, and with both published exactly their differences isolate spans of 1-6 days.
   Cells by week are therefore suppressed entirely.
4. **Complementary suppression.** The totals a suppressed cell adds up to are published
   elsewhere (a day's national count; a category's count for a month, quarter or year). In
   every such group — the cells of one period, and the cells of one category across the
   finer periods of one coarser period — the cells are audited as an attacker would: each
   suppressed cell lies in [1, 9] (below the threshold) or at least 10 (a complementary
   cell), and the group total is known. While some suppressed cell of a group has only one
   possible value (always so for a group's only suppressed cell, complementary or not), the
   next smallest cell of the group (with its ties) is suppressed too.
   Groups are revisited until none changes. A group whose every cell is suppressed and
   still pins a cell (a period whose total is itself tiny) cannot be protected by
   suppression; the national series is published by design.
5. **The same cells for every range.** Suppression is decided on whole calendar years
   (``widen``) and the requested rows are cut out afterwards, so asking for different
   ranges never reveals different cells.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

PERSONAL = frozenset({"citizenship", "gender", "age_group"})
FINE_GEOGRAPHY = frozenset({"state", "county", "site_landmark"})
THRESHOLD = 10
MIN_DAYS = 7  # a cell covering fewer days of data than this is "by day"
# calendar units that contain each unit (nested): their per-category totals are margins
# (calendar quarters nest in federal fiscal years, October to September, as in years)
PARENTS = {"day": ("month", "quarter", "year", "fy"), "month": ("quarter", "year", "fy"),
           "quarter": ("year", "fy"), "year": (), "fy": ()}


def is_personal(dimensions: Iterable[str]) -> bool:
    return bool(set(dimensions) & PERSONAL)


def needs_suppression(dimensions: Iterable[str], days: int | Sequence[int],
                      period: str | None = None) -> bool:
    """True when some cell pairs a personal attribute with sub-office geography, with
    fewer than MIN_DAYS days of data, or with weeks."""
    dims = set(dimensions)
    if not dims & PERSONAL:
        return False
    spans = [days] if isinstance(days, int) else list(days)
    return bool(dims & FINE_GEOGRAPHY) or period == "week" or any(d < MIN_DAYS for d in spans)


def widen(dimensions: Iterable[str], start: date | None, end: date | None
          ) -> tuple[date | None, date | None]:
    """The range suppression is decided on: whole calendar years for a personal attribute
    (so that every range shows the same cells), else the range itself."""
    if not is_personal(dimensions) or start is None or end is None:
        return start, end
    return date(start.year, 1, 1), date(end.year, 12, 31)


def suppress(table: pa.Table, dimensions: Iterable[str], days: int | str, *,
             days_shown: str | None = None, period: str | None = None,
             period_column: str | None = None, keep: tuple[date | None, date | None] | None = None,
             count_columns: tuple[str, ...] = ("arrests",), threshold: int = THRESHOLD,
             ) -> pa.Table:
    """Blank counts (and their shares) that the rules above suppress; with a personal
    attribute, adds a boolean ``suppressed`` column so that outputs can say so.

    ``days``: the days of data each row's period covers (a number for every row, or the
    name of a column). ``days_shown``: a column with how many of them lie in the requested
    range (fewer: the period is cut, rule 2). ``period``: the calendar unit of
    ``period_column`` (day, week, month, quarter, year): the margins of rule 4.
    ``keep``: after suppression, only rows whose ``period_column`` lies in this range are
    returned (the table was computed on ``widen``'s range). Columns whose names start with
    ``_`` are helpers and are dropped."""
    import pyarrow as pa

    dims = list(dimensions)
    n = table.num_rows
    span = [days] * n if isinstance(days, int) else table[days].to_pylist()
    if is_personal(dims):
        counts = [int(c or 0) for c in table[count_columns[0]].to_pylist()]
        shown_days = table[days_shown].to_pylist() if days_shown else span
        everything = [period == "week" or s != d for s, d in zip(shown_days, span, strict=True)]
        fine = bool(set(dims) & FINE_GEOGRAPHY)
        primary = [not everything[i] and (fine or span[i] < MIN_DAYS) and counts[i] < threshold
                   for i in range(n)]
        hidden = [a or b for a, b in zip(everything, primary, strict=True)]
        if any(primary):
            groups = _margins(table, dims, period, period_column)
            _complement(counts, primary, hidden, groups, threshold)
        table = _blank(table, hidden, count_columns)
    if keep is not None and period_column is not None and None not in keep:
        import pyarrow.compute as pc

        col = table[period_column]
        inside = pc.and_(pc.greater_equal(col, pa.scalar(keep[0], col.type)),
                         pc.less_equal(col, pa.scalar(keep[1], col.type)))
        table = table.filter(inside)
    helpers = [c for c in table.column_names if c.startswith("_")]
    return table.drop_columns(helpers) if helpers else table


def _blank(table: pa.Table, hidden: list[bool], count_columns: tuple[str, ...]) -> pa.Table:
    import pyarrow as pa
    import pyarrow.compute as pc

    mask = pa.array(hidden, pa.bool_())
    for name in (*count_columns, "share"):
        if name in table.column_names:
            i = table.column_names.index(name)
            col = table[name]
            table = table.set_column(i, name, pc.if_else(mask, pa.scalar(None, col.type), col))
    return table.append_column("suppressed", mask)


def _start_of(unit: str, d: date) -> date:
    if unit == "month":
        return d.replace(day=1)
    if unit == "quarter":
        return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    if unit == "fy":
        return date(d.year if d.month >= 10 else d.year - 1, 10, 1)
    return date(d.year, 1, 1)


def _margins(table: pa.Table, dims: list[str], period: str | None,
             period_column: str | None) -> list[list[int]]:
    """Row groups whose totals are published elsewhere: each period's cells, and each
    category's cells across the finer periods of a coarser one."""
    keys: dict[tuple[Any, ...], list[int]] = {}
    periods = table[period_column].to_pylist() if period_column else [None] * table.num_rows
    cats = list(zip(*(table[d].to_pylist() for d in dims if d in table.column_names),
                    strict=True)) or [()] * table.num_rows
    for i, p in enumerate(periods):
        keys.setdefault(("period", p), []).append(i)
        for unit in PARENTS.get(period or "", ()):
            if isinstance(p, date):
                keys.setdefault((unit, _start_of(unit, p), cats[i]), []).append(i)
    return [rows for rows in keys.values() if len(rows) > 0]


def _complement(counts: list[int], primary: list[bool], hidden: list[bool],
                groups: list[list[int]], threshold: int) -> None:
    """Secondary suppression (rule 4): grow ``hidden`` until no group pins a cell. A group
    is revisited whenever one of its cells becomes hidden through another group."""
    member_of: dict[int, list[int]] = {}
    for g, rows in enumerate(groups):
        for i in rows:
            member_of.setdefault(i, []).append(g)
    pending = [g for g, rows in enumerate(groups) if any(hidden[i] for i in rows)]
    queued = set(pending)
    while pending:
        g = pending.pop()
        queued.discard(g)
        rows = groups[g]
        while True:
            shown = [i for i in rows if not hidden[i]]
            if not shown or _protected(rows, counts, primary, hidden, threshold):
                break
            smallest = min(counts[i] for i in shown)
            for i in shown:
                if counts[i] == smallest:
                    hidden[i] = True
                    for other in member_of[i]:
                        if other != g and other not in queued:
                            queued.add(other)
                            pending.append(other)


def _protected(rows: list[int], counts: list[int], primary: list[bool], hidden: list[bool],
               threshold: int) -> bool:
    """True when every suppressed primary cell of the group has at least two values
    consistent with the group total and the shown cells (an attacker's view: a primary
    cell is in [1, threshold-1], any other suppressed cell is at least threshold)."""
    cells = [i for i in rows if hidden[i]]
    if len(cells) == 1:
        # the group's total minus its shown cells IS the one suppressed cell, primary or
        # complementary (a complementary cell known here unlocks the groups it is also in:
        # FY2019 males minus the shown months gave the suppressed 1-day September)
        return False
    total = sum(counts[i] for i in cells)
    lows = {i: 1 if primary[i] else threshold for i in cells}
    low_sum = sum(lows.values())
    capped = all(primary[i] for i in cells)  # every suppressed cell has a known maximum
    high_sum = (threshold - 1) * len(cells)
    for i in cells:
        if not primary[i]:
            continue
        high = min(threshold - 1, total - (low_sum - lows[i]))
        low = max(1, total - (high_sum - (threshold - 1))) if capped else 1
        if high <= low:
            return False
    return True
