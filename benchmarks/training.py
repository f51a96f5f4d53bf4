"""Training: the forecasting recipe's XGBoost on about a million rows, through the Dagster asset and
through a plain xgboost script with the same parameters, in one run.

Both read the same warehouse table through the same query and derive the same lag features; the
asset adds Dagster, the MLflow run (parameters, metrics, model with signature and input example,
feature importance, the reference snapshot) and the registry. Prints both times, their ratio (goal:
at most 1.2) and the seconds spent in MLflow; the last line is one JSON object with ``asset_s``,
``plain_s``, ``ratio`` and ``mlflow_logging_s``.

    .venv/bin/python benchmarks/training.py [--train-rows 1000000]
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
TABLE = "raw.bench_sku_weekly_sales"


def load_table(out: Path) -> int:
    """The generated world's sales joined to products, as marts.sku_weekly_sales would hold them."""
    from nex_assets.core import db

    with db.connect() as conn:
        conn.execute("drop table if exists raw.bench_sales, raw.bench_products, raw.bench_sku_weekly_sales")
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
            "p.base_price, p.unit_cost, s.promo, s.holiday, s.units_sold "
            "from raw.bench_sales s join raw.bench_products p using (sku)"
        )
        return conn.execute(f"select count(*) from {TABLE}").fetchone()[0]


def read(recipe):
    """The recipe's columns straight from the table, as a script would query them."""
    import pandas as pd

    from nex_assets.core import db
    from nex_assets.ml.logic import features

    cols = features.input_columns(recipe.family, recipe.features, recipe.target)
    select = ", ".join(f"{c}::int as {c}" if c in {"promo", "holiday"} else c for c in cols)
    query = f"copy (select {select} from {TABLE}) to stdout with (format csv, header)"
    buffer = io.BytesIO()
    with db.connect() as conn, conn.cursor().copy(query) as cp:
        for block in cp:
            buffer.write(block)
    buffer.seek(0)
    return pd.read_csv(buffer, dtype={"week_start": str, "store_id": str, "sku": str, "category": str})


def plain(recipe) -> tuple[float, int]:
    """What a data scientist's script does: query, lag features, fit. Nothing tracked."""
    import xgboost as xgb

    from nex_assets.ml.logic import algorithms, features, split

    start = time.perf_counter()
    frame = features.forecasting(read(recipe), recipe.features, recipe.target)
    columns = features.model_columns("forecasting", recipe.features)
    train = frame[~split.holdout_mask(frame, recipe.split)]
    model = xgb.XGBRegressor(**algorithms.xgboost_params(recipe.hyperparameters))
    model.fit(train[columns].astype(float), train[recipe.target].astype(float))
    return time.perf_counter() - start, len(train)


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-rows", type=int, default=1_000_000)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="nex-bench-training-"))
    os.environ["NEX_HOME"] = str(home)
    os.environ.pop("NEX_DATABASE_URL", None)
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    recipes, packs = home / "recipes", home / "evaluation_packs"
    recipes.mkdir()
    shutil.copy(ROOT / "recipes" / "_families.yaml", recipes)
    shutil.copytree(ROOT / "evaluation_packs", packs)
    text = (ROOT / "recipes" / "demand_forecast.yaml").read_text()
    (recipes / "demand_forecast.yaml").write_text(
        text.replace("input: marts.sku_weekly_sales", f"input: {TABLE}").replace(
            "ground_truth:", "# ground_truth:"
        )
    )
    os.environ["NEX_RECIPES_DIR"] = str(recipes)
    os.environ["NEX_EVALUATION_PACKS_DIR"] = str(packs)

    from nex_assets.core import db, env
    from nex_assets.core.build import Catalog
    from nex_assets.ml import tracking
    from nex_assets.ml.logic.features import LAGS
    from nex_assets.ml.recipes import get_recipe
    from nex_assets.sample_world import MIN_WEEKS, WorldSize, generate

    try:
        db.bootstrap()
        tracking.configure()
        recipe = get_recipe("demand_forecast")
        # Rows left for training: weeks after a year of lag history, less the holdout weeks.
        weeks_trained = MIN_WEEKS - max(LAGS) - int(recipe.split.holdout)
        sales_rows = int(args.train_rows / weeks_trained * MIN_WEEKS)
        t = time.perf_counter()
        generate(home / "world", size=WorldSize.for_sales_rows(sales_rows))
        rows = load_table(home / "world")
        print(f"world: {rows:,} sales rows in {TABLE} ({time.perf_counter() - t:.0f}s to build)")

        read(recipe)  # warms the database's page cache, so neither side pays for a cold read
        asset_s, metadata = through_asset(recipe, Catalog([], project_dir=home))
        plain_s, trained = plain(recipe)
        timings = metadata["timings_s"]
        mlflow_s = float(timings["mlflow_s"])
        print(f"training rows:        {trained:,} (asset: {metadata['train_rows']:,})")
        print(f"plain xgboost script: {plain_s:8.1f} s")
        print(
            f"through the asset:    {asset_s:8.1f} s  (read {timings['read_s']}s, fit {timings['fit_s']}s, "
            f"mlflow {mlflow_s}s)"
        )
        print(f"ratio asset/plain:    {asset_s / plain_s:8.2f}  (goal <= 1.2)")
        print(f"holdout metrics of the asset's model:\n{metadata['holdout_metrics']}")
        print(
            json.dumps(
                {
                    "asset_s": round(asset_s, 2),
                    "plain_s": round(plain_s, 2),
                    "ratio": round(asset_s / plain_s, 3),
                    "mlflow_logging_s": round(mlflow_s, 2),
                }
            )
        )
    finally:
        env.stop_embedded()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
