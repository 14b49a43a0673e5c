"""The counting rules, as SQL over the ``arrests`` table: what counts (episodes or records,
the owning release, the scope) and the dimensions a count can be broken down by.

Every SQL snippet here is fixed text chosen by name, never formatted from user input.
"""

from __future__ import annotations

from datetime import date

from icestats.errors import UsageError

COUNTS = ("arrests", "records")
SCOPES = ("all", "interior")
PERIODS = ("day", "week", "month", "quarter", "year", "fy")  # fy: October to September
CUSTODIAL_METHODS = ("CAP Local Incarceration", "CAP State Incarceration",
                     "CAP Federal Incarceration", "287(g) Program",
                     "Law Enforcement Agency Response Unit")
# UWCHR's rule for border-related records, left out of "interior" counts (ice-enforce
# repository, the analysis of FOIA 2019-ICFO-53623): these methods, methods naming CBP or
# Border Patrol, and landmarks at ports of entry, airports or the border.
BORDER_METHODS = ("Patrol Border", "Inspections", "Anti-Smuggling", "Patrol Interior",
                  "Boat Patrol", "Traffic Check", "Crewman/Stowaway",
                  "Transportation Check Aircraft", "Transportation Check Bus",
                  "Transportation Check Passenger Train", "Transportation Check Freight Train")
BORDER_METHOD_PATTERN = "CBP|USBP|Border Patrol"
BORDER_LANDMARK_PATTERN = "PORT OF ENTRY|AIRPORT|BORDER"
_CUSTODIAL = ", ".join(f"'{m}'" for m in CUSTODIAL_METHODS)
_BORDER = ", ".join(f"'{m}'" for m in BORDER_METHODS)
INTERIOR_SQL = f"""NOT (coalesce(method, '') IN ({_BORDER})
    OR regexp_matches(coalesce(method, ''), '{BORDER_METHOD_PATTERN}')
    OR regexp_matches(coalesce(site_landmark, ''), '{BORDER_LANDMARK_PATTERN}'))"""
# Breakdown dimensions: name -> SQL over arrests (fixed text, never from user input).
DIMENSIONS: dict[str, str] = {
    "aor": "aor",
    "criminality": "coalesce(criminality, '(blank)')",
    "method": "coalesce(method, '(blank)')",
    "custody": f"""CASE WHEN method IS NULL OR method = '[redacted]' THEN 'unknown'
                  WHEN method = 'ERO Reprocessed Arrest' THEN 'reprocessed'
                  WHEN method IN ({_CUSTODIAL}) THEN 'custodial' ELSE 'at-large' END""",
    "agency": "coalesce(agency, '(not recorded)')",
    "agency_group": """CASE WHEN agency IS NULL THEN '(not recorded)'
                       WHEN agency ILIKE '%border patrol%' OR agency ILIKE '%USBP%'
                            OR agency ILIKE 'CBP%' THEN 'CBP'
                       WHEN agency ILIKE 'ICE%' OR agency ILIKE '%ERO%' OR agency ILIKE '%HSI%'
                            THEN 'ICE' ELSE 'other' END""",
    "program": "coalesce(final_program, '(blank)')",
    "type": "coalesce(apprehension_type, '(not recorded)')",
    "citizenship": "coalesce(citizenship, '(blank)')",
    "gender": "coalesce(gender, '(blank)')",
    "age_group": """CASE WHEN birth_year IS NULL THEN '(unknown)'
                    WHEN year(apprehension_date) - birth_year < 18 THEN 'under 18'
                    WHEN year(apprehension_date) - birth_year < 25 THEN '18-24'
                    WHEN year(apprehension_date) - birth_year < 35 THEN '25-34'
                    WHEN year(apprehension_date) - birth_year < 45 THEN '35-44'
                    WHEN year(apprehension_date) - birth_year < 55 THEN '45-54'
                    ELSE '55 and over' END""",
    "state": "coalesce(state, '(blank)')",
    "disposition": "coalesce(processing_disposition, '(blank)')",
    "operation": "coalesce(operation, '(blank)')",
    "landmark": "coalesce(site_landmark, '(blank)')",
}
# The stored columns each dimension is computed from (it is computed on their distinct
# values after a first count by day, not on every row).
DIMENSION_COLUMNS: dict[str, tuple[str, ...]] = {
    "aor": ("aor",), "criminality": ("criminality",), "method": ("method",),
    "custody": ("method",), "agency": ("agency",), "agency_group": ("agency",),
    "program": ("final_program",), "type": ("apprehension_type",),
    "citizenship": ("citizenship",), "gender": ("gender",), "age_group": ("birth_year",),
    "state": ("state",), "disposition": ("processing_disposition",),
    "operation": ("operation",), "landmark": ("site_landmark",),
}
BREAKDOWNS = ("criminality", "method", "custody", "agency", "agency_group", "program", "type",
              "citizenship", "gender", "age_group", "state", "aor", "disposition", "operation",
              "landmark")
