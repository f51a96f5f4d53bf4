"""Constraints for synthetic values, taken from the dataset's quality suite.

The suite (``expectations/<dataset>.json``, Great Expectations 1.x form) already says what valid
data looks like: numeric ranges and allowed values. The same rules bound the synthetic table, so a
synthetic copy never breaks the suite its real table passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass
class ColumnRules:
    low: float | str | None = None  # a string bounds dates
    high: float | str | None = None
    allowed: list | None = None


@dataclass
class Constraints:
    columns: dict[str, ColumnRules] = field(default_factory=dict)

    def describe(self) -> list[list[str]]:
        rows = []
        for name, rule in sorted(self.columns.items()):
            if rule.low is not None or rule.high is not None:
                rows.append([name, "range", f"[{rule.low}, {rule.high}]"])
            if rule.allowed is not None:
                rows.append([name, "allowed values", ", ".join(map(str, rule.allowed[:10]))])
        return rows


def from_quality_suite(dataset: str, folder: Path) -> Constraints:
    """Ranges and allowed sets of the dataset's adopted suite (its error-severity rules, read by the
    quality domain's reader); no suite means no constraints."""
    from nex_assets.quality.logic.constraints import load_column_rules

    rules = load_column_rules(dataset, folder)
    out = Constraints()
    for name, rule in rules.items():
        if rule.min_value is None and rule.max_value is None and rule.allowed_values is None:
            continue
        out.columns[name] = ColumnRules(rule.min_value, rule.max_value, rule.allowed_values)
    return out


def enforce(frame: pd.DataFrame, constraints: Constraints, *, seed: int) -> dict[str, int]:
    """Clips numbers into their ranges and redraws disallowed values from the allowed ones that
    occur; returns how many values each rule changed (a measure of how well the model learnt it)."""
    rng = np.random.default_rng(seed)
    changed: dict[str, int] = {}
    for name, rule in constraints.columns.items():
        if name not in frame.columns:
            continue
        col = frame[name]
        bounded = rule.low is not None or rule.high is not None
        if bounded and (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col)):
            cast = pd.Timestamp if pd.api.types.is_datetime64_any_dtype(col) else float
            low = None if rule.low is None else cast(rule.low)
            high = None if rule.high is None else cast(rule.high)
            outside = (low is not None and col < low) | (high is not None and col > high)
            changed[f"{name} range"] = int(np.sum(outside))
            frame[name] = col.clip(lower=low, upper=high)
        if rule.allowed is not None:
            allowed_text = {str(v) for v in rule.allowed}
            bad = col.notna() & ~col.astype(str).isin(allowed_text)
            if bad.any():
                present = [v for v in col[~bad & col.notna()].unique()] or list(rule.allowed)
                frame.loc[bad, name] = rng.choice(np.array(present, dtype=object), size=int(bad.sum()))
            changed[f"{name} allowed values"] = int(bad.sum())
    return changed
