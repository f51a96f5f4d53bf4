"""Reading real tables and profiles from the warehouse, writing synthetic tables to schema
``synthetic`` (whole or not at all) and recording each run in ``nex.synthetic_runs``."""

from __future__ import annotations

import json
import re

import pandas as pd
import psycopg
from psycopg import sql

from nex_assets.datasets.logic.profiling import NUMERIC_TYPES, TEMPORAL_TYPES
from nex_assets.datasets.profiler import table_columns
from nex_assets.synthetic.logic.plan import ColumnInfo

SCHEMA = "synthetic"
_INTEGER_TYPES = {"bigint", "integer", "smallint"}


def base_type(pg_type: str) -> str:
    """``numeric(12,2)`` -> ``numeric``: the profile's vocabulary of types."""
    return re.sub(r"\(.*\)", "", pg_type).strip()


def latest_version(conn: psycopg.Connection, dataset: str) -> tuple[str, int] | None:
    return conn.execute(
        "select data_version, rows from nex.dataset_versions where dataset = %s "
        "order by loaded_at desc limit 1",
        (dataset,),
    ).fetchone()


def read_profile(conn: psycopg.Connection, dataset: str, data_version: str) -> dict[str, ColumnInfo]:
    rows = conn.execute(
        """select column_name, pg_type, inferred_type, sensitive, stats->>'personal_data',
                  stats->>'semantic_type'
             from nex.column_profiles where dataset = %s and data_version = %s""",
        (dataset, data_version),
    ).fetchall()
    return {
        name: ColumnInfo(base_type(t), kind, bool(s), personal, semantic)
        for name, t, kind, s, personal, semantic in rows
    }


def read_table(conn: psycopg.Connection, dataset: str, *, rows: int, seed: int) -> tuple[pd.DataFrame, int]:
    """At most ``rows`` rows of ``raw.<dataset>``, the same ones for the same table and seed, typed
    for pandas (numbers as numbers, dates and timestamps as datetimes); also the table's row count."""
    rel = sql.Identifier("raw", dataset)
    columns = table_columns(conn, "raw", dataset)
    total = conn.execute(sql.SQL("select count(*) from {}").format(rel)).fetchone()[0]
    names = [c for c, _ in columns]
    order = sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c)) for c in names)
    source: sql.Composable = rel
    if total > 2 * rows:
        # Read about twice what is needed with a repeatable sample, then take a seeded subset.
        pct = min(100.0, 200.0 * rows / total)
        source = sql.SQL("{} tablesample bernoulli ({}) repeatable ({})").format(
            rel, sql.Literal(pct), sql.Literal(seed)
        )
    cursor = conn.execute(sql.SQL("select * from {} order by {}").format(source, order))
    frame = pd.DataFrame(cursor.fetchall(), columns=names)
    if len(frame) > rows:
        frame = frame.sample(n=rows, random_state=seed).sort_index()
    for name, pg_type in columns:
        kind = base_type(pg_type)
        if kind in TEMPORAL_TYPES:
            frame[name] = pd.to_datetime(frame[name], errors="coerce")
        elif kind in NUMERIC_TYPES:
            frame[name] = pd.to_numeric(frame[name], errors="coerce")
            if kind in _INTEGER_TYPES:
                frame[name] = frame[name].astype("Int64")
    return frame.reset_index(drop=True), total


def _column_values(col: pd.Series, pg_type: str) -> list:
    """Python values PostgreSQL accepts for the column's type (None for nulls), a column at a time."""
    kind = base_type(pg_type)
    present = col.notna()
    if kind in _INTEGER_TYPES:
        values = pd.to_numeric(col, errors="coerce").round().astype("Int64").astype(object)
    elif kind in NUMERIC_TYPES:
        values = pd.to_numeric(col, errors="coerce").astype(object)
    elif kind == "boolean":
        values = col.map(lambda v: v if isinstance(v, bool) else str(v).lower() in {"true", "t", "1"})
    elif kind == "date":
        values = pd.to_datetime(col, errors="coerce").dt.date.astype(object)
    elif kind in TEMPORAL_TYPES:
        values = pd.Series(
            pd.to_datetime(col, errors="coerce").dt.to_pydatetime(), index=col.index, dtype=object
        )
    else:
        values = col.astype(str)
    return [v if ok and not pd.isna(v) else None for v, ok in zip(values, present, strict=True)]


def write_table(conn: psycopg.Connection, dataset: str, frame: pd.DataFrame, comment: str) -> None:
    """Replaces ``synthetic.<dataset>`` in one transaction, with the raw table's column types."""
    columns = table_columns(conn, "raw", dataset)
    rel = sql.Identifier(SCHEMA, dataset)
    with conn.transaction():
        conn.execute(sql.SQL("drop table if exists {}").format(rel))
        conn.execute(
            sql.SQL("create table {} ({})").format(
                rel,
                sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t)) for c, t in columns
                ),
            )
        )
        conn.execute(sql.SQL("comment on table {} is {}").format(rel, sql.Literal(comment)))
        names = sql.SQL(", ").join(sql.Identifier(c) for c, _ in columns)
        values = [_column_values(frame[c].reset_index(drop=True), t) for c, t in columns]
        with conn.cursor().copy(sql.SQL("copy {} ({}) from stdin").format(rel, names)) as copy:
            for row in zip(*values, strict=True):
                copy.write_row(row)


def record_run(conn: psycopg.Connection, row: dict) -> None:
    fields = list(row)
    conn.execute(
        sql.SQL("insert into nex.synthetic_runs ({}) values ({})").format(
            sql.SQL(", ").join(sql.Identifier(f) for f in fields),
            sql.SQL(", ").join([sql.Placeholder()] * len(fields)),
        ),
        [json.dumps(v, default=str) if f == "details" else v for f, v in row.items()],
    )
    conn.commit()
