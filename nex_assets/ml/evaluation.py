"""Evaluating a registered candidate with its recipe's packs, and moving ``champion`` only on a pass.

Read top to bottom: measure the candidate (loaded back from the registry: a version that cannot be
loaded or scored fails right there), look for features that give the target away (whatever the
packs say, a model that learns from one is never promoted), measure the champion on the same
holdout, judge every pack,
decide (``logic/decision.py``, pure), record, promote. Outcomes go to ``nex.evaluation_results``
(one row per criterion), to the candidate's MLflow run, and to the version's tags.
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
from nex_assets.ml.logic.decision import Decision, decide
from nex_assets.ml.logic.features import ModelFrame
from nex_assets.ml.logic.packs import Metrics, Outcome, judge
from nex_assets.ml.logic.recipe import Recipe
from nex_assets.ml.logic.sample import Sample
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


@dataclass
class Setting:
    """What every measurement of one evaluation shares: the recipe's rows cut as in training, the
    planted truth if any, the slices the packs judge."""

    recipe: Recipe
    parts: data.Split
    truth: dict | None
    slices: list[str]


def measure_version(setting: Setting, version: str, outcomes: list[Outcome]) -> Metrics | None:
    """The candidate's metrics, or None (with a failure outcome) when it does not load or score."""
    recipe, name = setting.recipe, setting.recipe.registered_model
    try:
        model = registry.load(name, version)
        oof = None
        if recipe.split.kind == "kfold":
            # k-fold recipes are judged on out-of-fold predictions of the same algorithm; the
            # registered version still has to load and score every row.
            algorithm = registry.version_tags(name, version).get("nex.algorithm", recipe.algorithm)
            oof = training.out_of_fold(recipe, algorithm, setting.parts.frame)
            if not np.all(np.isfinite(np.asarray(model.predict(setting.parts.frame.X), dtype=float))):
                raise ValueError("the registered model gives non-finite scores")
        return training.measure_model(recipe, model, setting.parts, setting.truth, setting.slices, oof)
    except Exception as exc:  # whatever stops a version from loading or scoring keeps it out
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        outcomes.append(
            Outcome.failure("registry", "loads_and_scores", f"version {version} failed: {detail}")
        )
        return None


def measure_champion(
    setting: Setting, champion: str | None, version: str, outcomes: list[Outcome]
) -> Metrics | None:
    """The champion on the same rows, for the packs' champion comparisons; None when there is none
    to compare with (and a note saying why when it exists but cannot be compared)."""
    if champion is None or champion == version:
        return None
    if setting.recipe.split.kind == "kfold":
        # Out-of-fold scores belong to a recipe, not to a fitted model: there is nothing to score the
        # champion against fairly, so champion criteria see no champion (and say so).
        outcomes.append(
            Outcome.note(
                "registry",
                "champion_comparison",
                f"k-fold recipe: champion v{champion} is not re-scored; champion criteria are skipped",
            )
        )
        return None
    try:
        model = registry.load(setting.recipe.registered_model, champion)
        return training.measure_model(setting.recipe, model, setting.parts, setting.truth, [])
    except Exception as exc:  # a champion that no longer loads cannot block its successor
        outcomes.append(
            Outcome.note(
                "registry",
                "champion_loads",
                f"champion version {champion} could not be scored ({type(exc).__name__}); no comparison",
            )
        )
        return None


# Families whose inputs sit beside a known outcome on each row (a forecast's lags and a price's
# demand are the point of those models, not leaks).
LEAK_CHECKED = {"regression", "classification", "scoring", "next_best_action"}


def leak_outcomes(recipe: Recipe, train: ModelFrame) -> list[Outcome]:
    """One failing outcome per feature that gives the target away (``logic/leakage.py``), else one
    passing outcome saying how many columns were checked."""
    from nex_assets.core import settings as nex_settings
    from nex_assets.ml.logic.leakage import find_leaks
    from nex_assets.ml.logic.settings import MLSettings

    if recipe.family not in LEAK_CHECKED:
        return []
    classify = recipe.family in ("classification", "next_best_action")
    settings = nex_settings.load(MLSettings).leakage
    leaks = find_leaks(train.X, train.data[train.target], classify, settings, train.categorical)
    threshold = "no feature gives the target away"
    if not leaks:
        reason = f"none of {len(train.columns)} feature(s) predicts the target alone or copies an option"
        return [Outcome.check("validity", "no_leaked_feature", threshold, True, reason)]
    return [
        Outcome.check(
            "validity",
            "no_leaked_feature",
            threshold,
            False,
            f"{leak}; it is known only once the outcome is: leave it out of the recipe's features",
        )
        for leak in leaks
    ]


