"""Training a recipe, top to bottom: read the rows, shape the family's frame, cut the holdout, fit
each candidate algorithm and measure it against the family's baselines, keep the best, then track
and register it in MLflow (``tracking.log_training``).

Used by the ``<dataset>/<recipe>/model`` asset and by the training benchmark, so both measure the
same path. The run records the recipe's version (content hash), the data version (hash of the
frame), the code version (hash of the modelling code), the sample read (every row up to
``config/ml.yaml``'s ``frame.max_rows``) and the Dagster run id.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nex_assets.core import env
from nex_assets.ml import data, registry, tracking
from nex_assets.ml.logic import algorithms, measure, truth
from nex_assets.ml.logic.features import ModelFrame, fingerprints
from nex_assets.ml.logic.packs import Metrics
from nex_assets.ml.logic.recipe import Recipe
from nex_assets.ml.logic.split import folds
from nex_assets.ml.recipes import algorithm_defaults, recipe_packs
from nex_assets.ml.tracking import TrainResult

CODE_DIRS = (Path(__file__).parent, Path(__file__).parent / "logic")


def code_version() -> str:
    """Hash of the modelling code: a change in how features or metrics are computed is a new version."""
    digest = hashlib.sha256()
    for folder in CODE_DIRS:
        for path in sorted(folder.glob("*.py")):
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def data_version(rows: np.ndarray) -> str:
    """The hash of the frame's row fingerprints (``features.fingerprints``)."""
    return hashlib.sha256(np.ascontiguousarray(rows).tobytes()).hexdigest()[:16]


def ground_truth(recipe: Recipe, project_dir: Path) -> dict | None:
    if not recipe.ground_truth:
        return None
    path = project_dir / recipe.ground_truth
    return json.loads(path.read_text()) if path.exists() else None


def slice_columns(recipe: Recipe) -> list[str]:
    return sorted({s for p in recipe_packs(recipe) for s in p.slices})


@dataclass
class Candidate:
    """One algorithm fitted and measured under the recipe's split."""

    algorithm: str
    model: Any
    metrics: Metrics
    fit_s: float


def fit(recipe: Recipe, algorithm: str, frame: ModelFrame, device: str = "cpu"):
    estimator = algorithms.build(
        algorithm, recipe.family, frame, recipe.hyperparameters, algorithm_defaults(), device
    )
    return estimator.fit(frame.X, frame.data[frame.target])


def out_of_fold(recipe: Recipe, algorithm: str, frame: ModelFrame, device: str = "cpu") -> np.ndarray:
    """Predictions of every row by a model that did not see its fold."""
    fold = folds(frame.data, recipe.split, recipe.split_column)
    predicted = np.empty(len(frame.data))
    for k in np.unique(fold):
        inside = fold != k
        part = ModelFrame(frame.data[inside], frame.columns, frame.categorical, frame.target, frame.info)
        model = fit(recipe, algorithm, part, device)
        predicted[~inside] = model.predict(frame.data.loc[~inside, frame.columns])
    return predicted


def measure_model(
    recipe: Recipe,
    model,
    parts: data.Split,
    known_truth: dict | None,
    slices: list[str],
    oof: np.ndarray | None = None,
) -> Metrics:
    """The family's metrics for any fitted or loaded model, next to its baselines (and against the
    planted truth where a truth file exists); k-fold recipes pass out-of-fold predictions."""
    family = recipe.family
    if family == "scoring":
        predicted = oof if oof is not None else model.predict(parts.frame.X)
        return measure.scoring(predicted, parts.frame, slices)
    holdout, train = parts.holdout, parts.train
    if family == "regression":
        return measure.regression(model, holdout, train, slices)
    if family == "classification":
        return measure.classification(model, holdout, train, slices)
    if family == "forecasting":
        return measure.forecasting(model, holdout, slices)
    if family == "pricing":
        return truth.pricing(measure.pricing(model, holdout, train, slices), known_truth)
    roles = recipe.roles
    measured = measure.next_best_action(model, holdout, train, roles.entity, roles.action)
    if holdout.info.get("shape") == "long" and known_truth:
        grid = measure.offer_grid(holdout, roles.entity, roles.action)
        scores = measure.positive_scores(model, grid[holdout.columns])
        popular = train.data.groupby(roles.action)[train.target].mean().idxmax()
        measured = truth.next_best_action(measured, grid, scores, roles.entity, popular, known_truth)
    return measured


