"""The DDP weekly table loaded beside the real FY2016-19 arrest records: no week is ever
counted from both, and ``status`` reports how far they disagree (the weekly table stacks
three releases there: about 2.9x the records). Expected figures are computed here from the
gzip files and the weekly csv with Python alone."""

from __future__ import annotations

import csv
import gzip
import json
import statistics
from collections import Counter
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest

import icestats
from icestats import count_metrics

from conftest import run

pytestmark = pytest.mark.slow  # real-data trial: `make test` and CI run it

DATA = Path(str(resources.files("icestats") / "data"))
WEEKLY = DATA / "counts" / "ddp-weekly-event-counts" / "arrests_by_week.csv"
FILES = [DATA / "real" / f"EROArrests_FY{y}.csv.gz" for y in (2016, 2017, 2018, 2019)]


@pytest.fixture(scope="module")
def mixed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("mixed") / "mixed.duckdb"
    out = run("ingest", *FILES, WEEKLY, "--db", db)
    assert out.exit_code == 0, out.output
    return db


def _records_by_day() -> Counter[date]:
    """Every row of the four files is an arrest (this release has no identifier)."""
    days: Counter[date] = Counter()
    for f in FILES:
        with gzip.open(f, "rt", encoding="utf-8", newline="") as fh:
            for _ in range(5):  # ICE's banner lines
                fh.readline()
            reader = csv.reader(fh, delimiter="|")
            when = next(reader).index("Apprehension Date")
            for row in reader:
                days[datetime.strptime(row[when], "%m/%d/%Y").date()] += 1
    return days


def _weekly() -> dict[date, int]:
    with WEEKLY.open(newline="") as fh:
        return {date.fromisoformat(r["week_start"]): int(r["count"]) for r in csv.DictReader(fh)}


def test_no_week_is_counted_twice(mixed_db: Path) -> None:
    days, weekly = _records_by_day(), _weekly()
    first, last = min(days), max(days)
    with icestats.connect(mixed_db) as ice:
        rows = count_metrics.series(ice.con, "arrests", "week", date(2015, 9, 6),
                                    date(2019, 12, 28)).to_pylist()
        counts_first = count_metrics.series(ice.con, "arrests", "week", date(2015, 9, 6),
                                            date(2019, 12, 28), prefer="counts").to_pylist()
    starts = [r["period_start"] for r in rows]
    assert len(starts) == len(set(starts)) == len([w for w in weekly
                                                   if date(2015, 9, 6) <= w <= date(2019, 12, 22)])
    for r in rows:
        week = [r["period_start"] + timedelta(days=i) for i in range(7)]
        whole = first <= week[0] and week[-1] <= last
        assert r["source"] == ("records" if whole else "count table"), r
        expected = sum(days[d] for d in week) if whole else weekly[r["period_start"]]
        assert r["value"] == expected, r
    assert sum(r["source"] == "records" for r in rows) == 204
    assert all(r["source"] == "count table" for r in counts_first)
    assert [r["value"] for r in counts_first] == [weekly[r["period_start"]] for r in counts_first]


def test_status_reports_the_stacked_weeks_at_about_three_times(mixed_db: Path) -> None:
    days, weekly = _records_by_day(), _weekly()
    # every week the records cover whole, before their incomplete last 14 days
    ratios = {w: weekly[w] / sum(days[w + timedelta(days=i)] for i in range(7))
              for w in weekly if date(2015, 10, 1) <= w
              and w + timedelta(days=6) <= date(2019, 8, 18)}
    fy17_19 = [v for w, v in ratios.items() if w >= date(2016, 10, 2)]
    assert 2.85 <= min(fy17_19) and max(fy17_19) <= 3.2
    assert 2.9 <= statistics.median(fy17_19) <= 3.0
    js = json.loads(run("status", "--db", mixed_db, "--json").stdout)
    (a,) = js["count_agreement"]
    assert a["units"] == 202 and a["flagged"] == 202  # every complete week, stacked
    years = {y["fiscal_year"]: y for y in a["by_fiscal_year"]}
    for fy in (2017, 2018, 2019):
        mine = [v for w, v in ratios.items() if (w + timedelta(days=6)).year + (
            (w + timedelta(days=6)).month >= 10) == fy]
        assert years[fy]["median_ratio"] == round(statistics.median(mine), 3)
        assert 2.85 <= years[fy]["min_ratio"] and years[fy]["max_ratio"] <= 3.2
    text = " ".join(run("status", "--db", mixed_db).stdout.split())
    assert "the table counts 2.94x the records" in text and "stacked counts" in text


def test_daily_across_records_and_counts_counts_each_week_once(mixed_db: Path) -> None:
    days, weekly = _records_by_day(), _weekly()
    out = run("daily", "--from", "2019-07-07", "--to", "2019-10-26", "--db", mixed_db,
              "--json")
    assert out.exit_code == 0, out.output
    d = json.loads(out.stdout)
    units = d["units"]
    assert [u["period_start"] for u in units] == sorted({u["period_start"] for u in units})
    last = date(2019, 9, 1)  # the records' last day: their last whole week ends 2019-08-31
    for u in units:
        start = date.fromisoformat(u["period_start"])
        whole = start + timedelta(days=6) <= last
        assert u["source"] == ("records" if whole else "count table")
        assert u["value"] == (sum(days[start + timedelta(days=i)] for i in range(7))
                              if whole else weekly[start])
    assert d["total"]["arrests"] == sum(u["value"] for u in units)
    assert d["window"]["grain"]["time"] == "week"
    counts = json.loads(run("daily", "--from", "2019-07-07", "--to", "2019-10-26",
                            "--prefer", "counts", "--db", mixed_db, "--json").stdout)
    assert {u["source"] for u in counts["units"]} == {"count table"}
    assert counts["total"]["arrests"] == sum(weekly[date.fromisoformat(u["period_start"])]
                                             for u in counts["units"])
