"""Deterministic synthetic "NEX Retail" world with planted ground truth.

The platform's modelling assets (store revenue from location, price elasticity per category,
personalised offers) can only be checked end to end against data whose true answers are known.
This module plants those answers in a realistic-looking retail world and writes them next to the
CSVs in ``ground_truth.json``, so a pipeline run can be graded by comparing what it estimated with
what was planted.

Every random draw flows from one seed through independent child streams (one per table, one per
chunk of stores for sales), so two runs with the same seed are byte-identical and resizing one
table never reshuffles another. Sales are generated and appended one chunk of stores at a time so
that a ten-million-row world never has to sit in memory.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

START_DATE = date(2023, 1, 2)  # a Monday; every week_start is a Monday from here on
MIN_WEEKS = 104

CATEGORIES: tuple[str, ...] = ("grocery", "beverages", "household", "personal_care", "snacks")

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
# Rows of sales built in memory at once; bounds peak memory whatever the world size.
SALES_CHUNK_ROWS = 250_000

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

# (city, region, latitude, longitude, weight, median income level, population density multiplier)
CITIES: tuple[tuple[str, str, float, float, float, float, float], ...] = (
    ("London", "London", 51.5074, -0.1278, 0.26, 39000, 1.6),
    ("Manchester", "North West", 53.4808, -2.2426, 0.11, 30000, 1.2),
    ("Birmingham", "West Midlands", 52.4862, -1.8904, 0.11, 29000, 1.2),
    ("Leeds", "Yorkshire and the Humber", 53.8008, -1.5491, 0.09, 29500, 1.0),
    ("Glasgow", "Scotland", 55.8642, -4.2518, 0.08, 28500, 1.0),
    ("Bristol", "South West", 51.4545, -2.5879, 0.08, 33000, 0.9),
    ("Newcastle upon Tyne", "North East", 54.9783, -1.6178, 0.07, 28000, 0.8),
    ("Cardiff", "Wales", 51.4816, -3.1791, 0.06, 28500, 0.8),
    ("Nottingham", "East Midlands", 52.9548, -1.1581, 0.07, 28000, 0.9),
    ("Edinburgh", "Scotland", 55.9533, -3.1883, 0.07, 34000, 0.9),
)

STORE_DESCRIPTORS = (
    "Central",
    "High Street",
    "Retail Park",
    "North",
    "South",
    "East",
    "West",
    "Riverside",
    "Station Road",
    "Market Square",
    "Park Lane",
    "Quayside",
    "Old Town",
    "Village",
)

BRANDS: dict[str, tuple[str, ...]] = {
    "grocery": ("Harvest Lane", "Millbrook", "NEX Essentials"),
    "beverages": ("Clearspring", "Brewhouse", "Fizzwell"),
    "household": ("BrightHome", "Sparkle", "NEX Essentials"),
    "personal_care": ("Dermacare", "Pure & Fresh", "Velora"),
    "snacks": ("Crunchies", "Golden Bake", "Nibbly"),
}

# Items carry their pack size so that names read like real shelf labels.
ITEMS: dict[str, tuple[str, ...]] = {
    "grocery": (
        "Basmati Rice 1kg",
        "Fusilli Pasta 500g",
        "Chopped Tomatoes 400g",
        "Porridge Oats 1kg",
        "Baked Beans 4x415g",
        "Plain Flour 1.5kg",
        "Extra Virgin Olive Oil 500ml",
        "Smooth Peanut Butter 340g",
        "Strawberry Jam 454g",
        "Cornflakes 500g",
        "Long Grain Rice 2kg",
        "Spaghetti 1kg",
    ),
    "beverages": (
        "Orange Juice 1L",
        "Sparkling Water 6x500ml",
        "Cola 2L",
        "Ground Coffee 227g",
        "English Breakfast Tea 80 bags",
        "Cloudy Lemonade 1.75L",
        "Apple Juice 1L",
        "Energy Drink 4x250ml",
        "Still Water 6x1.5L",
        "Hot Chocolate 400g",
        "Ginger Beer 4x330ml",
        "Instant Coffee 200g",
    ),
    "household": (
        "Washing Up Liquid 450ml",
        "Laundry Gel 1.3L",
        "Bin Bags 20 pack",
        "Kitchen Roll 4 pack",
        "Toilet Tissue 9 pack",
        "Antibacterial Surface Spray 500ml",
        "Dishwasher Tablets 30 pack",
        "Fabric Conditioner 1.2L",
        "Thick Bleach 750ml",
        "Scrub Sponges 6 pack",
        "Glass Cleaner 500ml",
        "Foil 10m",
    ),
    "personal_care": (
        "Shampoo 400ml",
        "Conditioner 400ml",
        "Shower Gel 250ml",
        "Whitening Toothpaste 75ml",
        "Antiperspirant Deodorant 150ml",
        "Hand Wash 250ml",
        "Body Lotion 400ml",
        "Razors 4 pack",
        "Lip Balm 4.8g",
        "Sun Cream SPF30 200ml",
        "Cotton Buds 200 pack",
        "Face Wash 150ml",
    ),
    "snacks": (
        "Ready Salted Crisps 6 pack",
        "Sweet Salted Popcorn 80g",
        "Milk Chocolate Bar 100g",
        "Digestive Biscuits 400g",
        "Salted Peanuts 200g",
        "Oat Cereal Bars 5 pack",
        "Tortilla Chips 200g",
        "Golden Syrup Flapjack 4 pack",
        "Pretzels 175g",
        "Lightly Salted Rice Cakes 130g",
        "Chocolate Chip Cookies 200g",
        "Mixed Nuts 200g",
    ),
}

VARIANTS = ("Multipack", "Value Pack", "Family Size", "Finest", "Organic", "Reduced Sugar", "Limited Edition")

# Shelf price ranges (log-uniform) per category, in GBP.
PRICE_RANGES: dict[str, tuple[float, float]] = {
    "grocery": (0.80, 4.50),
    "beverages": (0.90, 6.00),
    "household": (1.50, 8.00),
    "personal_care": (1.50, 9.00),
    "snacks": (0.70, 3.50),
}

FIRST_NAMES = (
    "Oliver",
    "George",
    "Harry",
    "Jack",
    "Jacob",
    "Noah",
    "Charlie",
    "Muhammad",
    "Thomas",
    "Oscar",
    "William",
    "James",
    "Leo",
    "Alfie",
    "Henry",
    "Joshua",
    "Freddie",
    "Archie",
    "Ethan",
    "Isaac",
    "Daniel",
    "Samuel",
    "Joseph",
    "Max",
    "Arthur",
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Emily",
    "Sophia",
    "Grace",
    "Mia",
    "Poppy",
    "Ella",
    "Lily",
    "Evie",
    "Isabella",
    "Sophie",
    "Ivy",
    "Freya",
    "Harper",
    "Willow",
    "Charlotte",
    "Jessica",
    "Daisy",
    "Florence",
    "Ruby",
    "Chloe",
    "Priya",
)

LAST_NAMES = (
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Thomas",
    "Clarke",
    "Jackson",
    "Wood",
    "Harris",
    "Edwards",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Hughes",
    "Moore",
    "Clark",
    "King",
    "Harrison",
    "Lewis",
    "Baker",
    "Lee",
    "Allen",
    "Morris",
    "Khan",
    "Scott",
    "Watson",
    "Davis",
    "Parker",
    "James",
    "Bennett",
    "Young",
    "Phillips",
    "Richardson",
    "O'Brien",
)

EMAIL_DOMAINS = ("gmail.com", "outlook.com", "hotmail.co.uk", "yahoo.co.uk", "btinternet.com", "icloud.com")
EMAIL_DOMAIN_WEIGHTS = (0.40, 0.18, 0.15, 0.12, 0.08, 0.07)

SEGMENTS = ("value", "regular", "premium")
INCOME_BANDS = ("low", "mid", "high")
CHANNELS = ("email", "sms", "app")

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
EXTRA_OFFER_TYPES = ("discount", "bundle", "loyalty_points", "free_delivery", "cashback", "exclusive_access")

# Child stream index per table, so adding draws to one table leaves the others untouched.
_STREAMS = ("stores", "products", "assortment", "sales", "customers", "offers", "events")


@dataclass(frozen=True)
class WorldSize:
    """How big a world to build; the defaults give about 100k sales rows."""

    stores: int = 100
    products: int = 60
    skus_per_store: int = 10  # each store sells its own random assortment of this many skus
    weeks: int = 104  # >= 104 so that yearly seasonality and holidays are seen at least twice
    customers: int = 5000
    offers: int = 6

    def __post_init__(self) -> None:
        if self.weeks < MIN_WEEKS:
            raise ValueError(f"weeks must be >= {MIN_WEEKS}, got {self.weeks}")
        if min(self.stores, self.products, self.skus_per_store, self.customers, self.offers) < 1:
            raise ValueError(f"every size must be positive: {self}")
        if self.skus_per_store > self.products:
            raise ValueError(f"skus_per_store ({self.skus_per_store}) exceeds products ({self.products})")

    @property
    def sales_rows(self) -> int:
        return self.stores * self.skus_per_store * self.weeks

    @classmethod
    def for_sales_rows(cls, rows: int) -> WorldSize:
        """Scale stores and assortment together (keeping the default 10:1 store:sku and 6:1
        catalogue:assortment ratios) so benchmarks at any size still look like the default world."""
        if rows < 1:
            raise ValueError(f"rows must be positive, got {rows}")
        weeks = MIN_WEEKS
        store_skus = rows / weeks
        scale = math.sqrt(store_skus / 1000.0)
        skus = max(1, round(10 * scale))
        stores = max(1, round(store_skus / skus))
        products = max(len(CATEGORIES), skus, round(6 * skus))
        return cls(stores=stores, products=products, skus_per_store=skus, weeks=weeks)


DEFAULT_SIZE = WorldSize()


# ---------------------------------------------------------------------------------------------
# small helpers


def _fmt(values: np.ndarray, decimals: int) -> np.ndarray:
    """Format floats as fixed-decimal strings so each column keeps its own precision in the CSV."""
    return np.char.mod(f"%.{decimals}f", np.asarray(values, dtype=float))


_TWO_DIGITS = np.array([f"{i:02d}" for i in range(100)])


def _money(cents: np.ndarray) -> np.ndarray:
    """Exact 2-decimal strings from integer cents; twice as fast as printf-formatting floats, which
    matters at ten million rows, and immune to binary rounding."""
    cents = np.asarray(cents, dtype=np.int64)
    return np.strings.add(np.strings.add((cents // 100).astype(str), "."), _TWO_DIGITS[cents % 100])


def _bool_str(values: np.ndarray) -> np.ndarray:
    return np.where(values, "true", "false")


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width))


def _iso(days: np.ndarray) -> np.ndarray:
    """ISO dates from day offsets relative to 1970-01-01."""
    return np.datetime_as_string(np.asarray(days, dtype="int64").astype("datetime64[D]"), unit="D")


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probs`` (rows sum to 1), vectorized via inverse CDF."""
    cdf = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0])[:, None]
    return np.minimum((u > cdf).sum(axis=1), probs.shape[1] - 1)


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _round_floats(obj: Any, digits: int = 6) -> Any:
    """Keep ground_truth.json stable and readable; float noise in the 15th digit is not truth."""
    if isinstance(obj, float):
        return round(obj, digits)
    if isinstance(obj, dict):
        return {k: _round_floats(v, digits) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_round_floats(v, digits) for v in obj]
    return obj


