"""The ``icestats`` command: parse arguments, call the library, render. No SQL here."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from icestats import schema
from icestats.errors import IcestatsError

app = typer.Typer(
    help="Field-office performance statistics from U.S. ICE arrest releases.\n\n"
         "Load releases with `icestats ingest FILE...`, then ask: status, goal, offices, "
         "breakdown, export. Every command takes --db (default ./icestats.duckdb) and --json.",
    no_args_is_help=True, add_completion=False, rich_markup_mode="rich")
export_app = typer.Typer(help="Write answer tables to files.", no_args_is_help=True)
app.add_typer(export_app, name="export")

Db = Annotated[Path, typer.Option("--db", envvar="ICESTATS_DB",
                                  help="Database file (env ICESTATS_DB).")]
Json = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
Count = Annotated[str, typer.Option(
    "--count", help="arrests: one per 24-hour episode (default); records: raw rows.")]
AsOf = Annotated[str | None, typer.Option(
    "--as-of", help="Last day of the window (YYYY-MM-DD); default: last complete day.")]
Tail = Annotated[bool, typer.Option(
    "--include-incomplete", help="Let windows reach into the incomplete last 14 days.")]
DEFAULT_DB = Path(schema.DEFAULT_DB)


def _err(message: str) -> None:
    from rich.console import Console

    Console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False,
                               soft_wrap=True)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Every failure becomes one line on stderr and a non-zero exit, never a traceback:
    user errors exit 1 (2 for usage), Ctrl-C 130, an operating-system error 1, anything
    else 70 with its traceback written to a file named in the line (errors.last_resort)."""
    def interrupted() -> typer.Exit:
        import signal
        import threading

        from icestats.errors import EXIT_INTERRUPTED, INTERRUPTED_MESSAGE

        _err(INTERRUPTED_MESSAGE)
        # The command process is ending: a second SIGINT (a repeated Ctrl-C, or one DuckDB
        # still has pending) must not cut the exit short (exit -2, no line). Only in the
        # icestats process itself, never in a host that calls the app (tests, notebooks).
        if Path(sys.argv[0]).name in ("icestats", "cli.py") and \
                threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        return typer.Exit(EXIT_INTERRUPTED)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import click

        from icestats.errors import is_interrupt
        try:
            return fn(*args, **kwargs)
        except IcestatsError as exc:
            if is_interrupt(exc):
                raise interrupted() from None
            _err(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException,
                SystemExit, GeneratorExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - the last resort, by design
            from icestats.errors import last_resort

            if is_interrupt(exc):
                raise interrupted() from None
            code, line = last_resort(exc, f"icestats {fn.__name__}")
            _err(line)
            raise typer.Exit(code) from None
    return wrapper


def _date(value: str | None, option: str) -> date | None:
    from icestats.errors import UsageError

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} '{value}' is not a date (expected YYYY-MM-DD)") from None


def _emit(db: Path, json_out: bool, answer: dict[str, Any],
          render: Callable[[Any, dict[str, Any]], None]) -> None:
    """Print an answer as JSON (with the database it came from) or as rich tables."""
    from icestats.render import tables

    if json_out:
        print(tables.as_json({"database": str(db), **answer}))
    else:
        render(_console(), answer)
        print(f"database: {db}")


def _console():  # noqa: ANN202
    from rich.console import Console

    return Console()


