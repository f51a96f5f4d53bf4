"""Batch predictions from the ``champion`` into ``predictions.<dataset>__<recipe>``, one documented
shape per family (each row also carries the model's name and version and when it was scored):

- regression: the ``id`` columns (or the row number) and ``prediction``;
- classification: the ``id`` columns, ``predicted_class`` and its ``probability``;
- scoring: the ``id`` columns, ``score`` and ``score_rank`` (1 = best);
- forecasting: the series keys, ``period`` and ``forecast`` for the next ``horizon`` periods (future
  covariates carried forward from the last period, flags off);
- pricing: per ``id`` (else entity, else group) in the newest period, the group's ``elasticity`` with its 95%
  interval and, where there is a cost, the ``recommended_price`` that maximises margin on a grid
  around the price, with expected units and margin;
- next best action: per entity, the ``best_option`` and its ``probability``.

The table is replaced in one transaction, so readers see the previous predictions or the new ones.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
from psycopg import sql

from nex_assets.core import db as nexdb
from nex_assets.ml import data, registry
from nex_assets.ml.logic import features, measure
from nex_assets.ml.logic.features import ModelFrame
from nex_assets.ml.logic.frequency import next_periods, to_periods
from nex_assets.ml.logic.recipe import Recipe

DEFAULT_PRICE_GRID = {"low": 0.8, "high": 1.15, "steps": 36}


class NoChampion(RuntimeError):
    pass


@dataclass
class ScoreResult:
    table: str
    model_name: str
    version: str
    rows: int
    frame: pd.DataFrame


def _ids(recipe: Recipe, frame: ModelFrame) -> pd.DataFrame:
    keys = [c for c in recipe.roles.id if c in frame.data]
    if keys:
        return frame.data[keys].reset_index(drop=True)
    return pd.DataFrame({"row_number": np.arange(1, len(frame.data) + 1)})


def regression(recipe: Recipe, model, frame: ModelFrame) -> pd.DataFrame:
    return _ids(recipe, frame).assign(prediction=np.asarray(model.predict(frame.X), dtype=float).round(6))


def classification(recipe: Recipe, model, frame: ModelFrame) -> pd.DataFrame:
    proba = np.asarray(model.predict_proba(frame.X), dtype=float)
    classes = np.array([str(c) for c in model.classes_])
    return _ids(recipe, frame).assign(
        predicted_class=classes[np.argmax(proba, axis=1)], probability=proba.max(axis=1).round(6)
    )


def scoring(recipe: Recipe, model, frame: ModelFrame) -> pd.DataFrame:
    out = _ids(recipe, frame).assign(score=np.asarray(model.predict(frame.X), dtype=float).round(6))
    out["score_rank"] = out["score"].rank(ascending=False, method="first").astype(int)
    return out.sort_values("score_rank").reset_index(drop=True)


def forecasting(recipe: Recipe, model, rows: pd.DataFrame) -> pd.DataFrame:
    """The next ``horizon`` periods of every series, one at a time: each forecast becomes the lag
    of the next."""
    roles = recipe.roles
    freq = data.frequency_of(recipe, rows)
    series = roles.series
    history = rows.copy()
    history[features.PERIOD] = to_periods(history[roles.time])
    # Future rows cannot be written in every spelling a time column has (fractional years, week
    # labels): history and future both carry the period itself, which ``to_periods`` reads as is.
    history[roles.time] = history[features.PERIOD]
    origin = history[features.PERIOD].min()
    last = (
        history.sort_values(features.PERIOD).groupby(series, sort=False).tail(1)
        if series
        else history.sort_values(features.PERIOD).tail(1)
    )
    out = []
    for period in next_periods(history[features.PERIOD].max(), freq, roles.horizon):
        future = last.copy()
        future[features.PERIOD] = period
        future[roles.time] = period
        future[recipe.target] = np.nan
        for c in roles.covariates:
            if c in future and set(pd.unique(future[c].dropna())) <= {0, 1}:
                future[c] = 0
        combined = pd.concat(
            [history.drop(columns=[features.PERIOD]), future.drop(columns=[features.PERIOD])],
            ignore_index=True,
        )
        frame = features.forecasting(
            combined, recipe.target, roles.time, series, roles.covariates, freq, origin
        )
        step = frame.data[frame.data[features.PERIOD] == period]
        forecast = np.clip(np.asarray(model.predict(step[frame.columns]), dtype=float), 0, None)
        step = step.assign(**{recipe.target: forecast})
        keep = [*series, recipe.target]
        future = (
            future.drop(columns=[recipe.target]).merge(step[keep], on=series, how="left")
            if series
            else future.assign(**{recipe.target: forecast})
        )
        history = pd.concat([history, future], ignore_index=True)
        out.append(step[series].assign(period=period.strftime("%Y-%m-%d"), forecast=forecast.round(4)))
    return pd.concat(out, ignore_index=True)


def pricing(recipe: Recipe, model, frame: ModelFrame) -> pd.DataFrame:
    """Per price-setting unit in the newest period."""
    roles = recipe.roles
    data_ = frame.data
    if roles.time:
        newest = to_periods(data_[roles.time])
        data_ = data_[(newest == newest.max()).to_numpy()]
    latest = data_.copy()
    labels = measure.group_labels(
        ModelFrame(latest, frame.columns, frame.categorical, frame.target, frame.info)
    )
    intervals = dict(
        getattr(getattr(model, "named_steps", {}).get("model", model), "elasticities_", {}) or {}
    )
    found = measure.elasticities(model, latest[frame.columns], labels)
    # The price-setting unit: the rows' ids, else the panel's entities (a store, a state), else
    # the groups that have an elasticity each.
    units = (
        [c for c in roles.id if c in latest]
        or [c for c in roles.entities if c in latest]
        or [c for c in roles.groups if c in latest]
    )
    grid = recipe.hyperparameters.get("price_grid", DEFAULT_PRICE_GRID)
    multipliers = np.linspace(float(grid["low"]), float(grid["high"]), int(grid["steps"]))
    price = latest[roles.price].astype(float)
    rows = []
    for m in multipliers if roles.cost else [1.0]:
        X = latest[frame.columns].assign(log_price=latest["log_price"] + np.log(m))
        expected = np.clip(np.exp(np.asarray(model.predict(X), dtype=float)) - 0.5, 0, None)
        part = latest[units].assign(multiplier=m, price=price * m, units=expected, _group=labels.to_numpy())
        if roles.cost:
            part["margin"] = (part["price"] - latest[roles.cost].astype(float)) * expected
        rows.append(part)
    scored = pd.concat(rows, ignore_index=True)
    keys = [*units, "_group", "multiplier"] if units else ["_group", "multiplier"]
    sums = scored.groupby(keys, as_index=False).agg(
        price=("price", "mean"),
        units=("units", "sum"),
        **({"margin": ("margin", "sum")} if roles.cost else {}),
    )
    by = [*units, "_group"] if units else ["_group"]
    pick = sums.loc[sums.groupby(by)["margin" if roles.cost else "units"].idxmax()].reset_index(drop=True)
    out = pick[[*units]].copy() if units else pd.DataFrame(index=pick.index)
    out["group"] = pick["_group"].to_numpy()
    out["elasticity"] = out["group"].map(found).round(4)
    se = out["group"].map({g: s for g, (_, s) in intervals.items()})
    out["elasticity_ci_low"] = (out["elasticity"] - 1.96 * se).round(4)
    out["elasticity_ci_high"] = (out["elasticity"] + 1.96 * se).round(4)
    if roles.cost:
        at_price = sums.loc[(sums["multiplier"] - 1.0).abs().groupby([sums[c] for c in by]).idxmin()]
        current = at_price.set_index(by)["margin"]
        out["recommended_price"] = pick["price"].round(2).to_numpy()
        out["expected_units"] = pick["units"].round(2).to_numpy()
        out["expected_margin"] = pick["margin"].round(2).to_numpy()
        out["margin_at_current_price"] = np.round(
            [current.get(tuple(r) if len(by) > 1 else r[0]) for r in pick[by].to_numpy()], 2
        )
    else:
        out["current_price"] = pick["price"].round(4).to_numpy()
        out["expected_units"] = pick["units"].round(2).to_numpy()
    return out


def next_best_action(recipe: Recipe, model, frame: ModelFrame) -> pd.DataFrame:
    roles = recipe.roles
    if frame.info.get("shape") == "wide":
        latest = features.next_choice(frame, roles.entity)
        latest = latest.assign(_p=measure.positive_scores(model, latest[frame.columns]))
        option = features.OPTION
    else:
        latest = measure.offer_grid(frame, roles.entity, roles.action)
        latest = latest.assign(_p=measure.positive_scores(model, latest[frame.columns]))
        option = roles.action
    best = latest.sort_values([roles.entity, "_p"], ascending=[True, False]).groupby(roles.entity).head(1)
    return pd.DataFrame(
        {
            roles.entity: best[roles.entity].to_numpy(),
            "best_option": best[option].astype(str).to_numpy(),
            "probability": best["_p"].round(4).to_numpy(),
        }
    )


def score(recipe: Recipe, *, dagster_run_id: str = "") -> ScoreResult:
    name = recipe.registered_model
    version = registry.champion_version(name)
    if version is None:
        raise NoChampion(
            f"{name} has no champion yet: no version has passed {', '.join(recipe.evaluation_packs)}; "
            f"see nex.evaluation_results for the reasons"
        )
    model = registry.load(name, version)
    with nexdb.connect() as conn:
        rows, columns = data.load_rows(conn, recipe)
    if recipe.family == "forecasting":
        out = forecasting(recipe, model, rows)
    else:
        frame = data.shape(recipe, rows, columns)
        writer = {
            "regression": regression,
            "classification": classification,
            "scoring": scoring,
            "pricing": pricing,
            "next_best_action": next_best_action,
        }[recipe.family]
        out = writer(recipe, model, frame)
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
