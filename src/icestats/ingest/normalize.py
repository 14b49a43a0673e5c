"""Value normalization, as SQL expressions over raw text columns (with Python twins for tests).

Every raw value arrives as text. Redaction markers ("b(6), b(7)c", "(b)(6)(b)(7)(c)", ...)
mean *withheld*; they are kept apart from blanks: text fields store REDACTED, other fields
keep the marker in a ``*_raw`` column.
"""

from __future__ import annotations

import re
from datetime import date

REDACTED = "[redacted]"
_MARKER_STRIP = r"[ \t\n\r\f\v(),;/&.]|and"
_MARKER_RE = r"^(b[67][a-f]?)+$"
PRIMARY_RANGE = (date(2000, 1, 1), date(2099, 12, 31))
SECONDARY_RANGE = (date(1950, 1, 1), date(2040, 12, 31))
TS_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M",
    "%Y-%m-%d", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p", "%m/%d/%Y",
)
# the same with day before month (a file whose dates say so, or --date-order dmy)
DMY_FORMATS = tuple(f.replace("%m/%d", "%d/%m") for f in TS_FORMATS)


def formats(order: str = "mdy") -> tuple[str, ...]:
    return DMY_FORMATS if order == "dmy" else TS_FORMATS


def is_redacted(value: str | None) -> bool:
    """True when a cell holds a FOIA exemption marker rather than a value."""
    if value is None:
        return False
    stripped = re.sub(_MARKER_STRIP, "", value.lower())
    return bool(stripped) and re.fullmatch(_MARKER_RE, stripped) is not None


def redacted_sql(col: str) -> str:
    """SQL twin of ``is_redacted``. Every marker holds a 'b' and a '6' or '7', and no other
    digit: those cheap tests guard the regular expressions, which cost ten times more per
    row (and let numeric or hexadecimal identifiers through without them)."""
    other_digits = " OR ".join(f"contains({col}, '{d}')" for d in "01234589")
    maybe = (f"((contains({col}, 'b') OR contains({col}, 'B')) AND "
             f"(contains({col}, '6') OR contains({col}, '7')) AND NOT ({other_digits}))")
    full = (f"regexp_full_match(regexp_replace(lower({col}), '{_MARKER_STRIP}', '', 'g'), "
            f"'{_MARKER_RE}')")
    return f"(CASE WHEN {maybe} THEN coalesce({full}, false) ELSE false END)"


BLANK_MARKERS = ("", "--")  # '--' is how several releases write an empty cell


def is_blank(value: str | None) -> bool:
    return value is None or value.strip() in BLANK_MARKERS


def blank_sql(col: str) -> str:
    return f"({col} IS NULL OR trim({col}) = '' OR trim({col}) = '--')"


def text_sql(col: str) -> str:
    """Trimmed text with runs of white space made one space; blank -> NULL; a redaction
    marker -> REDACTED."""
    runs = (f"(contains({col}, '  ') OR contains({col}, chr(9)) OR contains({col}, chr(10)) "
            f"OR contains({col}, chr(13)))")
    return (f"CASE WHEN {blank_sql(col)} THEN NULL WHEN {redacted_sql(col)} THEN '{REDACTED}' "
            f"WHEN {runs} THEN regexp_replace(trim({col}), '\\s+', ' ', 'g') "
            f"ELSE trim({col}) END")


def timestamp_sql(col: str, first: str | None = None) -> str:
    """Parse a date-time written any of the ways releases write it, or an Excel serial.
    ``first``: the format the file mostly uses (``rows.date_format``), tried before the
    others (each failed try costs: eleven of them for a M/D/YYYY date)."""
    # ISO first, the common case: untrimmed (cheaper per row than trimming; DuckDB's cast
    # skips most surrounding spaces itself, not all: ' 2024-01-31 ' needs the second try)
    # a first format with the day before the month means the file writes dates so
    # (rows.date_format): then every slashed form is read day first
    fmts = DMY_FORMATS if first in DMY_FORMATS and first not in TS_FORMATS else TS_FORMATS
    lead = [f"try_strptime({col}, '{first}')"] if first in fmts else []
    tries = ", ".join([*lead, f"try_cast({col} AS TIMESTAMP)",
                       f"try_cast(trim({col}) AS TIMESTAMP)"]
                      + [f"try_strptime(trim({col}), '{f}')" for f in fmts])
    micros = f"CAST(round(CAST(trim({col}) AS DOUBLE) * 86400e6) AS BIGINT)"
    serial = (f"CASE WHEN regexp_full_match(trim({col}), '\\d{{4,5}}(\\.\\d+)?') "
              f"THEN TIMESTAMP '1899-12-30' + to_microseconds({micros}) END")
    return f"coalesce({tries}, {serial})"


