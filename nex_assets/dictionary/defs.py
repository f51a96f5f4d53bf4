"""The data dictionary: ``<dataset>/dictionary`` (LLM or rule-based text, human overrides, versions,
Postgres comments) and ``<dataset>/embeddings`` (pgvector rows for semantic search)."""

from __future__ import annotations

import dagster as dg

from nex_assets.core import settings as nex_settings
from nex_assets.dictionary.assets import dbt_models, dictionary_asset, embeddings_asset
from nex_assets.dictionary.logic.settings import DictionarySettings
from nex_assets.llm import LLM


def build(catalog) -> dg.Definitions:
    from nex_assets.llm import endpoint
    from nex_assets.llm.settings import LLMSettings

    settings = nex_settings.load(DictionarySettings)
    models = dbt_models(catalog)
    writer = endpoint.writer(nex_settings.load(LLMSettings))
    assets = []
    for ds in catalog.datasets:
        made = dictionary_asset(ds, catalog, settings, models.get(ds.name, []), writer)
        assets += [made, embeddings_asset(ds)]
    return dg.Definitions(assets=assets, resources={"llm": LLM})
