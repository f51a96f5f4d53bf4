"""``nex add PATH``: a file, a glob or a folder becomes a dataset (YAML inferred and written), then
loads, is profiled and gets its automatic quality suite."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from nex_assets.core import env


def cmd_add(args: argparse.Namespace) -> int:
    from nex_assets.datasets.add import AddError, add, reload_code_location

    try:
        added = add(
            args.path,
            name=args.name,
            project_dir=env.project_dir(),
            datasets_dir=env.datasets_dir(),
            roots=env.source_roots(),
            cwd=Path.cwd(),
        )
    except AddError as exc:
        print(f"nex add: {exc}", file=sys.stderr)
        return 1
    if not added.created:
        print(f"{args.path} was already added as {added.name} ({added.path}); nothing to do")
        return 0
    print(f"wrote {added.path}:\n")
    print(added.path.read_text(encoding="utf-8"))
    if reload_code_location():
        print("the running Dagster code location was reloaded")
    if args.no_load:
        return 0
    from nex_assets.cli.core import _runner, supervise
    from nex_assets.core import instance
    from nex_assets.core import settings as nex_settings
    from nex_assets.llm import server
    from nex_assets.llm.endpoint import AUTOSTART_ENV
    from nex_assets.llm.settings import LLMSettings

    instance.prepare()
    # Its semantic model too: the new table's drafted metrics answer questions from this run on.
    steps = ("raw", "profile", "quality", "dictionary", "embeddings", "semantic_model")
    selection = " or ".join(f"key:{added.name}/{step}" for step in steps)
    # The new dataset's dictionary is written by the local model when one is installed (its entries
    # then wait as `suggested` for `nex dictionary review`); the server it starts is stopped after.
    local = nex_settings.load(LLMSettings).local
    was_running = server.running() is not None
    if local.autostart_on_add:
        os.environ[AUTOSTART_ENV] = "on"
    try:
        return supervise(*_runner("--select", selection))
    finally:
        os.environ.pop(AUTOSTART_ENV, None)
        if not was_running and server.running() is not None:
            server.stop()
            print("stopped the local model started for this dataset's dictionary (nex llm start keeps one)")


def register(sub) -> None:
    add = sub.add_parser(
        "add", help="add a file, glob or folder as a dataset: infer, write its YAML, load it"
    )
    add.add_argument("path", help="a file, a glob ('exports/*.csv') or a folder of files of one shape")
    add.add_argument("--name", help="the dataset's name (default: from the file name)")
    add.add_argument("--no-load", action="store_true", help="write datasets/<name>.yaml only")
    add.set_defaults(func=cmd_add)
