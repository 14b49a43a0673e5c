"""The real encounters and removals of FOIA 2019-ICFO-53623 (and the arrests beside them),
the Seattle office's own workbook and 22 real detainer rows, loaded as shipped, against
figures computed here without icestats (Python's gzip and csv) and against UWCHR's own
daily counts per office."""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest

import icestats
from icestats import kind_counts

pytestmark = pytest.mark.slow  # run by `make test` and CI; plain `pytest` skips it

DATA = Path(str(resources.files("icestats") / "data"))
ARRESTS = sorted((DATA / "real").glob("EROArrests_FY*.csv.gz"))
EXTRA = sorted((DATA / "extra").glob("*.csv.gz"))
SEATTLE = DATA / "seattle" / "UW_v_DHS_ICE_Productions_LESA-STU_FINAL_redacted.xlsx"
UWCHR = Path(__file__).parent / "data" / "enforcement_final_36132af.psv.gz"
# UWCHR's office codes are icestats' codes; its file leaves out blank and HQ offices.
PUBLISHED_REMOVALS = {2016: 240_255, 2017: 226_119, 2018: 256_085}


@pytest.fixture(scope="session")
def pipeline_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 11 real files (arrests FY2016-19, encounters FY2016/17/19, removals FY2016-19)
    in one database, built once per test session."""
    db = tmp_path_factory.mktemp("pipeline") / "real.duckdb"
    with icestats.connect(db, write=True) as ice:
        results = ice.ingest([*ARRESTS, *EXTRA])
    assert [r.rows_rejected for r in results] == [0] * 11
    return db


def _uwchr(column: str, years: tuple[int, ...]) -> dict[tuple[date, str], int]:
    """UWCHR's daily count per office (its own file, read with csv), non-zero cells."""
    with gzip.open(UWCHR, "rt", newline="") as fh:
        rows = csv.DictReader(fh, delimiter="|")
        return {(date.fromisoformat(r["date"]), r["aor"]): int(r[column]) for r in rows
                if int(r["fy"]) in years and int(r[column])}


def _fy(d: date) -> int:
    return d.year + (d.month >= 10)


def _icestats(db: Path, kind: str, years: tuple[int, ...]) -> dict[tuple[date, str], int]:
    with icestats.connect(db) as ice:
        rows = kind_counts.daily_by_office(ice.con, kind)
    return {(d, a): n for d, a, n in rows if _fy(d) in years and a not in ("UNK", "HQ")}


@pytest.mark.parametrize("kind,column,years", [
    ("encounters", "n_encounters", (2016, 2017, 2019)),
    ("removals", "n_removals", (2016, 2017, 2018, 2019)),
])
def test_every_office_day_equals_uwchr(pipeline_db: Path, kind: str, column: str,
                                       years: tuple[int, ...]) -> None:
    """Encounters by Event Date and 'Event Area of Responsibility'; removals by Removal
    Date and 'Area of Responsibility' (the rule UWCHR's export uses for this release): no
    office-day differs."""
    theirs = _uwchr(column, years)
    mine = _icestats(pipeline_db, kind, years)
    differ = {k: (mine.get(k, 0), theirs.get(k, 0)) for k in {*mine, *theirs}
              if mine.get(k, 0) != theirs.get(k, 0)}
    assert differ == {}
    assert len(theirs) > 24_000 and sum(theirs.values()) > 960_000 if kind == "removals" \
        else sum(theirs.values()) == 1_152_107


def _rows_by_removal_fy(path: Path) -> Counter[int]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        for _ in range(5):  # ICE's banner lines
            fh.readline()
        reader = csv.reader(fh, delimiter="|")
        col = next(reader).index("Removal Date")
        return Counter(_fy(datetime.strptime(r[col], "%m/%d/%Y").date()) for r in reader)


def test_removals_per_fiscal_year_equal_ice_published_figures(pipeline_db: Path) -> None:
    with icestats.connect(pipeline_db) as ice:
        got = kind_counts.per_fiscal_year(ice.con, "removals")
    independent: Counter[int] = Counter()
    for path in sorted((DATA / "extra").glob("ICERemovals_FY*.csv.gz")):
        independent.update(_rows_by_removal_fy(path))
    assert got == dict(independent) == {**PUBLISHED_REMOVALS, 2019: 241_513}


def test_each_kind_is_listed_with_its_layout_and_office(pipeline_db: Path) -> None:
    with icestats.connect(pipeline_db) as ice:
        rows = ice.con.execute("""
            SELECT kind, layout, office_from, count(*), sum(rows_loaded), sum(episodes)
            FROM release_kinds GROUP BY ALL ORDER BY 1""").fetchall()
    assert rows == [
        ("arrests", "2019-ICFO-53623", "column", 4, 544_059, 544_059),
        ("encounters", "2019-ICFO-53623", "column", 3, 1_204_932, 1_204_932),
        ("removals", "2019-ICFO-53623", "column", 4, 963_972, 963_972)]


# --- the Seattle office's workbook (office in its title line) -------------------------


def _seattle_53623() -> Counter[date]:
    """Daily Seattle arrests of 2019-ICFO-53623, counted here from the csv files."""
    out: Counter[date] = Counter()
    for path in ARRESTS:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
            for _ in range(5):
                fh.readline()
            reader = csv.reader(fh, delimiter="|")
            header = next(reader)
            aor, when = header.index("Area of Responsibility"), header.index("Apprehension Date")
            for row in reader:
                if row[aor] == "Seattle Area of Responsibility":
                    out[datetime.strptime(row[when], "%m/%d/%Y").date()] += 1
    return out


