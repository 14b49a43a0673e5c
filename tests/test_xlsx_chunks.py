"""A big sheet parsed in row pieces equals the same sheet parsed whole (xlsx_chunks), cell
for cell, wherever the cuts fall: empty rows across a cut, data from column B, a stray cell
far right, shared strings, numbers and dates, a column selection; a sheet that cannot be
cut safely is refused (the caller parses it whole); a release loads the same either way."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import fastexcel
import pyarrow as pa
import pytest
import xlsxwriter

from icestats import xlsx_chunks as xc

SHEET = "xl/worksheets/sheet1.xml"


def _whole(path: Path, columns: list[int] | None = None) -> pa.Table:
    batch = fastexcel.read_excel(str(path)).load_sheet(0, header_row=None, skip_rows=0,
                                                       dtypes="string", use_columns=columns)
    table = pa.Table.from_batches([batch.to_arrow()])
    return table.rename_columns([f"c{i}" for i in range(table.num_columns)])


def _book(path: Path, constant_memory: bool) -> Path:
    """400 rows under a title and a header: gaps of empty rows, a stray cell in column K on
    row 200, dates and numbers; every value from column B (column A empty)."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    ws = wb.add_worksheet("Arrests")
    fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write(0, 1, "Title line")
    for c, name in enumerate(["Apprehension Date", "AOR", "Count", "Note"], start=1):
        ws.write(2, c, name)
    for r in range(3, 403):
        if 120 <= r < 135 or r % 37 == 0:  # empty rows, some across any cut
            continue
        ws.write_datetime(r, 1, date(2025, 1, 1 + r % 28), fmt)
        ws.write(r, 2, ["CHI", "NYC", "LOS"][r % 3])
        ws.write_number(r, 3, r * 1.5)
        ws.write(r, 4, f"note {r % 11}")
        if r == 200:
            ws.write(r, 10, "stray")
    wb.close()
    return path


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xc, "_BLOCK", 997)  # tags and rows run across the blocks


@pytest.mark.parametrize("constant_memory", [True, False])  # inline / shared strings
@pytest.mark.parametrize("piece", [1500, 4000, 9000])
def test_pieces_equal_the_whole_parse(tmp_path: Path, constant_memory: bool, piece: int) -> None:
    path = _book(tmp_path / "b.xlsx", constant_memory)
    whole = _whole(path)
    # the whole parse starts at column B (calamine's range); the pieces at column A
    got = xc.parse(path, SHEET, 0, None, piece)
    assert got.column(0).null_count == got.num_rows
    assert got.num_rows == whole.num_rows == 403
    rest = got.select(range(1, got.num_columns))
    assert rest.rename_columns(whole.column_names).equals(whole)
    assert whole.column(1)[201].as_py() == "CHI" and whole.column(9)[200].as_py() == "stray"


@pytest.mark.parametrize("piece", [1500, 9000])
def test_pieces_with_a_selection(tmp_path: Path, piece: int) -> None:
    path = _book(tmp_path / "b.xlsx", False)
    whole = _whole(path, [1, 3])  # B and D: fastexcel counts use_columns from column A
    got = xc.parse(path, SHEET, 0, [1, 3], piece)
    assert got.equals(whole)
    assert got.column(1).to_pylist()[3:6] == ["4.5", "6", "7.5"]


