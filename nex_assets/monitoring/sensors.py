"""A drift measurement that reaches its recipe's threshold starts that recipe's training job.

The training job registers a candidate and its evaluation decides whether the candidate becomes
champion, so retraining here is always gated by the evaluation pack.
"""

import dagster as dg

from nex_assets.monitoring.assets import DriftSource, drift_key
from nex_assets.monitoring.logic.settings import DriftSettings


def drift_sensor(source: DriftSource, settings: DriftSettings) -> dg.SensorDefinition:
    key = drift_key(source.dataset, source.recipe)

    @dg.asset_sensor(
        asset_key=key,
        name=f"{source.dataset}__{source.recipe}__drift",
        job_name=source.train_job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Starts `{source.train_job}` when {key.to_user_string()} measures a drift share of "
        f"at least {settings.retrain_share:.0%}.",
    )
    def _sensor(context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry):
        materialization = asset_event.asset_materialization
        share = materialization.metadata.get("drift_share") if materialization else None
        if share is None:
            return dg.SkipReason(f"{key.to_user_string()} recorded no drift share")
        share = float(share.value)
        if share < settings.retrain_share:
            return dg.SkipReason(f"drift share {share:.1%} is below {settings.retrain_share:.0%}")
        # One retraining per drift measurement: the run key is the measurement's run.
        return dg.RunRequest(
            run_key=f"drift:{asset_event.run_id}",
            tags={
                "nex/dataset": source.dataset,
                "nex/trigger": "drift",
                "nex/drift_share": f"{share:.4f}",
                "nex/drift_run": asset_event.run_id,
            },
        )

    return _sensor
