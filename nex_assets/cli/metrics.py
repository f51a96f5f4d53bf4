"""``nex metrics``: the semantic layer's metrics (drafted and accepted), a dataset's draft accepted into
``semantic/<dataset>.yaml`` or rejected, and the whole layer checked."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from nex_assets.core import env


def _fail(message: str) -> int:
    print(f"nex metrics: {message}", file=sys.stderr)
    return 1


def _open():
    from nex_assets.common.problems import Problems
    from nex_assets.core import db
    from nex_assets.core import settings as nex_settings
    from nex_assets.semantic import store
    from nex_assets.semantic.logic.settings import SemanticSettings

    settings = nex_settings.load(SemanticSettings)
    conn = db.connect(db.bootstrap(), autocommit=True)
    problems = Problems()
    return conn, settings, store.load_layer(conn, env.project_dir(), settings, problems), problems


def cmd_list(args: argparse.Namespace) -> int:
    conn, _settings, layer, problems = _open()
    conn.close()
    rows = []
    for name in sorted(layer.metrics):
        model = layer.model_of(name)
        if args.dataset and model.name != args.dataset:
            continue
        metric = layer.metrics[name]
        origin = layer.origin.get(model.name, "")
        rows.append(
            {
                "metric": name,
                "dataset": model.name,
                "type": metric.type,
                "label": metric.label or "",
                "description": metric.description,
                "from": "draft" if origin == "draft" else "accepted",
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            print(f"{r['metric']:<55} {r['from']:<9} {r['label']}")
        print(f"\n{len(rows)} metric(s); group-by dimensions: `nex metrics dimensions`")
    for p in problems:
        print(f"problem: {p.file}: {p.message}", file=sys.stderr)
    return 0


def cmd_dimensions(args: argparse.Namespace) -> int:
    conn, _settings, layer, _problems = _open()
    conn.close()
    for model in sorted(layer.models):
        if args.dataset and model != args.dataset:
            continue
        for d in layer.models[model].dimensions:
            grain = f" (time, by {d.grain})" if d.type == "time" else ""
            print(f"{model}__{d.name}{grain}")
    return 0


def _decide(args: argparse.Namespace, status: str) -> int:
    from nex_assets.semantic import store

    conn, settings, _layer, _problems = _open()
    try:
        path = store.decide(
            conn, env.project_dir(), settings, args.dataset, status, f"person:{getpass.getuser()}"
        )
    except (LookupError, FileExistsError) as exc:
        return _fail(str(exc))
    finally:
        conn.close()
    print(
        f"accepted: {path} (edit it freely; it wins over new drafts)" if path else f"rejected: {args.dataset}"
    )
    return 0


def cmd_validate(_args: argparse.Namespace) -> int:
    conn, _settings, layer, problems = _open()
    conn.close()
    for p in problems:
        print(f"{p.file}: {p.message}")
    print(
        f"{len(layer.models)} semantic model(s), {len(layer.metrics)} metric(s), {len(problems)} problem(s)"
    )
    return 1 if problems else 0


def register(sub) -> None:
    p = sub.add_parser("metrics", help="the semantic layer: list, accept, reject and check metrics")
    s = p.add_subparsers(dest="metrics_command", required=True, metavar="SUBCOMMAND")
    lst = s.add_parser("list", help="every metric, drafted or accepted")
    lst.add_argument("--dataset")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_list)
    dims = s.add_parser("dimensions", help="every dimension a metric can be grouped or filtered by")
    dims.add_argument("--dataset")
    dims.set_defaults(func=cmd_dimensions)
    acc = s.add_parser("accept", help="write a dataset's draft to semantic/<dataset>.yaml, which then wins")
    acc.add_argument("dataset")
    acc.set_defaults(func=lambda a: _decide(a, "accepted"))
    rej = s.add_parser("reject", help="stop using a dataset's draft (until it changes)")
    rej.add_argument("dataset")
    rej.set_defaults(func=lambda a: _decide(a, "rejected"))
    val = s.add_parser("validate", help="check every definition; non-zero exit on a problem")
    val.set_defaults(func=cmd_validate)
