"""The algorithms a recipe may name, the families each fits, and how a fresh estimator is built.

Every estimator is a scikit-learn pipeline over the family's model frame: numbers imputed (and
scaled for linear and neural models), categories one-hot (linear, neural) or ordinal (trees), so
missing values and unseen categories never stop a prediction. ``auto`` tries the family's
candidates under the recipe's split and keeps the best. scikit-learn, XGBoost and torch are imported
inside the builders so that reading recipes stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nex_assets.ml.logic.features import ModelFrame

TABULAR = ("regression", "classification", "scoring")


@dataclass(frozen=True)
class Algorithm:
    name: str
    families: tuple[str, ...]
    kind: str  # linear, tree, neural or loglog: how inputs are encoded
    gpu: bool = False
    description: str = ""


ALGORITHMS: dict[str, Algorithm] = {
    a.name: a
    for a in (
        Algorithm(
            "linear",
            ("regression", "scoring", "forecasting"),
            "linear",
            description="ridge regression on standardised numbers and one-hot categories (optionally on "
            "logs of the target and of skewed positive features)",
        ),
        Algorithm(
            "logistic",
            ("classification", "next_best_action"),
            "linear",
            description="regularised logistic regression on standardised numbers and one-hot categories",
        ),
        Algorithm(
            "random_forest",
            ("regression", "classification", "scoring", "forecasting", "next_best_action"),
            "tree",
            description="random forest (scikit-learn)",
        ),
        Algorithm(
            "gradient_boosting",
            ("regression", "classification", "scoring", "forecasting", "next_best_action"),
            "tree",
            description="histogram gradient boosting (scikit-learn)",
        ),
        Algorithm(
            "xgboost",
            ("regression", "classification", "scoring", "forecasting", "next_best_action"),
            "tree",
            gpu=True,
            description="gradient-boosted trees (XGBoost hist; CUDA where the worker has it)",
        ),
        Algorithm(
            "torch_mlp",
            ("regression", "classification", "scoring", "next_best_action"),
            "neural",
            gpu=True,
            description="PyTorch multi-layer perceptron (CUDA where the worker has it)",
        ),
        Algorithm(
            "log_log_regression",
            ("pricing",),
            "loglog",
            description="log(quantity + 0.5) on log price with entity and period effects and one "
            "elasticity per group, each with its confidence interval",
        ),
        Algorithm("auto", tuple(), "auto", description="tries the family's candidates and keeps the best"),
    )
}
# What `auto` tries, in order; ties keep the earlier (simpler) one.
AUTO_CANDIDATES: dict[str, tuple[str, ...]] = {
    "regression": ("linear", "random_forest", "xgboost"),
    "scoring": ("linear", "random_forest", "xgboost"),
    "classification": ("logistic", "random_forest", "xgboost"),
    "forecasting": ("linear", "xgboost"),
    "next_best_action": ("logistic", "xgboost", "torch_mlp"),
    "pricing": ("log_log_regression",),
}
# Settings of NEX's own that shape the model around the estimator, never passed to it.
OWN_SETTINGS = {"log_target", "log_features", "target_mode", "price_grid"}


class AlgorithmError(ValueError):
    pass


def get(name: str, family: str) -> Algorithm:
    algo = ALGORITHMS.get(name)
    if algo is None:
        raise AlgorithmError(f"unknown algorithm `{name}`; known: {', '.join(sorted(ALGORITHMS))}")
    if name != "auto" and family not in algo.families:
        fits = sorted(a.name for a in ALGORITHMS.values() if family in a.families)
        raise AlgorithmError(f"algorithm `{name}` does not fit family {family}; use one of {', '.join(fits)}")
    return algo


def candidates(name: str, family: str) -> tuple[str, ...]:
    return AUTO_CANDIDATES[family] if name == "auto" else (name,)


def task_of(family: str) -> str:
    """What the estimator predicts: a number, or a class (next-best-action predicts chosen/accepted)."""
    return "classification" if family in ("classification", "next_best_action") else "regression"


def uses_gpu(name: str, family: str) -> bool:
    return any(ALGORITHMS[c].gpu for c in candidates(name, family))


def estimator_args(name: str, hyperparameters: dict[str, Any], defaults: dict[str, dict]) -> dict[str, Any]:
    """The algorithm's defaults (``recipes/_algorithms.yaml``) under the recipe's own settings."""
    merged = {**defaults.get(name, {}), **hyperparameters}
    return {k: v for k, v in merged.items() if k not in OWN_SETTINGS}


def _spread_positive(frame: ModelFrame) -> list[str]:
    """Numeric inputs that are strictly positive and span at least a factor of two: on a log scale
    their effect on a logged target is a constant elasticity rather than an exponential."""
    out = []
    for c in frame.numeric:
        values = frame.data[c].dropna().to_numpy(dtype=float)
        if len(values) > 2 and (values > 0).all() and values.max() >= 2 * values.min():
            out.append(c)
    return out


def _encoder(kind: str, numeric: list[str], categorical: list[str], logged: list[str]):
    import numpy as np
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, StandardScaler

    parts = []
    plain = [c for c in numeric if c not in logged]
    if kind == "tree":
        if numeric:
            parts.append(("numbers", SimpleImputer(strategy="median", keep_empty_features=True), numeric))
        if categorical:
            ordinal = OrdinalEncoder(
                handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1
            )
            parts.append(("categories", ordinal, categorical))
    else:
        if logged:
            log = FunctionTransformer(np.log, feature_names_out="one-to-one")
            parts.append(
                ("logs", make_pipeline(SimpleImputer(strategy="median"), log, StandardScaler()), logged)
            )
        if plain:
            parts.append(
                ("numbers", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), plain)
            )
        if categorical:
            onehot = make_pipeline(
                SimpleImputer(strategy="constant", fill_value="missing"),
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
            )
            parts.append(("categories", onehot, categorical))
    return ColumnTransformer(parts, remainder="drop", sparse_threshold=0.0)


def build(
    name: str,
    family: str,
    frame: ModelFrame,
    hyperparameters: dict[str, Any],
    defaults: dict[str, dict],
    device: str = "cpu",
):
    """A fresh, unfitted estimator of algorithm ``name`` (never ``auto``) for the frame."""
    algo = get(name, family)
    args = estimator_args(name, hyperparameters, defaults)
    if algo.kind == "loglog":
        from nex_assets.ml.logic.estimators import LogLogDemand

        info = frame.info
        return LogLogDemand(
            entities=tuple(info["entities"]),
            period_effect=tuple(info["period_effect"]),
            groups=tuple(info["groups"]),
            sloped=tuple(info["sloped"]),
            controls=tuple(info["controls"]),
            **args,
        )
    task = task_of(family)
    logged = []
    log_features = hyperparameters.get("log_features", [])
    if algo.kind != "tree" and log_features:
        logged = (
            _spread_positive(frame)
            if log_features == "auto"
            else [c for c in log_features if c in frame.numeric]
        )
    encoder = _encoder(algo.kind, frame.numeric, frame.categorical, logged)
    model = _model(name, task, args, device)
    from sklearn.pipeline import Pipeline

    pipeline = Pipeline([("encode", encoder), ("model", model)])
    if task == "classification" and name == "xgboost":
        from nex_assets.ml.logic.estimators import LabelEncoded

        return LabelEncoded(pipeline)
    if task == "regression" and family == "forecasting" and hyperparameters.get("target_mode") == "relative":
        from nex_assets.ml.logic.estimators import RelativeToBaseline

        return RelativeToBaseline(pipeline, frame.info["baseline"])
    if task == "regression" and _log_target(hyperparameters, frame):
        import numpy as np
        from sklearn.compose import TransformedTargetRegressor

        return TransformedTargetRegressor(regressor=pipeline, func=np.log, inverse_func=np.exp)
    return pipeline


def _log_target(hyperparameters: dict[str, Any], frame: ModelFrame) -> bool:
    setting = hyperparameters.get("log_target", False)
    if setting == "auto":
        values = frame.data[frame.target].dropna().to_numpy(dtype=float)
        return bool(len(values)) and bool((values > 0).all())
    return bool(setting)


def xgboost_params(args: dict[str, Any], device: str, classify: bool) -> dict[str, Any]:
    """XGBoost's settings on ``device``: histogram trees by default, and always on CUDA, the one tree
    method XGBoost builds there (``exact`` fails on a GPU); the classifier picks its own objective
    from the number of classes."""
    params = {"tree_method": "hist", "random_state": 0, **args, "device": device}
    if device.startswith("cuda"):
        params["tree_method"] = "hist"
    if classify:
        params.pop("objective", None)
    return params


def _model(name: str, task: str, args: dict[str, Any], device: str):
    classify = task == "classification"
    if name == "linear":
        from sklearn.linear_model import Ridge

        return Ridge(**args)
    if name == "logistic":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(**args)
    if name == "random_forest":
        from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

        return (RandomForestClassifier if classify else RandomForestRegressor)(**args)
    if name == "gradient_boosting":
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

        return (HistGradientBoostingClassifier if classify else HistGradientBoostingRegressor)(**args)
    if name == "xgboost":
        import xgboost as xgb

        params = xgboost_params(args, device, classify)
        return (xgb.XGBClassifier if classify else xgb.XGBRegressor)(**params)
    from nex_assets.ml.logic.estimators import TorchClassifier, TorchRegressor

    return (TorchClassifier if classify else TorchRegressor)(**args, device=device)


def importance(model, frame: ModelFrame) -> dict[str, float] | None:
    """Feature importance where the estimator exposes one: trees give gain shares, linear models
    the size of each coefficient on their encoded columns."""
    import numpy as np

    inner = getattr(model, "regressor_", model)
    inner = getattr(inner, "regressor_", inner)
    inner = getattr(inner, "classifier_", inner)
    steps = getattr(inner, "named_steps", None)
    final = steps["model"] if steps else inner
    names = None
    if steps and hasattr(steps["encode"], "get_feature_names_out"):
        try:
            names = [str(n).split("__", 1)[-1] for n in steps["encode"].get_feature_names_out()]
        except (AttributeError, ValueError):
            names = None
    if hasattr(final, "feature_importances_") and final.feature_importances_ is not None:
        values = np.asarray(final.feature_importances_, dtype=float)
    elif hasattr(final, "coef_"):
        values = np.abs(np.atleast_2d(final.coef_)).mean(axis=0)
    elif hasattr(final, "ridge_"):
        values = np.abs(final.ridge_.coef_)
        names = [str(n).split("__", 1)[-1] for n in final.design_.get_feature_names_out()]
    else:
        return None
    names = (
        names if names is not None and len(names) == len(values) else [f"x{i}" for i in range(len(values))]
    )
    return dict(zip(names, map(float, values), strict=True))