def in_range_sql(expr: str, bounds: tuple[date, date]) -> str:
    return f"(CAST({expr} AS DATE) BETWEEN DATE '{bounds[0]}' AND DATE '{bounds[1]}')"


def secondary_date_sql(col: str) -> tuple[str, str]:
    """(date expression, raw-text expression): raw kept only when the value is unusable."""
    ts = timestamp_sql(col)
    usable = in_range_sql(ts, SECONDARY_RANGE)
    value = f"CASE WHEN {usable} THEN CAST({ts} AS DATE) END"
    raw = f"CASE WHEN NOT {blank_sql(col)} AND NOT coalesce({usable}, false) THEN trim({col}) END"
    return value, raw


def birth_year_sql(col: str, from_date: bool = False) -> tuple[str, str]:
    """(year, raw text when unusable) from a Birth Year cell, or from a Birth Date cell
    (``from_date``: its year, where the date is not redacted)."""
    num = f"year({timestamp_sql(col)})" if from_date else \
        f"try_cast(try_cast(trim({col}) AS DOUBLE) AS INTEGER)"
    usable = f"({num} BETWEEN 1900 AND 2030)"
    value = f"CASE WHEN {usable} THEN CAST({num} AS SMALLINT) END"
    raw = f"CASE WHEN NOT {blank_sql(col)} AND NOT coalesce({usable}, false) THEN trim({col}) END"
    return value, raw


def criminality_sql(col: str) -> str:
    """Map the three ICE criminality classes to their canonical labels; keep others as text."""
    return (f"CASE WHEN {col} ILIKE '%convicted%' THEN '1 Convicted Criminal' "
            f"WHEN {col} ILIKE '%pending%' THEN '2 Pending Criminal Charges' "
            f"WHEN {col} ILIKE '%other%immigration%' THEN '3 Other Immigration Violator' "
            f"ELSE {text_sql(col)} END")


STATES = {
    "AL": "ALABAMA", "AK": "ALASKA", "AZ": "ARIZONA", "AR": "ARKANSAS", "CA": "CALIFORNIA",
    "CO": "COLORADO", "CT": "CONNECTICUT", "DE": "DELAWARE", "DC": "DISTRICT OF COLUMBIA",
    "FL": "FLORIDA", "GA": "GEORGIA", "HI": "HAWAII", "ID": "IDAHO", "IL": "ILLINOIS",
    "IN": "INDIANA", "IA": "IOWA", "KS": "KANSAS", "KY": "KENTUCKY", "LA": "LOUISIANA",
    "ME": "MAINE", "MD": "MARYLAND", "MA": "MASSACHUSETTS", "MI": "MICHIGAN",
    "MN": "MINNESOTA", "MS": "MISSISSIPPI", "MO": "MISSOURI", "MT": "MONTANA",
    "NE": "NEBRASKA", "NV": "NEVADA", "NH": "NEW HAMPSHIRE", "NJ": "NEW JERSEY",
    "NM": "NEW MEXICO", "NY": "NEW YORK", "NC": "NORTH CAROLINA", "ND": "NORTH DAKOTA",
    "OH": "OHIO", "OK": "OKLAHOMA", "OR": "OREGON", "PA": "PENNSYLVANIA",
    "RI": "RHODE ISLAND", "SC": "SOUTH CAROLINA", "SD": "SOUTH DAKOTA", "TN": "TENNESSEE",
    "TX": "TEXAS", "UT": "UTAH", "VT": "VERMONT", "VA": "VIRGINIA", "WA": "WASHINGTON",
    "WV": "WEST VIRGINIA", "WI": "WISCONSIN", "WY": "WYOMING", "PR": "PUERTO RICO",
    "GU": "GUAM", "VI": "VIRGIN ISLANDS", "MP": "NORTHERN MARIANA ISLANDS",
}
_SITE_STATE_RE = r"(?:^|[^A-Z])([A-Z]{2})\s*$"


def state_from_site(site: str | None) -> str | None:
    """The state a duty site names by its closing USPS code ('BROADVIEW, IL' -> ILLINOIS)."""
    if is_blank(site) or is_redacted(site):
        return None
    m = re.search(_SITE_STATE_RE, str(site).upper())
    return STATES.get(m.group(1)) if m else None


def state_from_site_sql(col: str) -> str:
    """SQL twin of ``state_from_site``."""
    pairs = ", ".join(f"'{k}': '{v}'" for k, v in STATES.items())
    code = f"regexp_extract(upper({col}), '{_SITE_STATE_RE}', 1)"
    return (f"CASE WHEN {blank_sql(col)} OR {redacted_sql(col)} THEN NULL "
            f"ELSE MAP {{{pairs}}}[{code}] END")