@pytest.fixture(scope="session")
def seattle_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("seattle") / "sea.duckdb"
    with icestats.connect(db, write=True) as ice:
        ice.ingest([SEATTLE])
    return db


def test_the_seattle_workbook_takes_its_office_from_the_title(seattle_db: Path) -> None:
    with icestats.connect(seattle_db) as ice:
        kinds = ice.con.execute("""SELECT kind, office_from, rows_loaded FROM release_kinds
                                   ORDER BY kind""").fetchall()
        offices = ice.con.execute("""SELECT DISTINCT aor FROM arrests UNION
                                     SELECT DISTINCT aor FROM events""").fetchall()
    assert kinds == [("arrests", "title line", 32_549), ("book_ins", "title line", 36_811),
                     ("removals", "title line", 6_529 + 20_384)]
    assert offices == [("SEA",)]  # never 'unknown'


def test_seattle_arrests_equal_the_national_release_day_by_day(seattle_db: Path) -> None:
    """Two FOIA productions agree on every day of FY2016-18; from 2015-10-01 to 2019-07-05
    (the workbook's last day) exactly three days differ, all in FY2019."""
    with icestats.connect(seattle_db) as ice:
        mine = Counter({d: n for d, _a, n in kind_counts.daily_by_office(ice.con, "arrests")})
    national = _seattle_53623()
    first, last = date(2015, 10, 1), date(2019, 7, 5)
    days = [first + timedelta(k) for k in range((last - first).days + 1)]
    differ = {d: (mine[d], national[d]) for d in days if mine[d] != national[d]}
    assert differ == {date(2018, 12, 29): (0, 1), date(2019, 6, 8): (0, 1),
                      date(2019, 7, 5): (4, 5)}
    assert [sum(mine[d] for d in days if _fy(d) == y) for y in (2016, 2017, 2018)] == \
        [2_698, 3_376, 3_067]


def test_one_office_workbook_does_not_replace_the_national_release(tmp_path: Path) -> None:
    """Loaded beside the national FY2016 arrests, the Seattle workbook owns only the days
    no national release covers."""
    db = tmp_path / "both.duckdb"
    with icestats.connect(db, write=True) as ice:
        ice.ingest([SEATTLE, ARRESTS[0]])
        national = ice.con.execute("""SELECT count(*) FROM arrests WHERE owned AND
                                      apprehension_date BETWEEN '2015-10-01' AND '2016-09-30'
                                      """).fetchall()[0][0]
        before = ice.con.execute("""SELECT count(*) FROM arrests WHERE owned AND
                                    apprehension_date < '2015-10-01'""").fetchall()[0][0]
    assert national == 110_104
    assert before == 6_620 + 7_165 + 4_715 + 2_977  # the workbook's FY2012-15 totals


def test_twenty_two_real_detainer_rows_load(tmp_path: Path) -> None:
    path = DATA / "counts" / "mn-ddp-2026" / "st_cloud_denied.csv"
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    with icestats.connect(tmp_path / "d.duckdb", write=True) as ice:
        r = ice.ingest([path])[0]
        stored = ice.con.execute("""
            SELECT aor, count(*), count(DISTINCT id_hash), min(event_date), max(event_date),
                   count(*) FILTER (WHERE lift_reason = 'Detainer Declined by LEA'),
                   count(*) FILTER (WHERE facility_code = 'MNCFSTC'),
                   count(*) FILTER (WHERE departure_country IS NULL)
            FROM events WHERE kind = 'detainers' GROUP BY aor""").fetchall()
    assert (r.layout, r.rows_loaded, r.rows_rejected) == ("2026-ICLI-00005-processed", 22, 0)
    dates = sorted(date.fromisoformat(x["detainer_prepare_date"]) for x in rows)
    ids = {x["unique_identifier"] for x in rows}
    na = sum(x["departure_country"] == "NA" for x in rows)
    assert stored == [("SPM", 22, len(ids), dates[0], dates[-1], 22, 22, na)]


CAP = DATA / "seattle" / \
    "2018-ICFO-36170_Seattle_CAP_Encounters_Arrests_Removals_FY2017-FY2018YTD.xlsx"


def test_the_seattle_cap_workbook_loads_what_has_a_date(tmp_path: Path) -> None:
    """Its worksheets declare a rows-only dimension (read from a copy without it); its
    arrests load, its encounters (no date column) and removals (dated only by the arrest)
    are recorded as rejected, row by row, with the reason; it owns no national day."""
    db = tmp_path / "cap.duckdb"
    with icestats.connect(db, write=True) as ice:
        r = ice.ingest([CAP, ARRESTS[1]])[0]
        reasons = ice.con.execute("""SELECT kind, reason, count(*) FROM rejects
                                     GROUP BY ALL ORDER BY 1""").fetchall()
        fy2017 = ice.con.execute("""SELECT count(*) FROM arrests WHERE owned AND episode_start
                                    AND apprehension_date <= '2017-09-30'""").fetchall()
    assert {k: (v.rows_loaded, v.rows_rejected) for k, v in r.kinds.items()} == {
        "arrests": (1_410 + 2_656, 0), "encounters": (0, 7_829 + 11_712),
        "removals": (0, 1_267 + 1_917)}
    # the first 10,000 rejected rows of a file are stored (all are counted), in sheet order
    assert [(k, n) for k, _reason, n in reasons] == [("encounters", 7_829 + 904),
                                                      ("removals", 1_267)]
    assert "no date column" in reasons[0][1]
    assert fy2017 == [(143_470,)]  # the national FY2017 file still owns its days
