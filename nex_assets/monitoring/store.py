"""Keeps drift measurements: the HTML report on disk, the figures in nex.drift_reports/drift_metrics."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from nex_assets.core import env
from nex_assets.monitoring.logic.drift import DriftResult


@dataclass(frozen=True)
class StoredDrift:
    report_id: int
    measured_at: datetime
    report_path: Path


def report_path(dataset: str, recipe: str, measured_at: datetime, run_id: str | None) -> Path:
    stamp = measured_at.strftime("%Y%m%dT%H%M%S")
    suffix = re.sub(r"[^A-Za-z0-9]", "", (run_id or "")[:8])
    name = f"{stamp}_{suffix}.html" if suffix else f"{stamp}.html"
    return env.reports_dir() / "drift" / dataset / recipe / name


def record(
    conn: psycopg.Connection,
    result: DriftResult,
    *,
    dataset: str,
    recipe: str,
    retrain_share: float,
    model_version: str | None,
    run_id: str | None,
) -> StoredDrift:
    """Saves the report, then writes the figures in one transaction that names it."""
    measured_at = datetime.now(UTC)
    path = result.save_html(report_path(dataset, recipe, measured_at, run_id))
    with conn.transaction():
        report_id = conn.execute(
            """insert into nex.drift_reports (measured_at, dataset, recipe, model_version, run_id,
                   drift_share, drifted_features, features, retrain_share, reference_rows, current_rows,
                   reference_sample, current_sample, report_path, skipped)
               values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) returning id""",
            (
                measured_at,
                dataset,
                recipe,
                model_version,
                run_id,
                result.drift_share,
                result.drifted_features,
                len(result.features),
                retrain_share,
                result.reference_rows,
                result.current_rows,
                result.reference_sample,
                result.current_sample,
                str(path),
                json.dumps(result.skipped),
            ),
        ).fetchone()[0]
        with conn.cursor() as cur:
            cur.executemany(
                """insert into nex.drift_metrics (report_id, measured_at, dataset, recipe, column_name, role,
                       kind, method, score, threshold, drifted)
                   values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                [
                    (
                        report_id,
                        measured_at,
                        dataset,
                        recipe,
                        c.column,
                        c.role,
                        c.kind,
                        c.method,
                        c.score,
                        c.threshold,
                        c.drifted,
                    )
                    for c in result.columns
                ],
            )
    return StoredDrift(report_id, measured_at, path)
