"""Every Dagster definition of NEX, one sub-package per domain.

Each domain package exposes ``build(catalog) -> dg.Definitions``; adding a domain is adding
a folder here, nothing central is edited.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from nex_assets import env
from nex_assets.lib.catalog import Dataset, load_catalog


@dataclass(frozen=True)
class Catalog:
    """What the definitions are built from; tests build them from catalogs of their own."""

    datasets: list[Dataset]
    project_dir: Path = field(default_factory=env.project_dir)
    landing_dir: Path = field(default_factory=env.landing_dir)

    @classmethod
    def from_env(cls) -> Catalog:
        return cls(load_catalog(env.datasets_dir()))

    def names(self) -> set[str]:
        return {d.name for d in self.datasets}


def domain_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.ispkg)


def build_definitions(catalog: Catalog | None = None) -> dg.Definitions:
    catalog = catalog or Catalog.from_env()
    parts = []
    for name in domain_modules():
        module = importlib.import_module(f"{__name__}.{name}")
        if hasattr(module, "build"):
            parts.append(module.build(catalog))
    return dg.Definitions.merge(*parts)
