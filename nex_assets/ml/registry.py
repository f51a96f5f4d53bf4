"""The MLflow model registry: loading versions back, the ``champion`` alias, version tags."""

from __future__ import annotations

CHAMPION = "champion"


def client():
    from mlflow.tracking import MlflowClient

    from nex_assets.ml import tracking

    tracking.configure()
    return MlflowClient()


def champion_version(name: str) -> str | None:
    from mlflow.exceptions import MlflowException

    try:
        return str(client().get_model_version_by_alias(name, CHAMPION).version)
    except MlflowException:
        return None


def load(name: str, version: str):
    """The registered version as the estimator it was logged as (every recipe's model is a
    scikit-learn-compatible estimator); raises whatever stops it from loading."""
    import mlflow.sklearn

    client()
    return mlflow.sklearn.load_model(f"models:/{name}/{version}")


def version_tags(name: str, version: str) -> dict[str, str]:
    return dict(client().get_model_version(name, version).tags)


def tag(name: str, version: str, tags: dict[str, str]) -> None:
    c = client()
    for k, v in tags.items():
        c.set_model_version_tag(name, version, k, str(v)[:5000])


def promote(name: str, version: str) -> None:
    client().set_registered_model_alias(name, CHAMPION, version)
