"""Products: categories, brands, pack sizes, base prices and base demand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nex_assets.sample_world.model import BASE_DEMAND_MEDIAN
from nex_assets.sample_world.values import fmt, ids
from nex_assets.sample_world.vocabulary import BRANDS, CATEGORIES, ITEMS, PRICE_RANGES, VARIANTS


def make_products(
    rng: np.random.Generator, n: int
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    # Round-robin then shuffle: every category is present as soon as there are five products.
    cat_idx = rng.permutation(np.arange(n) % len(CATEGORIES))
    categories = np.array(CATEGORIES)[cat_idx]
    lo = np.array([PRICE_RANGES[c][0] for c in CATEGORIES])[cat_idx]
    hi = np.array([PRICE_RANGES[c][1] for c in CATEGORIES])[cat_idx]
    raw_price = np.exp(rng.uniform(np.log(lo), np.log(hi)))
    base_price = np.round(np.ceil(raw_price * 10) / 10 - 0.01, 2)  # shelf prices end in 9
    base_cents = np.rint(base_price * 100).astype(np.int64)
    margin = rng.uniform(0.20, 0.60, n)
    unit_cost = np.round(base_price * (1.0 - margin), 2)

    brand = np.empty(n, dtype=object)
    item = np.empty(n, dtype=object)
    for k, cat in enumerate(CATEGORIES):
        mask = cat_idx == k
        m = int(mask.sum())
        brand[mask] = np.array(BRANDS[cat])[rng.integers(0, len(BRANDS[cat]), m)]
        item[mask] = np.array(ITEMS[cat])[rng.integers(0, len(ITEMS[cat]), m)]
    names = pd.Series(brand) + " " + pd.Series(item)
    # Same brand and item twice is a real range extension, not a clash; label it as one.
    repeat = names.groupby(names).cumcount().to_numpy()
    names = names.where(repeat == 0, names + " " + np.array(VARIANTS)[(repeat - 1) % len(VARIANTS)])
    repeat = names.groupby(names).cumcount().to_numpy()
    names = names.where(repeat == 0, names + " #" + (repeat + 1).astype(str))

    # Cheaper items sell in larger volumes; the rest of the spread is idiosyncratic popularity.
    cat_mid = np.sqrt(lo * hi)
    base_demand = BASE_DEMAND_MEDIAN * (cat_mid / base_price) ** 0.3 * np.exp(rng.normal(0.0, 0.3, n))

    df = pd.DataFrame(
        {
            "sku": ids("P", n, 5),
            "product_name": names.to_numpy(),
            "category": categories,
            "brand": brand,
            "base_price": fmt(base_price, 2),
            "unit_cost": fmt(unit_cost, 2),
        }
    )
    return df, cat_idx, base_cents, base_demand
