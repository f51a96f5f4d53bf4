"""``<dataset>/<recipe>/model``, ``.../evaluation`` and ``.../predictions`` for one recipe.

The asset bodies orchestrate; training, evaluation and scoring live in ``nex_assets.ml`` so the
benchmark and the tests drive the very same code.
"""

import dagster as dg

from nex_assets.common import markdown
from nex_assets.core.compute import gpu_placement
from nex_assets.core.dagster import SKIPPED, described, versioned
from nex_assets.core.resources import WarehouseResource
from nex_assets.ml.logic import algorithms
from nex_assets.ml.logic.packs import PackError
from nex_assets.ml.logic.recipe import Recipe, RecipeError

# The Dagster UI's icon for each algorithm's library.
KINDS = {"xgboost": "xgboost", "torch_mlp": "pytorch"}


def model_key(recipe: Recipe) -> dg.AssetKey:
    return dg.AssetKey([recipe.dataset, recipe.name, "model"])


def evaluation_key(recipe: Recipe) -> dg.AssetKey:
    return dg.AssetKey([recipe.dataset, recipe.name, "evaluation"])


def predictions_key(recipe: Recipe) -> dg.AssetKey:
    return dg.AssetKey([recipe.dataset, recipe.name, "predictions"])


def input_key(table: str) -> dg.AssetKey:
    """raw.<dataset> is the dataset's raw asset; staging and marts tables are dbt models."""
    schema, name = table.split(".")
    return dg.AssetKey([name, "raw"]) if schema == "raw" else dg.AssetKey(["warehouse", name])


def _tags(recipe: Recipe) -> dict[str, str]:
    return {"nex/recipe": recipe.name, "nex/family": recipe.family, "nex/level": recipe.level}


def _metrics_table(values: dict[str, float]) -> str:
    return markdown.table(
        ["metric", "value"], [[k, markdown.number(v, 4)] for k, v in sorted(values.items())]
    )


def _trained_version(recipe: Recipe) -> str:
    """The model's version: the recipe's and the most rows it is trained on (config/ml.yaml)."""
    from nex_assets.common.yaml_files import SettingsError
    from nex_assets.ml.data import frame_settings

    try:
        limit = frame_settings().max_rows
    except SettingsError as exc:  # the model step fails on it and says why
        limit = f"unusable: {exc}"
    return versioned(recipe.version, {"max_rows": limit})


