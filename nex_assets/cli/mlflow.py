"""``nex mlflow``: the MLflow UI on the platform's backend store and artifact root, and a summary of
the registry (versions, champions, evaluation outcomes)."""

from __future__ import annotations

import argparse
import subprocess
import sys

from nex_assets.core import env


def cmd_ui(args: argparse.Namespace) -> int:
    from nex_assets.ml import tracking

    uri = tracking.configure()
    if tracking.tracking_uri().startswith("http"):
        print(f"nex: MLFLOW_TRACKING_URI points at a running server ({uri}); open it there", file=sys.stderr)
        return 1
    env.mlflow_artifact_root().mkdir(parents=True, exist_ok=True)
    cmd = [
        env.executable("mlflow"),
        "server",
        "--backend-store-uri",
        uri,
        "--default-artifact-root",
        tracking.artifact_root(),
        "--host",
        args.host,
        "--port",
        str(args.port),
    ]
    print(f"MLflow UI on http://{args.host}:{args.port} (artifacts in {env.mlflow_artifact_root()})")
    print(f"Asset metadata links point at {env.mlflow_ui_url()} (set NEX_MLFLOW_UI_URL to change it).")
    return subprocess.run(cmd).returncode


def cmd_models(args: argparse.Namespace) -> int:
    from nex_assets.common import markdown
    from nex_assets.ml import registry

    client = registry.client()
    rows = []
    for model in client.search_registered_models():
        champion = (model.aliases or {}).get(registry.CHAMPION)
        for v in client.search_model_versions(f"name = '{model.name}'"):
            tags = v.tags or {}
            rows.append(
                [
                    model.name,
                    v.version,
                    tags.get("nex.recipe", ""),
                    "champion" if str(v.version) == str(champion) else tags.get("nex.evaluation", "pending"),
                    tags.get("nex.evaluation_reason", "")[:80],
                ]
            )
    rows.sort(key=lambda r: (r[0], -int(r[1])))
    if not rows:
        print("no registered models yet: materialize a recipe, e.g. nex materialize 'key:\"nex_retail/*\"'")
        return 0
    print(markdown.table(["model", "version", "recipe", "status", "reason"], rows))
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "mlflow", help="the MLflow UI on the platform's store; `nex mlflow models` lists the registry"
    )
    p.add_argument("action", nargs="?", choices=["ui", "models"], default="ui")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.set_defaults(func=lambda a: cmd_models(a) if a.action == "models" else cmd_ui(a))
