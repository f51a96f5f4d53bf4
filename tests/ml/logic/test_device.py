"""The device a recipe trains on reaches its estimator: XGBoost builds histogram trees on CUDA and keeps
the recipe's own settings on the CPU; the torch network trains where it is told. Building an
estimator for CUDA needs no GPU, so these run anywhere."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nex_assets.ml.logic import algorithms, features

DEFAULTS = {"xgboost": {"n_estimators": 5, "n_jobs": 2}, "torch_mlp": {"epochs": 5}}


def frame():
    rng = np.random.default_rng(0)
    rows = pd.DataFrame(
        {
            "size": rng.uniform(1, 9, 60),
            "kind": rng.choice(["a", "b"], 60),
            "label": rng.choice(["x", "y"], 60),
        }
    )
    rows["value"] = rows["size"] * 2
    return rows


def test_xgboost_params_on_cpu_are_the_recipes_own():
    params = algorithms.xgboost_params({"tree_method": "approx", "max_depth": 3}, "cpu", classify=False)
    assert params == {"tree_method": "approx", "random_state": 0, "max_depth": 3, "device": "cpu"}
    assert algorithms.xgboost_params({}, "cpu", classify=False)["tree_method"] == "hist"


@pytest.mark.parametrize("device", ["cuda", "cuda:1"])
def test_xgboost_on_cuda_always_builds_histogram_trees(device):
    params = algorithms.xgboost_params({"tree_method": "exact", "objective": "binary:logistic"}, device, True)
    assert params["device"] == device and params["tree_method"] == "hist"
    assert "objective" not in params  # the classifier chooses it from the classes


@pytest.mark.parametrize(("family", "target"), [("regression", "value"), ("classification", "label")])
@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_built_estimators_carry_the_device(family, target, device):
    data = frame()
    model_frame = features.tabular(data, ["size", "kind"], target, family, set())
    for name in ("xgboost", "torch_mlp"):
        built = algorithms.build(name, family, model_frame, {}, DEFAULTS, device)
        inner = getattr(built, "classifier", built)
        params = inner.named_steps["model"].get_params()
        assert params["device"] == device
        if name == "xgboost":
            assert params["tree_method"] == "hist" and params["n_jobs"] == 2


def test_gpu_algorithms_are_the_ones_that_ask_for_a_device():
    assert algorithms.uses_gpu("xgboost", "regression") and algorithms.uses_gpu("torch_mlp", "classification")
    assert algorithms.uses_gpu("auto", "regression")  # xgboost is among its candidates
    assert not algorithms.uses_gpu("linear", "regression")
    assert not algorithms.uses_gpu("auto", "pricing")
