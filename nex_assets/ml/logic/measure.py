"""What each family measures on a holdout, always next to the baseline it must beat.

A model is any object with ``predict`` (and ``predict_proba`` for classifiers): the in-memory model
after training, the version loaded back from the registry and the champion are measured by the
same code. Baselines need no planted truth: the mean (regression, scoring), the majority class
(classification), the last value and the seasonal-naive value of the detected season (forecasting),
a model of demand without price (pricing), the random and most-popular options (next best action).
Ground-truth checks are added only where a truth file describes the world (``truth.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from nex_assets.ml.logic import metrics
from nex_assets.ml.logic.features import CHOSEN, OCCASION, OPTION, ModelFrame
from nex_assets.ml.logic.packs import Metrics

# Categorical columns with at most this many values are measured slice by slice.
MAX_SLICE_VALUES = 50
ELASTICITY_STEP = 0.05


def positive_scores(model, X: pd.DataFrame) -> np.ndarray:
    """P(positive class) of a binary classifier (the class 1, True or "1", else the last one)."""
    proba = np.asarray(model.predict_proba(X), dtype=float)
    classes = [str(c) for c in getattr(model, "classes_", range(proba.shape[1]))]
    for label in ("1.0", "1", "True", "true", "yes"):
        if label in classes:
            return proba[:, classes.index(label)]
    return proba[:, -1]


def snapshot_predictions(model, X: pd.DataFrame) -> np.ndarray:
    """What reference snapshots and drift record as the prediction: the probability of the positive
    class for binary classifiers, else ``predict`` (as text for class labels)."""
    if hasattr(model, "predict_proba") and len(getattr(model, "classes_", [])) == 2:
        return positive_scores(model, X)
    predicted = np.asarray(model.predict(X))
    return predicted.astype(float) if predicted.dtype.kind in "fiub" else predicted.astype(str)


def slice_columns(frame: ModelFrame, wanted: list[str]) -> list[str]:
    """The slices to measure: the packs' named ones, and for ``*`` every categorical input with few
    enough values to be worth a row each, and every yes/no input (stored as 0/1)."""
    out = [c for c in wanted if c != "*" and c in frame.data]
    if "*" in wanted:
        flags = [c for c in frame.numeric if set(frame.data[c].dropna().unique()) <= {0.0, 1.0}]
        out += [
            c
            for c in [*frame.categorical, *flags]
            if c not in out and 2 <= frame.data[c].nunique(dropna=True) <= MAX_SLICE_VALUES
        ]
    return out


def _slices(data: pd.DataFrame, columns: list[str], measure: Callable[[pd.DataFrame], dict[str, float]]):
    out: dict[str, dict[str, dict[str, float]]] = {}
    for col in columns:
        if col in data:
            # Each slice's size goes with its metrics: packs judge only slices large enough to tell.
            out[col] = {
                str(k): {**measure(g), "rows": float(len(g))}
                for k, g in data.groupby(col, sort=True, dropna=True)
            }
    return out


def regression(model, holdout: ModelFrame, train: ModelFrame, slice_by: list[str]) -> Metrics:
    actual = holdout.data[holdout.target].to_numpy(dtype=float)
    pred = np.asarray(model.predict(holdout.X), dtype=float)
    mean = float(train.data[train.target].mean())

    def measure(idx) -> dict[str, float]:
        a, p = actual[idx], pred[idx]
        rmse, base = metrics.rmse(a, p), metrics.rmse(a, np.full(len(a), mean))
        return {
            "rmse": rmse,
            "mae": metrics.mae(a, p),
            "r2": metrics.r2(a, p),
            "rmse_mean_baseline": base,
            "rmse_improvement_vs_mean": 1 - rmse / base if base else 0.0,
        }

    overall = {**measure(np.arange(len(actual))), "rows": float(len(actual))}
    data = holdout.data.reset_index(drop=True).assign(_pos=np.arange(len(actual)))
    slices = _slices(data, slice_columns(holdout, slice_by), lambda g: measure(g["_pos"].to_numpy()))
    return Metrics(overall, slices)


def classification(model, holdout: ModelFrame, train: ModelFrame, slice_by: list[str]) -> Metrics:
    actual = holdout.data[holdout.target].astype(str).to_numpy()
    proba = np.asarray(model.predict_proba(holdout.X), dtype=float)
    classes = np.array([str(c) for c in model.classes_])
    predicted = classes[np.argmax(proba, axis=1)]
    counts = train.data[train.target].astype(str).value_counts()
    majority = str(counts.idxmax())
    prior = np.array([counts.get(c, 0) / counts.sum() for c in classes])

    def measure(idx) -> dict[str, float]:
        a, p, pr = actual[idx], predicted[idx], proba[idx]
        onehot = (a[:, None] == classes[None, :]).astype(float)
        loss = metrics.multi_log_loss(onehot, pr)
        prior_loss = metrics.multi_log_loss(onehot, np.tile(prior, (len(a), 1)))
        accuracy = float(np.mean(a == p)) if len(a) else float("nan")
        majority_accuracy = float(np.mean(a == majority)) if len(a) else float("nan")
        out = {
            "accuracy": accuracy,
            "balanced_accuracy": metrics.balanced_accuracy(a, p),
            "log_loss": loss,
            "majority_accuracy": majority_accuracy,
            "accuracy_lift_vs_majority": accuracy - majority_accuracy,
            "prior_log_loss": prior_loss,
            "log_loss_improvement_vs_prior": 1 - loss / prior_loss if prior_loss else 0.0,
        }
        out["calibration_error"] = metrics.calibration_error(a == p, pr.max(axis=1))
        out["calibration_error_beyond_noise"] = out["calibration_error"] - metrics.calibration_noise(
            pr.max(axis=1)
        )
        if len(classes) == 2:
            out["auc"] = metrics.auc(onehot[:, 1], pr[:, 1])
            out["brier"] = float(np.mean((pr[:, 1] - onehot[:, 1]) ** 2))
        else:
            out["auc"] = float(np.nanmean([metrics.auc(onehot[:, k], pr[:, k]) for k in range(len(classes))]))
        return out

    overall = {**measure(np.arange(len(actual))), "rows": float(len(actual)), "classes": float(len(classes))}
    data = holdout.data.reset_index(drop=True).assign(_pos=np.arange(len(actual)))
    slices = _slices(data, slice_columns(holdout, slice_by), lambda g: measure(g["_pos"].to_numpy()))
    return Metrics(overall, slices)


def forecasting(model, holdout: ModelFrame, slice_by: list[str]) -> Metrics:
    """sMAPE of the model against the last value and against the same period a season ago, on the
    same rows (those with a full history)."""
    actual = holdout.data[holdout.target].to_numpy(dtype=float)
    pred = np.clip(np.asarray(model.predict(holdout.X), dtype=float), 0, None)
    last = holdout.data["lag_1"].to_numpy(dtype=float)
    seasonal = holdout.data[holdout.info["baseline"]].to_numpy(dtype=float)

    def measure(idx) -> dict[str, float]:
        a, p = actual[idx], pred[idx]
        model_smape = metrics.smape(a, p)
        naive_smape, last_smape = metrics.smape(a, seasonal[idx]), metrics.smape(a, last[idx])
        best = min(naive_smape, last_smape)
        model_mae, naive_mae = metrics.mae(a, p), metrics.mae(a, seasonal[idx])
        return {
            "smape": model_smape,
            "smape_seasonal_naive": naive_smape,
            "smape_last_value": last_smape,
            "smape_improvement_vs_seasonal_naive": 1 - model_smape / naive_smape if naive_smape else 0.0,
            "smape_improvement_vs_last_value": 1 - model_smape / last_smape if last_smape else 0.0,
            "smape_improvement_vs_best_baseline": 1 - model_smape / best if best else 0.0,
            "mase_vs_seasonal_naive": model_mae / naive_mae if naive_mae else float("nan"),
            "mae": model_mae,
        }

    overall = {
        **measure(np.arange(len(actual))),
        "rows": float(len(actual)),
        "season": float(holdout.info["season"]),
    }
    data = holdout.data.reset_index(drop=True).assign(_pos=np.arange(len(actual)))
    slices = _slices(data, slice_columns(holdout, slice_by), lambda g: measure(g["_pos"].to_numpy()))
    return Metrics(overall, slices)


def elasticities(model, X: pd.DataFrame, groups: pd.Series) -> dict[str, float]:
    """d log(demand) / d log(price) per group, read off the model by nudging the price: it holds
    for any model of log demand."""
    up = X.copy()
    up["log_price"] = up["log_price"] + ELASTICITY_STEP
    slope = (
        np.asarray(model.predict(up), dtype=float) - np.asarray(model.predict(X), dtype=float)
    ) / ELASTICITY_STEP
    return {
        str(k): float(v) for k, v in pd.Series(slope, index=X.index).groupby(groups.to_numpy()).mean().items()
    }


def group_labels(frame: ModelFrame) -> pd.Series:
    groups = frame.info.get("groups") or []
    if not groups:
        return pd.Series("all", index=frame.data.index)
    return frame.data[groups].astype(str).agg(" | ".join, axis=1)


def pricing(model, holdout: ModelFrame, train: ModelFrame, slice_by: list[str]) -> Metrics:
    """Fit of log demand against a model without price (each group's mean log demand), and the
    elasticity of each group with its confidence interval where the model gives one."""
    log_actual = np.log(holdout.data[holdout.target].to_numpy(dtype=float) + 0.5)
    pred = np.asarray(model.predict(holdout.X), dtype=float)
    labels = group_labels(holdout)
    train_labels = group_labels(train)
    train_log = np.log(train.data[train.target].to_numpy(dtype=float) + 0.5)
    group_mean = pd.Series(train_log, index=train_labels.to_numpy()).groupby(level=0).mean()
    no_price = labels.map(group_mean).fillna(float(np.mean(train_log))).to_numpy()
    rmse, base = metrics.rmse(log_actual, pred), metrics.rmse(log_actual, no_price)
    found = elasticities(model, holdout.X, labels)
    intervals = dict(getattr(model, "elasticities_", {}) or {})
    overall = {
        "rmse_log_units": rmse,
        "rmse_log_no_price_baseline": base,
        "rmse_improvement_vs_no_price": 1 - rmse / base if base else 0.0,
        "rows": float(len(log_actual)),
    }
    per_group: dict[str, dict[str, float]] = {}
    for group, e in found.items():
        overall[f"elasticity_{group}"] = e
        entry = {"elasticity": e}
        if group in intervals:
            _, se = intervals[group]
            entry.update(
                {
                    "elasticity_std_error": se,
                    "elasticity_ci_low": e - 1.96 * se,
                    "elasticity_ci_high": e + 1.96 * se,
                }
            )
        per_group[group] = entry
    highs = [v["elasticity_ci_high"] for v in per_group.values() if "elasticity_ci_high" in v]
    overall["max_elasticity"] = max(found.values()) if found else float("nan")
    if highs:
        overall["max_elasticity_ci_high"] = max(highs)
    slices = _slices(
        holdout.data.assign(_a=log_actual, _p=pred),
        slice_columns(holdout, slice_by),
        lambda g: {"rmse_log_units": metrics.rmse(g["_a"], g["_p"])},
    )
    slices["group"] = per_group
    return Metrics(overall, slices, info={"elasticities": per_group})


def _policy(frame: pd.DataFrame, key: str, option: str, score: str) -> pd.Series:
    """The option with the highest score for each ``key``."""
    best = frame.loc[frame.groupby(key)[score].idxmax(), [key, option]]
    return pd.Series(best[option].to_numpy(), index=best[key].to_numpy())


def next_best_action(model, holdout: ModelFrame, train: ModelFrame, entity: str, action: str) -> Metrics:
    """How well the model ranks outcomes (AUC, log loss) and what acting on it would gain: in the
    long shape by replaying the logged offers (unbiased where the log chose offers at random), in
    the wide shape by how often its top option is the one chosen; always against choosing at random
    and against the option that did best in training."""
    outcome = holdout.data[holdout.target].to_numpy(dtype=float)
    score = positive_scores(model, holdout.X)
    overall: dict[str, float] = {
        "auc": metrics.auc(outcome, score),
        "log_loss": metrics.log_loss(outcome, score),
    }
    if holdout.info.get("shape") == "wide":
        data = holdout.data.assign(_score=score)
        chosen = data.loc[data[CHOSEN] == 1, [OCCASION, OPTION]].set_index(OCCASION)[OPTION]
        picked = _policy(data, OCCASION, OPTION, "_score")
        common = chosen.index.intersection(picked.index)
        popular = train.data.groupby(OPTION)[CHOSEN].mean().idxmax()
        options = holdout.info["options"]
        overall.update(
            {
                "policy_value": float((picked[common] == chosen[common]).mean()),
                "random_policy_value": 1.0 / len(options),
                "most_popular_policy_value": float((chosen[common] == popular).mean()),
                "occasions": float(len(common)),
            }
        )
    else:
        data = holdout.data.assign(_score=score)
        grid = offer_grid(holdout, entity, action)
        grid["_score"] = positive_scores(model, grid[holdout.columns])
        chosen = _policy(grid, entity, action, "_score")
        match = data[action].to_numpy() == data[entity].map(chosen).to_numpy()
        rates = train.data.groupby(action)[train.target].mean()
        popular = rates.idxmax()
        is_popular = data[action].to_numpy() == popular
        overall.update(
            {
                "policy_value": float(outcome[match].mean()) if match.any() else float("nan"),
                "policy_matched_events": float(match.sum()),
                "random_policy_value": float(outcome.mean()),
                "most_popular_policy_value": float(outcome[is_popular].mean())
                if is_popular.any()
                else float("nan"),
                "entities": float(len(chosen)),
            }
        )
    overall["lift_vs_random"] = overall["policy_value"] - overall["random_policy_value"]
    overall["lift_vs_most_popular"] = overall["policy_value"] - overall["most_popular_policy_value"]
    return Metrics(overall, {})


def offer_grid(frame: ModelFrame, entity: str, action: str) -> pd.DataFrame:
    """Every entity of the frame paired with every option it could be offered (long shape): the
    entity's own columns from its rows, each option's columns from the option's rows."""
    option_side = [action, *frame.info.get("action_features", [])]
    entity_cols = [c for c in frame.data.columns if c in frame.columns and c not in option_side]
    entities = frame.data[[entity, *[c for c in entity_cols if c != entity]]].drop_duplicates(entity)
    options = frame.data[[c for c in option_side if c in frame.data]].drop_duplicates(action)
    grid = entities.merge(options, how="cross")
    for name in frame.columns:
        if "_matches_" in name and name not in grid:
            a, b = name.split("_matches_", 1)
            grid[name] = (grid[a].astype(str) == grid[b].astype(str)).astype(float)
    return grid


def scoring(predicted: np.ndarray, frame: ModelFrame, slice_by: list[str]) -> Metrics:
    """Out-of-fold scores of every entity against its target: no entity is scored by a model that
    saw it; the mean of the other folds is the baseline."""
    actual = frame.data[frame.target].to_numpy(dtype=float)
    pred = np.asarray(predicted, dtype=float)
    base = np.full(len(actual), float(np.mean(actual)))
    rmse, base_rmse = metrics.rmse(actual, pred), metrics.rmse(actual, base)
    overall = {
        "spearman": metrics.spearman(actual, pred),
        "rmse": rmse,
        "rmse_mean_baseline": base_rmse,
        "rmse_improvement_vs_mean": 1 - rmse / base_rmse if base_rmse else 0.0,
        "entities": float(len(frame.data)),
    }
    data = frame.data.assign(_a=actual, _p=pred)
    slices = _slices(
        data, slice_columns(frame, slice_by), lambda g: {"spearman": metrics.spearman(g["_a"], g["_p"])}
    )
    return Metrics(overall, slices)


PRIMARY: dict[str, tuple[str, str]] = {
    # The metric `auto` picks candidates by, and which direction is better.
    "regression": ("rmse", "lower"),
    "classification": ("log_loss", "lower"),
    "forecasting": ("smape", "lower"),
    "pricing": ("rmse_log_units", "lower"),
    "next_best_action": ("log_loss", "lower"),
    "scoring": ("spearman", "higher"),
}


def better(family: str, a: dict[str, Any], b: dict[str, Any] | None) -> bool:
    """Whether overall metrics ``a`` beat ``b`` on the family's primary metric (NaN never wins)."""
    name, direction = PRIMARY[family]
    value = a.get(name)
    if value is None or not np.isfinite(value):
        return False
    if b is None or b.get(name) is None or not np.isfinite(b[name]):
        return True
    return value < b[name] if direction == "lower" else value > b[name]
