"""Swapping a freshly built table in under a name that views already read from."""

from __future__ import annotations

import psycopg
from psycopg import sql

# Views (and materialized views) reading a table, deepest last, so they can be recreated in order.
_DEPENDENT_VIEWS = """
with recursive deps(oid, depth) as (
    select distinct r.ev_class, 1
      from pg_depend d join pg_rewrite r on r.oid = d.objid
     where d.refobjid = %(table)s::regclass and r.ev_class <> d.refobjid
    union
    select distinct r.ev_class, deps.depth + 1
      from deps join pg_depend d on d.refobjid = deps.oid
      join pg_rewrite r on r.oid = d.objid
     where r.ev_class <> d.refobjid and deps.depth < 20
)
select n.nspname, c.relname, c.relkind, pg_get_viewdef(c.oid, true),
       obj_description(c.oid, 'pg_class'), max(deps.depth)
  from deps join pg_class c on c.oid = deps.oid join pg_namespace n on n.oid = c.relnamespace
 where c.relkind in ('v', 'm')
 group by n.nspname, c.relname, c.relkind, c.oid
 order by max(deps.depth)
"""

_COMMENTS = """
select a.attname, col_description(a.attrelid, a.attnum)
  from pg_attribute a
 where a.attrelid = %(table)s::regclass and a.attnum > 0 and not a.attisdropped
   and col_description(a.attrelid, a.attnum) is not null
"""


def table_exists(conn: psycopg.Connection | psycopg.Cursor, schema: str, name: str) -> bool:
    row = conn.execute("select to_regclass(%s)", (f'"{schema}"."{name}"',)).fetchone()
    return row is not None and row[0] is not None


def swap_in(cur: psycopg.Cursor, schema: str, name: str, staging: str) -> list[str]:
    """Replaces ``schema.name`` with ``schema.staging`` inside the caller's transaction.

    Table and column comments (the data dictionary writes them) carry over to the new table;
    dependent views are dropped and recreated on it. Returns the recreated views.
    """
    target = sql.Identifier(schema, name)
    if not table_exists(cur, schema, name):
        cur.execute(
            sql.SQL("alter table {} rename to {}").format(
                sql.Identifier(schema, staging), sql.Identifier(name)
            )
        )
        return []
    qualified = f'"{schema}"."{name}"'
    views = cur.execute(_DEPENDENT_VIEWS, {"table": qualified}).fetchall()
    table_comment = cur.execute("select obj_description(%s::regclass, 'pg_class')", (qualified,)).fetchone()[
        0
    ]
    column_comments = cur.execute(_COMMENTS, {"table": qualified}).fetchall()
    cur.execute(sql.SQL("drop table {} cascade").format(target))
    cur.execute(
        sql.SQL("alter table {} rename to {}").format(sql.Identifier(schema, staging), sql.Identifier(name))
    )
    if table_comment:
        cur.execute(sql.SQL("comment on table {} is {}").format(target, sql.Literal(table_comment)))
    new_columns = {
        r[0]
        for r in cur.execute(
            "select attname from pg_attribute where attrelid = %s::regclass and attnum > 0", (qualified,)
        )
    }
    for column, comment in column_comments:
        if column in new_columns:
            cur.execute(
                sql.SQL("comment on column {}.{} is {}").format(
                    target, sql.Identifier(column), sql.Literal(comment)
                )
            )
    recreated = []
    for view_schema, view_name, kind, definition, comment, _depth in views:
        view = sql.Identifier(view_schema, view_name)
        create = "create materialized view" if kind == "m" else "create view"
        cur.execute("savepoint view_recreate")
        try:
            cur.execute(sql.SQL(create + " {} as ").format(view) + sql.SQL(definition.rstrip().rstrip(";")))
        except psycopg.errors.Error:
            # The new table no longer has what the view read (a column was removed): the view's
            # owner (dbt) rebuilds it downstream; the load itself must not fail for that.
            cur.execute("rollback to savepoint view_recreate")
            continue
        cur.execute("release savepoint view_recreate")
        if comment:
            cur.execute(
                sql.SQL("comment on {} {} is {}").format(
                    sql.SQL("materialized view" if kind == "m" else "view"), view, sql.Literal(comment)
                )
            )
        recreated.append(f"{view_schema}.{view_name}")
    return recreated
