"""The score: per expectation, per dimension, overall; timeliness; settings and their overrides."""

from __future__ import annotations

import pytest

from nex_assets.core import settings
from nex_assets.quality.logic.recommend import (
    PhrasedRecommendations,
    apply_phrasing,
    llm_messages,
    rule_based,
)
from nex_assets.quality.logic.score import (
    Outcome,
    score,
    timeliness_score,
)
from nex_assets.quality.logic.settings import QualitySettings, dataset_settings
from nex_assets.quality.logic.suite import parse_suite
from tests.core.helpers import ROOT


def _suite():
    return parse_suite(
        {
            "name": "shop",
            "expectations": [
                {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "email"}},
                {
                    "type": "expect_column_values_to_be_in_set",
                    "kwargs": {"column": "segment", "value_set": ["a"]},
                },
                {
                    "type": "expect_column_values_to_match_regex",
                    "kwargs": {"column": "email", "regex": "@"},
                    "meta": {"severity": "warn"},
                },
                {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}},
            ],
        },
        dataset="shop",
        file="shop.json",
    )


def test_clean_results_score_100_and_only_applicable_dimensions_count():
    exps = _suite().expectations
    outcomes = [Outcome(e, True, element_count=100, unexpected_count=0) for e in exps[:3]] + [
        Outcome(exps[3], True)
    ]
    card = score(outcomes, QualitySettings(), timeliness=None)
    assert card.score == 100.0 and card.checks_passed
    assert card.dimensions["completeness"] == 100.0 and card.dimensions["validity"] == 100.0
    assert card.dimensions["accuracy"] is None and card.dimensions["timeliness"] is None


def test_a_failure_lowers_its_own_dimension_and_is_capped():
    exps = _suite().expectations
    outcomes = [
        Outcome(exps[0], True, element_count=100, unexpected_count=0),
        Outcome(exps[1], False, element_count=100, unexpected_count=1, examples=("z",)),
        Outcome(exps[2], True, element_count=100, unexpected_count=0),
        Outcome(exps[3], True),
    ]
    settings = QualitySettings()
    card = score(outcomes, settings, timeliness=100.0)
    assert card.dimensions["completeness"] == 100.0
    # validity: segment (error, weight 1) breaks on 1% of rows: it costs 1% x 10; the email regex
    # (warn, weight 0.5) scores 1.
    assert card.dimensions["validity"] == pytest.approx(100 * (0.9 + 0.5) / 1.5, abs=0.01)
    assert not card.checks_passed and card.failed == 1 and card.failed_errors == 1
    assert card.columns["segment"] == 90.0 and card.columns["email"] == 100.0
    w = settings.weights
    expected = (
        w["completeness"] * 100 + w["validity"] * card.dimensions["validity"] + w["timeliness"] * 100
    ) / (w["completeness"] + w["validity"] + w["timeliness"])
    assert card.score == pytest.approx(expected, abs=0.01)


def test_errors_score_zero_and_warnings_do_not_fail_the_checks():
    exps = _suite().expectations
    card = score(
        [Outcome(exps[0], False, error="column email does not exist"), Outcome(exps[2], False, 10, 5)],
        QualitySettings(),
        None,
    )
    # A warning broken by half the rows costs all of it (0.5 x 5, at most 1).
    assert card.dimensions["completeness"] == 0.0 and card.dimensions["validity"] == 0.0
    warn_only = score([Outcome(exps[2], False, 10, 5)], QualitySettings(), None)
    assert warn_only.checks_passed


def test_a_failed_rule_costs_in_proportion_to_the_rows_it_breaks_and_its_severity():
    exps = _suite().expectations
    rule = exps[1]  # an error-severity rule with a row count

    def one(bad: int, rows: int) -> float:
        return score([Outcome(rule, bad == 0, rows, bad)], QualitySettings(), None).score

    # Two bad rows in 53,940 cost the floor; thirteen in sixty cost the whole rule.
    assert one(2, 53_940) == pytest.approx(98.0)
    assert one(13, 60) == 0.0
    assert one(0, 60) == 100.0 and one(1, 60) < one(1, 200) < one(1, 400) < 100.0
    warn = exps[2]
    assert score([Outcome(warn, False, 100, 4)], QualitySettings(), None).score == pytest.approx(80.0)


def test_timeliness_falls_linearly_after_the_window():
    assert timeliness_score(None, 36, 2.0) is None
    assert timeliness_score(10, 36, 2.0) == 100.0
    assert timeliness_score(54, 36, 2.0) == pytest.approx(50.0)
    assert timeliness_score(100, 36, 2.0) == 0.0


def test_settings_from_the_project_and_a_dataset_override(tmp_path):
    project = settings.load(QualitySettings, ROOT / "config" / "quality.yaml")
    assert set(project.weights) == {
        "completeness",
        "consistency",
        "accuracy",
        "validity",
        "uniqueness",
        "timeliness",
    }
    merged = dataset_settings(project, {"weights": {"timeliness": 0}}, "shop.yaml")
    assert (
        merged.weights["timeliness"] == 0
        and merged.weights["completeness"] == project.weights["completeness"]
    )
    with pytest.raises(ValueError, match=r"shop.yaml: quality.weights: .*unknown dimension"):
        dataset_settings(project, {"weights": {"beauty": 1}}, "shop.yaml")
    bad = tmp_path / "quality.yaml"
    bad.write_text("failed: {min_cost: 3}\n")
    with pytest.raises(ValueError, match=r"quality\.yaml"):
        settings.load(QualitySettings, bad)


def test_recommendations_name_the_worst_columns_and_keep_rule_text_when_the_llm_skips_one():
    exps = _suite().expectations
    outcomes = [
        Outcome(exps[0], False, element_count=100, unexpected_count=7),
        Outcome(exps[1], False, element_count=100, unexpected_count=1, examples=("zz",)),
        Outcome(exps[2], True, element_count=100, unexpected_count=0),
        Outcome(exps[3], True),
    ]
    settings = QualitySettings()
    recs = rule_based(outcomes, score(outcomes, settings, None), settings, "shop.json")
    # 7% of emails missing (an error rule) weighs more than 1% of segments outside the set.
    assert [r["column"] for r in recs] == ["email", "segment"]
    assert "1 rows fail column_values_to_be_in_set(segment) (1.0% of rows); e.g. zz" in recs[1]["text"]
    assert "shop.json" in recs[1]["text"] and all(r["writer"] == "rule-based" for r in recs)
    assert "segment" in llm_messages("shop", recs)[1]["content"]
    phrased = PhrasedRecommendations.model_validate(
        {"recommendations": [{"column": "email", "text": "Fill in the 7 missing emails."}]}
    )
    out = apply_phrasing(recs, phrased, "gpt-test")
    assert out[0]["text"] == "Fill in the 7 missing emails." and out[0]["writer"] == "gpt-test"
    assert out[1] == recs[1]
