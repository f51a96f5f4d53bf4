"""Connections to the platform's PostgreSQL and the idempotent bootstrap of its layout.

Databases: the warehouse (schemas ``raw``, ``staging``, ``marts``, ``nex``, ``synthetic``),
``dagster`` for Dagster's storage and ``mlflow`` for MLflow's backend store, all on one server.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources

import psycopg
from psycopg import sql

from nex_assets.core import env

SCHEMAS = ("raw", "staging", "marts", "nex", "synthetic")
SIDE_DATABASES = (env.DAGSTER_DB, env.MLFLOW_DB)

# An arbitrary constant shared by every process, so concurrent bootstraps queue instead of
# racing on CREATE SCHEMA / CREATE EXTENSION (which are not safe under concurrency).
_BOOTSTRAP_LOCK = 0x4E4558


def connect(
    db: env.Database | None = None, *, dbname: str | None = None, autocommit: bool = False, **kwargs
) -> psycopg.Connection:
    db = db or env.database()
    return psycopg.connect(db.conninfo(dbname), autocommit=autocommit, **kwargs)


def _create_database_if_missing(db: env.Database, name: str) -> None:
    maintenance = "postgres" if db.embedded else db.dbname
    with connect(db, dbname=maintenance, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if exists:
            return
        try:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:
            pass
        except psycopg.errors.InsufficientPrivilege as exc:
            raise RuntimeError(
                f"database {name!r} does not exist on {db.redacted_url(maintenance)} and this user may not "
                f"create it; create it once by hand (CREATE DATABASE {name}) or grant CREATEDB"
            ) from exc


def schema_scripts() -> list:
    """Each domain owns a file of idempotent DDL in its ``sql/`` folder (``<domain>/sql/NN_<domain>.sql``);
    they run in the order of their numbers, the chat domain's grants after every schema exists."""
    package = resources.files("nex_assets")
    found = [
        f
        for domain in package.iterdir()
        if domain.is_dir() and (domain / "sql").is_dir()
        for f in (domain / "sql").iterdir()
        if f.name.endswith(".sql")
    ]
    return sorted(found, key=lambda f: f.name)


def schema_script(name: str):
    """One domain's DDL file by name, e.g. ``70_chat.sql``."""
    return next(f for f in schema_scripts() if f.name == name)


def bootstrap(db: env.Database | None = None) -> env.Database:
    """Creates databases, schemas, extensions and platform tables when missing; safe to repeat."""
    db = db or env.database()
    return _bootstrap_cached(db)


@cache
def _bootstrap_cached(db: env.Database) -> env.Database:
    if db.embedded:
        _create_database_if_missing(db, db.dbname)
    for name in SIDE_DATABASES:
        _create_database_if_missing(db, name)
    scripts = schema_scripts()
    with connect(db) as conn:
        conn.execute("select pg_advisory_xact_lock(%s)", (_BOOTSTRAP_LOCK,))
        conn.execute("create extension if not exists vector")
        for schema in SCHEMAS:
            conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
        for script in scripts:
            conn.execute(script.read_text())
        _set_reader_password(conn, db)
        _person_names(conn)
    return db


def _person_names(conn: psycopg.Connection) -> None:
    """Fills ``nex.person_names`` from Faker's name lists the first time (once per database): the
    personal-data detection at load recognises names by them (datasets/personal_scan.py)."""
    if conn.execute("select exists (select 1 from nex.person_names)").fetchone()[0]:
        return
    from nex_assets.common import personal

    given, family = personal.person_names()
    with conn.cursor().copy("copy nex.person_names (name, given, family) from stdin") as copy:
        for name in sorted(given | family):
            copy.write_row((name, name in given, name in family))


def _set_reader_password(conn: psycopg.Connection, db: env.Database) -> None:
    """On a server reached over TCP the reader logs in with NEX_READER_PASSWORD. Where NEX's role may
    set it (the compose stack's superuser), the environment's value is made the role's; elsewhere an
    administrator set it by hand (docs/storage.md) and this changes nothing."""
    password = os.environ.get("NEX_READER_PASSWORD")
    if db.embedded or not password:
        return
    # Hashed here (SCRAM, as psql's \password does), so the password itself never reaches the server's log.
    hashed = conn.pgconn.encrypt_password(password.encode(), b"nex_reader", b"scram-sha-256").decode()
    try:
        with conn.transaction():
            conn.execute(sql.SQL("alter role nex_reader password {}").format(sql.Literal(hashed)))
    except (psycopg.errors.InsufficientPrivilege, psycopg.errors.UndefinedObject):
        pass
