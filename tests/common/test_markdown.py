"""Markdown tables and number formatting for asset metadata."""

from __future__ import annotations

import pytest

from nex_assets.common.markdown import number, table


def test_table_layout():
    text = table(["name", "n"], [["a", 1], ["b", None]])
    assert text.split("\n") == ["| name | n |", "|---|---|", "| a | 1 |", "| b |  |"]


def test_table_without_rows_has_header_and_rule():
    assert table(["x"], []) == "| x |\n|---|"


def test_table_accepts_a_generator_of_rows():
    assert table(["x"], ([i] for i in range(2))).endswith("| 0 |\n| 1 |")


def test_pipes_are_escaped():
    assert table(["v"], [["a|b"]]).split("\n")[2] == "| a\\|b |"


def test_newlines_are_flattened_so_a_row_stays_on_one_line():
    text = table(["v", "w"], [["line one\nline two", "x"]])
    assert text.split("\n")[2] == "| line one line two | x |"
    assert len(text.split("\n")) == 3


def test_long_cells_are_truncated_to_60_characters_with_an_ellipsis():
    row = table(["v"], [["x" * 100]]).split("\n")[2]
    cell = row[2:-2]
    assert len(cell) == 60
    assert cell == "x" * 59 + "…"


def test_cell_of_exactly_60_characters_is_kept():
    assert table(["v"], [["y" * 60]]).split("\n")[2] == "| " + "y" * 60 + " |"


def test_truncation_happens_before_escaping_so_no_pipe_is_cut_in_half():
    row = table(["v"], [["|" * 100]]).split("\n")[2]
    assert row == "| " + "\\|" * 59 + "… |"


def test_carriage_returns_are_flattened_too():
    assert "\r" not in table(["v"], [["first\r\nsecond"]])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.123456, "0.123"),
        (2.0, "2"),
        (-3.14159, "-3.14"),
        (1e-7, "1e-07"),
        (999.4, "999"),
        (1_234_567.8, "1,234,568"),
        (-2_500_000.0, "-2,500,000"),
        (1234, "1,234"),
        (-1_000_000, "-1,000,000"),
        (0, "0"),
        (None, ""),
        ("text", "text"),
    ],
)
def test_number(value, expected):
    assert number(value) == expected


def test_number_digits():
    assert number(3.14159, digits=5) == "3.1416"
