"""The data dictionary: ``<dataset>/dictionary`` (LLM or rule-based text, human overrides, versions,
Postgres comments) and ``<dataset>/embeddings`` (pgvector rows for semantic search)."""

from __future__ import annotations

import dagster as dg

from nex_assets.core import settings as nex_settings
from nex_assets.dictionary.assets import dbt_models, dictionary_asset, embeddings_asset
from nex_assets.dictionary.logic.settings import DictionarySettings
from nex_assets.llm import LLM


def build(catalog) -> dg.Definitions:
    settings = nex_settings.load(DictionarySettings)
    models = dbt_models(catalog)
    assets = []
    for ds in catalog.datasets:
        assets += [dictionary_asset(ds, catalog, settings, models.get(ds.name, [])), embeddings_asset(ds)]
    return dg.Definitions(assets=assets, resources={"llm": LLM})
