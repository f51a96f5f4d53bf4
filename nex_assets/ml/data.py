"""Reading a recipe's rows from the warehouse and shaping them into its family's model frame.

The roles are checked against the table before any row is read: a column that is not there, or is
of a type its role cannot use (a text price, a date target), fails with the recipe file, the field
and the tables searched. Rows come through ``COPY ... TO STDOUT`` into pandas, the fastest path
from PostgreSQL at a million rows.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
from psycopg import sql

from nex_assets.ml.logic import features, split
from nex_assets.ml.logic.algorithms import task_of
from nex_assets.ml.logic.features import FeatureError, ModelFrame
from nex_assets.ml.logic.frequency import Frequency, FrequencyError, resolve, to_periods
from nex_assets.ml.logic.recipe import ROLE_FEATURES, Recipe, RecipeError

NUMERIC_TYPES = {"smallint", "integer", "bigint", "numeric", "real", "double precision"}
DATE_TYPES = {"date", "timestamp without time zone", "timestamp with time zone"}
# Roles whose columns must hold numbers.
NUMERIC_ROLES = ("price", "cost", "reference_price")


def _table_columns(conn, table: str) -> dict[str, str]:
    schema, name = table.split(".")
    rows = conn.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = %s and table_name = %s order by ordinal_position",
        (schema, name),
    ).fetchall()
    return dict(rows)


@dataclass
class Columns:
    """Where each wanted column comes from (table position) and its PostgreSQL type."""

    sources: dict[str, tuple[int, str]]
    available: list[str]

    def kind(self, column: str) -> str:
        return self.sources[column][1]

    @property
    def dates(self) -> set[str]:
        return {c for c, (_, t) in self.sources.items() if t in DATE_TYPES}


def _field(recipe: Recipe, column: str) -> str:
    """The recipe field that names ``column``, for error messages."""
    if column == recipe.target:
        return "target"
    for role, value in recipe.roles.model_dump().items():
        if value == column or (isinstance(value, list) and column in value):
            return f"roles.{role}"
    return "features"


def feature_columns(recipe: Recipe, available: list[str]) -> list[str]:
    """The listed features, or every column no role uses when the recipe lists none."""
    if recipe.features or recipe.family in ROLE_FEATURES:
        return list(recipe.features)
    used = {recipe.target, *recipe.roles.columns(), recipe.split_column}
    return [c for c in available if c not in used]


def wanted_columns(recipe: Recipe, available: list[str]) -> list[str]:
    roles = recipe.roles
    wanted = [*roles.columns(), recipe.target, *feature_columns(recipe, available)]
    if recipe.split_column:
        wanted.append(recipe.split_column)
    if recipe.family == "next_best_action" and roles.shape == "wide":
        prefixes = tuple(f"{a}_" for a in roles.option_attributes)
        wanted += [c for c in available if c.startswith(prefixes)]
    return list(dict.fromkeys(wanted))


def resolve_columns(conn, recipe: Recipe) -> Columns:
    tables = [_table_columns(conn, t) for t in recipe.tables]
    for t, cols in zip(recipe.tables, tables, strict=True):
        if not cols:
            raise RecipeError(
                f"{recipe.file}: input: table {t} does not exist (has its asset been materialized?)"
            )
    for join, cols in zip(recipe.joins, tables[1:], strict=True):
        for key in join.using:
            if key not in cols:
                raise RecipeError(f"{recipe.file}: joins: {join.table} has no column `{key}` to join on")
    available = list(dict.fromkeys(c for cols in tables for c in cols))
    found: dict[str, tuple[int, str]] = {}
    for col in wanted_columns(recipe, available):
        for i, cols in enumerate(tables):
            if col in cols:
                found[col] = (i, cols[col])
                break
        else:
            raise RecipeError(
                f"{recipe.file}: {_field(recipe, col)}: column `{col}` is in none of "
                f"{', '.join(recipe.tables)}"
            )
    columns = Columns(found, available)
    check_types(recipe, columns)
    return columns


def check_types(recipe: Recipe, columns: Columns) -> None:
    """Roles that need numbers get numbers; a target is what its family can learn."""
    roles = recipe.roles
    for role in NUMERIC_ROLES:
        column = getattr(roles, role)
        if column and columns.kind(column) not in NUMERIC_TYPES:
            raise RecipeError(
                f"{recipe.file}: roles.{role}: `{column}` is {columns.kind(column)}; "
                f"a {role} must be a number"
            )
    numeric_target = recipe.family in ("regression", "scoring", "forecasting", "pricing")
    kind = columns.kind(recipe.target)
    if numeric_target and kind not in NUMERIC_TYPES:
        raise RecipeError(
            f"{recipe.file}: target: `{recipe.target}` is {kind}; family {recipe.family} predicts a number "
            "(use classification for categories)"
        )
    if roles.time and columns.kind(roles.time) not in NUMERIC_TYPES | DATE_TYPES | {
        "text",
        "character varying",
    }:
        raise RecipeError(
            f"{recipe.file}: roles.time: `{roles.time}` ({columns.kind(roles.time)}) is not a time"
        )


def load_rows(conn, recipe: Recipe) -> tuple[pd.DataFrame, Columns]:
    columns = resolve_columns(conn, recipe)
    aliases = [sql.Identifier(f"t{i}") for i in range(len(recipe.tables))]
    select = []
    for col, (i, kind) in columns.sources.items():
        ref = sql.SQL("{}.{}").format(aliases[i], sql.Identifier(col))
        # COPY writes booleans as t/f; integers read back unambiguously.
        select.append(sql.SQL("{}::int as {}").format(ref, sql.Identifier(col)) if kind == "boolean" else ref)
    query = sql.SQL("select {} from {} as {}").format(
        sql.SQL(", ").join(select), sql.Identifier(*recipe.input.split(".")), aliases[0]
    )
    for i, join in enumerate(recipe.joins, start=1):
        on = sql.SQL(" and ").join(
            sql.SQL("{}.{} = {}.{}").format(aliases[0], sql.Identifier(k), aliases[i], sql.Identifier(k))
            for k in join.using
        )
        query += sql.SQL(" join {} as {} on {}").format(
            sql.Identifier(*join.table.split(".")), aliases[i], on
        )
    buffer = io.BytesIO()
    with (
        conn.cursor() as cur,
        cur.copy(sql.SQL("copy ({}) to stdout with (format csv, header)").format(query)) as cp,
    ):
        for block in cp:
            buffer.write(block)
    buffer.seek(0)
    text = {c for c, (_, kind) in columns.sources.items() if kind not in NUMERIC_TYPES and kind != "boolean"}
    rows = pd.read_csv(buffer, dtype={c: str for c in text}, keep_default_na=True)
    if rows.empty:
        raise RecipeError(f"{recipe.file}: input: {recipe.input} has no rows")
    return rows, columns


def frequency_of(recipe: Recipe, rows: pd.DataFrame) -> Frequency | None:
    if not recipe.roles.time:
        return None
    try:
        return resolve(to_periods(rows[recipe.roles.time]), recipe.roles.frequency)
    except FrequencyError as exc:
        raise RecipeError(f"{recipe.file}: roles.time: `{recipe.roles.time}`: {exc}") from exc


def shape(recipe: Recipe, rows: pd.DataFrame, columns: Columns) -> ModelFrame:
    """The family's model frame from the rows; role problems found in the data name the field."""
    roles = recipe.roles
    try:
        if recipe.family in ("regression", "classification", "scoring"):
            chosen = feature_columns(recipe, columns.available)
            if not recipe.features:
                # Listed by nobody: leave out row keys (a value per row teaches a model nothing).
                chosen = [c for c in chosen if not _row_key(rows[c])]
            frame = features.tabular(rows, chosen, recipe.target, task_of(recipe.family), columns.dates)
        elif recipe.family == "forecasting":
            frame = features.forecasting(
                rows, recipe.target, roles.time, roles.series, roles.covariates, frequency_of(recipe, rows)
            )
        elif recipe.family == "pricing":
            frame = features.pricing(
                rows,
                recipe.target,
                roles.price,
                roles.reference_price,
                roles.groups,
                roles.entities,
                roles.controls,
                roles.time,
                frequency_of(recipe, rows),
            )
        else:
            frame = features.choice(
                rows,
                recipe.target,
                roles.entity,
                roles.action,
                roles.shape,
                roles.context,
                roles.action_features,
                roles.option_attributes,
                order=[roles.time] if roles.time else roles.id,
            )
    except (FeatureError, FrequencyError) as exc:
        raise RecipeError(f"{recipe.file}: {exc}") from exc
    keep = [c for c in [*roles.id, roles.entity, recipe.split_column] if c and c in rows.columns]
    for c in keep:
        if c not in frame.data:
            frame.data[c] = rows[c].to_numpy() if len(rows) == len(frame.data) else np.nan
    check_target(recipe, frame)
    return frame


