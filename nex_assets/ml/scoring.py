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

Every row is scored, ``config/ml.yaml``'s ``frame.batch_rows`` at a time in batches of whole units
(``data.batches``), and the table is replaced in one transaction, so readers see the previous
predictions or the new ones.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from psycopg import sql

from nex_assets.core import db as nexdb
from nex_assets.ml import data, registry
from nex_assets.ml.logic import features, measure
from nex_assets.ml.logic.features import ModelFrame
from nex_assets.ml.logic.frequency import next_periods, to_periods
from nex_assets.ml.logic.recipe import Recipe, RecipeError

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


def _ids(recipe: Recipe, frame: ModelFrame, first: int = 1) -> pd.DataFrame:
    keys = [c for c in recipe.roles.id if c in frame.data]
    if keys:
        return frame.data[keys].reset_index(drop=True)
    return pd.DataFrame({"row_number": np.arange(first, first + len(frame.data))})


def regression(recipe: Recipe, model, frame: ModelFrame, first: int = 1) -> pd.DataFrame:
    return _ids(recipe, frame, first).assign(
        prediction=np.asarray(model.predict(frame.X), dtype=float).round(6)
    )


def classification(recipe: Recipe, model, frame: ModelFrame, first: int = 1) -> pd.DataFrame:
    proba = np.asarray(model.predict_proba(frame.X), dtype=float)
    classes = np.array([str(c) for c in model.classes_])
    return _ids(recipe, frame, first).assign(
        predicted_class=classes[np.argmax(proba, axis=1)], probability=proba.max(axis=1).round(6)
    )


def scoring(recipe: Recipe, model, frame: ModelFrame, first: int = 1) -> pd.DataFrame:
    """Scores of one batch; the rank over every batch is given by the table (``Replacement.rank``)."""
    return _ids(recipe, frame, first).assign(score=np.asarray(model.predict(frame.X), dtype=float).round(6))


def forecasting(recipe: Recipe, model, rows: pd.DataFrame, freq=None, origin=None) -> pd.DataFrame:
    """The next ``horizon`` periods of every series in ``rows``, one at a time: each forecast becomes
    the lag of the next. ``freq`` and ``origin`` (the first period of the whole input) default to
    those of ``rows``."""
    roles = recipe.roles
    freq = freq or data.frequency_of(recipe, rows)
    series = roles.series
    history = rows.copy()
    history[features.PERIOD] = to_periods(history[roles.time])
    # Future rows cannot be written in every spelling a time column has (fractional years, week
    # labels): history and future both carry the period itself, which ``to_periods`` reads as is.
    history[roles.time] = history[features.PERIOD]
    origin = history[features.PERIOD].min() if origin is None else origin
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


def pricing_units(recipe: Recipe, present) -> list[str]:
    """The price-setting unit among the ``present`` columns: the rows' ids, else the panel's entities
    (a store, a state), else the groups that have an elasticity each."""
    roles = recipe.roles
    return (
        [c for c in roles.id if c in present]
        or [c for c in roles.entities if c in present]
        or [c for c in roles.groups if c in present]
    )


def pricing(recipe: Recipe, model, frame: ModelFrame) -> pd.DataFrame:
    """Per price-setting unit in the newest period of ``frame``."""
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
    units = pricing_units(recipe, latest.columns)
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


def scored_batches(conn, recipe: Recipe, model, batch_rows: int, inputs: list[str] | None = None):
    """The predictions of every row, one batch of whole units at a time. Forecasts read only the
    newest periods their lags reach back to; pricing reads only the newest period."""
    roles, family = recipe.roles, recipe.family
    total = data.input_rows(conn, recipe)
    if family in ("forecasting", "pricing") and roles.time:
        if family == "forecasting":
            # Lags reach back ``max(lags)`` periods, the rolling mean ``window`` + 1; one more for slack.
            window = data.time_window(conn, recipe, lambda freq: max(freq.lags) + freq.window + 2)
            units = roles.series
        else:
            window = data.time_window(conn, recipe, lambda freq: 1)
            units = pricing_units(recipe, data.resolve_columns(conn, recipe).sources)
        # Without series or units every kept row belongs to the one series: a single batch.
        expected = math.ceil(total * window.kept / window.periods) if units else 0
        for rows, columns in data.batches(conn, recipe, units, expected, batch_rows, [window.where]):
            if family == "forecasting":
                yield forecasting(recipe, model, rows, window.freq, window.origin)
            else:
                frame = data.shape(recipe, rows, columns, freq=window.freq, origin=window.origin, learn=False)
                yield pricing(recipe, model, frame)
        return
    rowwise = family in ("regression", "classification", "scoring")
    if family == "pricing":
        units = pricing_units(recipe, data.resolve_columns(conn, recipe).sources)
    elif family == "next_best_action":
        units = [roles.entity]
    else:
        units = []
    first = 1
    # Rows of a row-wise family stand alone; any other family without units is one batch.
    expected = total if units or rowwise else 0
    for rows, columns in data.batches(conn, recipe, units, expected, batch_rows):
        frame = data.shape(recipe, rows, columns, inputs=inputs, learn=False)
        if rowwise:
            writer = {"regression": regression, "classification": classification, "scoring": scoring}[family]
            yield writer(recipe, model, frame, first)
            first += len(frame.data)
        elif family == "pricing":
            yield pricing(recipe, model, frame)
        else:
            yield next_best_action(recipe, model, frame)


