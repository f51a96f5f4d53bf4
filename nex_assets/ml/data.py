"""Reading a recipe's rows from the warehouse and shaping them into model frames.

Columns are checked against the warehouse's catalog before any row is read, so a recipe that
names a missing column fails with the recipe file, the field and the tables searched. Rows come
through ``COPY ... TO STDOUT`` into pandas, the fastest path from Postgres at a million rows.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
from psycopg import sql

from nex_assets.ml.logic import features, split
from nex_assets.ml.logic.recipe import Recipe, RecipeError

# Newest periods that make up the "current" frame drift monitoring compares with the reference.
CURRENT_WEEKS = 13


def _table_columns(conn, table: str) -> dict[str, str]:
    schema, name = table.split(".")
    rows = conn.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = %s and table_name = %s order by ordinal_position",
        (schema, name),
    ).fetchall()
    return dict(rows)


def _sources(conn, recipe: Recipe, wanted: list[str]) -> dict[str, tuple[int, str]]:
    """Which table (by position) and type each wanted column comes from; errors name the field."""
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
    found = {}
    for col in wanted:
        for i, cols in enumerate(tables):
            if col in cols:
                found[col] = (i, cols[col])
                break
        else:
            field = "target" if col == recipe.target else "features"
            raise RecipeError(
                f"{recipe.file}: {field}: column `{col}` is in none of {', '.join(recipe.tables)}"
            )
    return found


def load_rows(conn, recipe: Recipe, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    wanted = features.input_columns(recipe.family, recipe.features, recipe.target, extra)
    sources = _sources(conn, recipe, wanted)
    aliases = [sql.Identifier(f"t{i}") for i in range(len(recipe.tables))]
    select = []
    for col in wanted:
        i, kind = sources[col]
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
    text_cols = {c for c, (_, kind) in sources.items() if kind in {"text", "character varying", "date"}}
    rows = pd.read_csv(buffer, dtype={c: str for c in text_cols}, keep_default_na=True)
    if rows.empty:
        raise RecipeError(f"{recipe.file}: input: {recipe.input} has no rows")
    return rows


@dataclass
class Prepared:
    """A recipe's model frame and the columns the model takes."""

    frame: pd.DataFrame
    columns: list[str]


def prepare(conn, recipe: Recipe, extra: tuple[str, ...] = ()) -> Prepared:
    rows = load_rows(conn, recipe, extra)
    return shape(recipe, rows)


def shape(recipe: Recipe, rows: pd.DataFrame) -> Prepared:
    frame = features.build(recipe.family, rows, recipe.features, recipe.target)
    check_target(recipe, frame)
    columns = features.model_columns(recipe.family, recipe.features)
    # Numbers enter models as floats: an integer column in an MLflow signature rejects the missing
    # values a later batch may hold.
    numeric = [c for c in columns if pd.api.types.is_numeric_dtype(frame[c])]
    frame[numeric] = frame[numeric].astype(float)
    return Prepared(frame, columns)


def check_target(recipe: Recipe, frame: pd.DataFrame) -> None:
    values = frame[recipe.target].dropna()
    if values.nunique() < 2:
        shown = values.iloc[0] if len(values) else "no value"
        raise RecipeError(
            f"{recipe.file}: target: `{recipe.target}` has a single value ({shown}) in {recipe.input}; "
            "there is nothing to learn"
        )


def holdout_mask(recipe: Recipe, frame: pd.DataFrame) -> np.ndarray:
    """Holdout rows for time and group splits; none for k-fold, whose holdouts are the folds."""
    if recipe.split.kind == "kfold":
        return np.zeros(len(frame), dtype=bool)
    try:
        return split.holdout_mask(frame, recipe.split)
    except (KeyError, ValueError) as exc:
        raise RecipeError(f"{recipe.file}: split: {exc}") from exc


def current_frame(conn, recipe: Recipe, weeks: int = CURRENT_WEEKS) -> pd.DataFrame:
    """The newest model frame: the last ``weeks`` weeks for weekly recipes, every row otherwise.
    Holds the model columns and the target, as the reference snapshot does."""
    prepared = prepare(conn, recipe)
    frame = prepared.frame
    if "week_start" in frame:
        newest = np.sort(frame["week_start"].unique())[-weeks:]
        frame = frame[frame["week_start"].isin(newest)]
    return frame[[*prepared.columns, recipe.target]].reset_index(drop=True)
