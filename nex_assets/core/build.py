"""The whole graph assembled from its domains: every package of ``nex_assets`` with a ``defs``
module is a domain.

A domain's ``defs`` exposes ``build(catalog) -> dg.Definitions``; adding a domain is adding a folder,
nothing central is edited. It may also expose ``check_dataset(ds, catalog)``, which raises when a
dataset's section for that domain is unusable: such a dataset is left out of every domain (with its
problem recorded) instead of taking the code location down.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import dagster as dg

from nex_assets.common.problems import Problems
from nex_assets.core import env
from nex_assets.datasets.logic.catalog import Dataset, load_catalog


@dataclass(frozen=True)
class Catalog:
    """What the definitions are built from; tests build them from catalogs of their own."""

    datasets: list[Dataset]
    project_dir: Path = field(default_factory=env.project_dir)
    landing_dir: Path = field(default_factory=env.landing_dir)
    problems: Problems = field(default_factory=Problems)

    @classmethod
    def from_env(cls) -> Catalog:
        problems = Problems()
        datasets = load_catalog(env.datasets_dir(), problems=problems, source_roots=env.source_roots())
        return cls(datasets, problems=problems)

    def names(self) -> set[str]:
        return {d.name for d in self.datasets}

    @cached_property
    def recipes(self) -> list:
        """Every usable recipe, read once for all domains; a bad recipe file is a problem."""
        from nex_assets.ml.recipes import load_recipes

        return load_recipes(problems=self.problems)


def domain_modules() -> list[str]:
    """The domains, by name: the packages of ``nex_assets`` that hold a ``defs`` module."""
    import nex_assets

    return sorted(
        m.name
        for m in pkgutil.iter_modules(nex_assets.__path__)
        if m.ispkg and importlib.util.find_spec(f"nex_assets.{m.name}.defs") is not None
    )


def build_definitions(catalog: Catalog | None = None) -> dg.Definitions:
    catalog = catalog or Catalog.from_env()
    modules = [importlib.import_module(f"nex_assets.{name}.defs") for name in domain_modules()]
    usable = []
    for ds in catalog.datasets:
        before = len(catalog.problems)
        for module in modules:
            if hasattr(module, "check_dataset"):
                with catalog.problems.isolate("dataset", ds.file):
                    module.check_dataset(ds, catalog)
        if len(catalog.problems) == before:
            usable.append(ds)
    catalog = Catalog(usable, catalog.project_dir, catalog.landing_dir, catalog.problems)
    parts = []
    for name, module in zip(domain_modules(), modules, strict=True):
        if hasattr(module, "build"):
            # A domain whose own settings file is broken is left out; the rest of the graph loads.
            with catalog.problems.isolate("domain", name):
                parts.append(module.build(catalog))
    from nex_assets.core.config_check import config_definitions

    parts.append(config_definitions(catalog.problems))
    return dg.Definitions.merge(*parts)
