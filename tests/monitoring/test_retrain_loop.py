"""End to end, with each sensor evaluated through Dagster's test utilities and each run it requests
executed on the session's instance: a shifted batch lands, is loaded, drift is measured against the
champion's training snapshot, retraining starts, and only a candidate that passes its pack is promoted."""

from __future__ import annotations

import dagster as dg

from nex_assets.ml import registry
from tests.core.helpers import with_resources
from tests.monitoring.conftest import BATCH_WEEKS, HISTORY_WEEKS, weeks_of_sales


def _tick(defs, instance, name: str, cursor: str | None):
    sensor = defs.resolve_sensor_def(name)
    return sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs))


def _run(defs, instance, job_name: str, request: dg.RunRequest, only=None) -> dg.ExecuteInProcessResult:
    """The requested run; ``only`` narrows a load run to the assets this test is about (the rest of
    the load job, dictionary, synthetic data and so on, is other domains' and tested there)."""
    return defs.resolve_job_def(job_name).execute_in_process(
        instance=instance, tags=request.tags, asset_selection=only
    )


def _only(result: dg.ExecuteInProcessResult, key: dg.AssetKey):
    (event,) = [e for e in result.get_asset_materialization_events() if e.asset_key == key]
    return event.materialization.metadata


def test_shifted_batch_triggers_gated_retraining(pricing_world, dagster_instance, conn):
    world = pricing_world
    defs = with_resources(world.catalog)
    load_job, landing = f"{world.dataset}__load", f"{world.dataset}__landing"
    drift_sensor = f"{world.group}__{world.recipe}__drift"
    drift = dg.AssetKey([world.group, world.recipe, "drift"])
    evaluation = dg.AssetKey([world.group, world.recipe, "evaluation"])
    assert drift in defs.resolve_job_def(load_job).asset_layer.selected_asset_keys
    assert dg.AssetKey([world.group, world.recipe, "model"]) not in (
        defs.resolve_job_def(load_job).asset_layer.selected_asset_keys
    )

    # The first load and the first model: before a champion exists there is no drift to measure.
    mine = [dg.AssetKey([world.dataset, "raw"]), drift]
    first = defs.resolve_job_def(load_job).execute_in_process(instance=dagster_instance, asset_selection=mine)
    assert first.is_node_success(f"{world.dataset}__raw")
    (nothing,) = [e for e in first.get_asset_materialization_events() if e.asset_key == drift]
    assert nothing.materialization.metadata["measured"].value is False
    assert "drift_share" not in nothing.materialization.metadata
    trained = defs.resolve_job_def(world.train_job).execute_in_process(instance=dagster_instance)
    assert _only(trained, evaluation)["promoted"].value is True
    v1 = registry.champion_version(world.registered_model)

    # A batch whose prices are up and whose demand rises with them: drift, retraining, a failing candidate.
    world.drop("batch_bad.csv", weeks_of_sales(HISTORY_WEEKS, BATCH_WEEKS, seed=2, kind="perverse"))
    tick = _tick(defs, dagster_instance, landing, None)
    (request,) = tick.run_requests
    loaded = _run(defs, dagster_instance, load_job, request, only=mine)
    assert loaded.is_node_success(f"{world.dataset}__raw")
    measured = _only(loaded, drift)
    assert measured["threshold_crossed"].value is True and measured["model_version"].value == v1
    assert "log_price" in measured["columns"].value
    # The target, and the champion's predictions on the new rows against those on its training rows.
    assert {"target_drift_score", "prediction_drift_score"} <= set(measured)
    alarm = _tick(defs, dagster_instance, drift_sensor, None)
    (retrain,) = alarm.run_requests
    assert retrain.tags["nex/trigger"] == "drift"
    bad = _run(defs, dagster_instance, world.train_job, retrain)
    outcome = _only(bad, evaluation)
    assert outcome["promoted"].value is False and outcome["champion_after"].value == v1
    assert int(outcome["model_version"].value) > int(v1)
    assert registry.champion_version(world.registered_model) == v1

    # The bad batch is withdrawn and a sound one with the same shift lands: drift again, and this
    # candidate passes its pack and becomes champion.
    (world.landing / "batch_bad.csv").unlink()
    world.drop("batch_good.csv", weeks_of_sales(HISTORY_WEEKS, BATCH_WEEKS, seed=3, kind="shifted"))
    tick = _tick(defs, dagster_instance, landing, tick.cursor)
    (request,) = tick.run_requests
    loaded = _run(defs, dagster_instance, load_job, request, only=mine)
    assert _only(loaded, drift)["threshold_crossed"].value is True
    alarm = _tick(defs, dagster_instance, drift_sensor, alarm.cursor)
    (retrain,) = alarm.run_requests
    good = _run(defs, dagster_instance, world.train_job, retrain)
    outcome = _only(good, evaluation)
    assert outcome["promoted"].value is True
    assert registry.champion_version(world.registered_model) == outcome["model_version"].value != v1

    series = conn.execute(
        "select model_version, drift_share >= retrain_share from nex.drift_reports "
        "where dataset = %s and recipe = %s order by measured_at",
        (world.group, world.recipe),
    ).fetchall()
    assert series == [(v1, True), (v1, True)]
    rows = conn.execute(f'select count(*) from raw."{world.dataset}"').fetchone()[0]
    assert rows == (HISTORY_WEEKS + BATCH_WEEKS) * 48
