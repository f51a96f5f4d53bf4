"""Automation: schedules from config/automation.yaml and a run-failure sensor that records failures
and alerts a webhook. (Freshness policies sit on each dataset's raw asset: see defs/datasets.)"""

import dagster as dg

from nex_assets import env
from nex_assets.defs.automation.schedules import schedules
from nex_assets.defs.automation.sensors import failure_sensor
from nex_assets.lib.automation import load_settings, settings_path


def build(catalog) -> dg.Definitions:
    settings = load_settings(settings_path(env.project_dir()))
    return dg.Definitions(schedules=schedules(settings), sensors=[failure_sensor(settings)])
