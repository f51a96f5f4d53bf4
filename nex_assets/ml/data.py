"""Reading a recipe's rows from the warehouse and shaping them into its family's model frame.

The roles are checked against the table before any row is read: a column that is not there, or is
of a type its role cannot use (a text price, a date target), fails with the recipe file, the field
and the tables searched. Rows come through ``COPY ... TO STDOUT`` into pandas, the fastest path
from PostgreSQL at a million rows. Above ``config/ml.yaml``'s ``frame.max_rows`` a step reads a
repeatable sample of whole units (``logic/sample.py``); predictions read every row in batches of whole
units (``batches``), so no step holds a large table at once.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from psycopg import sql

from nex_assets.ml.logic import features, sample, split
from nex_assets.ml.logic.algorithms import task_of
from nex_assets.ml.logic.features import FeatureError, ModelFrame
from nex_assets.ml.logic.frequency import Frequency, FrequencyError, resolve, to_periods
from nex_assets.ml.logic.recipe import ROLE_FEATURES, Recipe, RecipeError
from nex_assets.ml.logic.sample import Sample

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
    # Columns of the input tables that hold personal data: never learnt from (a model's file would
    # keep their values: the categories of an encoder, the classes of a target).
    personal: frozenset[str] = frozenset()

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


def feature_columns(
    recipe: Recipe, available: list[str], personal: frozenset[str] = frozenset()
) -> list[str]:
    """The listed features, or every column no role uses and no person can be known by when the
    recipe lists none."""
    if recipe.features or recipe.family in ROLE_FEATURES:
        return list(recipe.features)
    used = {recipe.target, *recipe.roles.columns(), recipe.split_column}
    return [c for c in available if c not in used and c not in personal]


def personal_columns(conn, tables: list[str]) -> frozenset[str]:
    """Columns of ``tables`` closed to the read-only role, or found personal in the dataset of the
    same name (at its newest load or profile)."""
    names = [t.split(".", 1)[1] for t in tables]
    rows = conn.execute(
        """select unnest(closed_columns) from nex.reader_access
            where schema_name || '.' || table_name = any(%(tables)s)
           union select column_name from nex.personal_columns where dataset = any(%(names)s)
           union select column_name from nex.column_profiles p
            where p.dataset = any(%(names)s) and p.sensitive
              and p.profiled_at = (select max(q.profiled_at) from nex.column_profiles q
                                    where q.dataset = p.dataset)""",
        {"tables": list(tables), "names": names},
    ).fetchall()
    return frozenset(r[0] for r in rows)


def wanted_columns(recipe: Recipe, available: list[str], personal: frozenset[str] = frozenset()) -> list[str]:
    roles = recipe.roles
    wanted = [*roles.columns(), recipe.target, *feature_columns(recipe, available, personal)]
    if recipe.split_column:
        wanted.append(recipe.split_column)
    if recipe.family == "next_best_action" and roles.shape == "wide":
        # Every column an option's attribute may be named by (``price_heinz``, ``pbeach``); the
        # layout of the options picks the exact ones.
        wanted += [c for c in available if c.startswith(tuple(roles.option_attributes))]
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
    personal = personal_columns(conn, recipe.tables)
    found: dict[str, tuple[int, str]] = {}
    for col in wanted_columns(recipe, available, personal):
        for i, cols in enumerate(tables):
            if col in cols:
                found[col] = (i, cols[col])
                break
        else:
            raise RecipeError(
                f"{recipe.file}: {_field(recipe, col)}: column `{col}` is in none of "
                f"{', '.join(recipe.tables)}"
            )
    columns = Columns(found, available, personal)
    check_types(recipe, columns)
    check_personal(recipe, columns)
    return columns


def check_personal(recipe: Recipe, columns: Columns) -> None:
    """A text column that holds personal data may not be learnt from or predicted: the model's file
    would keep its values."""
    for column in [recipe.target, *recipe.features]:
        if column in columns.personal and columns.kind(column) not in NUMERIC_TYPES | DATE_TYPES:
            raise RecipeError(
                f"{recipe.file}: {_field(recipe, column)}: `{column}` holds personal data; a model "
                "learnt from it would keep its values in the model file (leave it out, or learn from "
                "a column derived without them)"
            )


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


def frame_settings():
    from nex_assets.core import settings
    from nex_assets.ml.logic.settings import MLSettings

    return settings.load(MLSettings).frame


def input_rows(conn, recipe: Recipe) -> int:
    """Rows of the recipe's input table (its joins only add columns)."""
    table = sql.Identifier(*recipe.input.split("."))
    return int(conn.execute(sql.SQL("select count(*) from {}").format(table)).fetchone()[0])


