"""One end-to-end test per user-facing command, numbers checked against the reference."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import icestats

from conftest import make_release, run
from reference_impl import daily_by_aor, read_release

START, END = dt.date(2025, 1, 1), dt.date(2025, 6, 30)


def rnd(x: float, digits: int = 1) -> float:
    """Half away from zero, written independently of icestats."""
    from decimal import ROUND_HALF_UP, Decimal

    return float(Decimal(str(x)).quantize(Decimal("0." + "0" * (digits - 1) + "1"),
                                          rounding=ROUND_HALF_UP))


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[tuple[str, str], int]]:
    tmp = tmp_path_factory.mktemp("cmd")
    release = make_release(tmp / "r.xlsx", seed=5, rows=6000, start=START, end=END)
    db = tmp / "db.duckdb"
    assert run("ingest", release, "--db", db).exit_code == 0
    return db, daily_by_aor([read_release(release)])


def national(ref: dict[tuple[str, str], int]) -> dict[dt.date, int]:
    days: Counter[dt.date] = Counter()
    for (d, _), n in ref.items():
        days[dt.date.fromisoformat(d)] += n
    return days


def test_goal_json(loaded: tuple[Path, dict]) -> None:
    db, ref = loaded
    out = json.loads(run("goal", "--db", db, "--json", "--goal", "500").stdout)
    days = national(ref)
    as_of = END - dt.timedelta(days=14)  # the last 14 days are the incomplete tail
    assert out["as_of"] == as_of.isoformat()
    assert out["latest_day_arrests"] == days[as_of]
    by_window = {w["days"]: w for w in out["windows"]}
    for w in (7, 28, 90):
        mean = sum(days[as_of - dt.timedelta(days=i)] for i in range(w)) / w
        # exact numbers (rounded once, where they are shown)
        assert by_window[w]["mean_per_day"] == pytest.approx(mean, abs=1e-12)
        assert by_window[w]["percent_of_goal"] == pytest.approx(100 * mean / 500, abs=1e-12)
        assert by_window[w]["shortfall_per_day"] == pytest.approx(500 - mean, abs=1e-12)
    prev = sum(days[as_of - dt.timedelta(days=i)] for i in range(28, 56)) / 28
    assert out["trend"]["previous_mean_per_day"] == pytest.approx(prev, abs=1e-12)


def test_goal_table_and_tail_option(loaded: tuple[Path, dict]) -> None:
    db, ref = loaded
    text = run("goal", "--db", db).stdout
    assert "3,000" in text and "28-day mean" in text and f"database: {db}" in text
    out = json.loads(run("goal", "--db", db, "--json", "--include-incomplete").stdout)
    assert out["as_of"] == END.isoformat()
    assert out["latest_day_arrests"] == national(ref)[END]


def test_offices_json(loaded: tuple[Path, dict]) -> None:
    db, ref = loaded
    out = json.loads(run("offices", "--db", db, "--json", "--window", "28").stdout)
    as_of = END - dt.timedelta(days=14)
    window = {(as_of - dt.timedelta(days=i)).isoformat() for i in range(28)}
    counts: Counter[str] = Counter()
    for (d, aor), n in ref.items():
        if d in window:
            counts[aor] += n
    rows = {r["aor"]: r for r in out["offices"]}
    assert len(rows) == 27  # 25 offices + HQ + unknown
    for aor, r in rows.items():
        assert r["arrests"] == counts[aor]
        assert r["per_day"] == pytest.approx(counts[aor] / 28, abs=1e-12)
    ranked = [r for r in out["offices"] if r["rank"] is not None]
    assert [r["rank"] for r in ranked] == list(range(1, 26))
    assert [r["per_day"] for r in ranked] == sorted((r["per_day"] for r in ranked), reverse=True)
    assert rows["HQ"]["rank"] is None and rows["UNK"]["rank"] is None
    total = sum(counts.values())
    assert rows["MIA"]["share_percent"] == pytest.approx(100 * counts["MIA"] / total,
                                                         abs=1e-12)


def test_breakdown_and_custody(loaded: tuple[Path, dict]) -> None:
    db, ref = loaded
    out = json.loads(run("breakdown", "--by", "criminality", "--db", db, "--json").stdout)
    by_month: Counter[str] = Counter()
    for r in out["rows"]:
        by_month[r["period"][:7]] += r["arrests"]
    ref_month: Counter[str] = Counter()
    for (d, _), n in ref.items():
        ref_month[d[:7]] += n
    assert by_month == ref_month
    labels = {r["criminality"] for r in out["rows"]}
    assert labels <= {"1 Convicted Criminal", "2 Pending Criminal Charges",
                      "3 Other Immigration Violator", "(blank)"}
    custody = json.loads(run("breakdown", "--by", "custody", "--db", db, "--json").stdout)
    assert {r["custody"] for r in custody["rows"]} <= {"custodial", "at-large", "unknown",
                                                        "reprocessed"}
    assert "Arrests by criminality" in run("breakdown", "--by", "criminality", "--db", db).stdout


def test_export_formats_agree(loaded: tuple[Path, dict], tmp_path: Path) -> None:
    db, ref = loaded
    for fmt in ("csv", "parquet", "json"):
        assert run("export", "daily", "--db", db, "--by", "aor", "-o",
                   tmp_path / f"d.{fmt}").exit_code == 0
    rows = pq.read_table(tmp_path / "d.parquet").to_pylist()
    assert {(r["date"].isoformat(), r["aor"]): r["arrests"] for r in rows
            if r["arrests"]} == ref  # (the export is zero-filled)
    js = json.loads((tmp_path / "d.json").read_text())
    assert {(r["date"], r["aor"]): r["arrests"] for r in js if r["arrests"]} == ref
    assert run("export", "daily", "--db", db, "-o", tmp_path / "n.csv").exit_code == 0
    lines = (tmp_path / "n.csv").read_text().splitlines()
    assert lines[0] == "date,arrests,source_file,synthetic"
    assert all(line.endswith(",r.xlsx,true") for line in lines[1:])  # generated, and says so
    assert len(lines) - 1 == (END - START).days + 1  # every covered day, zeros included


def test_status(loaded: tuple[Path, dict]) -> None:
    db, ref = loaded
    out = json.loads(run("status", "--db", db, "--json").stdout)
    (release,) = out["releases"]
    assert release["rows_loaded"] == release["rows_read"]
    assert release["episodes"] == sum(ref.values())
    assert out["coverage"]["incomplete_from"] == (END - dt.timedelta(days=13)).isoformat()
    assert "Releases in" in run("status", "--db", db).stdout


def test_python_api_matches_cli(loaded: tuple[Path, dict]) -> None:
    db, ref = loaded
    with icestats.connect(db) as ice:
        t = ice.daily("aor").rows
        assert {(d.isoformat(), a): n for d, a, n in zip(
            t["date"].to_pylist(), t["aor"].to_pylist(), t["arrests"].to_pylist(),
            strict=True) if n} == ref  # (zero-filled: every office-day of the release)
        cli = json.loads(run("offices", "--db", db, "--json").stdout)["offices"]
        assert json.loads(json.dumps(ice.offices().to_dict()["offices"])) == cli
        assert ice.goal().to_dict()["windows"] == json.loads(
            run("goal", "--db", db, "--json").stdout)["windows"]
        df = ice.breakdown("agency_group").rows.to_pandas()
        assert df["arrests"].sum() == sum(ref.values())


def test_generate_command(tmp_path: Path) -> None:
    out = tmp_path / "g.csv"
    r = run("generate", out, "--rows", "800", "--seed", "3", "--start", "2025-02-01",
            "--end", "2025-03-01", "--json")
    assert r.exit_code == 0
    summary = json.loads(r.stdout)
    assert summary["records"] == len(out.read_text().splitlines()) - 2  # synthetic banner, header
    assert run("generate", out, "--layout", "1999").exit_code == 2


def test_csv_export_neutralizes_formulas(tmp_path: Path) -> None:
    import pyarrow as pa

    from icestats.exports import write_table

    t = pa.table({"category": ["=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "ok"],
                  "n": [1, 2, 3, 4, 5, 6, 7]})
    write_table(t, tmp_path / "x.csv", "csv")
    import csv

    rows = list(csv.reader((tmp_path / "x.csv").open(newline="")))
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(1)", "'+1", "'-2", "'@SUM(A1)", "'\tx",
                                        "'\rx", "ok"]


def test_breakdown_table_shows_the_answer_shares(loaded: tuple[Path, dict]) -> None:
    """Day periods with a personal attribute are answered by whole months from the
    protected grid: the table's shares and totals are the answer's (the total exact, the
    cells rounded)."""
    db, _ = loaded
    args = ["breakdown", "--by", "gender", "--period", "day", "--from", "2025-03-03",
            "--to", "2025-03-05", "--db", db]
    out = json.loads(run(*args, "--json").stdout)
    text = CliRunner_wide(*args)
    assert out["periods"] and out["period"] == "month", out
    assert out["protection"]["answered"] == {"from": "2025-03-01", "to": "2025-03-31"}
    for p in out["periods"]:
        line = next(ln for ln in text.splitlines()
                    if ln.lstrip("│ ").startswith(p["period"][:7]))
        assert line.rstrip(" │").endswith(f"{p['total']:,}")
        assert p["total"] == sum(r["arrests"] or 0 for r in _true_rows(db, p["period"]))
        for c in out["columns"]:
            cell = p["cells"][c]
            want = "(s)" if cell["suppressed"] else \
                f"{cell['arrests']:,} ({_whole(cell['share'])}%)"
            assert want in line, (want, line)


def _whole(x: float) -> int:
    from decimal import ROUND_HALF_UP, Decimal

    return int(Decimal(str(x)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _true_rows(db: Path, month: str) -> list[dict]:
    with icestats.connect(db) as ice:
        return [{"arrests": n} for (n,) in ice.con.execute(
            "SELECT count(*) FROM arrests WHERE owned AND episode_start AND "
            "date_trunc('month', apprehension_date) = ? GROUP BY gender", [month]).fetchall()]


def CliRunner_wide(*args: object) -> str:
    from typer.testing import CliRunner

    from icestats.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_data_text_is_not_read_as_markup(loaded: tuple[Path, dict], tmp_path: Path) -> None:
    """A value such as '[redacted]' is shown as it is in every table (rich markup off)."""
    db, _ = loaded
    with icestats.connect(db) as ice:
        genders = {r["gender"] for r in ice.breakdown("gender").rows.to_pylist()}
    assert "[redacted]" in genders
    text = CliRunner_wide("breakdown", "--by", "gender", "--db", db)
    assert "[redacted]" in text
