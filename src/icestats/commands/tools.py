"""Commands that make or move files: generate, ingest, report, serve, export."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from icestats.commands.base import DEFAULT_DB, Db, Json, app, err, export_app, handle_errors
from icestats.commands.build import (
    KW,
    command_help,
    common,
    given,
    option,
    options,
    register,
)
from icestats.questions import QUESTIONS, USER_GOAL


@app.command()
@handle_errors
def generate(
    out: Annotated[Path, typer.Argument(help="File to write (.xlsx, .csv or .parquet).")],
    rows: Annotated[int | None, typer.Option(help="About this many records (default: "
                                                  "the published volumes).")] = None,
    start: Annotated[str, typer.Option(help="First day (YYYY-MM-DD).")] = "2024-10-01",
    end: Annotated[str, typer.Option(help="Last day (YYYY-MM-DD).")] = "2025-10-15",
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same file.")] = 0,
    layout: Annotated[str, typer.Option(help="A release layout: 2019-ICFO-53623, "
                                             "2022-ICFO-09023, 2022-ICFO-22955, "
                                             "2024-ICFO-39357 (alias 2023), 2026-ICLI-00005 "
                                             "(alias 2025).")] = "2026-ICLI-00005",
    fmt: Annotated[str | None, typer.Option("--format", help="xlsx, csv or parquet "
                                                             "(default: from the suffix).")] = None,
    sheet_rows: Annotated[int, typer.Option(help="Data rows per sheet before the next sheet."
                                            )] = 1_000_000,
    events: Annotated[bool, typer.Option(metavar="", help="Include the Los Angeles and Chicago "
                                              "operations.")] = True,
    linked: Annotated[bool, typer.Option(metavar="", help="OUT is a folder: one file per kind "
                                              "(arrests, encounters, detainers, book-ins, "
                                              "removals), identifiers linked.")] = False,
    json_out: Json = False,
) -> None:
    """Write a realistic synthetic arrest release (for demos, tests and benchmarks)."""
    from icestats.errors import UsageError
    from icestats.generate import Options
    from icestats.generate import generate as gen
    from icestats.ingest import registry
    from icestats.params import as_date

    try:
        layout = registry.resolve(layout)
    except KeyError:
        raise UsageError(f"unknown --layout '{layout}' (expected one of "
                         f"{', '.join([*registry.LAYOUTS, *registry.LEGACY])})") from None
    first, last = as_date(start, "--start"), as_date(end, "--end")
    assert first and last
    if last < first:
        raise UsageError("--end is before --start")
    opts = Options(start=first, end=last, rows=rows, seed=seed, layout=layout, events=events)
    if linked:
        from icestats.generate_linked import write_linked

        summary = write_linked(opts, out, fmt or "xlsx", sheet_rows)
        summary["records"] = sum(k["records"] for k in summary["kinds"].values())
    else:
        summary = gen(opts, out, fmt, sheet_rows=sheet_rows)
    if json_out:
        from icestats.jsonout import dumps

        print(dumps(summary))
    else:
        print(f"wrote {summary['records']:,} records ({layout} layout, {first} to {last}, "
              f"seed {seed}) to {out}")


@app.command()
@handle_errors
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Release files: xlsx, csv or parquet.")],
    db: Db = DEFAULT_DB,
    max_rejects: Annotated[float, typer.Option(
        help="Refuse a file when more than this share of its rows have no usable "
             "apprehension date.")] = 0.01,
    aor: Annotated[str | None, typer.Option(
        help="Office (code or name) of sheets with no office column; else their title "
             "line's.")] = None,
    date_order: Annotated[str | None, typer.Option(
        help="Slashed dates are month/day/year ('mdy') or day/month/year ('dmy'); needed "
             "only when a file's dates read both ways.")] = None,
    json_out: Json = False,
    kind: Annotated[str | None, typer.Option(
        help="A count table's event kind: arrests, encounters, detainers, book_ins, "
             "removals (default: from its header or name).")] = None,
    grain: Annotated[str | None, typer.Option(
        help="Declare a count table: day, week, month, fy or period (one period: "
             "--from/--to).")] = None,
    geo: Annotated[str | None, typer.Option(
        help="A count table's geography: national, state or office.")] = None,
    area: Annotated[str | None, typer.Option(
        help="The one state or office of a count table without a geography column.")] = None,
    start: Annotated[str | None, typer.Option(
        "--from", help="A one-period count table's first day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option(
        "--to", help="A one-period count table's last day (YYYY-MM-DD).")] = None,
    vintage_column: Annotated[str | None, typer.Option(
        help="A count table's column giving each row's vintage (file or pull date).")] = None,
    na_zero: Annotated[bool, typer.Option(
        "--na-zero", metavar="", help="A count table's NA cells mean 0 (default: not "
                                      "reported).")] = False,
) -> None:
    """Load release files, ICE detention workbooks and published count tables into the
    database; each file all or nothing, re-loads are no-ops. A count table is recognized
    from its header; options declare one that is not."""
    import icestats
    from icestats.counts.forms import declare
    from icestats.render.progress import ingest_progress

    declared = declare(kind=kind, grain=grain, geo=geo, area=area, start=start, end=end,
                       vintage_column=vintage_column, na_zero=na_zero)
    results = []
    with icestats.connect(db, write=True) as ice:
        for k, f in enumerate(files):
            with ingest_progress(f, quiet=json_out) as progress:
                results.extend(ice.ingest([f], max_rejects=max_rejects, progress=progress,
                                          declared=declared, aor=aor,
                                          upcoming=files[k + 1:k + 2],
                                          date_order=date_order))
            if not json_out:
                print(_loaded_line(f, results[-1]))
    if json_out:
        from icestats.jsonout import dumps

        print(dumps({"database": str(db), "files": [r.to_dict() for r in results]}))
    else:
        print(f"database: {db}")


def _loaded_line(f: Path, r: object) -> str:
    """One line per file loaded: a detention workbook, a count table or an arrest release."""
    from icestats.counts.load import CountResult
    from icestats.ingest.load import IngestResult
    from icestats.workbooks.load import WorkbookResult

    if getattr(r, "already_loaded", False):
        return f"{f}: already loaded (same content); nothing changed"
    if isinstance(r, CountResult):
        from icestats.render.counts import loaded_line

        return f"{f}: {loaded_line(r)}"
    if isinstance(r, WorkbookResult):
        return (f"{f}: ICE detention statistics workbook FY{r.fiscal_year}, data through "
                f"{r.data_through}: {r.tables} tables ({len(r.named_tables)} named), "
                f"{r.values:,} values"
                + (f"; {len(r.total_mismatches)} total mismatches (see status)"
                   if r.total_mismatches else "; every Total equals its parts"))
    assert isinstance(r, IngestResult)
    if not r.arrests_only:  # a release of other kinds (or several): a line per kind
        mark = " GENERATED (synthetic) release, not real data" if r.synthetic else ""
        return "\n".join([f"{f}:{mark}"] + [f"  {k.line()}" for k in r.kinds.values()]
                         + ([f"  sheets not loaded (empty, or notes with no header): "
                             f"{', '.join(skipped)}"] if (skipped := [
                                 *r.empty_sheets, *r.notes_sheets]) else []))
    return (f"{f}: " + ("GENERATED (synthetic) release, not real data: " if r.synthetic
                        else "") +
            f"loaded {r.rows_loaded:,} rows ({r.episodes:,} arrests after merging "
            f"{r.records_merged:,} duplicate records), rejected {r.rows_rejected:,}"
            + (f" ({r.rows_implausible:,} with a date that cannot be true: after the day of "
               f"loading or far from the rest; see status)" if r.rows_implausible else "")
            + "; "
            f"covers {r.coverage_start} to {r.coverage_end}; {r.layout} layout"
            + (f"; empty sheets skipped: {', '.join(r.empty_sheets)}" if r.empty_sheets else "")
            + (f"; notes sheets skipped: {', '.join(r.notes_sheets)}" if r.notes_sheets
               else ""))


def _report(values: dict[str, Any]) -> None:
    import icestats
    from icestats.render.report import FORMATS, write

    out, db, fmt = values["out"], values["db"], values["fmt"]
    goal = USER_GOAL.parse(values["goal"])  # (checked before the database is opened)
    suffix = out.suffix.lstrip(".").lower()
    with icestats.connect(db) as ice:
        path = write(ice, out, goal, fmt or (suffix if suffix in FORMATS else "html"))
    size = path.stat().st_size / 1e6
    print(f"wrote {path} ({size:.1f} MB) from database {db}")


register("report", "One self-contained HTML report (works offline): goal, offices with "
         "intervals, every office's series, composition, map, surges, events, forecast, "
         "ICE vs CBP, provenance.", [
             inspect.Parameter("out", KW, default=Path("report.html"), annotation=Annotated[
                 Path, typer.Option("-o", "--out", help="File to write.")]),
             *common(output=False), option(USER_GOAL),
             inspect.Parameter("fmt", KW, default=None, annotation=Annotated[
                 str | None, typer.Option("--format", help="html (the whole report), png or "
                                          "pdf (its charts, one below the other); default: "
                                          "from the suffix, else html.")])], _report)


@app.command()
@handle_errors
def serve(
    db: Db = DEFAULT_DB,
    host: Annotated[str, typer.Option(help="Address to bind; anything but loopback needs "
                                           "--allow-remote.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", metavar="",
        help="Allow binding an address other than loopback.")] = False,
) -> None:
    """The dashboard and JSON API (read-only) at http://127.0.0.1:8000 (API list at /api)."""
    import ipaddress

    from icestats.errors import UsageError

    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback and not allow_remote:
        raise UsageError(f"--host {host} would expose the dashboard beyond this machine; "
                         "add --allow-remote if you mean it")
    import uvicorn

    from icestats.web.app import create_app

    app = create_app(db, [host])
    if not loopback:
        err(f"serving on {host}: anyone who can reach this address can read the database")
    print(f"icestats dashboard: http://{host}:{port}/  (API: /api, database {db}, read-only)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _export_daily(values: dict[str, Any]) -> None:
    import icestats
    from icestats import count_routes
    from icestats.answers import DailyAnswer
    from icestats.export_answer import write_daily_sidecar
    from icestats.exports import write_table

    out, db, fmt = values["out"], values["db"], values["fmt"]
    parsed = QUESTIONS["daily"].parse(given(QUESTIONS["daily"], values))
    with icestats.connect(db) as ice:
        answer = ice.daily(**parsed)
        t = count_routes.rows_of(answer)
    fmt = fmt or out.suffix.lstrip(".").lower()
    write_table(t, out, fmt)
    side = write_daily_sidecar(answer, t, out, str(db)) if fmt in ("csv", "tsv") and \
        isinstance(answer, DailyAnswer) else None
    print(f"wrote {t.num_rows:,} rows to {out}" + (f", its source in {side.name}" if side
                                                    else "") + f" (from database {db})",
          file=sys.stderr)


register("daily", command_help(
    "Daily counts: `date,arrests`, or with --by aor `date,aor,arrests`, each row with the "
    "file counted for its day and whether that file is generated.", QUESTIONS["daily"].params), [
             inspect.Parameter("out", KW, annotation=Annotated[
                 Path, typer.Option("-o", "--out", help="File to write.")]),
             *options(QUESTIONS["daily"].params), *common(output=False),
             inspect.Parameter("fmt", KW, default=None, annotation=Annotated[
                 str | None, typer.Option("--format", help="csv, parquet or json (default: "
                                                           "from the suffix).")])],
         _export_daily, group=export_app)
