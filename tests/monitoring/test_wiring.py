"""The project's own definitions: every recipe is watched for drift, schedules come from YAML, and a
landing run measures drift without retraining."""

from __future__ import annotations

import dagster as dg

from nex_assets.automation.logic.settings import AutomationSettings
from nex_assets.core import settings as nex_settings
from nex_assets.core.build import Catalog
from nex_assets.ml.recipes import load_recipes
from tests.core.helpers import with_resources


def test_recipes_schedules_and_landing_jobs_are_wired():
    defs = with_resources(Catalog.from_env())
    graph = defs.resolve_asset_graph()
    recipes = load_recipes()
    assert recipes
    drift_keys = {dg.AssetKey([r.dataset, r.name, "drift"]) for r in recipes}
    model_keys = {dg.AssetKey([r.dataset, r.name, "model"]) for r in recipes}
    assert drift_keys <= set(graph.get_all_asset_keys())
    for recipe in recipes:  # measured after the evaluation that may move the champion
        evaluation = dg.AssetKey([recipe.dataset, recipe.name, "evaluation"])
        assert evaluation in graph.get(dg.AssetKey([recipe.dataset, recipe.name, "drift"])).parent_keys
    for recipe in recipes:
        sensor = defs.resolve_sensor_def(f"{recipe.dataset}__{recipe.name}__drift")
        assert sensor.job_name == recipe.job_name
        assert sensor.default_status == dg.DefaultSensorStatus.RUNNING

    settings = nex_settings.load(AutomationSettings)
    for name in ("daily_checks", "weekly_retrain"):
        schedule = defs.resolve_schedule_def(name)
        assert schedule.cron_schedule == settings.schedules[name].cron
    daily = defs.resolve_job_def("daily_checks_job").asset_layer.selected_asset_keys
    weekly = defs.resolve_job_def("weekly_retrain_job").asset_layer.selected_asset_keys
    assert drift_keys <= daily and not model_keys & daily
    assert any(k.path[-1] == "quality" for k in daily)
    assert model_keys <= weekly

    # A batch of sales reaches the drift of every recipe that reads sales, and trains nothing.
    load = defs.resolve_job_def("retail_sales__load").asset_layer.selected_asset_keys
    assert dg.AssetKey(["nex_retail", "price_elasticity", "drift"]) in load
    assert not model_keys & load
    assert not {k for k in load if k.path[-1] in {"evaluation", "predictions"}}
