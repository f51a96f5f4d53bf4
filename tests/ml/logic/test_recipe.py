"""Recipe files: roles, levels, defaults, versions, and errors that name the file and the field."""

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
roles: {roles}
evaluation_packs: [p]
"""
ROLES = {
    "forecasting": "{time: week}",
    "pricing": "{price: price}",
    "regression": "{}",
    "classification": "{}",
    "scoring": "{id: [store]}",
    "next_best_action": "{entity: customer, action: offer}",
}


@pytest.fixture()
def folder(tmp_path):
    shutil.copy(ROOT / "recipes" / "_families.yaml", tmp_path)
    return tmp_path


def write(folder, name="r", family="forecasting", level="beginner", extra="", roles=None):
    text = BASE.format(name=name, family=family, level=level, roles=roles or ROLES[family])
    (folder / f"{name}.yaml").write_text(text + extra)


def test_project_recipes_load():
    recipes = load_recipe_folder(ROOT / "recipes")
    assert {r.registered_model for r in recipes} == {
        "nex_retail.pricing",
        "nex_retail.forecasting",
        "nex_retail.next_best_action",
        "nex_retail.scoring",
    }


@pytest.mark.parametrize("family", sorted(ROLES))
def test_every_family_loads_from_roles_alone(folder, family):
    write(folder, family=family)
    (recipe,) = load_recipe_folder(folder)
    assert recipe.family == family and recipe.algorithm and recipe.split


def test_beginner_takes_the_family_defaults(folder):
    write(folder)
    (recipe,) = load_recipe_folder(folder)
    assert recipe.algorithm == "auto" and recipe.split.kind == "time" and recipe.split_column == "week"
    assert recipe.hyperparameters["target_mode"] == "relative"
    assert recipe.job_name == "shop__r__train" and recipe.predictions_table == "shop__r"


def test_a_dataset_recipe_reads_the_raw_table_by_default(folder):
    (folder / "r.yaml").write_text(
        "name: r\ndataset: houses\nfamily: regression\nlevel: beginner\ntarget: price\n"
        "evaluation_packs: [p]\n"
    )
    (recipe,) = load_recipe_folder(folder)
    assert recipe.input == "raw.houses" and recipe.tables == ["raw.houses"]


def test_old_family_names_still_read(folder):
    write(folder, family="scoring")
    (folder / "r.yaml").write_text(
        (folder / "r.yaml").read_text().replace("family: scoring", "family: location_scoring")
    )
    assert load_recipe_folder(folder)[0].family == "scoring"


def test_advanced_hyperparameters_merge_over_the_defaults(folder):
    write(folder, level="advanced", extra="hyperparameters: {max_depth: 3}\nfeatures: []\n")
    (recipe,) = load_recipe_folder(folder)
    assert recipe.hyperparameters["max_depth"] == 3 and recipe.hyperparameters["target_mode"] == "relative"


def test_version_is_the_content_hash(folder):
    write(folder)
    (a,) = load_recipe_folder(folder)
    write(folder, extra="description: words do not change the model\n")
    (b,) = load_recipe_folder(folder)
    write(folder, level="advanced", extra="hyperparameters: {max_depth: 3}\n")
    (c,) = load_recipe_folder(folder)
    assert a.version == b.version != c.version and len(a.version) == 16


@pytest.mark.parametrize(
    ("family", "roles", "extra", "message"),
    [
        ("forecasting", None, "features: [a]\n", "features may not be set in a beginner recipe"),
        ("forecasting", None, "colour: blue\n", "colour: Extra inputs are not permitted"),
        ("forecasting", "{}", "", "family forecasting needs the role\\(s\\) time under `roles`"),
        ("pricing", "{price: price, series: [a]}", "", "roles series do not apply to family pricing"),
        ("next_best_action", "{entity: c}", "", "needs the role\\(s\\) action"),
        ("regression", "{id: [units]}", "", "target `units` is also given a role"),
        (
            "next_best_action",
            "{entity: c, action: offer, shape: wide}",
            "",
            "in the wide shape the target is the chosen option",
        ),
        ("forecasting", "{time: w, frequency: fortnightly}", "", "roles.frequency: Input should be"),
    ],
)
def test_errors_name_the_file_and_field(folder, family, roles, extra, message):
    write(folder, family=family, roles=roles, extra=extra)
    with pytest.raises(RecipeError, match=message) as err:
        load_recipe_folder(folder)
    assert str(folder / "r.yaml") in str(err.value)


def test_bad_family_and_table_are_reported(folder):
    (folder / "r.yaml").write_text(
        BASE.format(name="r", family="churn", level="beginner", roles="{}").replace("marts.sales", "sales")
    )
    with pytest.raises(RecipeError) as err:
        load_recipe_folder(folder)
    assert "family:" in str(err.value) and "input:" in str(err.value)


def test_file_named_after_recipe(folder):
    (folder / "other.yaml").write_text(
        BASE.format(name="r", family="pricing", level="beginner", roles="{price: p}")
    )
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