def _row_key(values: pd.Series) -> bool:
    """A column with a different value on every row that is not a measurement (text or whole
    numbers): an identifier."""
    if values.nunique(dropna=True) < len(values) or len(values) < 20:
        return False
    if pd.api.types.is_float_dtype(values):
        return bool(np.allclose(values.dropna(), np.round(values.dropna())))
    return True


def check_target(recipe: Recipe, frame: ModelFrame) -> None:
    values = frame.data[frame.target].dropna()
    if values.nunique() < 2:
        shown = values.iloc[0] if len(values) else "no value"
        raise RecipeError(
            f"{recipe.file}: target: `{recipe.target}` has a single value ({shown}) in {recipe.input}; "
            "there is nothing to learn"
        )
    if len(frame.data) < 10:
        raise RecipeError(f"{recipe.file}: input: {len(frame.data)} usable rows; a model needs at least 10")


def prepare(conn, recipe: Recipe) -> ModelFrame:
    rows, columns = load_rows(conn, recipe)
    return shape(recipe, rows, columns)


@dataclass
class Split:
    """A model frame cut into the rows a model learns from and the rows it is judged on (none for
    k-fold recipes, judged out of fold)."""

    frame: ModelFrame
    train: ModelFrame
    holdout: ModelFrame | None


def _subset(frame: ModelFrame, mask: np.ndarray) -> ModelFrame:
    return ModelFrame(
        frame.data[mask].reset_index(drop=True), frame.columns, frame.categorical, frame.target, frame.info
    )


