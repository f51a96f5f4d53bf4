"""What each family measures on a holdout, and the ground-truth checks of the sample world.

``predict`` is any callable from the model frame to predictions, so the same code scores the
in-memory model after training, the version loaded back from the registry, and the champion.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from nex_assets.ml.logic import metrics
from nex_assets.ml.logic.packs import Metrics

Predict = Callable[[pd.DataFrame], np.ndarray]

# Columns that describe the offer rather than the customer in next-best-action frames.
OFFER_COLUMNS = ("offer_id", "channel", "offer_type", "discount_pct")
ELASTICITY_STEP = 0.05


def _slices(frame: pd.DataFrame, slice_by: list[str], measure: Callable[[pd.DataFrame], dict[str, float]]):
    out: dict[str, dict[str, dict[str, float]]] = {}
    for col in slice_by:
        if col not in frame:
            continue
        out[col] = {str(k): measure(g) for k, g in frame.groupby(col, sort=True)}
    return out


def elasticities(predict: Predict, X: pd.DataFrame, category: pd.Series) -> dict[str, float]:
    """d log(demand) / d log(price) per category, read off the model by nudging the price: it holds
    for any model of log demand, not only for the linear one."""
    up = X.copy()
    up["log_price_ratio"] = up["log_price_ratio"] + ELASTICITY_STEP
    slope = (np.asarray(predict(up), dtype=float) - np.asarray(predict(X), dtype=float)) / ELASTICITY_STEP
    return {
        str(k): float(v)
        for k, v in pd.Series(slope, index=X.index).groupby(category.to_numpy()).mean().items()
    }


def pricing(
    predict: Predict,
    holdout: pd.DataFrame,
    columns: list[str],
    target: str,
    truth: dict | None,
    slice_by: list[str],
) -> Metrics:
    X = holdout[columns]
    log_actual = np.log(holdout[target].astype(float) + 0.5)
    pred = np.asarray(predict(X), dtype=float)
    found = elasticities(predict, X, holdout["category"])
    overall = {"rmse_log_units": metrics.rmse(log_actual, pred), "rows": float(len(holdout))}
    for cat, e in found.items():
        overall[f"elasticity_{cat}"] = e
    per_category: dict[str, dict[str, float]] = {c: {"elasticity": e} for c, e in found.items()}
    if truth and "elasticity" in truth:
        errors = {}
        for cat, e in found.items():
            true = truth["elasticity"].get(cat)
            if true is not None:
                errors[cat] = abs(e - true) / abs(true)
                per_category[cat].update(
                    {"true_elasticity": float(true), "elasticity_rel_error": errors[cat]}
                )
        if errors:
            overall["max_elasticity_rel_error"] = max(errors.values())
            overall["mean_elasticity_rel_error"] = float(np.mean(list(errors.values())))
    frame = holdout.assign(_pred=pred, _actual=log_actual)
    slices = _slices(frame, slice_by, lambda g: {"rmse_log_units": metrics.rmse(g["_actual"], g["_pred"])})
    if "category" in slice_by:
        for cat, values in per_category.items():
            slices.setdefault("category", {}).setdefault(cat, {}).update(values)
    return Metrics(overall, slices, has_ground_truth=bool(truth))


def forecasting(
    predict: Predict,
    holdout: pd.DataFrame,
    columns: list[str],
    target: str,
    truth: dict | None,
    slice_by: list[str],
) -> Metrics:
    actual = holdout[target].astype(float).to_numpy()
    pred = np.clip(np.asarray(predict(holdout[columns]), dtype=float), 0, None)
    naive = holdout["lag_52"].astype(float).to_numpy()

    def measure(idx) -> dict[str, float]:
        a, p, n = actual[idx], pred[idx], naive[idx]
        model_smape, naive_smape = metrics.smape(a, p), metrics.smape(a, n)
        model_mae, naive_mae = metrics.mae(a, p), metrics.mae(a, n)
        return {
            "smape": model_smape,
            "smape_seasonal_naive": naive_smape,
            "smape_improvement_vs_seasonal_naive": 1 - model_smape / naive_smape if naive_smape else 0.0,
            "mase_vs_seasonal_naive": model_mae / naive_mae if naive_mae else float("nan"),
            "mae": model_mae,
        }

    overall = {**measure(np.arange(len(holdout))), "rows": float(len(holdout))}
    positions = holdout.reset_index(drop=True).assign(_pos=np.arange(len(holdout)))
    slices = _slices(positions, slice_by, lambda g: measure(g["_pos"].to_numpy()))
    return Metrics(overall, slices, has_ground_truth=bool(truth))


def offer_grid(holdout: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Every held-out customer paired with every offer, so a policy can pick one per customer."""
    offer_cols = [c for c in OFFER_COLUMNS if c in holdout]
    customer_cols = [
        c for c in holdout.columns if c not in offer_cols and c not in {"accepted", "channel_match"}
    ]
    customers = holdout[customer_cols].drop_duplicates("customer_id")
    offers = holdout[offer_cols].drop_duplicates("offer_id")
    grid = customers.merge(offers, how="cross")
    if "channel_match" in columns:
        grid["channel_match"] = (grid["channel"] == grid["preferred_channel"]).astype(float)
    return grid


