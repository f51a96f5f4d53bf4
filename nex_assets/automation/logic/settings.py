"""Settings of schedules, freshness and alerts (config/automation.yaml) and the alert payload."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from nex_assets.common.yaml_files import SettingsFile


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScheduleSettings(_Strict):
    cron: str
    # The assets the schedule keeps up to date (Dagster's selection syntax); of these, a tick
    # requests only those that are stale or missing, and what they feed.
    selection: str
    # Assets in the selection this schedule never computes (what depends on them waits for them).
    hold: str | None = None
    description: str = ""


class FreshnessSettings(_Strict):
    default_hours: float = Field(36, gt=0)
    warn_fraction: float = Field(0.75, gt=0, lt=1)


class AlertSettings(_Strict):
    webhook_env: str = "NEX_ALERT_WEBHOOK"
    timeout_s: float = Field(10, gt=0)


class AutomationSettings(SettingsFile):
    FILE = "automation.yaml"

    timezone: str = "UTC"
    schedules: dict[str, ScheduleSettings] = Field(default_factory=dict)
    freshness: FreshnessSettings = Field(default_factory=FreshnessSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)


def freshness_hours(monitoring: dict, default: float) -> float:
    hours = monitoring.get("freshness_hours", default)
    if not isinstance(hours, int | float) or hours <= 0:
        raise ValueError(f"monitoring.freshness_hours must be positive (hours), got {hours!r}")
    return float(hours)


def failure_payload(
    run_id: str, job_name: str, datasets: list[str], message: str, ui_url: str | None
) -> dict:
    """What an alert says: enough to act on, nothing secret (no run config, no environment)."""
    text = f"NEX run {run_id[:8]} of {job_name} failed: {message.splitlines()[0][:300] if message else ''}"
    payload = {
        "text": text,
        "run_id": run_id,
        "job": job_name,
        "datasets": datasets,
        "message": message[:2000],
    }
    if ui_url:
        payload["url"] = f"{ui_url.rstrip('/')}/runs/{run_id}"
    return payload
