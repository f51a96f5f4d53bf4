"""How much of a recipe's input a step holds in memory.

Training, evaluation and drift read a bounded, repeatable sample of the input: the rows whose *unit*
hashes into the first ``buckets`` of ``BUCKETS`` buckets. The unit keeps together what a family must
see whole: a forecast's series (its lags run along its own history), a pricing entity (its fixed
effect), a chooser's occasions, a group split's groups; otherwise each row is its own unit. The same
rows come back on every read of the same data, so the evaluation judges a version on the holdout of the
very sample it was trained on, and drift compares the champion with new rows of that sample.

Predictions read every row, in batches of whole units (``batch_units``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from nex_assets.ml.logic.recipe import Recipe

BUCKETS = 1 << 20


@dataclass(frozen=True)
class Sample:
    """The units that stay together and how many of the ``BUCKETS`` hash buckets are read."""

    units: tuple[str, ...]
    buckets: int = BUCKETS
    input_rows: int | None = None

    @property
    def whole(self) -> bool:
        return self.buckets >= BUCKETS

    @property
    def share(self) -> float:
        return min(1.0, self.buckets / BUCKETS)

    def describe(self) -> str:
        if self.whole:
            return "every row"
        by = ", ".join(self.units) if self.units else "row"
        rows = f" of {self.input_rows:,} rows" if self.input_rows is not None else ""
        return f"{self.share:.2%}{rows}, whole units by {by}"

    def tag(self) -> str:
        """What a model version records, so its evaluation and drift read the same rows."""
        return f"{self.buckets}/{BUCKETS}:{','.join(self.units)}"

    @classmethod
    def from_tag(cls, value: str) -> Sample:
        """The inverse of ``tag``; raises ValueError on anything else."""
        share, _, units = value.partition(":")
        buckets, _, total = share.partition("/")
        if int(total) != BUCKETS or not 0 < int(buckets) <= BUCKETS:
            raise ValueError(f"not a sample tag: {value!r}")
        return cls(tuple(u for u in units.split(",") if u), int(buckets))


def sample_units(recipe: Recipe) -> tuple[str, ...]:
    """The columns whose values are read or left out together (none: each row on its own)."""
    roles = recipe.roles
    if recipe.family == "forecasting":
        return tuple(roles.series)
    if recipe.family == "pricing":
        return tuple(roles.entities or roles.id or roles.groups)
    if recipe.family == "next_best_action":
        return (roles.entity,) if roles.entity else ()
    if recipe.split.kind == "group" and recipe.split_column:
        return (recipe.split_column,)
    return ()


def plan(recipe: Recipe, input_rows: int, max_rows: int) -> Sample:
    """Every row up to ``max_rows``; above it, the share of buckets that reads about ``max_rows``."""
    units = sample_units(recipe)
    if input_rows <= max_rows:
        return Sample(units, BUCKETS, input_rows)
    buckets = max(1, math.floor(BUCKETS * max_rows / input_rows))
    return Sample(units, buckets, input_rows)


def batch_count(rows: int, batch_rows: int) -> int:
    """How many batches of whole units spread ``rows`` rows so that each holds about ``batch_rows``."""
    return max(1, math.ceil(rows / max(1, batch_rows)))
