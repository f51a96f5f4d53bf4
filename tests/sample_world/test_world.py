"""The synthetic world must be reproducible, internally consistent, and carry recoverable truth."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nex_assets.sample_world import CATEGORIES, WorldSize, generate

SMALL = WorldSize(stores=20, products=20, skus_per_store=5, weeks=104, customers=800)

HEADERS = {
    "stores.csv": [
        "store_id", "store_name", "city", "region", "latitude", "longitude", "catchment_population",
        "median_income", "competitors_nearby", "opening_date", "floor_area_m2", "annual_revenue",
    ],
    "products.csv": ["sku", "product_name", "category", "brand", "base_price", "unit_cost"],
    "sales.csv": ["week_start", "store_id", "sku", "price", "promo", "holiday", "units_sold", "revenue"],
    "customers.csv": [
        "customer_id", "first_name", "last_name", "email", "phone", "birth_date", "age", "city", "region",
        "segment", "income_band", "tenure_months", "avg_basket_value", "visits_per_month",
        "preferred_channel", "signup_date",
    ],
    "offers.csv": ["offer_id", "offer_name", "offer_type", "discount_pct", "channel"],
    "offer_events.csv": ["event_id", "customer_id", "offer_id", "shown_at", "accepted"],
}  # fmt: skip
ALL_FILES = [*HEADERS, "ground_truth.json"]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("sample_world")
    return out, generate(out, seed=7, size=SMALL)


def _read(out: Path, name: str) -> pd.DataFrame:
    # Everything as text first: the point is what the files say, not what pandas guesses.
    return pd.read_csv(out / name, dtype=str, keep_default_na=False)


def test_files_have_exact_headers(world):
    out, _ = world
    for name, header in HEADERS.items():
        first_line = (out / name).read_text(encoding="utf-8").split("\n", 1)[0]
        assert first_line.split(",") == header, name
    assert json.loads((out / "ground_truth.json").read_text()) == world[1]


def test_row_counts_match_size_and_ground_truth(world):
    out, truth = world
    for name in HEADERS:
        assert len(_read(out, name)) == truth["files"][name], name
    assert truth["files"]["sales.csv"] == SMALL.stores * SMALL.skus_per_store * SMALL.weeks
    assert truth["files"]["stores.csv"] == SMALL.stores
    assert truth["files"]["customers.csv"] == SMALL.customers


def test_same_seed_is_byte_identical_and_other_seed_differs(world, tmp_path):
    out, _ = world
    generate(tmp_path / "again", seed=7, size=SMALL)
    generate(tmp_path / "other", seed=8, size=SMALL)
    for name in ALL_FILES:
        assert (out / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name
    for name in ("stores.csv", "products.csv", "sales.csv", "customers.csv", "offer_events.csv"):
        assert (out / name).read_bytes() != (tmp_path / "other" / name).read_bytes(), name


def test_primary_keys_are_unique(world):
    out, _ = world
    keys = {
        "stores.csv": ["store_id"],
        "products.csv": ["sku"],
        "customers.csv": ["customer_id"],
        "offers.csv": ["offer_id"],
        "offer_events.csv": ["event_id"],
        "sales.csv": ["week_start", "store_id", "sku"],
    }
    for name, cols in keys.items():
        assert not _read(out, name).duplicated(cols).any(), name
    events = _read(out, "offer_events.csv")
    assert events["event_id"].astype(int).tolist() == list(range(1, len(events) + 1))
    assert _read(out, "stores.csv")["store_id"].iloc[0] == "S0001"
    assert _read(out, "products.csv")["sku"].iloc[0] == "P00001"
    assert _read(out, "customers.csv")["customer_id"].iloc[0] == "C000001"
    assert _read(out, "offers.csv")["offer_id"].iloc[0] == "O01"


def test_referential_integrity(world):
    out, _ = world
    sales = _read(out, "sales.csv")
    events = _read(out, "offer_events.csv")
    assert set(sales["store_id"]) <= set(_read(out, "stores.csv")["store_id"])
    assert set(sales["sku"]) <= set(_read(out, "products.csv")["sku"])
    assert set(events["customer_id"]) <= set(_read(out, "customers.csv")["customer_id"])
    assert set(events["offer_id"]) <= set(_read(out, "offers.csv")["offer_id"])
    # Each store sells its own fixed assortment every week.
    per_store = sales.groupby("store_id")["sku"].nunique()
    assert (per_store == SMALL.skus_per_store).all()
    assert len(per_store) == SMALL.stores


def test_sales_values_are_consistent(world):
    out, _ = world
    sales = _read(out, "sales.csv")
    price = sales["price"].astype(float)
    units = sales["units_sold"].astype(int)
    assert (units >= 0).all()
    assert (price > 0).all()
    assert np.allclose(sales["revenue"].astype(float), (price * units).round(2), atol=0.005)
    assert set(sales["promo"]) == {"true", "false"}
    assert set(sales["holiday"]) == {"true", "false"}
    assert sales["price"].str.fullmatch(r"\d+\.\d{2}").all()
    assert 0.08 < (sales["promo"] == "true").mean() < 0.17
    weeks = pd.to_datetime(sales["week_start"], format="%Y-%m-%d").drop_duplicates().sort_values()
    assert (weeks.dt.dayofweek == 0).all()
    assert weeks.iloc[0] == pd.Timestamp("2023-01-02")
    assert len(weeks) == SMALL.weeks
    # Holidays are calendar weeks: every store-sku row in a week agrees.
    assert (sales.groupby("week_start")["holiday"].nunique() == 1).all()
    assert 20 <= units.mean() <= 60


def test_other_tables_look_real(world):
    out, _ = world
    stores = _read(out, "stores.csv")
    assert stores["latitude"].str.fullmatch(r"\d+\.\d{6}").all()
    lat, lon = stores["latitude"].astype(float), stores["longitude"].astype(float)
    assert lat.between(49.9, 60.9).all() and lon.between(-8.7, 1.8).all()  # Great Britain
    opening = pd.to_datetime(stores["opening_date"], format="%Y-%m-%d")
    assert opening.between("1995-01-01", "2022-12-31").all()
    revenue = stores["annual_revenue"].astype(float)
    assert 5e5 < revenue.median() < 1e7

    products = _read(out, "products.csv")
    assert set(products["category"]) == set(CATEGORIES)
    price, cost = products["base_price"].astype(float), products["unit_cost"].astype(float)
    margin = 1 - cost / price
    assert margin.between(0.19, 0.61).all()

    customers = _read(out, "customers.csv")
    assert customers["email"].is_unique
    assert customers["email"].str.fullmatch(r"[a-z0-9._]+@[a-z.]+\.[a-z]+").all()
    assert customers["phone"].str.fullmatch(r"\+44 7\d{3} \d{6}").all()
    assert set(customers["segment"]) == {"value", "regular", "premium"}
    assert set(customers["income_band"]) == {"low", "mid", "high"}
    assert set(customers["preferred_channel"]) <= {"email", "sms", "app"}
    birth = pd.to_datetime(customers["birth_date"], format="%Y-%m-%d")
    signup = pd.to_datetime(customers["signup_date"], format="%Y-%m-%d")
    assert (customers["age"].astype(int) >= 18).all()
    assert (signup >= birth + pd.DateOffset(years=18)).all()
    assert (signup <= pd.Timestamp("2024-12-29")).all()
    assert (customers["tenure_months"].astype(int) >= 1).all()

    events = _read(out, "offer_events.csv")
    shown = pd.to_datetime(events["shown_at"], format="%Y-%m-%d %H:%M:%S")
    last_day = pd.Timestamp("2023-01-02") + pd.Timedelta(weeks=SMALL.weeks)
    assert shown.min() >= last_day - pd.Timedelta(days=365)
    assert shown.max() < last_day
    per_customer = events.groupby("customer_id")["offer_id"].agg(["size", "nunique"])
    assert per_customer["size"].between(1, 3).all()
    assert (per_customer["size"] == per_customer["nunique"]).all()
    assert len(per_customer) == SMALL.customers
    assert set(events["accepted"]) == {"true", "false"}


def test_store_revenue_follows_documented_formula(world):
    out, truth = world
    stores = _read(out, "stores.csv")
    coef = truth["store_revenue"]["coefficients"]
    predicted = (
        coef["intercept"]
        + coef["log_catchment_population"] * np.log(stores["catchment_population"].astype(float))
        + coef["log_median_income"] * np.log(stores["median_income"].astype(float))
        + coef["competitors_nearby"] * stores["competitors_nearby"].astype(float)
        + coef["log_floor_area_m2"] * np.log(stores["floor_area_m2"].astype(float))
    )
    residual = np.log(stores["annual_revenue"].astype(float)) - predicted
    assert abs(residual.std() - truth["store_revenue"]["noise_sd"]) < 0.06
    assert abs(residual.mean()) < 0.1
    actual = stores["annual_revenue"].astype(float)
    rank_corr = np.corrcoef(predicted.rank().to_numpy(), actual.rank().to_numpy())[0, 1]
    assert rank_corr > 0.85


def test_log_log_regression_recovers_elasticities(world):
    out, truth = world
    sales = _read(out, "sales.csv")
    products = _read(out, "products.csv")[["sku", "category"]]
    df = sales.merge(products, on="sku")
    # log(units + 0.5) removes the small-count bias of log(units); see ground_truth estimation_note.
    y = np.log(df["units_sold"].astype(float) + 0.5).to_numpy()
    log_price = np.log(df["price"].astype(float)).to_numpy()
    week = pd.to_datetime(df["week_start"])
    angle = 2 * np.pi * (week.dt.dayofyear.to_numpy() + 2) / 365.25
    columns = []
    for category in CATEGORIES:
        in_cat = (df["category"] == category).to_numpy(dtype=float)
        columns += [in_cat * log_price]
        columns += [in_cat * f(h * angle) for h in (1, 2) for f in (np.sin, np.cos)]
    columns += [
        (df["promo"] == "true").to_numpy(dtype=float),
        (df["holiday"] == "true").to_numpy(dtype=float),
        (week - week.min()).dt.days.to_numpy() / 365.25,
    ]
    # Store and sku fixed effects absorb store size and each product's base demand and price level.
    stores_fe = pd.get_dummies(df["store_id"]).to_numpy(dtype=float)
    skus_fe = pd.get_dummies(df["sku"]).to_numpy(dtype=float)[:, 1:]
    x = np.column_stack([*columns, stores_fe, skus_fe])
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    per_category = 5  # log price + two harmonics (sin, cos)
    for i, category in enumerate(CATEGORIES):
        estimate, true = beta[i * per_category], truth["elasticity"][category]
        assert abs(estimate / true - 1) < 0.15, (category, estimate, true)


def test_elasticities_are_distinct_and_plausible(world):
    _, truth = world
    values = list(truth["elasticity"].values())
    assert set(truth["elasticity"]) == set(CATEGORIES)
    assert all(-2.5 <= v <= -0.8 for v in values)
    assert len(set(values)) == len(values)


def test_policy_values_reward_personalisation(world):
    _, truth = world
    pv = truth["policy_values"]
    assert pv["optimal"] > pv["most_popular"] > pv["random"]
    assert pv["optimal"] >= 1.2 * pv["most_popular"]
    assert 0.10 <= pv["random"] <= 0.25


def test_response_model_reproduces_policy_values(world):
    """The ground truth alone, applied to customers.csv, must give back the published policy values."""
    out, truth = world
    model = truth["response_model"]
    customers = _read(out, "customers.csv")
    offers = _read(out, "offers.csv")
    raw = {
        "age": customers["age"].astype(float),
        "tenure_months": customers["tenure_months"].astype(float),
        "avg_basket_value": customers["avg_basket_value"].astype(float),
        "visits_per_month": customers["visits_per_month"].astype(float),
        "segment_value": (customers["segment"] == "value").astype(float),
        "segment_premium": (customers["segment"] == "premium").astype(float),
        "income_low": (customers["income_band"] == "low").astype(float),
        "income_high": (customers["income_band"] == "high").astype(float),
    }
    logits = []
    for offer_id, channel in zip(offers["offer_id"], offers["channel"], strict=True):
        raw["channel_match"] = (customers["preferred_channel"] == channel).astype(float)
        logit = model["intercepts"][offer_id]
        for feature in model["features"]:
            scale = model["standardization"][feature]
            z = (raw[feature].to_numpy() - scale["mean"]) / scale["std"]
            logit = logit + model["coefficients"][offer_id][feature] * z
        logits.append(logit)
    prob = 1 / (1 + np.exp(-np.column_stack(logits)))
    pv = truth["policy_values"]
    assert prob.mean() == pytest.approx(pv["random"], abs=1e-4)
    assert prob.mean(axis=0).max() == pytest.approx(pv["most_popular"], abs=1e-4)
    assert prob.max(axis=1).mean() == pytest.approx(pv["optimal"], abs=1e-4)
    # The logged acceptances come from the same model under a uniform policy.
    events = _read(out, "offer_events.csv")
    assert (events["accepted"] == "true").mean() == pytest.approx(pv["random"], abs=0.04)


def test_ground_truth_documents_the_models(world):
    _, truth = world
    demand = truth["demand_model"]
    for key in ("formula", "promo_lift", "holiday_lift", "seasonality", "trend", "price_factor_range",
                "promo_discount_range", "holiday_weeks_rule"):  # fmt: skip
        assert key in demand, key
    assert set(demand["seasonality"]["by_category"]) == set(CATEGORIES)
    assert truth["store_revenue"]["formula"].startswith("log(annual_revenue) =")
    assert truth["seed"] == 7
    assert truth["size"] == {
        "stores": 20, "products": 20, "skus_per_store": 5, "weeks": 104, "customers": 800, "offers": 6,
    }  # fmt: skip


def test_world_size_scaling():
    assert WorldSize().stores * WorldSize().skus_per_store * WorldSize().weeks == 104_000
    big = WorldSize.for_sales_rows(10_000_000)
    assert abs(big.stores * big.skus_per_store * big.weeks - 10_000_000) <= 500_000
    assert big.weeks >= 104
    assert big.skus_per_store <= big.products
    assert WorldSize.for_sales_rows(1_000).weeks >= 104
    with pytest.raises(ValueError):
        WorldSize(weeks=52)
    with pytest.raises(ValueError):
        WorldSize(products=5, skus_per_store=6)
