"""--format csv|tsv|markdown|json: the answer's own tables with its exact numbers (never the
rounded display strings), and the source line, on every command that prints a table."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import run, small_db

COMMANDS = [["status"], ["goal"], ["offices"], ["offices", "--fair"],
            ["breakdown", "--by", "custody"], ["daily"], ["fiscal-years"], ["nowcast"],
            ["forecast", "--horizon", "14"], ["surges"],
            ["events", "--event", "2025-05-01,CHI,test"]]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_db(tmp_path_factory.mktemp("formats"))


def tables_of(text: str, delimiter: str = ",") -> tuple[dict[str, list[dict[str, str]]], str]:
    """The tables of a csv/tsv output by name (one unnamed table: ''), and its source."""
    lines = text.splitlines()
    assert lines[-1].startswith("# source: "), lines[-1]
    out: dict[str, list[dict[str, str]]] = {}
    name, block = "", []
    for line in [*lines[:-1], ""]:
        if line.startswith("# table: "):
            name = line.removeprefix("# table: ")
        elif line:
            block.append(line)
        elif block:
            out[name] = list(csv.DictReader(io.StringIO("\n".join(block)),
                                            delimiter=delimiter))
            block = []
    return out, lines[-1]


def answer(db: Path, *args: str) -> dict:
    result = run(*args, "--db", db, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_offices_csv_is_the_answer_exactly(db: Path) -> None:
    a = answer(db, "offices")
    result = run("offices", "--db", db, "--format", "csv")
    assert result.exit_code == 0
    tables, source = tables_of(result.stdout)
    rows = tables[""]
    assert [r["aor"] for r in rows] == [o["aor"] for o in a["offices"]]
    for r, o in zip(rows, a["offices"], strict=True):
        assert int(r["arrests"]) == o["arrests"]
        assert float(r["per_day"]) == o["per_day"]  # exact, not the one-decimal display
        assert (float(r["share_percent"]) if r["share_percent"] else None) == \
            o["share_percent"]
    assert sum(int(r["arrests"]) for r in rows) == sum(o["arrests"] for o in a["offices"])
    assert source == f"# source: GENERATED data: {a['source']['text']}; database: {db}"


def test_daily_tsv_totals_add_up_to_the_records(db: Path) -> None:
    """The totals by month, independently: each month's arrests counted from the export."""
    from collections import Counter

    from conftest import export_aor

    a = answer(db, "daily")
    tables, _ = tables_of(run("daily", "--db", db, "--format", "tsv").stdout, "\t")
    by_month: Counter[str] = Counter()
    for (day, _aor), n in export_aor(db, db.parent).items():
        by_month[day[:7]] += n
    rows = tables[""]
    assert {r["key"]: int(r["arrests"]) for r in rows} == dict(by_month)
    assert [float(r["per_day"]) for r in rows] == [t["per_day"] for t in a["totals"]]


def test_goal_prints_its_summary_and_windows(db: Path) -> None:
    a = answer(db, "goal")
    tables, _ = tables_of(run("goal", "--db", db, "--format", "csv").stdout)
    summary = {r["name"]: r for r in tables["summary"]}
    assert float(summary["latest_day_arrests"]["number"]) == a["latest_day_arrests"]
    assert summary["as_of"]["value"] == a["as_of"]
    assert [float(w["mean_per_day"]) for w in tables["windows"]] == \
        [w["mean_per_day"] for w in a["windows"]]


def test_markdown_is_a_table_with_the_source_as_a_footnote(db: Path) -> None:
    a = answer(db, "fiscal-years")
    text = run("fiscal-years", "--db", db, "--format", "markdown").stdout
    lines = text.splitlines()
    assert lines[0] == "**years**[^source]"
    header = [c.strip() for c in lines[2].strip("|").split("|")]
    assert header[:3] == ["fiscal_year", "first", "days"]
    assert lines[3].startswith("|---:|:---|---:|")
    body = [[c.strip() for c in x.strip("|").split("|")] for x in lines[4:4 + len(a["years"])]]
    assert [int(r[header.index("arrests")]) for r in body] == [y["arrests"] for y in a["years"]]
    assert lines[-1] == f"[^source]: GENERATED data: {a['source']['text']}; database: {db}"


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_every_table_command_prints_csv_with_its_source(db: Path, args: list[str]) -> None:
    result = run(*args, "--db", db, "--format", "csv")
    assert result.exit_code == 0, result.output
    tables, source = tables_of(result.stdout)
    assert tables and "GENERATED data" in source
    j = run(*args, "--db", db, "--format", "json")
    assert json.loads(j.stdout) == answer(db, *args)


def test_a_bad_format_is_one_line(db: Path) -> None:
    for args in (["--format", "xml"], ["--format", "csv", "--json"]):
        result = run("offices", "--db", db, *args)
        assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1


def test_the_office_list_prints_in_every_format() -> None:
    from icestats import reference

    offices = reference.offices()
    rows = list(csv.DictReader(io.StringIO(run("offices", "--list", "--format", "csv").stdout)))
    assert [(r["code"], r["name"]) for r in rows] == [(o.code, o.name) for o in offices]
    tsv = run("offices", "--list", "--format", "tsv").stdout.splitlines()
    assert tsv[0] == "code\tname\tspellings" and len(tsv) == len(offices) + 1
    md = run("offices", "--list", "--format", "markdown").stdout.splitlines()
    assert md[0] == "| code | name | spellings |" and len(md) == len(offices) + 2
