"""``<dataset>/insights``: the main findings about each dataset, every number computed by code."""

from __future__ import annotations

import dagster as dg

from nex_assets.core import settings as nex_settings
from nex_assets.dictionary.logic.settings import DictionarySettings, dataset_section
from nex_assets.insights.assets import insights_asset
from nex_assets.llm import LLM


def check_dataset(ds, catalog) -> None:
    dataset_section(ds.dictionary, ds.file)


def build(catalog) -> dg.Definitions:
    settings = nex_settings.load(DictionarySettings)
    # Columns some recipe predicts, per dataset (a recipe names a dataset or a group of them).
    targets: dict[str, set[str]] = {}
    for recipe in catalog.recipes:
        for ds in catalog.datasets:
            if recipe.dataset in (ds.name, ds.group):
                targets.setdefault(ds.name, set()).add(recipe.target)
    return dg.Definitions(
        assets=[insights_asset(ds, settings, targets.get(ds.name, set())) for ds in catalog.datasets],
        resources={"llm": LLM},
    )
