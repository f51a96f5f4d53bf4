"""Semantic types from what a profile knows: names, storage types, ranges and values."""

from __future__ import annotations

import pytest

from nex_assets.datasets.logic.semantics import ColumnEvidence, never_negative, semantic_type, summable


def col(name, pg_type="double precision", inferred="numeric", rows=100, distinct=50, lo=0.0, hi=10.0, **kw):
    return ColumnEvidence(name, pg_type, inferred, rows, distinct, lo, hi, **kw)


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        (col("year", "bigint", rows=1380, distinct=30, lo=63, hi=92, whole=True), "year"),
        (col("fiscal_year", "bigint", distinct=10, lo=2001, hi=2010, whole=True), "year"),
        (col("time", lo=1949.0, hi=1960.9167), "period"),
        (col("week_start", "date", "datetime"), "period"),
        (col("ordered", "text", "categorical", top_values=("2024-01-01", "2024-02-03")), "period"),
        (col("state", "bigint", rows=1380, distinct=46, lo=1, hi=51, whole=True), "identifier"),
        (col("rownames", "bigint", rows=546, distinct=546, lo=1, hi=546, whole=True), "identifier"),
        (col("distcod", "bigint", rows=420, distinct=420, lo=61382, hi=75440, whole=True), "identifier"),
        (col("customer_id", "text", "identifier", distinct=100), "identifier"),
        (col("airco", "text", "categorical", distinct=2, top_values=("no", "yes")), "flag"),
        (col("promo", "bigint", distinct=2, lo=0, hi=1, whole=True, top_values=("0", "1")), "flag"),
        (col("active", "boolean", "boolean", distinct=2), "flag"),
        (col("price", lo=10.0, hi=80.0), "amount"),
        (col("bedrooms", "bigint", distinct=6, lo=1, hi=6, whole=True), "count"),
        (col("conversion_rate", lo=0.01, hi=0.4), "share"),
        (col("ped", lo=0.08, hi=2.4), "measure"),
        (col("species", "text", "categorical", distinct=3, top_values=("setosa", "virginica")), "category"),
        (col("notes", "text", "free_text", distinct=100), "free_text"),
        (col("email", "text", "categorical", sensitive=True), "personal"),
    ],
)
def test_semantic_type(evidence, expected):
    assert semantic_type(evidence) == expected


def test_a_code_suffix_needs_whole_numbers_unique_per_row():
    # "paid" ends like an id; a column of repeated amounts is not a code.
    assert (
        semantic_type(col("paid", "bigint", rows=100, distinct=20, lo=0, hi=500, whole=True)) != "identifier"
    )


def test_what_may_be_summed_and_what_is_never_negative():
    assert summable("amount") and not summable("identifier") and not summable("year")
    assert never_negative("price", "amount") and not never_negative("profit", "amount")
    assert never_negative("visits", "count") and not never_negative("temperature", "measure")
