"""Training a recipe: read, shape, split, fit, then track and register the model in MLflow.

Used by the ``<dataset>/<recipe>/model`` asset and by the training benchmark, so both measure the
same path. The run records the recipe's version (content hash), the data version (hash of the
frame), the code version (hash of the modelling code) and the Dagster run id.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from nex_assets.core import env
from nex_assets.ml import data, tracking
from nex_assets.ml.logic import algorithms, evaluate
from nex_assets.ml.logic.packs import Metrics
from nex_assets.ml.logic.recipe import Recipe
from nex_assets.ml.recipes import recipe_packs

REFERENCE_ROWS = 50_000
INPUT_EXAMPLE_ROWS = 5
CODE_DIRS = (Path(__file__).parent, Path(__file__).parent / "logic")
PIP_PACKAGES = {
    "sklearn": ("scikit-learn", "pandas", "numpy"),
    "xgboost": ("xgboost", "scikit-learn", "pandas", "numpy"),
    "pyfunc": ("torch", "pandas", "numpy"),
}


def code_version() -> str:
    """Hash of the modelling code: a change in how features or metrics are computed is a new version."""
    digest = hashlib.sha256()
    for folder in CODE_DIRS:
        for path in sorted(folder.glob("*.py")):
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def data_version(frame: pd.DataFrame) -> str:
    return hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()).hexdigest()[
        :16
    ]


def ground_truth(recipe: Recipe, project_dir: Path) -> dict | None:
    if not recipe.ground_truth:
        return None
    path = project_dir / recipe.ground_truth
    return json.loads(path.read_text()) if path.exists() else None


def slice_columns(recipe: Recipe) -> tuple[str, ...]:
    return tuple(s for p in recipe_packs(recipe) for s in p.slices)


@dataclass
class TrainResult:
    run_id: str
    run_url: str
    model_name: str
    version: str
    recipe_version: str
    data_version: str
    code_version: str
    rows: int
    train_rows: int
    holdout_rows: int
    device: str
    metrics: dict[str, float]
    importance: dict[str, float] | None
    timings: dict[str, float] = field(default_factory=dict)


def fit(recipe: Recipe, frame: pd.DataFrame, columns: list[str], device: str = "cpu"):
    estimator = algorithms.build(recipe.algorithm, recipe.family, columns, recipe.hyperparameters)
    if recipe.algorithm == "torch_mlp":
        estimator.device = device
    estimator.fit(frame[columns], algorithms.target_transform(recipe.algorithm, frame[recipe.target]))
    return estimator


def most_popular_offer(train: pd.DataFrame, target: str) -> str:
    rates = train.groupby("offer_id")[target].mean()
    return str(rates.idxmax())


def family_metrics(
    recipe: Recipe,
    predict,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    columns: list[str],
    truth: dict | None,
    slices: list[str],
    out_of_fold: np.ndarray | None = None,
) -> Metrics:
    """The family's holdout metrics for any ``predict``; k-fold recipes pass out-of-fold predictions."""
    if recipe.family == "pricing":
        return evaluate.pricing(predict, holdout, columns, recipe.target, truth, slices)
    if recipe.family == "forecasting":
        return evaluate.forecasting(predict, holdout, columns, recipe.target, truth, slices)
    if recipe.family == "next_best_action":
        return evaluate.next_best_action(
            predict, holdout, columns, recipe.target, truth, slices, most_popular_offer(train, recipe.target)
        )
    predicted = out_of_fold if out_of_fold is not None else predict(holdout[columns])
    return evaluate.location_scoring(predicted, holdout, recipe.target, truth, slices)


