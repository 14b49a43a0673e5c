"""The JSON API: one route per question, built from the question table
(``questions.QUESTIONS``): each answer's ``to_dict()`` plus the database name, exactly what
``icestats Q --json`` prints (apart from the database path).

Every parameter is declared by its ``Param``: its name, help, default and bounds are in
the OpenAPI description (``/openapi.json``), and its value is parsed by the same ``Param``
as the command line's, so a refused value is HTTP 422 with the same one-line message as
the CLI's error (``{"detail": message}``). Routes take the database as a dependency
(``ice``); no SQL or file path is taken from a request.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from icestats.answers import Answer
from icestats.client import Icestats
from icestats.errors import UsageError
from icestats.jsonout import plain
from icestats.params import Param, offices
from icestats.questions import QUESTIONS, Question

router = APIRouter(prefix="/api")
KW = inspect.Parameter.KEYWORD_ONLY


def ice(request: Request) -> Iterator[Icestats]:
    """One cursor per request on the app's live reader (a newly loaded version is picked
    up between requests)."""
    reader = request.app.state.reader
    with reader.cursor() as cursor:
        yield Icestats.from_connection(cursor, reader.path)


Ice = Annotated[Icestats, Depends(ice)]


def answer(i: Icestats, a: Answer) -> dict[str, Any]:
    from icestats.render.formats import json_answer

    out: dict[str, Any] = plain(json_answer(a, i.path.name))
    return out


def schema(p: Param) -> dict[str, Any]:
    """A parameter's bounds, choices and default for the OpenAPI description."""
    out: dict[str, Any] = {}
    if p.low is not None:
        out["exclusiveMinimum" if p.low_open else "minimum"] = p.low
    if p.high is not None and p.kind == "list":
        out["maxItems"] = int(p.high)
    elif p.high is not None:
        out["exclusiveMaximum" if p.high_open else "maximum"] = p.high
    if p.step > 1:
        out["multipleOf"] = p.step
    if p.choices:
        out["enum"] = list(p.choices)
    if p.default is not None:
        out["default"] = plain(p.default)
    return out


def query(p: Param) -> inspect.Parameter:
    """The query parameter of ``p``: taken as text, parsed by ``p`` (see the module)."""
    alias = p.api_name if p.api_name != p.name else None
    info = Query(alias=alias, description=p.describe(), json_schema_extra=schema(p))
    kind: Any = list[str] | None if p.kind == "list" else str | None
    return inspect.Parameter(p.name, KW, default=None, annotation=Annotated[kind, info])


def ask(i: Icestats, q: Question, values: dict[str, Any]) -> Any:
    """Parse ``q``'s own values, ask the library, answer with the JSON."""
    return answer(i, getattr(i, q.library)(**q.parse({p.name: values[p.name]
                                                       for p in q.on("api")})))


def endpoint(q: Question, extra: tuple[inspect.Parameter, ...] = (),
             respond: Callable[..., Any] = ask) -> Callable[..., Any]:
    """The route function of ``q``: ``respond(i, q, values)`` (default: parse, ask,
    answer) with the values of the question's parameters and ``extra``."""
    def route(i: Icestats, **values: Any) -> Any:
        return respond(i, q, values)

    route.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("i", KW, annotation=Ice), *map(query, q.on("api")), *extra])
    route.__name__ = q.name
    route.__doc__ = q.help
    return route


