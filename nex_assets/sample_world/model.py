"""The ground truth planted in NEX Retail: the parameters a good model must recover (price
elasticities, seasonality, promotion and holiday lifts, the store revenue formula and the offer
response model)."""

from __future__ import annotations

# Distinct, well separated values so that a model that mixes categories up is visibly wrong.
ELASTICITY: dict[str, float] = {
    "grocery": -0.9,
    "beverages": -1.6,
    "household": -1.1,
    "personal_care": -1.3,
    "snacks": -2.1,
}


PROMO_LIFT = 1.35


HOLIDAY_LIFT = 1.25


PROMO_RATE = 0.12


PRICE_FACTOR_RANGE = (0.80, 1.15)


PROMO_DISCOUNT_RANGE = (0.10, 0.30)


TREND_PER_YEAR = 0.04


# Mild overdispersion: real store-sku-week counts are noisier than Poisson, but not so noisy that
# a log-log regression on about 100k rows cannot pin elasticities down to a few percent.
NB_SHAPE = 50.0


BASE_DEMAND_MEDIAN = 30.0


# Seasonality per category: 1 + a1*cos(2*pi*(t - peak1)) + a2*cos(4*pi*(t - peak2)), t = fraction of
# the year at mid-week. Peaks are fractions of the year (0.55 ~ mid July, 0.97 ~ mid December).
SEASONALITY: dict[str, dict[str, float]] = {
    "grocery": {"amplitude": 0.05, "peak": 0.96, "half_year_amplitude": 0.02, "half_year_peak": 0.30},
    "beverages": {"amplitude": 0.22, "peak": 0.55, "half_year_amplitude": 0.05, "half_year_peak": 0.00},
    "household": {"amplitude": 0.08, "peak": 0.28, "half_year_amplitude": 0.03, "half_year_peak": 0.80},
    "personal_care": {"amplitude": 0.07, "peak": 0.50, "half_year_amplitude": 0.03, "half_year_peak": 0.90},
    "snacks": {"amplitude": 0.12, "peak": 0.97, "half_year_amplitude": 0.04, "half_year_peak": 0.50},
}


# log(annual_revenue) = intercept + sum(coef * feature) + N(0, noise_sd). The noise is small next to
# the spread of the location features, so a good location model can rank unseen stores well.
STORE_REVENUE_COEFFICIENTS: dict[str, float] = {
    "intercept": -3.9,
    "log_catchment_population": 0.6,
    "log_median_income": 0.8,
    "competitors_nearby": -0.06,
    "log_floor_area_m2": 0.55,
}


STORE_REVENUE_NOISE_SD = 0.12


RESPONSE_FEATURES: tuple[str, ...] = (
    "age",
    "tenure_months",
    "avg_basket_value",
    "visits_per_month",
    "segment_value",
    "segment_premium",
    "income_low",
    "income_high",
    "channel_match",
)


CONTINUOUS_FEATURES: tuple[str, ...] = RESPONSE_FEATURES[:4]

# How each response feature is computed from the columns of customers.csv and offers.csv, written
# into ground_truth.json so that a check can recompute the true response of any customer and offer
# without knowing this world's column names.
RESPONSE_ENCODING: dict[str, dict[str, str]] = {
    **{f: {"column": f, "standardize": "true"} for f in CONTINUOUS_FEATURES},
    "segment_value": {"column": "segment", "equals": "value"},
    "segment_premium": {"column": "segment", "equals": "premium"},
    "income_low": {"column": "income_band", "equals": "low"},
    "income_high": {"column": "income_band", "equals": "high"},
    "channel_match": {"column": "channel", "equals_column": "preferred_channel"},
}


# Each hand-built offer appeals to a different kind of customer, so the best offer genuinely
# depends on who is looking and a personalised policy beats any single offer by a wide margin.
# Coefficient order follows RESPONSE_FEATURES.
OFFER_TEMPLATES: tuple[tuple[str, str, int, str, float, tuple[float, ...]], ...] = (
    (
        "20% off your next shop",
        "discount",
        20,
        "email",
        -2.5,
        (0.0, -0.2, -0.5, 0.2, 1.3, -1.2, 0.9, -0.8, 0.6),
    ),
    (
        "Buy two, get one free on snacks",
        "bundle",
        0,
        "app",
        -2.6,
        (-0.6, 0.0, 0.7, 0.6, 0.2, -0.2, 0.0, 0.1, 0.6),
    ),
    (
        "Double loyalty points weekend",
        "loyalty_points",
        0,
        "app",
        -2.8,
        (0.2, 1.0, 0.1, 0.6, -0.1, 0.3, -0.2, 0.1, 0.6),
    ),
    (
        "Free home delivery for a month",
        "free_delivery",
        0,
        "email",
        -2.9,
        (0.8, 0.1, 0.6, -0.8, -0.4, 0.6, -0.4, 0.5, 0.6),
    ),
    (
        "£5 cashback when you spend £40",
        "cashback",
        0,
        "sms",
        -2.6,
        (-0.8, -0.6, -0.2, 0.1, 0.7, -0.5, 0.6, -0.4, 0.6),
    ),
    (
        "Early access to the Finest range",
        "exclusive_access",
        0,
        "sms",
        -3.2,
        (-0.3, 0.2, 0.7, 0.0, -1.2, 1.4, -0.9, 1.0, 0.6),
    ),
)
