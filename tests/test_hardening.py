"""Issue 16: a load that fails or is interrupted never switches in; databases icestats does
not own are refused; the identifier key lives beside the database; one line for every
failure; workbook totals that cannot pass; exports that cannot run or be left half
written."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from icestats import store
from icestats.errors import EXIT_INTERNAL, is_interrupt
from test_bad_input import snapshot

from conftest import make_release, run, small_db

pytestmark = pytest.mark.slow  # run by `make test` and CI; plain `pytest` skips it


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return small_db(tmp_path)


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _one_line(result: object) -> str:
    err = result.stderr  # type: ignore[attr-defined]
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert "Traceback" not in err
    return err


# --- item 1: no mixed state -------------------------------------------------------------

def _interrupt_after_rows(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    """ingest_file that leaves rows of no release behind, then fails as DuckDB does when
    Ctrl-C lands on COMMIT (the rollback fails too, so no clean-up ran)."""
    import icestats.loading as load

    def half_loaded(con: duckdb.DuckDBPyConnection, path: Path, **kw: object) -> object:
        con.execute("INSERT INTO arrests SELECT * REPLACE (999 AS release_id) FROM arrests")
        raise exc

    monkeypatch.setattr(load, "ingest_file", half_loaded)


@pytest.mark.parametrize("exc", [duckdb.InterruptException("INTERRUPT Error: Interrupted!"),
                                 RuntimeError("Query interrupted"), KeyboardInterrupt()])
def test_an_interrupt_on_commit_exits_130_and_changes_nothing(
        tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    before, files = snapshot(db), _files(tmp_path)
    new = make_release(tmp_path / "new.csv", rows=200, seed=4)
    _interrupt_after_rows(monkeypatch, exc)
    result = run("ingest", new, "--db", db)
    assert result.exit_code == 130
    assert "nothing was changed" in _one_line(result)
    assert snapshot(db) == before
    assert _files(tmp_path) == sorted([*files, "new.csv"])


def test_a_failed_rollback_aborts_never_commits(tmp_path: Path, db: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(db)
    try:
        raise duckdb.InterruptException("interrupted")
    except duckdb.InterruptException as first:
        try:
            raise duckdb.TransactionException("cannot rollback - no transaction is active")
        except duckdb.TransactionException as second:
            assert second.__context__ is first
            _interrupt_after_rows(monkeypatch, second)
    assert run("ingest", tmp_path / "base.csv", "--db", db).exit_code == 130
    assert snapshot(db) == before
    _interrupt_after_rows(monkeypatch, duckdb.TransactionException("cannot rollback"))
    result = run("ingest", tmp_path / "base.csv", "--db", db)
    assert result.exit_code == EXIT_INTERNAL and "full traceback in" in _one_line(result)
    Path(_one_line(result).rsplit("full traceback in ", 1)[1].split(" ")[0]).unlink()
    assert snapshot(db) == before
    assert not list(tmp_path.glob("db.duckdb.loading-*"))


def test_a_user_error_keeps_the_completed_files_only_when_consistent(
        tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import icestats
    import icestats.loading as load
    from icestats.errors import InputError, StoreError

    good = make_release(tmp_path / "good.csv", rows=200, seed=5)
    bad = tmp_path / "bad.csv"
    bad.write_text("a|b\n1|2\n")
    with pytest.raises(InputError), icestats.connect(db, write=True) as ice:
        ice.ingest([good, bad])
    names = [r["file_name"] for r in icestats.connect(db).status().releases.to_pylist()]
    assert names == ["base.csv", "good.csv"]  # the completed file is kept
    before = snapshot(db)
    real = load.ingest_file

    def orphans_then_input_error(con: duckdb.DuckDBPyConnection, path: Path,
                                 **kw: object) -> object:
        if Path(path).name == "bad.csv":
            con.execute("INSERT INTO arrests SELECT * REPLACE (999 AS release_id) "
                        "FROM arrests LIMIT 5")
            raise InputError(str(path), "unknown layout")
        return real(con, path, **kw)

    monkeypatch.setattr(load, "ingest_file", orphans_then_input_error)
    other = make_release(tmp_path / "other.csv", rows=200, seed=6)
    with pytest.raises(StoreError, match="inconsistent"), \
            icestats.connect(db, write=True) as ice:
        ice.ingest([other, bad])
    assert snapshot(db) == before


def test_is_interrupt_follows_the_chain() -> None:
    try:
        try:
            raise RuntimeError("Query interrupted")
        except RuntimeError:
            raise ValueError("cannot read file") from None
    except ValueError as exc:  # even where a message hides it ("from None"), Ctrl-C counts
        assert is_interrupt(exc)
    try:
        try:
            raise duckdb.InterruptException("x")
        except duckdb.InterruptException:
            raise duckdb.TransactionException("cannot rollback")  # noqa: B904
    except duckdb.TransactionException as exc:
        assert is_interrupt(exc)
    assert not is_interrupt(RuntimeError("Query interrupted by the planner"))
    # Ctrl-C while DuckDB called back into Python (registering an Arrow table), as seen
    # by the slow trial: DuckDB keeps only the name in its own error
    assert is_interrupt(duckdb.InvalidInputException(
        "Invalid Input Error: reading the schema of the object registered as 'src_chunk_0' "
        "failed: KeyboardInterrupt: "))
    assert not is_interrupt(duckdb.InvalidInputException("Invalid Input Error: bad"))


# --- item 3: databases it owns ----------------------------------------------------------

def test_foreign_and_newer_databases_are_refused(tmp_path: Path) -> None:
    release = make_release(tmp_path / "r.csv", rows=100)
    foreign = tmp_path / "foreign.duckdb"
    con = duckdb.connect(str(foreign))
    con.execute("CREATE TABLE arrests (x INTEGER)")
    con.close()
    newer = tmp_path / "newer.duckdb"
    con = duckdb.connect(str(newer))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('schema_version', '99')")
    con.close()
    for path, words in ((foreign, "not an icestats database"), (newer, "newer icestats")):
        before, files = snapshot(path), _files(tmp_path)
        for args in (("ingest", release), ("status",)):
            result = run(*args, "--db", path)
            assert result.exit_code == 1 and words in _one_line(result), args
        assert snapshot(path) == before and _files(tmp_path) == files


def test_an_empty_duckdb_file_is_adopted(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    assert run("ingest", make_release(tmp_path / "r.csv", rows=100), "--db", empty
               ).exit_code == 0


def test_db_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    for args in (("status",), ("ingest", make_release(tmp_path / "r.csv", rows=50))):
        result = run(*args, "--db", tmp_path / "dir")
        assert result.exit_code == 1 and "is a directory" in _one_line(result)
    assert _files(tmp_path / "dir") == []


# --- item 4: the key outside the database -----------------------------------------------

def test_the_key_is_a_file_beside_the_database(db: Path) -> None:
    key = store.key_path(db)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(key.read_text().strip()) == 64
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM meta WHERE key = 'id_key'").fetchall() == [(0,)]
    con.close()
    assert store.key_path(db).read_text().strip() not in db.read_bytes().decode("latin-1")


def test_a_key_in_meta_is_moved_out(tmp_path: Path, db: Path) -> None:
    legacy = "ab" * 32
    store.key_path(db).unlink()
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO meta VALUES ('id_key', ?)", [legacy])
    con.close()
    assert run("ingest", make_release(tmp_path / "n.csv", rows=100, seed=8), "--db", db
               ).exit_code == 0
    assert store.read_key(db) == legacy
    assert legacy.encode() not in db.read_bytes()  # not even in freed blocks: rewritten
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM meta WHERE key = 'id_key'").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM releases").fetchall() == [(2,)]


def test_a_lost_key_reads_fine_and_a_load_makes_a_new_one(
        tmp_path: Path, db: Path, caplog: pytest.LogCaptureFixture) -> None:
    old = store.read_key(db)
    store.key_path(db).unlink()
    assert run("status", "--db", db).exit_code == 0
    assert not store.key_path(db).exists()  # reading never needs (or makes) the key
    assert run("ingest", make_release(tmp_path / "n.csv", rows=100, seed=8), "--db", db
               ).exit_code == 0
    assert store.read_key(db) not in (None, old)
    assert "new identifier-hash key" in caplog.text


def test_id_key_keeps_its_signature(tmp_path: Path) -> None:
    con = store.connect(tmp_path / "x.duckdb")
    key = store.id_key(con)
    assert key == store.id_key(con) == store.read_key(tmp_path / "x.duckdb")
    con.close()


# --- item 6: one line for every failure -------------------------------------------------

def test_an_unexpected_error_is_one_line_with_its_traceback_in_a_file(
        db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import icestats.metrics as metrics

    def broken(con: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(metrics, "release_status", broken)
    result = run("status", "--db", db)
    assert result.exit_code == EXIT_INTERNAL
    line = _one_line(result)
    assert "ZeroDivisionError" in line and "a bug" in line
    trace = Path(line.rsplit("full traceback in ", 1)[1].split(" ")[0])
    assert "Traceback" in trace.read_text() and "ZeroDivisionError" in trace.read_text()
    trace.unlink()


def test_read_only_directory_and_full_disk(tmp_path: Path, db: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil
    from collections import namedtuple

    new = make_release(tmp_path / "n.csv", rows=100, seed=9)
    before, files = snapshot(db), _files(tmp_path)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10 << 20, 10 << 20, 1 << 20))
    result = run("ingest", new, "--db", db)
    assert result.exit_code == 1 and "not enough free space" in _one_line(result)
    monkeypatch.undo()
    if os.geteuid() != 0:  # root writes anywhere: the mode check cannot be shown
        tmp_path.chmod(0o555)
        try:
            result = run("ingest", new, "--db", db)
            assert result.exit_code == 1 and "read-only" in _one_line(result)
        finally:
            tmp_path.chmod(0o755)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != tmp_path and
                        real_access(p, mode))
    result = run("ingest", new, "--db", db)
    assert result.exit_code == 1 and "cannot write in" in _one_line(result)
    monkeypatch.undo()
    assert snapshot(db) == before and _files(tmp_path) == files


def test_disk_full_while_switching_in(tmp_path: Path, db: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    before, files = snapshot(db), _files(tmp_path)

    def no_space(src: object, dst: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    result = run("ingest", make_release(tmp_path / "n.csv", rows=100, seed=9), "--db", db)
    monkeypatch.undo()
    assert result.exit_code == 1 and "No space left" in _one_line(result)
    assert snapshot(db) == before and _files(tmp_path) == sorted([*files, "n.csv"])


# --- item 5: workbook totals ------------------------------------------------------------

def _workbook_with(tmp_path: Path, cell: tuple[int, int], text: str) -> Path:
    from icestats.workbooks.load import read_grids
    from test_workbooks import FY25, _edit, write_grids

    return write_grids(tmp_path / f"wb{cell[0]}_{cell[1]}.xlsx",
                       _edit(read_grids(FY25), "Detention FY25", cell, text))


def test_a_part_of_minus_1e300_fails_the_total_check(tmp_path: Path) -> None:
    path = _workbook_with(tmp_path, (20, 17), "-1e300")  # CBP in June, a part of R20
    from test_workbooks import book_ins_mismatch

    assert "R20: Total 36704 but its rows sum to -1e+300" in book_ins_mismatch(
        path, tmp_path / "t.duckdb")


def test_the_tolerance_is_relative_to_the_magnitudes() -> None:
    from icestats.workbooks.tables import close

    assert close(36_704, 36_704.4) and not close(36_704, 36_705)
    assert close(1e15, 1e15 + 0.7)  # doubles: rounding, not a mismatch
    assert not close(1000, -1e300) and not close(-1e300 + 1000, 1000)


def test_an_overflowing_number_is_an_error() -> None:
    from icestats.workbooks.tables import TableProblem, number

    assert number("12", "t", "Oct", "B2") == 12.0
    with pytest.raises(TableProblem, match="'1e400' in column 'Oct' is not a finite number"):
        number("1e400", "t", "Oct", "B2")


@pytest.mark.parametrize("text", ["NaN", "inf", "-Infinity", "#DIV/0!"])
@pytest.mark.parametrize("cell", [(21, 12), (20, 9)])
def test_non_finite_numbers_are_errors_naming_the_cell(tmp_path: Path, text: str,
                                                       cell: tuple[int, int]) -> None:
    path = _workbook_with(tmp_path, cell, text)
    result = run("ingest", path, "--db", tmp_path / "t.duckdb")
    assert result.exit_code == 1
    line = _one_line(result)
    ref = f"cell {'ABCDEFGHIJKLM'[cell[1]]}{cell[0] + 1}"
    assert ref in line and f"'{text}'" in line and "number" in line, line
    assert not (tmp_path / "t.duckdb").exists()


# --- item 7: exports --------------------------------------------------------------------

@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "|calc",
                                   ";=1", "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20A1"])
def test_csv_neutralizes_every_formula_start(value: str) -> None:
    from icestats.exports import csv_text

    text = csv_text(pa.table({"a": [value]}))
    assert text.splitlines()[1].lstrip('"').startswith("'"), text


def test_outputs_are_written_whole_or_not_at_all(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from icestats import exports
    from icestats.errors import OutputError

    out = tmp_path / "out.csv"
    out.write_text("previous\n")

    def full(self: Path, *a: object, **kw: object) -> None:
        Path.open(self, "w").write("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(OutputError, match="No space left"):
        exports.write_table(pa.table({"a": [1]}), out, "csv")
    monkeypatch.undo()
    assert out.read_text() == "previous\n" and _files(tmp_path) == ["out.csv"]
    exports.write_table(pa.table({"a": [1]}), out, "csv")
    assert out.read_bytes() == b"a\r\n1\r\n" and _files(tmp_path) == ["out.csv"]
    with pytest.raises(OutputError, match="is a directory"):
        exports.write_table(pa.table({"a": [1]}), tmp_path, "csv")


# --- Ctrl-C as the command starts -------------------------------------------------------

def _typer_interrupted() -> None:
    """What typer does with a Ctrl-C while it builds the commands: a silent exit 130."""
    import click

    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as e:
            raise click.exceptions.Exit(130) from e
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)  # (typer.core._main, as of typer 0.29)


@pytest.mark.parametrize("where", ["imports", "typer"])
def test_ctrl_c_while_the_command_starts_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str],
                                                     where: str) -> None:
    from icestats import cli

    def interrupted_imports() -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_command", lambda app: app)
    if where == "imports":
        monkeypatch.setattr(cli, "_app", interrupted_imports)
    else:
        monkeypatch.setattr(cli, "_app", lambda: _typer_interrupted)
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 130
    assert capsys.readouterr().err == ("error: interrupted; nothing was changed (an "
                                       "unfinished load is discarded)\n")


def test_a_commands_own_exit_130_is_not_said_twice(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from icestats import cli

    def command_interrupted() -> None:
        raise SystemExit(130) from None  # (after handle_errors printed its one line)

    monkeypatch.setattr(cli, "_command", lambda app: app)
    monkeypatch.setattr(cli, "_app", lambda: command_interrupted)
    with pytest.raises(SystemExit):
        cli.main()
    assert capsys.readouterr().err == ""
