"""The algorithms a recipe may name, each with the families it fits and how it is logged.

Every estimator takes the family's model frame (a DataFrame of ``features.model_columns``) and
has ``predict``; for next-best-action, ``predict`` is the probability that the offer is taken.
sklearn, xgboost and torch are imported inside the builders so that reading recipes stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

# numpy and pandas are imported where they are used: the code location reads this module when it
# loads, and pandas alone would add about a third of a second to every load.
if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


@dataclass(frozen=True)
class Algorithm:
    name: str
    families: tuple[str, ...]
    flavor: str  # how MLflow stores it: sklearn, xgboost or pyfunc
    gpu: bool = False
    description: str = ""


ALGORITHMS: dict[str, Algorithm] = {
    a.name: a
    for a in (
        Algorithm(
            "log_log_regression",
            ("pricing",),
            "sklearn",
            description="log(units + 0.5) on log(price / shelf price) per category, with store and sku "
            "effects and seasonality per category; the price slopes are the elasticities",
        ),
        Algorithm(
            "xgboost",
            ("forecasting", "location_scoring"),
            "xgboost",
            description="gradient-boosted trees (XGBoost hist)",
        ),
        Algorithm(
            "log_linear",
            ("location_scoring",),
            "sklearn",
            description="ridge regression of log(target) on standardised (optionally logged) features",
        ),
        Algorithm(
            "torch_mlp",
            ("next_best_action",),
            "pyfunc",
            gpu=True,
            description="PyTorch multi-layer perceptron giving P(accepted | customer, offer)",
        ),
    )
}


class AlgorithmError(ValueError):
    pass


def get(name: str, family: str) -> Algorithm:
    algo = ALGORITHMS.get(name)
    if algo is None:
        raise AlgorithmError(f"unknown algorithm `{name}`; known: {', '.join(sorted(ALGORITHMS))}")
    if family not in algo.families:
        fits = sorted(a.name for a in ALGORITHMS.values() if family in a.families)
        raise AlgorithmError(f"algorithm `{name}` does not fit family {family}; use one of {', '.join(fits)}")
    return algo


def _log_log_regression(columns: list[str], hp: dict[str, Any]):
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    from nex_assets.ml.logic.transformers import ByCategory

    effects = [c for c in ("store_id", "sku") if c in columns]
    sloped = ["log_price_ratio", *[c for c in columns if c.startswith("season_") or c == "trend_years"]]
    passthrough = [c for c in columns if c not in {*effects, *sloped, "category"}]
    transform = ColumnTransformer(
        [
            ("effects", OneHotEncoder(handle_unknown="ignore", drop="first"), effects),
            ("by_category", ByCategory(), ["category", *sloped]),
            ("flags", "passthrough", passthrough),
        ]
    )
    return Pipeline([("features", transform), ("regression", Ridge(alpha=float(hp.get("alpha", 1e-3))))])


def _log_linear(columns: list[str], hp: dict[str, Any]):
    import numpy as np
    from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    logged = [c for c in hp.get("log_features", []) if c in columns]
    transform = ColumnTransformer(
        [("log", FunctionTransformer(np.log, feature_names_out="one-to-one"), logged)],
        remainder="passthrough",
        verbose_feature_names_out=False,
    )
    inner = Pipeline(
        [("log", transform), ("scale", StandardScaler()), ("ridge", Ridge(alpha=float(hp.get("alpha", 1.0))))]
    )
    return TransformedTargetRegressor(regressor=inner, func=np.log, inverse_func=np.exp)


XGBOOST_DEFAULTS = {"tree_method": "hist", "random_state": 0}


def xgboost_params(hp: dict[str, Any]) -> dict[str, Any]:
    return {**XGBOOST_DEFAULTS, **hp}


def _xgboost(columns: list[str], hp: dict[str, Any]):
    import xgboost as xgb

    return xgb.XGBRegressor(**xgboost_params(hp))


def build(name: str, family: str, columns: list[str], hyperparameters: dict[str, Any]):
    """A fresh, unfitted estimator for the recipe."""
    get(name, family)
    if name == "log_log_regression":
        return _log_log_regression(columns, hyperparameters)
    if name == "log_linear":
        return _log_linear(columns, hyperparameters)
    if name == "xgboost":
        return _xgboost(columns, hyperparameters)
    from nex_assets.ml.logic.torch_nba import TorchOfferModel

    return TorchOfferModel(**hyperparameters)


def target_transform(name: str, y: pd.Series) -> np.ndarray:
    """What the estimator is fitted on: log-log regression models log(units + 0.5)."""
    import numpy as np

    values = y.astype(float).to_numpy()
    return np.log(values + 0.5) if name == "log_log_regression" else values


def importance(model, columns: list[str]) -> dict[str, float] | None:
    """Feature importance where the estimator exposes one: trees give gain shares, linear
    pipelines the size of each coefficient on their transformed columns."""
    inner = getattr(model, "regressor_", model)
    if hasattr(inner, "feature_importances_"):
        return dict(zip(columns, map(float, inner.feature_importances_), strict=True))
    final = inner.steps[-1][1] if hasattr(inner, "steps") else None
    if final is not None and hasattr(final, "coef_"):
        import numpy as np

        names = inner[:-1].get_feature_names_out()
        return dict(zip(map(str, names), map(float, np.abs(np.ravel(final.coef_))), strict=True))
    return None