@app.command()
@handle_errors
def generate(
    out: Annotated[Path, typer.Argument(help="File to write (.xlsx, .csv or .parquet).")],
    rows: Annotated[int | None, typer.Option(help="About this many records (default: "
                                                  "the published volumes).")] = None,
    start: Annotated[str, typer.Option(help="First day (YYYY-MM-DD).")] = "2024-10-01",
    end: Annotated[str, typer.Option(help="Last day (YYYY-MM-DD).")] = "2025-10-15",
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same file.")] = 0,
    layout: Annotated[str, typer.Option(help="2023 (Apprehension AOR, Unique Identifier) or "
                                             "2025 (TOA Current Duty AOR, Arresting Agency, "
                                             "Anonymized Identifier).")] = "2025",
    fmt: Annotated[str | None, typer.Option("--format", help="xlsx, csv or parquet "
                                                             "(default: from the suffix).")] = None,
    sheet_rows: Annotated[int, typer.Option(help="Data rows per sheet before the next sheet."
                                            )] = 1_000_000,
    events: Annotated[bool, typer.Option(help="Include the Los Angeles and Chicago "
                                              "operations.")] = True,
    json_out: Json = False,
) -> None:
    """Write a realistic synthetic arrest release (for demos, tests and benchmarks)."""
    from icestats.errors import UsageError
    from icestats.generate import Options
    from icestats.generate import generate as gen

    if layout not in ("2023", "2025"):
        raise UsageError(f"--layout must be 2023 or 2025, not '{layout}'")
    first, last = _date(start, "--start"), _date(end, "--end")
    assert first and last
    if last < first:
        raise UsageError("--end is before --start")
    summary = gen(Options(start=first, end=last, rows=rows, seed=seed, layout=layout,
                          events=events), out, fmt, sheet_rows=sheet_rows)
    if json_out:
        from icestats.render.tables import as_json

        print(as_json(summary))
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
    json_out: Json = False,
) -> None:
    """Load release files into the database; each file all or nothing, re-loads are no-ops."""
    import icestats
    from icestats.render.progress import ingest_progress

    results = []
    with icestats.connect(db, write=True) as ice:
        for f in files:
            with ingest_progress(f, quiet=json_out) as progress:
                results.extend(ice.ingest([f], max_rejects=max_rejects, progress=progress))
            r = results[-1]
            if json_out:
                continue
            if getattr(r, "kind", "") == "detention workbook" and not r.already_loaded:
                print(f"{f}: ICE detention statistics workbook FY{r.fiscal_year}, data through "
                      f"{r.data_through}: {r.tables} tables ({len(r.named_tables)} named), "
                      f"{r.values:,} values"
                      + (f"; {len(r.total_mismatches)} total mismatches (see status)"
                         if r.total_mismatches else "; every Total equals its parts"))
            elif r.already_loaded:
                print(f"{f}: already loaded (same content); nothing changed")
            else:
                print(f"{f}: loaded {r.rows_loaded:,} rows ({r.episodes:,} arrests after merging "
                      f"{r.records_merged:,} duplicate records), rejected {r.rows_rejected:,}; "
                      f"covers {r.coverage_start} to {r.coverage_end}; {r.layout} layout"
                      + (f"; empty sheets skipped: {', '.join(r.empty_sheets)}"
                         if r.empty_sheets else ""))
    if json_out:
        from icestats.render.tables import as_json

        print(as_json({"database": str(db), "files": [r.to_dict() for r in results]}))
    else:
        print(f"database: {db}")


@app.command()
@handle_errors
def status(
    db: Db = DEFAULT_DB, json_out: Json = False,
    show_tables: Annotated[bool, typer.Option("--tables", help="List every workbook table "
                                                               "kept without a name.")] = False,
) -> None:
    """Releases and workbooks loaded: coverage, rows loaded / rejected / merged, incomplete
    tail, workbook tables (named, kept raw, total mismatches)."""
    import icestats
    from icestats.render import detention, tables

    with icestats.connect(db) as ice:
        s = ice.status()
        books = ice.workbooks()
    if json_out:
        print(tables.as_json({"database": str(db), **s, **books}))
        return
    console = _console()
    if s["releases"]:
        tables.status(console, s, str(db))
    detention.workbooks(console, books, show_tables)
    if not s["releases"] and not books["workbooks"]:
        console.print(f"{db} holds nothing yet; load files with `icestats ingest`.")


@app.command()
@handle_errors
def agency(db: Db = DEFAULT_DB, json_out: Json = False) -> None:
    """ICE vs CBP: monthly book-ins by arresting agency (ICE's detention statistics), per
    day, CBP share; who is detained; arrests per day beside them when releases are loaded."""
    import icestats
    from icestats import detention as answers
    from icestats.errors import UsageError
    from icestats.render import detention

    with icestats.connect(db) as ice:
        if not answers.has_workbooks(ice.con):
            raise UsageError("no detention statistics workbook loaded; load one with "
                             "`icestats ingest FY25_detentionStats_final.xlsx`")
        months, detained = ice.book_ins(), ice.detained()
        arrests = answers.arrests_per_month(ice.con)
    _emit(db, json_out, {"source": "ICE detention statistics",
                         "book_ins_by_month": months.to_pylist(),
                         "detained_by_criminality": detained.to_pylist(),
                         "arrests_per_day_by_month": {k.isoformat(): v for k, v in
                                                      arrests.items()}},
          lambda console, _answer: detention.agency(console, months, detained, arrests))


@app.command()
@handle_errors
def revisions(
    db: Db = DEFAULT_DB, json_out: Json = False,
    table: Annotated[str, typer.Option(help="Workbook table key.")] = "book_ins_by_agency",
) -> None:
    """How later workbooks of a fiscal year revised each month (newest wins)."""
    import icestats
    from icestats.render import detention, tables

    with icestats.connect(db) as ice:
        t = ice.revisions(table)
    if json_out:
        print(tables.as_json({"database": str(db), "table": table, "rows": t.to_pylist()}))
    else:
        detention.revisions(_console(), t)


