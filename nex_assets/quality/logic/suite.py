"""Expectation suites as people write them: ``expectations/<dataset>.json`` in Great Expectations 1.x
form, read and checked without importing GX (the code location must load without it).

Each expectation carries NEX's settings in its ``meta``:

- ``severity``: ``error`` (default) blocks everything downstream of ``<dataset>/raw`` in the same run;
  ``warn`` is reported and lowers the score but blocks nothing.
- ``group``: the asset check it belongs to. By default the column it tests (``email``), the
  columns joined by ``__`` for multi-column rules (``week_start__store_id__sku``) and ``table`` for
  table-level rules; cross-table rules usually name theirs (``references``).
- ``dimension``: the quality dimension it measures, when the type's default (``DEFAULT_DIMENSIONS``)
  is not the right one.

One Dagster asset check is made per (group, severity): the error check is named after the group,
the warning check gets ``_warn`` appended, so one check never mixes blocking and non-blocking rules.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DIMENSIONS = ("completeness", "consistency", "accuracy", "validity", "uniqueness", "timeliness")
Severity = Literal["error", "warn"]

# Expectation types NEX knows how to group and score, with the dimension each measures by default.
DEFAULT_DIMENSIONS: dict[str, str] = {
    "expect_column_to_exist": "completeness",
    "expect_column_values_to_not_be_null": "completeness",
    "expect_table_row_count_to_be_between": "completeness",
    "expect_table_row_count_to_equal": "completeness",
    "expect_column_values_to_be_unique": "uniqueness",
    "expect_compound_columns_to_be_unique": "uniqueness",
    "expect_select_column_values_to_be_unique_within_record": "uniqueness",
    "expect_column_proportion_of_unique_values_to_be_between": "uniqueness",
    "expect_column_unique_value_count_to_be_between": "uniqueness",
    "expect_column_values_to_be_between": "accuracy",
    "expect_column_min_to_be_between": "accuracy",
    "expect_column_max_to_be_between": "accuracy",
    "expect_column_mean_to_be_between": "accuracy",
    "expect_column_median_to_be_between": "accuracy",
    "expect_column_stdev_to_be_between": "accuracy",
    "expect_column_sum_to_be_between": "accuracy",
    "expect_column_values_to_be_in_set": "validity",
    "expect_column_values_to_not_be_in_set": "validity",
    "expect_column_distinct_values_to_be_in_set": "validity",
    "expect_column_values_to_match_regex": "validity",
    "expect_column_values_to_not_match_regex": "validity",
    "expect_column_values_to_match_regex_list": "validity",
    "expect_column_values_to_be_of_type": "validity",
    "expect_column_values_to_be_in_type_list": "validity",
    "expect_column_value_lengths_to_be_between": "validity",
    "expect_column_value_lengths_to_equal": "validity",
    "expect_table_columns_to_match_set": "validity",
    "expect_table_columns_to_match_ordered_list": "validity",
    "expect_table_column_count_to_equal": "validity",
    "expect_column_pair_values_a_to_be_greater_than_b": "consistency",
    "expect_column_pair_values_to_be_equal": "consistency",
    "expect_multicolumn_sum_to_equal": "consistency",
    "unexpected_rows_expectation": "consistency",
}

# Which kwargs name the columns an expectation reads; the rest are left to GX to validate at run time.
_COLUMN_KEYS = ("column", "column_A", "column_B")
_COLUMN_LIST_KEYS = ("column_list",)
_TABLE_LEVEL = {
    "expect_table_row_count_to_be_between",
    "expect_table_row_count_to_equal",
    "expect_table_columns_to_match_set",
    "expect_table_columns_to_match_ordered_list",
    "expect_table_column_count_to_equal",
    "unexpected_rows_expectation",
}
_NAME = re.compile(r"^[A-Za-z0-9_]+$")
WARN_SUFFIX = "_warn"


class SuiteError(ValueError):
    """A suite file that cannot be used; the message names the file and what is wrong where."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExpectationMeta(BaseModel):
    """NEX's keys in an expectation's ``meta``; any other key (notes for people) is kept as is."""

    model_config = ConfigDict(extra="allow")

    severity: Severity = "error"
    group: str | None = None
    dimension: str | None = None

    @field_validator("group")
    @classmethod
    def _group(cls, value: str | None) -> str | None:
        if value is not None and not _NAME.match(value):
            raise ValueError(f"group {value!r} may hold only letters, digits and underscores")
        return value

    @field_validator("dimension")
    @classmethod
    def _dimension(cls, value: str | None) -> str | None:
        if value is not None and value not in DIMENSIONS:
            raise ValueError(f"unknown dimension {value!r}; use one of {list(DIMENSIONS)}")
        return value


