"""Reliability: hostile files, crashes, readers during writes, load. Figures printed by
these tests are the ones in docs/reliability.md (run: pytest -s tests/test_reliability.py).
"""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_bad_input import HEADER_2023, good_rows, snapshot

from conftest import export_aor, make_release, run, small_db
from reference_impl import daily_by_aor, read_release

pytestmark = pytest.mark.slow  # run by `make test` and CI; plain `pytest` skips it

CLI = [sys.executable, "-m", "icestats.cli"]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return small_db(tmp_path)


def _csv_text(rows: list[list[object]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _xlsx(path: Path, rows: list[list[object]], **options: object) -> Path:
    wb = xlsxwriter.Workbook(str(path), options)
    ws = wb.add_worksheet("Arrests")
    stamp = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if isinstance(v, datetime):
                ws.write_datetime(r, c, v, stamp)
            elif isinstance(v, tuple):  # ("formula", cached value)
                ws.write_formula(r, c, v[0], None, v[1])
            elif v is not None:
                ws.write(r, c, v)
    wb.close()
    return path


def _bomb(path: Path, mb: int) -> Path:
    good = make_release(path.with_suffix(".good.xlsx"), rows=50)
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            z.writestr(item, src.read(item.filename))
        with z.open("xl/worksheets/padding.xml", "w") as fh:
            block = b" " * (1 << 20)
            for _ in range(mb):
                fh.write(block)
    return path


def hostile(tmp: Path) -> dict[str, tuple[Path, int | None]]:
    """name -> (file, exact arrests expected when it loads, or None when it must fail)."""
    base = [HEADER_2023, *good_rows(40)]
    when = [datetime(2025, 2, 1, 10) + (datetime(2025, 2, 2) - datetime(2025, 2, 1)) * i
            for i in range(40)]
    out: dict[str, tuple[Path, int | None]] = {}
    z = make_release(tmp / "valid.xlsx", rows=200)
    corrupt = bytearray(z.read_bytes())
    corrupt[200:4000] = os.urandom(3800)
    (tmp / "corrupt.xlsx").write_bytes(bytes(corrupt))
    out["corrupt zip"] = (tmp / "corrupt.xlsx", None)
    (tmp / "trunc.xlsx").write_bytes(z.read_bytes()[:5000])
    out["truncated zip"] = (tmp / "trunc.xlsx", None)
    out["decompression bomb"] = (_bomb(tmp / "bomb.xlsx", 80), None)
    (tmp / "csv_named.xlsx").write_text(_csv_text(base))
    out["csv named .xlsx"] = (tmp / "csv_named.xlsx", None)
    (tmp / "xlsx_named.csv").write_bytes(_xlsx(tmp / "x.xlsx", base).read_bytes())
    out["xlsx named .csv"] = (tmp / "xlsx_named.csv", 40)
    out["empty workbook"] = (_xlsx(tmp / "empty.xlsx", []), None)
    out["header only"] = (_xlsx(tmp / "hdr.xlsx", [HEADER_2023]), None)
    out["duplicate header"] = (_xlsx(tmp / "dup.xlsx", [HEADER_2023 + ["Apprehension AOR"],
                                                        *good_rows(5)]), None)
    out["missing header"] = (_xlsx(tmp / "nohdr.xlsx", good_rows(10)), None)
    out["dates as Excel date cells"] = (_xlsx(tmp / "dt.xlsx", [HEADER_2023] + [
        [w, "TEXAS", "DALLAS", "Located", f"ID{i}"] for i, w in enumerate(when)]), 40)
    out["dates as serial numbers"] = (_xlsx(tmp / "serial.xlsx", [HEADER_2023] + [
        [45689.5 + i, "TEXAS", "DALLAS", "Located", f"ID{i}"] for i in range(40)]), 40)
    out["1904 date system"] = (_xlsx(tmp / "d1904.xlsx", [HEADER_2023] + [
        [w, "TEXAS", "DALLAS", "Located", f"ID{i}"] for i, w in enumerate(when)],
        date_1904=True), 40)
    out["formulas"] = (_xlsx(tmp / "formula.xlsx", [HEADER_2023] + [
        [r[0], r[1], ("=\"DAL\"&\"LAS\"", "DALLAS"), r[3], r[4]] for r in good_rows(40)]), 40)
    out["numbers where text is expected"] = (_xlsx(tmp / "num.xlsx", [HEADER_2023] + [
        [r[0], 12345, 777, 1.5, 42 + i] for i, r in enumerate(good_rows(40))]), 40)
    out["huge cells"] = (_xlsx(tmp / "huge.xlsx", [HEADER_2023] + [
        [r[0], "X" * 32_000, r[2], r[3], r[4]] for r in good_rows(40)]), 40)
    (tmp / "latin1.csv").write_bytes(_csv_text([HEADER_2023] + [
        [r[0], "MÉXICO", "DALLAS", "Détention", r[4]] for r in good_rows(40)]).encode("latin-1"))
    out["csv latin-1"] = (tmp / "latin1.csv", 40)
    (tmp / "bom.csv").write_bytes(b"\xef\xbb\xbf" + _csv_text(base).encode())
    out["csv UTF-8 with BOM"] = (tmp / "bom.csv", 40)
    (tmp / "crlf.csv").write_bytes(_csv_text(base).replace("\n", "\r\n").encode())
    out["csv CRLF"] = (tmp / "crlf.csv", 40)
    (tmp / "semi.csv").write_text(_csv_text(base, ";"))
    out["csv semicolons"] = (tmp / "semi.csv", 40)
    (tmp / "junk.csv").write_text("\n".join(["a|b|c"] * 5))
    out["csv unknown layout"] = (tmp / "junk.csv", None)
    pq.write_table(pa.table({"Apprehension Date": pa.array([True] * 40),
                             "Apprehension AOR": pa.array(list(range(40))),
                             "Apprehension State": pa.array([1.5] * 40)}), tmp / "types.parquet")
    out["parquet with wrong types"] = (tmp / "types.parquet", None)
    good = make_release(tmp / "good.parquet", rows=400)
    damaged = bytearray(good.read_bytes())  # data pages damaged, footer intact
    damaged[100:len(damaged) // 2] = os.urandom(len(damaged) // 2 - 100)
    (tmp / "damaged.parquet").write_bytes(bytes(damaged))
    out["parquet with damaged data pages"] = (tmp / "damaged.parquet", None)
    (tmp / "empty.csv").write_bytes(b"")
    out["empty file"] = (tmp / "empty.csv", None)
    return out


CASES = ["corrupt zip", "truncated zip", "decompression bomb", "csv named .xlsx",
         "xlsx named .csv", "empty workbook", "header only", "duplicate header",
         "missing header", "dates as Excel date cells", "dates as serial numbers",
         "1904 date system", "formulas", "numbers where text is expected", "huge cells",
         "csv latin-1", "csv UTF-8 with BOM", "csv CRLF", "csv semicolons",
         "csv unknown layout", "parquet with wrong types", "parquet with damaged data pages",
         "empty file"]


@pytest.mark.parametrize("case", CASES)
def test_hostile_file(tmp_path: Path, db: Path, case: str, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("ICESTATS_MAX_EXPANDED_MB", "64")
    path, expected = hostile(tmp_path)[case]
    before = snapshot(db)
    proc = subprocess.run([*CLI, "ingest", str(path), "--db", str(db)], capture_output=True,
                          text=True, env={**os.environ, "ICESTATS_MAX_EXPANDED_MB": "64"})
    assert "Traceback" not in proc.stderr, proc.stderr
    if expected is None:
        assert proc.returncode == 1, (case, proc.stdout)
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: "), proc.stderr
        assert snapshot(db) == before
    else:
        assert proc.returncode == 0, (case, proc.stderr)
        con = duckdb.connect(str(db), read_only=True)
        loaded = con.execute("SELECT rows_loaded FROM releases ORDER BY release_id DESC LIMIT 1"
                             ).fetchall()[0][0]
        assert loaded == expected, case
        if case == "1904 date system":  # the same instants as the 1900-system file
            days = con.execute("SELECT min(apprehension_date) FROM arrests WHERE release_id ="
                               " (SELECT max(release_id) FROM releases)").fetchall()[0][0]
            assert days == date(2025, 2, 1)


# byte positions and the values written there; 25 files per run
FLIPS = st.lists(st.tuples(st.integers(0, 20_000), st.integers(0, 255)), min_size=1,
                 max_size=12)
FUZZ = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@given(FLIPS)
@FUZZ
def test_mutated_workbooks_never_crash(tmp_path: Path, flips: list[tuple[int, int]]) -> None:
    """Random byte changes to a valid workbook: a correct load or one clear line."""
    _mutated_file_loads_or_fails_cleanly(tmp_path, "xlsx", flips)


@given(FLIPS)
@FUZZ
def test_mutated_parquet_never_crash(tmp_path: Path, flips: list[tuple[int, int]]) -> None:
    """The same for parquet, which DuckDB reads while the insert runs."""
    _mutated_file_loads_or_fails_cleanly(tmp_path, "parquet", flips)


def _mutated_file_loads_or_fails_cleanly(tmp_path: Path, fmt: str,
                                         flips: list[tuple[int, int]]) -> None:
    valid = tmp_path / f"v.{fmt}"
    if not valid.exists():
        make_release(valid, rows=120)
    data = bytearray(valid.read_bytes())
    for pos, byte in flips:
        data[pos % len(data)] = byte
    bad = tmp_path / f"m.{fmt}"
    bad.write_bytes(bytes(data))
    from typer.testing import CliRunner

    from icestats.cli import app

    result = CliRunner().invoke(app, ["ingest", str(bad), "--db", str(tmp_path / "m.duckdb")])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if result.exit_code == 1:
        assert result.stderr.count("\n") == 1


def test_sigkill_during_ingest_loses_nothing(tmp_path: Path, db: Path) -> None:
    """6 trials: SIGKILL 0.2 s to 2.2 s into a load (it takes about 2 s). The database
    always opens and holds either the old state or the complete new release, never part
    of it; a re-run then loads exact totals."""
    import shutil

    big = make_release(tmp_path / "big.csv", rows=60_000, seed=7)
    before = snapshot(db)
    expected = daily_by_aor([read_release(tmp_path / "base.csv"), read_release(big)])
    outcomes = []
    for k, delay in enumerate((0.2, 0.6, 1.0, 1.4, 1.8, 2.2)):
        trial = tmp_path / f"trial{k}.duckdb"
        shutil.copyfile(db, trial)
        proc = subprocess.Popen([*CLI, "ingest", str(big), "--db", str(trial)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if snapshot(trial) == before:
            outcomes.append("old state")
        else:  # switched in before the kill: it must be the whole release
            assert export_aor(trial, tmp_path) == expected
            outcomes.append("complete")
        assert run("ingest", big, "--db", trial).exit_code == 0  # a re-run completes
        assert export_aor(trial, tmp_path) == expected
    killed = outcomes.count("old state")
    assert killed >= 2, outcomes
    print(f"\nSIGKILL trials: {outcomes}; re-runs exact: 6 of 6")


@pytest.mark.slow
def test_ctrl_c_and_sigkill_at_random_moments_never_mix(tmp_path: Path) -> None:
    """The short version of bench/interrupts.py (`--ctrl-c 10 --kill 10 --rows 40000`):
    each trial is clean-old or clean-new, never mixed; Ctrl-C exits 130 with one line."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from interrupts import run_trials

    summary = run_trials(10, 10, rows=40_000, base_rows=2_000, seed=3, workdir=tmp_path)
    print("\n" + summary.report())
    assert len(summary.trials) == 20
    assert [t for t in summary.trials if t.outcome not in ("clean-old", "clean-new")] == []
    for t in summary.trials:
        # (Ctrl-C in the first moments, while Python imports the modules, is Python's own:
        # a KeyboardInterrupt traceback before icestats code runs; nothing was opened)
        assert t.startup or (not t.traceback and t.stderr_lines <= 1), t
        assert t.strays_after_next_writer == 0, t
        if t.signal == "SIGINT":
            assert t.strays == 0, t
            # 130: interrupted (one line); -2 or 130 without a line: before the command
            # started or after it ended (Python's and typer's own handling); 1: Python
            # interrupted before it found the module (startup); 0: the load had completed
            assert t.exit_code in (0, 130, -2) or t.startup, t
            assert t.exit_code != 0 or t.outcome == "clean-new", t
            assert t.exit_code != 130 or t.outcome == "clean-old", t


def test_readers_never_see_a_partial_release(tmp_path: Path, db: Path) -> None:
    """The API keeps answering, from the old or the new version, while another process
    loads a release into the same database."""
    from fastapi.testclient import TestClient

    from icestats.web.app import create_app

    client = TestClient(create_app(db), base_url="http://127.0.0.1")
    old = client.get("/api/status").json()
    new_release = make_release(tmp_path / "new.csv", rows=60_000, seed=9,
                               start=date(2025, 3, 1), end=date(2025, 8, 1))
    proc = subprocess.Popen([*CLI, "ingest", str(new_release), "--db", str(db)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen, served, errors = set(), 0, 0
    while proc.poll() is None or served < 20:
        r = client.get("/api/status")
        served += 1
        if r.status_code != 200:
            errors += 1
            continue
        body = r.json()
        names = tuple(x["file_name"] for x in body["releases"])
        assert names in (("base.csv",), ("base.csv", "new.csv")), names
        if names == ("base.csv",):
            assert body["rows_loaded"] == old["rows_loaded"]
        seen.add(names)
        if served > 5000:
            break
    assert proc.wait() == 0, proc.stderr.read() if proc.stderr else ""
    final = client.get("/api/status").json()
    assert [x["file_name"] for x in final["releases"]] == ["base.csv", "new.csv"]
    assert errors == 0
    print(f"\nrequests served during the load: {served}, errors: {errors}, versions: {seen}")


def test_bounded_load(db: Path) -> None:
    """16 clients for 4 seconds against every endpoint of a real server on loopback."""
    import httpx

    from icestats.web.app import serve_in_thread

    base_url, server = serve_in_thread(db)
    urls = ["/api/status", "/api/goal", "/api/offices", "/api/daily", "/api/breakdown",
            "/api/fair", "/api/nowcast", "/api/forecast?horizon=30", "/api/events",
            "/api/daily?aor=CHI&by=criminality", "/"]
    times: list[float] = []
    status: list[int] = []
    stop = time.monotonic() + 4

    def client(k: int) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as c:
            i = k
            while time.monotonic() < stop:
                t = time.perf_counter()
                status.append(c.get(urls[i % len(urls)]).status_code)
                times.append(time.perf_counter() - t)
                i += 1
    workers = [threading.Thread(target=client, args=(k,)) for k in range(16)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    server.should_exit = True
    times.sort()
    p99 = times[int(0.99 * (len(times) - 1))]
    rss = next(line for line in open("/proc/self/status") if line.startswith("VmRSS"))
    print(f"\nload: {len(times)} requests, p99 {1000 * p99:.0f} ms, errors "
          f"{sum(s >= 500 for s in status)}, {rss.strip()}")
    assert status and all(s == 200 for s in status)


def test_privacy_no_identifier_or_hash_in_any_output(tmp_path: Path) -> None:
    """Every output (CLI --json, exports, report, every API endpoint) is scanned for the
    release's identifier values and their stored hashes: none may appear."""
    from fastapi.testclient import TestClient

    from icestats.web.app import create_app

    release = make_release(tmp_path / "p.csv", rows=1500, seed=5)
    db = tmp_path / "p.duckdb"
    assert run("ingest", release, "--db", db).exit_code == 0
    with release.open() as fh:
        next(fh)  # the generator's synthetic banner line
        ids = {r["Anonymized Identifier"] for r in csv.DictReader(fh)
               if r["Anonymized Identifier"] and "(" not in r["Anonymized Identifier"]}
    con = duckdb.connect(str(db), read_only=True)
    hashes = {str(h) for (h,) in con.execute("SELECT DISTINCT id_hash FROM arrests "
                                             "WHERE id_hash IS NOT NULL").fetchall()}
    hashes |= {f"{int(h):032x}" for h in hashes}  # also as hex
    con.close()
    outputs = []
    for args in (["status"], ["goal"], ["offices"], ["offices", "--fair"], ["nowcast"],
                 ["forecast"], ["breakdown", "--by", "citizenship"],
                 ["events", "--event", "2025-05-01,CHI,test"]):
        outputs.append(run(*args, "--db", db, "--json").stdout)
    for fmt in ("csv", "json", "parquet"):
        out = tmp_path / f"e.{fmt}"
        assert run("export", "daily", "--by", "citizenship", "--db", db, "-o", out
                   ).exit_code == 0
        outputs.append(out.read_bytes().decode("latin-1"))
    report = tmp_path / "r.html"
    assert run("report", "--db", db, "-o", report).exit_code == 0
    outputs.append(report.read_text())
    client = TestClient(create_app(db), base_url="http://127.0.0.1")
    for url in ("/api/status", "/api/goal", "/api/offices", "/api/daily",
                "/api/daily?by=citizenship", "/api/breakdown?by=gender", "/api/fair",
                "/api/nowcast", "/api/forecast", "/api/events", "/openapi.json"):
        outputs.append(client.get(url).text)
    text = "\n".join(outputs)
    assert len(ids) > 1000 and len(hashes) > 1000
    leaks = [v for v in ids | hashes | {h[:16] for h in hashes} if v in text]
    assert leaks == []
    print(f"\nprivacy: {len(outputs)} outputs, {len(text):,} characters scanned for "
          f"{len(ids):,} identifiers and {len(hashes):,} hashes: 0 found")
