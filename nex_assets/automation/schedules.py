"""Schedules named in config/automation.yaml. Each covers an asset selection and requests only what
in it is stale or missing (``automation/incremental.py``): a tick on unchanged data starts no run.
A schedule's ``hold`` names assets it never computes (the daily refresh stops short of training)."""

from __future__ import annotations

import dagster as dg

from nex_assets.automation import incremental
from nex_assets.automation.logic.settings import AutomationSettings, ScheduleSettings


def _schedule(name: str, spec: ScheduleSettings, timezone: str, catalog) -> dg.ScheduleDefinition:
    covered = dg.AssetSelection.from_string(spec.selection)
    held = dg.AssetSelection.from_string(spec.hold) if spec.hold else None
    job = dg.define_asset_job(
        f"{name}_job", selection=covered - held if held is not None else covered, description=spec.description
    )

    @dg.schedule(
        name=name,
        job=job,
        cron_schedule=spec.cron,
        execution_timezone=timezone,
        description=f"{spec.description} Only what is stale or missing runs.".strip(),
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    def _tick(context: dg.ScheduleEvaluationContext):
        return incremental.stale_request(context, covered, held, incremental.probes(catalog))

    return _tick


def schedules(settings: AutomationSettings, catalog) -> list[dg.ScheduleDefinition]:
    return [_schedule(name, spec, settings.timezone, catalog) for name, spec in settings.schedules.items()]
