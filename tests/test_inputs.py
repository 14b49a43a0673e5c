"""Inputs, the same everywhere: bad windows, goals and date ranges are one clear line and a
non-zero exit (HTTP 422 from the API); offices by code or by name; --version."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

import icestats
from icestats import __version__
from icestats.errors import UsageError

from conftest import release_db, run


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return release_db(tmp_path_factory.mktemp("inputs"), "r.csv", rows=3000)  # 2025-03..06


@pytest.mark.parametrize("args,fragment", [
    (["goal", "--window", "0"], "--window must be a whole number of days from 1"),
    (["goal", "--goal", "inf"], "--goal must be a finite number from 0.01 to 1000000, not"),
    (["goal", "--goal", "-5"], "--goal must be a finite number from 0.01 to 1000000, not"),
    (["offices", "--window", "0"], "--window must be a whole number of days"),
    (["offices", "--fair", "--goal", "nan"],
     "--goal must be a finite number from 0.01 to 1000000, not"),
    (["breakdown", "--by", "gender", "--from", "2025-06-01", "--to", "2025-05-01"],
     "--from 2025-06-01 is after --to 2025-05-01"),
    (["breakdown", "--by", "gender", "--from", "2030-01-01"], "is outside the data"),
    (["daily", "--from", "1999-01-01", "--to", "1999-02-01"], "is outside the data"),
    (["breakdown", "--by", "shoe_size"], "unknown --by 'shoe_size'"),
    (["daily", "--aor", "Gotham"], "unknown office 'Gotham'"),
])
def test_bad_values_are_one_line(db: Path, args: list[str], fragment: str) -> None:
    r = run(*args, "--db", db)
    assert r.exit_code == 2, r.output
    assert fragment in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_offices_by_name_in_any_spelling(db: Path) -> None:
    by_code = json.loads(run("daily", "--aor", "CHI", "--db", db, "--json").stdout)
    for spelling in ("Chicago", "chicago area of responsibility", "CHICAGO"):
        r = json.loads(run("daily", "--aor", spelling, "--db", db, "--json").stdout)
        assert r["rows"] == by_code["rows"] and r["aor"] == "CHI"
    stp = json.loads(run("daily", "--aor", "St. Paul", "--db", db, "--json").stdout)
    assert stp["aor"] == "SPM"


def test_python_api_takes_date_strings(db: Path) -> None:
    with icestats.connect(db) as ice:
        a = ice.goal(as_of="2025-05-01")
        b = ice.goal(as_of=date(2025, 5, 1))
        assert a.to_dict() == b.to_dict()
        with pytest.raises(UsageError, match="not a date"):
            ice.daily(start="May 1")


def test_version() -> None:
    r = run("--version")
    assert r.exit_code == 0 and r.stdout.strip() == f"icestats {__version__}"


def test_api_rejects_infinite_goals(db: Path) -> None:
    from fastapi.testclient import TestClient

    from icestats.web.app import create_app

    client = TestClient(create_app(db), base_url="http://127.0.0.1")
    for url in ("/api/goal?goal=inf", "/api/goal?goal=nan", "/api/fair?goal=inf",
                "/api/breakdown?by=gender&from=2025-06-01&to=2025-05-01"):
        assert client.get(url).status_code == 422, url


def test_offices_list_needs_no_database() -> None:
    r = run("offices", "--list", "--json", "--db", "nowhere.duckdb")
    assert r.exit_code == 0
    out = json.loads(r.stdout)["offices"]
    assert len(out) == 26 and {"code": "SPM", "name": "St. Paul"}.items() <= next(
        o for o in out if o["code"] == "SPM").items()
    assert "St. Paul" in run("offices", "--list").stdout


@pytest.mark.slow  # (the fast set: under 3 minutes; make test runs it)
def test_help_has_no_bool_labels_and_no_hard_breaks(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Every command's --help, as `icestats` prints it: no `<bool>` type label on any flag
    (--help included), and a sentence wraps with the width, not at a fixed break."""
    from icestats import cli

    monkeypatch.setenv("COLUMNS", "200")
    command = cli._command(cli._app())
    names = sorted(command.commands)
    assert {"goal", "offices", "events", "ingest", "export", "sql"} <= set(names)
    exports = sorted(command.commands["export"].commands)  # type: ignore[attr-defined]
    assert {"daily", "goal", "fair", "datasette"} <= set(exports)
    for args in [[], *[[n] for n in names], *[["export", n] for n in exports]]:
        monkeypatch.setattr("sys.argv", ["icestats", *args, "--help"])
        with pytest.raises(SystemExit) as done:
            cli.main()
        assert done.value.code == 0
        out = capsys.readouterr().out
        assert "--help" in out and "<bool>" not in out, args
        rows = [ln.strip("│ ") for ln in out.splitlines() if ln.startswith("│ --")]
        assert all(len(r) < 190 for r in rows)
        if args == ["goal"]:  # one sentence on one line at 200 columns
            assert "Last day of the window (YYYY-MM-DD); default: last complete day." in out
