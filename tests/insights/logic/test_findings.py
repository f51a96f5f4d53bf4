"""Insight facts and the check that keeps an LLM to the numbers it was given."""

from __future__ import annotations

import pytest

from nex_assets.insights.logic import findings as I


def test_trend_compares_the_first_and_last_quarter():
    series = [(f"2024-{m:02d}-01", float(v)) for m, v in enumerate([10, 10, 11, 12, 13, 14, 15, 16], start=1)]
    fact = I.trend("revenue", series, min_periods=8, min_change=0.05, how="total", unit="GBP")
    assert fact.values["change"] == 0.55 and fact.values["peak_period"] == "2024-08-01"
    assert "rose 55.0%" in I.phrase(fact)
    assert I.trend("revenue", series[:4], min_periods=8, min_change=0.05, how="total") is None
    flat = [(p, 10.0) for p, _ in series]
    assert I.trend("revenue", flat, min_periods=8, min_change=0.05, how="total") is None


def test_anomalies_and_correlations_above_their_thresholds():
    assert I.anomaly("price", 0, 100, [1, 2], min_share=0.01) is None
    fact = I.anomaly("price", 5, 100, [1.0, 2.0], min_share=0.01)
    assert fact.values["share"] == 0.05 and "outside the IQR fences" in I.phrase(fact)
    found = I.correlations({("a", "b"): 0.95, ("a", "c"): -0.7, ("b", "c"): 0.2, ("c", "d"): None}, 0.6)
    assert [f.id for f in found] == ["corr.a~b", "corr.a~c"]
    recs = I.recommendations(found)
    assert len(recs) == 1 and recs[0].fact_ids == ["corr.a~b"]


def test_rule_based_statements_each_cite_their_fact():
    facts = [
        I.Fact("summary.table", "summary", "raw.s", {"rows": 1200, "columns": 8, "personal_columns": 0}),
        I.Fact("metric.price", "key metrics", "price", {"mean": 2.5, "total": None, "null_share": 0.1}),
    ]
    statements = I.rule_based(facts, max_statements=10)
    assert statements[0].text == "raw.s holds 1,200 rows in 8 columns."
    assert all(s.fact_ids for s in statements) and statements[-1].section == "recommendations"
    kept, dropped = I.verify(statements, facts)
    assert kept == statements and dropped == []


def test_verify_drops_statements_with_numbers_not_in_their_facts():
    facts = [
        I.Fact(
            "metric.revenue", "key metrics", "revenue", {"mean": 12.345, "total": 98765.4, "null_share": 0.1}
        )
    ]
    statements = [
        I.Statement(
            section="key metrics",
            text="Revenue averages 12.35 GBP, 98,765 in total.",
            fact_ids=["metric.revenue"],
        ),
        I.Statement(section="key metrics", text="10% of rows miss revenue.", fact_ids=["metric.revenue"]),
        I.Statement(section="key metrics", text="Revenue doubled to 200,000.", fact_ids=["metric.revenue"]),
        I.Statement(section="summary", text="Fine.", fact_ids=["unknown"]),
    ]
    kept, dropped = I.verify(statements, facts)
    assert [s.text for s in kept] == [statements[0].text, statements[1].text] and len(dropped) == 2


@pytest.mark.parametrize(
    ("column", "additive"),
    [
        ("wage", False),  # an hourly wage
        ("educ", False),  # years of schooling
        ("pop", False),  # a population counted each year
        ("packpc", False),  # packs per head
        ("cpi", False),
        ("sales", True),
        ("staff_costs", True),
    ],
)
def test_rates_durations_and_stocks_are_averaged_never_totalled(column, additive):
    from nex_assets.core import settings
    from nex_assets.dictionary.logic.settings import DictionarySettings
    from nex_assets.insights.facts import _additive

    words = settings.load(DictionarySettings).insights.non_additive_words
    profile = {"column_name": column, "stats": {"semantic_type": "amount"}, "pg_type": "double precision"}
    assert _additive(profile, None, words) is additive
