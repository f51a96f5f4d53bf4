"""Monitoring: a drift asset per model recipe, and a sensor per recipe that starts retraining when
drift reaches the threshold in config/monitoring.yaml. (Schedules live in config/automation.yaml.)"""

import dagster as dg

from nex_assets.core import settings as nex_settings
from nex_assets.monitoring.assets import drift_asset
from nex_assets.monitoring.logic.settings import MonitoringSettings
from nex_assets.monitoring.sensors import drift_sensor
from nex_assets.monitoring.sources import recipe_sources


def build(catalog) -> dg.Definitions:
    settings = nex_settings.load(MonitoringSettings)
    assets, sensors = [], []
    for source in recipe_sources(catalog):
        recipe_settings = settings.for_recipe(source.recipe)
        assets.append(drift_asset(source, recipe_settings))
        if source.train_job:
            sensors.append(drift_sensor(source, recipe_settings))
    return dg.Definitions(assets=assets, sensors=sensors)
