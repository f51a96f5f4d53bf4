"""What a dataset's adopted suite says each column may hold, for code that generates data.

Synthetic data must respect the same rules the real data is checked against: a synthesizer that
produces a negative price or an unknown category would fail the suite it is meant to mirror. Only
the rules of error severity are read, since a warning describes what is usual, not what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nex_assets.quality.logic.suite import Suite, find_suite


@dataclass
class ColumnRule:
    column: str
    min_value: float | str | None = None
    max_value: float | str | None = None
    allowed_values: list | None = None
    regex: str | None = None
    not_null: bool = False
    unique: bool = False
    notes: list[str] = field(default_factory=list)


def _tighten(rule: ColumnRule, kwargs: dict) -> None:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is not None and (rule.min_value is None or low > rule.min_value):
        rule.min_value = low
    if high is not None and (rule.max_value is None or high < rule.max_value):
        rule.max_value = high


def column_rules(suite: Suite | None) -> dict[str, ColumnRule]:
    """Per column: numeric or date range, allowed values, format, nullability and uniqueness."""
    rules: dict[str, ColumnRule] = {}
    if suite is None:
        return rules
    for exp in suite.expectations:
        if exp.severity != "error" or "column" not in exp.kwargs:
            continue
        column = exp.kwargs["column"]
        rule = rules.setdefault(column, ColumnRule(column))
        if exp.type == "expect_column_values_to_be_between":
            _tighten(rule, exp.kwargs)
        elif exp.type == "expect_column_values_to_be_in_set":
            values = list(exp.kwargs.get("value_set") or [])
            rule.allowed_values = (
                values if rule.allowed_values is None else [v for v in rule.allowed_values if v in values]
            )
        elif exp.type == "expect_column_values_to_match_regex":
            rule.regex = exp.kwargs.get("regex")
        elif exp.type == "expect_column_values_to_not_be_null":
            rule.not_null = True
        elif exp.type == "expect_column_values_to_be_unique":
            rule.unique = True
        else:
            continue
        if exp.description:
            rule.notes.append(exp.description)
    return rules


def load_column_rules(dataset: str, folder: Path) -> dict[str, ColumnRule]:
    """The rules of ``<folder>/<dataset>.json`` (the expectations folder); empty when the dataset
    has no suite."""
    return column_rules(find_suite(folder, dataset))
