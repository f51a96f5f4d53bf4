"""Customers: attributes and synthetic personal data."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from nex_assets.sample_world.values import categorical, fmt, ids, iso
from nex_assets.sample_world.vocabulary import (
    CHANNELS,
    CITIES,
    EMAIL_DOMAIN_WEIGHTS,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    INCOME_BANDS,
    LAST_NAMES,
    SEGMENTS,
)


def make_customers(rng: np.random.Generator, n: int, ref_day: date) -> pd.DataFrame:
    ref = pd.Timestamp(ref_day)
    epoch_ref = (ref_day - date(1970, 1, 1)).days

    first_idx = rng.integers(0, len(FIRST_NAMES), n)
    first = np.array(FIRST_NAMES)[first_idx]
    last = np.array(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), n)]

    weights = np.array([c[4] for c in CITIES])
    city_idx = rng.choice(len(CITIES), size=n, p=weights / weights.sum())

    age_years = np.clip(rng.normal(45.0, 16.0, n), 18.2, 89.0)
    birth_days = epoch_ref - np.rint(age_years * 365.25).astype(np.int64)
    birth = pd.to_datetime(birth_days, unit="D")
    before_birthday = (ref.month < birth.month) | ((ref.month == birth.month) & (ref.day < birth.day))
    age = np.asarray(ref.year - birth.year - before_birthday, dtype=np.int64)

    # Nobody signs up before 18 or before the loyalty scheme launched (15 years back).
    max_tenure_days = np.minimum((age_years - 18.0) * 365.25 - 2, 15 * 365.25)
    tenure_days = np.minimum(rng.exponential(3.5 * 365.25, n), max_tenure_days)
    tenure_days = np.maximum(np.rint(tenure_days), 31).astype(np.int64)
    signup = pd.to_datetime(epoch_ref - tenure_days, unit="D")
    tenure = (ref.year - signup.year) * 12 + (ref.month - signup.month) - (ref.day < signup.day)
    tenure = np.maximum(np.asarray(tenure, dtype=np.int64), 1)

    segment = categorical(rng, np.tile([0.35, 0.45, 0.20], (n, 1)))
    income_given_segment = np.array([[0.60, 0.35, 0.05], [0.25, 0.55, 0.20], [0.05, 0.35, 0.60]])
    income = categorical(rng, income_given_segment[segment])
    basket = (
        np.array([22.0, 35.0, 58.0])[segment]
        * np.array([0.9, 1.0, 1.15])[income]
        * np.exp(rng.normal(0.0, 0.3, n))
    )
    visits_mean = np.array([5.0, 4.0, 3.5])[segment] * (1.0 + 0.15 * np.minimum(tenure, 60) / 60)
    visits = np.maximum(np.round(rng.gamma(3.0, visits_mean / 3.0), 1), 0.1)
    # Younger customers lean towards the app, older ones towards email.
    young = age < 35
    channel_probs = np.where(young[:, None], [[0.30, 0.20, 0.50]], [[0.55, 0.20, 0.25]])
    channel = categorical(rng, channel_probs)

    lower_first = np.char.lower(first)
    lower_last = np.char.lower(np.char.replace(last, "'", ""))
    initial = np.array([name[0].lower() for name in FIRST_NAMES])[first_idx]
    pattern = rng.integers(0, 4, n)
    local = np.select(
        [pattern == 0, pattern == 1, pattern == 2],
        [
            np.char.add(np.char.add(lower_first, "."), lower_last),
            np.char.add(lower_first, lower_last),
            np.char.add(np.char.add(initial, "."), lower_last),
        ],
        default=np.char.add(np.char.add(lower_first, "_"), lower_last),
    )
    digits = rng.integers(1, 100, n)
    with_digits = rng.random(n) < 0.6
    local = np.where(with_digits, np.char.add(local, digits.astype(str)), local)
    dom_w = np.array(EMAIL_DOMAIN_WEIGHTS)
    domain = np.array(EMAIL_DOMAINS)[rng.choice(len(EMAIL_DOMAINS), size=n, p=dom_w / dom_w.sum())]
    email = pd.Series(np.char.add(np.char.add(local, "@"), domain))
    # Real mailboxes are unique; disambiguate collisions deterministically with the customer number.
    dup = email.duplicated(keep="first").to_numpy()
    if dup.any():
        numbered = np.char.add(np.char.add(local, "."), np.arange(1, n + 1).astype(str))
        email = email.where(~dup, pd.Series(np.char.add(np.char.add(numbered, "@"), domain)))

    phone = np.char.add(
        np.char.add("+44 7", np.char.zfill(rng.integers(100, 1000, n).astype(str), 3)),
        np.char.add(" ", np.char.zfill(rng.integers(0, 1_000_000, n).astype(str), 6)),
    )

    return pd.DataFrame(
        {
            "customer_id": ids("C", n, 6),
            "first_name": first,
            "last_name": last,
            "email": email.to_numpy(),
            "phone": phone,
            "birth_date": iso(birth_days),
            "age": age,
            "city": np.array([c[0] for c in CITIES])[city_idx],
            "region": np.array([c[1] for c in CITIES])[city_idx],
            "segment": np.array(SEGMENTS)[segment],
            "income_band": np.array(INCOME_BANDS)[income],
            "tenure_months": tenure,
            "avg_basket_value": fmt(basket, 2),
            "visits_per_month": fmt(visits, 1),
            "preferred_channel": np.array(CHANNELS)[channel],
            "signup_date": iso(epoch_ref - tenure_days),
        }
    )