def sample_for(conn, recipe: Recipe, max_rows: int | None = None) -> Sample:
    """The sample training reads: every row up to ``max_rows`` (config/ml.yaml), else a share of
    whole units."""
    limit = max_rows if max_rows is not None else frame_settings().max_rows
    return sample.plan(recipe, input_rows(conn, recipe), limit)


def _alias(i: int) -> sql.Identifier:
    return sql.Identifier(f"t{i}")


def _ref(columns: Columns, column: str) -> sql.Composable:
    return sql.SQL("{}.{}").format(_alias(columns.sources[column][0]), sql.Identifier(column))


def unit_hash(columns: Columns, units) -> sql.Composable:
    """A 64-bit hash of the unit's values (of the whole input row when there are no units), the same
    on every read: PostgreSQL computes it, so a unit is recognised whatever types pandas infers."""
    known = [u for u in units if u in columns.sources]
    if not known:
        return sql.SQL("hashtextextended({}::text, 0)").format(_alias(0))
    values = sql.SQL(", ").join(sql.SQL("{}::text").format(_ref(columns, u)) for u in known)
    return sql.SQL("hashtextextended(concat_ws('|', {}), 0)").format(values)


def sample_filter(columns: Columns, chosen: Sample) -> sql.Composable | None:
    if chosen.whole:
        return None
    return sql.SQL("({} & {}) < {}").format(
        unit_hash(columns, chosen.units), sql.Literal(sample.BUCKETS - 1), sql.Literal(chosen.buckets)
    )


def select_rows(
    recipe: Recipe, columns: Columns, where=(), extra: dict[str, sql.Composable] | None = None
) -> sql.Composable:
    """The recipe's wanted columns from its input and joins, with optional filters and extra columns."""
    select = []
    for col, (_, kind) in columns.sources.items():
        ref = _ref(columns, col)
        # COPY writes booleans as t/f; integers read back unambiguously.
        select.append(sql.SQL("{}::int as {}").format(ref, sql.Identifier(col)) if kind == "boolean" else ref)
    select += [sql.SQL("{} as {}").format(v, sql.Identifier(k)) for k, v in (extra or {}).items()]
    query = sql.SQL("select {} from {} as {}").format(
        sql.SQL(", ").join(select), sql.Identifier(*recipe.input.split(".")), _alias(0)
    )
    for i, join in enumerate(recipe.joins, start=1):
        on = sql.SQL(" and ").join(
            sql.SQL("{}.{} = {}.{}").format(_alias(0), sql.Identifier(k), _alias(i), sql.Identifier(k))
            for k in join.using
        )
        query += sql.SQL(" join {} as {} on {}").format(sql.Identifier(*join.table.split(".")), _alias(i), on)
    filters = [w for w in where if w is not None]
    if filters:
        query += sql.SQL(" where ") + sql.SQL(" and ").join(filters)
    return query


def _text_columns(columns: Columns) -> dict[str, type]:
    return {
        c: str for c, (_, kind) in columns.sources.items() if kind not in NUMERIC_TYPES and kind != "boolean"
    }


def load_rows(conn, recipe: Recipe, chosen: Sample | None = None, where=()) -> tuple[pd.DataFrame, Columns]:
    """The recipe's rows (the ``chosen`` sample of them, and those ``where`` keeps), through COPY."""
    columns = resolve_columns(conn, recipe)
    filters = [*where, sample_filter(columns, chosen) if chosen is not None else None]
    query = select_rows(recipe, columns, filters)
    buffer = io.BytesIO()
    with (
        conn.cursor() as cur,
        cur.copy(sql.SQL("copy ({}) to stdout with (format csv, header)").format(query)) as cp,
    ):
        for block in cp:
            buffer.write(block)
    buffer.seek(0)
    rows = pd.read_csv(buffer, dtype=_text_columns(columns), keep_default_na=True)
    if rows.empty:
        raise RecipeError(f"{recipe.file}: input: {recipe.input} has no rows")
    return rows, columns


