"""Datasets: each catalog entry becomes ``<dataset>/raw`` and ``<dataset>/profile``, a load job
and a landing-folder sensor."""

from __future__ import annotations

import dagster as dg

from nex_assets.automation.logic.settings import AutomationSettings
from nex_assets.core import settings as nex_settings
from nex_assets.datasets.assets import profile_asset, raw_asset
from nex_assets.datasets.sensors import landing_job, landing_sensor, new_files_sensor


def check_dataset(ds, catalog) -> None:
    """Building the dataset's assets validates its name, tags and freshness window."""
    settings = nex_settings.load(AutomationSettings)
    raw_asset(ds, catalog, settings)
    profile_asset(ds)


def build(catalog) -> dg.Definitions:
    settings = nex_settings.load(AutomationSettings)
    assets, jobs, sensors = [], [], []
    for ds in catalog.datasets:
        assets += [raw_asset(ds, catalog, settings), profile_asset(ds)]
        job = landing_job(ds)
        jobs.append(job)
        sensors.append(landing_sensor(ds, catalog, job))
    sensors.append(new_files_sensor(catalog))
    return dg.Definitions(assets=assets, jobs=jobs, sensors=sensors)
