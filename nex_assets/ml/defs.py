"""ML recipes: per recipe, a model, its evaluation and the champion's predictions, and a job that
runs all three (which drift monitoring and the weekly schedule launch)."""

from __future__ import annotations

import dagster as dg

from nex_assets.ml.assets import recipe_assets, train_job
from nex_assets.ml.logic.recipe import RecipeError
from nex_assets.ml.recipes import check_packs


def build(catalog) -> dg.Definitions:
    check_packs(None, catalog.problems)
    assets, jobs = [], []
    known = catalog.names() | {ds.group for ds in catalog.datasets}
    for recipe in catalog.recipes:
        with catalog.problems.isolate("recipe", recipe.file):
            if recipe.dataset not in known:
                raise RecipeError(
                    f"{recipe.file}: dataset: {recipe.dataset!r} is neither a dataset nor a group of "
                    f"datasets of the catalog (datasets: {', '.join(sorted(catalog.names())) or 'none'})"
                )
            made = recipe_assets(recipe, catalog)
            job = train_job(recipe)
            assets += made
            jobs.append(job)
    return dg.Definitions(assets=assets, jobs=jobs)