PART = "_nex_part"


def _record_end(pending: bytearray) -> int:
    """The end of the last whole CSV record in ``pending`` (0 when there is none): a newline outside
    quotes, which is one with an even number of quote characters before it."""
    end = len(pending)
    while True:
        cut = pending.rfind(b"\n", 0, end)
        if cut < 0:
            return 0
        if pending.count(b'"', 0, cut) % 2 == 0:
            return cut + 1
        end = cut


def _copy_chunks(conn, query, dtypes: dict, chunk_bytes: int) -> Iterator[pd.DataFrame]:
    """The query's rows as frames of about ``chunk_bytes`` of CSV each, parsed as they arrive."""
    import csv

    names: list[str] | None = None
    pending = bytearray()

    def parse(data: bytes) -> pd.DataFrame:
        return pd.read_csv(io.BytesIO(data), header=None, names=names, dtype=dtypes, keep_default_na=True)

    with (
        conn.cursor() as cur,
        cur.copy(sql.SQL("copy ({}) to stdout with (format csv, header)").format(query)) as cp,
    ):
        for block in cp:
            pending.extend(block)
            if names is None:
                line = pending.find(b"\n")
                if line < 0:
                    continue
                names = next(csv.reader([pending[:line].decode()]))
                del pending[: line + 1]
            if len(pending) >= chunk_bytes:
                cut = _record_end(pending)
                if cut:
                    yield parse(bytes(pending[:cut]))
                    del pending[:cut]
    if names is not None and pending.strip():
        yield parse(bytes(pending))


def batches(
    conn,
    recipe: Recipe,
    units,
    rows: int,
    batch_rows: int,
    where=(),
    chunk_bytes: int = 64 << 20,
) -> Iterator[tuple[pd.DataFrame, Columns]]:
    """Every row of the recipe's input that ``where`` keeps, in batches of about ``batch_rows`` (for
    ``rows`` expected rows) that hold whole units: each unit's rows are in one batch. One pass over the
    table; with more than one batch, the rows wait in temporary files, one per batch, so memory holds
    one batch at a time."""
    import pickle
    import tempfile
    from pathlib import Path

    columns = resolve_columns(conn, recipe)
    parts = sample.batch_count(rows, batch_rows)
    dtypes = _text_columns(columns)
    if parts == 1:
        query = select_rows(recipe, columns, where)
        found = list(_copy_chunks(conn, query, dtypes, chunk_bytes))
        if found:
            yield pd.concat(found, ignore_index=True), columns
        return
    if not units:
        # Rows stand alone: batches as they arrive.
        for chunk in _copy_chunks(conn, select_rows(recipe, columns, where), dtypes, chunk_bytes):
            for start in range(0, len(chunk), batch_rows):
                yield chunk.iloc[start : start + batch_rows].reset_index(drop=True), columns
        return
    part = sql.SQL("(({} & {}) % {})").format(
        unit_hash(columns, units), sql.Literal(sample.BUCKETS - 1), sql.Literal(parts)
    )
    query = select_rows(recipe, columns, where, {PART: part})
    with tempfile.TemporaryDirectory(prefix="nex-batches-") as tmp:
        paths = [Path(tmp) / f"{i}.pkl" for i in range(parts)]
        files = [p.open("ab") for p in paths]
        try:
            for chunk in _copy_chunks(conn, query, dtypes, chunk_bytes):
                order = np.argsort(chunk[PART].to_numpy(), kind="stable")
                chunk = chunk.take(order)
                labels = chunk[PART].to_numpy()
                edges = np.flatnonzero(np.diff(labels)) + 1
                for piece in np.split(np.arange(len(chunk)), edges):
                    if len(piece):
                        pickle.dump(chunk.iloc[piece].drop(columns=[PART]), files[int(labels[piece[0]])])
        finally:
            for f in files:
                f.close()
        for path in paths:
            pieces = []
            with path.open("rb") as f:
                while True:
                    try:
                        pieces.append(pickle.load(f))
                    except EOFError:
                        break
            path.unlink()
            if pieces:
                yield pd.concat(pieces, ignore_index=True), columns


def frequency_of(recipe: Recipe, rows: pd.DataFrame) -> Frequency | None:
    if not recipe.roles.time:
        return None
    try:
        return resolve(to_periods(rows[recipe.roles.time]), recipe.roles.frequency)
    except FrequencyError as exc:
        raise RecipeError(f"{recipe.file}: roles.time: `{recipe.roles.time}`: {exc}") from exc