def cut(recipe: Recipe, frame: ModelFrame) -> Split:
    """The holdout of the recipe's split, along the column its kind defaults to."""
    if recipe.split.kind == "kfold":
        return Split(frame, frame, None)
    column = recipe.split_column
    if recipe.family == "forecasting" and recipe.split.kind == "time":
        column = features.PERIOD
    try:
        mask = split.holdout_mask(frame.data, recipe.split, column)
    except (KeyError, ValueError) as exc:
        raise RecipeError(f"{recipe.file}: split: {exc}") from exc
    return Split(frame, _subset(frame, ~mask), _subset(frame, mask))


def current_frame(conn, recipe: Recipe, periods: int | None = None, seen=None) -> pd.DataFrame:
    """The newest model frame for drift: the last ``periods`` periods along the recipe's time column
    (a year of periods by default); without one, the rows whose fingerprint is not in ``seen`` (the
    champion's training rows), or every row when there are no fingerprints. Holds the model columns
    and the target, as the reference snapshot does."""
    frame = prepare(conn, recipe)
    data = frame.data
    time = features.PERIOD if features.PERIOD in data else recipe.roles.time
    if time and time in data:
        when = to_periods(data[time]) if time != features.PERIOD else data[time]
        freq = frame.info.get("season") or 12
        newest = np.sort(when.unique())[-(periods or max(int(freq), 4)) :]
        data = data[when.isin(newest).to_numpy()]
    elif seen is not None:
        data = data[~np.isin(features.fingerprints(frame), seen)]
    return data[[*frame.columns, frame.target]].reset_index(drop=True)