TOP = 8  # categories shown as their own column or series; the rest are "other"


def check(value: str, allowed: tuple[str, ...] | dict[str, str], what: str) -> None:
    if value not in allowed:
        raise UsageError(f"unknown {what} '{value}' (expected one of {', '.join(allowed)})")


def counted_sql(count: str = "arrests", scope: str = "all", *, owned: bool = True) -> str:
    """The records that count: owned by their date's release (unless ``owned=False``, for
    comparing releases), one per episode for ``arrests``, interior ones for that scope."""
    check(count, COUNTS, "count")
    check(scope, SCOPES, "scope")
    where = ["owned"] if owned else ["true"]
    if count == "arrests":
        where.append("episode_start")
    if scope == "interior":
        where.append(INTERIOR_SQL)
    return f"(SELECT * FROM arrests WHERE {' AND '.join(where)})"


def by_day_sql(by: str, where: str, count: str, scope: str = "all") -> str:
    """(apprehension_date, <by>, n): counts by day and dimension value, in two steps."""
    check(by, DIMENSIONS, "dimension")
    cols = ", ".join(DIMENSION_COLUMNS[by])
    return f"""
        SELECT apprehension_date, {DIMENSIONS[by]} AS {by}, CAST(sum(n) AS BIGINT) AS n
        FROM (SELECT apprehension_date, {cols}, count(*) AS n FROM {counted_sql(count, scope)}
              WHERE {where} GROUP BY ALL)
        GROUP BY ALL"""


def period_start_sql(period: str, col: str) -> str:
    """The first day of the period holding ``col`` (weeks start on Monday; federal fiscal
    years on 1 October of the year before their number)."""
    check(period, PERIODS, "period")
    if period == "fy":
        return (f"make_date(CAST(year({col}) AS INTEGER) - CASE WHEN month({col}) >= 10 "
                f"THEN 0 ELSE 1 END, 10, 1)")
    return f"CAST(date_trunc('{period}', {col}) AS DATE)"


def period_days(period: str, start: date) -> int:
    """How many days the whole period starting on ``start`` has."""
    import calendar

    if period == "day":
        return 1
    if period == "week":
        return 7
    if period == "month":
        return calendar.monthrange(start.year, start.month)[1]
    if period == "quarter":
        return sum(calendar.monthrange(start.year, start.month + k)[1] for k in range(3))
    if period == "year":
        return 366 if calendar.isleap(start.year) else 365
    return 366 if calendar.isleap(start.year + 1) else 365  # fy: Oct..Sep, Feb of year+1


def national_sql(where: str, count: str, scope: str = "all") -> str:
    """(date, arrests) for every covered day in [$start, $end], zeros included."""
    return f"""SELECT o.date, CAST(coalesce(c.n, 0) AS BIGINT) AS arrests FROM day_owner o
               LEFT JOIN (SELECT apprehension_date AS d, count(*) AS n
                          FROM {counted_sql(count, scope)} WHERE {where} GROUP BY 1) c
                    ON c.d = o.date
               WHERE o.date BETWEEN $start AND $end ORDER BY o.date"""
