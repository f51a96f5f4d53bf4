"""Value shapes and personal-data detection."""

from __future__ import annotations

import pytest

from nex_assets.common.patterns import compact_shape, dominant_shapes, mask, personal_kind, shape


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Anna Smith 42", "Aaaa Aaaaa 99"),
        ("SW1A 1AA", "AA9A 9AA"),
        ("a.b@c.io", "a.a@a.aa"),
        ("+44 (0)20", "+99 (9)99"),
        ("Zoë", "Aaa"),
        ("", ""),
    ],
)
def test_shape(value, expected):
    assert shape(value) == expected


def test_shape_truncates_long_values_with_an_ellipsis():
    assert shape("abcdef", max_len=3) == "aaa…"
    assert shape("abc", max_len=3) == "aaa"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Anna Smith 42", "Aa+ Aa+ 9+"),
        ("SKU-00123", "A+-9+"),
        ("a1", "a9"),
        ("2024-01-31", "9+-9+-9+"),
    ],
)
def test_compact_shape(value, expected):
    assert compact_shape(value) == expected


def test_compact_shape_groups_values_of_different_lengths():
    assert compact_shape("SKU-12") == compact_shape("SKUX-99999") == "A+-9+"


def test_compact_shape_is_not_cut_at_the_default_shape_length():
    assert compact_shape("a" * 100 + "1") == "a+9"


def test_dominant_shapes_shares():
    values = ["AB12", "CD345", "EF67", "x", "2024-01-01"]
    assert dominant_shapes(values, top=2) == [("A+9+", 0.6), ("a", 0.2)]


def test_dominant_shapes_empty():
    assert dominant_shapes([]) == []


def test_mask():
    assert mask(None) == ""
    assert mask(12.5) == "99.9"
    assert mask("Anna") == "Aaaa"


# --- personal_kind -----------------------------------------------------------------------------


def test_emails_are_detected_whatever_the_column_name():
    values = ["anna.smith@example.co.uk", "o'neil+news@mail.com", "x_y@sub.domain.org", "", "  "]
    assert personal_kind("contact", values) == "email"


def test_mostly_emails_is_enough():
    values = [f"user{i}@example.com" for i in range(8)] + ["n/a", "unknown"]
    assert personal_kind("col", values) == "email"


def test_few_emails_are_not_an_email_column():
    values = ["user@example.com", "note", "other", "text"]
    assert personal_kind("remarks", values) is None


UK_PHONES = ["+44 20 7946 0958", "07700 900123", "(020) 7946 0000", "0161-496-0000", "+447700900456"]


@pytest.mark.parametrize("column", ["phone", "Mobile_Number", "home_tel", "fax"])
def test_uk_phone_numbers_in_a_phone_column(column):
    assert personal_kind(column, UK_PHONES) == "phone"


def test_phone_numbers_are_phones_whatever_the_column_is_called():
    """A column called reach_me holds phones as surely as one called phone does."""
    assert personal_kind("reach_me", UK_PHONES) == "phone"


def test_short_numbers_in_a_phone_column_are_not_phones():
    assert personal_kind("phone_ext", ["123", "4567", "89"]) is None


@pytest.mark.parametrize("column", ["first_name", "Last_Name", "customer_surname", "full_name"])
def test_name_columns_by_name_hint_even_without_values(column):
    assert personal_kind(column, []) == "name"


def test_name_column_by_values():
    values = ["Anna Smith", "John Jones", "Mary-Jane Watson", "Zoe D'arcy", "Li Wei"]
    assert personal_kind("customer_name", values) == "name"


def test_generic_name_column_with_codes_is_not_flagged():
    assert personal_kind("name", ["SKU-001", "SKU-002", "sku 3", "X9"]) is None


def test_empty_values_are_not_flagged():
    assert personal_kind("phone", ["", "  ", ""]) is None


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("city", ["London", "Manchester", "Leeds", "Bristol", "Glasgow", "London"]),
        ("region", ["North West", "South East", "Scotland"]),
        ("price", ["12.99", "3.50", "100.00", "7"]),
        ("store_id", ["10000001", "10000002", "10000003"]),
        ("week_start", ["2024-01-01", "2024-01-08"]),
        ("segment", ["Value", "Premium", "Family"]),
    ],
)
def test_ordinary_columns_are_not_personal(column, values):
    assert personal_kind(column, values) is None


def test_hotel_ids_are_not_phone_numbers():
    assert personal_kind("hotel_id", ["10000001", "10000002", "10000003"]) is None
