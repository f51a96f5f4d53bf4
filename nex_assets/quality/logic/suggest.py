"""A suggested suite from a dataset's column profile, for a person to review before adopting it.

Every rule describes what the profiled data looked like; the observed ranges in particular are a
starting point, not the plausible range, so they are suggested as warnings and say so in their
``meta.note``. Sensitive columns never get value lists (their profile holds only shapes).
"""

from __future__ import annotations

import re
from typing import Any

from nex_assets.quality.logic.suite import parse_suite

EMAIL_REGEX = r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"
# How many values a categorical column may have for its full set to be suggested (the profile keeps
# that many top values).
MAX_SET = 5
_SHAPE_CLASSES = {"A": "[A-Z]", "a": "[a-z]", "9": "[0-9]"}


def shape_regex(compact: str) -> str:
    """``A9+`` (a compact shape from the profile) -> ``^[A-Z][0-9]+$``."""
    out = []
    for ch in compact:
        if ch == "+" and out:
            out.append("+")
        elif ch in _SHAPE_CLASSES:
            out.append(_SHAPE_CLASSES[ch])
        else:
            out.append(re.escape(ch))
    return "^" + "".join(out) + "$"


def _gx_type(pg_type: str) -> list[str]:
    name = pg_type.upper()
    return sorted({name, name.replace(" ", "_")})


def _exp(type_: str, severity: str, note: str, **kwargs) -> dict[str, Any]:
    return {"type": type_, "kwargs": kwargs, "meta": {"severity": severity, "note": note}}


def _column_rules(entry: dict, primary_key: list[str]) -> list[dict]:
    name, stats = entry["column_name"], entry.get("stats") or {}
    pg_type, kind = entry["pg_type"], entry["inferred_type"]
    rules = [
        _exp(
            "expect_column_values_to_be_in_type_list",
            "error",
            "loaded type",
            column=name,
            type_list=_gx_type(pg_type),
        )
    ]
    null_share = entry["null_share"]
    if null_share == 0:
        rules.append(_exp("expect_column_values_to_not_be_null", "error", "no nulls seen", column=name))
    else:
        mostly = max(0.0, round(1 - null_share * 1.5, 3))
        rules.append(
            _exp(
                "expect_column_values_to_not_be_null",
                "warn",
                f"{null_share:.1%} nulls seen",
                column=name,
                mostly=mostly,
            )
        )
    non_null = entry["row_count"] - round(entry["row_count"] * null_share)
    if primary_key == [name]:
        rules.append(_exp("expect_column_values_to_be_unique", "error", "the primary key", column=name))
    elif kind == "identifier" and entry["distinct_count"] == non_null and non_null > 0:
        rules.append(
            _exp("expect_column_values_to_be_unique", "warn", "every value was distinct", column=name)
        )
    if kind == "numeric" and stats.get("min") is not None and stats.get("max") is not None:
        rules.append(
            _exp(
                "expect_column_values_to_be_between",
                "warn",
                "observed range: widen it to the plausible range before adopting",
                column=name,
                min_value=stats["min"],
                max_value=stats["max"],
            )
        )
    top = stats.get("top_values") or []
    if (
        kind == "categorical"
        and not entry["sensitive"]
        and 0 < entry["distinct_count"] <= min(MAX_SET, len(top))
    ):
        rules.append(
            _exp(
                "expect_column_values_to_be_in_set",
                "error",
                "every value seen",
                column=name,
                value_set=sorted(t["value"] for t in top),
            )
        )
    if stats.get("personal_data") == "email":
        rules.append(
            _exp(
                "expect_column_values_to_match_regex", "error", "email format", column=name, regex=EMAIL_REGEX
            )
        )
    elif pg_type == "text" and kind in {"identifier", "categorical"}:
        shapes = stats.get("patterns") or []
        if len(shapes) == 1 and shapes[0]["share"] >= 1.0:
            rules.append(
                _exp(
                    "expect_column_values_to_match_regex",
                    "warn",
                    f"every sampled value had the shape {shapes[0]['pattern']}",
                    column=name,
                    regex=shape_regex(shapes[0]["pattern"]),
                )
            )
    return rules


def suggest_suite(dataset: str, entries: list[dict], primary_key: list[str], data_version: str) -> dict:
    """The suggested suite as a JSON-ready dict; it parses as a suite, so adopting it is a file move."""
    expectations = [
        _exp("expect_table_row_count_to_be_between", "error", "the table is not empty", min_value=1)
    ]
    if len(primary_key) > 1:
        expectations.append(
            {
                **_exp(
                    "expect_compound_columns_to_be_unique",
                    "error",
                    "the primary key",
                    column_list=primary_key,
                ),
                "meta": {"severity": "error", "note": "the primary key", "group": "primary_key"},
            }
        )
    for entry in sorted(entries, key=lambda e: e.get("ordinal", 0)):
        expectations += _column_rules(entry, primary_key)
    suite = {
        "name": dataset,
        "meta": {
            "notes": f"Suggested from the profile of data version {data_version}. Review every rule, "
            f"then move this file to expectations/{dataset}.json to adopt it.",
        },
        "expectations": expectations,
    }
    parse_suite(suite, dataset=dataset, file=f"suggested/{dataset}.json")
    return suite
