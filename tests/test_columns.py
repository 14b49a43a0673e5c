"""One column spec per answer table, rendered by every surface (terminal, report, markdown,
the dashboard's display block, csv), and the wrong labels and numbers issue 20 found at
the edges: each test here fails on the code before the specs."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

import icestats
from icestats.cli import app
from icestats.render.columns import Col
from icestats.render.format import num, pct

from conftest import loaded_db, make_release, run

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated release (2025-03-01..10-15) and ICE's real FY2025 workbook."""
    return loaded_db(tmp_path_factory.mktemp("columns"), seed=5)


@pytest.fixture(scope="module")
def foia(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated release in the layout of FOIA 2019-ICFO-53623 (no criminality, agency
    or program column; citizenship, gender, method, disposition, landmark)."""
    tmp = tmp_path_factory.mktemp("foia")
    path = tmp / "foia.duckdb"
    rel = make_release(tmp / "foia.csv", layout="2019-ICFO-53623", rows=4000,
                       start=date(2018, 10, 1), end=date(2019, 3, 31))
    assert run("ingest", rel, "--db", path).exit_code == 0
    return path


def terminal(*args: object, width: int = 100) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": str(width)},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return ANSI.sub("", result.stdout)


def as_json(*args: object) -> dict:
    return json.loads(terminal(*args, "--json"))


def header_cells(text: str) -> list[str]:
    """The labels of the first rich table's header (a wrapped header joined)."""
    lines = text.split("┡")[0].splitlines()
    parts = [[c.strip() for c in x.strip("┃").split("┃")] for x in lines if x.startswith("┃")]
    return [" ".join(w for w in col if w) for col in zip(*parts, strict=True)]


def first_table_rows(text: str) -> list[str]:
    return [x for x in text.split("└")[0].splitlines() if x.startswith("│")]


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_every_spec_renders_every_row_of_its_answer(db: Path) -> None:
    """No spec names a key its answer lacks: every cell of every main table is written."""
    from icestats.answer_tables import main_tables
    from icestats.render.shown import resolve, spec

    with icestats.connect(db) as ice:
        answers = [ice.status(), ice.goal(), ice.offices(), ice.breakdown("custody"),
                   ice.breakdown("aor", period="fy"), ice.daily(), ice.daily("criminality"),
                   ice.fiscal_years(), ice.agency(), ice.revisions(), ice.nowcast(),
                   ice.fair_offices(), ice.underperformers(), ice.surges(),
                   ice.forecast(horizon=14)]
    for a in answers:
        for name in main_tables(a):
            if spec(a.question, name) is None:
                continue
            shown = resolve(a, name)
            cells = shown.cells()
            assert shown.columns and len(cells) == len(shown.rows), (a.question, name)
            assert all(len(row) == len(shown.columns) for row in cells)


def test_one_spec_draws_every_surface(db: Path) -> None:
    """The offices table: the same labels and the same cells in the terminal, markdown,
    the dashboard's display block and the report's HTML table."""
    from icestats.render.html_tables import html_table

    display = as_json("offices", "--db", db)["display"]["offices"]
    labels = [c["label"] for c in display["columns"]]
    assert labels == ["rank", "office", "code", "arrests", "per day", "prev. per day",
                      "change", "share"]
    wide = terminal("offices", "--db", db, width=160)
    assert header_cells(wide) == labels
    md = terminal("offices", "--db", db, "--format", "markdown").splitlines()
    assert [c.strip() for c in md[2].strip("|").split("|")] == labels
    body = [[c.strip() for c in x.strip("|").split("|")] for x in md[4:4 + len(display["rows"])]]
    assert body == display["rows"]
    lines = first_table_rows(wide)
    assert [[c.strip() for c in x.strip("│").split("│")] for x in lines] == display["rows"]
    with icestats.connect(db) as ice:
        html = html_table(ice.offices(), "offices", "t")
    assert all(f">{cell}</td>" in html for row in display["rows"] for cell in row)


def test_adding_a_column_is_one_edit_that_shows_everywhere(db: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """One Col added to the offices spec: the terminal, markdown, display (the dashboard),
    the report's table and the csv all show it, where the spec puts it."""
    from dataclasses import replace

    from icestats.render import shown
    from icestats.render.html_tables import html_table

    old = shown.REGISTRY[("offices", "offices")]
    extra = Col("days_in_window", "days", "days in the window")

    def columns(a: object) -> tuple[Col, ...]:
        cols = old.columns(a) if callable(old.columns) else old.columns  # type: ignore[arg-type]
        return (*cols[:4], extra, *cols[4:])
    monkeypatch.setitem(shown.REGISTRY, ("offices", "offices"),
                        replace(old, rows=lambda a: [{**r, "days_in_window": a.window_days}
                                                     for r in a.offices.to_pylist()],
                                columns=columns))
    assert header_cells(terminal("offices", "--db", db, width=160))[4] == "days"
    md = terminal("offices", "--db", db, "--format", "markdown").splitlines()
    assert md[2].split("|")[5].strip() == "days" and md[4].split("|")[5].strip() == "28"
    display = as_json("offices", "--db", db)["display"]["offices"]
    assert display["columns"][4]["label"] == "days" and display["rows"][0][4] == "28"
    with icestats.connect(db) as ice:
        assert "<th>days</th>" in html_table(ice.offices(), "offices", "t")
    side = terminal("export", "offices", "--db", db, "-o", db.parent / "o.csv")
    assert side == ""  # (what was written goes to stderr)
    meta = json.loads((db.parent / "o.csv.source.json").read_text())
    assert [c["name"] for c in meta["columns"]][4] == "days_in_window"


def test_agency_labels_each_column_by_its_own_source(db: Path) -> None:
    """A generated release beside ICE's real workbook: the arrests a day are labelled
    GENERATED, the book-ins REAL; at 80 columns the generated column is left out first
    (before: the generated column sat under 'REAL DATA from ICE's detention statistics
    workbooks', and the real CBP share was dropped first)."""
    narrow = terminal("agency", "--db", db, width=80)
    assert "REAL DATA from ICE's detention statistics workbooks" not in narrow
    assert "CBP share" in header_cells(narrow) or "CBP share" in narrow.split("Left out")[0]
    assert "Left out at 80 columns: arrests/day (GENERATED)" in narrow
    assert "arrests/day: GENERATED (synthetic) arrest records from r.parquet" in narrow
    assert "the other columns: REAL ICE detention statistics from " \
           "FY25_detentionStats_final.xlsx" in " ".join(narrow.split())
    wide = terminal("agency", "--db", db, width=160)
    assert header_cells(wide)[-1] == "arrests/day (GENERATED)"
    display = as_json("agency", "--db", db)["display"]["book_ins_by_month"]
    assert display["columns"][-1]["label"] == "arrests/day (GENERATED)"
    assert display["sources"][0] == {"columns": ["arrests/day"],
                                     "source": "GENERATED (synthetic) arrest records from "
                                               "r.parquet"}


def test_the_report_calls_book_ins_book_ins(db: Path) -> None:
    """Before: 'ICE arrests' and 'CBP arrests' for book-ins into detention, under a
    'Border Patrol' heading (CBP also includes the officers at ports of entry)."""
    from icestats.render import specs

    with icestats.connect(db) as ice:
        spec = specs.agency(ice.agency(), 600)
    legend = spec["layer"][0]["encoding"]["color"]["scale"]["domain"]
    assert legend == ["book-ins after ICE arrests", "book-ins after CBP arrests"]
    assert "GENERATED" not in spec["usermeta"]["source"]  # the chart draws the workbook


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_a_dimension_the_release_lacks_is_not_in_this_release(foia: Path,
                                                              tmp_path: Path) -> None:
    """Before: criminality, agency and program drawn as 100% '(blank)' tables and bars on
    FOIA 2019-ICFO-53623, while citizenship, gender and method were not drawn."""
    from icestats.render.report import build

    for by in ("criminality", "agency", "program"):
        out = terminal("breakdown", "--by", by, "--db", foia)
        assert f"{by} is not in this release: the 2019-ICFO-53623 layout (foia.csv)" in \
            " ".join(out.split())
        assert "(blank)" not in out and "(not recorded)" not in out and "┏" not in out
        a = as_json("breakdown", "--by", by, "--db", foia)
        assert a["rows"] == [] and a["not_in_release"].startswith(f"{by} is not in this")
        assert as_json("daily", "--by", by, "--db", foia)["not_in_release"]
    assert as_json("breakdown", "--by", "method", "--db", foia)["not_in_release"] is None
    with icestats.connect(foia) as ice:
        html = build(ice)
    for by in ("method", "citizenship", "gender", "disposition"):
        assert f"id='comp-{by}'" in html, by
    for by in ("criminality", "agency_group", "program"):
        assert f"id='comp-{by}'" not in html, by
    assert "Not in this release, so not drawn: criminality, arresting agency, program." in html


def test_shares_and_rates_are_rounded_once(db: Path) -> None:
    """The answer carries exact numbers; the display rounds them once (before: shares
    rounded to 2 decimals in SQL, then to 1 for display, Dallas 11.9% for 11.849%; csv's
    per_day rounded to one decimal)."""
    a = as_json("offices", "--db", db)
    total = sum(o["arrests"] for o in a["offices"])
    rows = {r[2]: r for r in a["display"]["offices"]["rows"]}
    for o in a["offices"]:
        assert o["share_percent"] == pytest.approx(100 * o["arrests"] / total, abs=1e-12)
        assert o["per_day"] == pytest.approx(o["arrests"] / a["days_with_data"], abs=1e-12)
        assert rows[o["aor"]][7] == pct(o["share_percent"], 1)
        assert rows[o["aor"]][4] == num(o["per_day"], 1)
    text = terminal("offices", "--db", db, "--format", "csv")
    first = next(csv.DictReader(io.StringIO(text)))
    assert float(first["per_day"]) == a["offices"][0]["per_day"]
    assert len(first["per_day"].split(".")[-1]) > 1


def test_events_at_80_columns_is_a_table_without_orphan_lines(db: Path) -> None:
    """Before: the effects, their intervals and p stacked into unlabelled lines."""
    out = terminal("events", "--event", "2025-06-06,LOS,Los Angeles", "--db", db, width=80)
    assert header_cells(out) == ["event", "over", "effect", "95% interval", "p"]
    rows = first_table_rows(out)
    spans = [x.split("│")[2].strip() for x in rows]
    assert [s for s in spans if s] == ["14 days", "28 days", "56 days", "pre-trend (28 d)"]
    assert all(x.split("│")[1].strip() for x in rows if x.split("│")[2].strip())
    assert all(len(x) <= 80 for x in out.splitlines())
    stacked = [x for x in out.splitlines() if re.fullmatch(r"\s*(p \d\.\d+|[\d.]+–[\d.]+)",
                                                           x)]
    assert stacked == []


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_underperformers_fit_80_columns_as_ranks_side_by_side(db: Path) -> None:
    """Before: twelve stacked blocks at 80 columns."""
    out = terminal("offices", "--underperformers", "--db", db, width=80)
    a = as_json("offices", "--underperformers", "--db", db)
    head = out.split("┡")[0]
    for m in a["measures"]:
        assert all(w in head for w in m["short"].split()), m["short"]
    rows = first_table_rows(out)
    assert len(rows) == sum(1 for o in a["offices"] if o["bottom_under"])
    assert all(len(x) <= 80 for x in out.splitlines())
    low = a["measures"][0]["bottom"][0]
    line = next(x for x in rows if x.startswith(f"│{low['aor']} "))
    assert f"▼{low['rank']} {low['rank_low']}–{low['rank_high']}" in line


def test_status_shows_the_arrests_of_each_release_and_in_all(db: Path) -> None:
    """Before: 56,077 in --json, not in the table."""
    a = as_json("status", "--db", db)
    out = terminal("status", "--db", db)
    rel = a["releases"][0]
    assert "arrests" in header_cells(out)
    assert a["arrests"] == sum(r["episodes"] for r in a["releases"]) == \
        a["rows_loaded"] - a["records_merged"]
    line = first_table_rows(out)[0]
    assert f" {rel['episodes']:,} " in line
    assert (f"Rows loaded {a['rows_loaded']:,}: {a['arrests']:,} arrests after merging "
            f"{a['records_merged']:,} duplicate records") in " ".join(out.split())


def test_renderers_show_what_privacy_decided(db: Path) -> None:
    """A cell is '(s)' where the answer says suppressed and its number everywhere else,
    whatever its size; a table holding a suppressed row gets no total that would give it
    away; no renderer imports privacy."""
    import pyarrow as pa

    from icestats.answers import BreakdownAnswer, DailyAnswer
    from icestats.render.shown import resolve

    cells = {"F": {"arrests": 3, "share": 3.0, "suppressed": False},
             "M": {"arrests": None, "share": None, "suppressed": True}}
    b = BreakdownAnswer("gender", "month", pa.table({"x": [1]}),
                        [{"period": date(2025, 3, 1), "cells": cells, "total": None,
                          "days": 31, "period_days": 31, "incomplete_days": 0,
                          "partial": False}], ["F", "M"])
    assert resolve(b, "rows").cells() == [["2025-03", "3 (3%)", "(s)", "–"]]
    with icestats.connect(db) as ice:
        d = ice.daily("gender", aor="BUF", start="2025-03-01", end="2025-03-03")
    totals = d.totals.to_pylist()
    shown = resolve(d, "totals").cells()
    if any(r["arrests"] is None for r in totals):
        assert [r[0] for r in shown] == [r["key"] for r in totals]  # no "total" row
    else:
        assert shown[-1][0] == "total"
    hidden = DailyAnswer(pa.table({"x": [1]}), "gender", None, date(2025, 3, 1),
                         date(2025, 3, 1), d.coverage, d.series, pa.table({
                             "key": ["F", "M"], "arrests": [3, None], "days": [1, 1],
                             "per_day": [3.0, None], "share_percent": [None, None],
                             "partial": [False, False]}), d.weekly,
                         {"arrests": 40, "days": 1, "per_day": 40.0})
    assert [r[0] for r in resolve(hidden, "totals").cells()] == ["F", "M"]
    src = Path(icestats.__file__).parent
    for f in [*(src / "render").glob("*.py"), *(src / "web").glob("*.py")]:
        assert "privacy" not in re.findall(r"^\s*(?:from|import) icestats\.?(\w*)",
                                           f.read_text(), re.M), f


def test_office_by_fiscal_year_and_month(db: Path, foia: Path) -> None:
    """`breakdown --by aor --period fy|month`: offices as rows, periods as columns, the
    counts adding up to each period's national count."""
    a = as_json("breakdown", "--by", "aor", "--period", "month", "--db", db)
    national = {r["key"]: r["arrests"] for r in as_json("daily", "--db", db)["totals"]}
    by_month: dict[str, int] = {}
    for r in a["rows"]:
        by_month[r["period"][:7]] = by_month.get(r["period"][:7], 0) + r["arrests"]
    assert by_month == national
    display = a["display"]["rows"]
    assert [c["label"] for c in display["columns"]][0] == "office"
    assert [c["label"].rstrip("*") for c in display["columns"][1:]] == list(national)
    assert {r[0] for r in display["rows"]} == {r["aor"] for r in a["rows"]}
    fy = as_json("breakdown", "--by", "aor", "--period", "fy", "--db", db)
    assert [c["label"] for c in fy["display"]["rows"]["columns"]] == ["office", "FY2025*",
                                                                      "FY2026*"]
    for dim in ("disposition", "operation", "landmark"):  # (the FOIA 2019 layout has them)
        assert as_json("breakdown", "--by", dim, "--db", foia)["rows"], dim


def test_dashboard_csv_of_several_offices(db: Path) -> None:
    from fastapi.testclient import TestClient

    from icestats.web.app import create_app

    client = TestClient(create_app(db), base_url="http://127.0.0.1")
    r = client.get("/api/daily?aor=CHI,NYC&format=csv")
    assert r.status_code == 200 and "CHI-NYC" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    with icestats.connect(db) as ice:
        want = [(str(d), c, n) for c in ("CHI", "NYC") for d, n in zip(
            ice.daily(aor=c).rows["date"].to_pylist(),
            ice.daily(aor=c).rows["arrests"].to_pylist(), strict=True)]
    assert [(x["date"], x["aor"], int(x["arrests"])) for x in rows] == want
    api = client.get("/api/offices").json()
    assert api["display"] == as_json("offices", "--db", db)["display"]
