"""Features, frequencies, splits, algorithms, measurements and the promotion decision, checked on
small frames with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nex_assets.ml.logic import algorithms, decision, features, frequency, measure, metrics, split
from nex_assets.ml.logic.estimators import LogLogDemand, TorchClassifier
from nex_assets.ml.logic.packs import Outcome
from nex_assets.ml.logic.recipe import Split

DEFAULTS = {"xgboost": {"n_estimators": 50, "max_depth": 3}, "random_forest": {"n_estimators": 30}}


def test_metrics_on_known_values():
    assert metrics.smape([1, 0], [1, 0]) == 0.0
    assert metrics.smape([2], [0]) == pytest.approx(2.0)
    assert metrics.spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert metrics.spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert metrics.auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert metrics.auc([0, 1], [0.5, 0.5]) == 0.5
    assert metrics.r2([1, 2, 3], [1, 2, 3]) == 1.0
    assert metrics.calibration_error([1, 1, 0, 0], [1.0, 1.0, 0.0, 0.0]) == 0.0
    assert metrics.calibration_error([1, 0], [0.9, 0.9]) == pytest.approx(0.4)
    assert metrics.balanced_accuracy(["a", "a", "b"], ["a", "b", "b"]) == pytest.approx(0.75)


def test_calibration_noise_is_what_a_calibrated_model_shows_on_so_few_rows():
    rng = np.random.default_rng(3)
    small, large = rng.uniform(0.5, 1, 40), rng.uniform(0.5, 1, 4000)
    assert 0.05 < metrics.calibration_noise(small) < 0.2
    assert metrics.calibration_noise(large) < 0.02
    # Outcomes drawn at the stated confidence: the error is within the noise.
    hits = rng.random(4000) < large
    assert metrics.calibration_error(hits, large) - metrics.calibration_noise(large) < 0.01
    # A model that claims 95% and is right 60% of the time is far beyond it.
    assert metrics.calibration_error(rng.random(4000) < 0.6, np.full(4000, 0.95)) > 0.3


@pytest.mark.parametrize(
    ("values", "name", "season"),
    [
        (pd.date_range("2024-01-01", periods=30, freq="D").strftime("%Y-%m-%d"), "daily", 7),
        (pd.date_range("2024-01-01", periods=30, freq="7D").strftime("%Y-%m-%d"), "weekly", 52),
        ([1949 + i / 12 for i in range(36)], "monthly", 12),
        (pd.date_range("2000-01-01", periods=12, freq="QS").strftime("%Y-%m-%d"), "quarterly", 4),
        (list(range(1963, 1993)), "yearly", 1),
        (list(range(63, 93)), "yearly", 1),
    ],
)
def test_frequency_is_detected_from_dates_years_and_fractional_years(values, name, season):
    periods = frequency.to_periods(pd.Series(values))
    found = frequency.detect(periods)
    assert (found.name, found.season) == (name, season)
    assert found.lags == ((1, 2, season) if season > 2 else (1, 2))


def test_fractional_years_and_two_digit_years_read_as_the_right_periods():
    months = frequency.to_periods(pd.Series([1949.0, 1949.0833333, 1949.9166667]))
    assert list(months.dt.strftime("%Y-%m")) == ["1949-01", "1949-02", "1949-12"]
    assert list(frequency.to_periods(pd.Series([63, 99, 5])).dt.year) == [1963, 1999, 2005]
    with pytest.raises(frequency.FrequencyError, match="not a date"):
        frequency.to_periods(pd.Series(["2024-01-01", "soon"]))
    with pytest.raises(frequency.FrequencyError, match=r"declare roles\.frequency"):
        frequency.detect(
            frequency.to_periods(pd.Series(["2024-01-01", "2024-01-20", "2024-02-08", "2024-02-27"]))
        )


def monthly(series=2, months=40) -> pd.DataFrame:
    rows = [
        {"shop": f"S{s}", "month": 1990 + m / 12, "sales": 10 * s + m, "promo": m % 2}
        for s in range(series)
        for m in range(months)
    ]
    return pd.DataFrame(rows)


def test_forecasting_lags_follow_the_season_and_stay_within_a_series():
    freq = frequency.FREQUENCIES["monthly"]
    frame = features.forecasting(monthly(), "sales", "month", ["shop"], ["promo"], freq)
    data = frame.data
    assert len(data) == 2 * (40 - 12)
    assert (data["lag_1"] == data["sales"] - 1).all()
    assert (data["lag_12"] == data["sales"] - 12).all()
    assert (data["rolling_mean_4"] == data["sales"] - 2.5).all()
    assert frame.info["baseline"] == "lag_12" and "promo" in frame.columns and "season_cos1" in frame.columns


def test_a_single_yearly_series_has_no_season_and_uses_the_last_value():
    rows = pd.DataFrame({"year": range(1950, 1990), "value": np.arange(40.0) * 2 + 5})
    freq = frequency.detect(frequency.to_periods(rows["year"]))
    frame = features.forecasting(rows, "value", "year", [], [], freq)
    assert frame.info["baseline"] == "lag_1" and "season_cos1" not in frame.columns
    assert (frame.data["lag_2"] == frame.data["value"] - 4).all()


def test_time_split_holds_out_the_newest_periods_and_kfold_keeps_entities_whole():
    frame = monthly()
    held = split.holdout_mask(frame, Split(kind="time", holdout=4), "month")
    newest = sorted(frame["month"].unique())[-4:]
    assert sorted(frame.loc[held, "month"].unique()) == newest
    folds = split.folds(frame, Split(kind="kfold", holdout=2), "shop")
    assert frame.assign(f=folds).groupby("shop")["f"].nunique().max() == 1
    assert split.holdout_mask(frame, Split(kind="random", holdout=0.25), None).sum() == 20
    with pytest.raises(ValueError, match="leaves nothing to train on"):
        split.holdout_mask(frame, Split(kind="time", holdout=40), "month")


def demand(rng, n=3000, with_period_effects=False) -> pd.DataFrame:
    truth = {"a": -1.5, "b": -0.6}
    group = rng.choice(["a", "b"], n)
    shop = rng.choice(["s1", "s2", "s3", "s4"], n)
    year = rng.choice([2001, 2002, 2003], n)
    price = np.exp(rng.uniform(-0.3, 0.3, n)) * 10
    effect = pd.Series(shop).map({"s1": 0.0, "s2": 0.3, "s3": -0.2, "s4": 0.1}).to_numpy()
    if with_period_effects:
        effect = effect + pd.Series(year).map({2001: 0.0, 2002: 0.4, 2003: 0.8}).to_numpy()
    mean = np.exp(3 + effect + pd.Series(group).map(truth).to_numpy() * np.log(price / 10))
    units = rng.poisson(mean)
    frame = pd.DataFrame({"group": group, "shop": shop, "year": year, "price": price, "units": units})
    return frame, truth


def test_log_log_regression_recovers_planted_elasticities_with_intervals():
    rows, truth = demand(np.random.default_rng(0), with_period_effects=True)
    freq = frequency.FREQUENCIES["yearly"]
    frame = features.pricing(rows, "units", "price", None, ["group"], ["shop"], [], "year", freq)
    assert frame.info["period_effect"] == ["_period"]
    model = algorithms.build(
        "log_log_regression", "pricing", frame, {}, {"log_log_regression": {"alpha": 1e-3}}
    )
    model.fit(frame.X, frame.data["units"])
    for group, (estimate, se) in model.elasticities_.items():
        assert abs(estimate - truth[group]) < 4 * se + 0.02, (group, estimate, se)
        assert 0 < se < 0.1
    table = model.elasticity_table()
    assert list(table["group"]) == ["a", "b"] and (table["ci_low"] < table["ci_high"]).all()
    measured = measure.pricing(model, frame, frame, [])
    assert measured.overall["rmse_improvement_vs_no_price"] > 0.1
    assert measured.slices["group"]["a"]["elasticity_ci_high"] < 0


def test_a_control_in_millions_leaves_the_planted_elasticity_where_it_is():
    rng = np.random.default_rng(1)
    rows, truth = demand(rng, with_period_effects=True)
    # A population (millions) and a price index: the sparse solver once left the price slope at 0.
    rows["population"] = rng.uniform(0.5e6, 3e7, len(rows))
    rows["cpi"] = rows["year"].map({2001: 1.0, 2002: 1.03, 2003: 1.07})
    freq = frequency.FREQUENCIES["yearly"]
    frame = features.pricing(
        rows, "units", "price", None, ["group"], ["shop"], ["population", "cpi"], "year", freq
    )
    model = algorithms.build(
        "log_log_regression", "pricing", frame, {}, {"log_log_regression": {"alpha": 1e-3}}
    )
    model.fit(frame.X, frame.data["units"])
    for group, (estimate, se) in model.elasticities_.items():
        assert abs(estimate - truth[group]) < 4 * se + 0.02, (group, estimate, se)


def test_prices_must_be_positive_for_a_log_log_model():
    rows = pd.DataFrame({"price": [1.0, 0.0], "units": [1, 2]})
    with pytest.raises(features.FeatureError, match=r"roles\.price: `price` holds values <= 0"):
        features.pricing(rows, "units", "price", None, [], [], [], None, None)


def test_unknown_or_misfit_algorithm_is_named_and_auto_names_its_candidates():
    with pytest.raises(algorithms.AlgorithmError, match="unknown algorithm `nope`"):
        algorithms.get("nope", "pricing")
    with pytest.raises(
        algorithms.AlgorithmError, match="does not fit family pricing; use one of log_log_regression"
    ):
        algorithms.get("xgboost", "pricing")
    assert algorithms.candidates("auto", "regression") == ("linear", "random_forest", "xgboost")
    assert algorithms.uses_gpu("auto", "next_best_action") and not algorithms.uses_gpu("linear", "regression")


def houses(rng, n=400) -> pd.DataFrame:
    area = rng.uniform(50, 250, n)
    rooms = rng.integers(1, 6, n).astype(float)
    garden = rng.choice(["yes", "no"], n)
    sold = pd.date_range("2020-01-01", periods=n, freq="D").strftime("%Y-%m-%d")
    price = 1000 * area * (1 + 0.2 * (garden == "yes")) * rng.lognormal(0, 0.1, n)
    rooms[::17] = np.nan  # missing values are the pipeline's job
    return pd.DataFrame({"area": area, "rooms": rooms, "garden": garden, "sold": sold, "price": price})


@pytest.mark.parametrize("name", ["linear", "random_forest", "gradient_boosting", "xgboost"])
def test_tabular_algorithms_beat_the_mean_with_dates_categories_and_missing_values(name):
    rows = houses(np.random.default_rng(1))
    frame = features.tabular(rows, ["area", "rooms", "garden", "sold"], "price", "regression", {"sold"})
    assert "sold__month" in frame.columns and frame.categorical == ["garden"]
    train, test = frame, features.ModelFrame(frame.data.tail(80), frame.columns, frame.categorical, "price")
    model = algorithms.build(name, "regression", frame, {"log_target": "auto"}, DEFAULTS).fit(
        train.X, train.data["price"]
    )
    measured = measure.regression(model, test, train, ["*"])
    assert measured.overall["rmse_improvement_vs_mean"] > 0.3
    assert set(measured.slices["garden"]) == {"yes", "no"}


def test_classification_measures_beat_the_majority_and_report_calibration():
    rng = np.random.default_rng(2)
    rows = houses(rng).assign(label=lambda f: np.where(f["area"] > 150, "big", "small"))
    frame = features.tabular(rows, ["area", "garden"], "label", "classification", set())
    model = algorithms.build(
        "logistic", "classification", frame, {}, {"logistic": {"C": 10.0, "max_iter": 500}}
    )
    model.fit(frame.X, frame.data["label"])
    measured = measure.classification(model, frame, frame, [])
    overall = measured.overall
    assert overall["accuracy"] > 0.9 and overall["accuracy_lift_vs_majority"] > 0.3
    assert overall["auc"] > 0.95 and 0 <= overall["calibration_error"] < 0.2
    assert overall["log_loss_improvement_vs_prior"] > 0.5


def test_wide_choice_data_is_reshaped_per_option_and_the_best_option_is_found():
    rng = np.random.default_rng(3)
    n = 600
    price = {o: rng.uniform(1, 3, n) for o in ("red", "blue", "green")}
    utility = {o: -1.5 * price[o] + b for o, b in {"red": 0.5, "blue": 0.0, "green": -0.5}.items()}
    chosen = np.array(["red", "blue", "green"])[
        np.argmax(np.column_stack(list(utility.values())) + rng.gumbel(size=(n, 3)), axis=1)
    ]
    rows = pd.DataFrame({"household": rng.integers(0, 60, n), "choice": chosen})
    for o, p in price.items():
        rows[f"price_{o}"] = p
    frame = features.choice(rows, "choice", "household", "choice", "wide", [], [], ["price"])
    assert len(frame.data) == 3 * n and frame.target == features.CHOSEN
    assert frame.data.groupby(features.OCCASION)[features.CHOSEN].sum().eq(1).all()
    model = algorithms.build("logistic", "next_best_action", frame, {}, {"logistic": {"max_iter": 500}})
    model.fit(frame.X, frame.data[frame.target])
    measured = measure.next_best_action(model, frame, frame, "household", "choice")
    assert measured.overall["policy_value"] > measured.overall["random_policy_value"] + 0.1
    assert measured.overall["lift_vs_most_popular"] > 0


def test_matching_option_and_entity_attributes_become_a_feature():
    rows = pd.DataFrame(
        {
            "customer": [1, 1, 2, 2],
            "offer": ["a", "b", "a", "b"],
            "channel": ["sms", "app", "sms", "app"],
            "preferred": ["sms", "sms", "app", "app"],
            "took": [1, 0, 0, 1],
        }
    )
    frame = features.choice(rows, "took", "customer", "offer", "long", ["preferred"], ["channel"], [])
    assert "channel_matches_preferred" in frame.columns
    assert list(frame.data["channel_matches_preferred"]) == [1.0, 0.0, 0.0, 1.0]


def test_torch_model_repeats_exactly_on_the_cpu_and_learns_the_interaction():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2)).astype(np.float32)
    y = ((X[:, 0] * X[:, 1]) > 0).astype(int)
    a = TorchClassifier(hidden=16, epochs=400, learning_rate=0.05).fit(X, y)
    b = TorchClassifier(hidden=16, epochs=400, learning_rate=0.05).fit(X, y)
    assert np.array_equal(a.predict_proba(X), b.predict_proba(X))
    assert np.mean(a.predict(X) == y) > 0.9


def test_the_promotion_decision_needs_a_measurement_and_every_outcome_passing():
    ok = Outcome("p", "v", "c", "m", None, 1.0, ">= 0", True, False, "fine")
    bad = Outcome("p", "v", "d", "m", None, 0.0, ">= 1", False, False, "too low")
    assert decision.decide([ok], measured=True) == decision.Decision(True, "all packs passed")
    assert decision.decide([ok, bad], measured=True).reason == "p/d: too low"
    failure = Outcome.failure("registry", "loads_and_scores", "version 3 failed")
    refused = decision.decide([failure], measured=False)
    assert not refused.promote and refused.status == "rejected" and "version 3 failed" in refused.reason
    assert measure.better("regression", {"rmse": 1.0}, {"rmse": 2.0})
    assert not measure.better("scoring", {"spearman": float("nan")}, None)


def test_too_good_to_be_true_waits_for_a_person_and_a_real_miss_still_rejects():
    from nex_assets.ml.logic.packs import Metrics, Pack, judge

    pack = Pack.model_validate(
        {
            "name": "p",
            "criteria": [
                {"name": "beats", "metric": "gain", "min": 0.05},
                {"name": "not_too_good", "metric": "gain", "max": 0.97, "review": True},
            ],
        }
    )
    perfect = decision.decide(judge(pack, Metrics({"gain": 0.999}, {}), None), measured=True)
    assert not perfect.promote and perfect.status == "needs_review"
    assert "too good to be true" in perfect.reason and "champion` alias by hand" in perfect.reason
    assert decision.decide(judge(pack, Metrics({"gain": 0.5}, {}), None), measured=True).promote
    useless = decision.decide(judge(pack, Metrics({"gain": 0.01}, {}), None), measured=True)
    assert useless.status == "rejected"


def test_log_log_estimator_predicts_log_demand():
    rows, _ = demand(np.random.default_rng(4), n=500)
    frame = features.pricing(rows, "units", "price", None, [], [], [], None, None)
    model = LogLogDemand(sloped=("log_price",)).fit(frame.X, frame.data["units"])
    assert set(model.elasticities_) == {"all"}
    assert np.allclose(model.predict(frame.X).mean(), np.log(frame.data["units"] + 0.5).mean(), atol=0.1)
