"""Semantic models of the recipes' predictions tables (forecasts, elasticities, next best offers,
scores): what a model computed is asked about like any table, and joins to the datasets through the
keys it carries. The facts come from the table itself, told apart by the same rules as a profile's."""

from __future__ import annotations

import psycopg
from psycopg import sql

from nex_assets.datasets.logic.profiling import ColumnFacts as ProfileFacts
from nex_assets.datasets.logic.profiling import inferred_type
from nex_assets.datasets.logic.semantics import ColumnEvidence, semantic_type
from nex_assets.semantic.logic.draft import ColumnFacts, TableFacts

SCHEMA = "predictions"
# Columns every predictions table carries for lineage, which no question is about.
BOOKKEEPING = frozenset({"model_name", "model_version", "dagster_run_id", "scored_at"})
NUMERIC = frozenset({"double precision", "real", "numeric", "integer", "bigint", "smallint"})


def model_name(recipe) -> str:
    """``<recipe>_predictions``: what the model computed, named apart from the table it learnt from."""
    return f"{recipe.name}_predictions"


def table_facts(conn: psycopg.Connection, recipe, description: str) -> TableFacts | None:
    name, table = model_name(recipe), recipe.predictions_table
    columns = [
        (c, t)
        for c, t in conn.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = %s and table_name = %s order by ordinal_position",
            (SCHEMA, table),
        ).fetchall()
        if c not in BOOKKEEPING
    ]
    if not columns:
        return None
    rel = sql.Identifier(SCHEMA, table)
    rows = conn.execute(sql.SQL("select count(*) from {}").format(rel)).fetchone()[0]
    facts = []
    for column, pg_type in columns:
        c = sql.Identifier(column)
        numeric = pg_type in NUMERIC
        low, high, distinct, whole = conn.execute(
            sql.SQL("select {lo}, {hi}, count(distinct {c}), {whole} from {rel}").format(
                lo=sql.SQL("min({})::float8").format(c) if numeric else sql.SQL("null"),
                hi=sql.SQL("max({})::float8").format(c) if numeric else sql.SQL("null"),
                whole=sql.SQL("bool_and({c} = round({c}))").format(c=c) if numeric else sql.SQL("false"),
                c=c,
                rel=rel,
            )
        ).fetchone()
        top = tuple(
            r[0]
            for r in conn.execute(
                sql.SQL(
                    "select {}::text from {} where {} is not null group by 1 order by count(*) desc limit 5"
                ).format(c, rel, c)
            ).fetchall()
        )
        kind = inferred_type(ProfileFacts(column, pg_type, rows, 0, distinct))
        semantic = semantic_type(
            ColumnEvidence(column, pg_type, kind, rows, distinct, low, high, bool(whole), top)
        )
        facts.append(ColumnFacts(column, pg_type, semantic, int(distinct)))
    from nex_assets.semantic.store import grain

    times = [f for f in facts if f.semantic == "period"]
    return TableFacts(
        name,
        SCHEMA,
        table,
        tuple(facts),
        description=description,
        time_column=times[0].name if times else None,
        grains=tuple((f.name, grain(conn, SCHEMA, table, f.name)) for f in times),
        summed=frozenset({"amount", "count", "measure"}),
    )
