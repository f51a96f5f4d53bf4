"""Knowledge gaps: ``<dataset>/knowledge_gaps`` says, for each recipe that applies to the dataset, which
inputs are missing, too sparse or too poor, with concrete suggestions."""

import dagster as dg

from nex_assets.core import settings
from nex_assets.knowledge_gaps.assets import knowledge_gaps_asset
from nex_assets.knowledge_gaps.logic.settings import GapSettings
from nex_assets.llm import LLM


def build(catalog) -> dg.Definitions:
    # Read once here so that a broken settings file leaves this domain out at load, named, rather
    # than failing every run of it.
    settings.load(GapSettings)
    assets = [knowledge_gaps_asset(ds, catalog) for ds in catalog.datasets]
    return dg.Definitions(assets=assets, resources={"llm": LLM})
