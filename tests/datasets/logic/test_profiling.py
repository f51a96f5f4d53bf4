"""What a column is, from its statistics; JSON-safe numbers; the profile hash."""

from __future__ import annotations

import copy
import math
from decimal import Decimal

import pytest

from nex_assets.datasets.logic.profiling import (
    ColumnFacts,
    clean_number,
    inferred_type,
    iqr_fences,
    profile_hash,
)


def facts(name="col", pg_type="text", rows=1000, nulls=0, distinct=10, avg_length=None, is_key=False):
    return ColumnFacts(name, pg_type, rows, nulls, distinct, avg_length, is_key)


# --- inferred_type -----------------------------------------------------------------------------


def test_boolean_type():
    assert inferred_type(facts(pg_type="boolean", distinct=2)) == "boolean"


@pytest.mark.parametrize(
    "pg_type", ["date", "timestamp", "timestamptz", "timestamp with time zone", "timestamp without time zone"]
)
def test_temporal_types_are_datetime(pg_type):
    assert inferred_type(facts(pg_type=pg_type, distinct=900)) == "datetime"


def test_datetime_wins_over_an_id_like_name():
    assert inferred_type(facts(name="event_id", pg_type="timestamptz", distinct=1000)) == "datetime"


def test_primary_key_is_an_identifier_even_when_numeric():
    assert inferred_type(facts(name="week", pg_type="bigint", distinct=3, is_key=True)) == "identifier"


@pytest.mark.parametrize("name", ["customer_id", "store_key", "postcode_code", "sku", "id", "uuid"])
def test_id_suffix_with_mostly_unique_values_is_an_identifier(name):
    assert inferred_type(facts(name=name, pg_type="text", distinct=800)) == "identifier"


def test_uuid_type_is_an_identifier():
    assert inferred_type(facts(name="ref", pg_type="uuid", distinct=3)) == "identifier"


def test_numeric_id_with_many_repeats_but_many_distinct_values_is_an_identifier():
    # A foreign key: 200 stores over 1000 rows is not unique, but still not a measure.
    assert inferred_type(facts(name="store_id", pg_type="bigint", distinct=200)) == "identifier"


def test_text_id_with_many_repeats_but_many_distinct_values_is_an_identifier():
    assert inferred_type(facts(name="sku", pg_type="text", distinct=200)) == "identifier"


def test_id_like_name_with_few_values_is_categorical():
    assert inferred_type(facts(name="region_code", pg_type="text", distinct=12)) == "categorical"


@pytest.mark.parametrize("pg_type", ["bigint", "integer", "double precision", "numeric", "real"])
def test_numbers_are_numeric(pg_type):
    assert inferred_type(facts(name="price", pg_type=pg_type, distinct=400)) == "numeric"


def test_numeric_with_two_values_is_boolean():
    assert inferred_type(facts(name="promo", pg_type="bigint", distinct=2)) == "boolean"


def test_numeric_with_two_values_but_few_rows_stays_numeric():
    assert inferred_type(facts(name="promo", pg_type="bigint", rows=12, nulls=4, distinct=2)) == "numeric"


def test_text_with_few_distinct_values_is_categorical():
    assert inferred_type(facts(name="city", distinct=40)) == "categorical"


def test_text_with_a_small_unique_share_is_categorical():
    # 300 distinct over 10,000 rows: more than 50 values, but each repeats a lot.
    assert inferred_type(facts(name="street", rows=10_000, distinct=300)) == "categorical"


def test_long_varied_text_is_free_text():
    assert inferred_type(facts(name="review", distinct=900, avg_length=120.0)) == "free_text"


def test_short_unique_text_is_an_identifier():
    assert inferred_type(facts(name="ref", distinct=990, avg_length=9.0)) == "identifier"


def test_short_moderately_varied_text_is_categorical():
    assert inferred_type(facts(name="street", distinct=400, avg_length=12.0)) == "categorical"


def test_short_mostly_varied_text_is_free_text():
    assert inferred_type(facts(name="note", distinct=800, avg_length=12.0)) == "free_text"


def test_all_null_column_does_not_divide_by_zero():
    assert inferred_type(facts(name="empty", rows=100, nulls=100, distinct=0)) == "categorical"


