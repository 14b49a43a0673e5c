"""``--format table|csv|tsv|markdown|json``: the one place every command's answer is
printed in a machine- or document-friendly form.

csv and tsv print one table (the answer's first main table, ``answer_tables.MAIN``) and
nothing else, so that pandas, DuckDB and R read it as it is: the columns the table's spec
declares in its order, then any other, with exact numbers; the source goes to stderr
(``emit``) or, for a file, to a sidecar ``FILE.source.json`` (``export_answer``).
markdown prints every main table as people read it (the spec's labels, numbers rounded
once), the source as a footnote. json is the answer's JSON form (``--json``) with a
``display`` block: each main table as every surface shows it (the dashboard draws it).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from icestats.errors import UsageError

if TYPE_CHECKING:
    import pyarrow as pa

    from icestats.answers import Answer
    from icestats.render.shown import Shown

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
    """``answer`` as csv, tsv (one table: the first main one, or ``names[0]``), markdown
    (its main tables, or ``names``) or json text."""
    if fmt == "json":
        from icestats.jsonout import dumps

        return dumps(json_answer(answer, db)) + "\n"
    from icestats.answer_tables import main_tables, tables

    have = tables(answer)
    names = names or main_tables(answer)
    unknown = [n for n in names if n not in have]
    if unknown:
        raise UsageError(f"unknown table '{unknown[0]}' (this answer has: {', '.join(have)})")
    if fmt == "markdown":
        return markdown(answer, names, db)
    return delimited(answer, have[names[0]], names[0], "\t" if fmt == "tsv" else ",")


def emit(answer: Answer, fmt: str, db: str) -> None:
    """Print ``answer`` in ``fmt`` to stdout; for csv and tsv the source (and the other
    tables an answer has) go to stderr, so that stdout is the table alone."""
    import sys

    sys.stdout.write(render(answer, fmt, db))
    if fmt in ("csv", "tsv"):
        from icestats.answer_tables import main_tables

        rest = main_tables(answer)[1:]
        note = (f"; the answer's other tables ({', '.join(rest)}): icestats export "
                f"{answer.question} --part NAME -o FILE.{fmt}" if rest else "")
        sys.stderr.write(f"source: {source_text(answer)}; database: {db}{note}\n")


def json_answer(answer: Answer, db: str) -> dict[str, object]:
    """What ``--json`` prints and the API returns: the answer, and its main tables as every
    surface shows them (``display``: title, columns with label, unit and source, the cells
    as text, rounded once)."""
    from icestats.answer_tables import main_tables
    from icestats.render.shown import spec, spec_key

    return {"database": db, **answer.to_dict(),
            "display": {n: display(answer, n) for n in main_tables(answer)
                        if spec(spec_key(answer), n) is not None}}


def display(answer: Answer, name: str) -> dict[str, object]:
    from icestats.render.shown import resolve

    shown = resolve(answer, name)
    return {"title": shown.title, "caption": shown.caption,
            "columns": [{"key": c.key, "label": c.label, "unit": c.unit or None,
                         "align": "left" if c.left else "right", "priority": c.priority}
                        for c in shown.columns],
            "rows": shown.cells(), "dim": shown.dim,
            "sources": [{"columns": labels, "source": where} for labels, where in shown.sources]}


def delimited(answer: Answer, table: pa.Table, name: str, delimiter: str) -> str:
    """One table: its declared columns in the spec's order, then the others; exact values;
    nothing before the header or after the last row."""
    from icestats.exports import csv_text
    from icestats.render.shown import file_table

    ordered = file_table(answer, name, table)
    return csv_text(ordered, delimiter).replace("\r\n", "\n")


def markdown(answer: Answer, names: list[str], db: str) -> str:
    from icestats.render.shown import resolve

    out = []
    for name in names:
        shown = resolve(answer, name)
        title = shown.title or name
        notes = "".join(f"\n{', '.join(c) if k == 0 else 'The other columns'}: {w}\n"
                        for k, (c, w) in enumerate(shown.sources))
        out.append(f"**{_md(title)}**[^source]\n\n" + markdown_shown(shown) + notes)
    return "\n".join(out) + f"\n[^source]: {source_text(answer)}; database: {db}\n"


def markdown_shown(shown: Shown) -> str:
    """A GitHub table of what people see: the spec's labels, numbers right-aligned."""
    lines = ["| " + " | ".join(_md(c.label) for c in shown.columns) + " |",
             "|" + "|".join(":---" if c.left else "---:" for c in shown.columns) + "|"]
    for cells in shown.cells():  # (only data text could be read as a formula)
        lines.append("| " + " | ".join(_md(v) if c.left else _md_number(v)
                                       for c, v in zip(shown.columns, cells, strict=True))
                     + " |")
    return "\n".join(lines) + "\n"


def markdown_table(t: pa.Table) -> str:
    """A GitHub table: numbers right-aligned, pipes in text escaped."""
    import pyarrow as pa

    numeric = [pa.types.is_integer(f.type) or pa.types.is_floating(f.type) for f in t.schema]
    lines = ["| " + " | ".join(_md(c) for c in t.column_names) + " |",
             "|" + "|".join("---:" if n else ":---" for n in numeric) + "|"]
    for row in t.to_pylist():
        lines.append("| " + " | ".join(_md(v) for v in row.values()) + " |")
    return "\n".join(lines) + "\n"


def _md_number(v: str) -> str:
    return v.replace("|", "\\|")


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

