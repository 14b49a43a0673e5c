"""Statistical disclosure control: the one place every output passes through.

Counts by office, by day and by one category (criminality, method, agency, program) are
published as they are. A cell that combines a personal attribute (citizenship, gender,
age) with geography finer than an office (state, county, site) or with single days is
suppressed when it is below a threshold (default 10).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

PERSONAL = frozenset({"citizenship", "gender", "age_group"})
FINE_GEOGRAPHY = frozenset({"state", "county", "site_landmark"})
THRESHOLD = 10


def needs_suppression(dimensions: Iterable[str], period: str | None) -> bool:
    """True when the table pairs a personal attribute with sub-office geography or days."""
    dims = set(dimensions)
    return bool(dims & PERSONAL) and (bool(dims & FINE_GEOGRAPHY) or period == "day")


def suppress(table: pa.Table, dimensions: Iterable[str], period: str | None,
             count_columns: tuple[str, ...] = ("arrests",), threshold: int = THRESHOLD,
             ) -> pa.Table:
    """Blank counts (and their shares) below ``threshold`` where the rule applies.

    Adds a boolean ``suppressed`` column when it applies, so that outputs can say so.
    """
    if not needs_suppression(dimensions, period):
        return table
    import pyarrow as pa
    import pyarrow.compute as pc
    small = pc.less(table[count_columns[0]], threshold)
    for name in (*count_columns, "share"):
        if name in table.column_names:
            i = table.column_names.index(name)
            col = table[name]
            table = table.set_column(i, name, pc.if_else(small, pa.scalar(None, col.type), col))
    return table.append_column("suppressed", small)
