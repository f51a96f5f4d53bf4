"""The facts behind a dataset's insights, computed from its profile and by SQL over its raw table.

Personal-data columns never become facts: no metric, trend or correlation is computed over them.
"""

from __future__ import annotations

import re

import psycopg
from psycopg import sql

from nex_assets.datasets.logic.catalog import Dataset
from nex_assets.datasets.logic.semantics import SUMMABLE
from nex_assets.dictionary.logic.settings import DatasetInsights, InsightSettings
from nex_assets.dictionary.store import latest_profiles
from nex_assets.insights.logic import findings as I

_CURRENCIES = {"gbp", "usd", "eur"}
_INTEGER_TYPES = {"integer", "bigint", "smallint"}
_NUMBER_TYPES = _INTEGER_TYPES | {"numeric", "double precision", "real"}
# Above this many rows, correlations come from a block sample of about this many rows.
CORRELATION_SAMPLE_ROWS = 1_000_000


def _semantic(profile: dict) -> str | None:
    return (profile.get("stats") or {}).get("semantic_type")


# "packpc", "gdp_percap": a quantity per head is a rate, whatever it counts.
_PER_HEAD = re.compile(r"(pc|percap|percapita|per_capita)$")


def _additive(profile: dict, unit: str | None, non_additive_words: list[str]) -> bool:
    """Sums make sense for amounts and counts that are never negative; prices, averages, rates and
    the like (named so), shares and other measures are averaged instead; codes and years never
    become measures at all (see ``compute``)."""
    name = profile["column_name"].lower()
    words = set(name.split("_"))
    if profile["stats"].get("negatives") or words & set(non_additive_words) or _PER_HEAD.search(name):
        return False
    semantic = _semantic(profile)
    if semantic is not None:
        return semantic in ("count", "amount")
    return (unit or "").lower() in _CURRENCIES or profile["pg_type"] in _INTEGER_TYPES


def _is_measure(profile: dict) -> bool:
    """A number that means a quantity: never an identifier or code (a state, a zip code), a year,
    a yes/no flag or a category, whatever its storage type."""
    semantic = _semantic(profile)
    if semantic is not None:
        return semantic in SUMMABLE
    return profile["inferred_type"] == "numeric"


def compute(
    conn: psycopg.Connection,
    ds: Dataset,
    settings: InsightSettings,
    section: DatasetInsights,
    units: dict[str, str | None],
    targets: set[str] | frozenset = frozenset(),
) -> tuple[list[I.Fact], str]:
    """All facts of ``ds`` and the profile's data version. ``targets`` are columns models predict:
    a column that tracks one is a good predictor, never advice to drop one of the two."""
    profiles = latest_profiles(conn, ds.name)
    if not profiles:
        raise ValueError(f"raw.{ds.name} has no profile; materialize {ds.name}/profile first")
    by_name = {p["column_name"]: p for p in profiles}
    rows = profiles[0]["row_count"]
    table = sql.Identifier("raw", ds.name)
    facts = [
        I.Fact(
            "summary.table",
            "summary",
            f"raw.{ds.name}",
            {
                "rows": rows,
                "columns": len(profiles),
                "personal_columns": sum(p["sensitive"] for p in profiles),
            },
        )
    ]
    measures = section.measures or [
        p["column_name"]
        for p in profiles
        if _is_measure(p) and not p["sensitive"] and p["column_name"] not in ds.primary_key
    ]
    unknown = [m for m in measures if m not in by_name]
    if unknown:
        raise ValueError(f"{ds.file}: dictionary.insights.measures names unknown columns {unknown}")
    measures = [m for m in measures if not by_name[m]["sensitive"]]
    additive = {m: _additive(by_name[m], units.get(m), settings.non_additive_words) for m in measures}
    totals = _totals(conn, table, [m for m in measures if additive[m]]) if rows else {}
    for m in measures:
        stats = by_name[m]["stats"]
        facts.append(
            I.Fact(
                f"metric.{m}",
                "key metrics",
                m,
                {
                    "mean": stats.get("mean"),
                    "min": stats.get("min"),
                    "max": stats.get("max"),
                    "total": totals.get(m),
                    "null_share": round(float(by_name[m]["null_share"]), 4),
                    "unit": units.get(m),
                },
            )
        )
    facts += _trends(conn, ds, table, by_name, measures, additive, settings, section, units)
    for m in measures:
        stats = by_name[m]["stats"]
        if stats.get("iqr_fences") and stats.get("outliers") is not None:
            fact = I.anomaly(
                m,
                stats["outliers"],
                rows,
                stats["iqr_fences"],
                min_share=settings.anomaly_min_share,
                unit=units.get(m),
            )
            if fact:
                facts.append(fact)
    ranked = sorted(measures, key=lambda m: by_name[m]["null_share"])[: settings.max_correlation_columns]
    facts += I.correlations(
        _correlations(conn, table, ranked, rows), settings.correlation_threshold, set(targets)
    )
    facts += _quality(conn, ds.name)
    return facts, profiles[0]["data_version"]


