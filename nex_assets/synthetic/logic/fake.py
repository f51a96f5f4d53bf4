"""Values for the columns SDV does not learn: sensitive columns and generated labels.

A sensitive column is never sampled from the real values. Its values come from Faker (or, for
dates and numbers, uniformly from the real range) and every draw that happens to equal a real
value is drawn again, so no real value can appear in a synthetic table, even by chance.
"""

from __future__ import annotations

import datetime as dt
import string
import zlib

import numpy as np
import pandas as pd

# Draws per value before falling back to a random string of the value's shape.
MAX_TRIES = 20
# The Faker method that makes a value of each kind of personal data (common/personal.py); names
# take first, last or full names by the column's name. Dates of birth are drawn from the real range.
FAKER_METHODS = {
    "email": "email",
    "phone": "phone_number",
    "address": "address",
    "national_id": "ssn",
    "payment_card": "credit_card_number",
    "iban": "iban",
    "ip_address": "ipv4",
}


def column_seed(seed: int, column: str) -> int:
    """A stable per-column seed (Python's hash() is salted per process)."""
    return (seed * 1_000_003 + zlib.crc32(column.encode())) % 2**32


def _shaped(rng: np.random.Generator, like: str) -> str:
    """A random string with the letters, digits and separators of ``like`` in the same places."""
    out = []
    for ch in like:
        if ch.isdigit():
            out.append(str(rng.integers(10)))
        elif ch.isalpha():
            pool = string.ascii_uppercase if ch.isupper() else string.ascii_lowercase
            out.append(pool[rng.integers(len(pool))])
        else:
            out.append(ch)
    return "".join(out)


def _name_method(column: str) -> str:
    lowered = column.lower()
    if any(h in lowered for h in ("first", "given", "forename")):
        return "first_name"
    if any(h in lowered for h in ("last", "surname", "family")):
        return "last_name"
    return "name"


def _key(value: object) -> str:
    """One spelling per value, so a drawn date or number is compared with real ones exactly."""
    if isinstance(value, dt.date):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, int | float | np.number) and not isinstance(value, bool):
        return repr(float(value))
    return str(value)


def _drawer(kind: str | None, column: str, real: pd.Series, rng: np.random.Generator, locale: str):
    """A function returning one candidate value."""
    non_null = real.dropna()
    typed = pd.api.types.is_numeric_dtype(non_null) or pd.api.types.is_datetime64_any_dtype(non_null)
    # A phone kept as a number is drawn as a number (below): Faker's text would not fit the column.
    if (kind in FAKER_METHODS or kind == "name") and not typed:
        from faker import Faker

        faker = Faker(locale)
        faker.seed_instance(int(rng.integers(2**31)))
        return getattr(faker, FAKER_METHODS.get(kind) or _name_method(column))
    if pd.api.types.is_datetime64_any_dtype(non_null) or (
        len(non_null) and isinstance(non_null.iloc[0], dt.date)
    ):
        stamps = pd.to_datetime(non_null)
        low, high = stamps.min().value, stamps.max().value
        daily = bool((stamps == stamps.dt.normalize()).all())

        def draw_date():
            value = pd.Timestamp(int(rng.integers(low, high + 1)) if high > low else low)
            return value.normalize() if daily else value.floor("s")

        return draw_date
    if pd.api.types.is_numeric_dtype(non_null) and len(non_null):
        low, high = float(non_null.min()), float(non_null.max())
        integral = bool((non_null == non_null.round()).all())

        def draw_number():
            value = rng.uniform(low, high) if high > low else low
            return round(value) if integral else round(value, 2)

        return draw_number
    shapes = non_null.astype(str).tolist() or [column]
    return lambda: _shaped(rng, shapes[int(rng.integers(len(shapes)))])


def fake_values(
    real: pd.Series, n: int, *, kind: str | None, column: str, seed: int, locale: str
) -> tuple[pd.Series, int]:
    """``n`` values none of which is a real value, with the real share of nulls; also returns how
    many draws were rejected because they equalled a real value."""
    rng = np.random.default_rng(column_seed(seed, column))
    draw = _drawer(kind, column, real, rng, locale)
    taken = {_key(v) for v in real.dropna()}
    shapes = real.dropna().astype(str).tolist() or [column]
    null_share = float(real.isna().mean()) if len(real) else 0.0
    nulls = rng.random(n) < null_share
    values, rejected = [], 0
    for is_null in nulls:
        if is_null:
            values.append(None)
            continue
        for _ in range(MAX_TRIES):
            candidate = draw()
            if _key(candidate) not in taken:
                break
            rejected += 1
        else:
            candidate = _shaped(rng, shapes[int(rng.integers(len(shapes)))])
            while candidate in taken:
                candidate = _shaped(rng, candidate)
        values.append(candidate)
    return pd.Series(values, dtype=object), rejected


def labels(column: str, n: int) -> pd.Series:
    """Generated labels for text that is different on every row: ``product_name 00001``."""
    width = max(5, len(str(n)))
    return pd.Series([f"{column} {i:0{width}d}" for i in range(1, n + 1)], dtype=object)
