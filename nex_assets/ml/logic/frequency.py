"""Time in a table, whatever its form: dates, datetimes, years as integers (``1963`` or ``63``) or
fractional years (``1949.0833`` for February 1949, as R exports a monthly series).

The frequency (daily, weekly, monthly, quarterly, yearly) is detected from the spacing of the
distinct periods, or declared by the recipe; it gives the seasonal period, the lags a forecast uses
and the calendar terms that absorb seasonality.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


# The calendar terms ``season_terms`` adds: they differ between the newest periods and a whole
# history by construction, so drift monitoring leaves them out.
CALENDAR_TERMS = ("season_cos1", "season_sin1", "season_cos2", "season_sin2", "trend_years")


class FrequencyError(ValueError):
    pass


@dataclass(frozen=True)
class Frequency:
    name: str
    season: int  # periods in one seasonal cycle; 1 when there is no season (yearly data)
    offset: str  # the pandas offset of one period

    @property
    def lags(self) -> tuple[int, ...]:
        """The lags of the target a forecast reads: the last two periods and one season back."""
        lags = [1, 2]
        if self.season > 2:
            lags.append(self.season)
        return tuple(lags)

    @property
    def window(self) -> int:
        """Periods in the rolling mean of recent values."""
        return max(2, min(4, self.season if self.season > 1 else 3))


FREQUENCIES: dict[str, Frequency] = {
    "daily": Frequency("daily", 7, "D"),
    "weekly": Frequency("weekly", 52, "W"),
    "monthly": Frequency("monthly", 12, "MS"),
    "quarterly": Frequency("quarterly", 4, "QS"),
    "yearly": Frequency("yearly", 1, "YS"),
}
# Median spacing of distinct periods, in days, for each frequency.
_SPACING = (
    ("daily", 0.5, 1.5),
    ("weekly", 6, 8),
    ("monthly", 27, 32),
    ("quarterly", 88, 93),
    ("yearly", 360, 370),
)


def to_periods(values: pd.Series) -> pd.Series:
    """The column as timestamps: dates and datetimes as they are, integer years as the first day of
    the year (two-digit years read as 19xx/20xx), fractional years as the month or quarter they
    fall in."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(values):
        return pd.to_datetime(values).dt.tz_localize(None) if values.dt.tz is not None else values
    numeric = None
    if pd.api.types.is_numeric_dtype(values):
        numeric = values.astype(float)
    else:
        # Text is read as numbers only if a sample of it is: converting a million date strings to
        # numbers just to find out that they are not costs a second.
        sample = values.dropna().head(1000)
        if len(sample) and pd.to_numeric(sample, errors="coerce").notna().all():
            numeric = pd.to_numeric(values, errors="coerce")
    if numeric is not None and values.notna().any() and numeric[values.notna()].notna().all():
        whole = np.isclose(numeric, np.round(numeric))
        if whole.all():
            years = numeric.round().astype(int)
            if (years < 100).all() and (years < 10).all():
                # 1, 2, 3 are counts far more often than the years 2001-2003.
                raise FrequencyError("single-digit integers are not read as years; write years in full")
            years = years.where(years >= 100, years + np.where(years >= 30, 1900, 2000))
            if ((years < 1000) | (years > 3000)).any():
                raise FrequencyError("integer time values are read as years, and these are not years")
            return pd.to_datetime({"year": years, "month": 1, "day": 1})
        year = np.floor(numeric).astype(int)
        fraction = numeric - year
        month = np.clip(np.round(fraction * 12).astype(int) + 1, 1, 12)
        return pd.to_datetime({"year": year, "month": month, "day": 1})
    parsed = pd.to_datetime(values, errors="coerce", format="mixed")
    bad = values.notna() & parsed.isna()
    if bad.any():
        raise FrequencyError(f"value {values[bad].iloc[0]!r} is not a date, a year or a fractional year")
    return parsed


def detect(periods: pd.Series) -> Frequency:
    """The frequency of a time column (as ``to_periods`` returns it) from the spacing of its
    distinct values."""
    import numpy as np

    distinct = np.sort(periods.dropna().unique())
    if len(distinct) < 3:
        raise FrequencyError(f"only {len(distinct)} distinct periods: too few to tell a frequency")
    gaps = np.diff(distinct).astype("timedelta64[h]").astype(float) / 24.0
    median = float(np.median(gaps))
    for name, low, high in _SPACING:
        if low <= median <= high:
            return FREQUENCIES[name]
    raise FrequencyError(
        f"periods are {median:.1f} days apart in the middle: not daily, weekly, monthly, quarterly or "
        "yearly; declare roles.frequency"
    )


def resolve(periods: pd.Series, declared: str) -> Frequency:
    return detect(periods) if declared == "auto" else FREQUENCIES[declared]


def period_index(periods: pd.Series, freq: Frequency) -> pd.Series:
    """Whole periods since the first one, so lags and trends count periods, not days."""
    import numpy as np
    import pandas as pd

    start = periods.min()
    if freq.name == "monthly":
        return (periods.dt.year - start.year) * 12 + (periods.dt.month - start.month)
    if freq.name == "quarterly":
        return (periods.dt.year - start.year) * 4 + (periods.dt.month - start.month) // 3
    if freq.name == "yearly":
        return periods.dt.year - start.year
    days = (periods - start).dt.days
    step = 7 if freq.name == "weekly" else 1
    return pd.Series(np.round(days / step).astype(int), index=periods.index)


def season_terms(periods: pd.Series, freq: Frequency, origin=None) -> pd.DataFrame:
    """Yearly and half-yearly Fourier terms of the position in the year, and years elapsed since
    ``origin`` (default the first period): enough to absorb smooth seasonality and trend without a
    dummy per period. Weekly and daily data are placed mid-week and mid-day."""
    import numpy as np
    import pandas as pd

    shift = pd.Timedelta(days=3) if freq.name == "weekly" else pd.Timedelta(0)
    mid = periods + shift
    t = (mid.dt.dayofyear.to_numpy() - 1) / 365.25
    start = periods.min() if origin is None else origin
    elapsed = (periods - start).dt.days.to_numpy() / 365.25
    out = {"trend_years": elapsed}
    if freq.season > 1:
        out = {
            "season_cos1": np.cos(2 * np.pi * t),
            "season_sin1": np.sin(2 * np.pi * t),
            "season_cos2": np.cos(4 * np.pi * t),
            "season_sin2": np.sin(4 * np.pi * t),
            **out,
        }
    return pd.DataFrame(out, index=periods.index)


def next_periods(last, freq: Frequency, n: int) -> list:
    """The ``n`` periods after ``last``."""
    import pandas as pd

    if freq.name == "weekly":
        return [last + pd.Timedelta(days=7 * i) for i in range(1, n + 1)]
    if freq.name == "daily":
        return [last + pd.Timedelta(days=i) for i in range(1, n + 1)]
    months = {"monthly": 1, "quarterly": 3, "yearly": 12}[freq.name]
    return [last + pd.DateOffset(months=months * i) for i in range(1, n + 1)]
