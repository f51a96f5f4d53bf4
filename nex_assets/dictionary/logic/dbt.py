"""Which dbt models carry a dataset's columns, read from dbt's manifest (plain JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_MODEL_TYPES = {"model", "seed", "snapshot"}


@dataclass(frozen=True)
class Model:
    name: str
    schema: str
    relation: str
    columns: tuple[str, ...]


def downstream_models(manifest: Mapping[str, Any], dataset: str) -> list[Model]:
    """Models reading the dataset's source table, directly or through other models, in manifest order."""
    reached = {uid for uid, s in manifest.get("sources", {}).items() if s["name"] == dataset}
    models = {uid: n for uid, n in manifest.get("nodes", {}).items() if n["resource_type"] in _MODEL_TYPES}
    changed = True
    while changed:
        changed = False
        for uid, node in models.items():
            if uid not in reached and reached & set(node["depends_on"]["nodes"]):
                reached.add(uid)
                changed = True
    return [
        Model(n["name"], n["schema"], n.get("alias") or n["name"], tuple(n.get("columns", {})))
        for uid, n in models.items()
        if uid in reached
    ]
