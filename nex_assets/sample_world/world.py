"""Writes NEX Retail: a deterministic retail world with planted ground truth.

The platform's modelling assets (store revenue from location, price elasticity per category,
personalised offers) can only be checked end to end against data whose true answers are known.
This module assembles the tables of this package into a realistic-looking retail world and writes
them with ``ground_truth.json`` beside them (the only place the sample world writes files), so a
pipeline run can be graded by comparing what it estimated with what was planted.

Every random draw flows from one seed through independent child streams (one per table, one per
chunk of stores for sales), so two runs with the same seed are byte-identical and resizing one
table never reshuffles another. Sales are generated and appended one chunk of stores at a time so
that a ten-million-row world never has to sit in memory.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nex_assets.sample_world.customers import make_customers
from nex_assets.sample_world.model import (
    BASE_DEMAND_MEDIAN,
    ELASTICITY,
    HOLIDAY_LIFT,
    NB_SHAPE,
    PRICE_FACTOR_RANGE,
    PROMO_DISCOUNT_RANGE,
    PROMO_LIFT,
    PROMO_RATE,
    RESPONSE_ENCODING,
    RESPONSE_FEATURES,
    SEASONALITY,
    STORE_REVENUE_COEFFICIENTS,
    STORE_REVENUE_NOISE_SD,
    TREND_PER_YEAR,
)
from nex_assets.sample_world.offers import make_events, make_offers, response_design
from nex_assets.sample_world.products import make_products
from nex_assets.sample_world.sales import make_sales_chunk
from nex_assets.sample_world.size import DEFAULT_SIZE, SALES_CHUNK_ROWS, STREAMS, WorldSize
from nex_assets.sample_world.stores import make_stores
from nex_assets.sample_world.values import round_floats, sigmoid
from nex_assets.sample_world.vocabulary import CATEGORIES
from nex_assets.sample_world.weeks import HOLIDAY_RULE, build_calendar, seasonality


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def generate(out_dir: Path, *, seed: int = 7, size: WorldSize = DEFAULT_SIZE) -> dict:
    """Writes the CSVs and ground_truth.json into out_dir (created if missing); returns the ground truth dict.

    The returned dict is exactly what ground_truth.json holds, so callers grading a pipeline in the
    same process need not read it back.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    streams = dict(zip(STREAMS, np.random.SeedSequence(seed).spawn(len(STREAMS)), strict=True))

    def rng_for(name: str) -> np.random.Generator:
        return np.random.default_rng(streams[name])

    cal = build_calendar(size.weeks)
    rows: dict[str, int] = {}

    stores, store_revenue = make_stores(rng_for("stores"), size.stores)
    _write_csv(stores, out_dir / "stores.csv")
    rows["stores.csv"] = len(stores)

    products, cat_idx, base_cents, base_demand = make_products(rng_for("products"), size.products)
    _write_csv(products, out_dir / "products.csv")
    rows["products.csv"] = len(products)

    # Each store's own assortment: a random subset of the catalogue, sorted for tidy output.
    assort_rng = rng_for("assortment")
    assortment = np.sort(
        np.argsort(assort_rng.random((size.stores, size.products)), axis=1)[:, : size.skus_per_store], axis=1
    )

    store_factor = store_revenue / np.median(store_revenue)
    season = np.vstack([seasonality(c, cal.season_t) for c in CATEGORIES])
    store_ids = stores["store_id"].to_numpy()
    sku_ids = products["sku"].to_numpy()
    rows_per_store = size.skus_per_store * size.weeks
    chunk_stores = max(1, SALES_CHUNK_ROWS // rows_per_store)
    chunk_starts = range(0, size.stores, chunk_stores)
    chunk_seeds = streams["sales"].spawn(len(chunk_starts))
    with open(out_dir / "sales.csv", "w", encoding="utf-8", newline="") as fh:
        for i, start in enumerate(chunk_starts):
            idx = np.arange(start, min(start + chunk_stores, size.stores))
            chunk = make_sales_chunk(
                np.random.default_rng(chunk_seeds[i]),
                idx,
                assortment,
                store_ids,
                sku_ids,
                store_factor,
                cat_idx,
                base_cents,
                base_demand,
                season,
                cal,
            )
            chunk.to_csv(fh, header=i == 0, index=False, lineterminator="\n")
    rows["sales.csv"] = size.sales_rows

    ref_day = cal.end_day - timedelta(days=1)
    customers = make_customers(rng_for("customers"), size.customers, ref_day)
    _write_csv(customers, out_dir / "customers.csv")
    rows["customers.csv"] = len(customers)

    offers, intercepts, coefs = make_offers(rng_for("offers"), size.offers)
    _write_csv(offers, out_dir / "offers.csv")
    rows["offers.csv"] = len(offers)

    design, standardization = response_design(customers, offers)
    prob = sigmoid(intercepts[None, :] + (design * coefs[None, :, :]).sum(axis=2))
    events = make_events(
        rng_for("events"), prob, customers["customer_id"].to_numpy(), offers["offer_id"].to_numpy(), cal
    )
    _write_csv(events, out_dir / "offer_events.csv")
    rows["offer_events.csv"] = len(events)

    offer_ids = offers["offer_id"].tolist()
    mean_by_offer = prob.mean(axis=0)
    truth: dict[str, Any] = {
        "seed": seed,
        "size": asdict(size),
        "files": rows,
        "period": {
            "first_week_start": cal.first_day.isoformat(),
            "last_week_start": str(cal.week_start[-1]),
            "reference_date": ref_day.isoformat(),
        },
        "elasticity": dict(ELASTICITY),
        "demand_model": {
            "formula": (
                "E[units_sold] = base_demand[sku] * store_factor[store] * (price / base_price) ^ "
                "elasticity[category] * promo_lift ^ promo * holiday_lift ^ holiday * "
                "seasonality[category](week) * trend(week); units_sold ~ NegativeBinomial(mean=E[units_sold],"
                " shape=nb_shape), i.e. Poisson(E[units_sold] * Gamma(nb_shape, 1/nb_shape))"
            ),
            "store_factor": "annual_revenue / median(annual_revenue)",
            "base_demand": (
                f"{BASE_DEMAND_MEDIAN} * (category_mid_price / base_price)^0.3 * exp(N(0, 0.3)), "
                "category_mid_price = geometric mean of the category's price range"
            ),
            "base_demand_by_sku": dict(zip(sku_ids.tolist(), base_demand.tolist(), strict=True)),
            "promo_lift": PROMO_LIFT,
            "holiday_lift": HOLIDAY_LIFT,
            "nb_shape": NB_SHAPE,
            "seasonality": {
                "formula": "1 + amplitude * cos(2*pi*(t - peak)) + half_year_amplitude * "
                "cos(4*pi*(t - half_year_peak)), t = (day_of_year(week_start + 3 days) - 1) / 365.25",
                "by_category": {c: dict(v) for c, v in SEASONALITY.items()},
            },
            "trend": {"formula": "1 + per_year * week_index / 52", "per_year": TREND_PER_YEAR},
            "price": (
                "price = round(base_price * price_factor * (1 - promo * promo_discount), 2); price_factor "
                "drawn once per store-week, promo_discount per row"
            ),
            "price_factor_range": list(PRICE_FACTOR_RANGE),
            "promo_rate": PROMO_RATE,
            "promo_discount_range": list(PROMO_DISCOUNT_RANGE),
            "holiday_weeks_rule": HOLIDAY_RULE,
            "holiday_weeks": cal.week_start[cal.holiday].tolist(),
            "estimation_note": (
                "regress log(units_sold + 0.5) rather than log(units_sold): the +0.5 cancels the 1/(2*mean) "
                "small-count bias of log counts, which otherwise inflates |elasticity| by about 2%"
            ),
        },
        "store_revenue": {
            "formula": (
                "log(annual_revenue) = intercept + log_catchment_population * log(catchment_population) + "
                "log_median_income * log(median_income) + competitors_nearby * competitors_nearby + "
                "log_floor_area_m2 * log(floor_area_m2) + N(0, noise_sd)"
            ),
            "coefficients": dict(STORE_REVENUE_COEFFICIENTS),
            "noise_sd": STORE_REVENUE_NOISE_SD,
        },
        "response_model": {
            "formula": "P(accepted) = sigmoid(intercept[offer] + sum_f coefficients[offer][f] * z_f), "
            "z_f = (x_f - mean) / std with mean and population std (ddof=0) over customers.csv as written; "
            "channel_match = offer channel equals preferred_channel",
            "features": list(RESPONSE_FEATURES),
            "encoding": RESPONSE_ENCODING,
            "option_column": "offer_id",
            "standardization": standardization,
            "intercepts": dict(zip(offer_ids, intercepts.tolist(), strict=True)),
            "coefficients": {
                o: dict(zip(RESPONSE_FEATURES, coefs[i].tolist(), strict=True))
                for i, o in enumerate(offer_ids)
            },
            "logging_policy": "each customer is shown 1-3 distinct offers uniformly at random",
        },
        "policy_values": {
            "random": float(prob.mean()),
            "most_popular": float(mean_by_offer.max()),
            "most_popular_offer": offer_ids[int(mean_by_offer.argmax())],
            "optimal": float(prob.max(axis=1).mean()),
        },
    }
    truth = round_floats(truth)
    (out_dir / "ground_truth.json").write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    return truth
