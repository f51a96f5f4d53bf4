"""Column profiles computed in PostgreSQL and kept in ``nex.column_profiles`` per data version."""

from __future__ import annotations

import json

import psycopg
from psycopg import sql

from nex_assets.common import patterns
from nex_assets.datasets.logic.profiling import (
    NUMERIC_TYPES,
    TEMPORAL_TYPES,
    ColumnFacts,
    clean_number,
    inferred_type,
    iqr_fences,
    profile_hash,
)
from nex_assets.datasets.logic.semantics import ColumnEvidence, semantic_type

# Above this many rows statistics come from a block sample; the profile records that it did.
SAMPLE_ABOVE_ROWS = 2_000_000
SAMPLE_VALUES = 200
TOP_VALUES = 5


def table_columns(conn: psycopg.Connection, schema: str, table: str) -> list[tuple[str, str]]:
    """The columns the connection's role may read (the chat reader profiles a table without the
    personal columns closed to it; the platform's own user reads them all)."""
    return conn.execute(
        """select a.attname, format_type(a.atttypid, a.atttypmod)
             from pg_attribute a where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped
              and has_column_privilege(a.attrelid, a.attnum, 'SELECT')
            order by a.attnum""",
        (f'"{schema}"."{table}"',),
    ).fetchall()


def _source(schema: str, table: str, rows: int) -> sql.Composable:
    rel = sql.Identifier(schema, table)
    if rows <= SAMPLE_ABOVE_ROWS:
        return rel
    pct = max(0.01, min(100.0, 100.0 * SAMPLE_ABOVE_ROWS / rows))
    return sql.SQL("{} tablesample system ({}) repeatable (7)").format(rel, sql.Literal(pct))


def _aggregate(
    conn: psycopg.Connection, src: sql.Composable, cols: list[tuple[str, str]]
) -> tuple[int, list[dict]]:
    exprs: list[sql.Composable] = [sql.SQL("count(*)")]
    layout: list[tuple[str, list[str]]] = []
    for name, pg_type in cols:
        c = sql.Identifier(name)
        parts = {
            "non_null": sql.SQL("count({})").format(c),
            "distinct": sql.SQL("count(distinct {})").format(c),
        }
        if pg_type in NUMERIC_TYPES:
            x = sql.SQL("{}::double precision").format(c)
            parts |= {
                "min": sql.SQL("min({})").format(x),
                "max": sql.SQL("max({})").format(x),
                "mean": sql.SQL("avg({})").format(x),
                "std": sql.SQL("stddev_samp({})").format(x),
                "quantiles": sql.SQL(
                    "percentile_cont(array[0.05, 0.25, 0.5, 0.75, 0.95]) within group (order by {})"
                ).format(x),
                "zeros": sql.SQL("count(*) filter (where {} = 0)").format(x),
                "negatives": sql.SQL("count(*) filter (where {} < 0)").format(x),
                "fractional": sql.SQL("count(*) filter (where {} <> trunc({}))").format(x, x),
            }
        elif pg_type in TEMPORAL_TYPES:
            parts |= {"min": sql.SQL("min({})::text").format(c), "max": sql.SQL("max({})::text").format(c)}
        elif pg_type != "boolean":
            t = sql.SQL("{}::text").format(c)
            parts |= {
                "avg_length": sql.SQL("avg(length({}))").format(t),
                "min_length": sql.SQL("min(length({}))").format(t),
                "max_length": sql.SQL("max(length({}))").format(t),
            }
        layout.append((name, list(parts)))
        exprs.extend(parts.values())
    row = conn.execute(sql.SQL("select {} from {}").format(sql.SQL(", ").join(exprs), src)).fetchone()
    total, i, out = row[0], 1, []
    for name, keys in layout:
        vals = dict(zip(keys, row[i : i + len(keys)], strict=True))
        i += len(keys)
        if "quantiles" in vals:
            q = vals.pop("quantiles") or [None] * 5
            vals |= dict(zip(("q05", "q25", "q50", "q75", "q95"), q, strict=True))
        out.append({"name": name, **{k: clean_number(v) for k, v in vals.items()}})
    return total, out


