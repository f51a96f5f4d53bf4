"""`nex recipe suggest`: the facts a draft needs, read from the newest profile and the table."""

from __future__ import annotations

from itertools import combinations

import psycopg
from psycopg import sql

from nex_assets.core import settings as nex_settings
from nex_assets.ml.logic.frequency import FrequencyError, detect, to_periods
from nex_assets.ml.logic.settings import MLSettings
from nex_assets.ml.logic.suggest import Column, Facts, SuggestError

MAX_CATEGORY_VALUES = 30
MAX_KEY_DISTINCT = 1000
# Semantic types never read into the sample the leakage checks look at.
UNSAMPLED = ("personal", "free_text")


def gather(conn: psycopg.Connection, dataset: str, target: str | None = None) -> Facts:
    import pandas as pd

    rows = conn.execute(
        """select column_name, pg_type, coalesce(stats->>'semantic_type', inferred_type),
                  distinct_count, row_count
             from nex.column_profiles p
            where dataset = %(d)s
              and profiled_at = (select max(profiled_at) from nex.column_profiles where dataset = %(d)s)
            order by ordinal""",
        {"d": dataset},
    ).fetchall()
    if not rows:
        raise SuggestError(f"{dataset} has no profile yet: materialize {dataset}/profile first")
    columns = [Column(*r) for r in rows]
    facts = Facts(dataset, columns)
    table = sql.Identifier("raw", dataset)
    for c in columns:
        if c.semantic == "category" and c.distinct <= MAX_CATEGORY_VALUES:
            values = conn.execute(
                sql.SQL("select distinct {}::text from {} where {} is not null order by 1").format(
                    sql.Identifier(c.name), table, sql.Identifier(c.name)
                )
            ).fetchall()
            facts.categories[c.name] = [v[0] for v in values]
    facts.correlations = _correlations(conn, table, columns, target)
    facts.meanings = _meanings(conn, dataset)
    facts.leakage = nex_settings.load(MLSettings).leakage
    facts.sample = _sample(conn, table, columns, facts.leakage.sample_rows)
    keys = [c for c in columns if c.semantic in ("identifier", "category") and c.distinct <= MAX_KEY_DISTINCT]
    keys = [c for c in keys if c.distinct < c.rows]
    for c in columns:
        if c.semantic not in ("period", "year"):
            continue
        values = conn.execute(
            sql.SQL("select distinct {} from {} where {} is not null limit 10000").format(
                sql.Identifier(c.name), table, sql.Identifier(c.name)
            )
        ).fetchall()
        try:
            facts.frequencies[c.name] = detect(to_periods(pd.Series([v[0] for v in values]))).name
        except (FrequencyError, ValueError):
            continue
        facts.periods[c.name] = len(values)
        facts.panel_keys[c.name] = _panel_keys(
            conn, table, c.name, [k.name for k in keys if k.name != c.name]
        )
    return facts


def _panel_keys(conn, table, time: str, candidates: list[str]) -> list[str]:
    """The fewest columns that, with the time column, identify a row (none for a single series)."""
    total = conn.execute(sql.SQL("select count(*) from {}").format(table)).fetchone()[0]
    for size in range(0, 3):
        for keys in combinations(candidates, size):
            cols = sql.SQL(", ").join(map(sql.Identifier, [*keys, time]))
            distinct = conn.execute(
                sql.SQL("select count(*) from (select distinct {} from {}) d").format(cols, table)
            ).fetchone()[0]
            if distinct == total:
                return list(keys)
    return []


NUMERIC_TYPES = ("smallint", "integer", "bigint", "numeric", "real", "double precision")


def _correlations(conn, table, columns: list[Column], target: str | None) -> dict[str, float]:
    """Pearson correlation of each numeric column with a numeric target, in one scan."""
    numeric = [c.name for c in columns if c.pg_type in NUMERIC_TYPES]
    if target not in numeric:
        return {}
    others = [c for c in numeric if c != target]
    if not others:
        return {}
    select = sql.SQL(", ").join(
        sql.SQL("corr({}::float8, {}::float8)").format(sql.Identifier(target), sql.Identifier(c))
        for c in others
    )
    values = conn.execute(sql.SQL("select {} from {}").format(select, table)).fetchone()
    return {c: float(v) for c, v in zip(others, values, strict=True) if v is not None}


def _meanings(conn, dataset: str) -> dict[str, str]:
    """What a model or a person wrote of each column (rule-written text only repeats the name)."""
    rows = conn.execute(
        """select column_name, description || ' ' || business_meaning || ' ' || coalesce(unit, '')
             from nex.dictionary_entries
            where dataset = %s and kind = 'column' and source <> 'rule-based' and status <> 'rejected'""",
        (dataset,),
    ).fetchall()
    return {name: text for name, text in rows}


def _sample(conn, table, columns: list[Column], limit: int):
    """A repeatable sample of the rows (``leakage.sample_rows`` at most), numbers as floats, for the
    leakage checks and the collinearity of controls with a price."""
    import pandas as pd

    wanted = [c for c in columns if c.semantic not in UNSAMPLED]
    if not wanted:
        return None
    total = max(c.rows for c in columns)
    percent = min(100.0, 100.0 * 1.2 * limit / max(total, 1))
    cols = sql.SQL(", ").join(sql.Identifier(c.name) for c in wanted)
    rows = conn.execute(
        sql.SQL("select {} from {} tablesample bernoulli ({}) repeatable (0) limit {}").format(
            cols, table, sql.Literal(percent), sql.Literal(limit)
        )
    ).fetchall()
    frame = pd.DataFrame(rows, columns=[c.name for c in wanted])
    for c in wanted:
        if c.pg_type in NUMERIC_TYPES or c.pg_type == "boolean":
            frame[c.name] = pd.to_numeric(frame[c.name], errors="coerce").astype(float)
    return frame
