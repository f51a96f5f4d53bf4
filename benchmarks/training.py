"""Training: two families and ``algorithm: auto``, each through the Dagster asset and through a plain
script of the same algorithm, side by side in one run, on the sample world's weekly sales per store
and sku (generated at the size asked for).

- forecasting: XGBoost (Poisson) on lags, seasonality, promotions and price (the ``demand_forecast``
  recipe's settings);
- regression: XGBoost on the units sold of a row from its price, base price, promotion, holiday,
  category and store (the first ``--regression-rows`` rows of the same table);
- auto: the same regression with ``algorithm: auto`` (ridge, random forest and XGBoost, the best
  kept) against a plain script that fits the three and keeps the one with the lowest holdout RMSE.

A plain script queries the columns it needs, derives the same features with the same pure functions,
cuts the same holdout and fits the same estimator; the asset adds Dagster, the baselines and
metrics, the MLflow run (parameters, metrics, model with signature and input example, importance,
reference snapshot and row fingerprints) and the registry. Prints each pair's times and ratio (goal:
at most 1.2); the last line is one JSON object.

    .venv/bin/python benchmarks/training.py [--train-rows 1000000] [--regression-rows 1000000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATASET = "bench_sku_weekly_sales"
TABLE = f"raw.{DATASET}"
REGRESSION_TABLE = "raw.bench_sales_rows"
FORECAST = f"""
name: bench_forecast
dataset: {DATASET}
family: forecasting
level: advanced
target: units_sold
roles: {{time: week_start, frequency: weekly, series: [store_id, sku], horizon: 1,
        covariates: [promo, holiday, price, base_price]}}
algorithm: xgboost
hyperparameters: {{target_mode: level, objective: "count:poisson"}}
split: {{kind: time, holdout: 13}}
evaluation_packs: [forecasting_standard]
"""
REGRESSION = """
name: bench_{name}
dataset: bench_sales_rows
family: regression
level: advanced
target: units_sold
features: [price, base_price, promo, holiday, category, store_id]
algorithm: {algorithm}
hyperparameters: {{log_target: false}}
split: {{kind: random, holdout: 0.2}}
evaluation_packs: [regression_standard]
"""


def load_table(out: Path) -> int:
    """The generated world's sales joined to products, as marts.sku_weekly_sales would hold them."""
    from nex_assets.core import db

    with db.connect() as conn:
        conn.execute(f"drop table if exists raw.bench_sales, raw.bench_products, {TABLE}")
        conn.execute(
            "create table raw.bench_sales (week_start date, store_id text, sku text, price double precision, "
            "promo boolean, holiday boolean, units_sold bigint, revenue double precision)"
        )
        conn.execute(
            "create table raw.bench_products (sku text, product_name text, category text, brand text, "
            "base_price double precision, unit_cost double precision)"
        )
        for table, name in (("raw.bench_sales", "sales.csv"), ("raw.bench_products", "products.csv")):
            with (
                (out / name).open("rb") as fh,
                conn.cursor().copy(f"copy {table} from stdin with (format csv, header)") as cp,
            ):
                while block := fh.read(1 << 20):
                    cp.write(block)
        conn.execute(
            f"create table {TABLE} as select s.week_start, s.store_id, s.sku, p.category, s.price, "
            "p.base_price, s.promo, s.holiday, s.units_sold "
            "from raw.bench_sales s join raw.bench_products p using (sku)"
        )
        return conn.execute(f"select count(*) from {TABLE}").fetchone()[0]


def regression_table(rows: int) -> None:
    """The first ``rows`` rows of the sales table, for the regression pairs (a random forest on
    millions of rows would make the run take hours without saying more)."""
    from nex_assets.core import db

    with db.connect() as conn:
        conn.execute(f"drop table if exists {REGRESSION_TABLE}")
        conn.execute(f"create table {REGRESSION_TABLE} as select * from {TABLE} limit {int(rows)}")


