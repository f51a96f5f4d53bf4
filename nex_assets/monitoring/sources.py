"""Drift sources for the model recipes: the champion's training snapshot (logged by every training
run as ``reference/reference.parquet``: model columns, target and the model's prediction) against the
newest data of the same model frame, scored by the same champion: the newest periods of the recipe's
time column, or without one the rows loaded since the champion was trained; read from the sample the
champion was trained on (every row of a table under config/ml.yaml's ``frame.max_rows``)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from nex_assets.ml.assets import evaluation_key, input_key
from nex_assets.ml.logic.frequency import CALENDAR_TERMS
from nex_assets.ml.logic.recipe import Recipe
from nex_assets.monitoring.assets import DriftSource, Reference

if TYPE_CHECKING:
    import pandas as pd

PREDICTION = "prediction"


def drift_features(recipe: Recipe, reference: pd.DataFrame) -> list[str]:
    """The model's input columns as its training snapshot holds them, without the calendar terms
    (they differ between the newest periods and the whole history by construction)."""
    return [c for c in reference.columns if c not in {recipe.target, PREDICTION, *CALENDAR_TERMS}]


def champion_reference(recipe: Recipe) -> Reference | None:
    from nex_assets.ml import reference, registry, tracking

    version = registry.champion_version(recipe.registered_model)
    if version is None:
        return None
    frame = reference.load_reference(recipe.dataset, recipe.name)
    seen = None if recipe.roles.time else reference.load_row_hashes(recipe.dataset, recipe.name)
    return Reference(frame, version, tracking.model_version_url(recipe.registered_model, version), seen)


def scored_current(recipe: Recipe, conn, reference: Reference) -> pd.DataFrame:
    """The newest model frame with the champion's prediction beside it, so prediction drift compares
    like with like. A champion that cannot score it leaves the prediction out (reported as skipped)."""
    from nex_assets.ml import data, registry
    from nex_assets.ml.evaluation import trained_sample
    from nex_assets.ml.logic.measure import snapshot_predictions

    chosen = trained_sample(conn, recipe, reference.model_version)
    frame = data.current_frame(conn, recipe, seen=reference.seen, chosen=chosen)
    columns = [c for c in frame.columns if c != recipe.target]
    try:
        model = registry.load(recipe.registered_model, reference.model_version)
        return frame.assign(**{PREDICTION: snapshot_predictions(model, frame[columns])})
    except Exception:
        # Any failure to score costs the prediction comparison only; data and target drift remain.
        return frame


LABEL_SEMANTICS = ("identifier", "category", "flag")


def label_columns(recipe: Recipe, conn) -> set[str]:
    """Columns of the recipe's tables that the newest profiles call codes, categories or flags."""
    datasets = [t.split(".", 1)[1] for t in recipe.tables if t.startswith("raw.")] or [recipe.dataset]
    rows = conn.execute(
        """select distinct on (dataset, column_name) column_name, stats->>'semantic_type'
             from nex.column_profiles where dataset = any(%s)
            order by dataset, column_name, profiled_at desc""",
        (datasets,),
    ).fetchall()
    return {c for c, semantic in rows if semantic in LABEL_SEMANTICS}


def recipe_source(recipe: Recipe) -> DriftSource:
    return DriftSource(
        dataset=recipe.dataset,
        recipe=recipe.name,
        features=partial(drift_features, recipe),
        target=recipe.target,
        prediction=PREDICTION,
        reference=partial(champion_reference, recipe),
        current=partial(scored_current, recipe),
        # After the recipe's input tables, and after its evaluation, which may move the champion the
        # drift is measured against: so the main job measures the model it has just promoted. A landing
        # run selects drift without retraining (see datasets/sensors.py), and the sensor decides.
        deps=[*(input_key(t) for t in recipe.tables), evaluation_key(recipe)],
        group="monitoring",
        train_job=recipe.job_name,
        labels=partial(label_columns, recipe),
    )


def recipe_sources(catalog) -> list[DriftSource]:
    # Like the ML domain: a recipe exists where its dataset (or dataset group) is in the catalog.
    known = {ds.group for ds in catalog.datasets} | catalog.names()
    return [recipe_source(r) for r in catalog.recipes if r.dataset in known]
