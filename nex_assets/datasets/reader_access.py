"""Personal-data columns closed to the read-only role at the database itself.

The chat path's parser already refuses queries that touch personal columns; this is the layer
under it. It works by allowlist: in ``raw``, where personal data lands, a table is closed to the
reader until this module opens its columns one by one, and a column it never named (added later,
or personal) stays closed. Each decision is recorded in ``nex.reader_access`` so that the setup
every process runs (``sql/70_chat.sql``) can re-grant exactly the recorded open columns on a
server where the role appeared later, and never anything wider. A table whose every column is
personal is recorded with no open column and gets no grant at all.
"""

from __future__ import annotations

from collections.abc import Iterable

import psycopg
from psycopg import sql

READER_ROLE = "nex_reader"


def known_personal_columns(cur: psycopg.Cursor, dataset: str, declared: Iterable[str]) -> set[str]:
    """Declared in the catalog, found in the values at the newest load, or detected by the
    dataset's newest profile."""
    detected = cur.execute(
        """select p.column_name from nex.column_profiles p
            where p.dataset = %(d)s and p.sensitive
              and p.profiled_at = (select max(q.profiled_at) from nex.column_profiles q
                                    where q.dataset = %(d)s)
           union
           select column_name from nex.personal_columns where dataset = %(d)s""",
        {"d": dataset},
    ).fetchall()
    return set(declared) | {r[0] for r in detected}


def table_columns(cur: psycopg.Cursor, schema: str, table: str) -> list[str]:
    return [
        r[0]
        for r in cur.execute(
            """select attname from pg_attribute
                where attrelid = %s::regclass and attnum > 0 and not attisdropped order by attnum""",
            (sql.Identifier(schema, table).as_string(cur),),
        )
    ]


def restrict_reader(
    cur: psycopg.Cursor, schema: str, table: str, personal: Iterable[str]
) -> list[str] | None:
    """Lets the reader role read the columns of ``schema.table`` that are not ``personal`` and
    nothing else; returns the columns closed to it, or None where the role does not exist (the
    decision is recorded all the same, for when it does)."""
    columns = table_columns(cur, schema, table)
    personal = set(personal)
    closed = [c for c in columns if c in personal]
    open_columns = [c for c in columns if c not in personal]
    cur.execute(
        """insert into nex.reader_access (schema_name, table_name, open_columns, closed_columns)
           values (%s, %s, %s, %s)
           on conflict (schema_name, table_name) do update
              set open_columns = excluded.open_columns, closed_columns = excluded.closed_columns,
                  decided_at = now()""",
        (schema, table, open_columns, closed),
    )
    if cur.execute("select 1 from pg_roles where rolname = %s", (READER_ROLE,)).fetchone() is None:
        return None
    target, role = sql.Identifier(schema, table), sql.Identifier(READER_ROLE)
    # Revoking on the table revokes its column grants as well, so each call starts from nothing;
    # the grant is per column even when nothing is personal, so a column added later stays closed.
    cur.execute(sql.SQL("revoke all on {} from {}").format(target, role))
    if open_columns:
        cur.execute(
            sql.SQL("grant select ({}) on {} to {}").format(
                sql.SQL(", ").join(map(sql.Identifier, open_columns)), target, role
            )
        )
    return closed


def forget(cur: psycopg.Cursor, schema: str, table: str) -> None:
    """A table that is dropped for good takes its decision with it."""
    cur.execute("delete from nex.reader_access where schema_name = %s and table_name = %s", (schema, table))
