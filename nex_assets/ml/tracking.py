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
