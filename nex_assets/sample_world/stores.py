"""Stores: location features and the annual revenue they drive."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from nex_assets.sample_world.model import STORE_REVENUE_COEFFICIENTS, STORE_REVENUE_NOISE_SD
from nex_assets.sample_world.values import fmt, ids, iso
from nex_assets.sample_world.vocabulary import CITIES, STORE_DESCRIPTORS


def make_stores(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, np.ndarray]:
    weights = np.array([c[4] for c in CITIES])
    city_idx = rng.choice(len(CITIES), size=n, p=weights / weights.sum())
    lat0 = np.array([c[2] for c in CITIES])[city_idx]
    lon0 = np.array([c[3] for c in CITIES])[city_idx]
    income0 = np.array([c[5] for c in CITIES])[city_idx]
    density = np.array([c[6] for c in CITIES])[city_idx]

    # ~7 km spread around the centre; longitude degrees are shorter this far north.
    latitude = lat0 + rng.normal(0.0, 0.06, n)
    longitude = lon0 + rng.normal(0.0, 0.095, n)
    population = np.rint(60_000 * density * np.exp(rng.normal(0.0, 0.5, n))).astype(np.int64)
    population = np.maximum(population, 5_000)
    income = np.rint(income0 * np.exp(rng.normal(0.0, 0.15, n)) / 10) * 10
    income = income.astype(np.int64)
    # Competitors cluster where people are, which partly offsets the population effect.
    competitors = rng.poisson(3.0 * (population / 60_000) ** 0.7)
    floor_area = np.rint(np.clip(1500 * np.exp(rng.normal(0.0, 0.35, n)), 300, 8000)).astype(np.int64)
    open_lo = (date(1995, 1, 1) - date(1970, 1, 1)).days
    open_hi = (date(2022, 12, 31) - date(1970, 1, 1)).days
    opening = rng.integers(open_lo, open_hi + 1, n)

    c = STORE_REVENUE_COEFFICIENTS
    log_rev = (
        c["intercept"]
        + c["log_catchment_population"] * np.log(population)
        + c["log_median_income"] * np.log(income)
        + c["competitors_nearby"] * competitors
        + c["log_floor_area_m2"] * np.log(floor_area)
        + rng.normal(0.0, STORE_REVENUE_NOISE_SD, n)
    )
    revenue = np.round(np.exp(log_rev), 2)

    cities = np.array([c[0] for c in CITIES])[city_idx]
    descriptor = np.array(STORE_DESCRIPTORS)[rng.integers(0, len(STORE_DESCRIPTORS), n)]
    names = pd.Series(np.char.add(np.char.add("NEX ", cities), np.char.add(" ", descriptor)))
    dup = names.groupby(names).cumcount().to_numpy()
    names = names.where(dup == 0, names + " " + (dup + 1).astype(str))

    return pd.DataFrame(
        {
            "store_id": ids("S", n, 4),
            "store_name": names.to_numpy(),
            "city": cities,
            "region": np.array([c[1] for c in CITIES])[city_idx],
            "latitude": fmt(latitude, 6),
            "longitude": fmt(longitude, 6),
            "catchment_population": population,
            "median_income": income,
            "competitors_nearby": competitors,
            "opening_date": iso(opening),
            "floor_area_m2": floor_area,
            "annual_revenue": fmt(revenue, 2),
        }
    ), revenue