def score(recipe: Recipe, *, dagster_run_id: str = "") -> ScoreResult:
    name = recipe.registered_model
    version = registry.champion_version(name)
    if version is None:
        raise NoChampion(
            f"{name} has no champion yet: no version has passed {', '.join(recipe.evaluation_packs)}; "
            f"see nex.evaluation_results for the reasons"
        )
    model = registry.load(name, version)
    inputs = registry.version_tags(name, version).get("nex.inputs")
    batch_rows = data.frame_settings().batch_rows
    with nexdb.connect() as conn, Replacement(recipe.predictions_table) as table:
        for out in scored_batches(conn, recipe, model, batch_rows, json.loads(inputs) if inputs else None):
            table.add(out.assign(model_name=name, model_version=version, dagster_run_id=dagster_run_id))
        if not table.rows:
            raise RecipeError(f"{recipe.file}: input: {recipe.input} has no rows to score")
        if recipe.family == "scoring":
            table.rank("score", "score_rank")
    return ScoreResult(f"predictions.{recipe.predictions_table}", name, version, table.rows, table.preview)


def _pg_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "bigint"
    if pd.api.types.is_float_dtype(series):
        return "double precision"
    return "text"


PREVIEW_ROWS = 10


class Replacement:
    """``predictions.<table>`` rebuilt batch by batch in one transaction, with a ``scored_at`` column:
    readers see the previous predictions until the new ones are complete, and a failure on any batch
    leaves the previous table as it was. Column types come from the first batch."""

    def __init__(self, table: str):
        self.table = table
        self.staging = sql.Identifier("predictions", f"{table}__new"[:63])
        self.columns: list[str] | None = None
        self.rows = 0
        self.preview = pd.DataFrame()
        self._order: str | None = None

    def __enter__(self) -> Replacement:
        self.conn = nexdb.connect()
        self.conn.execute(sql.SQL("drop table if exists {}").format(self.staging))
        return self

    def add(self, frame: pd.DataFrame) -> None:
        if self.columns is None:
            self.columns = list(frame.columns)
            cols = sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_pg_type(frame[c]))) for c in frame.columns
            )
            self.conn.execute(
                sql.SQL("create table {} ({}, scored_at timestamptz not null default now())").format(
                    self.staging, cols
                )
            )
        buffer = io.StringIO()
        frame[self.columns].to_csv(buffer, index=False, header=False)
        names = sql.SQL(", ").join(sql.Identifier(c) for c in self.columns)
        with (
            self.conn.cursor() as cur,
            cur.copy(sql.SQL("copy {} ({}) from stdin with (format csv)").format(self.staging, names)) as cp,
        ):
            cp.write(buffer.getvalue())
        self.rows += len(frame)

    def rank(self, column: str, name: str) -> None:
        """A 1-based rank of ``column`` (highest first) over every batch, as column ``name``."""
        self.conn.execute(
            sql.SQL("alter table {} add column {} bigint").format(self.staging, sql.Identifier(name))
        )
        self.conn.execute(
            sql.SQL(
                "update {t} set {n} = r.n from (select ctid, row_number() over (order by {c} desc) as n "
                "from {t}) as r where {t}.ctid = r.ctid"
            ).format(t=self.staging, n=sql.Identifier(name), c=sql.Identifier(column))
        )
        self.columns = [*(self.columns or []), name]
        self._order = name

    def __exit__(self, kind, exc, tb) -> None:
        try:
            if kind is not None:
                self.conn.rollback()
                return
            order = (
                sql.SQL(" order by {}").format(sql.Identifier(self._order)) if self._order else sql.SQL("")
            )
            names = sql.SQL(", ").join(sql.Identifier(c) for c in self.columns or [])
            cursor = self.conn.execute(
                sql.SQL("select {} from {}{} limit {}").format(
                    names, self.staging, order, sql.Literal(PREVIEW_ROWS)
                )
            )
            self.preview = pd.DataFrame(cursor.fetchall(), columns=self.columns)
            target = sql.Identifier("predictions", self.table)
            self.conn.execute(sql.SQL("drop table if exists {}").format(target))
            self.conn.execute(
                sql.SQL("alter table {} rename to {}").format(self.staging, sql.Identifier(self.table))
            )
            self.conn.commit()
        finally:
            self.conn.close()