def shape(
    recipe: Recipe,
    rows: pd.DataFrame,
    columns: Columns,
    *,
    inputs: list[str] | None = None,
    freq: Frequency | None = None,
    origin=None,
    learn: bool = True,
) -> ModelFrame:
    """The family's model frame from the rows; role problems found in the data name the field.
    Scoring a batch passes what training decided on all its rows: the ``inputs`` a tabular model
    took, and the time column's frequency and first period (``origin``); and ``learn=False``, since a
    batch to score need not hold enough rows or targets to learn from."""
    roles = recipe.roles
    try:
        if recipe.family in ("regression", "classification", "scoring"):
            chosen = feature_columns(recipe, columns.available, columns.personal)
            if inputs is not None:
                chosen = [c for c in inputs if c in rows.columns]
            elif not recipe.features:
                # Listed by nobody: leave out row keys (a value per row teaches a model nothing).
                chosen = [c for c in chosen if not _row_key(rows[c])]
            frame = features.tabular(rows, chosen, recipe.target, task_of(recipe.family), columns.dates)
            frame.info["inputs"] = chosen
        elif recipe.family == "forecasting":
            frame = features.forecasting(
                rows,
                recipe.target,
                roles.time,
                roles.series,
                roles.covariates,
                freq or frequency_of(recipe, rows),
                origin,
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
                freq or frequency_of(recipe, rows),
                origin,
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
    if learn:
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


def prepare(conn, recipe: Recipe, chosen: Sample | None = None) -> ModelFrame:
    """The family's model frame of the recipe's rows, or of the ``chosen`` sample of them."""
    rows, columns = load_rows(conn, recipe, chosen)
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


@dataclass
class TimeWindow:
    """The recipe's time column over the whole input: its frequency, its first period, and a filter
    that keeps the rows of the newest periods."""

    freq: Frequency
    origin: pd.Timestamp
    periods: int
    kept: int
    where: sql.Composable


def time_window(conn, recipe: Recipe, newest: Callable[[Frequency], int]) -> TimeWindow:
    """The rows of the newest periods of the recipe's time column (as many as ``newest`` says for its
    frequency), found from its distinct values (one pass, no rows held): a date, timestamp or number
    compares with the first kept value, other spellings (week labels) match the kept values."""
    columns = resolve_columns(conn, recipe)
    column = recipe.roles.time
    table, kind = recipe.tables[columns.sources[column][0]], columns.kind(column)
    values = [
        r[0]
        for r in conn.execute(
            sql.SQL("select distinct {} from {} where {} is not null").format(
                sql.Identifier(column), sql.Identifier(*table.split(".")), sql.Identifier(column)
            )
        )
    ]
    if not values:
        raise RecipeError(f"{recipe.file}: roles.time: `{column}` has no values in {table}")
    raw = pd.Series(values)
    periods = to_periods(raw)
    freq = frequency_of(recipe, pd.DataFrame({column: raw}))
    distinct = np.sort(periods.unique())
    kept_periods = min(max(1, newest(freq)), len(distinct))
    first_kept = distinct[-kept_periods]
    kept = raw[(periods >= first_kept).to_numpy()]
    ref = _ref(columns, column)
    if kind in DATE_TYPES or kind in NUMERIC_TYPES:
        where = sql.SQL("{} >= {}").format(ref, sql.Literal(min(kept.tolist())))
    else:
        where = sql.SQL("{} = any({})").format(ref, sql.Literal([str(v) for v in kept]))
    return TimeWindow(freq, periods.min(), len(distinct), kept_periods, where)


def current_frame(
    conn, recipe: Recipe, periods: int | None = None, seen=None, chosen: Sample | None = None
) -> pd.DataFrame:
    """The newest model frame for drift: the last ``periods`` periods along the recipe's time column
    (a year of periods by default); without one, the rows whose fingerprint is not in ``seen`` (the
    champion's training rows), or every row when there are no fingerprints. Read from the ``chosen``
    sample (the champion's), so new rows are compared within the units it learnt from. Holds the model
    columns and the target, as the reference snapshot does."""
    frame = prepare(conn, recipe, chosen)
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
