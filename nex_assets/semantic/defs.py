"""The semantic layer: ``<dataset>/semantic_model`` for every dataset; questions are answered through
its metrics (``chat``), and `nex metrics` lists, accepts and checks them."""

import dagster as dg

from nex_assets.core import settings
from nex_assets.semantic.assets import semantic_asset
from nex_assets.semantic.logic.settings import SemanticSettings


def build(catalog) -> dg.Definitions:
    settings.load(SemanticSettings)
    return dg.Definitions(assets=[semantic_asset(ds, catalog) for ds in catalog.datasets])
