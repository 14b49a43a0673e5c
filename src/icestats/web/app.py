"""`icestats serve`: a JSON API and a dashboard page over one read-only database.

Every endpoint calls the same client methods as the CLI and the report. Parameters are
typed and validated (a bad date or an unknown office is HTTP 422 with a message); no SQL
or file path is taken from a request; text from the data is only ever inserted into the
page as text. A Content-Security-Policy allows no origin but this server.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from icestats import __version__, store
from icestats.client import Icestats
from icestats.errors import IcestatsError, UsageError

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
STATIC = resources.files("icestats") / "web" / "static"
Day = Annotated[date | None, Query(description="YYYY-MM-DD")]


def create_app(db: str | Path) -> FastAPI:
    db = Path(db)
    reader = store.LiveReader(db)  # fails early, clearly, if the database is bad
    app = FastAPI(title="icestats API", version=__version__, docs_url=None, redoc_url=None,
                  description="Arrests per day, nationally and per ICE field office.")

    @contextmanager
    def ice() -> Iterator[Icestats]:
        # one cursor per request; a newly loaded version is picked up between requests
        with reader.cursor() as cursor:
            yield Icestats.from_connection(cursor, db)

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.exception_handler(IcestatsError)
    async def user_error(request: Request, exc: IcestatsError) -> JSONResponse:
        code = 422 if isinstance(exc, UsageError) else 503
        return JSONResponse({"detail": str(exc)}, status_code=code)

    @app.get("/api/status")
    def status() -> dict[str, Any]:
        with ice() as i:
            return _jsonable({"database": db.name, **i.status(), **i.workbooks()})

    @app.get("/api/goal")
    def goal(goal: Annotated[float, Query(gt=0)] = 3000, window: Annotated[int, Query(
             ge=1, le=365)] = 28, as_of: Day = None, include_incomplete: bool = False,
             count: str = "arrests") -> dict[str, Any]:
        with ice() as i:
            return _jsonable(i.goal(goal, window=window, as_of=as_of,
                                    include_incomplete=include_incomplete, count=count).to_dict())

    @app.get("/api/offices")
    def offices(window: Annotated[int, Query(ge=1, le=365)] = 28, as_of: Day = None,
                include_incomplete: bool = False, count: str = "arrests") -> dict[str, Any]:
        with ice() as i:
            rows = i.offices(window=window, as_of=as_of, include_incomplete=include_incomplete,
                             count=count).to_pylist()
        return _jsonable({"window_days": window, "offices": rows})

    @app.get("/api/daily", response_model=None)
    def daily(aor: str | None = None, by: str | None = None,
              start: Annotated[date | None, Query(alias="from")] = None,
              end: Annotated[date | None, Query(alias="to")] = None,
              count: str = "arrests", format: str = "json") -> Any:  # noqa: A002
        if format not in ("json", "csv"):
            raise UsageError("format must be json or csv")
        with ice() as i:
            t = i.daily(by or None, start=start, end=end, aor=aor or None, count=count)
        if format == "csv":
            from icestats.exports import csv_text

            name = "_".join(["icestats_daily", aor or "national", by or "total"]) + ".csv"
            return Response(csv_text(t), media_type="text/csv", headers={
                "Content-Disposition": f'attachment; filename="{name}"'})
        return _jsonable({"by": by, "aor": aor, "rows": t.to_pylist()})

    @app.get("/api/breakdown")
    def breakdown(by: str = "criminality", period: str = "month", aor: str | None = None,
                  start: Annotated[date | None, Query(alias="from")] = None,
                  end: Annotated[date | None, Query(alias="to")] = None,
                  count: str = "arrests") -> dict[str, Any]:
        with ice() as i:
            t = i.breakdown(by, period=period, start=start, end=end, aor=aor or None,
                            count=count)
        return _jsonable({"by": by, "period": period, "rows": t.to_pylist()})

    @app.get("/api/fair")
    def fair(window: Annotated[int, Query(ge=7, le=365)] = 28, as_of: Day = None,
             goal: Annotated[float | None, Query(gt=0)] = None, allocation: str | None = None,
             fdr: Annotated[float, Query(gt=0, lt=1)] = 0.05) -> dict[str, Any]:
        from icestats.stats import goals as goals_mod

        g = goals_mod.load(None, national=goal, allocation=allocation)
        with ice() as i:
            return _jsonable(i.fair_offices(g, window=window, as_of=as_of, q=fdr))

    @app.get("/api/nowcast")
    def nowcast() -> dict[str, Any]:
        with ice() as i:
            return _jsonable(i.nowcast())

    @app.get("/api/forecast")
    def forecast(horizon: Annotated[int, Query(ge=1, le=365)] = 90,
                 goal: Annotated[float | None, Query(gt=0)] = None) -> dict[str, Any]:
        from icestats.stats import goals as goals_mod

        with ice() as i:
            return _jsonable(i.forecast(goals_mod.load(None, national=goal), horizon=horizon))

    @app.get("/api/events")
    def events(event: Annotated[list[str] | None, Query(
            description="DATE,OFFICE,LABEL; default: the example events file")] = None,
               window: Annotated[int, Query(ge=7, le=180)] = 28) -> dict[str, Any]:
        from icestats.stats.events import example_file, load_events

        evs = load_events(None if event else example_file(), event or [])
        with ice() as i:
            return _jsonable(i.events(evs, window=window))

    @app.get("/api/agency")
    def agency() -> dict[str, Any]:
        with ice() as i:
            return _jsonable({"source": "ICE detention statistics (real data)",
                              "book_ins_by_month": i.book_ins().to_pylist(),
                              "detained_by_criminality": i.detained().to_pylist()})

    @app.get("/api", response_class=HTMLResponse)
    def api_docs() -> str:
        return _api_page(app)

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return (STATIC / "index.html").read_text(encoding="utf-8")

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.state.reader = reader
    return app


def serve_in_thread(db: str | Path, host: str = "127.0.0.1") -> tuple[str, Any]:
    """Start the app on a free port in a daemon thread (tests, screenshots):
    (base URL, uvicorn server; set ``server.should_exit = True`` to stop it)."""
    import threading
    import time

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(create_app(db), host=host, port=0,
                                           log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    return f"http://{host}:{port}", server


def _jsonable(value: Any) -> Any:
    """Dates as ISO strings, numpy numbers as plain numbers."""
    import json

    from icestats.exports import json_default

    return json.loads(json.dumps(value, default=lambda v: v.item() if hasattr(v, "item")
                                 else json_default(v)))


def _api_page(app: FastAPI) -> str:
    from html import escape

    spec = app.openapi()
    items = []
    for path, ops in sorted(spec["paths"].items()):
        for method, op in ops.items():
            params = ", ".join(f"{p['name']}" for p in op.get("parameters", []))
            items.append(f"<li><code>{method.upper()} {escape(path)}</code>"
                         f"{' — ' + escape(params) if params else ''}</li>")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>icestats API</title>"
            f"<link rel='stylesheet' href='/static/style.css'></head><body><main><h1>icestats "
            f"API {escape(__version__)}</h1><p>OpenAPI spec: <a href='/openapi.json'>"
            f"/openapi.json</a>. Dashboard: <a href='/'>/</a>.</p><ul>{''.join(items)}</ul>"
            f"</main></body></html>")
