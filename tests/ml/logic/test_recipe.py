"""Recipe files: levels, defaults, versions, and errors that name the file and the field."""

from __future__ import annotations

import shutil

import pytest

from nex_assets.ml.logic.recipe import RecipeError, load_recipe_folder
from tests.core.helpers import ROOT

BASE = """name: {name}
dataset: shop
family: {family}
level: {level}
input: marts.sales
target: units
evaluation_packs: [p]
"""


@pytest.fixture()
def folder(tmp_path):
    shutil.copy(ROOT / "recipes" / "_families.yaml", tmp_path)
    return tmp_path


def write(folder, name="r", family="forecasting", level="beginner", extra=""):
    (folder / f"{name}.yaml").write_text(BASE.format(name=name, family=family, level=level) + extra)


def test_project_recipes_load():
    recipes = load_recipe_folder(ROOT / "recipes")
    assert {r.registered_model for r in recipes} == {
        "nex_retail.pricing",
        "nex_retail.forecasting",
        "nex_retail.next_best_action",
        "nex_retail.location_scoring",
    }


def test_beginner_takes_the_family_defaults(folder):
    write(folder)
    (recipe,) = load_recipe_folder(folder)
    assert recipe.algorithm == "xgboost" and recipe.split.kind == "time" and "lag_1" not in recipe.features
    assert recipe.hyperparameters["objective"] == "count:poisson"
    assert recipe.job_name == "shop__r__train" and recipe.predictions_table == "shop__r"


def test_advanced_hyperparameters_merge_over_the_defaults(folder):
    write(folder, level="advanced", extra="hyperparameters: {max_depth: 3}\n")
    (recipe,) = load_recipe_folder(folder)
    assert recipe.hyperparameters["max_depth"] == 3 and recipe.hyperparameters["n_estimators"] == 300


def test_version_is_the_content_hash(folder):
    write(folder)
    (a,) = load_recipe_folder(folder)
    write(folder, extra="description: words do not change the model\n")
    (b,) = load_recipe_folder(folder)
    write(folder, level="advanced", extra="hyperparameters: {max_depth: 3}\n")
    (c,) = load_recipe_folder(folder)
    assert a.version == b.version != c.version and len(a.version) == 16


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("features: [a]\n", "features may not be set in a beginner recipe"),
        ("colour: blue\n", "colour: Extra inputs are not permitted"),
    ],
)
def test_errors_name_the_file_and_field(folder, extra, message):
    write(folder, extra=extra)
    with pytest.raises(RecipeError, match=message) as err:
        load_recipe_folder(folder)
    assert str(folder / "r.yaml") in str(err.value)


def test_bad_family_and_table_are_reported(folder):
    (folder / "r.yaml").write_text(
        BASE.format(name="r", family="churn", level="beginner").replace("marts.sales", "sales")
    )
    with pytest.raises(RecipeError) as err:
        load_recipe_folder(folder)
    assert "family:" in str(err.value) and "input:" in str(err.value)


def test_file_named_after_recipe(folder):
    (folder / "other.yaml").write_text(BASE.format(name="r", family="pricing", level="beginner"))
    with pytest.raises(RecipeError, match="must be named after its recipe"):
        load_recipe_folder(folder)


def test_two_recipes_of_one_family_need_their_own_registered_models(folder):
    write(folder, name="weekly")
    write(folder, name="daily")
    with pytest.raises(
        RecipeError, match=r"weekly.yaml: registered model shop.forecasting is also used by .*daily"
    ):
        load_recipe_folder(folder)
    write(folder, name="weekly", extra="registered_as: shop.forecasting_weekly\n")
    daily, weekly = load_recipe_folder(folder)
    assert (daily.registered_model, weekly.registered_model) == (
        "shop.forecasting",
        "shop.forecasting_weekly",
    )
    # Naming the registry entry does not change what the model is.
    write(folder, name="daily", extra="registered_as: shop.forecasting_daily\n")
    assert load_recipe_folder(folder)[0].version == daily.version


def test_registered_model_name_is_checked(folder):
    write(folder, extra="registered_as: 'bad name'\n")
    with pytest.raises(RecipeError, match="registered_as: String should match pattern"):
        load_recipe_folder(folder)
