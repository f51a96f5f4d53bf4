"""Settings of the quality score (``config/quality.yaml``), and a dataset's ``quality:`` section over
them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nex_assets.common.yaml_files import SettingsFile
from nex_assets.quality.logic.suite import DIMENSIONS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TimelinessSettings(_Strict):
    zero_at: float = Field(2.0, gt=1, description="multiple of the freshness window at which timeliness is 0")


class ResultSettings(_Strict):
    # BASIC holds all the checks show (counts, shares, a few values); SUMMARY adds value counts and row
    # indexes for the Data Docs at about 1.6x the validation time.
    format: Literal["BASIC", "SUMMARY"] = "BASIC"
    partial_unexpected_count: int = Field(5, ge=0, le=50)


class RecommendationSettings(_Strict):
    worst_columns: int = Field(3, ge=0)
    below_score: float = Field(100.0, gt=0, le=100)


class DataDocsSettings(_Strict):
    keep_validations: int = Field(30, ge=1)


class FailedSettings(_Strict):
    # What a failed rule costs: the share of rows it breaks times this, by severity ...
    per_share: dict[str, float] = Field(default_factory=lambda: {"error": 10.0, "warn": 5.0})
    # ... and never less than this, however few rows break it.
    min_cost: float = Field(0.02, ge=0, le=1)

    @field_validator("per_share")
    @classmethod
    def _both_severities(cls, value: dict[str, float]) -> dict[str, float]:
        missing = {"error", "warn"} - set(value)
        if missing or any(v < 0 for v in value.values()):
            raise ValueError(f"give a non-negative factor for error and warn (missing: {sorted(missing)})")
        return value


class QualitySettings(SettingsFile):
    FILE = "quality.yaml"

    weights: dict[str, float] = Field(
        default_factory=lambda: {
            "completeness": 0.25,
            "consistency": 0.20,
            "accuracy": 0.20,
            "validity": 0.20,
            "uniqueness": 0.10,
            "timeliness": 0.05,
        }
    )
    severity_weights: dict[str, float] = Field(default_factory=lambda: {"error": 1.0, "warn": 0.5})
    failed: FailedSettings = Field(default_factory=FailedSettings)
    timeliness: TimelinessSettings = Field(default_factory=TimelinessSettings)
    results: ResultSettings = Field(default_factory=ResultSettings)
    recommendations: RecommendationSettings = Field(default_factory=RecommendationSettings)
    data_docs: DataDocsSettings = Field(default_factory=DataDocsSettings)
    history_shown: int = Field(10, ge=1)

    @field_validator("weights")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = set(value) - set(DIMENSIONS)
        if unknown:
            raise ValueError(f"unknown dimension(s) {sorted(unknown)}; use {list(DIMENSIONS)}")
        if any(w < 0 for w in value.values()) or not any(w > 0 for w in value.values()):
            raise ValueError("weights must be >= 0 and at least one > 0")
        return value

    @field_validator("severity_weights")
    @classmethod
    def _severity_weights(cls, value: dict[str, float]) -> dict[str, float]:
        if set(value) != {"error", "warn"} or any(w <= 0 for w in value.values()):
            raise ValueError("severity_weights needs positive `error` and `warn` weights")
        return value


def _merge(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in override.items():
        out[key] = (
            _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        )
    return out


def dataset_settings(project: QualitySettings, override: dict | None, file: str) -> QualitySettings:
    """A dataset's ``quality:`` section laid over the project's settings; errors name its file."""
    if not override:
        return project
    try:
        return QualitySettings.model_validate(_merge(project.model_dump(), override))
    except ValidationError as exc:
        problems = "; ".join(
            f"quality.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ValueError(f"{file}: {problems}") from exc