@app.command()
@handle_errors
def goal(
    db: Db = DEFAULT_DB,
    goal_per_day: Annotated[float, typer.Option("--goal", help="Goal in arrests a day.")] = 3000,
    window: Annotated[int, typer.Option(help="Trend window in days (7, 28, 90...).")] = 28,
    as_of: AsOf = None, include_incomplete: Tail = False, count: Count = "arrests",
    json_out: Json = False,
) -> None:
    """National arrests per day (latest day, rolling means) against the goal, and the trend."""
    import icestats
    from icestats.render import tables

    with icestats.connect(db) as ice:
        r = ice.goal(goal_per_day, window=window, as_of=_date(as_of, "--as-of"),
                     include_incomplete=include_incomplete, count=count)
    if json_out:
        print(tables.as_json({"database": str(db), **r.to_dict()}))
    else:
        tables.goal(_console(), r)
        print(f"database: {db}")


GoalsFile = Annotated[Path | None, typer.Option(
    "--goals", help="Goals file (TOML): national goal, allocation key, per-office targets.")]
Allocation = Annotated[str | None, typer.Option(
    help="Share the national goal by population, noncitizen, undocumented or baseline.")]


@app.command()
@handle_errors
def offices(
    db: Db = DEFAULT_DB,
    window: Annotated[int, typer.Option(help="Window in days.")] = 28,
    as_of: AsOf = None, include_incomplete: Tail = False, count: Count = "arrests",
    fair: Annotated[bool, typer.Option("--fair", help="Rates, baseline ratios, targets, "
                                                      "attainment with intervals, shrinkage "
                                                      "and a below-target flag.")] = False,
    goals_file: GoalsFile = None,
    goal_per_day: Annotated[float | None, typer.Option(
        "--goal", help="National goal a day (overrides the goals file).")] = None,
    allocation: Allocation = None,
    fdr: Annotated[float, typer.Option(help="False discovery rate for the flag.")] = 0.05,
    json_out: Json = False,
) -> None:
    """The 25 field offices ranked by arrests per day, with change and national share;
    with --fair, evaluated fairly against their targets and their own baseline."""
    import icestats
    from icestats import metrics
    from icestats.render import tables

    if fair:
        from icestats.render import stats as render_stats
        from icestats.stats import goals as goals_mod

        goals = goals_mod.load(goals_file, national=goal_per_day, allocation=allocation)
        with icestats.connect(db) as ice:
            r = ice.fair_offices(goals, window=window, as_of=_date(as_of, "--as-of"),
                                 include_incomplete=include_incomplete, count=count, q=fdr)
        _emit(db, json_out, r, render_stats.fair)
        return
    with icestats.connect(db) as ice:
        t = ice.offices(window=window, as_of=_date(as_of, "--as-of"),
                        include_incomplete=include_incomplete, count=count)
        day = metrics._as_of(metrics.coverage(ice.con), _date(as_of, "--as-of"),
                             include_incomplete)
    _emit(db, json_out, {"window_days": window, "as_of": day, "count": count,
                         "offices": t.to_pylist()},
          lambda console, _answer: tables.offices(console, t, window, day))


@app.command()
@handle_errors
def breakdown(
    by: Annotated[str, typer.Option(help="criminality, method, custody (custodial vs "
                                         "at-large), agency, agency_group, program, type, "
                                         "citizenship, gender, age_group.")],
    db: Db = DEFAULT_DB,
    period: Annotated[str, typer.Option(help="day, week, month, quarter or year.")] = "month",
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")] = None,
    aor: Annotated[str | None, typer.Option(help="One office code, e.g. CHI.")] = None,
    count: Count = "arrests", json_out: Json = False,
) -> None:
    """Counts and shares over time by one category."""
    import icestats
    from icestats.render import tables

    with icestats.connect(db) as ice:
        t = ice.breakdown(by, period=period, start=_date(start, "--from"),
                          end=_date(end, "--to"), aor=aor, count=count)
    if json_out:
        print(tables.as_json({"database": str(db), "by": by, "period": period, "count": count,
                              "rows": t.to_pylist()}))
    else:
        tables.breakdown(_console(), t, by, period)
        print(f"database: {db}")


@app.command()
@handle_errors
def nowcast(db: Db = DEFAULT_DB, count: Count = "arrests", json_out: Json = False) -> None:
    """Correct the incomplete last weeks of the newest release (reporting lag), with
    intervals; the completeness curve is estimated when two releases overlap."""
    import icestats
    from icestats.render import stats as render_stats

    with icestats.connect(db) as ice:
        r = ice.nowcast(count=count)
    _emit(db, json_out, r, render_stats.nowcast)


