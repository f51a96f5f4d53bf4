"""``<dataset>/<recipe>/drift``: Evidently drift of the newest data against the champion's training
snapshot, saved as an HTML report and as a time series in ``nex.drift_reports``/``nex.drift_metrics``."""

from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg

from nex_assets.common import markdown
from nex_assets.core.dagster import DATASET_TAG, described, versioned
from nex_assets.core.resources import WarehouseResource
from nex_assets.monitoring.logic.settings import DriftSettings
from nex_assets.studio import links

# Reading the snapshot from the artifact store and the newest rows from the warehouse can meet a
# passing error; one more try is cheap. Bad input is not retried (see DriftInputError below).
DRIFT_RETRY = dg.RetryPolicy(max_retries=1, delay=5)


@dataclass(frozen=True)
class Reference:
    frame: object
    model_version: str | None = None
    run_url: str | None = None
    # Fingerprints of the rows the model was trained on, where "newest" means "not seen".
    seen: object = None


@dataclass(frozen=True)
class DriftSource:
    """What one drift asset compares. ``reference()`` reads the training snapshot (the champion's, for a
    recipe; None while there is none) and ``current(conn, reference)`` builds the newest frame with the
    same columns from the warehouse."""

    dataset: str
    recipe: str
    # The compared columns, given the reference frame (a model's inputs are known once trained).
    features: Callable[[object], list[str]]
    reference: Callable[[], Reference | None]
    current: Callable[[object, Reference], object]
    target: str | None = None
    prediction: str | None = None
    deps: list[dg.AssetKey] = field(default_factory=list)
    group: str | None = None
    train_job: str | None = None
    # Columns compared as categories whatever their storage (codes, flags), given a connection.
    labels: Callable[[object], set[str]] | None = None


def drift_key(dataset: str, recipe: str) -> dg.AssetKey:
    return dg.AssetKey([dataset, recipe, "drift"])


def _column_table(result) -> str:
    rows = [
        [
            c.column,
            c.role,
            c.kind,
            c.method,
            markdown.number(c.score),
            markdown.number(c.threshold),
            "**drift**" if c.drifted else "",
        ]
        for c in sorted(result.columns, key=lambda c: (c.role != "feature", not c.drifted, c.column))
    ]
    return markdown.table(["column", "role", "kind", "test", "score", "threshold", "verdict"], rows)


def _nothing_measured(reason: str) -> dg.MaterializeResult:
    """Nothing to compare is a result too: recorded, so the asset is up to date for these inputs and
    the next run does not ask again (with no drift share, the retraining sensor does nothing)."""
    return dg.MaterializeResult(metadata={"measured": False, "reason": reason})


def drift_asset(source: DriftSource, settings: DriftSettings) -> dg.AssetsDefinition:
    key = drift_key(source.dataset, source.recipe)
    retrain = ""
    if source.train_job:
        retrain = f" Reaching {settings.retrain_share:.0%} of drifted features starts `{source.train_job}`."

    @dg.asset(
        key=key,
        deps=source.deps,
        # With the recipe's model, evaluation and predictions, so the recipe reads as one group.
        group_name=source.recipe,
        description=described(
            source.recipe,
            f"Evidently drift of the recipe's features (and target/prediction where there are) between "
            f"the champion's training snapshot and the newest data.{retrain}",
        ),
        kinds={"evidently", "postgres"},
        tags={DATASET_TAG: source.dataset},
        retry_policy=DRIFT_RETRY,
        code_version=versioned("1", settings.model_dump(mode="json"), source.target, source.prediction),
    )
    def _drift(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        from nex_assets.monitoring import store
        from nex_assets.monitoring.logic.drift import DriftInputError, measure_drift

        reference = source.reference()
        if reference is None:
            yield _nothing_measured(
                f"{source.dataset}/{source.recipe} has no champion yet; no drift to measure"
            )
            return
        with warehouse.connect() as conn:
            current = source.current(conn, reference)
            labels = source.labels(conn) if source.labels else set()
        if len(current) == 0:
            yield _nothing_measured(
                f"{source.dataset}/{source.recipe}: no rows loaded since the champion was trained; "
                "no drift to measure"
            )
            return
        try:
            result = measure_drift(
                reference.frame,
                current,
                features=source.features(reference.frame),
                target=source.target,
                prediction=source.prediction,
                settings=settings,
                labels=labels,
            )
        except DriftInputError as exc:
            raise dg.Failure(f"{key.to_user_string()}: {exc}", allow_retries=False) from exc
        with warehouse.connect() as conn:
            stored = store.record(
                conn,
                result,
                dataset=source.dataset,
                recipe=source.recipe,
                retrain_share=settings.retrain_share,
                model_version=reference.model_version,
                run_id=context.run_id,
            )
        crossed = result.drift_share >= settings.retrain_share
        context.log.info(
            f"drift share {result.drift_share:.1%} "
            f"({result.drifted_features}/{len(result.features)} features); "
            f"threshold {settings.retrain_share:.0%}: {'retrain' if crossed else 'no action'}"
        )
        metadata = {
            "drift_share": result.drift_share,
            "drifted_features": result.drifted_features,
            "features": len(result.features),
            "retrain_share": settings.retrain_share,
            "threshold_crossed": crossed,
            "reference_rows": result.reference_rows,
            "current_rows": result.current_rows,
            "reference_sample_rows": result.reference_sample,
            "current_sample_rows": result.current_sample,
            "sample_policy": f"uniform, at most {settings.max_rows:,} rows per side, seed {settings.seed}",
            "model_version": reference.model_version or "unknown",
            "report": dg.MetadataValue.path(str(stored.report_path)),
            "report_url": dg.MetadataValue.url(links.file_link(stored.report_path)),
            "drift_report_id": stored.report_id,
            "columns": dg.MetadataValue.md(_column_table(result)),
            "skipped": dg.MetadataValue.md(
                "\n".join(f"- `{c}`: {why}" for c, why in result.skipped.items()) or "none"
            ),
        }
        for role in ("target", "prediction"):
            found = result.role(role)
            if found is not None:
                metadata[f"{role}_drift_score"] = found.score
                metadata[f"{role}_drifted"] = found.drifted
        if reference.run_url:
            metadata["training_run"] = dg.MetadataValue.url(reference.run_url)
        yield dg.MaterializeResult(metadata=metadata)

    return _drift
