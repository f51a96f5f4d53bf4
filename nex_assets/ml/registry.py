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


def versions(name: str) -> list:
    """Every version of the registered model, oldest first (none when it is not registered yet)."""
    from mlflow.exceptions import MlflowException

    try:
        found = client().search_model_versions(f"name = '{name}'")
    except MlflowException:
        return []
    return sorted(found, key=lambda v: int(v.version))


def trained_from(name: str, recipe_version: str, data_version: str):
    """The version already trained from this recipe version on this data, if any: the registry holds
    one version per pair, so the same inputs never register a copy of a model."""
    for v in versions(name):
        tags = v.tags or {}
        if tags.get("nex.recipe_version") == recipe_version and tags.get("nex.data_version") == data_version:
            return v
    return None


def promote(name: str, version: str) -> None:
    """Moves the ``champion`` alias; every other version that still says it is champion is marked as
    replaced, so the alias and the status tag never disagree."""
    c = client()
    c.set_registered_model_alias(name, CHAMPION, version)
    for v in versions(name):
        if str(v.version) != str(version) and (v.tags or {}).get("nex.status") == CHAMPION:
            c.set_model_version_tag(name, v.version, "nex.status", f"replaced by version {version}")
