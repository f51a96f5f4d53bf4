"""Automation: schedules from config/automation.yaml that request only stale or missing assets, and
a run-failure sensor that records failures and alerts a webhook. (Freshness policies sit on each
dataset's raw asset: see datasets/assets.py.)"""

import dagster as dg

from nex_assets.automation.logic.settings import AutomationSettings
from nex_assets.automation.schedules import schedules
from nex_assets.automation.sensors import failure_sensor
from nex_assets.core import settings as nex_settings


def build(catalog) -> dg.Definitions:
    settings = nex_settings.load(AutomationSettings)
    return dg.Definitions(schedules=schedules(settings, catalog), sensors=[failure_sensor(settings)])
