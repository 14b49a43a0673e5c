"""`icestats serve`: the JSON API (``web.routes``) and the dashboard page over one
read-only database.

Only the host names the server was started for are answered (a DNS-rebinding page cannot
read the API through the user's browser); a Content-Security-Policy allows no origin but
this server; API answers are not cached by browsers (no-store; the server keeps the last
answers per database version, bounded: ``AnswerCache``); text from the data is only ever
inserted into the page as text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from icestats import __version__, reader
from icestats.errors import IcestatsError, UsageError
from icestats.web.routes import router

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
STATIC = resources.files("icestats") / "web" / "static"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def create_app(db: str | Path, hosts: Sequence[str] = ()) -> FastAPI:
    """The app over ``db``; it answers requests for loopback names and ``hosts`` only."""
    app = FastAPI(title="icestats API", version=__version__, docs_url=None, redoc_url=None,
                  description="Arrests per day, nationally and per ICE field office.")
    app.state.reader = reader.LiveReader(Path(db))  # fails early, clearly, if the db is bad
    app.include_router(router)
    app.add_api_route("/api", api_docs, response_class=HTMLResponse)
    app.add_api_route("/", index, response_class=HTMLResponse)
    app.add_api_route("/vendor/vega.js", vega_bundle, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.state.answers = AnswerCache()
    app.middleware("http")(cached)
    app.middleware("http")(headers)
    app.add_exception_handler(IcestatsError, user_error)
    app.add_middleware(HeadAsGet)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=[*LOOPBACK_HOSTS, *hosts])
    return app


class HeadAsGet:
    """HEAD is answered as GET without the body (the routes are declared for GET only, so
    the OpenAPI spec lists each once)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


class AnswerCache:
    """The last API answers (200s only), keyed by the database version and the request's
    path and query, least recently used first out: at most ``ENTRIES`` answers and
    ``BYTES`` in all. Answers are deterministic for a database version, so a repeated
    question costs a dictionary lookup, not a query; memory stays bounded whatever the
    requests. Every ``TRIM_EVERY`` requests the C allocator returns freed pages to the
    system (glibc's arenas otherwise keep what the native libraries' threads freed)."""

    ENTRIES = 512
    BYTES = 64 << 20
    BODY = 4 << 20  # a larger answer is not kept
    TRIM_EVERY = 1000

    def __init__(self) -> None:
        from collections import OrderedDict

        self.items: OrderedDict[tuple[object, ...], tuple[int, bytes, list[tuple[str, str]]]]
        self.items = OrderedDict()
        self.size = 0
        self.requests = 0

    def get(self, key: tuple[object, ...]) -> tuple[int, bytes, list[tuple[str, str]]] | None:
        hit = self.items.get(key)
        if hit is not None:
            self.items.move_to_end(key)
        return hit

    def put(self, key: tuple[object, ...], status: int, body: bytes,
            headers: list[tuple[str, str]]) -> None:
        if len(body) > self.BODY or key in self.items:
            return
        self.items[key] = (status, body, headers)
        self.size += len(body)
        while len(self.items) > self.ENTRIES or self.size > self.BYTES:
            _, (_, old, _) = self.items.popitem(last=False)
            self.size -= len(old)

    def tick(self) -> None:
        self.requests += 1
        if self.requests % self.TRIM_EVERY == 0:
            _malloc_trim()


def _malloc_trim() -> None:
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


async def cached(request: Request,
                 call_next: Callable[[Request], Awaitable[StreamingResponse]]) -> Response:
    """API answers from the AnswerCache when the same question was asked of the same
    database version; otherwise computed, and kept when they are a 200."""
    cache: AnswerCache = request.app.state.answers
    cache.tick()
    if request.method != "GET" or not request.url.path.startswith("/api/"):
        return await call_next(request)
    key = (request.app.state.reader.version(), request.url.path, request.url.query)
    hit = cache.get(key)
    if hit is not None:
        return Response(hit[1], status_code=hit[0], headers=dict(hit[2]))
    response = await call_next(request)
    if response.status_code != 200:
        return response
    body = b"".join([chunk.encode() if isinstance(chunk, str) else bytes(chunk)
                     async for chunk in response.body_iterator])
    headers = [(k, v) for k, v in response.headers.items() if k != "content-length"]
    cache.put(key, 200, body, headers)
    return Response(body, status_code=200, headers=dict(headers))


async def headers(request: Request, call_next: Any) -> Response:
    response: Response = await call_next(request)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.url.path.startswith("/api"):
        response.headers["Cache-Control"] = "no-store"
    return response


async def user_error(request: Request, exc: Exception) -> Response:
    code = 422 if isinstance(exc, UsageError) else 503
    return JSONResponse({"detail": str(exc)}, status_code=code)


def index() -> str:
    return (STATIC / "index.html").read_text(encoding="utf-8")


def vega_bundle() -> Response:
    """Vega, Vega-Lite and vega-embed from vl-convert's bundle, served by icestats itself
    (the dashboard loads no script from another site)."""
    from icestats.render.vega import javascript_bundle

    return Response(javascript_bundle(), media_type="text/javascript",
                    headers={"Cache-Control": "public, max-age=86400"})


def api_docs(request: Request) -> str:
    from html import escape

    spec = request.app.openapi()
    items = []
    for path, ops in sorted(spec["paths"].items()):
        for method, op in ops.items():
            if method == "head":
                continue
            params = ", ".join(f"{p['name']}" for p in op.get("parameters", []))
            items.append(f"<li><code>{method.upper()} {escape(path)}</code>"
                         f"{' — ' + escape(params) if params else ''}</li>")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>icestats API</title>"
            f"<link rel='stylesheet' href='/static/style.css'></head><body><main><h1>icestats "
            f"API {escape(__version__)}</h1><p>OpenAPI spec: <a href='/openapi.json'>"
            f"/openapi.json</a>. Dashboard: <a href='/'>/</a>.</p><ul>{''.join(items)}</ul>"
            f"</main></body></html>")


def serve_in_thread(db: str | Path, host: str = "127.0.0.1") -> tuple[str, Any]:
    """Start the app on a free port in a daemon thread (tests, screenshots):
    (base URL, uvicorn server; set ``server.should_exit = True`` to stop it)."""
    import threading
    import time

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(create_app(db, [host]), host=host, port=0,
                                           log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    return f"http://{host}:{port}", server
