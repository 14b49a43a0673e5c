"""``--format table|csv|tsv|markdown|json``: the one place every command's answer is
printed in a machine- or document-friendly form.

csv, tsv and markdown print the answer's main tables (``answer_tables.MAIN``) with the
answer's exact numbers: csv and tsv end with a ``# source: ...`` comment line (a table of
several is introduced by a ``# table: NAME`` line and followed by a blank line), markdown
has the source as a footnote. json is the answer's one JSON form (``--json``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from icestats.errors import UsageError

if TYPE_CHECKING:
    import pyarrow as pa

    from icestats.answers import Answer

FORMATS = ("table", "csv", "tsv", "markdown", "json")


def resolve(json_out: bool, fmt: str | None) -> str:
    """The output format from ``--json`` and ``--format`` (``--json`` is ``--format json``)."""
    if fmt is None:
        return "json" if json_out else "table"
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise UsageError(f"unknown --format '{fmt}' (expected one of {', '.join(FORMATS)})")
    if json_out and fmt != "json":
        raise UsageError(f"--json and --format {fmt} disagree; use one of them")
    return fmt


def source_text(answer: Answer) -> str:
    """The source line every output carries: REAL or GENERATED, and which files."""
    s = answer.source
    label = "GENERATED data" if s.synthetic else "REAL data" if s.synthetic is False \
        else "Data"
    return f"{label}: {s.text}" + (f" (scope: {answer.scope})" if answer.scope != "all" else "")


def render(answer: Answer, fmt: str, db: str, names: list[str] | None = None) -> str:
    """``answer`` as csv, tsv, markdown or json text (its main tables, or ``names``)."""
    if fmt == "json":
        from icestats.jsonout import dumps

        return dumps({"database": db, **answer.to_dict()}) + "\n"
    from icestats.answer_tables import main_tables, tables

    have = tables(answer)
    names = names or main_tables(answer)
    unknown = [n for n in names if n not in have]
    if unknown:
        raise UsageError(f"unknown table '{unknown[0]}' (this answer has: {', '.join(have)})")
    parts = [have[n] for n in names]
    if fmt == "markdown":
        return markdown(dict(zip(names, parts, strict=True)), answer, db)
    return delimited(dict(zip(names, parts, strict=True)), answer, db,
                     "\t" if fmt == "tsv" else ",")


def delimited(parts: dict[str, pa.Table], answer: Answer, db: str, delimiter: str) -> str:
    from icestats.exports import csv_text

    several = len(parts) > 1
    out = []
    for name, t in parts.items():
        block = csv_text(t, delimiter).replace("\r\n", "\n")
        out.append((f"# table: {name}\n" if several else "") + block)
    return "\n".join(out) + f"# source: {source_text(answer)}; database: {db}\n"


def markdown(parts: dict[str, pa.Table], answer: Answer, db: str) -> str:
    out = []
    for name, t in parts.items():
        out.append(f"**{name}**[^source]\n\n" + markdown_table(t))
    return "\n".join(out) + f"\n[^source]: {source_text(answer)}; database: {db}\n"


def markdown_table(t: pa.Table) -> str:
    """A GitHub table: numbers right-aligned, pipes in text escaped."""
    import pyarrow as pa

    numeric = [pa.types.is_integer(f.type) or pa.types.is_floating(f.type) for f in t.schema]
    lines = ["| " + " | ".join(_md(c) for c in t.column_names) + " |",
             "|" + "|".join("---:" if n else ":---" for n in numeric) + "|"]
    for row in t.to_pylist():
        lines.append("| " + " | ".join(_md(v) for v in row.values()) + " |")
    return "\n".join(lines) + "\n"


def _md(v: object) -> str:
    from icestats.exports import neutralize

    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, date):
        return v.isoformat()
    s = (neutralize(v) or "") if isinstance(v, str) else str(v)  # (numbers are not formulas)
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")

