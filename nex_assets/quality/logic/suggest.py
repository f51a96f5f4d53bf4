"""Suites drafted from a dataset's column profile.

- ``suggest_suite``: a suggestion for a person to review before adopting it (``nex quality
  suggest``). Every rule describes what the profiled data looked like; the observed ranges in
  particular are a starting point, not the plausible range, so they are warnings and say so.
- ``auto_suite``: the automatic suite of a dataset nobody wrote one for. Every rule warns and
  never blocks; ranges get slack; what a column means (its semantic type) adds sign and domain
  rules that the data as it is cannot teach (counts, amounts and ages are not negative, shares lie
  in [0, 1], years are plausible); the rules discovered across columns are appended by the caller.

Sensitive columns never get value lists (their profile holds only shapes).
"""

from __future__ import annotations

import re
from typing import Any

from nex_assets.datasets.logic.semantics import name_words, never_negative
from nex_assets.quality.logic.suite import parse_suite

EMAIL_REGEX = r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"
# How many values a categorical column may have for its full set to be suggested (the profile keeps
# that many top values).
MAX_SET = 5
AUTO_GROUP = "auto"
DISCOVERED_GROUP = "discovered"
# Slack around an observed range in an automatic suite, as a share of the range's width.
RANGE_SLACK = 0.1
AGE_WORDS = {"age", "aged", "age_years"}
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


def _domain_rules(entry: dict) -> list[dict]:
    """Rules from what a column means, not from what it holds."""
    name, stats = entry["column_name"], entry.get("stats") or {}
    semantic = stats.get("semantic_type")
    hi = stats.get("max")
    if semantic == "year":
        low, high = (1800, 2200) if (stats.get("min") or 0) >= 100 else (0, 99)
        return [
            _exp(
                "expect_column_values_to_be_between",
                "warn",
                "a plausible year",
                column=name,
                min_value=low,
                max_value=high,
            )
        ]
    if semantic == "share":
        top = 1 if hi is None or hi <= 1 else 100
        return [
            _exp(
                "expect_column_values_to_be_between",
                "warn",
                f"a share or rate lies in [0, {top}]",
                column=name,
                min_value=0,
                max_value=top,
            )
        ]
    if name_words(name) & AGE_WORDS and semantic in ("count", "measure", "amount"):
        return [
            _exp(
                "expect_column_values_to_be_between",
                "warn",
                "an age lies in [0, 130]",
                column=name,
                min_value=0,
                max_value=130,
            )
        ]
    if semantic and never_negative(name, semantic):
        return [
            _exp(
                "expect_column_values_to_be_between",
                "warn",
                f"{'an' if semantic[0] in 'aeiou' else 'a'} {semantic} cannot be negative",
                column=name,
                min_value=0,
            )
        ]
    return []


def _with_slack(rule: dict, entry: dict) -> dict:
    """An observed range widened by ``RANGE_SLACK`` of its width each way (not below zero for a
    column that cannot be negative): new data may go a little further than the first load did."""
    low, high = rule["kwargs"]["min_value"], rule["kwargs"]["max_value"]
    slack = (high - low) * RANGE_SLACK or abs(high) * RANGE_SLACK
    semantic = (entry.get("stats") or {}).get("semantic_type")
    new_low = low - slack
    if semantic and never_negative(entry["column_name"], semantic) and low >= 0:
        new_low = max(0.0, new_low)
    kwargs = {**rule["kwargs"], "min_value": round(new_low, 6), "max_value": round(high + slack, 6)}
    note = f"observed range [{low:g}, {high:g}] with {RANGE_SLACK:.0%} slack"
    return {**rule, "kwargs": kwargs, "meta": {**rule["meta"], "note": note}}


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


def auto_suite(
    dataset: str,
    entries: list[dict],
    primary_key: list[str],
    data_version: str,
    discovered: list[dict],
) -> dict:
    """The automatic suite: every rule a warning in group ``auto`` (the discovered ones in group
    ``discovered``), ranges with slack, domain rules from semantic types."""
    expectations = [
        _exp("expect_table_row_count_to_be_between", "warn", "the table is not empty", min_value=1)
    ]
    if len(primary_key) > 1:
        expectations.append(
            _exp("expect_compound_columns_to_be_unique", "warn", "the primary key", column_list=primary_key)
        )
    for entry in sorted(entries, key=lambda e: e.get("ordinal", 0)):
        semantic = (entry.get("stats") or {}).get("semantic_type")
        for rule in _column_rules(entry, primary_key):
            if rule["type"] == "expect_column_values_to_be_between":
                if semantic in ("identifier", "year", "flag"):
                    continue  # a code's or a year's range says nothing; domain rules cover years
                rule = _with_slack(rule, entry)
            expectations.append(rule)
        expectations += _domain_rules(entry)
    for rule in expectations:
        rule["meta"] = {**rule["meta"], "severity": "warn", "group": AUTO_GROUP}
    expectations += discovered
    suite = {
        "name": dataset,
        "meta": {
            "notes": f"Built automatically from the first profile of {dataset} (data version "
            f"{data_version}): every rule warns and blocks nothing. Review it, then run "
            f"`nex quality accept {dataset}` to adopt it as expectations/{dataset}.json.",
            "automatic": {"data_version": data_version},
        },
        "expectations": expectations,
    }
    parse_suite(suite, dataset=dataset, file=f"auto/{dataset}.json")
    return suite
