"""Schedules named in config/automation.yaml, each a job over an asset selection."""

import dagster as dg

from nex_assets.automation.logic.settings import AutomationSettings


def schedules(settings: AutomationSettings) -> list[dg.ScheduleDefinition]:
    out = []
    for name, spec in settings.schedules.items():
        job = dg.define_asset_job(f"{name}_job", selection=spec.selection, description=spec.description)
        out.append(
            dg.ScheduleDefinition(
                name=name,
                job=job,
                cron_schedule=spec.cron,
                execution_timezone=settings.timezone,
                description=spec.description,
                default_status=dg.DefaultScheduleStatus.RUNNING,
            )
        )
    return out
