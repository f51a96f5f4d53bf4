"""MLflow on the platform's own PostgreSQL: the one place that points MLflow at its stores.

The backend store is the ``mlflow`` database of the platform's server (``postgresql+psycopg2``:
psycopg 3 is not what MLflow's SQLAlchemy store is tested with); artifacts go to
``<NEX_HOME>/mlartifacts`` or ``NEX_MLFLOW_ARTIFACTS``. In a deployment that runs an MLflow
server, ``MLFLOW_TRACKING_URI`` names it and wins. mlflow is imported inside the functions so
that importing this module stays cheap for the Dagster code location.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from nex_assets.core import db as nexdb
from nex_assets.core import env

# Any constant shared by every process: the first use of a fresh backend store runs MLflow's
# schema migrations, which must not run twice at once.
_MIGRATION_LOCK = 0x4E4D4C


def tracking_uri() -> str:
    return os.environ.get("MLFLOW_TRACKING_URI") or nexdb.bootstrap().sqlalchemy_url(env.MLFLOW_DB)


def _remote(uri: str) -> bool:
    return uri.startswith(("http://", "https://", "databricks"))


def configure() -> str:
    """Points MLflow (tracking and registry) at the platform's store; safe to call repeatedly."""
    import mlflow

    uri = tracking_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    _initialise_store(uri)
    return uri


@cache
def _initialise_store(uri: str) -> None:
    """Creates MLflow's tables once per process, serialised across processes by an advisory lock."""
    from mlflow.tracking import MlflowClient

    if _remote(uri):
        return
    with nexdb.connect(dbname=env.MLFLOW_DB, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
        try:
            MlflowClient(uri).search_experiments(max_results=1)
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))


def artifact_root() -> str:
    return env.mlflow_artifact_root().as_uri()


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "default"


def experiment(name: str) -> str:
    """Creates or gets the experiment ``name`` (artifacts under the artifact root); returns its id
    and makes it the active experiment."""
    from mlflow.tracking import MlflowClient

    import mlflow

    uri = configure()
    client = MlflowClient(uri)
    found = client.get_experiment_by_name(name)
    if found is None:
        location = None if _remote(uri) else f"{artifact_root()}/{_slug(name)}"
        try:
            experiment_id = client.create_experiment(name, artifact_location=location)
        except mlflow.exceptions.MlflowException:
            # Another process created it between the lookup and the create.
            found = client.get_experiment_by_name(name)
            if found is None:
                raise
            experiment_id = found.experiment_id
    else:
        experiment_id = found.experiment_id
    mlflow.set_experiment(experiment_id=experiment_id)
    return experiment_id


def run_url(run: Any) -> str:
    """The MLflow UI link of a run (an ``mlflow.entities.Run``, an ``ActiveRun`` or a ``RunInfo``)."""
    info = getattr(run, "info", run)
    return f"{env.mlflow_ui_url()}/#/experiments/{info.experiment_id}/runs/{info.run_id}"


def model_version_url(name: str, version: str | int) -> str:
    return f"{env.mlflow_ui_url()}/#/models/{name}/versions/{version}"


