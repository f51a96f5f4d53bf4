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
    return dg.Definitions(
        assets=[insights_asset(ds, settings) for ds in catalog.datasets], resources={"llm": LLM}
    )