@app.command()
@handle_errors
def events(
    db: Db = DEFAULT_DB,
    file: Annotated[Path | None, typer.Option("--file", help="Events file (TOML); see "
                                                            "`icestats events --example`.")] = None,
    event: Annotated[list[str] | None, typer.Option(
        "--event", help="DATE,OFFICE,LABEL (repeatable), e.g. 2025-09-08,CHI,Midway Blitz")] = None,
    window: Annotated[int, typer.Option(help="Days before and after the date.")] = 28,
    example: Annotated[bool, typer.Option("--example", help="Print the example events file "
                                                            "and exit.")] = False,
    count: Count = "arrests", json_out: Json = False,
) -> None:
    """Change in an office's daily arrests after an operation or leadership change, against
    the other offices (difference in differences), with a placebo check."""
    import icestats
    from icestats.render import stats as render_stats
    from icestats.stats.events import example_file, load_events

    if example:
        print(example_file().read_text(), end="")
        return
    evs = load_events(file, event or [])
    with icestats.connect(db) as ice:
        r = ice.events(evs, window=window, count=count)
    _emit(db, json_out, r, render_stats.events)


@app.command()
@handle_errors
def forecast(
    db: Db = DEFAULT_DB,
    horizon: Annotated[int, typer.Option(help="Days ahead.")] = 90,
    fit_days: Annotated[int, typer.Option(help="Complete days the trend is fitted on.")] = 90,
    goals_file: GoalsFile = None,
    goal_per_day: Annotated[float | None, typer.Option(
        "--goal", help="National goal a day (overrides the goals file).")] = None,
    allocation: Allocation = None,
    count: Count = "arrests", json_out: Json = False,
) -> None:
    """National and per-office daily arrests ahead, with prediction intervals, and the date
    the goal would be met at the current trend (or "not within the horizon")."""
    import icestats
    from icestats.errors import UsageError
    from icestats.render import stats as render_stats
    from icestats.stats import goals as goals_mod

    if horizon < 1 or fit_days < 14:
        raise UsageError("--horizon must be at least 1 and --fit-days at least 14")
    goals = goals_mod.load(goals_file, national=goal_per_day, allocation=allocation)
    with icestats.connect(db) as ice:
        r = ice.forecast(goals, horizon=horizon, fit_days=fit_days, count=count)
    _emit(db, json_out, r, render_stats.forecast)


@app.command()
@handle_errors
def report(
    out: Annotated[Path, typer.Option("-o", "--out", help="HTML file to write.")] = Path(
        "report.html"),
    db: Db = DEFAULT_DB,
    goal_per_day: Annotated[float, typer.Option("--goal", help="Goal a day.")] = 3000,
) -> None:
    """One self-contained HTML report (works offline): goal, offices with intervals, every
    office's series, composition, map, events, forecast, ICE vs CBP, provenance."""
    import icestats
    from icestats.render.report import write

    with icestats.connect(db) as ice:
        path = write(ice, out, goal_per_day)
    size = path.stat().st_size / 1e6
    print(f"wrote {path} ({size:.1f} MB) from database {db}")


@app.command()
@handle_errors
def serve(
    db: Db = DEFAULT_DB,
    host: Annotated[str, typer.Option(help="Address to bind; anything but loopback needs "
                                           "--allow-remote.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", help="Allow binding an address other than loopback.")] = False,
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

    app = create_app(db)
    if not loopback:
        _err(f"serving on {host}: anyone who can reach this address can read the database")
    print(f"icestats dashboard: http://{host}:{port}/  (API: /api, database {db}, read-only)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


@export_app.command("daily")
@handle_errors
def export_daily(
    out: Annotated[Path, typer.Option("-o", "--out", help="File to write.")],
    db: Db = DEFAULT_DB,
    by: Annotated[str | None, typer.Option(help="aor, criminality, method, custody, agency, "
                                                "agency_group, program, type, ...")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="csv, parquet or json "
                                                             "(default: from the suffix).")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")] = None,
    aor: Annotated[str | None, typer.Option(help="One office code, e.g. CHI.")] = None,
    count: Count = "arrests",
) -> None:
    """Daily counts: `date,arrests`, or with --by aor exactly `date,aor,arrests`."""
    import icestats
    from icestats.exports import write_table

    with icestats.connect(db) as ice:
        t = ice.daily(by, start=_date(start, "--from"), end=_date(end, "--to"), aor=aor,
                      count=count)
    write_table(t, out, fmt or out.suffix.lstrip(".").lower())
    print(f"wrote {t.num_rows:,} rows to {out} (from database {db})", file=sys.stderr)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
