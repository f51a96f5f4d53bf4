"""``nex.quality_scores``: the score of every quality run, as a time series per dataset."""

from __future__ import annotations

import json

import psycopg

from nex_assets.quality.logic.score import ScoreCard
from nex_assets.quality.logic.suite import DIMENSIONS

HISTORY_COLUMNS = ("scored_at", "score", *DIMENSIONS, "checks_passed", "failed")


def record(
    conn: psycopg.Connection,
    dataset: str,
    card: ScoreCard,
    *,
    data_version: str | None,
    details: dict,
    run_id: str | None,
) -> None:
    conn.execute(
        f"insert into nex.quality_scores (dataset, data_version, score, {', '.join(DIMENSIONS)}, "
        "checks_passed, expectations, failed, details, dagster_run_id) "
        f"values (%s, %s, %s, {', '.join(['%s'] * len(DIMENSIONS))}, %s, %s, %s, %s, %s)",
        (
            dataset,
            data_version,
            card.score,
            *(card.dimensions.get(d) for d in DIMENSIONS),
            card.checks_passed,
            card.expectations,
            card.failed,
            json.dumps(details, default=str),
            run_id,
        ),
    )


def history(conn: psycopg.Connection, dataset: str, limit: int) -> list[tuple]:
    """The newest ``limit`` scores, newest first, as ``HISTORY_COLUMNS``."""
    return conn.execute(
        f"select {', '.join(HISTORY_COLUMNS)} from nex.quality_scores where dataset = %s "
        "order by scored_at desc, id desc limit %s",
        (dataset, limit),
    ).fetchall()


def latest_version(conn: psycopg.Connection, dataset: str) -> tuple[str, object] | None:
    """The dataset's newest loaded version and when it was loaded."""
    return conn.execute(
        "select data_version, loaded_at from nex.dataset_versions where dataset = %s "
        "order by loaded_at desc limit 1",
        (dataset,),
    ).fetchone()
