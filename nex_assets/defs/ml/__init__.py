"""ML recipes: per recipe, a model, its evaluation and the champion's predictions, and a job that
runs all three (which drift monitoring and the weekly schedule launch)."""

from __future__ import annotations

import dagster as dg

from nex_assets.defs.ml.assets import recipe_assets, train_job
from nex_assets.ml.recipes import load_recipes


def build(catalog) -> dg.Definitions:
    assets, jobs = [], []
    for recipe in load_recipes():
        # A recipe reads one dataset group's warehouse tables; catalogs without that group (tests
        # building a single dataset) have nothing for it to train on.
        if not any(ds.group == recipe.dataset for ds in catalog.datasets):
            continue
        made = recipe_assets(recipe, catalog)
        assets += made
        jobs.append(train_job(recipe))
    return dg.Definitions(assets=assets, jobs=jobs)
