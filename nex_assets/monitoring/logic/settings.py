"""Drift settings (config/monitoring.yaml): thresholds and sampling, with per-recipe overrides."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from nex_assets.common.yaml_files import SettingsFile


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DriftSettings(_Strict):
    retrain_share: float = Field(0.3, gt=0, le=1)
    max_rows: int = Field(50_000, ge=100)
    seed: int = 7
    method: str | None = None
    column_threshold: float | None = Field(None, gt=0)


class DriftOverride(_Strict):
    """Any field of DriftSettings, for one recipe."""

    retrain_share: float | None = Field(None, gt=0, le=1)
    max_rows: int | None = Field(None, ge=100)
    seed: int | None = None
    method: str | None = None
    column_threshold: float | None = Field(None, gt=0)


class MonitoringSettings(SettingsFile):
    FILE = "monitoring.yaml"

    drift: DriftSettings = Field(default_factory=DriftSettings)
    recipes: dict[str, DriftOverride] = Field(default_factory=dict)

    def for_recipe(self, recipe: str) -> DriftSettings:
        override = self.recipes.get(recipe)
        if override is None:
            return self.drift
        return self.drift.model_copy(update=override.model_dump(exclude_none=True))
