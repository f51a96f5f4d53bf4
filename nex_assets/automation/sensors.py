"""Every failed run is recorded in ``nex.run_failures`` and, when a webhook is configured, posted."""

import json
import os
import urllib.error
import urllib.request

import dagster as dg

from nex_assets.automation.logic.settings import AutomationSettings, failure_payload
from nex_assets.core.resources import WarehouseResource


def post_alert(url: str, payload: dict, timeout_s: float) -> str:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return f"posted ({response.status})"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        # An unreachable alert endpoint must not hide the failure itself: it is recorded either way.
        return f"not posted: {exc}"


def failure_sensor(settings: AutomationSettings) -> dg.SensorDefinition:
    @dg.run_failure_sensor(
        name="run_failures",
        monitor_all_code_locations=False,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Records failed runs in nex.run_failures and posts them to the alert webhook if set.",
    )
    def _on_failure(context: dg.RunFailureSensorContext, warehouse: WarehouseResource):
        run = context.dagster_run
        datasets = sorted(
            {k.path[0] for k in (run.asset_selection or []) if k.path and k.path[0] != "warehouse"}
            | ({run.tags["nex/dataset"]} if "nex/dataset" in run.tags else set())
        )
        message = context.failure_event.message or "run failed"
        step_failures = [e.step_key for e in context.get_step_failure_events() if e.step_key]
        if step_failures:
            message += f" (failed steps: {', '.join(step_failures)})"
        url = os.environ.get(settings.alerts.webhook_env)
        status = "no webhook configured"
        if url:
            payload = failure_payload(
                run.run_id, run.job_name, datasets, message, os.environ.get("NEX_UI_URL")
            )
            status = post_alert(url, payload, settings.alerts.timeout_s)
        with warehouse.connect() as conn:
            conn.execute(
                """insert into nex.run_failures (run_id, job_name, datasets, message, alert_status)
                   values (%s, %s, %s, %s, %s) on conflict (run_id) do nothing""",
                (run.run_id, run.job_name, datasets, message[:4000], status),
            )
        context.log.info(f"run {run.run_id} failure recorded; alert {status}")

    return _on_failure
