"""Batch predictions from the ``champion`` into ``predictions.<dataset>__<recipe>``.

Each family scores what its users act on: a recommended shelf price per sku, next week's units
per store and sku, the best offer per customer, a score per store site. The table is replaced in
one transaction, so readers see the previous predictions or the new ones, never a mix.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
from psycopg import sql

from nex_assets.core import db as nexdb
from nex_assets.ml import data, registry
from nex_assets.ml.logic import evaluate, features
from nex_assets.ml.logic.recipe import Recipe


class NoChampion(RuntimeError):
    pass


@dataclass
class ScoreResult:
    table: str
    model_name: str
    version: str
    rows: int
    frame: pd.DataFrame


def _pricing(recipe: Recipe, predict, frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Margin over a grid of shelf prices, summed over the stores that sell each sku in the newest week."""
    grid = recipe.hyperparameters.get("price_grid", {"low": 0.8, "high": 1.15, "steps": 36})
    multipliers = np.linspace(float(grid["low"]), float(grid["high"]), int(grid["steps"]))
    latest = frame[frame["week_start"] == frame["week_start"].max()].copy()
    for flag in ("promo", "holiday"):
        if flag in latest:
            latest[flag] = 0.0
    elasticity = evaluate.elasticities(predict, latest[columns], latest["category"])
    results = []
    for m in multipliers:
        X = latest[columns].assign(log_price_ratio=np.log(m))
        units = np.clip(np.exp(np.asarray(predict(X), dtype=float)) - 0.5, 0, None)
        price = latest["base_price"].astype(float) * m
        results.append(
            latest[["sku", "category", "base_price", "unit_cost"]].assign(
                multiplier=m,
                price=price,
                units=units,
                margin=(price - latest["unit_cost"].astype(float)) * units,
            )
        )
    scored = (
        pd.concat(results)
        .groupby(["sku", "category", "base_price", "unit_cost", "multiplier"], as_index=False)[
            ["units", "margin"]
        ]
        .sum()
    )
    best = scored.loc[scored.groupby("sku")["margin"].idxmax()].reset_index(drop=True)
    at_shelf = scored.loc[(scored["multiplier"] - 1.0).abs().groupby(scored["sku"]).idxmin()].set_index("sku")
    return pd.DataFrame(
        {
            "sku": best["sku"],
            "category": best["category"],
            "base_price": best["base_price"].astype(float),
            "unit_cost": best["unit_cost"].astype(float),
            "recommended_price": (best["base_price"].astype(float) * best["multiplier"]).round(2),
            "expected_weekly_units": best["units"].round(2),
            "expected_weekly_margin": best["margin"].round(2),
            "margin_at_shelf_price": best["sku"].map(at_shelf["margin"]).round(2),
            "elasticity": best["category"].map(elasticity).round(4),
        }
    )


def _forecasting(recipe: Recipe, predict, rows: pd.DataFrame) -> pd.DataFrame:
    """Next week's units per store and sku at shelf price without promotion (the plan not yet known)."""
    last = rows.sort_values("week_start").groupby(["store_id", "sku"], as_index=False).tail(1).copy()
    next_week = (pd.to_datetime(last["week_start"]) + pd.Timedelta(days=7)).dt.strftime("%Y-%m-%d")
    future = last.assign(week_start=next_week.to_numpy())
    future[recipe.target] = np.nan
    for flag in ("promo", "holiday"):
        if flag in future:
            future[flag] = 0
    if "price" in future and "base_price" in future:
        future["price"] = future["base_price"]
    frame = features.forecasting(pd.concat([rows, future], ignore_index=True), recipe.features, recipe.target)
    frame = frame[frame["week_start"].isin(set(next_week))]
    columns = features.model_columns_forecasting(recipe.features)
    X = frame[columns].astype(float)
    return pd.DataFrame(
        {
            "week_start": frame["week_start"].to_numpy(),
            "store_id": frame["store_id"].to_numpy(),
            "sku": frame["sku"].to_numpy(),
            "forecast_units": np.clip(np.asarray(predict(X), dtype=float), 0, None).round(2),
        }
    )


def _next_best_action(predict, frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    grid = evaluate.offer_grid(frame, columns)
    grid["acceptance_probability"] = np.asarray(predict(grid[columns]), dtype=float)
    grid = grid.sort_values(["customer_id", "acceptance_probability"], ascending=[True, False])
    best = grid.groupby("customer_id", as_index=False).head(1)
    return best[["customer_id", "offer_id", "acceptance_probability"]].round(4).reset_index(drop=True)


def _location(predict, frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    score = np.asarray(predict(frame[columns]), dtype=float)
    out = pd.DataFrame({"store_id": frame["store_id"].to_numpy(), "predicted_revenue": score.round(2)})
    out["score_rank"] = out["predicted_revenue"].rank(ascending=False, method="first").astype(int)
    return out.sort_values("score_rank").reset_index(drop=True)


def score(recipe: Recipe, *, dagster_run_id: str = "") -> ScoreResult:
    name = recipe.registered_model
    version = registry.champion_version(name)
    if version is None:
        raise NoChampion(
            f"{name} has no champion yet: no version has passed {', '.join(recipe.evaluation_packs)}; "
            f"see nex.evaluation_results for the reasons"
        )
    predict = registry.predictor(registry.load(name, version))
    with nexdb.connect() as conn:
        rows = data.load_rows(conn, recipe)
    if recipe.family == "forecasting":
        out = _forecasting(recipe, predict, rows)
    else:
        prepared = data.shape(recipe, rows)
        if recipe.family == "pricing":
            out = _pricing(recipe, predict, prepared.frame, prepared.columns)
        elif recipe.family == "next_best_action":
            out = _next_best_action(predict, prepared.frame, prepared.columns)
        else:
            out = _location(predict, prepared.frame, prepared.columns)
    out = out.assign(model_name=name, model_version=version, dagster_run_id=dagster_run_id)
    write(recipe.predictions_table, out)
    return ScoreResult(f"predictions.{recipe.predictions_table}", name, version, len(out), out)


def _pg_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "bigint"
    if pd.api.types.is_float_dtype(series):
        return "double precision"
    return "text"


def write(table: str, frame: pd.DataFrame) -> None:
    """Replaces ``predictions.<table>`` in one transaction, with a ``scored_at`` column."""
    staging = f"{table}__new"[:63]
    target = sql.Identifier("predictions", table)
    new = sql.Identifier("predictions", staging)
    cols = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_pg_type(frame[c]))) for c in frame.columns
    )
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False)
    with nexdb.connect() as conn:
        conn.execute(sql.SQL("drop table if exists {}").format(new))
        conn.execute(
            sql.SQL("create table {} ({}, scored_at timestamptz not null default now())").format(new, cols)
        )
        names = sql.SQL(", ").join(sql.Identifier(c) for c in frame.columns)
        with (
            conn.cursor() as cur,
            cur.copy(sql.SQL("copy {} ({}) from stdin with (format csv)").format(new, names)) as cp,
        ):
            cp.write(buffer.getvalue())
        conn.execute(sql.SQL("drop table if exists {}").format(target))
        conn.execute(sql.SQL("alter table {} rename to {}").format(new, sql.Identifier(table)))
