"""Reading the YAML files people edit (datasets, collections, recipes, packs, settings) so that every
mistake comes back as one message naming the file and the field, in the caller's own error type."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path, error: type[Exception]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML: {exc}") from exc


def validation_problems(exc: ValidationError, top: str = "(top)") -> str:
    """``field.sub: message; ...`` for every problem pydantic found; ``top`` names the whole file."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or top}: {e['msg']}" for e in exc.errors())


def load_named(path: Path, model: type[M], error: type[Exception], kind: str) -> M:
    """A file holding one ``kind`` (dataset, collection, ...) whose ``name`` must match the file name,
    so that what a person sees in the folder is what the platform calls it."""
    raw = read_yaml(path, error)
    if not isinstance(raw, dict):
        raise error(f"{path}: expected a mapping of {kind} settings, got {type(raw).__name__}")
    try:
        item = model.model_validate({**raw, "file": str(path)})
    except ValidationError as exc:
        raise error(f"{path}: {validation_problems(exc)}") from exc
    name = item.name
    if path.stem != name:
        raise error(f"{path}: the file must be named after its {kind} ({name}.yaml)")
    return item