def _totals(conn: psycopg.Connection, table: sql.Composable, columns: list[str]) -> dict[str, float]:
    if not columns:
        return {}
    exprs = sql.SQL(", ").join(
        sql.SQL("sum({})::double precision").format(sql.Identifier(c)) for c in columns
    )
    row = conn.execute(sql.SQL("select {} from {}").format(exprs, table)).fetchone()
    return {c: (round(v, 4) if v is not None else None) for c, v in zip(columns, row, strict=True)}


def time_column_of(by_name: dict[str, dict], declared: str | None) -> str | None:
    """The declared time column, else a date column, else a column of years or fractional years
    (the one with the most distinct values)."""
    if declared:
        return declared
    usable = [p for p in by_name.values() if not p["sensitive"]]
    dated = [p for p in usable if p["inferred_type"] == "datetime"]
    timed = [p for p in usable if _semantic(p) in ("year", "period") and p["distinct_count"] > 1]
    chosen = dated or sorted(timed, key=lambda p: -p["distinct_count"])
    return chosen[0]["column_name"] if chosen else None


def _trends(conn, ds, table, by_name, measures, additive, settings, section, units) -> list[I.Fact]:
    time_column = time_column_of(by_name, section.time_column)
    if time_column is None:
        return []
    if time_column not in by_name:
        raise ValueError(f"{ds.file}: dictionary.insights.time_column {time_column!r} is not a column")
    t = sql.Identifier(time_column)
    aggs = [sql.SQL("count(*)::double precision")] + [
        sql.SQL("{}({})::double precision").format(
            sql.SQL("sum" if additive[m] else "avg"), sql.Identifier(m)
        )
        for m in measures
    ]
    if by_name[time_column]["pg_type"] in _NUMBER_TYPES:
        # Years (1963, or 63) and fractional years (1949.083): each value is a period.
        first, last = conn.execute(sql.SQL("select min({}), max({}) from {}").format(t, t, table)).fetchone()
        if first is None:
            return []
        grain = "year" if float(first) % 1 == 0 and float(last) % 1 == 0 else "period"
        period = sql.SQL("{}::text").format(t)
        order = t
    else:
        first, last = conn.execute(
            sql.SQL("select min({})::date, max({})::date from {}").format(t, t, table)
        ).fetchone()
        if first is None:
            return []
        grain = "week" if (last - first).days <= 730 else "month"
        period = sql.SQL("date_trunc({}, {})::date::text").format(sql.Literal(grain), t)
        order = sql.SQL("1")
    series = conn.execute(
        sql.SQL("select {}, {} from {} where {} is not null group by {} order by {}").format(
            period, sql.SQL(", ").join(aggs), table, t, t if order is t else sql.SQL("1"), order
        )
    ).fetchall()
    facts = [
        I.Fact(
            "summary.period",
            "summary",
            time_column,
            {"first": str(first), "last": str(last), "periods": len(series), "grain": grain},
        )
    ]
    # Measures trend over time only in time-series tables (the time column is part of the key); in an
    # entity table (customers by signup date) only the number of new rows per period means something.
    trended = measures if time_column in ds.primary_key else []
    names = [("rows", "number of", None)] + [
        (m, "total" if additive[m] else "average", units.get(m)) for m in trended
    ]
    for i, (name, how, unit) in enumerate(names, start=1):
        fact = I.trend(
            name,
            [(r[0], r[i]) for r in series],
            min_periods=settings.trend_min_periods,
            min_change=settings.trend_min_change,
            how=how,
            unit=unit,
            grain=grain,
        )
        if fact:
            facts.append(fact)
    return facts


def _correlations(conn, table, columns: list[str], rows: int) -> dict[tuple[str, str], float | None]:
    pairs = [(a, b) for i, a in enumerate(columns) for b in columns[i + 1 :]]
    if not pairs or not rows:
        return {}
    source = table
    if rows > CORRELATION_SAMPLE_ROWS:
        share = 100.0 * CORRELATION_SAMPLE_ROWS / rows
        source = sql.SQL("{} tablesample system ({}) repeatable (7)").format(table, sql.Literal(share))
    exprs = sql.SQL(", ").join(
        sql.SQL("corr({}::double precision, {}::double precision)").format(
            sql.Identifier(a), sql.Identifier(b)
        )
        for a, b in pairs
    )
    row = conn.execute(sql.SQL("select {} from {}").format(exprs, source)).fetchone()
    return dict(zip(pairs, row, strict=True))


def _quality(conn: psycopg.Connection, dataset: str) -> list[I.Fact]:
    if conn.execute("select to_regclass('nex.quality_scores')").fetchone()[0] is None:
        return []
    row = conn.execute(
        "select score, checks_passed, scored_at from nex.quality_scores where dataset = %s "
        "order by scored_at desc limit 1",
        (dataset,),
    ).fetchone()
    if row is None:
        return []
    return [
        I.Fact(
            "quality.score",
            "quality",
            dataset,
            {"score": round(row[0], 4), "checks_passed": row[1], "scored_at": row[2].isoformat()},
        )
    ]
