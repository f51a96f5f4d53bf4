"""The facts knowledge gaps are computed from, read from the warehouse, and where the result is kept."""

from __future__ import annotations

import json

import psycopg

from nex_assets.datasets.logic.catalog import Dataset
from nex_assets.knowledge_gaps.logic.gaps import ColumnFacts, DatasetFacts, Gap, RecipeNeeds


def _table_exists(conn: psycopg.Connection, name: str) -> bool:
    return conn.execute("select to_regclass(%s)", (name,)).fetchone()[0] is not None


def dataset_facts(conn: psycopg.Connection, ds: Dataset) -> tuple[DatasetFacts, str] | None:
    """The newest profile of ``ds`` and its newest quality score; None while it was never profiled."""
    latest = conn.execute(
        """select p.data_version, max(p.row_count) from nex.column_profiles p
            where p.dataset = %s
              and p.data_version = (select data_version from nex.column_profiles where dataset = %s
                                     order by profiled_at desc limit 1)
            group by p.data_version""",
        (ds.name, ds.name),
    ).fetchone()
    if latest is None:
        return None
    version, rows = latest
    columns = {
        name: ColumnFacts(name, null_share, distinct, kind)
        for name, null_share, distinct, kind in conn.execute(
            "select column_name, null_share, distinct_count, inferred_type from nex.column_profiles "
            "where dataset = %s and data_version = %s",
            (ds.name, version),
        )
    }
    facts = DatasetFacts(ds.name, int(rows), columns, list(ds.primary_key), list(ds.recipes), ds.group)
    if _table_exists(conn, "nex.quality_scores"):
        row = conn.execute(
            "select score, checks_passed, failed from nex.quality_scores where dataset = %s "
            "order by scored_at desc limit 1",
            (ds.name,),
        ).fetchone()
        if row is not None:
            facts.quality_score, facts.quality_passed, facts.quality_failed = row
    return facts, version


def recipe_needs() -> list[RecipeNeeds]:
    """Every recipe's target, the columns its roles name (which it cannot do without), and its other
    features."""
    from nex_assets.common.problems import Problems
    from nex_assets.ml.recipes import load_recipes

    needs = []
    # A broken recipe file is reported by the code location (nex/config); here it is left out.
    for r in load_recipes(problems=Problems()):
        required = tuple(c for c in r.roles.columns() if c != r.target)
        useful = tuple(c for c in r.features if c not in required and c != r.target)
        needs.append(RecipeNeeds(r.name, r.family, r.target, required, useful, r.dataset, tuple(r.tables)))
    return needs


def table_facts(conn: psycopg.Connection, tables: tuple[str, ...], columns: set[str]) -> DatasetFacts | None:
    """Facts of the tables a recipe reads (a dbt mart, a staging view with joins), for the columns it
    needs, measured now; None while the first of them is not built yet."""
    from psycopg import sql

    if not tables or not _table_exists(conn, tables[0]):
        return None
    found: dict[str, ColumnFacts] = {}
    rows = 0
    for i, table in enumerate(tables):
        if not _table_exists(conn, table):
            continue
        schema, name = table.split(".", 1)
        present = [
            c
            for (c,) in conn.execute(
                "select column_name from information_schema.columns where table_schema = %s "
                "and table_name = %s",
                (schema, name),
            ).fetchall()
            if c in columns and c not in found
        ]
        rel = sql.Identifier(schema, name)
        aggs = [sql.SQL("count(*)")] + [
            part
            for c in present
            for part in (
                sql.SQL("count({})").format(sql.Identifier(c)),
                sql.SQL("count(distinct {})").format(sql.Identifier(c)),
            )
        ]
        values = conn.execute(sql.SQL("select {} from {}").format(sql.SQL(", ").join(aggs), rel)).fetchone()
        if i == 0:
            rows = values[0]
        for j, c in enumerate(present):
            filled, distinct = values[1 + 2 * j], values[2 + 2 * j]
            null_share = 1 - filled / values[0] if values[0] else 0.0
            found[c] = ColumnFacts(c, null_share, distinct, "numeric")
    return DatasetFacts(tables[0], int(rows), found)


def store(
    conn: psycopg.Connection,
    dataset: str,
    version: str,
    results: list[tuple[RecipeNeeds, str, str, str, list[Gap]]],
    run_id: str | None,
) -> None:
    """Replaces the dataset's gaps with ``results`` (recipe, readiness, summary, writer, gaps) at once."""
    with conn.transaction():
        conn.execute("delete from nex.knowledge_gaps where dataset = %s", (dataset,))
        for needs, readiness, summary, writer, gaps in results:
            conn.execute(
                """insert into nex.knowledge_gaps
                       (dataset, recipe, family, data_version, readiness, summary, writer, gaps,
                        dagster_run_id)
                   values (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                (
                    dataset,
                    needs.name,
                    needs.family,
                    version,
                    readiness,
                    summary,
                    writer,
                    json.dumps([g.as_dict() for g in gaps]),
                    run_id,
                ),
            )
