"""SQL identifiers from header and catalog names."""

from __future__ import annotations

import pytest

from nex_assets.common.identifiers import (
    MAX_IDENTIFIER,
    IdentifierError,
    column_identifiers,
    dataset_identifier,
    to_identifier,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Order ID", "order_id"),
        ("  unit   price  ", "unit_price"),
        ("Unit Price (£)", "unit_price"),
        ("discount-%", "discount"),
        ("a.b/c", "a_b_c"),
        ("Café Crème", "cafe_creme"),
        ("Ñandú", "nandu"),
        ("2024 Sales", "c_2024_sales"),
        ("1", "c_1"),
        ("__private__", "private"),
        ("already_snake_9", "already_snake_9"),
        ("", ""),
        ("???", ""),
        ("日本", ""),
    ],
)
def test_to_identifier(name, expected):
    assert to_identifier(name) == expected


def test_column_identifiers_keeps_order():
    assert column_identifiers(["ID", "First Name", "E-mail"]) == ["id", "first_name", "e_mail"]


@pytest.mark.parametrize("blank", ["", "   ", "%%", "日本"])
def test_blank_or_unusable_name_is_an_error_naming_the_position(blank):
    with pytest.raises(IdentifierError, match=r"column 2 has a blank or unusable name"):
        column_identifiers(["id", blank, "x"])


def test_duplicate_after_normalisation_names_both_positions():
    with pytest.raises(IdentifierError) as info:
        column_identifiers(["id", "Order ID", "price", "order_id"])
    message = str(info.value)
    assert "columns 2 and 4" in message
    assert "'order_id'" in message


def test_name_at_the_length_limit_is_allowed():
    name = "a" * MAX_IDENTIFIER
    assert column_identifiers([name]) == [name]


def test_too_long_name_is_an_error():
    with pytest.raises(IdentifierError, match=rf"column 1 name .* longer than {MAX_IDENTIFIER}"):
        column_identifiers(["a" * (MAX_IDENTIFIER + 1)])


def test_reserved_prefix_cannot_survive_normalisation():
    # Leading underscores are stripped, so a header can never produce a `_nex_` column that would
    # clash with the loader's own columns; the explicit reserved-prefix check is unreachable.
    assert column_identifiers(["_nex_loaded_at"]) == ["nex_loaded_at"]
    assert not to_identifier("_nex_row").startswith("_nex_")


def test_dataset_identifier_accepts_snake_case():
    assert dataset_identifier("retail_sales_2024") == "retail_sales_2024"


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("Retail Sales", "retail_sales"),
        ("retail-sales", "retail_sales"),
        ("2024_sales", "c_2024_sales"),
        ("_sales", "sales"),
        ("", ""),
    ],
)
def test_dataset_identifier_rejects_other_names_with_a_suggestion(name, suggestion):
    with pytest.raises(IdentifierError, match=rf"must be lower-case snake_case.*e\.g\. '{suggestion}'"):
        dataset_identifier(name)
