"""Deciding what a column is from its statistics; the statistics themselves come from SQL."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass

NUMERIC_TYPES = {"bigint", "integer", "smallint", "double precision", "real", "numeric"}
TEMPORAL_TYPES = {
    "date",
    "timestamp without time zone",
    "timestamp with time zone",
    "timestamp",
    "timestamptz",
}
ID_SUFFIXES = ("_id", "_key", "_code", "_uuid", "sku")

# Judgement calls, kept together so they can be tuned in one place.
CATEGORICAL_MAX_DISTINCT = 50
CATEGORICAL_MAX_SHARE = 0.05
FREE_TEXT_MIN_AVG_LEN = 25
IQR_FENCE = 1.5


@dataclass(frozen=True)
class ColumnFacts:
    name: str
    pg_type: str
    rows: int
    nulls: int
    distinct: int
    avg_length: float | None = None
    is_key: bool = False


def inferred_type(f: ColumnFacts) -> str:
    """One of numeric, categorical, boolean, datetime, identifier, free_text."""
    non_null = f.rows - f.nulls
    unique_share = f.distinct / non_null if non_null else 0.0
    looks_like_id = f.name.endswith(ID_SUFFIXES) or f.name in {"id", "uuid"}
    if f.pg_type == "boolean":
        return "boolean"
    if f.pg_type in TEMPORAL_TYPES:
        return "datetime"
    if f.is_key or (looks_like_id and unique_share > 0.5) or f.pg_type == "uuid":
        return "identifier"
    if f.pg_type in NUMERIC_TYPES:
        if looks_like_id and f.distinct > CATEGORICAL_MAX_DISTINCT:
            return "identifier"
        if f.distinct <= 2 and non_null > 10:
            return "boolean"
        return "numeric"
    if looks_like_id and f.distinct > CATEGORICAL_MAX_DISTINCT:
        return "identifier"
    if f.distinct <= CATEGORICAL_MAX_DISTINCT or unique_share <= CATEGORICAL_MAX_SHARE:
        return "categorical"
    if (f.avg_length or 0) >= FREE_TEXT_MIN_AVG_LEN:
        return "free_text"
    if unique_share > 0.95:
        return "identifier"
    return "categorical" if unique_share < 0.5 else "free_text"


def iqr_fences(q1: float | None, q3: float | None) -> tuple[float, float] | None:
    if q1 is None or q3 is None:
        return None
    iqr = q3 - q1
    return q1 - IQR_FENCE * iqr, q3 + IQR_FENCE * iqr


def clean_number(value: object) -> object:
    """JSON-safe numbers: NaN and infinities become None, decimals become floats."""
    if value is None:
        return None
    if isinstance(value, bool | int | str):
        return value
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    return None if math.isnan(x) or math.isinf(x) else x


def profile_hash(entry: dict) -> str:
    """Hash of what a description depends on; sample values are left out on purpose so that a
    reload with the same distribution does not make every dictionary entry stale."""
    stable = {k: entry.get(k) for k in ("pg_type", "inferred_type", "sensitive")}
    stats = entry.get("stats", {})
    for k in ("min", "max", "mean", "std", "q50"):
        v = stats.get(k)
        stable[k] = round(v, 2) if isinstance(v, float) else v
    stable["null_share"] = round(entry.get("null_share", 0.0), 2)
    stable["top"] = [t["value"] for t in stats.get("top_values", [])[:5]]
    return hashlib.sha256(json.dumps(stable, sort_keys=True, default=str).encode()).hexdigest()[:16]
