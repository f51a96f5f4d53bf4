"""The four recipes trained, evaluated and scored through Dagster on the small world."""

from __future__ import annotations

import json

import dagster as dg
import pytest

from nex_assets.ml import reference, registry
from nex_assets.ml.recipes import load_recipes

RECIPES = {r.name: r for r in load_recipes()}


@pytest.fixture(scope="module")
def trained(ml_world, dagster_instance):
    """Every recipe's job, run once; later tests read what it left behind."""
    defs, _ = ml_world
    results = {}
    for name, recipe in RECIPES.items():
        results[name] = defs.resolve_job_def(recipe.job_name).execute_in_process(instance=dagster_instance)
    return results


def _metadata(result: dg.ExecuteInProcessResult, leaf: str) -> dict:
    for event in result.get_asset_materialization_events():
        mat = event.materialization
        if mat.asset_key.path[-1] == leaf:
            return {k: v.value for k, v in mat.metadata.items()}
    raise AssertionError(f"no {leaf} materialization")


def test_every_family_is_covered_once():
    assert sorted(r.family for r in RECIPES.values()) == [
        "forecasting",
        "next_best_action",
        "pricing",
        "scoring",
    ]
    assert {r.level for r in RECIPES.values()} == {"intermediate", "advanced"}


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_recipe_trains_passes_its_packs_and_writes_predictions(name, trained, conn):
    recipe = RECIPES[name]
    result = trained[name]
    assert result.success
    model = _metadata(result, "model")
    evaluation = _metadata(result, "evaluation")
    predictions = _metadata(result, "predictions")
    assert model["mlflow_run"].startswith("http://localhost:5000/#/experiments/")
    assert model["recipe_version"] == recipe.version
    assert evaluation["promoted"] is True, evaluation["reason"]
    assert evaluation["criteria_failed"] == 0 and evaluation["criteria_passed"] >= 1
    assert registry.champion_version(recipe.registered_model) == model["model_version"]
    rows = conn.execute(
        "select count(*), bool_and(passed), bool_and(promoted) from nex.evaluation_results "
        "where model_name = %s and model_version = %s",
        (recipe.registered_model, model["model_version"]),
    ).fetchone()
    assert rows[0] >= 1 and rows[1] is True and rows[2] is True
    count = conn.execute(f"select count(*) from predictions.{recipe.predictions_table}").fetchone()[0]
    assert count == predictions["dagster/row_count"] > 0


def test_ground_truth_checks_hold_on_the_small_world(trained, conn):
    failed = conn.execute(
        "select recipe, criterion, reason from nex.evaluation_results "
        "where criterion in ('recovers_true_elasticities', 'beats_seasonal_naive', "
        "'beats_random_in_truth', 'beats_most_popular_in_truth', 'ranks_heldout_entities') "
        "and (not passed or skipped) and dataset = 'nex_retail'"
    ).fetchall()
    assert failed == []
    pricing = _metadata(trained["price_elasticity"], "evaluation")
    assert "max_elasticity_rel_error" in pricing["metrics"]


def test_mlflow_run_holds_lineage_params_metrics_and_artifacts(trained):
    from mlflow.tracking import MlflowClient

    model = _metadata(trained["demand_forecast"], "model")
    client = MlflowClient()
    run = client.get_run(model["mlflow_run_id"])
    recipe = RECIPES["demand_forecast"]
    assert run.data.tags["nex.recipe_version"] == recipe.version
    assert run.data.tags["nex.data_version"] == model["data_version"]
    assert run.data.tags["nex.code_version"] == model["code_version"]
    # The run that trained it: this one, or an earlier one of the session on the same data (the
    # registry keeps one version per recipe version and data version, and reuses it).
    if not model["reused"]:
        assert run.data.tags["nex.dagster_run_id"] == trained["demand_forecast"].run_id
    else:
        assert run.data.tags["nex.dagster_run_id"] != trained["demand_forecast"].run_id
    assert run.data.params["algorithm"] == "xgboost" and run.data.params["hp.max_depth"] == "6"
    assert run.data.tags["nex.device"] == "cpu" and run.data.params["device"] == "cpu"
    assert "holdout.smape_improvement_vs_seasonal_naive" in run.data.metrics
    assert "evaluation.promoted" in run.data.metrics
    paths = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"reference", "plots", "evaluation", "recipe.json"} <= paths
    version = client.get_model_version(recipe.registered_model, model["model_version"])
    assert version.tags["nex.evaluation"] == "passed" and version.tags["nex.run_id"] == run.info.run_id


