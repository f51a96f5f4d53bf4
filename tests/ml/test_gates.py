"""Bad recipes fail before training; failing or unloadable candidates never become champion."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nex_assets.ml import data, evaluation, registry, training
from nex_assets.ml.logic.recipe import RecipeError, load_recipe_folder
from nex_assets.ml.recipes import load_recipes
from tests.core.helpers import ROOT

LOCATION = """
name: {name}
dataset: {dataset}
family: scoring
level: {level}
input: marts.store_performance
target: {target}
roles: {{id: [store_id]}}
evaluation_packs: [{pack}]
"""
FEATURES = "features: [catchment_population, median_income, competitors_nearby, floor_area_m2]\n"


@pytest.fixture()
def recipe_home(tmp_path, monkeypatch):
    """A private recipes and packs folder: the project's defaults and packs plus what a test adds."""
    recipes, packs = tmp_path / "recipes", tmp_path / "evaluation_packs"
    recipes.mkdir()
    for defaults in ("_families.yaml", "_algorithms.yaml"):
        shutil.copy(ROOT / "recipes" / defaults, recipes)
    shutil.copytree(ROOT / "evaluation_packs", packs)
    monkeypatch.setenv("NEX_RECIPES_DIR", str(recipes))
    monkeypatch.setenv("NEX_EVALUATION_PACKS_DIR", str(packs))
    return recipes, packs


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text)
    return path


def test_missing_column_fails_before_training_naming_file_and_field(ml_world, recipe_home, conn, unique_name):
    recipes, _ = recipe_home
    text = LOCATION.format(
        name=unique_name,
        dataset=unique_name,
        level="beginner",
        target="annual_revenue",
        pack="scoring_standard",
    )
    path = _write(
        recipes,
        unique_name,
        text.replace("level: beginner", "level: intermediate") + "features: [floor_area, median_income]\n",
    )
    (recipe,) = load_recipes()
    with pytest.raises(
        RecipeError, match=r"features: column `floor_area` is in none of marts.store_performance"
    ) as err:
        data.prepare(conn, recipe)
    assert str(path) in str(err.value)


def test_target_with_one_value_fails_before_training(ml_world, recipe_home, conn, unique_name):
    recipes, _ = recipe_home
    # Every store of the world sells for all 104 weeks.
    _write(
        recipes,
        unique_name,
        LOCATION.format(
            name=unique_name,
            dataset=unique_name,
            level="beginner",
            target="weeks_active",
            pack="scoring_standard",
        ),
    )
    (recipe,) = load_recipes()
    with pytest.raises(RecipeError, match=r"target: `weeks_active` has a single value \(104(\.0)?\)"):
        training.train(recipe)
    assert registry.champion_version(recipe.registered_model) is None


def test_unknown_algorithm_fails_at_load(recipe_home, unique_name):
    recipes, _ = recipe_home
    text = LOCATION.format(
        name=unique_name,
        dataset=unique_name,
        level="intermediate",
        target="annual_revenue",
        pack="scoring_standard",
    )
    _write(recipes, unique_name, text + "algorithm: quantum_annealing\n")
    with pytest.raises(RecipeError, match=r"algorithm: unknown algorithm `quantum_annealing`; known: "):
        load_recipes()
    _write(recipes, unique_name, text + "algorithm: log_log_regression\n")
    with pytest.raises(
        RecipeError, match=r"algorithm: algorithm `log_log_regression` does not fit family scoring"
    ):
        load_recipes()


def test_failing_candidate_stays_registered_with_its_reason(ml_world, recipe_home, conn, unique_name):
    recipes, packs = recipe_home
    (packs / "impossible.yaml").write_text(
        "name: impossible\ncriteria:\n  - {name: perfect_ranking, metric: spearman, min: 1.01}\n"
    )
    _write(
        recipes,
        unique_name,
        LOCATION.format(
            name=unique_name,
            dataset=unique_name,
            level="intermediate",
            target="annual_revenue",
            pack="scoring_standard",
        )
        + FEATURES,
    )
    (recipe,) = load_recipes()
    first = training.train(recipe)
    assert evaluation.evaluate(recipe, first.version).promoted
    _write(
        recipes,
        unique_name,
        LOCATION.format(
            name=unique_name,
            dataset=unique_name,
            level="intermediate",
            target="annual_revenue",
            pack="impossible",
        )
        + FEATURES,
    )
    (stricter,) = load_recipes()
    second = training.train(stricter)
    result = evaluation.evaluate(stricter, second.version)
    assert not result.promoted
    assert "impossible/perfect_ranking" in result.reason
    assert registry.champion_version(recipe.registered_model) == first.version
    version = registry.client().get_model_version(recipe.registered_model, second.version)
    assert version.tags["nex.evaluation"] == "failed" and "spearman" in version.tags["nex.evaluation_reason"]
    stored = conn.execute(
        "select criterion, passed, promoted from nex.evaluation_results "
        "where model_name = %s and model_version = %s and not skipped",
        (recipe.registered_model, second.version),
    ).fetchall()
    # The leakage check runs whatever the packs: it passed, the pack's one criterion did not.
    assert sorted(stored) == [("no_leaked_feature", True, False), ("perfect_ranking", False, False)]


