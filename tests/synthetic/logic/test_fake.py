from __future__ import annotations

import pandas as pd

from nex_assets.synthetic.logic.fake import fake_values, labels


def test_fake_values_never_equal_a_real_one_even_when_faker_would_draw_it():
    real = pd.Series(["Amy", "Oliver", "Jack", "Emily", "Harry", "Sophie", None] * 30)
    values, rejected = fake_values(real, 500, kind="name", column="first_name", seed=3, locale="en_GB")
    assert len(values) == 500
    assert not set(values.dropna()) & set(real.dropna())
    assert rejected > 0  # Faker drew some of these common names and they were thrown away
    assert 0.05 < values.isna().mean() < 0.3  # about the real share of nulls (1 in 7)


def test_dates_and_numbers_stay_in_the_real_range_without_real_values():
    days = pd.Series(pd.date_range("1950-01-01", "1999-12-31", freq="17D"))
    values, _ = fake_values(days, 300, kind="date", column="birth_date", seed=1, locale="en_GB")
    stamps = pd.to_datetime(values)
    assert stamps.min() >= days.min() and stamps.max() <= days.max()
    assert not set(stamps) & set(days)
    numbers = pd.Series([1000, 2000, 3000])
    drawn, _ = fake_values(numbers, 50, kind=None, column="salary", seed=1, locale="en_GB")
    assert drawn.between(1000, 3000).all() and not set(drawn) & {1000, 2000, 3000}


def test_the_same_seed_gives_the_same_values():
    real = pd.Series([f"user{i}@example.com" for i in range(20)])
    first, _ = fake_values(real, 50, kind="email", column="email", seed=5, locale="en_GB")
    second, _ = fake_values(real, 50, kind="email", column="email", seed=5, locale="en_GB")
    assert first.tolist() == second.tolist() and all("@" in v for v in first)


def test_labels_are_numbered():
    assert labels("note", 3).tolist() == ["note 00001", "note 00002", "note 00003"]
