"""The quality score: one number per dataset and one per dimension, from the suite's results.

Each expectation scores between 0 and 1: the share of rows that pass it (1 for a rule with no
row-level count that holds), but a rule that fails scores at most ``failed_max``, because a broken
rule matters however few rows break it. A dimension's score is the severity-weighted mean of its
expectations' scores, times 100; timeliness comes from the age of the last load against the
dataset's freshness window. The overall score is the weighted mean of the dimensions that apply
(a dimension with no expectation is left out, not counted as perfect). Weights live in
``config/quality.yaml`` and a dataset may override them in the ``quality:`` section of its YAML.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nex_assets.common import yaml_files as settings_files
from nex_assets.quality.logic.suite import DIMENSIONS, Expectation


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


class QualitySettings(_Strict):
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
    failed_max: float = Field(0.5, ge=0, le=1)
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


def settings_path(project_dir: Path) -> Path:
    return project_dir / "config" / "quality.yaml"


def _merge(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in override.items():
        out[key] = (
            _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        )
    return out


def load_settings(path: Path) -> QualitySettings:
    """The project's settings (defaults where the file is missing)."""
    return settings_files.load_settings(path, QualitySettings)


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


@dataclass(frozen=True)
class Outcome:
    """What one expectation found, in the terms the score and the check metadata need."""

    expectation: Expectation
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    observed_value: Any = None
    examples: tuple = ()
    error: str | None = None

    @property
    def unexpected_share(self) -> float | None:
        if self.unexpected_count is None or not self.element_count:
            return None
        return min(1.0, self.unexpected_count / self.element_count)

    def score(self, failed_max: float) -> float:
        if self.error:
            return 0.0
        share = self.unexpected_share
        passing = 1.0 if share is None else 1.0 - share
        if not self.success:
            passing = min(passing if share is not None else 0.0, failed_max)
        return passing


@dataclass
class ScoreCard:
    score: float
    dimensions: dict[str, float | None]
    columns: dict[str, float]
    checks_passed: bool
    expectations: int
    failed: int
    failed_errors: int


def timeliness_score(age_hours: float | None, freshness_hours: float, zero_at: float) -> float | None:
    """100 while the data is younger than its freshness window, falling linearly to 0 at ``zero_at``
    times the window; None when the dataset has never been loaded."""
    if age_hours is None:
        return None
    if age_hours <= freshness_hours:
        return 100.0
    span = freshness_hours * (zero_at - 1.0)
    return max(0.0, 100.0 * (1.0 - (age_hours - freshness_hours) / span))


def score(outcomes: list[Outcome], settings: QualitySettings, timeliness: float | None) -> ScoreCard:
    sums: dict[str, list[float]] = {d: [0.0, 0.0] for d in DIMENSIONS}
    column_sums: dict[str, list[float]] = {}
    for outcome in outcomes:
        exp = outcome.expectation
        weight = settings.severity_weights[exp.severity]
        value = outcome.score(settings.failed_max)
        sums[exp.dimension][0] += weight * value
        sums[exp.dimension][1] += weight
        for column in exp.columns:
            acc = column_sums.setdefault(column, [0.0, 0.0])
            acc[0] += weight * value
            acc[1] += weight
    dimensions: dict[str, float | None] = {
        d: (100.0 * total / weight if weight else None) for d, (total, weight) in sums.items()
    }
    if timeliness is not None:
        dimensions["timeliness"] = timeliness
    applicable = {d: v for d, v in dimensions.items() if v is not None and settings.weights.get(d, 0) > 0}
    total_weight = sum(settings.weights[d] for d in applicable)
    overall = (
        sum(settings.weights[d] * v for d, v in applicable.items()) / total_weight if total_weight else 100.0
    )
    failed = [o for o in outcomes if not o.success]
    return ScoreCard(
        score=round(overall, 2),
        dimensions={d: (round(v, 2) if v is not None else None) for d, v in dimensions.items()},
        columns={c: round(100.0 * t / w, 2) for c, (t, w) in sorted(column_sums.items())},
        checks_passed=not any(o.expectation.severity == "error" for o in failed),
        expectations=len(outcomes),
        failed=len(failed),
        failed_errors=sum(o.expectation.severity == "error" for o in failed),
    )
