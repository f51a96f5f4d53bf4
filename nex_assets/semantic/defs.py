"""The semantic layer: ``<dataset>/semantic_model`` for every dataset; questions are answered through
its metrics (``chat``), and `nex metrics` lists, accepts and checks them."""

import dagster as dg

from nex_assets.core import settings
from nex_assets.semantic.assets import predictions_semantic_asset, semantic_asset
from nex_assets.semantic.logic.settings import SemanticSettings


def build(catalog) -> dg.Definitions:
    settings.load(SemanticSettings)
    assets = [semantic_asset(ds, catalog) for ds in catalog.datasets]
    # A recipe whose dataset is not in the catalog has no predictions asset to follow.
    names = catalog.names() | {d.group for d in catalog.datasets}
    assets += [predictions_semantic_asset(r, catalog) for r in catalog.recipes if r.dataset in names]
    return dg.Definitions(assets=assets)