def test_version_that_cannot_be_loaded_never_gets_the_alias(ml_world, recipe_home, unique_name):
    recipes, _ = recipe_home
    _write(
        recipes,
        unique_name,
        LOCATION.format(
            name=unique_name,
            dataset=unique_name,
            level="intermediate",
            target="annual_revenue",
            pack="scoring_standard",
        )
        + FEATURES,
    )
    (recipe,) = load_recipes()
    trained = training.train(recipe)
    # Break the stored model the way a truncated artifact would.
    uri = registry.client().get_model_version_download_uri(recipe.registered_model, trained.version)
    broken = list(Path(uri.removeprefix("file://")).rglob("model.pkl"))
    assert broken
    for pickled in broken:
        pickled.write_bytes(b"not a model")
    result = evaluation.evaluate(recipe, trained.version)
    assert not result.promoted
    assert result.outcomes[0].criterion == "loads_and_scores" and not result.outcomes[0].passed
    assert registry.champion_version(recipe.registered_model) is None
    version = registry.client().get_model_version(recipe.registered_model, trained.version)
    assert version.tags["nex.evaluation"] == "failed"


def test_level_limits_what_a_recipe_may_set(tmp_path):
    shutil.copy(ROOT / "recipes" / "_families.yaml", tmp_path)
    text = LOCATION.format(name="site", dataset="shop", level="beginner", target="annual_revenue", pack="p")
    (tmp_path / "site.yaml").write_text(text + "algorithm: xgboost\n")
    shutil.copy(ROOT / "recipes" / "_algorithms.yaml", tmp_path)
    with pytest.raises(RecipeError, match=r"site.yaml: algorithm may not be set in a beginner recipe"):
        load_recipe_folder(tmp_path)


def test_a_recipe_with_no_champion_skips_its_predictions_and_the_run_succeeds(
    ml_world, recipe_home, dagster_instance, unique_name
):
    import dagster as dg

    from nex_assets.cli._runner import summary
    from nex_assets.core.build import Catalog
    from tests.core.helpers import with_resources

    _, catalog = ml_world
    recipes, packs = recipe_home
    (packs / "impossible.yaml").write_text(
        "name: impossible\ncriteria:\n  - {name: perfect_ranking, metric: spearman, min: 1.01}\n"
    )
    _write(
        recipes,
        unique_name,
        LOCATION.format(
            name=unique_name,
            dataset="nex_retail",
            level="intermediate",
            target="annual_revenue",
            pack="impossible",
        )
        + FEATURES
        # A registered model of its own: the sample world's scoring recipe has nex_retail.scoring.
        + f"registered_as: {unique_name}.scoring\n",
    )
    # A catalog of its own: the session's has read the recipes folder already.
    defs = with_resources(
        Catalog(catalog.datasets, project_dir=catalog.project_dir, landing_dir=catalog.landing_dir)
    )
    steps = ("model", "evaluation", "predictions", "semantic_model")
    keys = [dg.AssetKey(["nex_retail", unique_name, step]) for step in steps]
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=dagster_instance, asset_selection=keys, raise_on_error=False
    )
    assert result.success, [e.step_key for e in result.all_events if e.is_step_failure]
    materialized = {e.asset_key.path[-1] for e in result.all_events if e.is_step_materialization}
    assert materialized == {"model", "evaluation"}
    (recipe,) = load_recipes()
    assert registry.champion_version(recipe.registered_model) is None
    text, ok = summary(dagster_instance, result.run_id)
    assert ok
    assert f"skipped nex_retail/{unique_name}/predictions: " in text
    assert "has no champion yet" in text and "FAILED" not in text
