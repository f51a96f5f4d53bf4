"""The dictionary as PostgreSQL comments, so any SQL client shows it: on the raw table and its columns,
and on the columns of the dbt models that carry a dataset column through under the same name.

dbt rebuilds its relations (dropping comments), so the dictionary asset runs after the models and
writes these every time; the loader's table swap carries the raw table's comments over itself.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from nex_assets.datasets.load.relations import table_exists
from nex_assets.dictionary.logic.dbt import Model
from nex_assets.dictionary.logic.models import TABLE, Entry


def comment_text(entry: Entry) -> str:
    parts = [entry.description.strip()]
    if entry.unit:
        parts.append(f"Unit: {entry.unit}.")
    if entry.personal_data:
        parts.append(f"Personal data ({entry.personal_kind or 'yes'}).")
    parts.append(f"[{entry.source}: {entry.writer}, v{entry.version}]")
    return " ".join(parts)


def _columns(conn: psycopg.Connection, schema: str, name: str) -> set[str]:
    return {
        r[0]
        for r in conn.execute(
            "select attname from pg_attribute where attrelid = %s::regclass and attnum > 0 "
            "and not attisdropped",
            (f'"{schema}"."{name}"',),
        )
    }


def apply(
    conn: psycopg.Connection, dataset: str, entries: list[Entry], models: list[Model]
) -> dict[str, int]:
    """Writes every comment in one transaction; returns how many it wrote per relation."""
    written: dict[str, int] = {}
    by_column = {e.column_name: e for e in entries if e.column_name != TABLE}
    table = next((e for e in entries if e.column_name == TABLE), None)
    with conn.transaction():
        if table_exists(conn, "raw", dataset):
            raw = sql.Identifier("raw", dataset)
            present = _columns(conn, "raw", dataset)
            if table is not None:
                conn.execute(
                    sql.SQL("comment on table {} is {}").format(raw, sql.Literal(comment_text(table)))
                )
            for column, entry in by_column.items():
                if column in present:
                    conn.execute(
                        sql.SQL("comment on column {}.{} is {}").format(
                            raw, sql.Identifier(column), sql.Literal(comment_text(entry))
                        )
                    )
            written[f"raw.{dataset}"] = len(present & set(by_column)) + (table is not None)
        for model in models:
            if not table_exists(conn, model.schema, model.relation):
                continue
            rel = sql.Identifier(model.schema, model.relation)
            carried = sorted(_columns(conn, model.schema, model.relation) & set(by_column))
            for column in carried:
                text = f"{comment_text(by_column[column])} (from raw.{dataset}.{column})"
                conn.execute(
                    sql.SQL("comment on column {}.{} is {}").format(
                        rel, sql.Identifier(column), sql.Literal(text)
                    )
                )
            if carried:
                written[f"{model.schema}.{model.relation}"] = len(carried)
    return written
