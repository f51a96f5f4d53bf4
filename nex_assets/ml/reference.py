"""The training snapshot each run logs, read back for drift monitoring.

Every training run logs ``reference/reference.parquet``: the model columns, the target and the
model's prediction for (at most 50k sampled) training rows; a recipe without a time column also
logs ``reference/row_hashes.npy``, the fingerprints of every training row.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from nex_assets.ml import registry
from nex_assets.ml.recipes import get_recipe

REFERENCE_ARTIFACT = "reference/reference.parquet"
ROW_HASHES_ARTIFACT = "reference/row_hashes.npy"


def reference_run(dataset: str, recipe: str, alias: str = registry.CHAMPION) -> str:
    """The MLflow run id of the version the alias points to."""
    r = get_recipe(recipe)
    if r.dataset != dataset:
        raise ValueError(f"recipe {recipe} belongs to dataset {r.dataset}, not {dataset}")
    version = registry.client().get_model_version_by_alias(r.registered_model, alias)
    return version.run_id


def load_reference(dataset: str, recipe: str, alias: str = registry.CHAMPION) -> pd.DataFrame:
    import mlflow.artifacts

    run_id = reference_run(dataset, recipe, alias)
    with tempfile.TemporaryDirectory() as tmp:
        path = mlflow.artifacts.download_artifacts(
            run_id=run_id, artifact_path=REFERENCE_ARTIFACT, dst_path=tmp
        )
        return pd.read_parquet(Path(path))


def load_row_hashes(dataset: str, recipe: str, alias: str = registry.CHAMPION):
    """The training rows' fingerprints, or None where the run logged none (a recipe with a time
    column, or a version trained before fingerprints were logged)."""
    import mlflow.artifacts
    import numpy as np
    from mlflow.exceptions import MlflowException

    run_id = reference_run(dataset, recipe, alias)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = mlflow.artifacts.download_artifacts(
                run_id=run_id, artifact_path=ROW_HASHES_ARTIFACT, dst_path=tmp
            )
        except (MlflowException, OSError):
            return None
        return np.load(Path(path))
