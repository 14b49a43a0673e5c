"""One command per question: parse options, ask the library, render its answer."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from icestats.commands.base import (
    DEFAULT_DB,
    AsOf,
    Count,
    Db,
    Fmt,
    From,
    Json,
    Office,
    Scope,
    Tail,
    To,
    app,
    console,
    emit,
    handle_errors,
)

if TYPE_CHECKING:
    from rich.console import Console

    from icestats.answers import StatusAnswer

GoalsFile = Annotated[Path | None, typer.Option(
    "--goals", help="Goals file (TOML): national goal, allocation key, per-office targets.")]
Allocation = Annotated[str | None, typer.Option(
    help="Share the national goal by population, noncitizen, undocumented or baseline.")]
NationalGoal = Annotated[float | None, typer.Option(
    "--goal", help="National goal a day (overrides the goals file).")]


@app.command()
@handle_errors
def status(
    db: Db = DEFAULT_DB, json_out: Json = False, fmt: Fmt = None,
    show_tables: Annotated[bool, typer.Option(
        "--tables", metavar="", help="List every workbook table kept without a name.")] = False,
) -> None:
    """Releases and workbooks loaded: coverage, rows loaded / rejected / merged, incomplete
    tail, workbook tables (named, kept raw, total mismatches)."""
    import icestats

    with icestats.connect(db) as ice:
        s = ice.status()
    emit(db, json_out, s, lambda out, a: _status(out, a, db, show_tables), fmt)


def _status(out: Console, s: StatusAnswer, db: Path, show_tables: bool) -> None:
    from icestats.render import counts, detention, tables

    if s.releases.num_rows:
        tables.status(out, s, str(db))
    detention.workbooks(out, s, show_tables)
    counts.status(out, s)
    if not s.releases.num_rows and not s.workbooks.num_rows and not (
            s.count_tables is not None and s.count_tables.num_rows):
        out.print(f"{db} holds nothing yet; load files with `icestats ingest`.")
    else:
        tables.source_line(out, s)


@app.command()
@handle_errors
def goal(
    db: Db = DEFAULT_DB,
    goal_per_day: Annotated[float, typer.Option("--goal", help="Goal in arrests a day.")] = 3000,
    window: Annotated[int, typer.Option(help="Trend window in days (7, 28, 90...).")] = 28,
    as_of: AsOf = None, include_incomplete: Tail = False, count: Count = "arrests",
    scope: Scope = "all", json_out: Json = False, fmt: Fmt = None,
) -> None:
    """National arrests per day (latest day, rolling means) against the goal, and the trend."""
    import icestats
    from icestats.render import tables

    with icestats.connect(db) as ice:
        r = ice.goal(goal_per_day, window=window, as_of=as_of,
                     include_incomplete=include_incomplete, count=count, scope=scope)
    emit(db, json_out, r, tables.goal, fmt)


@app.command()
@handle_errors
def offices(
    db: Db = DEFAULT_DB,
    window: Annotated[int, typer.Option(help="Window in days.")] = 28,
    as_of: AsOf = None, include_incomplete: Tail = False, count: Count = "arrests",
    scope: Scope = "all",
    fair: Annotated[bool, typer.Option("--fair", metavar="",
                                       help="Rates, baseline ratios, targets, "
                                                      "attainment with intervals, shrinkage "
                                                      "and a below-target flag.")] = False,
    goals_file: GoalsFile = None, goal_per_day: NationalGoal = None,
    allocation: Allocation = None,
    fdr: Annotated[float, typer.Option(help="False discovery rate for the flag.")] = 0.05,
    underperformers: Annotated[bool, typer.Option(
        "--underperformers", metavar="", help="The --n lowest offices under each yardstick "
        "side by side, with rank intervals and the below-target test.")] = False,
    n: Annotated[int, typer.Option("--n", help="How many lowest offices (with "
                                               "--underperformers).")] = 12,
    list_offices: Annotated[bool, typer.Option(
        "--list", metavar="", help="List the offices: codes, names and the spellings "
                                   "--aor accepts; no database needed.")] = False,
    json_out: Json = False, fmt: Fmt = None,
) -> None:
    """The 25 field offices ranked by arrests per day, with change and national share;
    with --fair, evaluated fairly against their targets and their own baseline."""
    if list_offices:
        from icestats.render.formats import resolve
        from icestats.render.tables import office_list

        office_list(console(), resolve(json_out, fmt))
        return
    import icestats
    from icestats.render import stats as render_stats
    from icestats.render import tables

    if fair or underperformers:  # the goals file is checked before the database is opened
        from icestats.stats import goals as goals_mod

        goals = goals_mod.load(goals_file, national=goal_per_day, allocation=allocation)
    with icestats.connect(db) as ice:
        if underperformers:
            from icestats.render.underperformers import table

            emit(db, json_out, ice.underperformers(
                goals, n=n, window=window, as_of=as_of, include_incomplete=include_incomplete,
                count=count, scope=scope, fdr=fdr), table, fmt)
            return
        if fair:
            emit(db, json_out, ice.fair_offices(
                goals, window=window, as_of=as_of, include_incomplete=include_incomplete,
                count=count, scope=scope, fdr=fdr), render_stats.fair, fmt)
            return
        r = ice.offices(window=window, as_of=as_of, include_incomplete=include_incomplete,
                        count=count, scope=scope)
    emit(db, json_out, r, tables.offices, fmt)


@app.command()
@handle_errors
def breakdown(
    by: Annotated[str, typer.Option(help="criminality, method, custody (custodial vs "
                                         "at-large), agency, agency_group, program, type, "
                                         "citizenship, gender, age_group, state.")],
    db: Db = DEFAULT_DB,
    period: Annotated[str, typer.Option(help="day, week, month, quarter, year or fy (federal "
                                             "fiscal year, October to September).")] = "month",
    start: From = None, end: To = None, aor: Office = None, count: Count = "arrests",
    scope: Scope = "all", json_out: Json = False, fmt: Fmt = None,
) -> None:
    """Counts and shares over time by one category."""
    import icestats
    from icestats.render import tables

    with icestats.connect(db) as ice:
        r = ice.breakdown(by, period=period, start=start, end=end, aor=aor, count=count,
                          scope=scope)
    emit(db, json_out, r, tables.breakdown, fmt)


@app.command()
@handle_errors
def daily(
    db: Db = DEFAULT_DB,
    by: Annotated[str | None, typer.Option(help="aor, criminality, method, custody, agency, "
                                                "agency_group, program, type, ...")] = None,
    start: From = None, end: To = None, aor: Office = None, count: Count = "arrests",
    scope: Scope = "all", json_out: Json = False, fmt: Fmt = None,
) -> None:
    """Daily counts: totals by month (or by category with --by), the daily series and its
    7-day means in --json."""
    import icestats
    from icestats.render import tables

    with icestats.connect(db) as ice:
        r = ice.daily(by, start=start, end=end, aor=aor, count=count, scope=scope)
    emit(db, json_out, r, tables.daily, fmt)


@app.command("fiscal-years")
@handle_errors
def fiscal_years(db: Db = DEFAULT_DB, count: Count = "arrests", scope: Scope = "all",
                 json_out: Json = False, fmt: Fmt = None) -> None:
    """Arrests per federal fiscal year (October to September) beside ICE's published
    administrative-arrest totals."""
    import icestats
    from icestats.render import tables

    with icestats.connect(db) as ice:
        r = ice.fiscal_years(count=count, scope=scope)
    emit(db, json_out, r, tables.fiscal_years, fmt)


@app.command()
@handle_errors
def agency(db: Db = DEFAULT_DB, json_out: Json = False, fmt: Fmt = None) -> None:
    """ICE vs CBP: monthly book-ins by arresting agency (ICE's detention statistics), per
    day, CBP share; who is detained; arrests per day beside them when releases are loaded."""
    import icestats
    from icestats.render import detention

    with icestats.connect(db) as ice:
        r = ice.agency()
    emit(db, json_out, r, detention.agency, fmt)


@app.command()
@handle_errors
def revisions(
    db: Db = DEFAULT_DB, json_out: Json = False, fmt: Fmt = None,
    table: Annotated[str, typer.Option(help="Workbook table key.")] = "book_ins_by_agency",
) -> None:
    """How later workbooks of a fiscal year revised each month (newest wins)."""
    import icestats
    from icestats.render import detention

    with icestats.connect(db) as ice:
        r = ice.revisions(table)
    emit(db, json_out, r, detention.revisions, fmt)


@app.command()
@handle_errors
def nowcast(db: Db = DEFAULT_DB, count: Count = "arrests", scope: Scope = "all",
            json_out: Json = False, fmt: Fmt = None) -> None:
    """Correct the incomplete last weeks of the newest release (reporting lag), with
    intervals; the completeness curve is estimated when two releases overlap."""
    import icestats
    from icestats.render import stats as render_stats

    with icestats.connect(db) as ice:
        r = ice.nowcast(count=count, scope=scope)
    emit(db, json_out, r, render_stats.nowcast, fmt)


@app.command()
@handle_errors
def events(
    db: Db = DEFAULT_DB,
    file: Annotated[Path | None, typer.Option("--file", help="Events file (TOML); see "
                                                            "`icestats events --example`.")] = None,
    event: Annotated[list[str] | None, typer.Option(
        "--event", help="DATE,OFFICE,LABEL (repeatable), e.g. 2025-09-08,CHI,Midway Blitz")] = None,
    window: Annotated[int, typer.Option(help="Days after the date the main effect is "
                                             "measured over (whole weeks).")] = 28,
    pre: Annotated[int, typer.Option(help="Days before the date the synthetic control is "
                                          "fitted on (whole weeks).")] = 182,
    example: Annotated[bool, typer.Option("--example", metavar="",
                                          help="Print the example events file "
                                                            "and exit.")] = False,
    count: Count = "arrests", scope: Scope = "all", json_out: Json = False, fmt: Fmt = None,
) -> None:
    """Change in an office's arrests after an operation or leadership change, against a
    synthetic control of the other offices, with placebo intervals, a pre-trend check, the
    weekly event study and the change in the other offices (displacement)."""
    import icestats
    from icestats.render import stats as render_stats
    from icestats.stats.events import example_file, load_events

    if example:
        print(example_file().read_text(), end="")
        return
    evs = load_events(file, event or [])
    with icestats.connect(db) as ice:
        r = ice.events(evs, window=window, count=count, scope=scope, pre=pre)
    emit(db, json_out, r, render_stats.events, fmt)


@app.command()
@handle_errors
def forecast(
    db: Db = DEFAULT_DB,
    horizon: Annotated[int, typer.Option(help="Days ahead.")] = 90,
    fit_days: Annotated[int, typer.Option(help="Days up to the origin the model is fitted "
                                               "on.")] = 182,
    as_of: AsOf = None,
    level: Annotated[float, typer.Option(help="Interval level for the 30-day and weekly "
                                              "means and the daily low/high (0.5 to "
                                              "0.99).")] = 0.95,
    backtest: Annotated[bool, typer.Option("--backtest", metavar="",
                                           help="Also measure the intervals' coverage and "
                                                "the errors on this database's own data "
                                                "(12 origins, 30 days ahead).")] = False,
    goals_file: GoalsFile = None, goal_per_day: NationalGoal = None,
    allocation: Allocation = None, count: Count = "arrests", scope: Scope = "all",
    json_out: Json = False, fmt: Fmt = None,
) -> None:
    """National and per-office daily arrests ahead with 80% and 95% intervals (a local-level
    model that follows level changes), the observed recent means beside the model's level,
    and the chance of reaching the goal within the horizon."""
    import icestats
    from icestats.errors import UsageError
    from icestats.render import stats as render_stats
    from icestats.stats import goals as goals_mod

    if not 1 <= horizon <= 365 or fit_days < 28:
        raise UsageError("--horizon must be 1 to 365 and --fit-days at least 28")
    if not 0.5 <= level <= 0.99:
        raise UsageError("--level must be between 0.5 and 0.99")
    goals = goals_mod.load(goals_file, national=goal_per_day, allocation=allocation)
    with icestats.connect(db) as ice:
        r = ice.forecast(goals, horizon=horizon, fit_days=fit_days, count=count, scope=scope,
                         level=level, as_of=as_of, backtest=backtest)
    emit(db, json_out, r, render_stats.forecast, fmt)


@app.command()
@handle_errors
def surges(
    db: Db = DEFAULT_DB, start: From = None, end: To = None,
    threshold: Annotated[float, typer.Option(help="Change-point threshold in long-run sd "
                                                  "(higher: fewer, surer surges).")] = 4.5,
    min_ratio: Annotated[float, typer.Option(help="Smallest rise listed (x1.3 = +30%).")
                         ] = 1.3,
    count: Count = "arrests", scope: Scope = "all", json_out: Json = False, fmt: Fmt = None,
) -> None:
    """Unannounced surges: a change-point scan of every office's weekday-adjusted daily
    arrests, each surge with its start, end and size (ratio with a 95% interval)."""
    import icestats
    from icestats.errors import UsageError
    from icestats.render import stats as render_stats

    if threshold < 2 or min_ratio <= 1:
        raise UsageError("--threshold must be at least 2 and --min-ratio above 1")
    with icestats.connect(db) as ice:
        r = ice.surges(start=start, end=end, count=count, scope=scope, threshold=threshold,
                       min_ratio=min_ratio)
    emit(db, json_out, r, render_stats.surges, fmt)
