"""What the surfaces show on the real FY2016-19 data (FOIA 2019-ICFO-53623): the SQL views
count arrests once and hold every covered office-day, against counts made here from the
shipped files with Python's gzip and csv alone."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections import Counter
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest

from conftest import run

pytestmark = pytest.mark.slow  # run by `make test` and CI; plain `pytest` skips it

REAL = Path(str(resources.files("icestats") / "data" / "real"))
SUFFIX = " Area of Responsibility"


def raw_counts(first: date, last: date) -> Counter[str]:
    """Rows per office name in [first, last], read from the shipped files by hand."""
    counts: Counter[str] = Counter()
    for year in (2016, 2017, 2018, 2019):
        with gzip.open(REAL / f"EROArrests_FY{year}.csv.gz", "rt", encoding="latin-1") as fh:
            rows = csv.reader(fh, delimiter="|")
            for row in rows:
                if len(row) < 2 or not row[1][:1].isdigit():
                    continue
                day = datetime.strptime(row[1], "%m/%d/%Y").date()
                if first <= day <= last:
                    counts[row[0].removesuffix(SUFFIX)] += 1
    return counts


def ok(*args: object) -> str:
    result = run(*[str(a) for a in args])
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def sql(db: Path, query: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(ok("sql", query, "--db", db, "--format", "csv"))))


def test_fy2018_sums_to_ice_published_total(real_full_db: Path) -> None:
    """Before: each office-day was in arrests_daily twice (arrests and records), and
    SELECT sum(count) over FY2018 gave 317,162."""
    rows = sql(real_full_db, "SELECT sum(arrests) AS a, sum(records) AS r FROM arrests_daily "
                             "WHERE date BETWEEN '2017-10-01' AND '2018-09-30'")
    assert (int(rows[0]["a"]), int(rows[0]["r"])) == (158_581, 158_581)


def test_view_average_is_the_offices_per_day_for_all_24_offices(real_full_db: Path) -> None:
    """AVG(arrests) over the 28 days to 2019-08-18 equals `icestats offices`' per day and
    a count of the raw rows over 28 (before: Baltimore 4.86 against a true 3.64)."""
    end = date(2019, 8, 18)
    first = end - timedelta(days=27)
    answer = json.loads(ok("offices", "--db", real_full_db, "--json"))
    assert answer["as_of"] == end.isoformat()
    names = {o["aor"]: o["name"] for o in answer["offices"]}
    per_day = {o["aor"]: o["per_day"] for o in answer["offices"] if o["rank"]}
    assert len(per_day) == 24
    rows = sql(real_full_db, f"SELECT aor, avg(arrests) AS a, count(*) AS n FROM arrests_daily"
                             f" WHERE date BETWEEN '{first}' AND '{end}' GROUP BY aor")
    view = {r["aor"]: float(r["a"]) for r in rows if r["aor"] in per_day}
    assert {r["n"] for r in rows} == {"28"}
    raw = raw_counts(first, end)
    for code, value in per_day.items():
        assert view[code] == pytest.approx(value, abs=1e-12), code
        assert value == pytest.approx(raw[names[code]] / 28, abs=1e-12), code
    assert round(view["BAL"], 2) == 3.64