def out_of_fold(recipe: Recipe, frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    from nex_assets.ml.logic import split

    fold = split.folds(frame, recipe.split)
    predicted = np.empty(len(frame))
    for k in np.unique(fold):
        model = fit(recipe, frame[fold != k], columns)
        predicted[fold == k] = model.predict(frame.loc[fold == k, columns])
    return predicted


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
    slices = slice_columns(recipe)
    with nexdb.connect() as conn:
        prepared = data.prepare(conn, recipe, slices)
    frame, columns = prepared.frame, prepared.columns
    timings["read_s"] = time.perf_counter() - t0
    holdout = data.holdout_mask(recipe, frame)
    train_frame = frame[~holdout] if holdout.any() else frame
    device = env.torch_device() if algorithms.get(recipe.algorithm, recipe.family).gpu else "cpu"
    t1 = time.perf_counter()
    model = fit(recipe, train_frame, columns, device)
    timings["fit_s"] = time.perf_counter() - t1
    log(f"{recipe.name}: fitted {recipe.algorithm} on {len(train_frame):,} rows in {timings['fit_s']:.1f}s")
    truth = ground_truth(recipe, project_dir or env.project_dir())
    oof = out_of_fold(recipe, frame, columns) if recipe.split.kind == "kfold" else None
    scored = frame if recipe.split.kind == "kfold" else frame[holdout]
    measured = family_metrics(recipe, model.predict, train_frame, scored, columns, truth, list(slices), oof)
    versions = {
        "recipe": recipe.version,
        "data": data_version(frame[[*columns, recipe.target]]),
        "code": code_version(),
    }
    t2 = time.perf_counter()
    result = _track(
        recipe, model, frame, train_frame, columns, measured, versions, dagster_run_id, device, timings
    )
    timings["mlflow_s"] = time.perf_counter() - t2
    timings["total_s"] = time.perf_counter() - t0
    result.timings = timings
    result.holdout_rows = int(holdout.sum())
    return result


def _finite(values: dict[str, float]) -> dict[str, float]:
    return {k: float(v) for k, v in values.items() if v is not None and np.isfinite(v)}


def _track(recipe, model, frame, train_frame, columns, measured, versions, dagster_run_id, device, timings):
    from mlflow.entities import Metric, Param
    from mlflow.models import infer_signature
    from mlflow.tracking import MlflowClient

    import mlflow

    algo = algorithms.get(recipe.algorithm, recipe.family)
    experiment_id = tracking.experiment(recipe.experiment)
    client = MlflowClient()
    example = train_frame[columns].head(INPUT_EXAMPLE_ROWS)
    signature = infer_signature(example, np.asarray(model.predict(example)))
    tags = {
        "nex.dataset": recipe.dataset,
        "nex.recipe": recipe.name,
        "nex.family": recipe.family,
        "nex.level": recipe.level,
        "nex.recipe_version": versions["recipe"],
        "nex.data_version": versions["data"],
        "nex.code_version": versions["code"],
        "nex.dagster_run_id": dagster_run_id,
        "nex.device": device,
        "mlflow.source.name": recipe.file,
    }
    with mlflow.start_run(
        experiment_id=experiment_id, run_name=f"{recipe.name}-{versions['recipe'][:8]}", tags=tags
    ) as run:
        run_id = run.info.run_id
        params = {
            "algorithm": recipe.algorithm,
            "target": recipe.target,
            "features": ",".join(recipe.features),
            "model_columns": ",".join(columns),
            "input": ",".join(recipe.tables),
            "split": f"{recipe.split.kind}:{recipe.split.column}:{recipe.split.holdout:g}",
            "evaluation_packs": ",".join(recipe.evaluation_packs),
            "train_rows": len(train_frame),
            "rows": len(frame),
            **{
                f"hp.{k}": json.dumps(v) if isinstance(v, dict | list) else v
                for k, v in recipe.hyperparameters.items()
            },
        }
        now = int(time.time() * 1000)
        batch = [Metric(f"holdout.{k}", v, now, 0) for k, v in _finite(measured.overall).items()]
        batch += [Metric(f"time.{k}", v, now, 0) for k, v in timings.items()]
        for i, loss in enumerate(getattr(model, "losses_", [])):
            batch.append(Metric("train.loss", float(loss), now, i))
        client.log_batch(run_id, params=[Param(k, str(v)[:6000]) for k, v in params.items()])
        # Lineage in the UI's "Datasets" panel: the tables read, with the frame's content hash as digest
        # (the schema comes from the input example; the rows stay in the warehouse).
        mlflow.log_input(
            mlflow.data.from_pandas(example, name="+".join(recipe.tables), digest=versions["data"]),
            context="training",
        )
        for start in range(0, len(batch), 1000):
            client.log_batch(run_id, metrics=batch[start : start + 1000])
        pip = [f"{p}=={metadata.version(p)}" for p in PIP_PACKAGES[algo.flavor]]
        kwargs = {"name": "model", "signature": signature, "input_example": example, "pip_requirements": pip}
        if algo.flavor == "sklearn":
            # cloudpickle, not skops: skops imports every sklearn estimator (and torch) on first use,
            # over ten seconds per training step, and must be told to trust our own transformers.
            info = mlflow.sklearn.log_model(model, serialization_format="cloudpickle", **kwargs)
        elif algo.flavor == "xgboost":
            info = mlflow.xgboost.log_model(model, **kwargs)
        else:
            from nex_assets.ml.pyfunc import ProbabilityModel

            info = mlflow.pyfunc.log_model(python_model=ProbabilityModel(model), **kwargs)
        importance = algorithms.importance(model, columns)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            reference = frame[[*columns, recipe.target]]
            if len(reference) > REFERENCE_ROWS:
                reference = reference.sample(REFERENCE_ROWS, random_state=0)
            reference = reference.assign(
                prediction=np.asarray(model.predict(reference[columns]), dtype=float)
            )
            (folder / "reference").mkdir()
            reference.to_parquet(folder / "reference" / "reference.parquet", index=False)
            (folder / "evaluation").mkdir()
            (folder / "evaluation" / "training_holdout.json").write_text(
                json.dumps({"overall": _finite(measured.overall), "slices": measured.slices}, indent=2)
            )
            (folder / "recipe.json").write_text(json.dumps(recipe.content(), indent=2))
            if importance:
                _importance_plot(importance, folder / "plots" / "feature_importance.png")
                (folder / "plots" / "feature_importance.json").write_text(json.dumps(importance, indent=2))
            client.log_artifacts(run_id, str(folder))
    version = mlflow.register_model(
        info.model_uri,
        recipe.registered_model,
        tags={
            "nex.recipe": recipe.name,
            "nex.recipe_version": versions["recipe"],
            "nex.data_version": versions["data"],
            "nex.run_id": run_id,
            "nex.status": "candidate: awaiting evaluation",
        },
    )
    return TrainResult(
        run_id=run_id,
        run_url=tracking.run_url(run),
        model_name=recipe.registered_model,
        version=str(version.version),
        recipe_version=versions["recipe"],
        data_version=versions["data"],
        code_version=versions["code"],
        rows=len(frame),
        train_rows=len(train_frame),
        holdout_rows=0,
        device=device,
        metrics=_finite(measured.overall),
        importance=importance,
    )


def _importance_plot(importance: dict[str, float], path: Path, top: int = 20) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    items = sorted(importance.items(), key=lambda kv: kv[1], reverse=True)[:top][::-1]
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(items) + 1))
    ax.barh([k for k, _ in items], [v for _, v in items])
    ax.set_title("feature importance")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
