"""Reviewing insights: the newest insights of each dataset with their status, and a person accepting
them (``nex dictionary review --insights``, ``nex dictionary accept <dataset> --insights``). Only the
newest set matters: the next materialization writes a new one, with its own status."""

from __future__ import annotations

import psycopg

from nex_assets.dictionary.logic.models import ACCEPTED


def latest(conn: psycopg.Connection, dataset: str | None, status: str | None) -> list[dict]:
    """The newest insights of each dataset (or of one), newest first, when their status is ``status``
    (None: any)."""
    cur = conn.execute(
        """select * from (
               select distinct on (dataset) id, dataset, generated_at, writer, status, reviewed_by,
                      reviewed_at, statements
                 from nex.insights
                where %(d)s::text is null or dataset = %(d)s
                order by dataset, generated_at desc, id desc) newest
            where %(s)s::text is null or status = %(s)s
            order by generated_at desc""",
        {"d": dataset, "s": status},
    )
    names = [c.name for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def accept(conn: psycopg.Connection, dataset: str, by: str) -> dict | None:
    """Marks the dataset's newest insights accepted by ``by``; None when it has none."""
    row = conn.execute(
        """update nex.insights set status = %s, reviewed_by = %s, reviewed_at = now()
            where id = (select id from nex.insights where dataset = %s
                         order by generated_at desc, id desc limit 1)
        returning id, writer, generated_at""",
        (ACCEPTED, by, dataset),
    ).fetchone()
    return dict(zip(("id", "writer", "generated_at"), row, strict=True)) if row else None