def profile_table(
    conn: psycopg.Connection,
    schema: str,
    table: str,
    *,
    primary_key: list[str],
    sensitive: set[str],
    exact_rows: int | None = None,
    known: dict[str, str] | None = None,
) -> list[dict]:
    """One profile entry per column: type, nulls, distinct values, statistics, shapes, top values."""
    cols = table_columns(conn, schema, table)
    rows = exact_rows
    if rows is None:
        rows = conn.execute(
            sql.SQL("select count(*) from {}").format(sql.Identifier(schema, table))
        ).fetchone()[0]
    src = _source(schema, table, rows)
    sampled_rows, aggs = _aggregate(conn, src, cols)
    scale = rows / sampled_rows if sampled_rows else 1.0
    entries = []
    for ordinal, ((name, pg_type), agg) in enumerate(zip(cols, aggs, strict=True), start=1):
        c = sql.Identifier(name)
        values = [
            r[0]
            for r in conn.execute(
                sql.SQL("select {}::text from {} where {} is not null limit %s").format(c, src, c),
                (SAMPLE_VALUES,),
            )
        ]
        # What the load found in the whole column comes first; the sample can only add to it.
        kind = (known or {}).get(name) or (
            patterns.personal_kind(name, values) if pg_type == "text" else None
        )
        is_sensitive = name in sensitive or kind is not None
        nulls = round((sampled_rows - agg["non_null"]) * scale)
        facts = ColumnFacts(
            name, pg_type, rows, nulls, agg["distinct"], agg.get("avg_length"), is_key=primary_key == [name]
        )
        kind_of = inferred_type(facts)
        semantic = semantic_type(
            ColumnEvidence(
                name,
                pg_type,
                kind_of,
                rows,
                agg["distinct"],
                agg.get("min") if pg_type in NUMERIC_TYPES else None,
                agg.get("max") if pg_type in NUMERIC_TYPES else None,
                whole=pg_type in NUMERIC_TYPES and not agg.get("fractional"),
                top_values=tuple(values[: TOP_VALUES * 4])
                if agg["distinct"] <= 2 or pg_type == "text"
                else (),
                sensitive=is_sensitive,
                in_key=name in primary_key,
            )
        )
        stats = {k: v for k, v in agg.items() if k not in {"name", "non_null", "distinct"}}
        fences = iqr_fences(stats.get("q25"), stats.get("q75")) if pg_type in NUMERIC_TYPES else None
        if fences:
            stats["iqr_fences"] = list(fences)
            stats["outliers"] = conn.execute(
                sql.SQL(
                    "select count(*) from {} where {}::double precision < %s or {}::double precision > %s"
                ).format(src, c, c),
                fences,
            ).fetchone()[0]
        if kind_of not in {"identifier", "free_text"}:
            top = conn.execute(
                sql.SQL(
                    "select {}::text, count(*) from {} where {} is not null group by 1 order by 2 desc, 1 "
                    "limit %s"
                ).format(c, src, c),
                (TOP_VALUES,),
            ).fetchall()
            stats["top_values"] = [
                {
                    "value": patterns.mask(v) if is_sensitive else v,
                    "share": n / sampled_rows if sampled_rows else 0,
                }
                for v, n in top
            ]
        if pg_type == "text":
            stats["patterns"] = [{"pattern": p, "share": s} for p, s in patterns.dominant_shapes(values)]
        stats["examples"] = [patterns.mask(v) if is_sensitive else v[:80] for v in values[:3]]
        if kind:
            stats["personal_data"] = kind
        stats["semantic_type"] = semantic
        if sampled_rows != rows:
            stats["sampled_rows"] = sampled_rows
        entry = {
            "column_name": name,
            "ordinal": ordinal,
            "pg_type": pg_type,
            "inferred_type": kind_of,
            "sensitive": is_sensitive,
            "row_count": rows,
            "null_count": nulls,
            "null_share": nulls / rows if rows else 0.0,
            "distinct_count": agg["distinct"],
            "stats": stats,
        }
        entry["profile_hash"] = profile_hash(entry)
        entries.append(entry)
    return entries


def store_profiles(conn: psycopg.Connection, dataset: str, data_version: str, entries: list[dict]) -> None:
    with conn.transaction():
        for e in entries:
            conn.execute(
                """insert into nex.column_profiles (dataset, column_name, data_version, ordinal, pg_type,
                       inferred_type, sensitive, row_count, null_count, null_share, distinct_count, stats,
                       profile_hash)
                   values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                   on conflict (dataset, column_name, data_version) do update set
                       profiled_at = now(), ordinal = excluded.ordinal, pg_type = excluded.pg_type,
                       inferred_type = excluded.inferred_type, sensitive = excluded.sensitive,
                       row_count = excluded.row_count, null_count = excluded.null_count,
                       null_share = excluded.null_share, distinct_count = excluded.distinct_count,
                       stats = excluded.stats, profile_hash = excluded.profile_hash""",
                (
                    dataset,
                    e["column_name"],
                    data_version,
                    e["ordinal"],
                    e["pg_type"],
                    e["inferred_type"],
                    e["sensitive"],
                    e["row_count"],
                    e["null_count"],
                    e["null_share"],
                    e["distinct_count"],
                    json.dumps(e["stats"], default=str),
                    e["profile_hash"],
                ),
            )
