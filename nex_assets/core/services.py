"""What a NEX home has started, found through that home: ``<NEX home>/run/<service>.json`` holds the
URL and the process of the Dagster UI and of Studio while they run.

Two homes on one machine never touch each other: `nex add` reloads the UI of its own home (or none
when its home runs none), never whatever listens on a fixed port, and a service started while the
usual port is taken by another home's takes a free one and says so.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Iterator

from nex_assets.core import env


def running(name: str) -> str | None:
    """The URL of ``name`` (``dagster_ui``, ``studio``) while this home runs it, else None."""
    return env.service_url(name)


@contextlib.contextmanager
def recorded(name: str, url: str, pid: int | None = None) -> Iterator[None]:
    """Records ``name`` at ``url`` for the time of the block (the record goes with it)."""
    path = env.service_record(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"url": url, "pid": pid or os.getpid()}))
    tmp.replace(path)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


def free_port(host: str, preferred: int) -> int:
    """``preferred`` when nothing listens there, else a port the system picks."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, preferred))
            return preferred
        except OSError:
            probe.bind((host, 0))
            return int(probe.getsockname()[1])