def true_acceptance(grid: pd.DataFrame, truth: dict) -> np.ndarray:
    """P(accepted) under the planted response model, for customer-offer pairs."""
    model = truth["response_model"]
    std = model["standardization"]
    z = {}
    for f in ("age", "tenure_months", "avg_basket_value", "visits_per_month"):
        z[f] = (grid[f].astype(float) - std[f]["mean"]) / std[f]["std"]
    z["segment_value"] = (grid["segment"] == "value").astype(float)
    z["segment_premium"] = (grid["segment"] == "premium").astype(float)
    z["income_low"] = (grid["income_band"] == "low").astype(float)
    z["income_high"] = (grid["income_band"] == "high").astype(float)
    z["channel_match"] = (grid["channel"] == grid["preferred_channel"]).astype(float)
    intercept = grid["offer_id"].map(model["intercepts"]).astype(float)
    logit = intercept.copy()
    for f in model["features"]:
        coef = grid["offer_id"].map({o: c[f] for o, c in model["coefficients"].items()}).astype(float)
        logit = logit + coef * z[f]
    return 1.0 / (1.0 + np.exp(-logit.to_numpy()))


def next_best_action(
    predict: Predict,
    holdout: pd.DataFrame,
    columns: list[str],
    target: str,
    truth: dict | None,
    slice_by: list[str],
    most_popular_offer: str,
) -> Metrics:
    """Policies compared by replay on the held-out customers: the logging policy showed offers
    uniformly at random, so the acceptance rate of events whose offer matches a policy's choice
    is an unbiased estimate of that policy's value."""
    accepted = holdout[target].astype(float).to_numpy()
    score = np.asarray(predict(holdout[columns]), dtype=float)
    grid = offer_grid(holdout, columns)
    grid["_score"] = np.asarray(predict(grid[columns]), dtype=float)
    choice = grid.loc[grid.groupby("customer_id")["_score"].idxmax(), ["customer_id", "offer_id"]]
    chosen = dict(zip(choice["customer_id"], choice["offer_id"], strict=True))
    match = holdout["offer_id"].to_numpy() == holdout["customer_id"].map(chosen).to_numpy()
    popular = holdout["offer_id"].to_numpy() == most_popular_offer
    overall = {
        "auc": metrics.auc(accepted, score),
        "log_loss": metrics.log_loss(accepted, score),
        "policy_value": float(accepted[match].mean()) if match.any() else float("nan"),
        "policy_matched_events": float(match.sum()),
        "random_policy_value": float(accepted.mean()),
        "most_popular_policy_value": float(accepted[popular].mean()) if popular.any() else float("nan"),
        "customers": float(len(chosen)),
    }
    overall["lift_vs_random"] = overall["policy_value"] - overall["random_policy_value"]
    overall["lift_vs_most_popular"] = overall["policy_value"] - overall["most_popular_policy_value"]
    if truth and "response_model" in truth:
        grid["_true"] = true_acceptance(grid, truth)
        by_customer = grid.groupby("customer_id")
        policy_true = grid.loc[grid.groupby("customer_id")["_score"].idxmax(), "_true"].mean()
        overall.update(
            {
                "true_policy_value": float(policy_true),
                "true_random_value": float(grid["_true"].mean()),
                "true_most_popular_value": float(
                    grid.loc[grid["offer_id"] == most_popular_offer, "_true"].mean()
                ),
                "true_optimal_value": float(by_customer["_true"].max().mean()),
            }
        )
        overall["true_lift_vs_random"] = overall["true_policy_value"] - overall["true_random_value"]
        overall["true_lift_vs_most_popular"] = (
            overall["true_policy_value"] - overall["true_most_popular_value"]
        )
    frame = holdout.assign(_acc=accepted, _match=match)
    slices = _slices(
        frame,
        slice_by,
        lambda g: {
            "policy_value": float(g.loc[g["_match"], "_acc"].mean()) if g["_match"].any() else float("nan")
        },
    )
    return Metrics(overall, slices, has_ground_truth=bool(truth))


def location_scoring(
    predicted: np.ndarray, frame: pd.DataFrame, target: str, truth: dict | None, slice_by: list[str]
) -> Metrics:
    """Scores of every store against its revenue; ``predicted`` are out-of-fold predictions, so no
    store is scored by a model that saw it."""
    actual = frame[target].astype(float).to_numpy()
    pred = np.asarray(predicted, dtype=float)
    overall = {
        "spearman": metrics.spearman(actual, pred),
        "rmse_log": metrics.rmse(np.log(actual), np.log(np.clip(pred, 1e-9, None))),
        "stores": float(len(frame)),
    }
    data = frame.assign(_a=actual, _p=pred)
    slices = _slices(data, slice_by, lambda g: {"spearman": metrics.spearman(g["_a"], g["_p"])})
    return Metrics(overall, slices, has_ground_truth=bool(truth))
