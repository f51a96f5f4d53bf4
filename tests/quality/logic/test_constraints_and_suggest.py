"""What synthetic data reads from the suites, and the suite suggested from a profile."""

from __future__ import annotations

from nex_assets.quality.logic.constraints import load_column_rules
from nex_assets.quality.logic.suggest import shape_regex, suggest_suite
from nex_assets.quality.logic.suite import parse_suite
from nex_assets.sample_world import CATEGORIES, SEGMENTS
from tests.core.helpers import ROOT


def test_column_rules_of_the_sample_world():
    products = load_column_rules("retail_products", ROOT / "expectations")
    assert sorted(products["category"].allowed_values) == sorted(CATEGORIES)
    assert products["base_price"].min_value == 0.01 and products["base_price"].max_value == 1000
    assert products["sku"].unique and products["sku"].not_null and products["sku"].regex
    customers = load_column_rules("retail_customers", ROOT / "expectations")
    assert sorted(customers["segment"].allowed_values) == sorted(SEGMENTS)
    # Warnings describe what is usual, not what is allowed: the phone format is not a constraint.
    assert "phone" not in customers
    assert load_column_rules("no_such_dataset", ROOT / "expectations") == {}


def test_shape_regex():
    assert shape_regex("A9+") == "^[A-Z][0-9]+$"
    assert shape_regex("+9 9+.a+") == r"^\+[0-9]\ [0-9]+\.[a-z]+$"


def _entry(name, pg_type, kind, *, nulls=0.0, distinct=100, stats=None, sensitive=False, ordinal=1):
    return {
        "column_name": name,
        "ordinal": ordinal,
        "pg_type": pg_type,
        "inferred_type": kind,
        "sensitive": sensitive,
        "row_count": 100,
        "null_share": nulls,
        "distinct_count": distinct,
        "stats": stats or {},
    }


def test_suggested_suite_from_a_profile():
    entries = [
        _entry("id", "text", "identifier", stats={"patterns": [{"pattern": "A9+", "share": 1.0}]}),
        _entry("price", "double precision", "numeric", nulls=0.1, stats={"min": 1.5, "max": 9.0}, ordinal=2),
        _entry(
            "segment",
            "text",
            "categorical",
            distinct=2,
            stats={"top_values": [{"value": "b", "share": 0.5}, {"value": "a", "share": 0.5}]},
            ordinal=3,
        ),
        _entry("email", "text", "identifier", stats={"personal_data": "email"}, sensitive=True, ordinal=4),
        _entry(
            "city",
            "text",
            "categorical",
            distinct=2,
            sensitive=True,
            ordinal=5,
            stats={"top_values": [{"value": "Aaaa", "share": 1.0}]},
        ),
    ]
    suite = suggest_suite("shop", entries, ["id"], "v1")
    parsed = parse_suite(suite, dataset="shop", file="suggested/shop.json")
    kinds = {(e.type, e.columns, e.severity) for e in parsed.expectations}
    assert ("expect_column_values_to_be_unique", ("id",), "error") in kinds
    assert ("expect_column_values_to_match_regex", ("id",), "warn") in kinds
    assert ("expect_column_values_to_be_between", ("price",), "warn") in kinds
    assert ("expect_column_values_to_not_be_null", ("price",), "warn") in kinds
    assert ("expect_column_values_to_be_in_set", ("segment",), "error") in kinds
    assert ("expect_column_values_to_match_regex", ("email",), "error") in kinds
    assert not any(e.type.endswith("in_set") and e.columns == ("city",) for e in parsed.expectations)
    in_set = next(e for e in parsed.expectations if e.type.endswith("in_set"))
    assert in_set.kwargs["value_set"] == ["a", "b"]
    nulls = next(e for e in parsed.expectations if e.type.endswith("not_be_null") and e.columns == ("price",))
    assert nulls.kwargs["mostly"] == 0.85
    assert "v1" in suite["meta"]["notes"]
