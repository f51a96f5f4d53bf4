"""What every Studio page shares: templates, the per-thread tool context (read-only connections, reused
between requests), the CSRF check of form posts, and errors shown as pages."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.templating import Jinja2Templates

from nex_assets.chat.context import ToolContext
from nex_assets.core import env, settings
from nex_assets.studio import links
from nex_assets.studio.logic import security
from nex_assets.studio.settings import StudioSettings

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals.update(quote=quote, file_path=links.file_path)

# A tool context holds two connections; one per server thread is reused so a page costs no connect.
# The dataset catalog is read again this often, so a dataset added while Studio runs appears.
_CONTEXT_TTL_S = 30.0
_local = threading.local()


class Refused(Exception):
    """A request Studio will not act on: shown to the visitor with its reason and status."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def studio_settings() -> StudioSettings:
    return settings.load(StudioSettings)


def context(request: Request) -> ToolContext:
    held = getattr(_local, "ctx", None)
    if held is None or time.monotonic() - held[1] > _CONTEXT_TTL_S:
        if held is not None:
            held[0].close()
        held = (ToolContext.open(request.app.state.database), time.monotonic())
        _local.ctx = held
    return held[0]


def page(request: Request, name: str, status_code: int = 200, **values) -> HTMLResponse:
    values.setdefault("title", "NEX Studio")
    return templates.TemplateResponse(
        request,
        name,
        {
            "csrf": request.state.csrf,
            "csrf_field": security.CSRF_FIELD,
            "dagster_url": env.dagster_ui_url(),
            "mlflow_url": env.mlflow_ui_url(),
            **values,
        },
        status_code=status_code,
    )


async def checked_form(request: Request) -> dict:
    """The posted form, once its CSRF token and origin are the visitor's own; else ``Refused``."""
    form = dict(await request.form())
    if not security.origin_ok(request.headers.get("origin"), request.headers.get("host")):
        raise Refused("this change came from another site's page", 403)
    cookie = request.cookies.get(security.CSRF_COOKIE)
    if not security.csrf_ok(form.get(security.CSRF_FIELD), cookie, request.app.state.secret):
        raise Refused("the form's CSRF token is missing or stale: reload the page and try again", 403)
    return form


def back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def who(form: dict) -> str:
    """Who a change is recorded as: the name given in the form, else NEX_STUDIO_USER or the OS user."""
    given = " ".join(str(form.get("by") or "").split())[:80]
    return given or os.environ.get("NEX_STUDIO_USER") or os.environ.get("USER") or "studio"