def daily(i: Icestats, q: Question, values: dict[str, Any]) -> Any:
    """/api/daily answers JSON, or with format=csv its rows as a csv download: with
    several offices (aor=CHI,NYC), each office's rows one after the other."""
    fmt = values.pop("format") or "json"
    if fmt not in ("json", "csv"):
        raise UsageError("format must be json or csv")
    if fmt == "json":
        return ask(i, q, values)
    from icestats.answers import DailyAnswer
    from icestats.count_routes import rows_of
    from icestats.exports import csv_text, daily_csv

    codes: list[str | None] = list(offices(values["aor"]))
    answers = [i.daily(**q.parse({**{p.name: values[p.name] for p in q.on("api")}, "aor": c}))
               for c in codes or [None]]
    name = "_".join(["icestats_daily", "-".join(c for c in codes if c) or "national",
                     values["by"] or "total"])
    days = [a for a in answers if isinstance(a, DailyAnswer)]
    text = daily_csv(days) if len(days) == len(answers) else csv_text(rows_of(answers[0]))
    return Response(text, media_type="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}.csv"'})


FORMAT = inspect.Parameter("format", KW, default=None, annotation=Annotated[
    str | None, Query(description="json (default) or csv (the daily rows).")])
for _q in QUESTIONS.values():
    _daily = _q.name == "daily"
    router.add_api_route(f"/{_q.name}", endpoint(
        _q, (FORMAT,) if _daily else (), daily if _daily else ask),
        methods=["GET"], response_model=None, summary=_q.help)


DAILY = QUESTIONS["daily"]
Text = Annotated[str | None, Query()]


@router.get("/charts/daily")
def charts_daily(i: Ice, aor: Text = None, by: Text = None,
                 start: Annotated[str | None, Query(alias="from")] = None,
                 end: Annotated[str | None, Query(alias="to")] = None, count: Text = None,
                 scope: Text = None, kind: Text = None) -> dict[str, Any]:
    """The dashboard's charts as Vega-Lite specifications (``render/specs.py``, the same
    the report draws): the daily series and what the table shows. ``aor``: one office
    code or several separated by commas (several: each office's 7-day mean). The other
    parameters are the daily question's, parsed by its ``Param``s."""
    from icestats import reference
    from icestats.answers import DailyAnswer
    from icestats.answers.published import CountSeriesAnswer
    from icestats.count_routes import need_records
    from icestats.render import specs
    from icestats.stats import goals as goals_mod

    p = DAILY.parse({"by": by, "start": start, "end": end, "count": count, "scope": scope,
                     "kind": kind})
    word = p["kind"].replace("_", "-")  # the kind's word in the titles (arrests by default)
    codes = offices(aor)
    names = {o.code: o.name for o in reference.offices()}
    if len(codes) > 1:
        if p["by"]:
            raise UsageError("a breakdown shows one office at a time; choose one office or "
                             "no breakdown")
        answers = {names.get(c, c): need_records(i.daily(**{**p, "aor": c}), DailyAnswer)
                   for c in codes}
        title = f"7-day mean of {word} a day: " + ", ".join(answers)
        return _charts(title, [specs.offices(answers, title, None, points=True)], word)
    got = i.daily(**{**p, "aor": codes[0] if codes else None})
    if isinstance(got, CountSeriesAnswer):  # the days asked about are a count table's
        from icestats.render import specs_published

        said = got.kind.replace("_", "-")  # (the table's own kind)
        return _charts(f"{said.capitalize()} a day by {got.grain}",
                       [specs_published.series(got, None)], said)
    a = need_records(got, DailyAnswer)
    where = f"{names.get(codes[0], codes[0])} ({codes[0]})" if codes else "national"
    means = "each whole month's mean a day" if a.protection else "7-day means"
    title = (f"{word.capitalize()} by {p['by']} ({means}), {where}" if p["by"]
             else f"Daily {word}, {where}")
    table = f"Totals by {p['by']}, {where}" if p["by"] else \
        f"{word.capitalize()} a day by month, {where}"
    goal = goals_mod.Goals().national_per_day if not codes and not p["by"] \
        and p["kind"] == "arrests" else None  # (the goal is of arrests)
    return _charts(title, [specs.daily(a, title, None, points=True, goal=goal),
                           specs.months(a, table, None)], word)


def _charts(title: str, charts: list[Any], word: str = "arrests") -> dict[str, Any]:
    out: dict[str, Any] = plain({"title": title, "charts": charts})
    if word != "arrests":  # the specs' axes and tooltips say the kind counted
        import json

        out = json.loads(json.dumps(out).replace('"arrests a day"', f'"{word} a day"'))
    return out


@router.get("/charts/published")
def charts_published(i: Ice) -> dict[str, Any]:
    """The real 2025-26 picture from the published count tables loaded, as the report opens
    on it (``render/report_published.picture``): each chart's Vega-Lite specification with
    its file in its caption, and each answer's main tables as every surface shows them
    (``display``); no chart when no count table is loaded."""
    from icestats.render.formats import json_answer
    from icestats.render.report_published import SPECS, picture

    answers = picture(i)
    flags = [a.source.synthetic for a in answers.values()]
    return _charts("2025-26, from real published counts" if answers else "",
                   [SPECS[n](a, None) for n, a in answers.items()]) | {
        "source": {"text": "; ".join(dict.fromkeys(a.source.text for a in answers.values()))},
        "synthetic": True if any(flags) else False if flags and None not in flags else None,
        "answers": {n: {k: v for k, v in plain(json_answer(a, i.path.name)).items()
                        if k in ("display", "source", "synthetic", "window", "lowest",
                                 "agreement")}
                    for n, a in answers.items()}}
