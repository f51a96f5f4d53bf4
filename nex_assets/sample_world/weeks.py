"""Weeks, holidays and seasonality of NEX Retail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from nex_assets.sample_world.model import SEASONALITY, TREND_PER_YEAR

START_DATE = date(2023, 1, 2)  # a Monday; every week_start is a Monday from here on


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
class Calendar:
    week_start: np.ndarray  # ISO strings
    holiday: np.ndarray  # bool per week
    season_t: np.ndarray  # fraction of the year at mid-week
    trend: np.ndarray  # multiplicative trend per week
    first_day: date
    end_day: date  # first day after the sales period


def build_calendar(weeks: int) -> Calendar:
    starts = [START_DATE + timedelta(weeks=w) for w in range(weeks)]
    holidays: set[date] = set()
    for year in range(starts[0].year, starts[-1].year + 1):
        holidays.update(holiday_week_starts(year))
    mid = [d + timedelta(days=3) for d in starts]
    season_t = np.array([(m.timetuple().tm_yday - 1) / 365.25 for m in mid])
    return Calendar(
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