def _model_asset(recipe: Recipe, catalog) -> dg.AssetsDefinition:
    algo = algorithms.get(recipe.algorithm, recipe.family)
    placement = gpu_placement() if algorithms.uses_gpu(recipe.algorithm, recipe.family) else {}
    kinds = {KINDS.get(c, "scikitlearn") for c in algorithms.candidates(recipe.algorithm, recipe.family)}

    @dg.asset(
        key=model_key(recipe),
        deps=[input_key(t) for t in recipe.tables],
        group_name=recipe.name,
        description=described(
            recipe.name,
            f"{recipe.description or 'model'}\n\nRecipe `{recipe.file}` ({recipe.level}): "
            f"{algo.description}. Tracked in MLflow and registered as `{recipe.registered_model}`.",
        ),
        kinds={"mlflow", *kinds},
        code_version=_trained_version(recipe),
        tags=_tags(recipe),
        metadata={"recipe_file": recipe.file, "registered_model": recipe.registered_model},
        **placement,
    )
    def _model(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        from nex_assets.ml import tracking, training

        warehouse.database()
        try:
            result = training.train(
                recipe, dagster_run_id=context.run_id, project_dir=catalog.project_dir, log=context.log.info
            )
        except RecipeError as exc:
            raise dg.Failure(str(exc)) from exc
        timings = {k: round(v, 2) for k, v in result.timings.items()}
        importance = sorted((result.importance or {}).items(), key=lambda kv: kv[1], reverse=True)[:15]
        return dg.MaterializeResult(
            metadata={
                "mlflow_run": dg.MetadataValue.url(result.run_url),
                "mlflow_run_id": result.run_id,
                "registered_model": result.model_name,
                "model_version": result.version,
                "model_version_url": dg.MetadataValue.url(
                    tracking.model_version_url(result.model_name, result.version)
                ),
                "recipe_version": result.recipe_version,
                "data_version": result.data_version,
                # True when this recipe version had a model of this data already: none registered.
                "reused": result.reused,
                "code_version": result.code_version,
                "algorithm": result.algorithm,
                "candidates": dg.MetadataValue.md(_candidates_table(result.candidates))
                if len(result.candidates) > 1
                else result.algorithm,
                "device": result.device,
                "dagster/row_count": result.rows,
                "train_rows": result.train_rows,
                "sample": result.sample,
                "holdout_rows": result.holdout_rows,
                "holdout_metrics": dg.MetadataValue.md(_metrics_table(result.metrics)),
                "feature_importance": dg.MetadataValue.md(
                    markdown.table(
                        ["feature", "importance"], [[k, markdown.number(v, 4)] for k, v in importance]
                    )
                    if importance
                    else "not available for this algorithm"
                ),
                "timings_s": dg.MetadataValue.json(timings),
            }
        )

    return _model


def _candidates_table(candidates: dict[str, dict[str, float]]) -> str:
    metrics = sorted({k for values in candidates.values() for k in values})[:8]
    rows = [
        [name, *(markdown.number(values.get(m), 4) for m in metrics)] for name, values in candidates.items()
    ]
    return markdown.table(["algorithm", *metrics], rows)


def _outcomes_table(outcomes) -> str:
    return markdown.table(
        ["pack", "criterion", "value", "threshold", "result", "reason"],
        [
            [
                o.pack,
                o.criterion,
                markdown.number(o.value, 4),
                o.threshold,
                "skipped" if o.skipped else ("pass" if o.passed else "FAIL"),
                o.reason,
            ]
            for o in outcomes
        ],
    )


def _slices_table(metrics) -> str:
    rows = []
    for column, groups in (metrics.slices if metrics else {}).items():
        for value, measured in groups.items():
            rows += [[column, value, k, markdown.number(v, 4)] for k, v in measured.items()]
    return markdown.table(["slice", "value", "metric", "score"], rows) if rows else "no slices"


def _judged_version(recipe: Recipe) -> str:
    """The evaluation's version: the recipe's and its packs' (a changed criterion judges again)."""
    from nex_assets.ml.recipes import recipe_packs

    try:
        packs = [f"{p.name}@{p.version}" for p in recipe_packs(recipe)]
    except (RecipeError, PackError, OSError) as exc:  # the evaluation fails on it and says why
        packs = [f"unusable: {exc}"]
    return versioned(recipe.version, packs)


def _evaluation_asset(recipe: Recipe, catalog) -> dg.AssetsDefinition:
    @dg.asset(
        key=evaluation_key(recipe),
        deps=[model_key(recipe)],
        group_name=recipe.name,
        description=described(
            recipe.name,
            f"runs {', '.join(recipe.evaluation_packs)} on the newest registered version of "
            f"`{recipe.registered_model}` after loading it back from the registry; moves the `champion` "
            "alias only when every pack passes. Outcomes in `nex.evaluation_results`.",
        ),
        kinds={"mlflow", "postgres"},
        code_version=_judged_version(recipe),
        tags=_tags(recipe),
    )
    def _evaluation(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        from nex_assets.ml import evaluation, tracking

        warehouse.database()
        event = context.instance.get_latest_materialization_event(model_key(recipe))
        if event is None or "model_version" not in event.asset_materialization.metadata:
            raise dg.Failure(
                f"{model_key(recipe).to_user_string()} has never been materialized; train it first"
            )
        version = str(event.asset_materialization.metadata["model_version"].value)
        result = evaluation.evaluate(
            recipe, version, dagster_run_id=context.run_id, project_dir=catalog.project_dir
        )
        if result.promoted:
            context.log.info(f"{result.model_name} v{version} is the champion: {result.reason}")
        else:
            context.log.warning(f"{result.model_name} v{version} stays a candidate: {result.reason}")
        failed = [o for o in result.outcomes if not o.passed]
        return dg.MaterializeResult(
            metadata={
                "model_version": version,
                "promoted": result.promoted,
                "champion_before": result.champion_before or "none",
                "champion_after": result.champion_after or "none",
                "criteria_passed": sum(o.passed and not o.skipped for o in result.outcomes),
                "criteria_failed": len(failed),
                "criteria_skipped": sum(o.skipped for o in result.outcomes),
                "reason": result.reason,
                "outcomes": dg.MetadataValue.md(_outcomes_table(result.outcomes)),
                "metrics": dg.MetadataValue.md(
                    _metrics_table(result.metrics.overall if result.metrics else {})
                ),
                "champion_metrics": dg.MetadataValue.md(
                    _metrics_table(result.champion_metrics.overall)
                    if result.champion_metrics
                    else "no comparison"
                ),
                "slices": dg.MetadataValue.md(_slices_table(result.metrics)),
                "model_version_url": dg.MetadataValue.url(
                    tracking.model_version_url(result.model_name, version)
                ),
            }
        )

    return _evaluation


def _predictions_asset(recipe: Recipe) -> dg.AssetsDefinition:
    @dg.asset(
        key=predictions_key(recipe),
        deps=[evaluation_key(recipe)],
        group_name=recipe.name,
        description=described(
            recipe.name,
            f"batch predictions of the `champion` of `{recipe.registered_model}` in "
            f"`predictions.{recipe.predictions_table}`.",
        ),
        kinds={"mlflow", "postgres"},
        code_version=recipe.version,
        tags=_tags(recipe),
        metadata={"dagster/table_name": f"predictions.{recipe.predictions_table}"},
        # A recipe without a champion has nothing to predict with: the step ends as skipped (and says
        # why) instead of failing the run; what reads the predictions is skipped with it.
        output_required=False,
    )
    def _predictions(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        from nex_assets.ml import scoring, tracking

        warehouse.database()
        try:
            result = scoring.score(recipe, dagster_run_id=context.run_id)
        except scoring.NoChampion as exc:
            context.log.warning(f"skipped: {exc}")
            yield dg.AssetObservation(asset_key=context.asset_key, metadata={SKIPPED: str(exc)})
            return
        except RecipeError as exc:
            raise dg.Failure(str(exc)) from exc
        preview = result.frame.drop(columns=["model_name", "model_version", "dagster_run_id"]).head(10)
        yield dg.MaterializeResult(
            metadata={
                "dagster/row_count": result.rows,
                "table": result.table,
                "champion": f"{result.model_name} v{result.version}",
                "model_version_url": dg.MetadataValue.url(
                    tracking.model_version_url(result.model_name, result.version)
                ),
                "preview": dg.MetadataValue.md(
                    markdown.table(list(preview.columns), preview.values.tolist())
                ),
            }
        )

    return _predictions


def recipe_assets(recipe: Recipe, catalog) -> list[dg.AssetsDefinition]:
    return [_model_asset(recipe, catalog), _evaluation_asset(recipe, catalog), _predictions_asset(recipe)]


def train_job(recipe: Recipe):
    return dg.define_asset_job(
        recipe.job_name,
        selection=dg.AssetSelection.assets(
            model_key(recipe), evaluation_key(recipe), predictions_key(recipe)
        ),
        description=f"Train, evaluate and score recipe {recipe.name} ({recipe.family}).",
        tags=_tags(recipe),
    )
