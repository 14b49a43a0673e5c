"""An independent, deliberately simple re-implementation of the counting rules.

It reads release files with other readers (openpyxl, the csv module, pyarrow), normalizes
with plain Python written here, and counts with loops: if icestats and this agree, the
numbers are right for a reason other than sharing code.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path

REF = Path(__file__).resolve().parents[1] / "src" / "icestats" / "reference" / "aor.csv"
AOR_HEADERS = {"Apprehension AOR", "TOA Current Duty AOR"}
ID_HEADERS = {"Unique Identifier", "Anonymized Identifier"}


def aor_code(value: object) -> str:
    if value is None or str(value).strip() == "":
        return "UNK"
    text = " ".join(str(value).replace(".", "").split()).upper()
    if _is_marker(text):
        return "UNK"
    if text.endswith(" AREA OF RESPONSIBILITY"):
        text = text[: -len(" AREA OF RESPONSIBILITY")]
    with REF.open() as fh:
        for row in csv.DictReader(fh):
            names = [row["code"], row["name"], *row["aliases"].split("|")]
            for name in names:
                n = " ".join(name.replace(".", "").split()).upper()
                if n.endswith(" AREA OF RESPONSIBILITY"):
                    n = n[: -len(" AREA OF RESPONSIBILITY")]
                if n == text:
                    return row["code"]
    return "UNK"


def _is_marker(text: str) -> bool:
    """FOIA exemption codes only, whatever the punctuation: b(6), (b)(7)(c), ..."""
    import re

    letters = re.sub(r"[^a-z0-9]", "", text.lower()).replace("and", "")
    return re.fullmatch(r"(b[67][a-f]?)+", letters) is not None


def _usable_id(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if not text or _is_marker(text):
        return None
    return text


def _when(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value).strip())


def read_release(path: Path) -> list[dict[str, object]]:
    """Rows as dicts with 'when', 'aor', 'id', 'reprocessed', 'order' (file order)."""
    raw: list[tuple[int, int, dict[str, object]]] = []
    if path.suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True)
        for s, ws in enumerate(wb.worksheets):
            header = None
            for r, row in enumerate(ws.iter_rows(values_only=True)):
                if header is None:
                    if "Apprehension Date" in row:
                        header = row
                    continue
                raw.append((s, r, dict(zip(header, row, strict=False))))
    elif path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as fh:
            header = None
            for r, row in enumerate(csv.reader(fh)):
                if header is None:
                    if "Apprehension Date" in row:
                        header = row
                    continue
                raw.append((0, r, {k: (v or None) for k, v in zip(header, row, strict=False)}))
    else:
        import pyarrow.parquet as pq

        for r, row in enumerate(pq.read_table(path).to_pylist()):
            raw.append((0, r, row))
    out = []
    for s, r, row in raw:
        aor_col = next(c for c in row if c in AOR_HEADERS)
        id_col = next((c for c in row if c in ID_HEADERS), None)
        out.append({
            "when": _when(row["Apprehension Date"]),
            "aor": aor_code(row[aor_col]),
            "id": _usable_id(row[id_col]) if id_col else None,
            "reprocessed": str(row.get("Apprehension Method") or "").strip()
            == "ERO Reprocessed Arrest",
            "order": (s, r),
        })
    return out


def episode_starts(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """The first record of each episode (and every record without an identifier)."""
    starts = [r for r in rows if r["id"] is None]
    by_id: dict[object, list[dict[str, object]]] = defaultdict(list)
    for r in rows:
        if r["id"] is not None:
            by_id[r["id"]].append(r)
    for records in by_id.values():
        records.sort(key=lambda r: (r["when"], r["reprocessed"], r["order"]))
        previous = None
        for r in records:
            if previous is None or r["when"] - previous > dt.timedelta(hours=24):
                starts.append(r)
            previous = r["when"]
    return starts


def daily_by_aor(releases: list[list[dict[str, object]]], count: str = "arrests"
                 ) -> dict[tuple[str, str], int]:
    """{(iso date, aor): arrests} with the newest-coverage release owning each date.

    ``releases`` in load order; ties in coverage end go to the one loaded last."""
    spans = []
    for i, rows in enumerate(releases):
        days = [r["when"].date() for r in rows]
        spans.append((min(days), max(days), i))
    counts: Counter[tuple[str, str]] = Counter()
    for i, rows in enumerate(releases):
        chosen = episode_starts(rows) if count == "arrests" else rows
        for r in chosen:
            d = r["when"].date()
            owner = max((end, j) for start, end, j in spans if start <= d <= end)[1]
            if owner == i:
                counts[(d.isoformat(), r["aor"])] += 1
    return dict(counts)
