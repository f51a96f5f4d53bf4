"""Evaluating a registered candidate with its recipe's packs, and moving ``champion`` only on a pass.

The candidate is loaded back from the registry and scored on the holdout: a version that cannot be
loaded or scored fails right there and never gets the alias. The current champion is scored on the
same holdout for the packs' champion comparisons. Outcomes go to ``nex.evaluation_results`` (one
row per criterion), to the candidate's MLflow run, and to the version's tags.
"""

from __future__ import annotations

import json
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nex_assets.core import db as nexdb
from nex_assets.core import env
from nex_assets.ml import data, registry, training
from nex_assets.ml.logic.packs import Metrics, Outcome, judge
from nex_assets.ml.logic.recipe import Recipe
from nex_assets.ml.recipes import recipe_packs


@dataclass
class EvaluationResult:
    model_name: str
    version: str
    run_id: str | None
    promoted: bool
    champion_before: str | None
    champion_after: str | None
    metrics: Metrics | None
    champion_metrics: Metrics | None
    outcomes: list[Outcome]
    reason: str


def _failure(pack: str, criterion: str, reason: str) -> Outcome:
    return Outcome(pack, "-", criterion, "-", None, None, "must succeed", False, False, reason)


def evaluate(
    recipe: Recipe,
    version: str,
    *,
    dagster_run_id: str = "",
    project_dir: Path | None = None,
) -> EvaluationResult:
    name = recipe.registered_model
    client = registry.client()
    run_id = client.get_model_version(name, version).run_id
    packs = recipe_packs(recipe)
    slices = training.slice_columns(recipe)
    with nexdb.connect() as conn:
        prepared = data.prepare(conn, recipe, slices)
    frame, columns = prepared.frame, prepared.columns
    holdout = data.holdout_mask(recipe, frame)
    train_frame = frame[~holdout] if holdout.any() else frame
    scored = frame if recipe.split.kind == "kfold" else frame[holdout]
    truth = training.ground_truth(recipe, project_dir or env.project_dir())
    before = registry.champion_version(name)
    outcomes: list[Outcome] = []
    oof = None
    try:
        candidate = registry.predictor(registry.load(name, version))
        # k-fold recipes are judged on out-of-fold predictions of the same recipe; the registered
        # version still has to load and score every row.
        oof = training.out_of_fold(recipe, frame, columns) if recipe.split.kind == "kfold" else None
        metrics = training.family_metrics(
            recipe, candidate, train_frame, scored, columns, truth, list(slices), oof
        )
        if oof is not None:
            loaded = candidate(frame[columns])
            if not np.all(np.isfinite(loaded)):
                raise ValueError("the registered model gives non-finite scores")
    except Exception as exc:
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        outcomes.append(_failure("registry", "loads_and_scores", f"version {version} failed: {detail}"))
        metrics = None
    champion_metrics = None
    if metrics is not None and before is not None and before != version and oof is not None:
        # Out-of-fold scores belong to a recipe, not to a fitted model: there is nothing to score the
        # champion against fairly, so champion criteria see no champion (and say so).
        outcomes.append(
            Outcome(
                "registry",
                "-",
                "champion_comparison",
                "-",
                None,
                None,
                "informational",
                True,
                True,
                f"k-fold recipe: champion v{before} is not re-scored; champion criteria are skipped",
            )
        )
    elif metrics is not None and before is not None and before != version:
        try:
            champion = registry.predictor(registry.load(name, before))
            champion_metrics = training.family_metrics(
                recipe,
                champion,
                train_frame,
                scored,
                columns,
                truth,
                [],
                None if oof is None else champion(frame[columns]),
            )
        except Exception as exc:
            # A champion that no longer loads cannot block its successor; the comparison is skipped.
            champion_metrics = None
            outcomes.append(
                Outcome(
                    "registry",
                    "-",
                    "champion_loads",
                    "-",
                    None,
                    None,
                    "informational",
                    True,
                    True,
                    f"champion version {before} could not be scored ({type(exc).__name__}); no comparison",
                )
            )
    if metrics is not None:
        for pack in packs:
            outcomes += judge(pack, metrics, champion_metrics)
    promoted = metrics is not None and all(o.passed for o in outcomes)
    failing = [f"{o.pack}/{o.criterion}: {o.reason}" for o in outcomes if not o.passed]
    reason = "all packs passed" if promoted else "; ".join(failing)
    _record(recipe, name, version, run_id, outcomes, promoted, dagster_run_id)
    _log_to_mlflow(client, run_id, metrics, outcomes, promoted)
    registry.tag(
        name,
        version,
        {
            "nex.status": "champion" if promoted else "rejected",
            "nex.evaluation": "passed" if promoted else "failed",
            "nex.evaluation_reason": reason,
            "nex.evaluation_packs": ",".join(f"{p.name}@{p.version}" for p in packs),
        },
    )
    if promoted:
        registry.promote(name, version)
    return EvaluationResult(
        model_name=name,
        version=version,
        run_id=run_id,
        promoted=promoted,
        champion_before=before,
        champion_after=version if promoted else before,
        metrics=metrics,
        champion_metrics=champion_metrics,
        outcomes=outcomes,
        reason=reason,
    )


RESULT_COLUMNS = (
    "dataset",
    "recipe",
    "recipe_version",
    "model_name",
    "model_version",
    "run_id",
    "pack",
    "pack_version",
    "criterion",
    "metric",
    "slice",
    "value",
    "threshold",
    "passed",
    "skipped",
    "reason",
    "promoted",
    "dagster_run_id",
)


def _record(recipe, name, version, run_id, outcomes, promoted, dagster_run_id) -> None:
    rows = [
        (
            recipe.dataset,
            recipe.name,
            recipe.version,
            name,
            version,
            run_id,
            o.pack,
            o.pack_version,
            o.criterion,
            o.metric,
            o.slice,
            o.value if o.value is None or np.isfinite(o.value) else None,
            o.threshold,
            o.passed,
            o.skipped,
            o.reason,
            promoted,
            dagster_run_id,
        )
        for o in outcomes
    ]
    with nexdb.connect() as conn, conn.cursor() as cur:
        cur.executemany(
            f"insert into nex.evaluation_results ({', '.join(RESULT_COLUMNS)}) "
            f"values ({', '.join(['%s'] * len(RESULT_COLUMNS))})",
            rows,
        )


def _log_to_mlflow(client, run_id, metrics: Metrics | None, outcomes: list[Outcome], promoted: bool) -> None:
    from mlflow.entities import Metric

    if not run_id:
        return
    now = int(time.time() * 1000)
    batch = [Metric("evaluation.promoted", float(promoted), now, 0)]
    if metrics is not None:
        batch += [
            Metric(f"evaluation.{k}", float(v), now, 0)
            for k, v in metrics.overall.items()
            if v is not None and np.isfinite(v)
        ]
    client.log_batch(run_id, metrics=batch)
    client.log_text(
        run_id,
        json.dumps(
            {
                "promoted": promoted,
                "metrics": None
                if metrics is None
                else {"overall": metrics.overall, "slices": metrics.slices},
                "outcomes": [o.as_dict() for o in outcomes],
            },
            indent=2,
            default=float,
        ),
        f"evaluation/evaluation_{now}.json",
    )
