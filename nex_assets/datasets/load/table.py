"""Loads a dataset whose source is a PostgreSQL table: on the platform's own server or on
another one whose URL sits in the environment variable the dataset names (never in the YAML).

Rows stream from ``COPY (SELECT ...) TO STDOUT`` straight into the staging table's
``COPY FROM STDIN``; ordering by the primary key (or by every column) makes the content
hash, and so the data version, the same for the same content.
"""

from __future__ import annotations

import hashlib
import os

import psycopg
from psycopg import sql

from nex_assets.core import db as nexdb
from nex_assets.core import env
from nex_assets.datasets.load import publish as pub
from nex_assets.datasets.load.errors import LoadError
from nex_assets.datasets.load.template import Copied, Prepared
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


class SourceTable:
    """A table (or view) on this server or another one as a load source. Its content hash is only
    known once its rows have streamed, so the template decides "unchanged" after the copy."""

    def __init__(self, ds: Dataset, database: env.Database):
        self.ds = ds
        self.database = database
        self.schema, self.table = _qualified(ds)
        self.name = f"{ds.source.url_env + ':' if ds.source.url_env else ''}{self.schema}.{self.table}"
        self.files = [self.name]

    def digests(self) -> None:
        return None

    def prepare(self) -> Prepared:
        with _source_connection(self.ds, self.database) as src:
            columns = src.execute(
                """select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a
                    where a.attrelid = to_regclass(%s) and a.attnum > 0 and not a.attisdropped
                    order by a.attnum""",
                (f'"{self.schema}"."{self.table}"',),
            ).fetchall()
        if not columns:
            raise LoadError(
                f"dataset {self.ds.name!r} ({self.ds.file}): source table {self.schema}.{self.table} "
                "does not exist"
            )
        missing = [k for k in self.ds.primary_key if k not in {c for c, _ in columns}]
        if missing:
            raise LoadError(f"{self.name}: primary key column(s) {missing} are not in the table")
        return Prepared([(c, t) for c, t in columns])

    def copy(self, staging: pub.Staging, prepared: Prepared) -> Copied:
        order = self.ds.primary_key or [c for c, _ in prepared.columns]
        select = sql.SQL("copy (select * from {} order by {}) to stdout (format csv)").format(
            sql.Identifier(self.schema, self.table), sql.SQL(", ").join(map(sql.Identifier, order))
        )
        h = hashlib.sha256(repr([tuple(c) for c in prepared.columns]).encode())
        size = 0
        copy_in = sql.SQL("copy {} from stdin (format csv)").format(staging.ident)
        with (
            _source_connection(self.ds, self.database) as src,
            src.cursor() as out_cur,
            out_cur.copy(select) as out,
            staging.cur.copy(copy_in) as into,
        ):
            for chunk in out:
                data = bytes(chunk)
                h.update(data)
                size += len(data)
                into.write(data)
        rows = staging.cur.rowcount
        if rows == 0 and not self.ds.allow_empty:
            raise LoadError(f"{self.name}: the table has no rows (set `allow_empty: true` to accept that)")
        return Copied(rows, size, h.hexdigest())

    def key_problems(self, exc: psycopg.Error) -> str:
        return f"{self.name}: primary key violated: {exc.diag.message_detail or exc}"
