"""Loads a dataset whose source is a PostgreSQL table: on the platform's own server or on
another one whose URL sits in the environment variable the dataset names (never in the YAML).

Rows stream from ``COPY (SELECT ...) TO STDOUT`` straight into the staging table's
``COPY FROM STDIN``; ordering by the primary key (or by every column) makes the content
hash, and so the data version, the same for the same content.
"""

from __future__ import annotations

import hashlib
import os
import time

import psycopg
from psycopg import sql

from nex_assets.core import db as nexdb
from nex_assets.core import env
from nex_assets.datasets.load import publish as pub
from nex_assets.datasets.load.errors import LoadError
from nex_assets.datasets.logic.catalog import Dataset


def _source_connection(ds: Dataset, database: env.Database) -> psycopg.Connection:
    if not ds.source.url_env:
        return nexdb.connect(database)
    url = os.environ.get(ds.source.url_env)
    if not url:
        raise LoadError(
            f"dataset {ds.name!r} ({ds.file}): environment variable {ds.source.url_env} "
            "(named by the source's url_env) is not set"
        )
    source_db = env.parse_database_url(url)
    try:
        return nexdb.connect(source_db)
    except psycopg.OperationalError as exc:
        raise LoadError(
            f"dataset {ds.name!r}: cannot reach the source server named by {ds.source.url_env}: "
            f"{str(exc).splitlines()[0]}"
        ) from exc


def _qualified(ds: Dataset) -> tuple[str, str]:
    parts = ds.source.table.split(".")
    if len(parts) == 1:
        return "public", parts[0]
    if len(parts) == 2 and all(parts):
        return parts[0], parts[1]
    raise LoadError(f"dataset {ds.name!r} ({ds.file}): source table {ds.source.table!r} is not schema.table")


def load_table(
    ds: Dataset,
    *,
    database: env.Database | None = None,
    run_id: str | None = None,
    force: bool = False,
    progress=None,
) -> pub.LoadResult:
    database = nexdb.bootstrap(database)
    started = time.perf_counter()
    schema, table = _qualified(ds)
    source_name = f"{ds.source.url_env + ':' if ds.source.url_env else ''}{schema}.{table}"
    with pub.failures_recorded(database, ds, source_name, run_id):
        return _load(ds, database, schema, table, source_name, run_id, force, started)


def _load(
    ds: Dataset,
    database: env.Database,
    schema: str,
    table: str,
    source_name: str,
    run_id: str | None,
    force: bool,
    started: float,
) -> pub.LoadResult:
    with _source_connection(ds, database) as src:
        columns = src.execute(
            """select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a
                where a.attrelid = to_regclass(%s) and a.attnum > 0 and not a.attisdropped
                order by a.attnum""",
            (f'"{schema}"."{table}"',),
        ).fetchall()
        if not columns:
            raise LoadError(f"dataset {ds.name!r} ({ds.file}): source table {schema}.{table} does not exist")
        missing = [k for k in ds.primary_key if k not in {c for c, _ in columns}]
        if missing:
            raise LoadError(f"{source_name}: primary key column(s) {missing} are not in the table")
        order = ds.primary_key or [c for c, _ in columns]
        select = sql.SQL("copy (select * from {} order by {}) to stdout (format csv)").format(
            sql.Identifier(schema, table), sql.SQL(", ").join(map(sql.Identifier, order))
        )
        # The version is only known once the rows have streamed: load into a staging table and
        # keep it only if the content is new.
        h = hashlib.sha256(repr(columns).encode())
        size = 0
        with pub.staging_table(database, ds, "pending0", columns) as staging:
            copy_in = sql.SQL("copy {} from stdin (format csv)").format(staging.ident)
            with src.cursor() as out_cur, out_cur.copy(select) as out, staging.cur.copy(copy_in) as into:
                for chunk in out:
                    data = bytes(chunk)
                    h.update(data)
                    size += len(data)
                    into.write(data)
            rows = staging.cur.rowcount
            version = pub.data_version(ds, [h.hexdigest()])
            previous = pub.current_version(staging.cur.connection, ds.name)
            if previous and previous["data_version"] == version and not force:
                staging.cur.execute(sql.SQL("drop table {}").format(staging.ident))
                return pub.unchanged(ds, version, [source_name], started, previous)
            if rows == 0 and not ds.allow_empty:
                raise LoadError(
                    f"{source_name}: the table has no rows (set `allow_empty: true` to accept that)"
                )
            pub.publish(
                staging,
                ds,
                version=version,
                source=source_name,
                rows=rows,
                size=size,
                started=started,
                run_id=run_id,
                key_problems=lambda exc: (
                    f"{source_name}: primary key violated: {exc.diag.message_detail or exc}"
                ),
            )
    return pub.LoadResult(
        ds.name, version, False, rows, list(columns), size, time.perf_counter() - started, [source_name]
    )
