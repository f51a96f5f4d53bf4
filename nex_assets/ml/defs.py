"""ML recipes: per recipe, a model, its evaluation and the champion's predictions, and a job that
runs all three (which drift monitoring and the weekly schedule launch)."""

from __future__ import annotations

import dagster as dg

from nex_assets.ml.assets import recipe_assets, train_job
from nex_assets.ml.recipes import check_packs


def build(catalog) -> dg.Definitions:
    check_packs(None, catalog.problems)
    assets, jobs = [], []
    for recipe in catalog.recipes:
        # A recipe reads one dataset group's warehouse tables; catalogs without that group (tests
        # building a single dataset) have nothing for it to train on.
        if not any(ds.group == recipe.dataset for ds in catalog.datasets):
            continue
        with catalog.problems.isolate("recipe", recipe.file):
            made = recipe_assets(recipe, catalog)
            job = train_job(recipe)
            assets += made
            jobs.append(job)
    return dg.Definitions(assets=assets, jobs=jobs)
