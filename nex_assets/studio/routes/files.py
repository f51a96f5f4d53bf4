"""Reports and docs over HTTP: GX Data Docs, Evidently drift reports and `nex report` files, served from
the folders the platform writes them to. HTML is served with its CDN addresses pointed at the vendored
copies (config/studio.yaml `vendor`) and any other external address removed."""

from __future__ import annotations

import mimetypes
from functools import cache

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse
from starlette.routing import Route

from nex_assets.studio import links
from nex_assets.studio.logic import served
from nex_assets.studio.web import Refused, studio_settings

# Served pages were written by GX and Evidently from the data (a failing rule's unexpected values among
# it) and carry inline scripts, so a value can be a script. They run sandboxed: an opaque origin of their
# own, never Studio's, so no script in them can read Studio's pages or cookies or make a change there (its
# requests are cross-site: no cookies, Origin "null", refused), and no forms. They may run their own
# scripts, load what Studio serves, open links, and nothing else.
REPORT_CSP = (
    "sandbox allow-scripts allow-popups allow-popups-to-escape-sandbox allow-downloads; "
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'self'; "
    "form-action 'none'; base-uri 'none'"
)


@cache
def _vendored() -> dict[str, str]:
    return {v.url: f"/static/vendor/{v.local()}" for v in studio_settings().vendor}


def serve(request: Request):
    area, relative = request.path_params["area"], request.path_params["path"]
    root = links.AREAS.get(area)
    target = served.safe_join(root(), relative) if root else None
    if target is None or not target.is_file():
        raise Refused(f"no file {relative!r} in {area}", 404)
    headers = {"content-security-policy": REPORT_CSP, "cache-control": "no-cache"}
    if target.suffix.lower() in {".html", ".htm"}:
        html = served.rewrite(target.read_text(encoding="utf-8", errors="replace"), _vendored())
        return HTMLResponse(html, headers=headers)
    media = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return FileResponse(target, media_type=media, headers=headers)


routes = [Route("/files/{area}/{path:path}", serve)]
