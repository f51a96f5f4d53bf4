"""From the rows a recipe reads to the frame its model sees, one builder per family.

Each builder is a pure function of the loaded rows, so training, evaluation, batch scoring and
drift monitoring derive features the same way. ``REQUIRED`` names the input columns a family
cannot work without; a recipe that omits one fails before any data is read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

# numpy and pandas are imported in the functions that transform frames: the code location reads
# ``REQUIRED`` and the column lists when it loads, and pandas would add a third of a second to it.
if TYPE_CHECKING:
    import pandas as pd

# Input columns each family needs (beyond the recipe's target), checked at load time.
REQUIRED: dict[str, tuple[str, ...]] = {
    "pricing": ("store_id", "sku", "category", "price", "base_price", "unit_cost", "week_start"),
    "forecasting": ("store_id", "sku", "week_start"),
    "next_best_action": ("customer_id", "offer_id"),
    "location_scoring": ("store_id",),
}

# Identifier columns kept next to the features for splitting and for writing predictions.
KEYS: dict[str, tuple[str, ...]] = {
    "pricing": ("week_start", "store_id", "sku", "category"),
    "forecasting": ("week_start", "store_id", "sku"),
    "next_best_action": ("customer_id", "offer_id"),
    "location_scoring": ("store_id",),
}

SEASON_COLUMNS = ("season_cos1", "season_sin1", "season_cos2", "season_sin2", "trend_years")


def season_terms(week_start: pd.Series) -> pd.DataFrame:
    """Yearly and half-yearly Fourier terms at mid-week plus years elapsed: enough to absorb
    smooth seasonality and trend without a dummy per week."""
    import numpy as np
    import pandas as pd

    days = pd.to_datetime(week_start)
    mid = days + pd.Timedelta(days=3)
    t = (mid.dt.dayofyear.to_numpy() - 1) / 365.25
    elapsed = (days - days.min()).dt.days.to_numpy() / 365.25
    return pd.DataFrame(
        {
            "season_cos1": np.cos(2 * np.pi * t),
            "season_sin1": np.sin(2 * np.pi * t),
            "season_cos2": np.cos(4 * np.pi * t),
            "season_sin2": np.sin(4 * np.pi * t),
            "trend_years": elapsed,
        },
        index=week_start.index,
    )


def _flags(frame: pd.DataFrame, columns: list[str]) -> None:
    for c in columns:
        if c in frame and frame[c].dtype == bool:
            frame[c] = frame[c].astype(float)


def pricing(rows: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """Log-log frame: the price relative to the sku's shelf price, so the slope on it is the
    elasticity; shelf-level differences are absorbed by store and sku effects."""
    import numpy as np
    import pandas as pd

    out = rows.copy()
    out["log_price_ratio"] = np.log(out["price"].astype(float) / out["base_price"].astype(float))
    out = pd.concat([out, season_terms(out["week_start"])], axis=1)
    _flags(out, features)
    return out


def model_columns_pricing(features: list[str]) -> list[str]:
    passthrough = [f for f in features if f not in {"price", "base_price", "week_start", "unit_cost"}]
    return [*passthrough, "log_price_ratio", *SEASON_COLUMNS]


LAGS = (1, 2, 52)


def forecasting(rows: pd.DataFrame, features: list[str], target: str) -> pd.DataFrame:
    """Lags of the target per store and sku (1, 2 and 52 weeks), a four-week mean, seasonality and,
    where listed, promotion and price. Rows without a year of history are dropped: the model and
    the seasonal-naive baseline must see the same rows."""
    import numpy as np
    import pandas as pd

    out = rows.sort_values(["store_id", "sku", "week_start"], kind="stable").reset_index(drop=True)
    series = out.groupby(["store_id", "sku"], sort=False)[target]
    for lag in LAGS:
        out[f"lag_{lag}"] = series.shift(lag).astype(float)
    out["rolling_mean_4"] = series.transform(lambda s: s.shift(1).rolling(4).mean())
    if "price" in out and "base_price" in out:
        out["log_price_ratio"] = np.log(out["price"].astype(float) / out["base_price"].astype(float))
    out = pd.concat([out, season_terms(out["week_start"])], axis=1)
    _flags(out, features)
    return out.dropna(subset=[f"lag_{max(LAGS)}", "rolling_mean_4"]).reset_index(drop=True)


def model_columns_forecasting(features: list[str]) -> list[str]:
    numeric = [f for f in features if f in {"promo", "holiday", "base_price"}]
    lags = [f"lag_{lag}" for lag in LAGS]
    price = ["log_price_ratio"] if {"price", "base_price"} <= set(features) else []
    return [*lags, "rolling_mean_4", *numeric, *price, *SEASON_COLUMNS]


def next_best_action(rows: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """One row per offer shown; ``channel_match`` says whether the offer went out on the
    customer's preferred channel."""
    out = rows.copy()
    if {"channel", "preferred_channel"} <= set(out.columns):
        out["channel_match"] = (out["channel"] == out["preferred_channel"]).astype(float)
    _flags(out, features)
    return out


def model_columns_next_best_action(features: list[str]) -> list[str]:
    cols = [f for f in features if f not in {"channel", "preferred_channel", "customer_id"}]
    if {"channel", "preferred_channel"} <= set(features):
        cols.append("channel_match")
    return cols


def location_scoring(rows: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    out = rows.copy()
    _flags(out, features)
    return out


def location_columns(features: list[str]) -> list[str]:
    return [f for f in features if f != "store_id"]


def build(family: str, rows: pd.DataFrame, features: list[str], target: str) -> pd.DataFrame:
    if family == "pricing":
        return pricing(rows, features)
    if family == "forecasting":
        return forecasting(rows, features, target)
    if family == "next_best_action":
        return next_best_action(rows, features)
    return location_scoring(rows, features)


def model_columns(family: str, features: list[str]) -> list[str]:
    """The columns the fitted model takes, in order (its MLflow signature)."""
    if family == "pricing":
        return model_columns_pricing(features)
    if family == "forecasting":
        return model_columns_forecasting(features)
    if family == "next_best_action":
        return model_columns_next_best_action(features)
    return location_columns(features)


def input_columns(family: str, features: list[str], target: str, extra: tuple[str, ...] = ()) -> list[str]:
    """The columns read from the warehouse: features, target, the family's keys, and extras."""
    wanted = [*KEYS[family], *features, target, *extra]
    return list(dict.fromkeys(wanted))
