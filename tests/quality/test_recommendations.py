"""Recommendations phrased by the LLM resource (a real OpenAI-protocol server on loopback), and the
rule-based text when the endpoint fails."""

from __future__ import annotations

import json

from nex_assets.llm import LLMResource
from nex_assets.quality.logic.score import Outcome, QualitySettings, score
from nex_assets.quality.logic.suite import parse_suite
from nex_assets.quality.report import recommendations
from tests.llm_server import TEST_MODEL, Reply


def _failing():
    suite = parse_suite(
        {
            "name": "shop",
            "expectations": [
                {
                    "type": "expect_column_values_to_be_in_set",
                    "kwargs": {"column": "segment", "value_set": ["a"]},
                },
                {"type": "expect_column_values_to_match_regex", "kwargs": {"column": "email", "regex": "@"}},
            ],
        },
        dataset="shop",
        file="expectations/shop.json",
    )
    outcomes = [
        Outcome(suite.expectations[0], False, element_count=50, unexpected_count=2, examples=("vip",)),
        Outcome(suite.expectations[1], False, element_count=50, unexpected_count=1, examples=("aaaa.aaaa",)),
    ]
    settings = QualitySettings()
    return outcomes, score(outcomes, settings, None), settings


def test_the_llm_phrases_recommendations_from_masked_facts(llm_env, database):
    outcomes, card, settings = _failing()
    llm_env.enqueue(
        Reply.json(
            {"recommendations": [{"column": "segment", "text": "Two customers have segment 'vip'; map it."}]}
        )
    )
    recs, usage = recommendations(
        "shop", "expectations/shop.json", outcomes, card, settings, LLMResource(), database
    )
    by_column = {r["column"]: r for r in recs}
    assert by_column["segment"]["text"] == "Two customers have segment 'vip'; map it."
    assert by_column["segment"]["writer"] == TEST_MODEL
    assert by_column["email"]["writer"] == "rule-based"
    assert usage["llm/calls"] >= 1
    prompt = json.dumps(llm_env.chat_requests[-1])
    assert "aaaa.aaaa" in prompt and "segment" in prompt


def test_a_failing_endpoint_leaves_the_rule_based_text(llm_env, database):
    outcomes, card, settings = _failing()
    llm_env.enqueue(*[Reply.error(500)] * 10)
    recs, _ = recommendations(
        "shop",
        "expectations/shop.json",
        outcomes,
        card,
        settings,
        LLMResource(max_attempts=2, backoff_base_s=0.01, use_cache=False),
        database,
    )
    assert recs and all(r["writer"] == "rule-based" for r in recs)
    assert "expectations/shop.json" in recs[0]["text"]
