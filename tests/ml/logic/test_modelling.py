"""Features, metrics, splits and algorithms, checked on small frames with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nex_assets.ml.logic import algorithms, evaluate, features, metrics, split
from nex_assets.ml.logic.recipe import Split
from nex_assets.ml.logic.torch_nba import TorchOfferModel


def test_metrics_on_known_values():
    assert metrics.smape([1, 0], [1, 0]) == 0.0
    assert metrics.smape([2], [0]) == pytest.approx(2.0)
    assert metrics.spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert metrics.spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert metrics.auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert metrics.auc([0, 1], [0.5, 0.5]) == 0.5


def weekly(series=2, weeks=60) -> pd.DataFrame:
    dates = pd.date_range("2023-01-02", periods=weeks, freq="7D").strftime("%Y-%m-%d")
    rows = [
        {"store_id": f"S{s}", "sku": "P1", "week_start": d, "units_sold": 10 * s + w}
        for s in range(series)
        for w, d in enumerate(dates)
    ]
    return pd.DataFrame(rows)


def test_forecasting_lags_stay_within_a_series():
    frame = features.forecasting(weekly(), ["store_id", "sku", "week_start"], "units_sold")
    assert len(frame) == 2 * (60 - 52)
    assert (frame["lag_1"] == frame["units_sold"] - 1).all()
    assert (frame["lag_52"] == frame["units_sold"] - 52).all()
    assert (frame["rolling_mean_4"] == frame["units_sold"] - 2.5).all()


def test_time_split_holds_out_the_newest_weeks_and_kfold_keeps_entities_whole():
    frame = weekly()
    held = split.holdout_mask(frame, Split(kind="time", column="week_start", holdout=4))
    assert sorted(frame.loc[held, "week_start"].unique()) == sorted(frame["week_start"].unique())[-4:]
    folds = split.folds(frame, Split(kind="kfold", column="store_id", holdout=2))
    assert frame.assign(f=folds).groupby("store_id")["f"].nunique().max() == 1
    with pytest.raises(ValueError, match="leaves nothing to train on"):
        split.holdout_mask(frame, Split(kind="time", column="week_start", holdout=60))


def test_log_log_regression_recovers_planted_elasticities():
    rng = np.random.default_rng(0)
    n = 4000
    truth = {"tea": -0.8, "crisps": -2.0}
    cat = rng.choice(list(truth), n)
    ratio = rng.uniform(0.8, 1.15, n)
    units = np.exp(3 + np.array([truth[c] for c in cat]) * np.log(ratio) + rng.normal(0, 0.05, n))
    rows = pd.DataFrame(
        {
            "store_id": rng.choice(["a", "b"], n),
            "sku": cat,
            "category": cat,
            "price": 2 * ratio,
            "base_price": 2.0,
            "unit_cost": 1.0,
            "week_start": "2024-01-01",
            "units_sold": units,
        }
    )
    feats = ["store_id", "sku", "category", "price", "base_price", "unit_cost", "week_start"]
    frame = features.pricing(rows, feats)
    columns = features.model_columns("pricing", feats)
    model = algorithms.build("log_log_regression", "pricing", columns, {"alpha": 1e-6})
    model.fit(frame[columns], algorithms.target_transform("log_log_regression", frame["units_sold"]))
    found = evaluate.elasticities(model.predict, frame[columns], frame["category"])
    for c, e in truth.items():
        assert found[c] == pytest.approx(e, rel=0.05)


def test_unknown_or_misfit_algorithm_is_named():
    with pytest.raises(algorithms.AlgorithmError, match="unknown algorithm `forest`"):
        algorithms.get("forest", "pricing")
    with pytest.raises(
        algorithms.AlgorithmError, match="does not fit family pricing; use one of log_log_regression"
    ):
        algorithms.get("torch_mlp", "pricing")


def offers_frame(n=600, seed=1) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n),
            "segment": rng.choice(["value", "premium"], n),
            "offer_id": rng.choice(["O1", "O2"], n),
        }
    )
    logit = np.where((X["segment"] == "premium") == (X["offer_id"] == "O1"), 1.0, -1.5)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    return X, y


def test_torch_model_repeats_exactly_on_the_cpu_and_learns_the_interaction():
    X, y = offers_frame()
    first = TorchOfferModel(hidden=8, epochs=150, seed=3).fit(X, y).predict(X)
    second = TorchOfferModel(hidden=8, epochs=150, seed=3).fit(X, y).predict(X)
    assert np.array_equal(first, second)
    assert metrics.auc(y, first) > 0.7
    other_seed = TorchOfferModel(hidden=8, epochs=150, seed=4).fit(X, y).predict(X)
    assert not np.array_equal(first, other_seed)
