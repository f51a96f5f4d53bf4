"""``nex studio``: the web page to ask, explore, review the dictionary and read each dataset's story."""

from __future__ import annotations

import argparse
import os
import sys


def cmd_studio(args: argparse.Namespace) -> int:
    from nex_assets.core import settings
    from nex_assets.studio.logic.security import StartRefused
    from nex_assets.studio.settings import StudioSettings

    studio = settings.load(StudioSettings)
    host = args.host or os.environ.get("NEX_STUDIO_HOST") or studio.host
    from nex_assets.core import services
    from nex_assets.studio.app import serve

    chosen = args.port or os.environ.get("NEX_STUDIO_PORT")
    # The configured port unless another home's Studio holds it (then a free one, said below).
    port = int(chosen) if chosen else services.free_port(host, studio.port)
    print(f"NEX Studio on http://{host}:{port}", flush=True)
    try:
        with services.recorded("studio", f"http://{host}:{port}"):
            serve(host, port)
    except StartRefused as exc:
        print(f"nex: {exc}", file=sys.stderr)
        return 2
    return 0


def register(sub) -> None:
    p = sub.add_parser("studio", help="NEX Studio, the web page (127.0.0.1:3001 by default)")
    p.add_argument(
        "--host", default=None, help="listen address; beyond loopback NEX_STUDIO_TOKEN is required"
    )
    p.add_argument("--port", type=int, default=None)
    p.set_defaults(func=cmd_studio)