def test_amount_paid_is_numeric_not_an_identifier():
    assert inferred_type(facts(name="amount_paid", pg_type="double precision", distinct=800)) == "numeric"


# --- iqr_fences --------------------------------------------------------------------------------


def test_iqr_fences():
    assert iqr_fences(10.0, 20.0) == (-5.0, 35.0)


def test_iqr_fences_with_zero_spread():
    assert iqr_fences(3.0, 3.0) == (3.0, 3.0)


@pytest.mark.parametrize(("q1", "q3"), [(None, 1.0), (1.0, None), (None, None)])
def test_iqr_fences_need_both_quartiles(q1, q3):
    assert iqr_fences(q1, q3) is None


# --- clean_number ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), Decimal("NaN"), None])
def test_non_finite_numbers_become_none(value):
    assert clean_number(value) is None


def test_decimal_becomes_float():
    result = clean_number(Decimal("12.50"))
    assert isinstance(result, float)
    assert result == 12.5


@pytest.mark.parametrize("value", [True, 0, 7, 2**70, "text"])
def test_ints_bools_and_strings_pass_through(value):
    result = clean_number(value)
    assert result == value
    assert type(result) is type(value)


def test_finite_float_passes_through():
    assert clean_number(-0.25) == -0.25


def test_unconvertible_objects_become_strings():
    assert clean_number([1, 2]) == "[1, 2]"


# --- profile_hash ------------------------------------------------------------------------------

ENTRY = {
    "column_name": "price",
    "pg_type": "double precision",
    "inferred_type": "numeric",
    "sensitive": False,
    "row_count": 1000,
    "null_share": 0.01,
    "stats": {
        "min": 0.5,
        "max": 99.0,
        "mean": 12.3456,
        "std": 4.2,
        "q50": 10.0,
        "top_values": [{"value": "9.99", "share": 0.2}, {"value": "4.99", "share": 0.1}],
        "examples": ["9.99", "4.99", "1.00"],
    },
}


def changed(**stats) -> dict:
    entry = copy.deepcopy(ENTRY)
    entry["stats"].update(stats)
    return entry


def test_profile_hash_is_short_hex_and_deterministic():
    h = profile_hash(ENTRY)
    assert len(h) == 16
    int(h, 16)
    assert profile_hash(copy.deepcopy(ENTRY)) == h


def test_profile_hash_ignores_example_values():
    assert profile_hash(changed(examples=["1.23", "45.6", "7.89"])) == profile_hash(ENTRY)


def test_profile_hash_ignores_counts_shares_and_row_count():
    entry = changed(top_values=[{"value": "9.99", "share": 0.5}, {"value": "4.99", "share": 0.3}])
    entry["row_count"] = 5000
    assert profile_hash(entry) == profile_hash(ENTRY)


def test_profile_hash_ignores_changes_below_rounding():
    assert profile_hash(changed(mean=12.349)) == profile_hash(ENTRY)


@pytest.mark.parametrize(("key", "value"), [("min", 0.0), ("max", 150.0), ("mean", 20.0), ("q50", 11.0)])
def test_profile_hash_changes_with_statistics(key, value):
    assert profile_hash(changed(**{key: value})) != profile_hash(ENTRY)


@pytest.mark.parametrize(
    ("key", "value"), [("pg_type", "numeric"), ("inferred_type", "categorical"), ("sensitive", True)]
)
def test_profile_hash_changes_with_type_and_sensitivity(key, value):
    entry = copy.deepcopy(ENTRY)
    entry[key] = value
    assert profile_hash(entry) != profile_hash(ENTRY)


def test_profile_hash_changes_with_null_share_and_top_values():
    entry = copy.deepcopy(ENTRY)
    entry["null_share"] = 0.5
    assert profile_hash(entry) != profile_hash(ENTRY)
    assert profile_hash(changed(top_values=[{"value": "1.00", "share": 0.2}])) != profile_hash(ENTRY)


def test_profile_hash_handles_a_minimal_entry_and_non_json_values():
    from datetime import date

    h = profile_hash({"pg_type": "date", "stats": {"min": date(2024, 1, 1), "max": math.pi}})
    assert len(h) == 16
    assert h != profile_hash({"pg_type": "date", "stats": {"min": date(2024, 1, 2), "max": math.pi}})