def _candidate(
    recipe: Recipe,
    name: str,
    parts: data.Split,
    device: str,
    known_truth: dict | None,
    slices: list[str],
    log,
) -> Candidate:
    started = time.perf_counter()
    model = fit(recipe, name, parts.train, device)
    fit_s = time.perf_counter() - started
    oof = out_of_fold(recipe, name, parts.frame, device) if recipe.split.kind == "kfold" else None
    metrics = measure_model(recipe, model, parts, known_truth, slices, oof)
    primary, _ = measure.PRIMARY[recipe.family]
    value = metrics.overall.get(primary, float("nan"))
    rows = len(parts.train.data)
    log(f"{recipe.name}: {name} fitted on {rows:,} rows in {fit_s:.1f}s, {primary} {value:.4g}")
    return Candidate(name, model, metrics, fit_s)


def best_of(family: str, candidates: list[Candidate]) -> Candidate:
    """The candidate with the best primary metric; the first (simplest) where none is finite."""
    best = candidates[0]
    for c in candidates[1:]:
        if measure.better(family, c.metrics.overall, best.metrics.overall):
            best = c
    return best


def train(
    recipe: Recipe,
    *,
    dagster_run_id: str = "",
    project_dir: Path | None = None,
    log=lambda message: None,
) -> TrainResult:
    from nex_assets.core import db as nexdb

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with nexdb.connect() as conn:
        chosen = data.sample_for(conn, recipe)
        frame = data.prepare(conn, recipe, chosen)
    if not chosen.whole:
        log(
            f"{recipe.name}: {recipe.input} is larger than config/ml.yaml's frame.max_rows: "
            f"reading {chosen.describe()} ({len(frame.data):,} model rows)"
        )
    rows = fingerprints(frame)
    versions = {
        "recipe": recipe.version,
        "data": data_version(rows),
        "code": code_version(),
        "sample": chosen.tag(),
    }
    existing = registry.trained_from(recipe.registered_model, versions["recipe"], versions["data"])
    if existing is not None:
        # The same recipe version on the same data: that model exists; training again would register
        # a copy of it (the registry keeps one version per pair).
        log(
            f"version {existing.version} of {recipe.registered_model} was trained from recipe version "
            f"{versions['recipe']} on data version {versions['data']}; not trained again"
        )
        result = tracking.reused(existing, versions)
        result.timings = {"read_s": time.perf_counter() - t0, "total_s": time.perf_counter() - t0}
        return result
    parts = data.cut(recipe, frame)
    timings["read_s"] = time.perf_counter() - t0
    device = env.torch_device() if algorithms.uses_gpu(recipe.algorithm, recipe.family) else "cpu"
    known_truth = ground_truth(recipe, project_dir or env.project_dir())
    slices = slice_columns(recipe)
    t1 = time.perf_counter()
    candidates = [
        _candidate(recipe, name, parts, device, known_truth, slices, log)
        for name in algorithms.candidates(recipe.algorithm, recipe.family)
    ]
    best = best_of(recipe.family, candidates)
    timings["fit_s"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    # Without a time column, drift tells new rows from those trained on by these fingerprints.
    seen = None if recipe.roles.time else rows
    result = tracking.log_training(
        recipe, best, candidates, parts, versions, dagster_run_id, device, timings, seen
    )
    timings["mlflow_s"] = time.perf_counter() - t2
    timings["total_s"] = time.perf_counter() - t0
    result.timings = timings
    return result
