"""What a run computes: an asset's own reason, or an upstream asset recomputed in the same run."""

import pytest

from nex_assets.automation.logic.plan import ordered, plan

# raw -> profile -> synthetic ; raw -> mart -> model -> evaluation ; mart -> drift
PARENTS = {
    "raw": set(),
    "profile": {"raw"},
    "synthetic": {"profile"},
    "mart": {"raw"},
    "model": {"mart"},
    "evaluation": {"model"},
    "drift": {"mart", "evaluation"},
}
ALL = set(PARENTS)


def test_nothing_changed_means_nothing_runs():
    result = plan(ordered(PARENTS), PARENTS, {}, ALL)
    assert result.run == {} and sorted(result.unchanged) == sorted(ALL)
    assert result.summary() == "0 to compute, 7 unchanged"


def test_a_change_runs_everything_downstream_and_nothing_else():
    result = plan(ordered(PARENTS), PARENTS, {"mart": "new code or configuration version"}, ALL)
    assert set(result.run) == {"mart", "model", "evaluation", "drift"}
    assert result.run["mart"] == "new code or configuration version"
    assert result.run["model"] == "mart is recomputed in this run"
    assert sorted(result.unchanged) == ["profile", "raw", "synthetic"]
    # Upstream first, whatever the order of the mapping.
    order = list(result.run)
    assert order.index("model") < order.index("evaluation") < order.index("drift")


def test_held_assets_are_not_computed_and_do_not_carry_the_change():
    result = plan(ordered(PARENTS), PARENTS, {"raw": "new or changed files"}, ALL, held={"model"})
    assert "model" not in result.run and result.held == {"model": "mart is recomputed in this run"}
    # The evaluation follows only the model; drift follows the new data as well.
    assert "evaluation" in result.unchanged
    assert set(result.run) == {"raw", "profile", "synthetic", "mart", "drift"}
    assert "1 left to their own schedule" in result.summary()


def test_only_the_covered_assets_are_planned():
    result = plan(ordered(PARENTS), PARENTS, {"raw": "never materialized"}, {"model", "evaluation"})
    assert result.run == {} and sorted(result.unchanged) == ["evaluation", "model"]


def test_a_reason_names_how_many_upstream_assets_changed():
    result = plan(ordered(PARENTS), PARENTS, {"mart": "x", "evaluation": "y"}, ALL)
    assert result.run["drift"] == "evaluation and 1 more are recomputed in this run"


def test_a_cycle_is_refused():
    with pytest.raises(ValueError, match="cycle"):
        ordered({"a": {"b"}, "b": {"a"}})
