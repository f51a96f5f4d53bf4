"""How each column of a table is synthesized, decided from its profile and its values.

Only columns that carry a learnable distribution go to SDV. Everything else is handled simply and
says why: sensitive columns get fake values (never real ones), text that is different on every
row gets generated labels (learning it would copy it), constant and all-null columns are written
as they are, types SDV cannot model are left null.
"""

from __future__ import annotations

import numbers
import re
from dataclasses import dataclass, replace

import pandas as pd

from nex_assets.datasets.logic.profiling import NUMERIC_TYPES, TEMPORAL_TYPES

MODEL = "model"  # learnt by SDV
KEY = "key"  # the primary key: new unique identifiers from the values' pattern
IDENTIFIER = "identifier"  # an identifier column that is not the key: new identifiers
FAKE = "fake"  # sensitive: Faker values screened against the real ones
GENERATED = "generated"  # high-cardinality text: generated labels
CONSTANT = "constant"  # one value only
NULL = "null"  # all null, or a type SDV cannot model

SDV_TREATMENTS = frozenset({MODEL, KEY, IDENTIFIER})
_SIMPLE_TYPES = NUMERIC_TYPES | TEMPORAL_TYPES | {"text", "boolean"}
_ID_PATTERN = re.compile(r"^([A-Za-z_-]*)(\d+)$")


@dataclass(frozen=True)
class ColumnPlan:
    name: str
    pg_type: str
    treatment: str
    sdtype: str | None = None
    reason: str = ""
    personal_kind: str | None = None
    regex: str | None = None
    datetime_format: str | None = None
    # A yes/no column stored as something other than booleans (0/1, yes/no, Y/N): its (no, yes)
    # values, so SDV learns booleans and the copy is written back in the table's own spelling.
    flag_values: tuple | None = None


@dataclass(frozen=True)
class ColumnInfo:
    """What the profile knows about a column (``nex.column_profiles``)."""

    pg_type: str
    inferred_type: str
    sensitive: bool = False
    personal_kind: str | None = None
    semantic: str | None = None  # the profile's semantic type (datasets/logic/semantics.py)


_TRUE = {"1", "1.0", "yes", "y", "true", "t"}
_FALSE = {"0", "0.0", "no", "n", "false", "f"}


def is_yes(value) -> bool:
    """Whether a value of a yes/no column (1, 1.0, "yes", "Y", "true", ...) says yes."""
    return str(value).strip().lower() in _TRUE


def flag_values(series: pd.Series) -> tuple | None:
    """The (no, yes) values of a yes/no column that is not stored as booleans; None for real
    booleans and for columns whose values are not one of the usual pairs."""
    values = list(pd.unique(series.dropna()))
    if not values or all(isinstance(v, bool) for v in values) or len(values) > 2:
        return None
    text = {str(v).strip().lower(): v for v in values}
    if not set(text) <= _TRUE | _FALSE:
        return None
    no = next((v for k, v in text.items() if k in _FALSE), None)
    yes = next((v for k, v in text.items() if k in _TRUE), None)
    # A column holding only one of the two values still needs the other to write it back.
    if no is None:
        no = type(yes)(0) if isinstance(yes, numbers.Number) else _opposite(str(yes))
    if yes is None:
        yes = type(no)(1) if isinstance(no, numbers.Number) else _opposite(str(no))
    return (no, yes)


def _opposite(word: str) -> str:
    pairs = {"yes": "no", "y": "n", "true": "false", "t": "f"}
    pairs |= {v: k for k, v in pairs.items()}
    found = pairs.get(word.lower(), "")
    return found.upper() if word.isupper() else found.capitalize() if word[:1].isupper() else found


def id_regex(values: pd.Series) -> str | None:
    """``S0001, S0002`` -> ``S[0-9]{4}``; ``1 .. 9961`` -> ``[1-9][0-9]{4}``: new keys keep the shape of
    the real ones, with room for a fresh identifier per row. None when the values share no
    prefix-and-digits shape."""
    text = values.dropna().astype(str)
    if text.empty:
        return None
    room = len(str(2 * len(values)))
    if text.str.fullmatch(r"\d+").all():
        return f"[1-9][0-9]{{{max(room, text.str.len().max()) - 1}}}"
    matches = text.str.extract(_ID_PATTERN)
    if matches.isna().any().any():
        return None
    prefixes, digits = set(matches[0]), set(matches[1].str.len())
    if len(prefixes) != 1 or len(digits) != 1:
        return None
    return re.escape(prefixes.pop()) + f"[0-9]{{{max(room, digits.pop())}}}"