class ExpectationEntry(_Strict):
    type: str
    kwargs: dict[str, Any] = Field(default_factory=dict)
    meta: ExpectationMeta = Field(default_factory=ExpectationMeta)
    # Keys GX itself writes when it saves a suite; accepted so an exported suite can be adopted as is.
    id: str | None = None
    description: str | None = None
    notes: Any = None
    rendered_content: Any = None
    severity: Any = None

    @field_validator("type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in DEFAULT_DIMENSIONS:
            raise ValueError(
                f"unsupported expectation type {value!r}; supported: {sorted(DEFAULT_DIMENSIONS)}"
            )
        return value

    @model_validator(mode="after")
    def _columns_named(self) -> ExpectationEntry:
        if self.type == "unexpected_rows_expectation":
            query = self.kwargs.get("unexpected_rows_query")
            if not isinstance(query, str) or "{batch}" not in query:
                raise ValueError("kwargs.unexpected_rows_query must be a SQL string that reads from {batch}")
        elif self.type not in _TABLE_LEVEL and not self.columns:
            raise ValueError("kwargs must name the column(s) it tests (column, column_list or column_A/B)")
        for col in self.columns:
            if not isinstance(col, str) or not col:
                raise ValueError(f"column names must be non-empty strings, got {col!r}")
        return self

    @property
    def columns(self) -> list[str]:
        found = [self.kwargs[k] for k in _COLUMN_KEYS if k in self.kwargs]
        for key in _COLUMN_LIST_KEYS:
            if key in self.kwargs:
                value = self.kwargs[key]
                found += list(value) if isinstance(value, list) else [value]
        return found


class SuiteFile(_Strict):
    name: str
    expectations: list[ExpectationEntry]
    meta: dict[str, Any] = Field(default_factory=dict)
    id: str | None = None
    notes: Any = None


@dataclass(frozen=True)
class Expectation:
    """One expectation with NEX's settings resolved."""

    index: int
    type: str
    kwargs: dict[str, Any]
    meta: dict[str, Any]
    severity: Severity
    group: str
    dimension: str
    columns: tuple[str, ...]
    description: str | None = None

    @property
    def check_name(self) -> str:
        return self.group if self.severity == "error" else self.group + WARN_SUFFIX

    def label(self) -> str:
        """A short human label: the type without its ``expect_`` prefix, and the columns."""
        kind = self.type.removeprefix("expect_")
        return f"{kind}({', '.join(self.columns)})" if self.columns else kind


@dataclass(frozen=True)
class CheckGroup:
    name: str
    severity: Severity
    expectations: tuple[Expectation, ...]

    @property
    def blocking(self) -> bool:
        return self.severity == "error"

    def description(self) -> str:
        what = "; ".join(e.description or e.label() for e in self.expectations)
        kind = "blocks downstream assets when it fails" if self.blocking else "warns, blocks nothing"
        return f"Great Expectations ({kind}): {what}"[:1000]


@dataclass(frozen=True)
class Suite:
    dataset: str
    file: str
    expectations: tuple[Expectation, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    def groups(self) -> list[CheckGroup]:
        by_name: dict[str, list[Expectation]] = {}
        for exp in self.expectations:
            by_name.setdefault(exp.check_name, []).append(exp)
        return [CheckGroup(name, exps[0].severity, tuple(exps)) for name, exps in sorted(by_name.items())]

    def to_gx_dict(self) -> dict[str, Any]:
        """The suite as GX builds it: NEX's resolved settings stay in each expectation's meta."""
        return {
            "name": self.dataset,
            "meta": self.meta,
            "expectations": [
                {
                    "type": e.type,
                    "kwargs": e.kwargs,
                    "meta": {**e.meta, "severity": e.severity, "group": e.group, "dimension": e.dimension},
                    **({"description": e.description} if e.description else {}),
                }
                for e in self.expectations
            ],
        }


def _default_group(entry: ExpectationEntry) -> str:
    if entry.meta.group:
        return entry.meta.group
    if entry.type == "unexpected_rows_expectation":
        return "references"
    columns = entry.columns
    if not columns:
        return "table"
    group = "__".join(columns)
    if not _NAME.match(group):
        raise ValueError(f"column(s) {columns} do not make a check name; set meta.group")
    return group


def _where(err: dict) -> str:
    return ".".join(str(p) for p in err["loc"]) or "(top)"


def parse_suite(raw: Any, *, dataset: str, file: str) -> Suite:
    """Checks a suite's content; every problem is reported with the file and the expectation index."""
    if not isinstance(raw, dict):
        raise SuiteError(
            f"{file}: expected a JSON object with `name` and `expectations`, got {type(raw).__name__}"
        )
    try:
        parsed = SuiteFile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{_where(e)}: {e['msg']}" for e in exc.errors())
        raise SuiteError(f"{file}: {problems}") from exc
    if parsed.name != dataset:
        raise SuiteError(f"{file}: `name` is {parsed.name!r} but the file is for dataset {dataset!r}")
    expectations = []
    for i, entry in enumerate(parsed.expectations):
        try:
            group = _default_group(entry)
        except ValueError as exc:
            raise SuiteError(f"{file}: expectations.{i} ({entry.type}): {exc}") from exc
        meta = entry.meta.model_dump(exclude_none=True)
        expectations.append(
            Expectation(
                index=i,
                type=entry.type,
                kwargs=entry.kwargs,
                meta=meta,
                severity=entry.meta.severity,
                group=group,
                dimension=entry.meta.dimension or DEFAULT_DIMENSIONS[entry.type],
                columns=tuple(entry.columns),
                description=entry.description,
            )
        )
    return Suite(dataset=dataset, file=file, expectations=tuple(expectations), meta=parsed.meta)


def suite_path(folder: Path, dataset: str) -> Path:
    return folder / f"{dataset}.json"


def load_suite(path: Path, dataset: str | None = None) -> Suite:
    dataset = dataset or path.stem
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SuiteError(
            f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"{path}: cannot be read: {exc}") from exc
    return parse_suite(raw, dataset=dataset, file=str(path))


def find_suite(folder: Path, dataset: str) -> Suite | None:
    """The dataset's adopted suite, or None when it has none (suggested suites are never read here)."""
    path = suite_path(folder, dataset)
    return load_suite(path, dataset) if path.is_file() else None