def test_pieces_are_several(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _book(tmp_path / "b.xlsx", True)
    seen: list[tuple[bool, bool]] = []
    real = xc._parse_piece

    def spy(book: Path, index: int, columns: list[int] | None, first: bool,
            anchors: tuple[bool, bool]) -> pa.Table:
        seen.append(anchors)
        return real(book, index, columns, first, anchors)

    monkeypatch.setattr(xc, "_parse_piece", spy)
    xc.parse(path, SHEET, 0, None, 1500)
    assert len(seen) > 5
    assert seen[0] == (False, True) and seen[-1] == (True, False)
    assert all(a == (True, True) for a in seen[1:-1])


def _rewrite(src: Path, dst: Path, fix: bytes, to: bytes) -> Path:
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w") as out:
        for info in z.infolist():
            data = z.read(info)
            out.writestr(info, data.replace(fix, to) if info.filename == SHEET else data)
    return dst


def test_rows_without_numbers_are_not_cut(tmp_path: Path) -> None:
    path = _book(tmp_path / "b.xlsx", True)
    import re

    with zipfile.ZipFile(path) as z:
        xml = z.read(SHEET)
    bare = re.sub(rb'<row r="\d+"', b"<row", xml)
    target = tmp_path / "bare.xlsx"
    with zipfile.ZipFile(path) as z, zipfile.ZipFile(target, "w") as out:
        for info in z.infolist():
            out.writestr(info, bare if info.filename == SHEET else z.read(info))
    with pytest.raises(xc.Unchunkable, match="without numbers"):
        xc.parse(target, SHEET, 0, None, 1500)


def test_prefixed_xml_is_not_cut(tmp_path: Path) -> None:
    path = _book(tmp_path / "b.xlsx", True)
    target = _rewrite(path, tmp_path / "p.xlsx", b"<sheetData>", b"<x:sheetData>")
    with pytest.raises(xc.Unchunkable, match="sheetData"):
        xc.parse(target, SHEET, 0, None, 1500)


def test_piece_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _book(tmp_path / "b.xlsx", False)
    size = zipfile.ZipFile(path).getinfo(SHEET).file_size
    monkeypatch.setattr(xc, "PIECE_BYTES", size // 3)
    shared = zipfile.ZipFile(path).getinfo("xl/sharedStrings.xml").file_size
    assert 4 * shared < size // 3
    assert xc.piece_bytes(path, SHEET) == size // 3
    monkeypatch.setattr(xc, "PIECE_BYTES", size // 2 + 1)  # under two pieces: whole
    assert xc.piece_bytes(path, SHEET) is None
    assert xc.piece_bytes(path, "xl/worksheets/sheet9.xml") is None


def test_a_release_loads_the_same_in_pieces(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A generated xlsx release of two sheets, ingested whole and in pieces of 16 KB: the
    same result (rows, rejects with their sheet rows, coverage) and the same store."""
    import duckdb

    import icestats

    from conftest import make_release

    release = make_release(tmp_path / "r.xlsx", seed=5, rows=1500, sheet_rows=900)
    results, stores = [], []
    cut = [0]
    real = xc._workbook

    def counted(*args: object) -> None:
        cut[0] += 1
        real(*args)  # type: ignore[arg-type]

    for name, piece in (("whole", None), ("pieces", 16 << 10)):
        if piece is not None:
            monkeypatch.setattr(xc, "piece_bytes", lambda path, member, p=piece: p)
            monkeypatch.setattr(xc, "_workbook", counted)
        db = tmp_path / f"{name}.duckdb"
        with icestats.connect(db, write=True) as ice:
            result = [r.to_dict() for r in ice.ingest([release])]
        for r in result:
            r.pop("release_id")
        results.append(result)
        with duckdb.connect(str(db), read_only=True) as con:
            stores.append(con.execute(
                "SELECT sheet, source_row, apprehension_at, aor, aor_raw FROM arrests "
                "ORDER BY ALL").fetchall())
    assert results[0] == results[1]
    assert stores[0] == stores[1] and len(stores[0]) > 1400
    assert len({r[0] for r in stores[0]}) == 2  # both sheets
    assert cut[0] > 20  # the sheets were cut (into pieces of 16 KB)


def _shifted(src: Path, dst: Path) -> Path:
    """The workbook with every cell moved one column right (the table from column B)."""
    import re

    def right(m: re.Match[bytes]) -> bytes:
        n = 0
        for ch in m.group(1).decode():
            n = n * 26 + ord(ch) - 64
        n += 1  # one column right (n: 1 for A)
        letters = ""
        while n:
            n, r = divmod(n - 1, 26)
            letters = chr(65 + r) + letters
        return b'r="' + letters.encode() + m.group(2) + b'"'

    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'r="([A-Z]+)([0-9]+)"', right, data)
                data = re.sub(rb"<dimension\b[^>]*/>", b"", data)
            out.writestr(info, data)
    return dst


@pytest.mark.parametrize("piece", [None, 16 << 10])
def test_a_release_from_column_b_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       piece: int | None) -> None:
    """A release table that starts at column B, of a layout whose columns the loader
    selects: fastexcel counts the selection from column A (it was refused: "cannot read
    sheet (column at index 0 not found)"); whole and in pieces."""
    import icestats

    from conftest import make_release

    if piece is not None:
        monkeypatch.setattr(xc, "piece_bytes", lambda path, member: piece)
    src = make_release(tmp_path / "a.xlsx", seed=3, rows=300, layout="2023")
    moved = _shifted(src, tmp_path / "b.xlsx")
    with zipfile.ZipFile(moved) as z:
        assert b'r="A' not in z.read(SHEET)
    results = []
    for name, path in (("a", src), ("b", moved)):
        with icestats.connect(tmp_path / f"{name}.duckdb", write=True) as ice:
            r = ice.ingest([path])[0].to_dict()
        results.append((r["rows_loaded"], r["rows_rejected"], r["episodes"]))
    assert results[0] == results[1] and results[0][0] == 300


def test_rows_out_of_order_past_the_first_piece_load_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sheet whose row 3 is written last: the pieces find it only at the last cut, after
    rows were loaded; the file is read again whole, with the same result as a whole read."""
    import re

    import duckdb

    import icestats

    from conftest import make_release

    src = make_release(tmp_path / "a.xlsx", seed=4, rows=600, layout="2023")
    with zipfile.ZipFile(src) as z:
        xml = z.read(SHEET)
    row3 = re.search(rb'<row r="3".*?</row>', xml)
    assert row3 is not None
    moved = xml.replace(row3.group(0), b"").replace(b"</sheetData>",
                                                    row3.group(0) + b"</sheetData>")
    late = tmp_path / "late.xlsx"
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(late, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            out.writestr(info, moved if info.filename == SHEET else z.read(info))
    # (one parse places the row where it belongs)
    assert _whole(late).equals(_whole(src)) and _whole(src).num_rows > 500
    with pytest.raises(xc.Unchunkable, match="out of order"):
        list(xc.Pieces(late, SHEET, 0, None, 16 << 10))
    monkeypatch.setattr(xc, "piece_bytes", lambda path, member: 16 << 10)
    results = []
    for name, path in (("a", src), ("late", late)):
        with icestats.connect(tmp_path / f"{name}.duckdb", write=True) as ice:
            r = ice.ingest([path])[0].to_dict()
        with duckdb.connect(str(tmp_path / f"{name}.duckdb"), read_only=True) as con:
            stored = con.execute("SELECT count(*), count(DISTINCT source_row), "
                                 "count(DISTINCT release_id) FROM arrests").fetchone()
        results.append((r["rows_loaded"], r["rows_rejected"], r["episodes"], stored))
    assert results[0] == results[1] and results[0][0] > 500
    assert results[1][3] == (results[1][0], results[1][0], 1)  # the first try left nothing


def test_pieces_leave_no_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pieces' workbooks are removed after a load, after a sheet read whole, and when
    the reader stops before the last piece."""
    import tempfile

    import icestats

    from conftest import make_release

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(xc, "piece_bytes", lambda path, member: 16 << 10)
    release = make_release(tmp_path / "r.xlsx", seed=5, rows=1500, sheet_rows=900)
    with icestats.connect(tmp_path / "a.duckdb", write=True) as ice:
        ice.ingest([release])
    pieces = xc.Pieces(release, SHEET, 0, None, 16 << 10)
    next(iter(pieces))  # one piece taken, the next ones cut and parsing
    pieces.close()
    assert xc.parse(release, SHEET, 0, None, 16 << 10).num_rows > 900
    assert list((tmp_path / "tmp").iterdir()) == []


def _copied(src: Path, dst: Path, *, blank_last_after: int | None = None,
            stray: tuple[int, int] | None = None) -> Path:
    """The workbook's cells as text in a new workbook: the last column left empty after
    row ``blank_last_after`` (0-based), and a stray note at (row, column)."""
    r = fastexcel.read_excel(str(src))
    wb = xlsxwriter.Workbook(str(dst))
    for i, name in enumerate(r.sheet_names):
        t = r.load_sheet(i, header_row=None, skip_rows=0, dtypes="string").to_arrow()
        ws = wb.add_worksheet(name)
        cols = [c.to_pylist() for c in t.columns]
        for k in range(t.num_rows):
            for j, col in enumerate(cols):
                last_blank = blank_last_after is not None and j == len(cols) - 1 and \
                    k > blank_last_after
                if col[k] is not None and not last_blank:
                    ws.write_string(k, j, col[k])
        if stray is not None and i == 0:
            ws.write_string(*stray, "stray note")
    wb.close()
    return dst


def _loads(tmp_path: Path, path: Path, monkeypatch: pytest.MonkeyPatch,
           piece: int | None) -> tuple[object, ...]:
    import duckdb

    import icestats

    monkeypatch.setattr(xc, "piece_bytes", lambda p, m: piece)
    db = tmp_path / f"{path.stem}_{piece}.duckdb"
    with icestats.connect(db, write=True) as ice:
        result = ice.ingest([path])[0].to_dict()
    result.pop("release_id")
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT sheet, source_row, apprehension_at, aor_raw FROM arrests "
                           "ORDER BY ALL").fetchall()
        rejects = con.execute("SELECT * EXCLUDE (release_id) FROM rejects ORDER BY ALL"
                              ).fetchall()
    return result, rows, rejects


@pytest.mark.slow
def test_a_later_piece_wider_than_the_first_loads(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A note far right (column AF) in a late row: the pieces after it are wider than the
    first; no column selection (the layout maps every column). Found by review: the
    pieces' join failed ("Schema ... was different") and the file was refused."""
    from conftest import make_release

    src = make_release(tmp_path / "a.xlsx", seed=3, rows=2500, layout="2025")
    moved = _copied(src, tmp_path / "stray.xlsx", stray=(1500, 31))
    whole = _loads(tmp_path, moved, monkeypatch, None)
    assert _loads(tmp_path, moved, monkeypatch, 20_000) == whole
    assert whole[0]["rows_loaded"] > 2400  # type: ignore[index]


@pytest.mark.slow
def test_a_selected_column_empty_in_later_pieces_loads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The last selected column empty after row 800: a later piece's range ended before
    it, fastexcel said "column at index 22 not found" and the file was refused (found by
    review); the anchors now reach the rightmost selected column."""
    from conftest import make_release

    src = make_release(tmp_path / "a.xlsx", seed=4, rows=2500, layout="2023")
    blank = _copied(src, tmp_path / "blank.xlsx", blank_last_after=800)
    whole = _loads(tmp_path, blank, monkeypatch, None)
    assert _loads(tmp_path, blank, monkeypatch, 60_000) == whole
    assert whole[0]["rows_loaded"] > 2400  # type: ignore[index]
