"""The quality score: one number per dataset and one per dimension, from the suite's results.

Each expectation scores between 0 and 1. One that holds scores the share of rows that pass it (1
for a rule with no row-level count). One that fails costs in proportion to the share of rows it
breaks and its severity: ``share x failed.per_share[severity]`` (an error broken by a tenth of the
rows counts as wholly failed), never less than ``failed.min_cost`` (a broken rule matters however
few rows break it), and all of it for a rule with no row count. So two bad rows in 54,000 and
thirteen in sixty no longer score alike. A dimension's score is the severity-weighted mean of its
expectations' scores, times 100; timeliness comes from the age of the last load against the
dataset's freshness window. The overall score is the weighted mean of the dimensions that apply
(a dimension with no expectation is left out, not counted as perfect). Weights live in
``config/quality.yaml`` and a dataset may override them in the ``quality:`` section of its YAML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nex_assets.quality.logic.settings import QualitySettings
from nex_assets.quality.logic.suite import DIMENSIONS, Expectation


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

    def score(self, per_share: float, min_cost: float) -> float:
        if self.error:
            return 0.0
        share = self.unexpected_share
        if self.success:
            return 1.0 if share is None else 1.0 - share
        if share is None:
            return 0.0
        return 1.0 - min(1.0, max(min_cost, share * per_share))


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
        value = outcome.score(settings.failed.per_share[exp.severity], settings.failed.min_cost)
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