def test_reference_snapshot_reads_back_for_the_champion(trained):
    frame = reference.load_reference("nex_retail", "offer_recommender")
    assert {"prediction", "accepted", "offer_id", "channel_matches_preferred_channel"} <= set(frame.columns)
    assert frame["prediction"].between(0, 1).all()


def test_pricing_predictions_recommend_prices_within_the_grid(trained, conn):
    rows = conn.execute(
        "select p.recommended_price, p.elasticity, p.elasticity_ci_low, p.elasticity_ci_high, "
        "p.expected_margin, p.margin_at_current_price, s.price "
        "from predictions.nex_retail__price_elasticity p "
        "join (select sku, avg(price) as price from marts.sku_weekly_sales "
        "      where week_start = (select max(week_start) from marts.sku_weekly_sales) group by sku) s "
        "using (sku)"
    ).fetchall()
    grid = RECIPES["price_elasticity"].hyperparameters["price_grid"]
    assert rows
    for price, elasticity, low, high, best, at_current, current in rows:
        assert current * grid["low"] - 0.01 <= price <= current * grid["high"] + 0.01
        assert low < elasticity < high < 0
        assert best >= at_current - 0.01


def test_torch_recipe_is_placed_in_the_gpu_pool(ml_world):
    defs, _ = ml_world
    graph = defs.resolve_asset_graph()
    node = graph.get(dg.AssetKey(["nex_retail", "offer_recommender", "model"]))
    assert node.pools == {"gpu"}
    spec = json.dumps(node.assets_def.op.tags, default=str)
    assert "nvidia.com/gpu" in spec


def test_current_frame_holds_the_newest_weeks_in_the_reference_shape(trained, conn):
    from nex_assets.ml import data

    recipe = RECIPES["demand_forecast"]
    frame = data.current_frame(conn, recipe, periods=4)
    ref = reference.load_reference("nex_retail", "demand_forecast")
    assert list(frame.columns) == [c for c in ref.columns if c != "prediction"]
    newest = conn.execute("select count(distinct (store_id, sku)) from marts.sku_weekly_sales").fetchone()[0]
    assert len(frame) == 4 * newest


def test_nex_mlflow_models_lists_champions_and_reasons(trained, capsys):
    from nex_assets.cli import main

    assert main(["mlflow", "models"]) == 0
    out = capsys.readouterr().out
    for recipe in RECIPES.values():
        line = next(x for x in out.splitlines() if f"| {recipe.registered_model} |" in x and "champion" in x)
        assert f"| {recipe.name} |" in line


def _series_counts(conn) -> dict:
    rows = conn.execute("select store_id, sku, count(*) from marts.sku_weekly_sales group by 1, 2").fetchall()
    return {(str(store), str(sku)): n for store, sku, n in rows}


