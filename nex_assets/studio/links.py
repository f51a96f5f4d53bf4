"""Addresses of Studio's pages and of the files it serves, for links in asset metadata and run summaries:
a browser refuses ``file://`` links from a page served over http, so reports are linked through Studio."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlsplit

from nex_assets.core import env, settings
from nex_assets.studio.settings import StudioSettings

# What /files/<area>/... serves: each area is one folder the platform writes reports into.
AREAS: dict[str, Callable[[], Path]] = {"data-docs": env.data_docs_dir, "reports": env.reports_dir}


def studio_url() -> str:
    """Where people open Studio: NEX_STUDIO_URL, else the address `nex studio` listens on."""
    if os.environ.get("NEX_STUDIO_URL"):
        return os.environ["NEX_STUDIO_URL"].rstrip("/")
    studio = settings.load(StudioSettings)
    host = os.environ.get("NEX_STUDIO_HOST") or studio.host
    port = os.environ.get("NEX_STUDIO_PORT") or studio.port
    return f"http://{host}:{port}"


def area_of(path: Path | str) -> tuple[str, str] | None:
    """(area, relative path) of a file Studio serves, or None for a file outside every area."""
    target = Path(str(path).removeprefix("file://")).resolve()
    for area, root in AREAS.items():
        base = root()
        if base in target.parents:
            return area, target.relative_to(base).as_posix()
    return None


def file_path(path: Path | str) -> str | None:
    """The site-relative address of a served file (``/files/...``), from its path or from a link that
    ``file_link`` made (what the platform stores since its links point at Studio)."""
    text = str(path)
    if text.startswith(("http://", "https://")):
        address = urlsplit(text).path
        return address if address.startswith("/files/") else None
    found = area_of(path)
    return f"/files/{found[0]}/{quote(found[1])}" if found else None


def file_link(path: Path | str) -> str:
    """An http link to the file through Studio; a ``file://`` one for a file no area holds."""
    relative = file_path(path)
    return f"{studio_url()}{relative}" if relative else Path(str(path).removeprefix("file://")).as_uri()
