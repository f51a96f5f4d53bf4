"""Offers, the response model's design, and the logged offer events."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from nex_assets.sample_world.model import CONTINUOUS_FEATURES, OFFER_TEMPLATES, RESPONSE_FEATURES
from nex_assets.sample_world.values import bool_str, ids
from nex_assets.sample_world.vocabulary import CHANNELS, EXTRA_OFFER_TYPES
from nex_assets.sample_world.weeks import Calendar


def make_offers(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    names, types, discounts, channels = [], [], [], []
    intercepts = np.empty(n)
    coefs = np.empty((n, len(RESPONSE_FEATURES)))
    for i in range(n):
        if i < len(OFFER_TEMPLATES):
            name, kind, pct, channel, intercept, coef = OFFER_TEMPLATES[i]
            coefs[i] = coef
            intercepts[i] = intercept
        else:
            # Beyond the hand-built offers, draw new ones with a similar spread of tastes.
            kind = EXTRA_OFFER_TYPES[int(rng.integers(0, len(EXTRA_OFFER_TYPES)))]
            pct = int(rng.choice([10, 15, 20, 25])) if kind == "discount" else 0
            channel = CHANNELS[int(rng.integers(0, len(CHANNELS)))]
            label = kind.replace("_", " ").capitalize()
            if kind == "discount":
                label = f"{pct}% off selected lines"
            name = f"{label} #{i + 1}"
            intercepts[i] = rng.normal(-2.8, 0.25)
            coefs[i] = np.round(rng.normal(0.0, 0.6, len(RESPONSE_FEATURES)), 2)
            coefs[i, -1] = 0.6
        names.append(name)
        types.append(kind)
        discounts.append(pct)
        channels.append(channel)
    df = pd.DataFrame(
        {
            "offer_id": ids("O", n, 2),
            "offer_name": names,
            "offer_type": types,
            "discount_pct": np.array(discounts, dtype=np.int64),
            "channel": channels,
        }
    )
    return df, intercepts, coefs


def response_design(customers: pd.DataFrame, offers: pd.DataFrame) -> tuple[np.ndarray, dict]:
    """Feature tensor (customers x offers x features) and the standardization that produced it."""
    standardization: dict[str, dict[str, float]] = {}
    cols = []
    for f in CONTINUOUS_FEATURES:
        x = customers[f].astype(float).to_numpy()
        mean, std = float(x.mean()), float(x.std()) or 1.0
        standardization[f] = {"mean": mean, "std": std}
        cols.append((x - mean) / std)
    seg = customers["segment"].to_numpy()
    inc = customers["income_band"].to_numpy()
    cols += [seg == "value", seg == "premium", inc == "low", inc == "high"]
    for f in RESPONSE_FEATURES[4:]:
        standardization[f] = {"mean": 0.0, "std": 1.0}  # indicators enter as 0/1
    base = np.column_stack(cols).astype(float)
    n_c, n_o = len(customers), len(offers)
    design = np.empty((n_c, n_o, len(RESPONSE_FEATURES)))
    design[:, :, :-1] = base[:, None, :]
    preferred = customers["preferred_channel"].to_numpy()
    design[:, :, -1] = preferred[:, None] == offers["channel"].to_numpy()[None, :]
    return design, standardization


def make_events(
    rng: np.random.Generator,
    prob: np.ndarray,
    customer_ids: np.ndarray,
    offer_ids: np.ndarray,
    cal: Calendar,
) -> pd.DataFrame:
    n_c, n_o = prob.shape
    max_shown = min(3, n_o)
    n_shown = rng.integers(1, max_shown + 1, n_c)
    # Uniformly random logging policy: a random permutation per customer, keep the first n_shown.
    order = np.argsort(rng.random((n_c, n_o)), axis=1)[:, :max_shown]
    keep = np.arange(max_shown)[None, :] < n_shown[:, None]
    cust = np.broadcast_to(np.arange(n_c)[:, None], keep.shape)[keep]
    offer = order[keep]
    n = len(cust)

    end_epoch = (cal.end_day - date(1970, 1, 1)).days
    day = end_epoch - 365 + rng.integers(0, 365, n)
    second = rng.integers(7 * 3600, 22 * 3600, n)  # offers go out during waking hours
    shown = day.astype("int64") * 86400 + second
    accepted = rng.random(n) < prob[cust, offer]

    order_t = np.argsort(shown, kind="stable")
    ts = np.datetime_as_string(shown[order_t].astype("datetime64[s]"), unit="s")
    return pd.DataFrame(
        {
            "event_id": np.arange(1, n + 1),
            "customer_id": customer_ids[cust[order_t]],
            "offer_id": offer_ids[offer[order_t]],
            "shown_at": np.char.replace(ts, "T", " "),
            "accepted": bool_str(accepted[order_t]),
        }
    )
