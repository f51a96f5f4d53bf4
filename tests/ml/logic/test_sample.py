"""How much of a recipe's input a step reads: the plan, the units kept whole, the recorded tag."""

from __future__ import annotations

import shutil

import pytest

from nex_assets.ml.logic import sample
from nex_assets.ml.logic.recipe import load_recipe_folder
from nex_assets.ml.recipes import load_recipes
from tests.core.helpers import ROOT

RECIPES = {r.name: r for r in load_recipes()}


def test_every_row_up_to_the_limit():
    chosen = sample.plan(RECIPES["demand_forecast"], 2_000, 2_000)
    assert chosen.whole and chosen.share == 1.0
    assert chosen.describe() == "every row"


def test_a_larger_input_reads_a_share_of_whole_units():
    chosen = sample.plan(RECIPES["demand_forecast"], 100_000_000, 2_000_000)
    assert not chosen.whole
    assert chosen.units == ("store_id", "sku")
    assert chosen.share == pytest.approx(0.02, rel=1e-4)
    assert "of 100,000,000 rows, whole units by store_id, sku" in chosen.describe()


def test_the_tag_reads_back_as_the_same_sample():
    chosen = sample.plan(RECIPES["price_elasticity"], 50_000_000, 2_000_000)
    back = sample.Sample.from_tag(chosen.tag())
    assert (back.units, back.buckets) == (chosen.units, chosen.buckets)
    for bad in ("", "x", "5/7:a", f"0/{sample.BUCKETS}:a"):
        with pytest.raises(ValueError):
            sample.Sample.from_tag(bad)


def test_units_follow_the_family():
    assert sample.sample_units(RECIPES["demand_forecast"]) == ("store_id", "sku")
    assert sample.sample_units(RECIPES["price_elasticity"]) == ("store_id", "sku")
    assert sample.sample_units(RECIPES["offer_recommender"]) == (RECIPES["offer_recommender"].roles.entity,)
    assert sample.sample_units(RECIPES["store_location"]) == ()


def test_a_group_split_keeps_its_groups_whole(tmp_path):
    shutil.copy(ROOT / "recipes" / "_families.yaml", tmp_path)
    (tmp_path / "r.yaml").write_text(
        "name: r\ndataset: shop\nfamily: regression\nlevel: advanced\ninput: marts.sales\n"
        "target: units\nevaluation_packs: [p]\nfeatures: [price]\n"
        "split: {kind: group, holdout: 0.2, column: store}\n"
    )
    (tabular,) = load_recipe_folder(tmp_path)
    assert sample.sample_units(tabular) == ("store",)


def test_batches_spread_rows_evenly():
    assert sample.batch_count(10, 1_000_000) == 1
    assert sample.batch_count(2_500_000, 1_000_000) == 3
    assert sample.batch_count(0, 1_000) == 1
