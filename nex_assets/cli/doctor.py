"""`nex doctor`: every people-edited file read as the code location reads it, every problem named."""

from __future__ import annotations

import argparse
import json


def collect_problems():
    """The problems the code location would record, plus every settings file under config/ (some
    are read only by commands or at run time)."""
    from nex_assets.core import settings
    from nex_assets.core.build import Catalog, build_definitions

    catalog = Catalog.from_env()
    build_definitions(catalog)
    problems = catalog.problems
    for model in settings.all_models():
        path = settings.path_of(model)
        with problems.isolate("settings", path):
            settings.load(model)
    return problems


def cmd_doctor(args: argparse.Namespace) -> int:
    problems = collect_problems()
    if args.json:
        print(json.dumps([{"kind": p.kind, "file": p.file, "problem": p.text()} for p in problems]))
    elif not problems:
        print("no problems: every dataset, recipe, pack, suite, collection and settings file is usable")
    else:
        print(f"{len(problems)} problem(s); each file named here is left out, everything else loads:")
        for p in problems:
            print(f"  [{p.kind}] {p.text()}")
    return 1 if problems else 0


def register(sub) -> None:
    doctor = sub.add_parser("doctor", help="check every people-edited file; exits 1 when one has a problem")
    doctor.add_argument("--json", action="store_true", help="print the problems as JSON")
    doctor.set_defaults(func=cmd_doctor)