# ---------------------------------------------------------------------------------------------
# calendar


def _easter_sunday(year: int) -> date:
    """Anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


def _monday_of(d: date) -> date:
    return d - timedelta(days=d.weekday())


def holiday_week_starts(year: int) -> list[date]:
    """Mondays of the weeks that get the holiday lift in one calendar year (UK retail calendar)."""
    easter_week = _monday_of(_easter_sunday(year) - timedelta(days=2))  # week holding Good Friday
    last_aug = date(year, 8, 31)
    summer_bank_holiday = last_aug - timedelta(days=last_aug.weekday())  # last Monday of August
    nov1 = date(year, 11, 1)
    first_thursday = nov1 + timedelta(days=(3 - nov1.weekday()) % 7)
    black_friday = first_thursday + timedelta(days=22)
    christmas_week = _monday_of(date(year, 12, 25))
    return [easter_week, summer_bank_holiday, _monday_of(black_friday), christmas_week]


HOLIDAY_RULE = (
    "holiday = true for the week (Monday start) holding Good Friday, the week starting on the last "
    "Monday of August (summer bank holiday), the week holding Black Friday (day after the fourth "
    "Thursday of November) and the week holding Christmas Day"
)


@dataclass(frozen=True)
class _Calendar:
    week_start: np.ndarray  # ISO strings
    holiday: np.ndarray  # bool per week
    season_t: np.ndarray  # fraction of the year at mid-week
    trend: np.ndarray  # multiplicative trend per week
    first_day: date
    end_day: date  # first day after the sales period


def _calendar(weeks: int) -> _Calendar:
    starts = [START_DATE + timedelta(weeks=w) for w in range(weeks)]
    holidays: set[date] = set()
    for year in range(starts[0].year, starts[-1].year + 1):
        holidays.update(holiday_week_starts(year))
    mid = [d + timedelta(days=3) for d in starts]
    season_t = np.array([(m.timetuple().tm_yday - 1) / 365.25 for m in mid])
    return _Calendar(
        week_start=np.array([d.isoformat() for d in starts]),
        holiday=np.array([d in holidays for d in starts]),
        season_t=season_t,
        trend=1.0 + TREND_PER_YEAR * np.arange(weeks) / 52.0,
        first_day=starts[0],
        end_day=starts[-1] + timedelta(days=7),
    )


def seasonality(category: str, t: np.ndarray) -> np.ndarray:
    """Multiplicative seasonal index for a category at fraction-of-year ``t``."""
    s = SEASONALITY[category]
    return (
        1.0
        + s["amplitude"] * np.cos(2 * np.pi * (t - s["peak"]))
        + s["half_year_amplitude"] * np.cos(4 * np.pi * (t - s["half_year_peak"]))
    )


# ---------------------------------------------------------------------------------------------
# tables


def _stores(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, np.ndarray]:
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
            "store_id": _ids("S", n, 4),
            "store_name": names.to_numpy(),
            "city": cities,
            "region": np.array([c[1] for c in CITIES])[city_idx],
            "latitude": _fmt(latitude, 6),
            "longitude": _fmt(longitude, 6),
            "catchment_population": population,
            "median_income": income,
            "competitors_nearby": competitors,
            "opening_date": _iso(opening),
            "floor_area_m2": floor_area,
            "annual_revenue": _fmt(revenue, 2),
        }
    ), revenue


def _products(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
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
            "sku": _ids("P", n, 5),
            "product_name": names.to_numpy(),
            "category": categories,
            "brand": brand,
            "base_price": _fmt(base_price, 2),
            "unit_cost": _fmt(unit_cost, 2),
        }
    )
    return df, cat_idx, base_cents, base_demand


def _sales_chunk(
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
    cal: _Calendar,
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
            "price": _money(price_cents.ravel()),
            "promo": _bool_str(promo.ravel()),
            "holiday": _bool_str(holiday.ravel()),
            "units_sold": units.ravel(),
            "revenue": _money(revenue_cents.ravel()),
        }
    )


def _customers(rng: np.random.Generator, n: int, ref_day: date) -> pd.DataFrame:
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

    segment = _categorical(rng, np.tile([0.35, 0.45, 0.20], (n, 1)))
    income_given_segment = np.array([[0.60, 0.35, 0.05], [0.25, 0.55, 0.20], [0.05, 0.35, 0.60]])
    income = _categorical(rng, income_given_segment[segment])
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
    channel = _categorical(rng, channel_probs)

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
            "customer_id": _ids("C", n, 6),
            "first_name": first,
            "last_name": last,
            "email": email.to_numpy(),
            "phone": phone,
            "birth_date": _iso(birth_days),
            "age": age,
            "city": np.array([c[0] for c in CITIES])[city_idx],
            "region": np.array([c[1] for c in CITIES])[city_idx],
            "segment": np.array(SEGMENTS)[segment],
            "income_band": np.array(INCOME_BANDS)[income],
            "tenure_months": tenure,
            "avg_basket_value": _fmt(basket, 2),
            "visits_per_month": _fmt(visits, 1),
            "preferred_channel": np.array(CHANNELS)[channel],
            "signup_date": _iso(epoch_ref - tenure_days),
        }
    )


def _offers(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
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
            "offer_id": _ids("O", n, 2),
            "offer_name": names,
            "offer_type": types,
            "discount_pct": np.array(discounts, dtype=np.int64),
            "channel": channels,
        }
    )
    return df, intercepts, coefs


def _response_design(customers: pd.DataFrame, offers: pd.DataFrame) -> tuple[np.ndarray, dict]:
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


def _events(
    rng: np.random.Generator,
    prob: np.ndarray,
    customer_ids: np.ndarray,
    offer_ids: np.ndarray,
    cal: _Calendar,
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
            "accepted": _bool_str(accepted[order_t]),
        }
    )


# ---------------------------------------------------------------------------------------------
# entry point


def generate(out_dir: Path, *, seed: int = 7, size: WorldSize = DEFAULT_SIZE) -> dict:
    """Writes the CSVs and ground_truth.json into out_dir (created if missing); returns the ground truth dict.

    The returned dict is exactly what ground_truth.json holds, so callers grading a pipeline in the
    same process need not read it back.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    streams = dict(zip(_STREAMS, np.random.SeedSequence(seed).spawn(len(_STREAMS)), strict=True))

    def rng_for(name: str) -> np.random.Generator:
        return np.random.default_rng(streams[name])

    cal = _calendar(size.weeks)
    rows: dict[str, int] = {}

    stores, store_revenue = _stores(rng_for("stores"), size.stores)
    _write_csv(stores, out_dir / "stores.csv")
    rows["stores.csv"] = len(stores)

    products, cat_idx, base_cents, base_demand = _products(rng_for("products"), size.products)
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
            chunk = _sales_chunk(
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
    customers = _customers(rng_for("customers"), size.customers, ref_day)
    _write_csv(customers, out_dir / "customers.csv")
    rows["customers.csv"] = len(customers)

    offers, intercepts, coefs = _offers(rng_for("offers"), size.offers)
    _write_csv(offers, out_dir / "offers.csv")
    rows["offers.csv"] = len(offers)

    design, standardization = _response_design(customers, offers)
    prob = _sigmoid(intercepts[None, :] + (design * coefs[None, :, :]).sum(axis=2))
    events = _events(
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
    truth = _round_floats(truth)
    (out_dir / "ground_truth.json").write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    return truth
