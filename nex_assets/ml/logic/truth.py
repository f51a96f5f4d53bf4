"""Checks against planted ground truth, where a truth file describes the world the data came from
(the NEX Retail sample world writes one). The file says everything a check needs, the columns
included, so nothing here knows any dataset: elasticities per group, and a response model whose
features are computed from named columns (``standardize``, ``equals``, ``equals_column``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nex_assets.ml.logic.packs import Metrics


def pricing(measured: Metrics, truth: dict | None) -> Metrics:
    """Each group's elasticity against the planted one, as a relative error."""
    if not truth or "elasticity" not in truth:
        return measured
    errors = {}
    groups = measured.slices.get("group", {})
    for group, values in groups.items():
        true = truth["elasticity"].get(group)
        if true is not None and "elasticity" in values:
            errors[group] = abs(values["elasticity"] - true) / abs(true)
            values.update({"true_elasticity": float(true), "elasticity_rel_error": errors[group]})
    if errors:
        measured.overall["max_elasticity_rel_error"] = max(errors.values())
        measured.overall["mean_elasticity_rel_error"] = float(np.mean(list(errors.values())))
    measured.has_ground_truth = True
    return measured


def response(grid: pd.DataFrame, model: dict) -> np.ndarray:
    """P(accepted) under a planted logistic response model for rows of (entity, option) columns."""
    std = model["standardization"]
    option = grid[model["option_column"]]
    logit = option.map(model["intercepts"]).astype(float)
    for f in model["features"]:
        spec = model["encoding"][f]
        column = grid[spec["column"]]
        if "equals" in spec:
            value = (column.astype(str) == spec["equals"]).astype(float)
        elif "equals_column" in spec:
            value = (column.astype(str) == grid[spec["equals_column"]].astype(str)).astype(float)
        else:
            value = (column.astype(float) - std[f]["mean"]) / std[f]["std"]
        coef = option.map({o: c[f] for o, c in model["coefficients"].items()}).astype(float)
        logit = logit + coef * value
    return 1.0 / (1.0 + np.exp(-logit.to_numpy()))


def next_best_action(
    measured: Metrics, grid: pd.DataFrame, scores: np.ndarray, entity: str, popular: str, truth: dict | None
) -> Metrics:
    """The expected acceptance of the model's choices, of random choices and of the most popular
    option, under the planted response model."""
    if not truth or "response_model" not in truth or "encoding" not in truth["response_model"]:
        return measured
    model = truth["response_model"]
    frame = grid.assign(_true=response(grid, model), _score=scores)
    chosen = frame.loc[frame.groupby(entity)["_score"].idxmax(), "_true"].mean()
    overall = measured.overall
    overall["true_policy_value"] = float(chosen)
    overall["true_random_value"] = float(frame["_true"].mean())
    overall["true_most_popular_value"] = float(
        frame.loc[frame[model["option_column"]] == popular, "_true"].mean()
    )
    overall["true_optimal_value"] = float(frame.groupby(entity)["_true"].max().mean())
    overall["true_lift_vs_random"] = overall["true_policy_value"] - overall["true_random_value"]
    overall["true_lift_vs_most_popular"] = overall["true_policy_value"] - overall["true_most_popular_value"]
    measured.has_ground_truth = True
    return measured
