"""`nex doctor`: every people-edited file read as the code location reads it, every problem named."""

from __future__ import annotations

import argparse
import json


def settings_loaders() -> list:
    """Every settings file under config/ with the call that reads it, so each is checked even
    where its domain reads it only at run time."""
    from nex_assets.automation.logic import settings as automation
    from nex_assets.core import env
    from nex_assets.dictionary.logic import settings as dictionary
    from nex_assets.knowledge_gaps.logic import gaps as knowledge_gaps
    from nex_assets.monitoring.logic import settings as monitoring
    from nex_assets.quality.logic import score
    from nex_assets.synthetic.logic.settings import load_defaults

    project = env.project_dir()
    files = [
        (automation.settings_path(project), automation.load_settings),
        (knowledge_gaps.settings_path(project), knowledge_gaps.load_settings),
        (monitoring.settings_path(project), monitoring.load_settings),
        (score.settings_path(project), score.load_settings),
        (project / "config" / "synthetic.yaml", load_defaults),
    ]
    out = [(path, lambda load=load, path=path: load(path)) for path, load in files]
    out.append((dictionary.settings_path(project), lambda: dictionary.load_settings(project)))
    return out


def collect_problems():
    """The problems the code location would record, plus the settings only commands read."""
    from nex_assets.chat.personas import PersonaError, load_persona, personas_path
    from nex_assets.chat.settings import load_settings as chat_settings
    from nex_assets.chat.settings import settings_path as chat_path
    from nex_assets.common.yaml_files import read_yaml
    from nex_assets.core.build import Catalog, build_definitions
    from nex_assets.llm.settings import load_settings as llm_settings
    from nex_assets.llm.settings import settings_path as llm_path

    catalog = Catalog.from_env()
    build_definitions(catalog)
    problems = catalog.problems
    for path, load in settings_loaders():
        with problems.isolate("settings", path):
            load()
    with problems.isolate("settings", chat_path()):
        chat_settings()
    with problems.isolate("settings", llm_path()):
        llm_settings()
    path = personas_path()
    if path.exists():
        with problems.isolate("settings", path):
            raw = read_yaml(path, PersonaError) or {}
            for name in (raw.get("personas", raw) if isinstance(raw, dict) else {}) or {}:
                load_persona(name, path)
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
