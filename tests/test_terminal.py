"""No number or word is cut or split at any terminal width from 60 columns up: every table
command, at 60, 80 and 100 columns, on a small generated database and on the real data.

Each command's numbers are taken from its --json answer and looked for whole in the table
output (the table may leave optional columns out, or stack its rows, but never cut a
value); and no value may continue on the next line (a line of a cell ending in a digit
followed by the same cell starting with a digit, '.' or '%')."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from icestats.cli import app
from icestats.render.format import num

from conftest import small_db

pytestmark = pytest.mark.slow  # run by `make test` and CI; plain `pytest` skips it

WIDTHS = ("60", "80", "100", "120")
BOX = re.compile(r"[│┃|]")
CONTINUES = re.compile(r"\.?\d[\d,.]*%?([\s)\]]|$)|%([)\]]|$)")  # the rest of a cut number
# command, the table in its --json answer, and the fields whose values the table shows
# (each with the decimals it is shown with); fields of optional columns are not listed.
COMMANDS: list[tuple[list[str], str, dict[str, int]]] = [
    (["status"], "releases", {"rows_loaded": 0, "coverage_start": -1}),
    (["goal"], "windows", {"mean_per_day": 1, "percent_of_goal": 1}),
    (["offices"], "offices", {"arrests": 0, "per_day": 1}),
    (["offices", "--fair"], "offices", {"per_day": 1}),
    (["breakdown", "--by", "custody", "--period", "month"], "periods", {"total": 0}),
    (["breakdown", "--by", "gender", "--period", "quarter"], "periods", {"total": 0}),
    (["daily"], "totals", {"arrests": 0, "per_day": 1}),
    (["fiscal-years"], "years", {"arrests": 0, "per_day": 1}),
    (["nowcast"], "days", {"reported": 0}),
    (["forecast", "--horizon", "14"], "weeks", {"mean": 1}),
    (["surges"], "surges", {"per_day_before": 1}),
]
REAL_ONLY: list[tuple[list[str], str, dict[str, int]]] = [
    (["agency"], "book_ins_by_month", {"ice": 0, "cbp": 0, "total": 0, "per_day": 1}),
    (["revisions"], "rows", {"value": 0}),
    (["events", "--event", "2017-01-20,CHI,Inauguration"], "events",
     {"before_per_day": 1, "after_per_day": 1}),
]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_db(tmp_path_factory.mktemp("terminal"))


def invoke(args: list[str], width: str) -> str:
    result = CliRunner().invoke(app, args, env={"COLUMNS": width}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return re.sub(r"\x1b\[[0-9;]*m", "", result.output)


def shown(value: object, digits: int) -> str:
    return str(value) if digits < 0 else num(value if digits else int(value), digits)


def split_values(lines: list[str]) -> list[str]:
    """Pairs of lines where a value seems to continue: a cell (or a line of text) ending
    in a digit, the same cell of the next line starting with a digit, '.' or '%'."""
    bad = []
    for a, b in zip(lines, lines[1:], strict=False):
        ca, cb = BOX.split(a), BOX.split(b)
        if len(ca) != len(cb):
            ca, cb = [a], [b]
        elif not any(x.strip() and not y.strip() for x, y in zip(ca, cb, strict=True)):
            continue  # the next row of the table, not the rest of this one
        for x, y in zip(ca, cb, strict=True):
            if re.search(r"\d$", x.strip()) and CONTINUES.match(y.strip()):
                bad.append(f"{a!r} / {b!r}")
    return bad


def check(db: Path, args: list[str], table: str, fields: dict[str, int]) -> None:
    answer = json.loads(invoke([*args, "--db", str(db), "--json"], "100"))
    rows = answer[table]
    assert rows, f"{args}: no rows in {table}"
    for width in WIDTHS:
        out = invoke([*args, "--db", str(db)], width)
        lines = out.splitlines()
        assert "…" not in out, f"{args} at {width} columns cut a value:\n{out}"
        too_long = [x for x in lines if len(x) > int(width) and not x.startswith("database: ")]
        assert not too_long, f"{args} at {width}: {too_long}"  # (a path is one word)
        assert not split_values(lines), f"{args} at {width}: {split_values(lines)}"
        for row in rows:
            for field, digits in fields.items():
                if row.get(field) is None:
                    continue
                value = shown(row[field], digits)
                pattern = r"(?<![\d,.])" + re.escape(value) + r"(?![\d,]|\.\d)"
                assert re.search(pattern, out), f"{args} at {width}: {field} {value}\n{out}"


@pytest.mark.parametrize("args,table,fields", COMMANDS, ids=lambda x: x if isinstance(
    x, str) and "_" not in x else None)
def test_small_database_fits_every_width(small: Path, args: list[str], table: str,
                                         fields: dict[str, int]) -> None:
    check(small, args, table, fields)


@pytest.mark.parametrize("args,table,fields", COMMANDS + REAL_ONLY)
def test_real_data_fits_every_width(real_full_db: Path, args: list[str], table: str,
                                    fields: dict[str, int]) -> None:
    check(real_full_db, args, table, fields)


def test_a_narrow_table_says_which_columns_it_left_out(real_full_db: Path) -> None:
    out = invoke(["offices", "--db", str(real_full_db)], "70")
    assert "Left out at 70 columns: prev. per day (" in out
    assert "46.8" not in out  # Dallas's previous 28 days went first ...
    assert "Dallas" in out and "1,224" in out and "43.7" in out  # ... never its count


def test_too_narrow_for_any_table_stacks_the_rows(real_full_db: Path) -> None:
    out = invoke(["goal", "--db", str(real_full_db)], "60")
    assert "┃" not in out.split("Trend")[0]
    assert "  arrests/day: 362.9" in out and "  shortfall/day: 2,637.1" in out
