"""Personal-data columns of raw tables closed to the read-only role at the database itself.

The chat path's parser already refuses queries that touch personal columns; this is the layer
under it. The schema's default privileges give the reader SELECT on every new table, so each time
a table is swapped in (and each time profiling finds personal data the catalog did not declare)
the table-wide grant is replaced by a grant on the other columns only.
"""

from __future__ import annotations

from collections.abc import Iterable

import psycopg
from psycopg import sql

READER_ROLE = "nex_reader"


def known_personal_columns(cur: psycopg.Cursor, dataset: str, declared: Iterable[str]) -> set[str]:
    """Declared in the catalog, or detected by the dataset's newest profile."""
    detected = cur.execute(
        """select p.column_name from nex.column_profiles p
            where p.dataset = %(d)s and p.sensitive
              and p.profiled_at = (select max(q.profiled_at) from nex.column_profiles q
                                    where q.dataset = %(d)s)""",
        {"d": dataset},
    ).fetchall()
    return set(declared) | {r[0] for r in detected}


def restrict_reader(
    cur: psycopg.Cursor, schema: str, table: str, personal: Iterable[str]
) -> list[str] | None:
    """Lets the reader role read every column of ``schema.table`` except ``personal``; returns the
    columns closed to it, or None where the role does not exist (chat is not set up there)."""
    if cur.execute("select 1 from pg_roles where rolname = %s", (READER_ROLE,)).fetchone() is None:
        return None
    columns = [
        r[0]
        for r in cur.execute(
            """select attname from pg_attribute
                where attrelid = %s::regclass and attnum > 0 and not attisdropped order by attnum""",
            (sql.Identifier(schema, table).as_string(cur),),
        )
    ]
    personal = set(personal)
    closed = [c for c in columns if c in personal]
    target, role = sql.Identifier(schema, table), sql.Identifier(READER_ROLE)
    # Revoking on the table revokes its column grants as well, so each call starts from nothing.
    cur.execute(sql.SQL("revoke select on {} from {}").format(target, role))
    if not closed:
        cur.execute(sql.SQL("grant select on {} to {}").format(target, role))
        return []
    open_columns = [c for c in columns if c not in closed]
    if open_columns:
        cur.execute(
            sql.SQL("grant select ({}) on {} to {}").format(
                sql.SQL(", ").join(map(sql.Identifier, open_columns)), target, role
            )
        )
    return closed
