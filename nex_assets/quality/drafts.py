"""``nex quality suggest``: a suite drafted from the newest profile, written beside (never over) the
adopted suites."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg

from nex_assets.quality.logic.suggest import suggest_suite

PROFILE_COLUMNS = (
    "column_name",
    "ordinal",
    "pg_type",
    "inferred_type",
    "sensitive",
    "row_count",
    "null_share",
    "distinct_count",
    "stats",
)


class NoProfile(LookupError):
    pass


def latest_profile(conn: psycopg.Connection, dataset: str) -> tuple[str, list[dict]]:
    row = conn.execute(
        "select data_version from nex.column_profiles where dataset = %s order by profiled_at desc limit 1",
        (dataset,),
    ).fetchone()
    if row is None:
        raise NoProfile(f"{dataset} has no profile yet; materialize {dataset}/profile first")
    version = row[0]
    rows = conn.execute(
        f"select {', '.join(PROFILE_COLUMNS)} from nex.column_profiles "
        "where dataset = %s and data_version = %s",
        (dataset, version),
    ).fetchall()
    return version, [dict(zip(PROFILE_COLUMNS, r, strict=True)) for r in rows]


def suggested_path(expectations_dir: Path, dataset: str) -> Path:
    return expectations_dir / "suggested" / f"{dataset}.json"


def write_suggestion(
    conn: psycopg.Connection, dataset: str, primary_key: list[str], expectations_dir: Path
) -> tuple[Path, dict]:
    version, entries = latest_profile(conn, dataset)
    suite = suggest_suite(dataset, entries, primary_key, version)
    path = suggested_path(expectations_dir, dataset)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(suite, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path, suite