def read(columns: list[str], table: str = TABLE):
    """The columns straight from the table, as a script would query them."""
    import pandas as pd

    from nex_assets.core import db

    select = ", ".join(f"{c}::int as {c}" if c in {"promo", "holiday"} else c for c in columns)
    buffer = io.BytesIO()
    with (
        db.connect() as conn,
        conn.cursor().copy(f"copy (select {select} from {table}) to stdout with (format csv, header)") as cp,
    ):
        for block in cp:
            buffer.write(block)
    buffer.seek(0)
    return pd.read_csv(buffer, dtype={"week_start": str, "store_id": str, "sku": str, "category": str})


def plain(recipe, algorithms_: list[str]) -> tuple[float, int, str]:
    """What a data scientist's script does: query, features, holdout, fit (each algorithm, keeping
    the best on the holdout when there are several). Nothing tracked."""
    import numpy as np

    from nex_assets.ml import data
    from nex_assets.ml.logic import algorithms, features
    from nex_assets.ml.logic.frequency import FREQUENCIES
    from nex_assets.ml.recipes import algorithm_defaults

    start = time.perf_counter()
    roles = recipe.roles
    if recipe.family == "forecasting":
        rows = read([roles.time, *roles.series, recipe.target, *roles.covariates])
        frame = features.forecasting(
            rows, recipe.target, roles.time, roles.series, roles.covariates, FREQUENCIES[roles.frequency]
        )
    else:
        rows = read([*recipe.features, recipe.target], REGRESSION_TABLE)
        frame = features.tabular(rows, recipe.features, recipe.target, "regression", set())
    parts = data.cut(recipe, frame)
    best, best_rmse = "", float("inf")
    for name in algorithms_:
        model = algorithms.build(
            name, recipe.family, parts.train, recipe.hyperparameters, algorithm_defaults()
        )
        model.fit(parts.train.X, parts.train.data[recipe.target])
        if len(algorithms_) > 1:
            error = parts.holdout.data[recipe.target].to_numpy(dtype=float) - model.predict(parts.holdout.X)
            rmse = float(np.sqrt(np.mean(error**2)))
            if rmse < best_rmse:
                best, best_rmse = name, rmse
    return time.perf_counter() - start, len(parts.train.data), best or algorithms_[0]


def through_asset(recipe, catalog) -> tuple[float, dict]:
    import dagster as dg

    from nex_assets.core.resources import WarehouseResource
    from nex_assets.ml.assets import recipe_assets

    model_asset = recipe_assets(recipe, catalog)[0]
    with dg.instance_for_test() as instance:
        start = time.perf_counter()
        result = dg.materialize(
            [model_asset], instance=instance, resources={"warehouse": WarehouseResource()}
        )
        elapsed = time.perf_counter() - start
    assert result.success
    (event,) = result.get_asset_materialization_events()
    return elapsed, {k: v.value for k, v in event.materialization.metadata.items()}