@dataclass
class TrainResult:
    run_id: str
    run_url: str
    model_name: str
    version: str
    recipe_version: str
    data_version: str
    code_version: str
    algorithm: str
    rows: int
    train_rows: int
    holdout_rows: int
    device: str
    metrics: dict[str, float]
    importance: dict[str, float] | None
    candidates: dict[str, dict[str, float]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    reused: bool = False
    sample: str = "every row"


def reused(version, versions: dict[str, str]) -> TrainResult:
    """The result of the training that registered ``version`` (an MLflow ``ModelVersion``), read back
    from its run: what a model step reports when its inputs have a model already."""
    from mlflow.tracking import MlflowClient

    run = MlflowClient().get_run(version.run_id)
    params, tags = run.data.params, version.tags or {}
    return TrainResult(
        run_id=run.info.run_id,
        run_url=run_url(run),
        model_name=version.name,
        version=str(version.version),
        recipe_version=versions["recipe"],
        data_version=versions["data"],
        code_version=run.data.tags.get("nex.code_version", versions["code"]),
        algorithm=tags.get("nex.algorithm", params.get("algorithm", "")),
        rows=int(params.get("rows", 0)),
        train_rows=int(params.get("train_rows", 0)),
        holdout_rows=int(params.get("rows", 0)) - int(params.get("train_rows", 0)),
        device=params.get("device", "cpu"),
        metrics={
            k.removeprefix("holdout."): v for k, v in run.data.metrics.items() if k.startswith("holdout.")
        },
        importance=None,
        reused=True,
        sample=_sample_text(tags.get("nex.sample")),
    )


def _sample_text(tag: str | None) -> str:
    from nex_assets.ml.logic.sample import Sample

    try:
        return Sample.from_tag(tag).describe() if tag else "every row"
    except ValueError:
        return tag


REFERENCE_ROWS = 50_000
INPUT_EXAMPLE_ROWS = 5


def _finite(values: dict[str, float]) -> dict[str, float]:
    import numpy as np

    return {k: float(v) for k, v in values.items() if v is not None and np.isfinite(v)}


def _pip(algorithm: str) -> list[str]:
    from importlib import metadata

    packages = ["scikit-learn", "pandas", "numpy"]
    if algorithm == "xgboost":
        packages.append("xgboost")
    if algorithm == "torch_mlp":
        packages.append("torch")
    return [f"{p}=={metadata.version(p)}" for p in packages]


def log_training(recipe, best, candidates, parts, versions, dagster_run_id, device, timings, seen=None):
    """One MLflow run for the recipe (params, holdout metrics against baselines, the reference
    snapshot, the model), a nested run per candidate when ``auto`` tried several, and the best
    model registered as a candidate version awaiting its evaluation."""
    import json
    import tempfile
    import time
    from pathlib import Path

    import numpy as np
    from mlflow.entities import Metric, Param
    from mlflow.models import infer_signature
    from mlflow.tracking import MlflowClient

    import mlflow
    from nex_assets.ml.logic import algorithms
    from nex_assets.ml.logic.measure import snapshot_predictions

    frame, train = parts.frame, parts.train
    experiment_id = experiment(recipe.experiment)
    client = MlflowClient()
    example = train.X.head(INPUT_EXAMPLE_ROWS)
    signature = infer_signature(example, np.asarray(best.model.predict(example)))
    tags = {
        "nex.dataset": recipe.dataset,
        "nex.recipe": recipe.name,
        "nex.family": recipe.family,
        "nex.level": recipe.level,
        "nex.algorithm": best.algorithm,
        "nex.recipe_version": versions["recipe"],
        "nex.data_version": versions["data"],
        "nex.code_version": versions["code"],
        "nex.sample": versions["sample"],
        "nex.dagster_run_id": dagster_run_id,
        "nex.device": device,
        "mlflow.source.name": recipe.file,
    }
    holdout_rows = len(parts.holdout.data) if parts.holdout is not None else 0
    with mlflow.start_run(
        experiment_id=experiment_id, run_name=f"{recipe.name}-{versions['recipe'][:8]}", tags=tags
    ) as run:
        run_id = run.info.run_id
        params = {
            "algorithm": best.algorithm,
            "algorithm_requested": recipe.algorithm,
            "target": recipe.target,
            "roles": json.dumps(recipe.roles.model_dump(exclude_defaults=True)),
            "model_columns": ",".join(frame.columns),
            "input": ",".join(recipe.tables),
            "split": f"{recipe.split.kind}:{recipe.split_column}:{recipe.split.holdout:g}",
            "evaluation_packs": ",".join(recipe.evaluation_packs),
            "train_rows": len(train.data),
            "rows": len(frame.data),
            "sample": versions["sample"],
            "device": device,
            **{
                f"hp.{k}": json.dumps(v) if isinstance(v, dict | list) else v
                for k, v in recipe.hyperparameters.items()
            },
        }
        now = int(time.time() * 1000)
        batch = [Metric(f"holdout.{k}", v, now, 0) for k, v in _finite(best.metrics.overall).items()]
        batch += [Metric(f"time.{k}", v, now, 0) for k, v in timings.items()]
        final = getattr(best.model, "named_steps", {}).get("model", best.model)
        for i, loss in enumerate(getattr(final, "losses_", [])):
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
        if len(candidates) > 1:
            for c in candidates:
                with mlflow.start_run(
                    experiment_id=experiment_id,
                    run_name=f"{recipe.name}-{c.algorithm}",
                    nested=True,
                    tags={**tags, "nex.algorithm": c.algorithm, "nex.chosen": str(c is best).lower()},
                ) as child:
                    client.log_batch(
                        child.info.run_id,
                        params=[Param("algorithm", c.algorithm)],
                        metrics=[
                            Metric(f"holdout.{k}", v, now, 0) for k, v in _finite(c.metrics.overall).items()
                        ]
                        + [Metric("time.fit_s", c.fit_s, now, 0)],
                    )
        info = mlflow.sklearn.log_model(
            best.model,
            name="model",
            signature=signature,
            input_example=example,
            pip_requirements=_pip(best.algorithm),
            # cloudpickle, not skops: skops imports every sklearn estimator (and torch) on first use,
            # over ten seconds per training step, and must be told to trust our own estimators.
            serialization_format="cloudpickle",
        )
        importance = algorithms.importance(best.model, frame)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            reference = frame.data[[*frame.columns, frame.target]]
            if len(reference) > REFERENCE_ROWS:
                reference = reference.sample(REFERENCE_ROWS, random_state=0)
            reference = reference.assign(
                prediction=snapshot_predictions(best.model, reference[frame.columns])
            )
            (folder / "reference").mkdir()
            reference.to_parquet(folder / "reference" / "reference.parquet", index=False)
            if seen is not None:
                np.save(folder / "reference" / "row_hashes.npy", np.unique(seen))
            (folder / "evaluation").mkdir()
            measured = {
                "overall": _finite(best.metrics.overall),
                "slices": best.metrics.slices,
                "info": best.metrics.info,
            }
            (folder / "evaluation" / "training_holdout.json").write_text(
                json.dumps(measured, indent=2, default=float)
            )
            (folder / "recipe.json").write_text(json.dumps(recipe.content(), indent=2))
            if hasattr(final, "elasticity_table"):
                final.elasticity_table().to_csv(folder / "evaluation" / "elasticities.csv", index=False)
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
            "nex.sample": versions["sample"],
            # The columns a tabular model took, so that scoring a batch takes the same ones.
            **({"nex.inputs": json.dumps(frame.info["inputs"])} if "inputs" in frame.info else {}),
            "nex.run_id": run_id,
            "nex.algorithm": best.algorithm,
            "nex.status": "candidate: awaiting evaluation",
        },
    )
    return TrainResult(
        run_id=run_id,
        run_url=run_url(run),
        model_name=recipe.registered_model,
        version=str(version.version),
        recipe_version=versions["recipe"],
        data_version=versions["data"],
        code_version=versions["code"],
        algorithm=best.algorithm,
        rows=len(frame.data),
        train_rows=len(train.data),
        holdout_rows=holdout_rows,
        device=device,
        metrics=_finite(best.metrics.overall),
        importance=importance,
        candidates={c.algorithm: _finite(c.metrics.overall) for c in candidates},
        sample=_sample_text(versions["sample"]),
    )


def _importance_plot(importance: dict[str, float], path, top: int = 20) -> None:
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
