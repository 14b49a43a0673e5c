"""The JSON API: one route per question, each the answer's ``to_dict()`` plus the database
name, exactly what ``icestats Q --json`` prints (apart from the database path).

Routes are module functions on an APIRouter; the database comes in as a dependency
(``ice``), so a test can call any route on its own. Parameters are typed and validated
(a bad date or an unknown office is HTTP 422 with a message); no SQL or file path is
taken from a request.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from icestats.answers import Answer
from icestats.client import Icestats
from icestats.errors import UsageError
from icestats.jsonout import plain

router = APIRouter(prefix="/api")
Day = Annotated[date | None, Query(description="YYYY-MM-DD")]
From = Annotated[date | None, Query(alias="from", description="First day, YYYY-MM-DD")]
To = Annotated[date | None, Query(alias="to", description="Last day, YYYY-MM-DD")]
Window = Annotated[int, Query(ge=1, le=365)]
Goal = Annotated[float, Query(gt=0, allow_inf_nan=False)]


def ice(request: Request) -> Iterator[Icestats]:
    """One cursor per request on the app's live reader (a newly loaded version is picked
    up between requests)."""
    reader = request.app.state.reader
    with reader.cursor() as cursor:
        yield Icestats.from_connection(cursor, reader.path)


Ice = Annotated[Icestats, Depends(ice)]


def answer(i: Icestats, a: Answer) -> dict[str, Any]:
    from icestats.render.formats import json_answer

    return plain(json_answer(a, i.path.name))


@router.get("/status")
def status(i: Ice) -> dict[str, Any]:
    return answer(i, i.status())


@router.get("/goal")
def goal(i: Ice, goal: Goal = 3000, window: Window = 28, as_of: Day = None,
         include_incomplete: bool = False, count: str = "arrests",
         scope: str = "all") -> dict[str, Any]:
    return answer(i, i.goal(goal, window=window, as_of=as_of,
                            include_incomplete=include_incomplete, count=count, scope=scope))


@router.get("/offices")
def offices(i: Ice, window: Window = 28, as_of: Day = None, include_incomplete: bool = False,
            count: str = "arrests", scope: str = "all") -> dict[str, Any]:
    return answer(i, i.offices(window=window, as_of=as_of,
                               include_incomplete=include_incomplete, count=count, scope=scope))


@router.get("/daily", response_model=None)
def daily(i: Ice, aor: str | None = None, by: str | None = None, start: From = None,
          end: To = None, count: str = "arrests", scope: str = "all",
          format: str = "json") -> Any:
    if format not in ("json", "csv"):
        raise UsageError("format must be json or csv")
    codes = [c.strip() for c in (aor or "").split(",") if c.strip()]
    if format == "csv":  # (several offices: the dashboard's offices side by side)
        from icestats.exports import daily_csv

        offices: list[str | None] = list(codes) or [None]
        answers = [i.daily(by or None, start=start, end=end, aor=c, count=count, scope=scope)
                   for c in offices]
        name = "_".join(["icestats_daily", "-".join(codes) or "national", by or "total"])
        return Response(daily_csv(answers), media_type="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{name}.csv"'})
    a = i.daily(by or None, start=start, end=end, aor=aor or None, count=count, scope=scope)
    return answer(i, a)


@router.get("/breakdown")
def breakdown(i: Ice, by: str = "criminality", period: str = "month", aor: str | None = None,
              start: From = None, end: To = None, count: str = "arrests",
              scope: str = "all") -> dict[str, Any]:
    return answer(i, i.breakdown(by, period=period, start=start, end=end, aor=aor or None,
                                 count=count, scope=scope))


@router.get("/fair")
def fair(i: Ice, window: Annotated[int, Query(ge=7, le=365)] = 28, as_of: Day = None,
         include_incomplete: bool = False,
         goal: Annotated[float | None, Query(gt=0, allow_inf_nan=False)] = None,
         allocation: str | None = None, fdr: Annotated[float, Query(gt=0, lt=1)] = 0.05,
         count: str = "arrests", scope: str = "all") -> dict[str, Any]:
    from icestats.stats import goals as goals_mod

    g = goals_mod.load(None, national=goal, allocation=allocation)
    return answer(i, i.fair_offices(g, window=window, as_of=as_of,
                                    include_incomplete=include_incomplete, count=count,
                                    scope=scope, fdr=fdr))


@router.get("/underperformers")
def underperformers(i: Ice, n: Annotated[int, Query(ge=1, le=24)] = 12,
                    window: Annotated[int, Query(ge=7, le=365)] = 28, as_of: Day = None,
                    include_incomplete: bool = False,
                    goal: Annotated[float | None, Query(gt=0, allow_inf_nan=False)] = None,
                    allocation: str | None = None,
                    fdr: Annotated[float, Query(gt=0, lt=1)] = 0.05, count: str = "arrests",
                    scope: str = "all") -> dict[str, Any]:
    from icestats.stats import goals as goals_mod

    g = goals_mod.load(None, national=goal, allocation=allocation)
    return answer(i, i.underperformers(g, n=n, window=window, as_of=as_of,
                                       include_incomplete=include_incomplete, count=count,
                                       scope=scope, fdr=fdr))


@router.get("/nowcast")
def nowcast(i: Ice, count: str = "arrests", scope: str = "all") -> dict[str, Any]:
    return answer(i, i.nowcast(count=count, scope=scope))


@router.get("/forecast")
def forecast(i: Ice, horizon: Window = 90,
             fit_days: Annotated[int, Query(ge=28, le=3650)] = 182,
             goal: Annotated[float | None, Query(gt=0, allow_inf_nan=False)] = None,
             allocation: str | None = None, count: str = "arrests", scope: str = "all",
             as_of: Day = None, level: Annotated[float, Query(ge=0.5, le=0.99)] = 0.95,
             backtest: bool = False) -> dict[str, Any]:
    from icestats.stats import goals as goals_mod

    g = goals_mod.load(None, national=goal, allocation=allocation)
    return answer(i, i.forecast(g, horizon=horizon, fit_days=fit_days, count=count,
                                scope=scope, as_of=as_of, level=level, backtest=backtest))


@router.get("/surges")
def surges(i: Ice, start: From = None, end: To = None, count: str = "arrests",
           scope: str = "all", threshold: Annotated[float, Query(ge=2, le=20)] = 4.5,
           min_ratio: Annotated[float, Query(gt=1, le=20)] = 1.3) -> dict[str, Any]:
    return answer(i, i.surges(start=start, end=end, count=count, scope=scope,
                              threshold=threshold, min_ratio=min_ratio))


@router.get("/events")
def events(i: Ice, event: Annotated[list[str] | None, Query(
               description="DATE,OFFICE,LABEL; default: the example events file")] = None,
           window: Annotated[int, Query(ge=7, le=180)] = 28,
           pre: Annotated[int, Query(ge=28, le=728)] = 182, count: str = "arrests",
           scope: str = "all") -> dict[str, Any]:
    from icestats.stats.events import example_file, load_events

    evs = load_events(None if event else example_file(), event or [])
    return answer(i, i.events(evs, window=window, count=count, scope=scope, pre=pre))


@router.get("/fiscal_years")
def fiscal_years(i: Ice, count: str = "arrests", scope: str = "all") -> dict[str, Any]:
    return answer(i, i.fiscal_years(count=count, scope=scope))


@router.get("/agency")
def agency(i: Ice) -> dict[str, Any]:
    return answer(i, i.agency())


@router.get("/revisions")
def revisions(i: Ice, table: str = "book_ins_by_agency") -> dict[str, Any]:
    return answer(i, i.revisions(table))



@router.get("/charts/daily")
def charts_daily(i: Ice, aor: str | None = None, by: str | None = None, start: From = None,
                 end: To = None, count: str = "arrests", scope: str = "all") -> dict[str, Any]:
    """The dashboard's charts as Vega-Lite specifications (``render/specs.py``, the same
    the report draws): the daily series and what the table shows. ``aor``: one office
    code or several separated by commas (several: each office's 7-day mean)."""
    from icestats import reference
    from icestats.params import office
    from icestats.render import specs
    from icestats.stats import goals as goals_mod

    codes = [office(c.strip()) for c in (aor or "").split(",") if c.strip()]
    names = {o.code: o.name for o in reference.offices()}
    if len(codes) > 1:
        if by:
            raise UsageError("a breakdown shows one office at a time; choose one office or "
                             "no breakdown")
        answers = {names.get(c, c): i.daily(None, start=start, end=end, aor=c, count=count,
                                            scope=scope) for c in codes}
        title = "7-day mean of arrests a day: " + ", ".join(answers)
        return plain({"title": title,
                      "charts": [specs.offices(answers, title, None, points=True)]})
    a = i.daily(by or None, start=start, end=end, aor=codes[0] if codes else None,
                count=count, scope=scope)
    where = f"{names.get(codes[0], codes[0])} ({codes[0]})" if codes else "national"
    title = (f"Arrests by {by} (7-day means), {where}" if by else f"Daily arrests, {where}")
    table = f"Totals by {by}, {where}" if by else f"Arrests a day by month, {where}"
    goal = goals_mod.Goals().national_per_day if not codes and not by else None
    return plain({"title": title, "charts": [specs.daily(a, title, None, points=True,
                                                         goal=goal),
                                             specs.months(a, table, None)]})