def trained_sample(conn, recipe: Recipe, version: str) -> Sample:
    """The sample the version was trained on (its ``nex.sample`` tag), so it is judged on the holdout of
    those very rows; a version without the tag gets the sample training would read now."""
    tag = registry.version_tags(recipe.registered_model, version).get("nex.sample")
    try:
        return Sample.from_tag(tag) if tag else data.sample_for(conn, recipe)
    except ValueError:
        return data.sample_for(conn, recipe)


def evaluate(
    recipe: Recipe,
    version: str,
    *,
    dagster_run_id: str = "",
    project_dir: Path | None = None,
) -> EvaluationResult:
    name = recipe.registered_model
    packs = recipe_packs(recipe)
    with nexdb.connect() as conn:
        frame = data.prepare(conn, recipe, trained_sample(conn, recipe, version))
    setting = Setting(
        recipe,
        data.cut(recipe, frame),
        training.ground_truth(recipe, project_dir or env.project_dir()),
        training.slice_columns(recipe),
    )
    before = registry.champion_version(name)
    outcomes: list[Outcome] = []
    metrics = measure_version(setting, version, outcomes)
    if metrics is not None:
        outcomes += leak_outcomes(recipe, setting.parts.train)
    champion_metrics = measure_champion(setting, before, version, outcomes) if metrics else None
    if metrics is not None:
        for pack in packs:
            outcomes += judge(pack, metrics, champion_metrics)
    decision = decide(outcomes, measured=metrics is not None)
    run_id = registry.client().get_model_version(name, version).run_id
    record(recipe, version, run_id, outcomes, decision, dagster_run_id)
    log_to_mlflow(run_id, metrics, outcomes, decision)
    apply(recipe, version, decision, packs, before)
    return EvaluationResult(
        model_name=name,
        version=version,
        run_id=run_id,
        promoted=decision.promote,
        champion_before=before,
        champion_after=version if decision.promote else before,
        metrics=metrics,
        champion_metrics=champion_metrics,
        outcomes=outcomes,
        reason=decision.reason,
    )


def apply(recipe: Recipe, version: str, decision: Decision, packs, before: str | None) -> None:
    """Tags the version with the decision and, on a pass, moves the alias; only the champion carries
    the champion status, so the former one is marked as replaced. The champion judged again and
    failing (a stricter pack) stays champion until a candidate passes: the tag follows the alias."""
    name = recipe.registered_model
    registry.tag(
        name,
        version,
        {
            "nex.status": registry.CHAMPION if version == before else decision.status,
            "nex.evaluation": "passed" if decision.promote else "failed",
            "nex.evaluation_reason": decision.reason,
            "nex.evaluation_packs": ",".join(f"{p.name}@{p.version}" for p in packs),
        },
    )
    if decision.promote:
        registry.promote(name, version)


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


def record(
    recipe: Recipe, version: str, run_id, outcomes: list[Outcome], decision: Decision, dagster_run_id
) -> None:
    rows = [
        (
            recipe.dataset,
            recipe.name,
            recipe.version,
            recipe.registered_model,
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
            decision.promote,
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


def log_to_mlflow(run_id, metrics: Metrics | None, outcomes: list[Outcome], decision: Decision) -> None:
    from mlflow.entities import Metric

    if not run_id:
        return
    client = registry.client()
    now = int(time.time() * 1000)
    batch = [Metric("evaluation.promoted", float(decision.promote), now, 0)]
    if metrics is not None:
        batch += [
            Metric(f"evaluation.{k}", float(v), now, 0)
            for k, v in metrics.overall.items()
            if v is not None and np.isfinite(v)
        ]
    client.log_batch(run_id, metrics=batch)
    summary = {
        "promoted": decision.promote,
        "reason": decision.reason,
        "metrics": None if metrics is None else {"overall": metrics.overall, "slices": metrics.slices},
        "outcomes": [o.as_dict() for o in outcomes],
    }
    client.log_text(run_id, json.dumps(summary, indent=2, default=float), f"evaluation/evaluation_{now}.json")
