"""Incremental by data version, on a world of its own (one weekly sales dataset, one pricing recipe):
after a full run nothing is stale and no schedule starts a run; a new landing file makes exactly that
dataset's downstream stale; the daily refresh stops short of training and the weekly retraining
picks the model up; the same recipe on the same data never registers a second version; and the
registry's champion alias and status tags agree, as `nex mlflow models` shows them."""

from __future__ import annotations

import argparse

import dagster as dg

from nex_assets.automation import incremental
from nex_assets.ml import registry
from tests.core.helpers import with_resources
from tests.monitoring.conftest import BATCH_WEEKS, HISTORY_WEEKS, weeks_of_sales


def _plan(defs, instance, world):
    graph = defs.resolve_asset_graph()
    result, _ = incremental.plan_run(
        instance, graph, graph.materializable_asset_keys, incremental.probes(world.catalog)
    )
    return result


def _tick(defs, instance, name: str):
    schedule = defs.resolve_schedule_def(name)
    # As the daemon does: the context opens an instance of its own and must close it, or that
    # instance stays behind as the current one for whatever loads definitions next.
    with dg.build_schedule_context(instance=instance, repository_def=defs.get_repository_def()) as context:
        return schedule.evaluate_tick(context)


def _selected(tick) -> set[str]:
    (request,) = tick.run_requests
    return {k.to_user_string() for k in request.asset_selection}


def test_only_what_changed_runs_and_schedules_request_only_stale_assets(
    pricing_world, dagster_instance, capsys
):
    world = pricing_world
    defs = with_resources(world.catalog)
    mine = {f"{world.dataset}/{step}" for step in ("raw", "profile", "quality", "synthetic", "dictionary")}
    model = f"{world.group}/{world.recipe}/model"
    evaluation = f"{world.group}/{world.recipe}/evaluation"
    drift = f"{world.group}/{world.recipe}/drift"

    before = _plan(defs, dagster_instance, world)
    assert mine <= set(before.run) and before.run[f"{world.dataset}/raw"] == "never materialized"
    assert defs.resolve_implicit_global_asset_job_def().execute_in_process(instance=dagster_instance).success
    (v1,) = [str(v.version) for v in registry.versions(world.registered_model)]

    # Nothing changed: nothing to compute, and no schedule starts a run.
    after = _plan(defs, dagster_instance, world)
    assert after.run == {}, after.run
    assert set(before.run) <= set(after.unchanged)
    for name in ("daily_refresh", "daily_checks", "weekly_retrain"):
        tick = _tick(defs, dagster_instance, name)
        assert not tick.run_requests and "nothing changed" in tick.skip_message, name

    # Training again on the same data reuses the model: the registry holds one version per pair.
    again = defs.resolve_job_def(world.train_job).execute_in_process(instance=dagster_instance)
    (trained,) = [
        e.materialization.metadata
        for e in again.get_asset_materialization_events()
        if e.asset_key.to_user_string() == model
    ]
    assert trained["reused"].value is True and trained["model_version"].value == v1
    assert [str(v.version) for v in registry.versions(world.registered_model)] == [v1]

    # A new landing file: the load is due, and everything that follows it, nothing else.
    world.drop("batch.csv", weeks_of_sales(HISTORY_WEEKS, BATCH_WEEKS, seed=3))
    due = _plan(defs, dagster_instance, world)
    assert due.run[f"{world.dataset}/raw"] == "new or changed files"
    assert mine | {model, evaluation, drift} <= set(due.run)
    assert "nex/config" in due.unchanged
    # The daily refresh stops short of training; what only follows the model waits for it.
    daily = _selected(_tick(defs, dagster_instance, "daily_refresh"))
    assert mine | {drift} <= daily and model not in daily and evaluation not in daily
    assert not _tick(defs, dagster_instance, "weekly_retrain").run_requests

    job = defs.resolve_job_def("daily_refresh_job")
    assert job.execute_in_process(
        instance=dagster_instance, asset_selection=[dg.AssetKey.from_user_string(k) for k in daily]
    ).success
    # The new data leaves the model stale (the UI says so too) until the weekly retraining.
    assert set(_plan(defs, dagster_instance, world).run) == {
        model,
        evaluation,
        f"{world.group}/{world.recipe}/predictions",
        f"{world.group}/{world.recipe}/semantic_model",
        drift,
    }
    weekly = _selected(_tick(defs, dagster_instance, "weekly_retrain"))
    assert {model, evaluation} <= weekly
    assert (
        defs.resolve_job_def("weekly_retrain_job")
        .execute_in_process(
            instance=dagster_instance, asset_selection=[dg.AssetKey.from_user_string(k) for k in weekly]
        )
        .success
    )
    versions = registry.versions(world.registered_model)
    assert len(versions) == 2

    # Only the champion says it is champion, in the registry and in `nex mlflow models`.
    champion = registry.champion_version(world.registered_model)
    statuses = {str(v.version): (v.tags or {}).get("nex.status") for v in versions}
    assert [k for k, s in statuses.items() if s == "champion"] == [champion]
    from nex_assets.cli.mlflow import cmd_models

    cmd_models(argparse.Namespace())
    listed = [line for line in capsys.readouterr().out.splitlines() if world.registered_model in line]
    shown = {cells[2]: cells[4] for line in listed for cells in [[c.strip() for c in line.split("|")]]}
    assert [v for v, status in shown.items() if status == "champion"] == [champion]
