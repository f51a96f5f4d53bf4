"""Knowledge gaps from facts: which recipes apply, what is missing, sparse, constant or poor, and why."""

from __future__ import annotations

import pytest

from nex_assets.core import settings
from nex_assets.knowledge_gaps.logic import gaps as kg
from nex_assets.knowledge_gaps.logic.settings import GapSettings

PRICING = kg.RecipeNeeds(
    "price_elasticity",
    "pricing",
    "units_sold",
    ("store_id", "sku", "category", "price"),
    ("unit_cost", "promo"),
)


def facts(name: str, rows: int, cols: dict[str, tuple[float, int, str]], pk=(), **kw) -> kg.DatasetFacts:
    columns = {c: kg.ColumnFacts(c, n, d, t) for c, (n, d, t) in cols.items()}
    return kg.DatasetFacts(name, rows, columns, list(pk), **kw)


SALES = facts(
    "sales",
    1000,
    {
        "store_id": (0.0, 20, "identifier"),
        "sku": (0.0, 50, "identifier"),
        "price": (0.10, 300, "numeric"),
        "units_sold": (0.0, 90, "numeric"),
        "promo": (0.0, 1, "boolean"),
    },
)
PRODUCTS = facts(
    "products",
    50,
    {"sku": (0, 50, "identifier"), "category": (0, 5, "categorical"), "unit_cost": (0, 40, "numeric")},
    ["sku"],
)


def test_a_recipe_applies_by_declaration_target_or_input_share():
    settings = GapSettings()
    assert kg.applies(PRICING, SALES, settings)
    assert not kg.applies(PRICING, PRODUCTS, settings)
    declared = facts("products", 50, {}, declared_recipes=["price_elasticity"])
    assert kg.applies(PRICING, declared, settings)
    assert kg.applies(PRICING, PRODUCTS, GapSettings(min_input_share=0.3))


def test_gaps_name_missing_sparse_and_constant_inputs_with_suggestions():
    gaps = kg.find_gaps(PRICING, SALES, [SALES, PRODUCTS], GapSettings())
    by_column = {g.column: g for g in gaps}
    assert set(by_column) == {"category", "price", "unit_cost", "promo"}
    category = by_column["category"]
    assert (category.problem, category.role, category.severity) == ("missing", "required", "blocking")
    assert category.suggestion == "join products on sku: it holds `category`"
    assert by_column["price"].problem == "sparse" and "10% empty (at most 5%" in by_column["price"].detail
    assert by_column["promo"].problem == "constant" and by_column["promo"].severity == "warning"
    assert by_column["unit_cost"].severity == "warning"
    assert [g.severity for g in gaps][:2] == ["blocking", "blocking"]
    assert kg.readiness(gaps) == "blocked"
    text = kg.summary(PRICING, SALES, gaps)
    assert text.startswith("price_elasticity (pricing) on sales: blocked, 2 blocking gap(s) and 2 warning(s)")


def test_a_missing_column_found_nowhere_asks_for_it_at_the_source():
    [gap] = [g for g in kg.find_gaps(PRICING, SALES, [SALES], GapSettings()) if g.column == "category"]
    assert gap.suggestion.startswith("add `category` to the source of sales")


def test_dataset_level_gaps_few_rows_and_quality():
    # Quality scores are 0-100, like nex.quality_scores.
    small = facts("sales", 10, {c: (0.0, 5, "numeric") for c in PRICING.inputs}, quality_score=60)
    small.quality_passed, small.quality_failed = False, 3
    gaps = kg.find_gaps(PRICING, small, [], GapSettings(min_rows_by_family={"pricing": 500}))
    assert [(g.problem, g.severity) for g in gaps] == [("few_rows", "blocking"), ("quality", "blocking")]
    assert "needs at least 500" in gaps[0].detail and "3 expectation(s) failing" in gaps[1].detail
    good = facts("sales", 1000, {c: (0.0, 5, "numeric") for c in PRICING.inputs}, quality_score=95)
    good.quality_passed = True
    assert kg.find_gaps(PRICING, good, [], GapSettings()) == []
    assert kg.summary(PRICING, good, []).endswith("in good shape.")
    # A score of 62.5 is a warning when the checks passed (this was never caught on a 0-1 scale).
    fair = facts("sales", 1000, {c: (0.0, 5, "numeric") for c in PRICING.inputs}, quality_score=62.5)
    fair.quality_passed = True
    (gap,) = kg.find_gaps(PRICING, fair, [], GapSettings())
    assert (gap.problem, gap.severity) == ("quality", "warning") and "62.5 of 100" in gap.detail
    # A share in the settings file means the same as on the 0-100 scale.
    assert GapSettings(min_quality_score=0.8).min_quality_score == 80


def test_settings_file(tmp_path):
    project = settings.load(GapSettings)
    assert project.min_rows_by_family["scoring"] < project.min_rows
    path = tmp_path / "kg.yaml"
    assert settings.load(GapSettings, path) == GapSettings()
    path.write_text("min_rows: 5\n")
    assert settings.load(GapSettings, path).min_rows == 5
    path.write_text("min_rowz: 5\n")
    with pytest.raises(ValueError, match=r"kg\.yaml"):
        settings.load(GapSettings, path)


def test_another_datasets_recipe_never_applies_whatever_columns_the_two_share():
    # A fishing survey and a diamonds table both hold `id` and `price`; the diamonds recipe is theirs.
    diamonds = kg.RecipeNeeds(
        "diamonds_regression", "regression", "price", (), ("carat", "cut"), "diamonds", ("raw.diamonds",)
    )
    fishing = facts(
        "fishing",
        1182,
        {"id": (0, 1182, "identifier"), "price": (0, 900, "numeric"), "mode": (0, 4, "categorical")},
        group="datasets",
    )
    own = facts(
        "diamonds", 53940, {"price": (0, 11602, "numeric"), "carat": (0, 273, "numeric")}, group="datasets"
    )
    settings = GapSettings()
    assert not kg.applies(diamonds, fishing, settings)
    assert kg.applies(diamonds, own, settings)
    # A recipe of the group still applies to the members holding its target.
    grouped = kg.RecipeNeeds("retail_pricing", "pricing", "price", (), (), "datasets", ("marts.x",))
    assert kg.applies(grouped, fishing, settings)
    # No join is suggested on an `id` that is not the other table's key.
    survey = facts("survey", 60, {"id": (0, 12, "identifier"), "carat": (0, 30, "numeric")})
    missing = {g.column: g for g in kg.find_gaps(diamonds, own, [own, survey], settings)}
    assert "join survey" not in missing["cut"].suggestion
