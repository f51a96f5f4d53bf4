"""The Studio web app: Starlette with server-rendered Jinja templates and a few lines of plain script,
no build step and nothing fetched from a CDN (docs/studio.md says why). ``create_app`` assembles the
pages; ``serve`` runs it with uvicorn, as `nex studio` does."""

from __future__ import annotations

import os
import secrets
import time
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from nex_assets.core import db as nexdb
from nex_assets.core import env
from nex_assets.studio.logic import security
from nex_assets.studio.routes import ask, explore, files, review, stories
from nex_assets.studio.web import HERE, Refused, page

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
VENDOR = "/static/vendor/"


class Guard(BaseHTTPMiddleware):
    """The token (when Studio is not on loopback), the CSRF cookie, and headers every answer carries."""

    async def dispatch(self, request: Request, call_next):
        if not security.host_allowed(request.headers.get("host"), request.app.state.hosts):
            return PlainTextResponse(
                "NEX Studio does not serve this host name (NEX_STUDIO_HOSTS lists the ones it does)", 421
            )
        token = request.app.state.token
        if token:
            given = request.query_params.get("token")
            if security.same(given, token):  # signing in: keep it in a cookie, take it out of the address
                rest = {k: v for k, v in request.query_params.items() if k != "token"}
                response = RedirectResponse(request.url.path + (f"?{urlencode(rest)}" if rest else ""), 303)
                response.set_cookie(security.TOKEN_COOKIE, token, httponly=True, samesite="strict")
                return response
            held = request.cookies.get(security.TOKEN_COOKIE) or security.bearer(
                request.headers.get("authorization")
            )
            if not security.same(held, token):
                return PlainTextResponse("NEX Studio: sign in with ?token=<NEX_STUDIO_TOKEN>", 401)
        secret = request.app.state.secret
        held_csrf = request.cookies.get(security.CSRF_COOKIE)
        csrf = held_csrf if security.csrf_issued(held_csrf, secret) else security.new_csrf(secret)
        request.state.csrf = csrf
        started = time.perf_counter()
        response = await call_next(request)
        # The server's own time to the response head (benchmarks/studio.py reads it; so do browser tools).
        response.headers["server-timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        if request.cookies.get(security.CSRF_COOKIE) != csrf:
            response.set_cookie(security.CSRF_COOKIE, csrf, httponly=True, samesite="strict")
        response.headers.setdefault("content-security-policy", PAGE_CSP)
        if request.url.path.startswith(VENDOR):
            # Published libraries only: the sandboxed reports (another origin) load their fonts from here.
            response.headers["access-control-allow-origin"] = "*"
        response.headers["x-content-type-options"] = "nosniff"
        response.headers["referrer-policy"] = "same-origin"
        return response


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Refuses (413) a request body past ``max_body_bytes`` (config/studio.yaml) before more of it is
    read: by its Content-Length when it has one, else as it arrives. A question or a form is small; an
    unbounded one would be held in memory and stored whole."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        from nex_assets.studio.web import studio_settings

        limit = studio_settings().max_body_bytes
        too_large = PlainTextResponse(f"the request is larger than Studio takes ({limit:,} bytes)", 413)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await too_large(scope, receive, send)
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except* _TooLarge:  # raised in a task group of the middleware within, so it arrives grouped
            await too_large(scope, receive, send)


async def _refused(request: Request, exc: Refused):
    if not hasattr(request.state, "csrf"):
        request.state.csrf = ""
    if request.headers.get("accept", "").startswith("application/json") or request.url.path == "/ask/stream":
        return PlainTextResponse(str(exc), exc.status)
    return page(request, "error.html", status_code=exc.status, title="NEX Studio", message=str(exc))


def create_app(
    database: env.Database | None = None, token: str | None = None, hosts: frozenset[str] | None = None
) -> Starlette:
    """The app on ``database`` (the platform's, bootstrapped); ``token`` guards every page when given;
    ``hosts``: the host names it answers to (default: loopback's and those the environment names)."""
    app = Starlette(
        routes=[
            *stories.routes,
            *ask.routes,
            *explore.routes,
            *review.routes,
            *files.routes,
            Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
            Route("/favicon.ico", lambda _request: Response(status_code=204)),
        ],
        middleware=[Middleware(BodyLimit), Middleware(Guard)],
        exception_handlers={Refused: _refused},
    )
    app.state.database = nexdb.bootstrap(database)
    app.state.token = token
    # Signs the CSRF tokens: NEX_STUDIO_SECRET keeps visitors' tokens valid across restarts.
    configured = os.environ.get("NEX_STUDIO_SECRET") or ""
    app.state.secret = configured.encode() if len(configured) >= 16 else secrets.token_bytes(32)
    app.state.hosts = hosts if hosts is not None else _hosts(os.environ.get("NEX_STUDIO_HOST"))
    return app


def _hosts(bind: str | None) -> frozenset[str]:
    return security.served_hosts(bind, os.environ.get("NEX_STUDIO_HOSTS"), os.environ.get("NEX_STUDIO_URL"))


def serve(host: str, port: int) -> None:
    """Runs Studio until interrupted; refuses a non-loopback address without NEX_STUDIO_TOKEN."""
    import uvicorn

    token = os.environ.get("NEX_STUDIO_TOKEN") or None
    hosts = _hosts(host)
    security.check_start(host, token, hosts)
    uvicorn.run(
        create_app(token=token, hosts=hosts), host=host, port=port, log_level="warning", access_log=False
    )
