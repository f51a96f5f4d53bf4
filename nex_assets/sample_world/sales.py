"""Weekly sales per store and sku, one chunk of stores at a time."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nex_assets.sample_world.model import (
    ELASTICITY,
    HOLIDAY_LIFT,
    NB_SHAPE,
    PRICE_FACTOR_RANGE,
    PROMO_DISCOUNT_RANGE,
    PROMO_LIFT,
    PROMO_RATE,
)
from nex_assets.sample_world.values import bool_str, money
from nex_assets.sample_world.vocabulary import CATEGORIES
from nex_assets.sample_world.weeks import Calendar


def make_sales_chunk(
    rng: np.random.Generator,
    store_idx: np.ndarray,
    assortment: np.ndarray,
    store_ids: np.ndarray,
    sku_ids: np.ndarray,
    store_factor: np.ndarray,
    cat_idx: np.ndarray,
    base_cents: np.ndarray,
    base_demand: np.ndarray,
    season: np.ndarray,
    cal: Calendar,
) -> pd.DataFrame:
    """Sales for a block of stores, rows ordered by store, week, sku."""
    n_s = len(store_idx)
    n_w = len(cal.week_start)
    k = assortment.shape[1]
    shape = (n_s, n_w, k)
    sku = np.broadcast_to(assortment[store_idx][:, None, :], shape)
    week = np.broadcast_to(np.arange(n_w)[None, :, None], shape)
    store = np.broadcast_to(store_idx[:, None, None], shape)

    # One price factor per store-week: local pricing moves the whole shelf, which is what makes
    # elasticity identifiable independently of promotions.
    factor = rng.uniform(*PRICE_FACTOR_RANGE, size=(n_s, n_w, 1))
    promo = rng.random(shape) < PROMO_RATE
    discount = np.where(promo, rng.uniform(*PROMO_DISCOUNT_RANGE, size=shape), 0.0)
    base = base_cents[sku]
    price_cents = np.maximum(np.rint(base * factor * (1.0 - discount)), 1).astype(np.int64)

    cat = cat_idx[sku]
    elasticity = np.array([ELASTICITY[c] for c in CATEGORIES])[cat]
    holiday = np.broadcast_to(cal.holiday[None, :, None], shape)
    mu = (
        base_demand[sku]
        * store_factor[store]
        * (price_cents / base) ** elasticity
        * np.where(promo, PROMO_LIFT, 1.0)
        * np.where(holiday, HOLIDAY_LIFT, 1.0)
        * season[cat, week]
        * cal.trend[week]
    )
    units = rng.poisson(mu * rng.gamma(NB_SHAPE, 1.0 / NB_SHAPE, size=shape))
    revenue_cents = price_cents * units

    return pd.DataFrame(
        {
            "week_start": cal.week_start[week.ravel()],
            "store_id": store_ids[store.ravel()],
            "sku": sku_ids[sku.ravel()],
            "price": money(price_cents.ravel()),
            "promo": bool_str(promo.ravel()),
            "holiday": bool_str(holiday.ravel()),
            "units_sold": units.ravel(),
            "revenue": money(revenue_cents.ravel()),
        }
    )