def _sdtype(info: ColumnInfo, series: pd.Series) -> str:
    flag = info.semantic == "flag" or info.pg_type == "boolean" or info.inferred_type == "boolean"
    if flag and series.dropna().nunique() <= 2 and (info.pg_type == "boolean" or flag_values(series)):
        return "boolean"
    if info.pg_type in TEMPORAL_TYPES:
        return "datetime"
    # A code stored as a number (a state, a zip code) is a label: learning it as a number would
    # invent codes between the real ones.
    if info.semantic in ("identifier", "category", "flag"):
        return "categorical"
    if info.pg_type in NUMERIC_TYPES and info.inferred_type != "categorical":
        return "numerical"
    return "categorical"


def datetime_format(pg_type: str) -> str:
    return "%Y-%m-%d" if pg_type == "date" else "%Y-%m-%d %H:%M:%S"


def plan_table(
    frame: pd.DataFrame,
    columns: dict[str, ColumnInfo],
    primary_key: list[str],
    *,
    high_cardinality_share: float,
) -> list[ColumnPlan]:
    """One plan per column, in the table's order."""
    plans = []
    single_key = primary_key[0] if len(primary_key) == 1 else None
    for name in frame.columns:
        info = columns[name]
        series = frame[name]
        non_null = series.dropna()
        distinct = non_null.astype(str).nunique()
        if info.sensitive and info.pg_type not in _SIMPLE_TYPES:
            plans.append(
                ColumnPlan(
                    name, info.pg_type, NULL, reason=f"sensitive, of type {info.pg_type}: written as null"
                )
            )
        elif info.sensitive:
            kind = info.personal_kind or ("date" if info.pg_type in TEMPORAL_TYPES else None)
            source = f"detected {info.personal_kind}" if info.personal_kind else "declared"
            plans.append(
                ColumnPlan(
                    name,
                    info.pg_type,
                    FAKE,
                    personal_kind=kind,
                    reason=f"sensitive ({source}): fake values, none equal to a real one",
                )
            )
        elif info.pg_type not in _SIMPLE_TYPES:
            plans.append(
                ColumnPlan(name, info.pg_type, NULL, reason=f"type {info.pg_type} is not modelled: null")
            )
        elif non_null.empty:
            plans.append(ColumnPlan(name, info.pg_type, NULL, reason="every value is null: written as null"))
        elif name == single_key:
            plans.append(
                ColumnPlan(
                    name,
                    info.pg_type,
                    KEY,
                    sdtype="id",
                    regex=id_regex(series),
                    reason="primary key: new unique identifiers of the same shape",
                )
            )
        elif distinct == 1 and len(non_null) == len(series):
            plans.append(
                ColumnPlan(name, info.pg_type, CONSTANT, reason="one value on every row: kept as is")
            )
        elif info.inferred_type == "identifier":
            plans.append(
                ColumnPlan(
                    name,
                    info.pg_type,
                    IDENTIFIER,
                    sdtype="id",
                    regex=id_regex(series),
                    reason="identifier: new identifiers of the same shape, real ones never reused",
                )
            )
        elif (
            info.pg_type == "text"
            and len(non_null) > 1
            and distinct / len(non_null) >= high_cardinality_share
        ):
            plans.append(
                ColumnPlan(
                    name,
                    info.pg_type,
                    GENERATED,
                    reason=f"text with {distinct} distinct values in {len(non_null)} rows: "
                    "generated labels (learning it would copy it)",
                )
            )
        else:
            sdtype = _sdtype(info, series)
            pair = flag_values(series) if sdtype == "boolean" else None
            plans.append(
                ColumnPlan(
                    name,
                    info.pg_type,
                    MODEL,
                    sdtype=sdtype,
                    datetime_format=datetime_format(info.pg_type) if sdtype == "datetime" else None,
                    reason=f"learnt as {sdtype}"
                    + (f" ({pair[0]!r}/{pair[1]!r} read as no/yes)" if pair else ""),
                    flag_values=pair,
                )
            )
    if primary_key and not single_key:
        # SDV keys are single columns: a composite key's parts are learnt like any column.
        note = " (part of a composite key, whose uniqueness is not enforced)"
        plans = [
            replace(p, reason=p.reason + note) if p.name in primary_key and p.treatment == MODEL else p
            for p in plans
        ]
    return plans


def sdv_table(plans: list[ColumnPlan]) -> dict:
    """The SDV metadata of one table, for the columns SDV models."""
    columns = {}
    key = None
    for p in plans:
        if p.treatment not in SDV_TREATMENTS:
            continue
        spec: dict = {"sdtype": p.sdtype}
        if p.regex:
            spec["regex_format"] = p.regex
        if p.datetime_format:
            spec["datetime_format"] = p.datetime_format
        columns[p.name] = spec
        if p.treatment == KEY:
            key = p.name
    table: dict = {"columns": columns}
    if key:
        table["primary_key"] = key
    return table