def test_a_large_input_is_read_as_a_repeatable_sample_of_whole_series(trained, conn):
    from nex_assets.ml import data

    recipe = RECIPES["demand_forecast"]
    total = data.input_rows(conn, recipe)
    chosen = data.sample_for(conn, recipe, max_rows=total // 4)
    assert not chosen.whole and chosen.units == ("store_id", "sku")
    rows, _ = data.load_rows(conn, recipe, chosen)
    again, _ = data.load_rows(conn, recipe, chosen)
    keys = ["store_id", "sku", "week_start"]
    assert _sorted(rows, keys).equals(_sorted(again, keys))
    assert 0.1 * total < len(rows) < 0.45 * total
    full = _series_counts(conn)
    sampled = rows.groupby(["store_id", "sku"]).size()
    assert all(full[(str(store), str(sku))] == n for (store, sku), n in sampled.items())


def _champion(recipe):
    name = recipe.registered_model
    version = registry.champion_version(name)
    inputs = registry.version_tags(name, version).get("nex.inputs")
    return registry.load(name, version), json.loads(inputs) if inputs else None


def _sorted(frame, keys):
    return frame.sort_values(keys).reset_index(drop=True)


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("demand_forecast", ["store_id", "sku", "period"]),
        ("price_elasticity", ["sku"]),
        ("store_location", ["store_id"]),
        ("offer_recommender", ["customer_id"]),
    ],
)
def test_predictions_in_small_batches_equal_one_pass(name, keys, trained, conn):
    import pandas as pd

    from nex_assets.ml import data, scoring

    recipe = RECIPES[name]
    model, inputs = _champion(recipe)
    whole = list(scoring.scored_batches(conn, recipe, model, 10**9, inputs))
    total = data.input_rows(conn, recipe)
    if name == "price_elasticity":  # only the newest week is read
        total = conn.execute(
            "select count(*) from marts.sku_weekly_sales "
            "where week_start = (select max(week_start) from marts.sku_weekly_sales)"
        ).fetchone()[0]
    small = list(scoring.scored_batches(conn, recipe, model, max(10, total // 5), inputs))
    assert len(whole) == 1 and len(small) >= 3
    one, many = _sorted(whole[0], keys), _sorted(pd.concat(small, ignore_index=True), keys)
    pd.testing.assert_frame_equal(one, many, check_dtype=False)


def test_forecasts_from_the_newest_weeks_equal_those_from_the_whole_history(trained, conn):
    import pandas as pd

    from nex_assets.ml import data, scoring

    recipe = RECIPES["demand_forecast"]
    model, _ = _champion(recipe)
    rows, _ = data.load_rows(conn, recipe)
    history = scoring.forecasting(recipe, model, rows)
    (window,) = scoring.scored_batches(conn, recipe, model, 10**9)
    keys = ["store_id", "sku", "period"]
    pd.testing.assert_frame_equal(_sorted(history, keys), _sorted(window, keys), check_dtype=False)


def test_scoring_in_batches_ranks_over_every_batch_and_a_failure_keeps_the_old_table(
    trained, conn, tmp_path, monkeypatch
):
    from nex_assets.ml import scoring

    recipe = RECIPES["store_location"]
    table = f"predictions.{recipe.predictions_table}"
    before = conn.execute(f"select store_id, score, score_rank from {table}").fetchall()
    conn.commit()  # the replacement drops the table this transaction has read
    (tmp_path / "ml.yaml").write_text("frame: {batch_rows: 1000}\n")
    monkeypatch.setenv("NEX_CONFIG_DIR", str(tmp_path))
    result = scoring.score(recipe)
    conn.commit()
    after = conn.execute(f"select store_id, score, score_rank from {table} order by score_rank").fetchall()
    assert result.rows == len(after) == len(before)
    assert [r[2] for r in after] == list(range(1, len(after) + 1))
    assert [r[1] for r in after] == sorted((r[1] for r in after), reverse=True)
    assert sorted(after) == sorted(before)
    assert list(result.frame["score_rank"]) == list(range(1, 11))
    with pytest.raises(RuntimeError, match="batch 2"), scoring.Replacement(recipe.predictions_table) as t:
        t.add(result.frame)
        raise RuntimeError("batch 2 failed")
    conn.commit()
    assert conn.execute(f"select count(*) from {table}").fetchone()[0] == len(after)
    assert conn.execute("select to_regclass(%s)", (f"{table}__new",)).fetchone()[0] is None


def test_training_on_a_sample_records_it_and_evaluation_and_drift_read_the_same_rows(
    trained, conn, tmp_path, monkeypatch
):
    from nex_assets.ml import data, evaluation, training

    recipe = RECIPES["demand_forecast"]
    total = data.input_rows(conn, recipe)
    (tmp_path / "ml.yaml").write_text(f"frame: {{max_rows: {max(1_000, total // 3)}}}\n")
    monkeypatch.setenv("NEX_CONFIG_DIR", str(tmp_path))
    logged = []
    result = training.train(recipe, log=logged.append)
    assert any("reading" in line and "whole units by store_id, sku" in line for line in logged)
    assert result.sample.startswith(f"{100 * (total // 3) / total:.0f}") or "%" in result.sample
    tags = registry.version_tags(recipe.registered_model, result.version)
    chosen = evaluation.trained_sample(conn, recipe, result.version)
    assert chosen.tag() == tags["nex.sample"] and not chosen.whole
    frame = data.prepare(conn, recipe, chosen)
    assert len(frame.data) == result.rows < total
    current = data.current_frame(conn, recipe, periods=4, chosen=chosen)
    series = frame.data.groupby(["store_id", "sku"]).ngroups
    assert len(current) == 4 * series