def pair(label: str, recipe, catalog, algorithms_: list[str], rounds: int) -> dict:
    """Asset and plain script alternately, ``rounds`` times each; the medians are compared (a
    shared machine moves single runs by more than the asset's overhead)."""
    import statistics

    asset_runs, plain_runs = [], []
    for _ in range(rounds):
        asset_s, metadata = through_asset(recipe, catalog)
        asset_runs.append((asset_s, metadata))
        plain_runs.append(plain(recipe, algorithms_))
    asset_s = statistics.median(a for a, _ in asset_runs)
    plain_s = statistics.median(p for p, _, _ in plain_runs)
    metadata = min(asset_runs, key=lambda r: abs(r[0] - asset_s))[1]
    _, trained, plain_best = plain_runs[0]
    timings = metadata["timings_s"]
    print(f"\n{label}: {trained:,} training rows (asset: {metadata['train_rows']:,}), median of {rounds}")
    print(
        f"  plain script:      {plain_s:8.1f} s" + (f"  (kept {plain_best})" if len(algorithms_) > 1 else "")
    )
    print(
        f"  through the asset: {asset_s:8.1f} s  (read {timings['read_s']}s, fit {timings['fit_s']}s, "
        f"mlflow {timings['mlflow_s']}s; kept {metadata['algorithm']})"
    )
    print(f"  ratio asset/plain: {asset_s / plain_s:8.2f}  (goal <= 1.2)")
    return {
        "asset_s": round(asset_s, 2),
        "plain_s": round(plain_s, 2),
        "ratio": round(asset_s / plain_s, 3),
        "asset_runs_s": [round(a, 2) for a, _ in asset_runs],
        "plain_runs_s": [round(p, 2) for p, _, _ in plain_runs],
        "mlflow_logging_s": round(float(timings["mlflow_s"]), 2),
        "train_rows": trained,
        "algorithm": metadata["algorithm"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-rows", type=int, default=1_000_000, help="forecasting training rows")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each side (auto: one)")
    parser.add_argument("--regression-rows", type=int, default=1_000_000, help="rows of the regression table")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="nex-bench-training-"))
    os.environ["NEX_HOME"] = str(home)
    os.environ.pop("NEX_DATABASE_URL", None)
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    recipes = home / "recipes"
    recipes.mkdir()
    for defaults in ("_families.yaml", "_algorithms.yaml"):
        shutil.copy(ROOT / "recipes" / defaults, recipes)
    (recipes / "bench_forecast.yaml").write_text(FORECAST)
    (recipes / "bench_regression.yaml").write_text(REGRESSION.format(name="regression", algorithm="xgboost"))
    (recipes / "bench_auto.yaml").write_text(
        REGRESSION.format(name="auto", algorithm="auto") + "registered_as: bench.regression_auto\n"
    )
    os.environ["NEX_RECIPES_DIR"] = str(recipes)
    os.environ["NEX_EVALUATION_PACKS_DIR"] = str(ROOT / "evaluation_packs")

    from nex_assets.core import db, env
    from nex_assets.core.build import Catalog
    from nex_assets.ml import tracking
    from nex_assets.ml.logic import algorithms
    from nex_assets.ml.recipes import get_recipe
    from nex_assets.sample_world import MIN_WEEKS, WorldSize, generate

    try:
        db.bootstrap()
        tracking.configure()
        # Forecast rows left for training: weeks after a year of lag history, less 13 holdout weeks.
        sales_rows = int(args.train_rows / (MIN_WEEKS - 52 - 13) * MIN_WEEKS)
        t = time.perf_counter()
        generate(home / "world", size=WorldSize.for_sales_rows(sales_rows))
        rows = load_table(home / "world")
        regression_table(args.regression_rows)
        print(f"world: {rows:,} sales rows in {TABLE} ({time.perf_counter() - t:.0f}s to build)")
        read(
            [
                "week_start",
                "store_id",
                "sku",
                "category",
                "price",
                "base_price",
                "promo",
                "holiday",
                "units_sold",
            ]
        )
        catalog = Catalog([], project_dir=home)
        # Both sides import the same libraries; neither pays for the first import of them.
        import sklearn.ensemble
        import sklearn.linear_model  # noqa: F401
        import xgboost  # noqa: F401

        results = {
            "forecasting": pair(
                "forecasting (xgboost)", get_recipe("bench_forecast"), catalog, ["xgboost"], args.rounds
            ),
            "regression": pair(
                "regression (xgboost)", get_recipe("bench_regression"), catalog, ["xgboost"], args.rounds
            ),
        }
        candidates = list(algorithms.candidates("auto", "regression"))
        results["auto"] = pair(
            f"regression, auto ({', '.join(candidates)})", get_recipe("bench_auto"), catalog, candidates, 1
        )
        # What choosing costs over knowing the algorithm: auto's asset against the single XGBoost asset.
        results["auto"]["vs_single_algorithm_asset"] = round(
            results["auto"]["asset_s"] / results["regression"]["asset_s"], 3
        )
        print(json.dumps(results))
    finally:
        env.stop_embedded()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
