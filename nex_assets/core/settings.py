"""The one way settings are found and read: ``config/<FILE>`` for each ``SettingsFile`` model.

``NEX_CONFIG_DIR`` moves the folder. A file is read again only when it changes, so long-lived
processes (the MCP server, Dagster's daemon) see edits without a restart.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from pathlib import Path
from typing import TypeVar

from nex_assets.common.yaml_files import SettingsError, SettingsFile, load_settings
from nex_assets.core import env

M = TypeVar("M", bound=SettingsFile)

_cache: dict[tuple[type, str], tuple[int | None, SettingsFile]] = {}


def path_of(model: type[SettingsFile]) -> Path:
    return env.config_dir() / model.FILE


def load(model: type[M], path: Path | None = None) -> M:
    """The settings of ``model`` from its file (or ``path``); defaults where there is no file.
    Raises ``SettingsError`` naming the file and the field."""
    path = path or path_of(model)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = None
    key = (model, str(path))
    cached = _cache.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    value = load_settings(path, model, SettingsError)
    _cache[key] = (stamp, value)
    return value


def all_models() -> list[type[SettingsFile]]:
    """Every settings model of every domain (each domain's ``settings`` or ``logic.settings``
    module is imported so that its models register)."""
    import nex_assets

    for domain in pkgutil.iter_modules(nex_assets.__path__):
        if not domain.ispkg:
            continue
        for name in (f"nex_assets.{domain.name}.settings", f"nex_assets.{domain.name}.logic.settings"):
            parent = name.rsplit(".", 1)[0]
            if importlib.util.find_spec(parent) and importlib.util.find_spec(name):
                importlib.import_module(name)
    return [SettingsFile.REGISTRY[f] for f in sorted(SettingsFile.REGISTRY)]
