"""Evaluation packs: thresholds, slices, champion comparisons and ground-truth-only criteria."""

from __future__ import annotations

import pytest

from nex_assets.ml.logic.packs import Metrics, Pack, PackError, judge, load_pack
from tests.core.helpers import ROOT


def pack(*criteria) -> Pack:
    return Pack.model_validate({"name": "p", "criteria": list(criteria)})


def test_project_packs_load_with_stable_versions():
    for path in (ROOT / "evaluation_packs").glob("*.yaml"):
        loaded = load_pack(path.parent, path.stem)
        assert loaded.version == load_pack(path.parent, path.stem).version


def test_threshold_passes_and_fails():
    p = pack({"name": "good", "metric": "spearman", "min": 0.6})
    assert judge(p, Metrics({"spearman": 0.7}, {}), None)[0].passed
    failed = judge(p, Metrics({"spearman": 0.5}, {}), None)[0]
    assert not failed.passed and "misses >= 0.6" in failed.reason


def test_missing_or_nan_metric_fails():
    p = pack({"name": "good", "metric": "spearman", "min": 0.6})
    assert not judge(p, Metrics({}, {}), None)[0].passed
    assert not judge(p, Metrics({"spearman": float("nan")}, {}), None)[0].passed


def test_slice_threshold_names_the_failing_slices():
    p = pack({"name": "each", "metric": "e", "slice": "category", "max": -0.05})
    measured = Metrics({}, {"category": {"snacks": {"e": -2.0}, "tea": {"e": 0.1}}})
    (outcome,) = judge(p, measured, None)
    assert not outcome.passed and "tea (0.1)" in outcome.reason and "snacks" not in outcome.reason


def test_champion_comparison():
    p = pack({"name": "better", "metric": "smape", "champion": "lower", "min_improvement": -0.01})
    assert judge(p, Metrics({"smape": 0.2}, {}), None)[0].skipped
    assert judge(p, Metrics({"smape": 0.205}, {}), Metrics({"smape": 0.2}, {}))[0].passed
    assert not judge(p, Metrics({"smape": 0.25}, {}), Metrics({"smape": 0.2}, {}))[0].passed


def test_ground_truth_criteria_skip_without_truth():
    p = pack({"name": "truth", "metric": "err", "max": 0.15, "requires_ground_truth": True})
    skipped = (
        judge(p, Metrics({}, {}, has_ground_truth=False))[0] if False else judge(p, Metrics({}, {}), None)[0]
    )
    assert skipped.skipped and skipped.passed
    assert not judge(p, Metrics({"err": 0.2}, {}, has_ground_truth=True), None)[0].passed


def test_a_criterion_needs_exactly_one_test():
    with pytest.raises(ValueError, match="exactly one"):
        pack({"name": "x", "metric": "m"})
    with pytest.raises(ValueError, match="exactly one"):
        pack({"name": "x", "metric": "m", "min": 1, "champion": "higher"})


def test_unknown_pack_lists_the_known_ones(tmp_path):
    (tmp_path / "a.yaml").write_text("name: a\ncriteria: [{name: c, metric: m, min: 0}]\n")
    with pytest.raises(PackError, match="known packs: a"):
        load_pack(tmp_path, "b")


def test_slices_too_small_to_judge_are_skipped_and_named():
    p = pack({"name": "each", "metric": "e", "slice": "*", "min": 0.0})
    measured = Metrics(
        {},
        {
            "union": {"yes": {"e": -0.4, "rows": 5.0}, "no": {"e": 0.2, "rows": 120.0}},
            "region": {"north": {"e": -0.9, "rows": 4.0}, "south": {"e": -0.8, "rows": 6.0}},
        },
    )
    by_slice = {o.slice: o for o in judge(p, measured, None)}
    # The 5-row slice misses the bound, but 5 rows cannot tell: the criterion passes and says why.
    assert by_slice["union"].passed and not by_slice["union"].skipped
    assert (
        "yes (5 rows)" in by_slice["union"].reason and "all 1 `union` slices meet" in by_slice["union"].reason
    )
    assert by_slice["region"].skipped and by_slice["region"].passed
    assert "north (4 rows), south (6 rows)" in by_slice["region"].reason
    # A large slice that misses still fails, and a criterion may ask for fewer rows.
    measured.slices["union"]["no"]["e"] = -0.3
    assert not {o.slice: o for o in judge(p, measured, None)}["union"].passed
    small = pack({"name": "each", "metric": "e", "slice": "region", "min": 0.0, "min_rows": 3})
    assert not judge(small, measured, None)[0].passed
